/* capture.c - write and read capture files of drained records (capture.h). */
#include "capture.h"

#include <byteswap.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define WRITE_BATCH		64	/* records per chunk the writer emits */
#define MAX_OPTIONAL_CHUNK	(16u << 20)
#define MAX_IDENTITIES		(1u << 20)
#define CHUNK_HDR_SIZE		8
#define TRAILER_FIXED		24
#define TRAILER_ENTRY		24

/* Header field offsets; the layout is drawn in capture.h. */
#define OFF_MAGIC	0
#define OFF_BOM		8
#define OFF_FORMAT	12
#define OFF_HDRSIZE	16
#define OFF_ABI		20
/*
 * The oldest record ABI a capture may carry.  ABI 1's records are ABI 2's
 * with the fields 2 added zero (riptel_rec_conn's tgid and pid: unknown),
 * so they replay as they are.
 */
#define CAPTURE_ABI_OLDEST	1
#define OFF_RECSIZE	24
#define OFF_NRCPUS	28
#define OFF_OFFSET	32
#define OFF_CREATED	40
#define OFF_HOST	48
#define OFF_RELEASE	(OFF_HOST + CAPTURE_HOST_LEN)
#define OFF_RESERVED	(OFF_RELEASE + CAPTURE_HOST_LEN)

_Static_assert(OFF_RESERVED + 64 == CAPTURE_HEADER_SIZE, "header layout");
_Static_assert(sizeof(CAPTURE_MAGIC) == 8, "magic is 8 bytes");

/* ---- {id, gen} table, shared by writer (no values) and reader -------- */

/* Open addressing; key (id << 32 | gen) is never 0 because id never is. */
struct idtab {
	uint64_t *keys;
	char **vals;
	size_t cap;	/* power of two, or 0 */
	size_t n;
};

static uint64_t idtab_key(uint32_t id, uint32_t gen)
{
	return (uint64_t)id << 32 | gen;
}

static size_t idtab_slot(const struct idtab *t, uint64_t key)
{
	size_t mask = t->cap - 1;
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 17) & mask;

	while (t->keys[i] && t->keys[i] != key)
		i = (i + 1) & mask;
	return i;
}

static char **idtab_find(const struct idtab *t, uint64_t key)
{
	size_t i;

	if (!t->cap)
		return NULL;
	i = idtab_slot(t, key);
	return t->keys[i] ? &t->vals[i] : NULL;
}

static int idtab_grow(struct idtab *t)
{
	struct idtab g = { .cap = t->cap ? t->cap * 2 : 64 };
	size_t i, j;

	g.keys = calloc(g.cap, sizeof(*g.keys));
	g.vals = calloc(g.cap, sizeof(*g.vals));
	if (!g.keys || !g.vals) {
		free(g.keys);
		free(g.vals);
		return -ENOMEM;
	}
	for (i = 0; i < t->cap; i++) {
		if (!t->keys[i])
			continue;
		j = idtab_slot(&g, t->keys[i]);
		g.keys[j] = t->keys[i];
		g.vals[j] = t->vals[i];
	}
	g.n = t->n;
	free(t->keys);
	free(t->vals);
	*t = g;
	return 0;
}

/* Insert or replace; takes ownership of @val (may be NULL).  0 or -errno. */
static int idtab_put(struct idtab *t, uint64_t key, char *val)
{
	char **old = idtab_find(t, key);
	size_t i;
	int ret;

	if (old) {
		free(*old);
		*old = val;
		return 0;
	}
	if (t->n >= MAX_IDENTITIES) {
		free(val);
		return -ENOSPC;
	}
	if ((t->n + 1) * 4 > t->cap * 3) {
		ret = idtab_grow(t);
		if (ret) {
			free(val);
			return ret;
		}
	}
	i = idtab_slot(t, key);
	t->keys[i] = key;
	t->vals[i] = val;
	t->n++;
	return 0;
}

static void idtab_free(struct idtab *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->vals[i]);
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof(*t));
}

