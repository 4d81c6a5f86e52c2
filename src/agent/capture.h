/* capture.h - the capture file of `riptel-agent --record` / `--replay`. */
#ifndef RIPTEL_CAPTURE_H
#define RIPTEL_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"
#include "riptel.h"

/*
 * A capture holds the raw records the agent drained, in drain order, with
 * the SPIFFE ID strings they reference, so the whole pipeline can run from
 * it on another machine without the kernel.
 *
 * Byte order: every integer is in the capturing host's byte order, because
 * the records are stored exactly as the kernel wrote them.  The byte-order
 * mark tells a reader which order that was; a reader refuses a foreign one
 * (with a message saying so) rather than misread it.
 *
 *   file   = header chunk* [trailer]
 *
 *   header (CAPTURE_HEADER_SIZE = 256 bytes)
 *   +--------+------+--------------------------------------------------+
 *   | offset | size | field                                            |
 *   +--------+------+--------------------------------------------------+
 *   |      0 |    8 | magic "RIPTCAP\0"                                |
 *   |      8 |    4 | byte-order mark 0x01020304                       |
 *   |     12 |    4 | format version (CAPTURE_FORMAT_VERSION)          |
 *   |     16 |    4 | header size (256; a reader skips what it lacks)  |
 *   |     20 |    4 | RIPTEL_ABI_VERSION of the records                |
 *   |     24 |    4 | record size (RIPTEL_RECORD_SIZE)                 |
 *   |     28 |    4 | nr_cpus (rings of the capturing host)            |
 *   |     32 |    8 | s64 CLOCK_REALTIME - CLOCK_MONOTONIC at start, ns|
 *   |     40 |    8 | u64 creation time, Unix ns                       |
 *   |     48 |   72 | host name, NUL-padded                            |
 *   |    120 |   72 | kernel release, NUL-padded                       |
 *   |    192 |   64 | reserved, zero                                   |
 *   +--------+------+--------------------------------------------------+
 *
 *   chunk  = u32 type | u32 length (bytes of payload) | payload
 *
 *   type 1  records:  length = n * record size; n raw records, n >= 1
 *   type 2  identity: u32 id | u32 gen | SPIFFE ID bytes (length - 8 of
 *                     them, 1..RIPTEL_SPIFFE_MAX, no NUL).  Written before
 *                     the first record that references {id, gen}.
 *   type 3  trailer:  u64 records | u64 identities | u32 nr | u32 zero |
 *                     nr * (u32 cpu | u32 zero | u64 written | u64 dropped)
 *                     Last chunk, present only if the capture ended cleanly.
 *   types >= 0x8000 are optional: a reader skips those it does not know;
 *   any other unknown type is an error.
 *
 * Damage: a file cut short yields every whole record and identity before
 * the cut, then an error naming how many bytes were ignored.  A file that
 * ends at a chunk boundary without a trailer is complete but not clean
 * (capture_clean() false: the agent did not stop normally).
 */
#define CAPTURE_MAGIC		"RIPTCAP"	/* 8 bytes with its NUL */
#define CAPTURE_BOM		0x01020304u
#define CAPTURE_FORMAT_VERSION	1
#define CAPTURE_HEADER_SIZE	256
#define CAPTURE_HOST_LEN	72	/* field bytes, NUL included */

#define CAPTURE_CHUNK_RECORDS	1
#define CAPTURE_CHUNK_IDENTITY	2
#define CAPTURE_CHUNK_TRAILER	3
#define CAPTURE_CHUNK_OPTIONAL	0x8000u
/* a reader's sanity bounds: larger chunks are corruption */
#define CAPTURE_MAX_CHUNK_RECORDS	8192
#define CAPTURE_MAX_CPUS		65536

/* What the header says. */
struct capture_info {
	uint32_t format_version;	/* filled by the writer */
	uint32_t abi_version;		/* filled by the writer */
	uint32_t record_size;		/* filled by the writer */
	uint32_t nr_cpus;
	int64_t mono_to_real_ns;	/* Unix ns = ts_ns + this */
	uint64_t created_ns;		/* Unix ns */
	char hostname[CAPTURE_HOST_LEN];
	char kernel_release[CAPTURE_HOST_LEN];
};

/* Fill host name, kernel release, creation time and the clock offset of
 * this host.  nr_cpus is the caller's.  0 or -errno. */
int capture_info_local(struct capture_info *info);

/* Per-CPU ring counters for the trailer. */
struct capture_cpu_counters {
	uint32_t cpu;
	uint64_t written;
	uint64_t dropped;
};

/* ---- writing ---------------------------------------------------------- */

struct capture_writer;

