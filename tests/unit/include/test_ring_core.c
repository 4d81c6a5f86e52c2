/* test_ring_core.c - ring_core.h under concurrency, and against bad tails. */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "ring_fixture.h"

#define REC RIPTEL_RECORD_SIZE

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define STRESS_RECORDS 30000ULL
#else
#define STRESS_RECORDS 300000ULL
#endif
#define STRESS_RINGS 3
#define STRESS_RING_SIZE (16 * REC)	/* small, so it fills */

/* ---- single-threaded: what a hostile consumer can and cannot do ---- */

START_TEST(test_full_and_counters)
{
	struct fring f;
	int i;

	ck_assert_int_eq(fring_init(&f, 5, 4 * REC), 0);
	ck_assert_uint_eq(f.prod->data_size, 4 * REC);
	ck_assert_uint_eq(f.prod->cpu, 5);
	ck_assert_uint_eq(f.prod->record_size, REC);
	ck_assert_uint_eq(f.prod->abi_version, RIPTEL_ABI_VERSION);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(fring_put_test(&f, 1), i);
	ck_assert_int_eq(fring_put_test(&f, 1), -1);
	ring_drop_nested(&f.r, RIPTEL_REC_FORK);
	ck_assert_uint_eq(f.prod->written, 6);
	ck_assert_uint_eq(f.prod->dropped, 2);
	ck_assert_uint_eq(f.prod->dropped_nested, 1);
	ck_assert_uint_eq(f.prod->dropped_type[RIPTEL_REC_TEST], 1);
	ck_assert_uint_eq(f.prod->dropped_type[RIPTEL_REC_FORK], 1);
	ck_assert_uint_eq(f.prod->head, 4 * REC);
	ck_assert_uint_eq(ring_pending(&f.r), 4 * REC);
	/* out-of-range types are counted, never indexed out of bounds */
	ring_drop_nested(&f.r, 0xffff);
	ck_assert_uint_eq(f.prod->dropped, 3);
	ck_assert_uint_eq(f.prod->dropped_nested, 2);
	fring_fini(&f);
}
END_TEST

START_TEST(test_hostile_tails)
{
	uint64_t bad[] = { 5 * REC, 64, 4 * REC + 1, UINT64_MAX, 0 - REC };
	struct fring f;
	size_t i;
	int j;

	ck_assert_int_eq(fring_init(&f, 0, 4 * REC), 0);
	for (j = 0; j < 4; j++)
		fring_put_test(&f, 9);
	/* ahead of head, unaligned, past the end, wrapped, behind: rejected */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.cons->tail = bad[i];
		ck_assert_int_eq(fring_put_test(&f, 9), -1);
		ck_assert_uint_eq(f.prod->consumer_errors, i + 1);
		/* the same bad value again is not counted twice */
		ck_assert_int_eq(fring_put_test(&f, 9), -1);
		ck_assert_uint_eq(f.prod->consumer_errors, i + 1);
	}
	/* unread data was never overwritten */
	for (j = 0; j < 4; j++)
		ck_assert(fring_test_ok((struct riptel_record *)(f.data +
								 j * REC),
					0, 9));
	/* a good tail is accepted: exactly that much room appears */
	f.cons->tail = 2 * REC;
	ck_assert_int_ge(fring_put_test(&f, 9), 0);
	ck_assert_int_ge(fring_put_test(&f, 9), 0);
	ck_assert_int_eq(fring_put_test(&f, 9), -1);
	/* going back behind an accepted tail is rejected */
	f.cons->tail = REC;
	ck_assert_int_eq(fring_put_test(&f, 9), -1);
	ck_assert_uint_eq(f.prod->consumer_errors, 6);
	ck_assert_uint_eq(f.r.tail, 2 * REC);
	ck_assert_uint_eq(f.prod->written, 4 + 10 + 3 + 1);
	ck_assert_uint_eq(f.prod->written,
			  f.prod->head / REC + f.prod->dropped);
	fring_fini(&f);
}
END_TEST

START_TEST(test_reader_head_check)
{
	struct ring_reader c;
	struct fring f;
	uint64_t h = 0;

	ck_assert_int_eq(fring_init(&f, 0, 4 * REC), 0);
	ring_reader_init(&c, f.prod, f.cons, f.data, f.size);
	ck_assert(ring_consume_head(&c, &h));
	ck_assert_uint_eq(h, 0);
	f.prod->head = 4 * REC;		/* full: fine */
	ck_assert(ring_consume_head(&c, &h));
	ck_assert_uint_eq(h, 4 * REC);
	f.prod->head = 5 * REC;		/* more than a ring */
	ck_assert(!ring_consume_head(&c, &h));
	f.prod->head = REC + 8;		/* unaligned */
	ck_assert(!ring_consume_head(&c, &h));
	ring_consume_release(&c, 2 * REC);
	f.prod->head = REC;		/* behind the tail */
	ck_assert(!ring_consume_head(&c, &h));
	ck_assert_uint_eq(h, 4 * REC);	/* untouched on failure */
	ck_assert_ptr_eq(ring_consume_at(&c, 6 * REC), f.data + 2 * REC);
	fring_fini(&f);
}
END_TEST