/* ---- header ----------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

int capture_info_local(struct capture_info *info)
{
	struct timespec m0, rt, m1;
	struct utsname u;
	uint64_t mono;

	if (uname(&u) || clock_gettime(CLOCK_MONOTONIC, &m0) ||
	    clock_gettime(CLOCK_REALTIME, &rt) ||
	    clock_gettime(CLOCK_MONOTONIC, &m1))
		return -errno;
	/* the wall clock was read between the two monotonic readings */
	mono = ts_ns(&m0) + (ts_ns(&m1) - ts_ns(&m0)) / 2;
	info->mono_to_real_ns = (int64_t)(ts_ns(&rt) - mono);
	info->created_ns = ts_ns(&rt);
	snprintf(info->hostname, sizeof(info->hostname), "%s", u.nodename);
	snprintf(info->kernel_release, sizeof(info->kernel_release), "%s",
		 u.release);
	return 0;
}

/* ---- writer ----------------------------------------------------------- */

struct capture_writer {
	FILE *f;
	int err;			/* first write error, sticky */
	bool trailer;			/* written: nothing may follow */
	struct idtab ids;
	capture_resolve_fn resolve;
	void *resolve_ctx;
	uint64_t records, identities;
	size_t nbuf;
	struct riptel_record buf[WRITE_BATCH];
};

static int writer_put(struct capture_writer *w, const void *p, size_t n)
{
	if (w->err)
		return w->err;
	if (n && fwrite(p, 1, n, w->f) != n)
		w->err = errno ? -errno : -EIO;
	return w->err;
}

static int writer_chunk(struct capture_writer *w, uint32_t type,
			uint32_t len)
{
	uint8_t h[CHUNK_HDR_SIZE];

	put32(h, type);
	put32(h + 4, len);
	return writer_put(w, h, sizeof(h));
}

/* Emit the buffered records as one chunk. */
static int writer_spill(struct capture_writer *w)
{
	size_t n = w->nbuf;
	int ret;

	if (!n)
		return w->err;
	w->nbuf = 0;
	ret = writer_chunk(w, CAPTURE_CHUNK_RECORDS,
			   (uint32_t)(n * RIPTEL_RECORD_SIZE));
	if (!ret)
		ret = writer_put(w, w->buf, n * RIPTEL_RECORD_SIZE);
	return ret;
}

int capture_open_write(const char *path, const struct capture_info *info,
		       struct capture_writer **out)
{
	uint8_t h[CAPTURE_HEADER_SIZE] = { 0 };
	struct capture_writer *w;
	int fd, ret;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto err_free;
	}
	w->f = fdopen(fd, "wb");
	if (!w->f) {
		ret = -errno;
		close(fd);
		goto err_free;
	}
	memcpy(h + OFF_MAGIC, CAPTURE_MAGIC, sizeof(CAPTURE_MAGIC));
	put32(h + OFF_BOM, CAPTURE_BOM);
	put32(h + OFF_FORMAT, CAPTURE_FORMAT_VERSION);
	put32(h + OFF_HDRSIZE, CAPTURE_HEADER_SIZE);
	put32(h + OFF_ABI, RIPTEL_ABI_VERSION);
	put32(h + OFF_RECSIZE, RIPTEL_RECORD_SIZE);
	put32(h + OFF_NRCPUS, info->nr_cpus);
	put64(h + OFF_OFFSET, (uint64_t)info->mono_to_real_ns);
	put64(h + OFF_CREATED, info->created_ns);
	/* strnlen: the last byte of each field stays NUL */
	memcpy(h + OFF_HOST, info->hostname,
	       strnlen(info->hostname, CAPTURE_HOST_LEN - 1));
	memcpy(h + OFF_RELEASE, info->kernel_release,
	       strnlen(info->kernel_release, CAPTURE_HOST_LEN - 1));
	ret = writer_put(w, h, sizeof(h));
	if (ret)
		goto err_close;
	*out = w;
	return 0;

err_close:
	fclose(w->f);
	unlink(path);
err_free:
	free(w);
	return ret;
}

void capture_set_resolver(struct capture_writer *w, capture_resolve_fn fn,
			  void *ctx)
{
	w->resolve = fn;
	w->resolve_ctx = ctx;
}

