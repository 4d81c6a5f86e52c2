/* reader.c - drain every CPU's ring in batches, validate, count losses. */
#include "reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ring_core.h"
#include "record.h"

/*
 * Counters are written by the draining thread only, with relaxed atomic
 * stores, so reader_stats() may read them from any thread.
 */
struct reader_ring {
	struct ring_reader c;
	uint32_t cpu;
	bool seq_known;		/* next_seq is meaningful */
	uint64_t next_seq;
	uint64_t consumed;
	uint64_t invalid;
	uint64_t seq_gaps;
	uint64_t seq_errors;
	uint64_t head_errors;
	/* set by reader_freeze(): the ring is no longer read, and its
	 * producer counters are reported as of that moment
	 */
	bool frozen;			/* atomic */
	struct reader_stats snap;	/* producer fields only */
};

/*
 * rings[0..n) are in use, rings[n..cap) room for rings that appear later
 * (reader_add_ring()); n only grows, stored with release once the new
 * ring is set up, so reader_stats() on another thread sees it whole.
 */
struct reader {
	size_t n;		/* atomic */
	size_t cap;
	size_t next;		/* ring to start the next drain at */
	struct reader_ring rings[];
};

#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static bool desc_ok(const struct reader_ring_desc *d)
{
	uint64_t s = d->data_size;

	return d->prod && d->cons && d->data && s >= RIPTEL_RECORD_SIZE &&
	       !(s & (s - 1));
}

static void ring_setup(struct reader_ring *rr, const struct reader_ring_desc *d)
{
	memset(rr, 0, sizeof(*rr));
	ring_reader_init(&rr->c, d->prod, d->cons, d->data, d->data_size);
	rr->cpu = d->cpu;
	/*
	 * A ring nobody consumed from yet starts at seq 0, so drops before
	 * our first record are gaps too.  Otherwise a previous reader took
	 * an unknown number: start from what we see.
	 */
	rr->seq_known = rr->c.tail == 0;
	rr->next_seq = 0;
}

int reader_create_cap(struct reader **out, const struct reader_ring_desc *rings,
		      size_t n, size_t cap)
{
	struct reader *r;
	size_t i;

	*out = NULL;
	if (n == 0 || cap < n ||
	    cap > (SIZE_MAX - sizeof(*r)) / sizeof(r->rings[0]))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!desc_ok(&rings[i]))
			return -EINVAL;
	r = calloc(1, sizeof(*r) + cap * sizeof(r->rings[0]));
	if (!r)
		return -ENOMEM;
	r->n = n;
	r->cap = cap;
	for (i = 0; i < n; i++)
		ring_setup(&r->rings[i], &rings[i]);
	*out = r;
	return 0;
}

int reader_create(struct reader **out, const struct reader_ring_desc *rings,
		  size_t n)
{
	return reader_create_cap(out, rings, n, n);
}

int reader_add_ring(struct reader *r, const struct reader_ring_desc *ring)
{
	size_t n = r->n;

	if (!desc_ok(ring))
		return -EINVAL;
	if (n == r->cap)
		return -ENOSPC;
	ring_setup(&r->rings[n], ring);
	/* pairs with the acquire loads of n in reader_nr_rings()/_stats() */
	__atomic_store_n(&r->n, n + 1, __ATOMIC_RELEASE);
	return 0;
}

void reader_destroy(struct reader *r)
{
	free(r);
}

size_t reader_nr_rings(const struct reader *r)
{
	return __atomic_load_n(&r->n, __ATOMIC_ACQUIRE);
}

/*
 * A word loop rather than memcpy(): the same code in an optimised build,
 * but GCC expands a fixed-size memcpy inline without ThreadSanitizer
 * instrumentation, and the stress test needs TSan to see every load.
 */
static void copy_record(struct riptel_record *dst,
			const struct riptel_record *src)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;
	size_t i;

	for (i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		d[i] = s[i];
}

static bool header_ok(const struct reader_ring *rr,
		      const struct riptel_rec_hdr *h)
{
	return h->size == RIPTEL_RECORD_SIZE && h->cpu == rr->cpu &&
	       record_type_known(h->type);
}

/*
 * The head failed ring_consume_head()'s plausibility check: nothing in
 * [tail, head) can be trusted to be in bounds or in order.  Skip to the
 * published head (record-aligned) so the ring can make progress, and
 * forget the sequence so the skip is not misread as drops.
 */
static void reset_to_head(struct reader_ring *rr)
{
	uint64_t h = __atomic_load_n(&rr->c.prod->head, __ATOMIC_ACQUIRE);

	STORE(rr->head_errors, rr->head_errors + 1);
	rr->seq_known = false;
	ring_consume_release(&rr->c, h & ~(uint64_t)(RIPTEL_RECORD_SIZE - 1));
}

