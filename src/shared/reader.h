/* reader.h - drain every CPU's ring in batches, validate, count losses. */
#ifndef RIPTEL_READER_H
#define RIPTEL_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "riptel.h"

/* Where one CPU's ring lives (the device's mappings, or a test's memory). */
struct reader_ring_desc {
	uint32_t cpu;
	const struct riptel_prod_page *prod;
	struct riptel_cons_page *cons;
	const uint8_t *data;
	uint64_t data_size;	/* power of two, multiple of the record size */
};

/*
 * Per-CPU counters.  Exact once the ring is drained and idle:
 *   written == consumed + dropped
 *   seq_gaps <= dropped (drops after the last record read show up as a gap
 *               only when the next record arrives; drops before the reader
 *               started are not gaps it can see)
 */
struct reader_stats {
	uint32_t cpu;
	/* the reader's own */
	uint64_t consumed;	/* records taken off the ring, valid or not */
	uint64_t invalid;	/* of those, with a bad type, size or cpu */
	uint64_t seq_gaps;	/* records missing between consecutive seqs */
	uint64_t seq_errors;	/* a seq at or below one already seen */
	uint64_t head_errors;	/* implausible heads; ring reset to head */
	/* the producer page's, read when the stats are taken */
	uint64_t written;
	uint64_t dropped;
	uint64_t consumer_errors;
	uint64_t dropped_type[RIPTEL_REC_TYPE_MAX];
	uint64_t dropped_nmi;	/* lost in NMI: not in written or dropped */
	uint64_t dropped_nested; /* of dropped: writer interrupted another */
};

struct reader;

/* The descriptors are copied; the memory they point at must outlive @out. */
int reader_create(struct reader **out, const struct reader_ring_desc *rings,
		  size_t n);
/* The same, with room for @cap rings in all (cap >= n). */
int reader_create_cap(struct reader **out, const struct reader_ring_desc *rings,
		      size_t n, size_t cap);
/*
 * Start reading one more ring (a CPU that came online after the start):
 * 0, -ENOSPC past the capacity, -EINVAL for a bad descriptor.  Drain
 * thread only; reader_stats() from other threads sees it once added.
 */
int reader_add_ring(struct reader *r, const struct reader_ring_desc *ring);
void reader_destroy(struct reader *r);

size_t reader_nr_rings(const struct reader *r);

/*
 * Copy up to @max valid records into @out, taking from each ring in turn
 * (starting after the ring the last call ended on, so one busy CPU cannot
 * starve the others), and give the slots back to the producer once copied.
 * Invalid records are consumed and counted, not returned.  Returns the
 * number of records written to @out; never blocks.  Single caller thread.
 */
size_t reader_drain(struct reader *r, struct riptel_record *out, size_t max);

/* true if some ring has records not yet consumed. */
bool reader_pending(const struct reader *r);

/*
 * End of run: stop reading every ring that is settled - drained, with
 * written == stored + dropped and no record in flight - and report its
 * producer counters as of that moment from then on, so the summary is
 * exact even though producers (the agent's own exiting threads, at
 * least) keep writing.  Returns how many rings are not settled yet: drain
 * again and retry.  Drain-thread only.
 */
size_t reader_freeze(struct reader *r);

/* Counters of ring @i; callable from any thread.  0 or -ERANGE. */
int reader_stats(const struct reader *r, size_t i, struct reader_stats *st);

#endif /* RIPTEL_READER_H */