bool capture_has_identity(const struct capture_writer *w, uint32_t id,
			  uint32_t gen)
{
	return id && idtab_find(&w->ids, idtab_key(id, gen));
}

int capture_write_identity(struct capture_writer *w, uint32_t id,
			   uint32_t gen, const char *spiffe_id)
{
	size_t len = spiffe_id ? strnlen(spiffe_id, RIPTEL_SPIFFE_MAX + 1) : 0;
	uint8_t ig[8];
	int ret;

	if (w->trailer)
		return -EINVAL;
	if (!id || !len || len > RIPTEL_SPIFFE_MAX)
		return -EINVAL;
	if (capture_has_identity(w, id, gen))
		return 0;
	/* records that reference it must come after it */
	ret = writer_spill(w);
	if (ret)
		return ret;
	put32(ig, id);
	put32(ig + 4, gen);
	ret = writer_chunk(w, CAPTURE_CHUNK_IDENTITY, (uint32_t)(8 + len));
	if (!ret)
		ret = writer_put(w, ig, sizeof(ig));
	if (!ret)
		ret = writer_put(w, spiffe_id, len);
	if (ret)
		return ret;
	w->identities++;
	return idtab_put(&w->ids, idtab_key(id, gen), NULL);
}

size_t capture_record_refs(const struct riptel_record *rec,
			   struct riptel_spiffe_ref refs[2])
{
	size_t n = 0;

	switch (rec->hdr.type) {
	case RIPTEL_REC_CONN_INTERCEPT:
		refs[n++] = rec->conn.local_id;
		break;
	case RIPTEL_REC_POLICY_DECISION:
		refs[n++] = rec->decision.local_id;
		refs[n++] = rec->decision.peer_id;
		break;
	case RIPTEL_REC_HANDSHAKE_START:
	case RIPTEL_REC_HANDSHAKE_DONE:
		refs[n++] = rec->handshake.peer_id;
		break;
	case RIPTEL_REC_IDENTITY:
		refs[n++] = rec->identity.id;
		break;
	default:
		break;
	}
	/* {0, 0} is "none" */
	if (n == 2 && !refs[1].id)
		n--;
	if (n >= 1 && !refs[0].id) {
		refs[0] = refs[1];
		n--;
	}
	return n;
}

int capture_write_record(struct capture_writer *w,
			 const struct riptel_record *rec)
{
	struct riptel_spiffe_ref refs[2];
	const char *s;
	size_t i, n;
	int ret;

	if (w->err)
		return w->err;
	if (w->trailer)
		return -EINVAL;
	if (w->resolve) {
		n = capture_record_refs(rec, refs);
		for (i = 0; i < n; i++) {
			if (capture_has_identity(w, refs[i].id, refs[i].gen))
				continue;
			s = w->resolve(w->resolve_ctx, refs[i].id,
				       refs[i].gen);
			/* unknown or invalid: the replay says "unknown" too */
			if (!s)
				continue;
			ret = capture_write_identity(w, refs[i].id,
						     refs[i].gen, s);
			if (ret && ret != -EINVAL)
				return ret;
		}
	}
	memcpy(&w->buf[w->nbuf++], rec, sizeof(*rec));
	w->records++;
	if (w->nbuf == WRITE_BATCH)
		return writer_spill(w);
	return 0;
}

int capture_flush(struct capture_writer *w)
{
	int ret = writer_spill(w);

	if (!ret && fflush(w->f))
		w->err = ret = errno ? -errno : -EIO;
	return ret;
}