/* ---- multi-threaded: producers standing in for CPUs, one consumer ---- */

struct stress {
	struct fring ring[STRESS_RINGS];
	uint8_t *dropped_seq[STRESS_RINGS];	/* producer's: 1 = dropped */
	uint8_t *seen_seq[STRESS_RINGS];	/* consumer's: 1 = consumed */
	uint64_t consumed[STRESS_RINGS];
	uint64_t last_seq[STRESS_RINGS];
	uint64_t bad;				/* torn/duplicate/foreign */
	int producers_left;			/* atomic */
	bool use_reader;			/* agent reader vs raw core */
	struct reader *rd;
};

struct producer_arg {
	struct stress *s;
	uint32_t cpu;
};

static void *producer_main(void *p)
{
	struct producer_arg *a = p;
	struct stress *s = a->s;
	struct fring *f = &s->ring[a->cpu];
	uint64_t i;
	int64_t seq;
	int spin;

	for (i = 0; i < STRESS_RECORDS; i++) {
		seq = fring_put_test(f, a->cpu);
		if (seq < 0)
			s->dropped_seq[a->cpu][i] = 1; /* seq == i: one per try */
		else if ((uint64_t)seq != i)
			__atomic_add_fetch(&s->bad, 1, __ATOMIC_RELAXED);
		/*
		 * Bursts and pauses: in a burst the ring fills and drops; in a
		 * pause the consumer catches up while we are still running.
		 */
		if ((i & 1023) >= 512) {
			for (spin = 0; spin < 100; spin++)
				__asm__ __volatile__("" ::: "memory");
			if (i & 1)
				sched_yield();	/* cores may be oversubscribed */
		}
	}
	__atomic_sub_fetch(&s->producers_left, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void check_one(struct stress *s, const struct riptel_record *rec)
{
	uint32_t cpu = rec->hdr.cpu;
	uint64_t seq = rec->hdr.seq;

	if (cpu >= STRESS_RINGS || !fring_test_ok(rec, cpu, cpu) ||
	    seq >= STRESS_RECORDS || s->seen_seq[cpu][seq]) {
		s->bad++;
		return;
	}
	if (s->consumed[cpu] && seq <= s->last_seq[cpu])
		s->bad++;	/* out of order */
	s->seen_seq[cpu][seq] = 1;
	s->last_seq[cpu] = seq;
	s->consumed[cpu]++;
}

/* Not memcpy: GCC inlines that where ThreadSanitizer cannot see it. */
static void copy_words(struct riptel_record *dst,
		       const struct riptel_record *src)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;
	size_t i;

	for (i = 0; i < REC / 8; i++)
		d[i] = s[i];
}

/* One pass over every ring with ring_core.h's reader directly. */
static size_t raw_pass(struct stress *s, struct ring_reader *c)
{
	struct riptel_record copy;
	size_t n = 0, k;
	uint64_t h, pos;
	int i;

	for (i = 0; i < STRESS_RINGS; i++) {
		if (!ring_consume_head(&c[i], &h)) {
			s->bad++;
			continue;
		}
		/* at most 5 at a time: the producer keeps hitting full */
		for (pos = c[i].tail, k = 0; pos != h && k < 5;
		     pos += REC, k++, n++) {
			copy_words(&copy, ring_consume_at(&c[i], pos));
			check_one(s, &copy);
		}
		ring_consume_release(&c[i], pos);
	}
	return n;
}

static size_t reader_pass(struct stress *s)
{
	struct riptel_record batch[7];
	size_t n, i;

	n = reader_drain(s->rd, batch, 7);
	for (i = 0; i < n; i++)
		check_one(s, &batch[i]);
	return n;
}

static void *consumer_main(void *p)
{
	struct stress *s = p;
	struct ring_reader c[STRESS_RINGS];
	bool last = false;
	size_t n;
	int i;

	for (i = 0; i < STRESS_RINGS; i++)
		ring_reader_init(&c[i], s->ring[i].prod, s->ring[i].cons,
				 s->ring[i].data, s->ring[i].size);
	for (;;) {
		/* read "done" before the pass, so the pass sees everything */
		last = __atomic_load_n(&s->producers_left,
				       __ATOMIC_ACQUIRE) == 0;
		n = s->use_reader ? reader_pass(s) : raw_pass(s, c);
		if (!n && last)
			break;
		if (!n)
			sched_yield();
	}
	return NULL;
}

static void run_stress(bool use_reader)
{
	struct producer_arg pa[STRESS_RINGS];
	struct reader_ring_desc d[STRESS_RINGS];
	pthread_t prod_th[STRESS_RINGS], cons_th;
	struct stress *s = calloc(1, sizeof(*s));
	uint64_t total_dropped = 0;
	int i;

	ck_assert_ptr_nonnull(s);
	s->use_reader = use_reader;
	s->producers_left = STRESS_RINGS;
	for (i = 0; i < STRESS_RINGS; i++) {
		ck_assert_int_eq(fring_init(&s->ring[i], (uint32_t)i,
					    STRESS_RING_SIZE), 0);
		s->dropped_seq[i] = calloc(STRESS_RECORDS, 1);
		s->seen_seq[i] = calloc(STRESS_RECORDS, 1);
		ck_assert_ptr_nonnull(s->dropped_seq[i]);
		ck_assert_ptr_nonnull(s->seen_seq[i]);
		d[i] = fring_desc(&s->ring[i]);
	}
	ck_assert_int_eq(reader_create(&s->rd, d, STRESS_RINGS), 0);
	ck_assert_int_eq(pthread_create(&cons_th, NULL, consumer_main, s), 0);
	for (i = 0; i < STRESS_RINGS; i++) {
		pa[i] = (struct producer_arg){ .s = s, .cpu = (uint32_t)i };
		ck_assert_int_eq(pthread_create(&prod_th[i], NULL,
						producer_main, &pa[i]), 0);
	}
	for (i = 0; i < STRESS_RINGS; i++)
		pthread_join(prod_th[i], NULL);
	pthread_join(cons_th, NULL);

	ck_assert_uint_eq(s->bad, 0);
	for (i = 0; i < STRESS_RINGS; i++) {
		struct riptel_prod_page *p = s->ring[i].prod;
		uint64_t seq, both = 0, neither = 0, dropped = 0;

		for (seq = 0; seq < STRESS_RECORDS; seq++) {
			dropped += s->dropped_seq[i][seq];
			both += s->dropped_seq[i][seq] && s->seen_seq[i][seq];
			neither += !s->dropped_seq[i][seq] &&
				   !s->seen_seq[i][seq];
		}
		/* every seq exactly once: consumed or counted as dropped */
		ck_assert_uint_eq(both, 0);
		ck_assert_uint_eq(neither, 0);
		ck_assert_uint_eq(p->written, STRESS_RECORDS);
		ck_assert_uint_eq(p->dropped, dropped);
		ck_assert_uint_eq(p->written, s->consumed[i] + p->dropped);
		ck_assert_uint_eq(p->dropped_type[RIPTEL_REC_TEST], p->dropped);
		ck_assert_uint_eq(p->consumer_errors, 0);
		ck_assert_uint_eq(s->ring[i].cons->tail, p->head);
		total_dropped += p->dropped;
		if (getenv("STRESS_VERBOSE"))
			fprintf(stderr, "# ring %d: consumed %" PRIu64 " dropped %" PRIu64 "\n", i, s->consumed[i], (uint64_t)p->dropped);
		if (use_reader) {
			struct reader_stats st;
			uint64_t trailing;

			reader_stats(s->rd, (size_t)i, &st);
			ck_assert_uint_eq(st.consumed, s->consumed[i]);
			ck_assert_uint_eq(st.invalid, 0);
			ck_assert_uint_eq(st.head_errors, 0);
			ck_assert_uint_eq(st.seq_errors, 0);
			/* drops after the last record are no visible gap */
			trailing = STRESS_RECORDS - 1 - s->last_seq[i];
			ck_assert_uint_eq(st.seq_gaps + trailing, st.dropped);
			ck_assert_uint_eq(st.written, st.consumed + st.dropped);
		}
	}
	/* the ring did fill: the test exercised the full path */
	ck_assert_uint_gt(total_dropped, 0);
	for (i = 0; i < STRESS_RINGS; i++) {
		ck_assert_uint_gt(s->consumed[i], 0);
		free(s->dropped_seq[i]);
		free(s->seen_seq[i]);
		fring_fini(&s->ring[i]);
	}
	reader_destroy(s->rd);
	free(s);
}

START_TEST(test_stress_raw)
{
	run_stress(false);
}
END_TEST

START_TEST(test_stress_reader)
{
	run_stress(true);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ring_core");
	TCase *tc = tcase_create("single");
	TCase *mt = tcase_create("stress");

	tcase_add_test(tc, test_full_and_counters);
	tcase_add_test(tc, test_hostile_tails);
	tcase_add_test(tc, test_reader_head_check);
	suite_add_tcase(s, tc);
	tcase_set_timeout(mt, 300);
	tcase_add_test(mt, test_stress_raw);
	tcase_add_test(mt, test_stress_reader);
	suite_add_tcase(s, mt);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