/*
 * Resolves a reference for the writer (spans_resolve_fn's shape); NULL:
 * unknown, nothing is written for it.
 */
typedef const char *(*capture_resolve_fn)(void *ctx, uint32_t id,
					  uint32_t gen);

/*
 * Create (or truncate) @path, mode 0600 (records name processes and
 * identities), and write the header from @info (format, ABI version and
 * record size are always this build's).  0 or -errno.
 */
int capture_open_write(const char *path, const struct capture_info *info,
		       struct capture_writer **out);
/*
 * With a resolver set, capture_write_record() writes the identity of every
 * reference the record carries the first time it sees that {id, gen}.
 */
void capture_set_resolver(struct capture_writer *w, capture_resolve_fn fn,
			  void *ctx);
/* Append one record (buffered into record chunks).  0 or -errno. */
int capture_write_record(struct capture_writer *w,
			 const struct riptel_record *rec);
/* Append an identity unless {id, gen} was written already.  -EINVAL for
 * id 0, an empty or over-long string, or after the trailer.  0 or -errno. */
int capture_write_identity(struct capture_writer *w, uint32_t id,
			   uint32_t gen, const char *spiffe_id);
/* true if {id, gen} is in the file already. */
bool capture_has_identity(const struct capture_writer *w, uint32_t id,
			  uint32_t gen);
/* Push buffered records to the kernel (not fsync).  0 or -errno. */
int capture_flush(struct capture_writer *w);
/* Write the trailer: the capture ended cleanly.  Nothing may follow. */
int capture_write_trailer(struct capture_writer *w,
			  const struct capture_cpu_counters *c, size_t n);
uint64_t capture_records_written(const struct capture_writer *w);
/* Flush and close; 0, or the first -errno any write hit.  NULL: 0. */
int capture_close(struct capture_writer *w);

/*
 * A pipeline sink writing every record to @w; it takes ownership of @w
 * (destroy closes it: write the trailer before pipeline_fini()).
 */
void capture_sink(struct sink *s, struct capture_writer *w);

/* The SPIFFE references a record carries; returns how many (<= 2). */
size_t capture_record_refs(const struct riptel_record *rec,
			   struct riptel_spiffe_ref refs[2]);

/* ---- reading ---------------------------------------------------------- */

struct capture_reader;

enum capture_item_type {
	CAPTURE_ITEM_RECORD = 1,
	CAPTURE_ITEM_IDENTITY,
};

struct capture_item {
	enum capture_item_type type;
	/* RECORD */
	struct riptel_record rec;
	/*
	 * Pacing: ns since the capture's first record at which to hand this
	 * record on to replay at the recorded pace.  Drain order interleaves
	 * CPUs, so ts_ns is not monotonic: pace_ns is the largest ts_ns so
	 * far minus the first one, never decreasing.
	 */
	uint64_t pace_ns;
	/* IDENTITY: valid until the next capture_next() */
	uint32_t id, gen;
	const char *spiffe_id;
};

/*
 * Open @path and check its header.  On failure -errno and an actionable
 * message in @err:
 *   -EBADMSG          not a capture, or a damaged header
 *   -ENODATA          header cut short
 *   -EPROTONOSUPPORT  other byte order, format version, ABI version or
 *                     record size than this agent's
 */
int capture_open_read(const char *path, struct capture_reader **out,
		      char *err, size_t errlen);
const struct capture_info *capture_reader_info(const struct capture_reader *r);
/*
 * The next item, in file order.  1: @item filled; 0: end of file;
 * -ENODATA: cut short (everything whole before the cut was returned);
 * -EBADMSG: corrupt; -EIO etc.  After an error every call returns it again;
 * capture_error() says what and where.
 */
int capture_next(struct capture_reader *r, struct capture_item *item);
const char *capture_error(const struct capture_reader *r);
/* Bytes after the last whole item that an error made the reader ignore. */
uint64_t capture_bytes_ignored(const struct capture_reader *r);
/* true once a trailer was read; the counters are then valid. */
bool capture_clean(const struct capture_reader *r);
/* The trailer's counters (n entries) or NULL before/without a trailer. */
const struct capture_cpu_counters *capture_counters(
	const struct capture_reader *r, size_t *n);
/*
 * Resolver over the identities read so far (spans_resolve_fn's shape; @ctx
 * is the reader).  Use it on the thread calling capture_next(); the string
 * stays valid until the same {id, gen} is read again or the reader closes.
 */
const char *capture_resolve(void *ctx, uint32_t id, uint32_t gen);
void capture_close_read(struct capture_reader *r);

#endif /* RIPTEL_CAPTURE_H */