int capture_write_trailer(struct capture_writer *w,
			  const struct capture_cpu_counters *c, size_t n)
{
	uint8_t fixed[TRAILER_FIXED] = { 0 }, e[TRAILER_ENTRY];
	size_t i;
	int ret;

	if (w->trailer || n > CAPTURE_MAX_CPUS)
		return -EINVAL;
	ret = writer_spill(w);
	if (ret)
		return ret;
	put64(fixed, w->records);
	put64(fixed + 8, w->identities);
	put32(fixed + 16, (uint32_t)n);
	ret = writer_chunk(w, CAPTURE_CHUNK_TRAILER,
			   (uint32_t)(TRAILER_FIXED + n * TRAILER_ENTRY));
	if (!ret)
		ret = writer_put(w, fixed, sizeof(fixed));
	for (i = 0; !ret && i < n; i++) {
		memset(e, 0, sizeof(e));
		put32(e, c[i].cpu);
		put64(e + 8, c[i].written);
		put64(e + 16, c[i].dropped);
		ret = writer_put(w, e, sizeof(e));
	}
	if (!ret)
		w->trailer = true;
	return ret;
}

uint64_t capture_records_written(const struct capture_writer *w)
{
	return w->records;
}

int capture_close(struct capture_writer *w)
{
	int ret;

	if (!w)
		return 0;
	ret = writer_spill(w);
	if (fclose(w->f) && !ret)
		ret = errno ? -errno : -EIO;
	if (!ret)
		ret = w->err;
	idtab_free(&w->ids);
	free(w);
	return ret;
}

static int sink_record(void *ctx, const struct riptel_record *r,
		       uint64_t unix_ns)
{
	(void)unix_ns;
	return capture_write_record(ctx, r);
}

static void sink_flush(void *ctx)
{
	capture_flush(ctx);
}

static void sink_destroy(void *ctx)
{
	capture_close(ctx);
}

void capture_sink(struct sink *s, struct capture_writer *w)
{
	*s = (struct sink){
		.name = "capture",
		.record = sink_record,
		.flush = sink_flush,
		.destroy = sink_destroy,
		.ctx = w,
	};
}

/* ---- reader ----------------------------------------------------------- */

struct capture_reader {
	FILE *f;
	struct capture_info info;
	uint64_t off;		/* bytes consumed from the file */
	uint64_t good_off;	/* end of the last whole item */
	int err;		/* sticky */
	char msg[256];
	bool clean;		/* trailer read */
	uint32_t recs_left;	/* in the current records chunk */
	uint64_t records, identities;
	bool have_first;
	uint64_t first_ts, max_ts;
	struct idtab ids;
	struct capture_cpu_counters *counters;
	size_t nr_counters;
};

/* Read up to @n bytes; returns how many (short only at end of file). */
static size_t reader_get(struct capture_reader *r, void *p, size_t n)
{
	size_t got = fread(p, 1, n, r->f);

	r->off += got;
	return got;
}

static int reader_fail(struct capture_reader *r, int err, const char *fmt,
		       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->err = err;
	return err;
}

/* A read came up short: a cut, or an I/O error. */
static int reader_short(struct capture_reader *r, const char *what)
{
	if (ferror(r->f))
		return reader_fail(r, -EIO, "read error at byte %" PRIu64
				   " (%s)", r->off, what);
	/* drain to the end so the count is of every byte ignored */
	while (fgetc(r->f) != EOF)
		r->off++;
	return reader_fail(r, -ENODATA,
			   "capture cut short in %s: %" PRIu64
			   " bytes after the last whole item (byte %" PRIu64
			   ") ignored; %" PRIu64 " records read",
			   what, r->off - r->good_off, r->good_off,
			   r->records);
}

static bool host_little_endian(void)
{
	const uint32_t one = 1;

	return *(const uint8_t *)&one == 1;
}