/* Drain up to @max records of one ring into @out; returns valid ones. */
static size_t drain_ring(struct reader_ring *rr, struct riptel_record *out,
			 size_t max)
{
	uint64_t head, tail = rr->c.tail, k, take, invalid = 0;
	uint64_t gaps = 0, seq_errors = 0, next = rr->next_seq;
	bool known = rr->seq_known;
	size_t n = 0;

	if (rr->frozen)
		return 0;
	if (!ring_consume_head(&rr->c, &head)) {
		reset_to_head(rr);
		return 0;
	}
	take = (head - tail) / RIPTEL_RECORD_SIZE;
	if (take > max)
		take = max;
	if (!take)
		return 0;
	for (k = 0; k < take; k++) {
		struct riptel_record *rec = &out[n];
		uint64_t seq;

		/* copy first, then judge the copy: the ring is not ours */
		copy_record(rec, ring_consume_at(&rr->c,
						 tail + k * RIPTEL_RECORD_SIZE));
		if (!header_ok(rr, &rec->hdr)) {
			/* its seq is as suspect as the rest: assume in order */
			invalid++;
			next++;
			continue;
		}
		seq = rec->hdr.seq;
		if (known && seq != next) {
			if (seq > next)
				gaps += seq - next;
			else
				seq_errors++;
		}
		if (!known || seq >= next)
			next = seq + 1;
		known = true;
		n++;
	}
	ring_consume_release(&rr->c, tail + take * RIPTEL_RECORD_SIZE);
	rr->seq_known = known;
	rr->next_seq = next;
	STORE(rr->consumed, rr->consumed + take);
	if (invalid)
		STORE(rr->invalid, rr->invalid + invalid);
	if (gaps)
		STORE(rr->seq_gaps, rr->seq_gaps + gaps);
	if (seq_errors)
		STORE(rr->seq_errors, rr->seq_errors + seq_errors);
	return n;
}

size_t reader_drain(struct reader *r, struct riptel_record *out, size_t max)
{
	size_t n = 0, i, idx = r->next;

	for (i = 0; i < r->n && n < max; i++) {
		n += drain_ring(&r->rings[idx], out + n, max - n);
		if (++idx == r->n)
			idx = 0;
	}
	r->next = idx;
	return n;
}

bool reader_pending(const struct reader *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct reader_ring *rr = &r->rings[i];

		if (!rr->frozen &&
		    __atomic_load_n(&rr->c.prod->head, __ATOMIC_ACQUIRE) !=
		    rr->c.tail)
			return true;
	}
	return false;
}

/* The producer page's counters, as they are now. */
static void read_prod(const struct riptel_prod_page *p, struct reader_stats *st)
{
	unsigned int t;

	st->written = LOAD(p->written);
	st->dropped = LOAD(p->dropped);
	st->consumer_errors = LOAD(p->consumer_errors);
	for (t = 0; t < RIPTEL_REC_TYPE_MAX; t++)
		st->dropped_type[t] = LOAD(p->dropped_type[t]);
	st->dropped_nmi = LOAD(p->dropped_nmi);
	st->dropped_nested = LOAD(p->dropped_nested);
}

/*
 * A ring is settled when everything written is either in [0, tail) or
 * dropped: head == tail, and written == head / RECORD_SIZE + dropped with
 * written unchanged across the reads (no reservation in flight).  The
 * producer's own invariant makes that exact whoever consumed before us.
 */
static bool settle(struct reader_ring *rr)
{
	const struct riptel_prod_page *p = rr->c.prod;
	uint64_t h = __atomic_load_n(&p->head, __ATOMIC_ACQUIRE);
	struct reader_stats st;

	if (h != rr->c.tail)
		return false;
	memset(&st, 0, sizeof(st));
	read_prod(p, &st);
	if (LOAD(p->written) != st.written ||
	    (st.written - st.dropped) * RIPTEL_RECORD_SIZE != h ||
	    __atomic_load_n(&p->head, __ATOMIC_ACQUIRE) != h)
		return false;
	rr->snap = st;
	__atomic_store_n(&rr->frozen, true, __ATOMIC_RELEASE);
	return true;
}

size_t reader_freeze(struct reader *r)
{
	size_t i, left = 0;

	for (i = 0; i < r->n; i++)
		if (!r->rings[i].frozen && !settle(&r->rings[i]))
			left++;
	return left;
}

int reader_stats(const struct reader *r, size_t i, struct reader_stats *st)
{
	const struct reader_ring *rr;

	if (i >= reader_nr_rings(r))
		return -ERANGE;
	rr = &r->rings[i];
	memset(st, 0, sizeof(*st));
	if (__atomic_load_n(&rr->frozen, __ATOMIC_ACQUIRE))
		*st = rr->snap;
	else
		read_prod(rr->c.prod, st);
	st->cpu = rr->cpu;
	st->consumed = LOAD(rr->consumed);
	st->invalid = LOAD(rr->invalid);
	st->seq_gaps = LOAD(rr->seq_gaps);
	st->seq_errors = LOAD(rr->seq_errors);
	st->head_errors = LOAD(rr->head_errors);
	return 0;
}