static int check_header(struct capture_reader *r, const uint8_t *h, size_t n,
			char *err, size_t errlen)
{
	uint32_t v, hs;

#define HDR_FAIL(code, ...)						\
	do {								\
		snprintf(err, errlen, __VA_ARGS__);			\
		return (code);						\
	} while (0)

	if (!n)
		HDR_FAIL(-ENODATA, "empty file, not a riptel capture");
	if (memcmp(h, CAPTURE_MAGIC, n < 8 ? n : 8))
		HDR_FAIL(-EBADMSG, "not a riptel capture (bad magic)");
	if (n < OFF_BOM + 4)
		goto cut;
	v = get32(h + OFF_BOM);
	if (v != CAPTURE_BOM) {
		if (bswap_32(v) == CAPTURE_BOM)
			HDR_FAIL(-EPROTONOSUPPORT,
				 "capture made on a %s-endian host; this agent "
				 "runs %s-endian: replay it on a %s-endian host",
				 host_little_endian() ? "big" : "little",
				 host_little_endian() ? "little" : "big",
				 host_little_endian() ? "big" : "little");
		HDR_FAIL(-EBADMSG, "damaged capture header (byte-order mark "
			 "0x%08x)", v);
	}
	if (n < OFF_FORMAT + 4)
		goto cut;
	v = get32(h + OFF_FORMAT);
	if (v != CAPTURE_FORMAT_VERSION)
		HDR_FAIL(-EPROTONOSUPPORT,
			 "capture file format %u, this agent reads format %u: "
			 "use the riptel-agent that recorded it", v,
			 CAPTURE_FORMAT_VERSION);
	if (n < OFF_HDRSIZE + 4)
		goto cut;
	hs = get32(h + OFF_HDRSIZE);
	if (hs != CAPTURE_HEADER_SIZE)
		HDR_FAIL(-EBADMSG, "damaged capture header (size %u, format "
			 "%u has %u)", hs, CAPTURE_FORMAT_VERSION,
			 CAPTURE_HEADER_SIZE);
	if (n < CAPTURE_HEADER_SIZE)
		goto cut;
	v = get32(h + OFF_ABI);
	r->info.abi_version = v;
	if (v < CAPTURE_ABI_OLDEST || v > RIPTEL_ABI_VERSION)
		HDR_FAIL(-EPROTONOSUPPORT,
			 "capture made with riptel ABI %u, this agent reads "
			 "ABI %u to %u: replay it with a riptel-agent built for "
			 "ABI %u", v, CAPTURE_ABI_OLDEST, RIPTEL_ABI_VERSION, v);
	v = get32(h + OFF_RECSIZE);
	if (v != RIPTEL_RECORD_SIZE)
		HDR_FAIL(-EPROTONOSUPPORT, "capture records are %u bytes, "
			 "this agent's are %u", v, RIPTEL_RECORD_SIZE);
	r->info.format_version = CAPTURE_FORMAT_VERSION;
	r->info.record_size = RIPTEL_RECORD_SIZE;
	r->info.nr_cpus = get32(h + OFF_NRCPUS);
	if (r->info.nr_cpus > CAPTURE_MAX_CPUS)
		HDR_FAIL(-EBADMSG, "damaged capture header (%u CPUs)",
			 r->info.nr_cpus);
	r->info.mono_to_real_ns = (int64_t)get64(h + OFF_OFFSET);
	r->info.created_ns = get64(h + OFF_CREATED);
	memcpy(r->info.hostname, h + OFF_HOST, CAPTURE_HOST_LEN);
	memcpy(r->info.kernel_release, h + OFF_RELEASE, CAPTURE_HOST_LEN);
	if (r->info.hostname[CAPTURE_HOST_LEN - 1] ||
	    r->info.kernel_release[CAPTURE_HOST_LEN - 1])
		HDR_FAIL(-EBADMSG, "damaged capture header (unterminated "
			 "host name or kernel release)");
	return 0;
cut:
	HDR_FAIL(-ENODATA, "capture header cut short: %zu of %u bytes", n,
		 CAPTURE_HEADER_SIZE);
#undef HDR_FAIL
}

int capture_open_read(const char *path, struct capture_reader **out,
		      char *err, size_t errlen)
{
	uint8_t h[CAPTURE_HEADER_SIZE];
	struct capture_reader *r;
	size_t n;
	int ret;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->f = fopen(path, "rbe");
	if (!r->f) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path,
			 strerror(errno));
		goto err_free;
	}
	n = reader_get(r, h, sizeof(h));
	if (ferror(r->f)) {
		ret = -EIO;
		snprintf(err, errlen, "cannot read %s", path);
		goto err_close;
	}
	ret = check_header(r, h, n, err, errlen);
	if (ret)
		goto err_close;
	r->good_off = r->off;
	*out = r;
	return 0;

err_close:
	fclose(r->f);
err_free:
	free(r);
	return ret;
}

const struct capture_info *capture_reader_info(const struct capture_reader *r)
{
	return &r->info;
}

static int read_record(struct capture_reader *r, struct capture_item *item)
{
	struct riptel_record *rec = &item->rec;

	if (reader_get(r, rec, sizeof(*rec)) != sizeof(*rec))
		return reader_short(r, "a record");
	if (rec->hdr.size != RIPTEL_RECORD_SIZE ||
	    rec->hdr.type >= RIPTEL_REC_TYPE_MAX)
		return reader_fail(r, -EBADMSG,
				   "corrupt capture: record %" PRIu64
				   " at byte %" PRIu64 " has type %u size %u",
				   r->records, r->off - sizeof(*rec),
				   rec->hdr.type, rec->hdr.size);
	r->recs_left--;
	r->records++;
	r->good_off = r->off;
	if (!r->have_first) {
		r->have_first = true;
		r->first_ts = r->max_ts = rec->hdr.ts_ns;
	} else if (rec->hdr.ts_ns > r->max_ts) {
		r->max_ts = rec->hdr.ts_ns;
	}
	item->type = CAPTURE_ITEM_RECORD;
	item->pace_ns = r->max_ts - r->first_ts;
	item->spiffe_id = NULL;
	item->id = item->gen = 0;
	return 1;
}

static int read_identity(struct capture_reader *r, uint32_t len,
			 struct capture_item *item)
{
	uint64_t at = r->off - CHUNK_HDR_SIZE;
	uint8_t ig[8];
	char *s;
	size_t slen = len - 8;
	int ret;

	if (len < 9 || slen > RIPTEL_SPIFFE_MAX)
		return reader_fail(r, -EBADMSG, "corrupt capture: identity "
				   "chunk at byte %" PRIu64 " of %u bytes",
				   at, len);
	s = malloc(slen + 1);
	if (!s)
		return reader_fail(r, -ENOMEM, "out of memory");
	if (reader_get(r, ig, sizeof(ig)) != sizeof(ig) ||
	    reader_get(r, s, slen) != slen) {
		free(s);
		return reader_short(r, "an identity");
	}
	s[slen] = '\0';
	item->id = get32(ig);
	item->gen = get32(ig + 4);
	if (!item->id || strlen(s) != slen) {
		free(s);
		return reader_fail(r, -EBADMSG, "corrupt capture: identity "
				   "chunk at byte %" PRIu64 " (id %u, %s)",
				   at, item->id,
				   item->id ? "NUL in the string" : "id 0");
	}
	ret = idtab_put(&r->ids, idtab_key(item->id, item->gen), s);
	if (ret)
		return reader_fail(r, ret, "cannot keep identity %u: %s",
				   item->id, strerror(-ret));
	r->identities++;
	r->good_off = r->off;
	item->type = CAPTURE_ITEM_IDENTITY;
	item->spiffe_id = *idtab_find(&r->ids,
				      idtab_key(item->id, item->gen));
	return 1;
}

static int read_trailer(struct capture_reader *r, uint32_t len)
{
	uint64_t at = r->off - CHUNK_HDR_SIZE, recs, ids;
	uint8_t fixed[TRAILER_FIXED], e[TRAILER_ENTRY];
	uint32_t n, i;

	if (len < TRAILER_FIXED)
		goto bad;
	if (reader_get(r, fixed, sizeof(fixed)) != sizeof(fixed))
		return reader_short(r, "the trailer");
	recs = get64(fixed);
	ids = get64(fixed + 8);
	n = get32(fixed + 16);
	if (n > CAPTURE_MAX_CPUS ||
	    len != TRAILER_FIXED + (uint64_t)n * TRAILER_ENTRY)
		goto bad;
	r->counters = calloc(n ? n : 1, sizeof(*r->counters));
	if (!r->counters)
		return reader_fail(r, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if (reader_get(r, e, sizeof(e)) != sizeof(e))
			return reader_short(r, "the trailer");
		r->counters[i].cpu = get32(e);
		r->counters[i].written = get64(e + 8);
		r->counters[i].dropped = get64(e + 16);
	}
	if (recs != r->records || ids != r->identities)
		return reader_fail(r, -EBADMSG, "corrupt capture: the trailer "
				   "counts %" PRIu64 " records and %" PRIu64
				   " identities, the file holds %" PRIu64
				   " and %" PRIu64, recs, ids, r->records,
				   r->identities);
	r->nr_counters = n;
	r->clean = true;
	r->good_off = r->off;
	return 0;
bad:
	return reader_fail(r, -EBADMSG, "corrupt capture: trailer at byte %"
			   PRIu64 " of %u bytes", at, len);
}

static int skip_chunk(struct capture_reader *r, uint32_t len)
{
	uint8_t scratch[4096];
	size_t want;

	while (len) {
		want = len < sizeof(scratch) ? len : sizeof(scratch);
		if (reader_get(r, scratch, want) != want)
			return reader_short(r, "an optional chunk");
		len -= (uint32_t)want;
	}
	r->good_off = r->off;
	return 0;
}

int capture_next(struct capture_reader *r, struct capture_item *item)
{
	uint8_t h[CHUNK_HDR_SIZE];
	uint32_t type, len;
	uint64_t at;
	size_t got;
	int ret;

	if (r->err)
		return r->err;
	for (;;) {
		if (r->recs_left)
			return read_record(r, item);
		at = r->off;
		got = reader_get(r, h, sizeof(h));
		if (!got && !ferror(r->f))
			return 0;	/* end of file at a chunk boundary */
		if (got != sizeof(h))
			return reader_short(r, "a chunk header");
		if (r->clean)
			return reader_fail(r, -EBADMSG, "corrupt capture: "
					   "data after the trailer at byte %"
					   PRIu64, at);
		type = get32(h);
		len = get32(h + 4);
		switch (type) {
		case CAPTURE_CHUNK_RECORDS:
			if (!len || len % RIPTEL_RECORD_SIZE ||
			    len / RIPTEL_RECORD_SIZE > CAPTURE_MAX_CHUNK_RECORDS)
				return reader_fail(r, -EBADMSG,
						   "corrupt capture: record "
						   "chunk at byte %" PRIu64
						   " of %u bytes", at, len);
			r->recs_left = len / RIPTEL_RECORD_SIZE;
			continue;
		case CAPTURE_CHUNK_IDENTITY:
			return read_identity(r, len, item);
		case CAPTURE_CHUNK_TRAILER:
			ret = read_trailer(r, len);
			if (ret)
				return ret;
			continue;
		default:
			if (!(type & CAPTURE_CHUNK_OPTIONAL))
				return reader_fail(r, -EBADMSG,
						   "unknown chunk type %u at "
						   "byte %" PRIu64 " (damaged, "
						   "or a newer format)",
						   type, at);
			if (len > MAX_OPTIONAL_CHUNK)
				return reader_fail(r, -EBADMSG,
						   "corrupt capture: chunk at "
						   "byte %" PRIu64 " of %u "
						   "bytes", at, len);
			ret = skip_chunk(r, len);
			if (ret)
				return ret;
			continue;
		}
	}
}

const char *capture_error(const struct capture_reader *r)
{
	return r->err ? r->msg : NULL;
}

uint64_t capture_bytes_ignored(const struct capture_reader *r)
{
	return r->err ? r->off - r->good_off : 0;
}

bool capture_clean(const struct capture_reader *r)
{
	return r->clean;
}

const struct capture_cpu_counters *capture_counters(
	const struct capture_reader *r, size_t *n)
{
	*n = r->clean ? r->nr_counters : 0;
	return r->clean ? r->counters : NULL;
}

const char *capture_resolve(void *ctx, uint32_t id, uint32_t gen)
{
	struct capture_reader *r = ctx;
	char **v;

	if (!id)
		return NULL;
	v = idtab_find(&r->ids, idtab_key(id, gen));
	return v ? *v : NULL;
}

void capture_close_read(struct capture_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	idtab_free(&r->ids);
	free(r->counters);
	free(r);
}
