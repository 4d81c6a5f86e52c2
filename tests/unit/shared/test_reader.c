/* test_reader.c - the agent's ring reader against rings filled in user space. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "reader.h"
#include "ring_fixture.h"

#define REC RIPTEL_RECORD_SIZE
#define SMALL (8 * REC)

static struct fring fr[3];
static struct reader *rd;
static struct riptel_record out[64];

static void setup(void)
{
	struct reader_ring_desc d[3];
	int i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(fring_init(&fr[i], (uint32_t)i, SMALL), 0);
		d[i] = fring_desc(&fr[i]);
	}
	ck_assert_int_eq(reader_create(&rd, d, 3), 0);
	memset(out, 0, sizeof(out));
}

static void teardown(void)
{
	int i;

	reader_destroy(rd);
	rd = NULL;
	for (i = 0; i < 3; i++)
		fring_fini(&fr[i]);
}

static struct reader_stats stats(size_t i)
{
	struct reader_stats st;

	ck_assert_int_eq(reader_stats(rd, i, &st), 0);
	return st;
}

START_TEST(test_normal_drain)
{
	struct reader_stats st;
	size_t n, i;

	for (i = 0; i < 5; i++)
		ck_assert_int_eq(fring_put_test(&fr[0], 7), (int64_t)i);
	ck_assert(reader_pending(rd));
	n = reader_drain(rd, out, 64);
	ck_assert_uint_eq(n, 5);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(out[i].hdr.seq, i);
		ck_assert(fring_test_ok(&out[i], 0, 7));
	}
	/* the slots went back to the producer */
	ck_assert_uint_eq(fr[0].cons->tail, 5 * REC);
	ck_assert(!reader_pending(rd));
	ck_assert_uint_eq(reader_drain(rd, out, 64), 0);
	st = stats(0);
	ck_assert_uint_eq(st.cpu, 0);
	ck_assert_uint_eq(st.consumed, 5);
	ck_assert_uint_eq(st.written, 5);
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_uint_eq(st.seq_gaps, 0);
	ck_assert_uint_eq(st.invalid, 0);
	ck_assert_uint_eq(st.head_errors, 0);
	ck_assert_uint_eq(st.dropped_nmi, 0);
	fr[0].prod->dropped_nmi = 3;	/* the module's count, passed on */
	ck_assert_uint_eq(stats(0).dropped_nmi, 3);
	ck_assert_int_eq(reader_stats(rd, 3, &st), -ERANGE);
}
END_TEST

START_TEST(test_copy_is_private)
{
	fring_put_test(&fr[1], 1);
	ck_assert_uint_eq(reader_drain(rd, out, 64), 1);
	/* the producer reuses the slot; our copy must not change */
	memset(fr[1].data, 0xee, SMALL);
	ck_assert(fring_test_ok(&out[0], 1, 1));
}
END_TEST

START_TEST(test_batch_limit_and_fairness)
{
	size_t i, n;
	int r;

	for (r = 0; r < 3; r++)
		for (i = 0; i < 6; i++)
			fring_put_test(&fr[r], (uint32_t)r);
	n = reader_drain(rd, out, 4);
	ck_assert_uint_eq(n, 4);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(out[i].hdr.cpu, 0);
	/* the next call starts with the next ring */
	n = reader_drain(rd, out, 4);
	ck_assert_uint_eq(n, 4);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(out[i].hdr.cpu, 1);
	n = reader_drain(rd, out, 64);
	ck_assert_uint_eq(n, 6 + 2 + 2);
	ck_assert_uint_eq(out[0].hdr.cpu, 2);
	ck_assert_uint_eq(out[6].hdr.cpu, 0);
	ck_assert_uint_eq(out[6].hdr.seq, 4);
	ck_assert_uint_eq(out[8].hdr.cpu, 1);
	ck_assert_uint_eq(reader_drain(rd, out, 0), 0);
	for (r = 0; r < 3; r++)
		ck_assert_uint_eq(stats((size_t)r).consumed, 6);
}
END_TEST

START_TEST(test_wrap_around)
{
	uint64_t next = 0;
	size_t i, n, round;

	/* 100 rounds of 5 through an 8-record ring: positions wrap often */
	for (round = 0; round < 100; round++) {
		for (i = 0; i < 5; i++)
			ck_assert_int_ge(fring_put_test(&fr[2], 2), 0);
		n = reader_drain(rd, out, 64);
		ck_assert_uint_eq(n, 5);
		for (i = 0; i < n; i++) {
			ck_assert(fring_test_ok(&out[i], 2, 2));
			ck_assert_uint_eq(out[i].hdr.seq, next++);
		}
	}
	ck_assert_uint_eq(fr[2].prod->head, 500 * REC);
	ck_assert_uint_eq(stats(2).consumed, 500);
	ck_assert_uint_eq(stats(2).seq_gaps, 0);
}
END_TEST

START_TEST(test_gaps)
{
	struct reader_stats st;
	size_t i, n;

	/* fill the ring, then 3 more: dropped by the producer */
	for (i = 0; i < 8; i++)
		ck_assert_int_ge(fring_put_test(&fr[0], 0), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(fring_put_test(&fr[0], 0), -1);
	ring_drop_nested(&fr[0].r, RIPTEL_REC_EXEC);	/* nested: also a gap */
	n = reader_drain(rd, out, 64);
	ck_assert_uint_eq(n, 8);
	/* drops after the last record are not visible yet */
	ck_assert_uint_eq(stats(0).seq_gaps, 0);
	ck_assert_int_eq(fring_put_test(&fr[0], 0), 12);
	ck_assert_int_eq(fring_put_test(&fr[0], 0), 13);
	n = reader_drain(rd, out, 64);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(out[0].hdr.seq, 12);
	st = stats(0);
	ck_assert_uint_eq(st.seq_gaps, 4);
	ck_assert_uint_eq(st.dropped, 4);
	ck_assert_uint_eq(st.dropped_type[RIPTEL_REC_TEST], 3);
	ck_assert_uint_eq(st.dropped_type[RIPTEL_REC_EXEC], 1);
	ck_assert_uint_eq(st.written, 14);
	ck_assert_uint_eq(st.written, st.consumed + st.dropped);
	ck_assert_uint_eq(st.seq_errors, 0);
}
END_TEST

START_TEST(test_invalid_records)
{
	struct riptel_record *rec;
	struct reader_stats st;
	size_t n;

	fring_put_test(&fr[1], 1);
	/* wrong cpu */
	rec = ring_reserve(&fr[1].r, RIPTEL_REC_TEST, 0, NULL);
	fring_fill_test(rec, 1);
	rec->hdr.cpu = 2;
	ring_commit(&fr[1].r);
	/* wrong size */
	rec = ring_reserve(&fr[1].r, RIPTEL_REC_TEST, 0, NULL);
	fring_fill_test(rec, 1);
	rec->hdr.size = 64;
	ring_commit(&fr[1].r);
	/* unknown and NONE types */
	rec = ring_reserve(&fr[1].r, 13, 0, NULL);
	fring_fill_test(rec, 1);
	ring_commit(&fr[1].r);
	rec = ring_reserve(&fr[1].r, RIPTEL_REC_NONE, 0, NULL);
	fring_fill_test(rec, 1);
	rec->hdr.seq = 999;	/* a garbage seq must not count as a gap */
	ring_commit(&fr[1].r);
	fring_put_test(&fr[1], 1);
	n = reader_drain(rd, out, 64);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(out[0].hdr.seq, 0);
	ck_assert_uint_eq(out[1].hdr.seq, 5);
	st = stats(1);
	ck_assert_uint_eq(st.consumed, 6);
	ck_assert_uint_eq(st.invalid, 4);
	ck_assert_uint_eq(st.seq_gaps, 0);
	ck_assert_uint_eq(st.seq_errors, 0);
	ck_assert_uint_eq(st.written, st.consumed + st.dropped);
}
END_TEST

START_TEST(test_seq_backwards)
{
	struct riptel_record *rec;
	size_t n;

	fring_put_test(&fr[0], 0);
	fring_put_test(&fr[0], 0);
	rec = ring_reserve(&fr[0].r, RIPTEL_REC_TEST, 0, NULL);
	fring_fill_test(rec, 0);
	rec->hdr.seq = 0;	/* a duplicate, in seq 2's slot */
	ring_commit(&fr[0].r);
	fring_put_test(&fr[0], 0);	/* seq 3 */
	n = reader_drain(rd, out, 64);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(stats(0).seq_errors, 1);
	/* only seq 2 is missing: the duplicate did not rewind the count */
	ck_assert_uint_eq(stats(0).seq_gaps, 1);
}
END_TEST

/* Set a hostile head; the reader must count it and read nothing. */
static void hostile_head(uint64_t head, uint64_t want_tail)
{
	struct reader_stats before = stats(0);

	fr[0].prod->head = head;
	ck_assert(reader_pending(rd));
	ck_assert_uint_eq(reader_drain(rd, out, 64), 0);
	ck_assert_uint_eq(stats(0).head_errors, before.head_errors + 1);
	ck_assert_uint_eq(stats(0).consumed, before.consumed);
	ck_assert_uint_eq(fr[0].cons->tail, want_tail);
}

START_TEST(test_wrap_past_2_64)
{
	struct reader_ring_desc d;
	struct reader *r2;
	uint64_t start = UINT64_MAX - 3 * REC + 1;
	size_t i;

	/* positions are free-running: crossing 2^64 is a normal wrap */
	fr[1].r.head = fr[1].r.tail = start;
	fr[1].prod->head = start;
	fr[1].cons->tail = start;
	d = fring_desc(&fr[1]);
	ck_assert_int_eq(reader_create(&r2, &d, 1), 0);
	for (i = 0; i < 6; i++)
		fring_put_test(&fr[1], 1);
	ck_assert_uint_eq(reader_drain(r2, out, 64), 6);
	for (i = 0; i < 6; i++)
		ck_assert(fring_test_ok(&out[i], 1, 1));
	ck_assert_uint_eq(fr[1].cons->tail, start + 6 * REC);
	reader_destroy(r2);
}
END_TEST

START_TEST(test_hostile_heads)
{
	uint64_t t;

	fring_put_test(&fr[0], 0);
	fring_put_test(&fr[0], 0);
	ck_assert_uint_eq(reader_drain(rd, out, 64), 2);
	t = fr[0].cons->tail;	/* 2 records */
	/* unaligned: reset to the record boundary below it */
	hostile_head(t + REC + 64, t + REC);
	t += REC;
	/* more than a ring ahead */
	hostile_head(t + SMALL + REC, t + SMALL + REC);
	t += SMALL + REC;
	/* behind the tail */
	hostile_head(t - REC, t - REC);
	t -= REC;
	/* near the top of the position space, then wrapping past it */
	hostile_head(UINT64_MAX - 63, UINT64_MAX - 127);
	hostile_head(5 * REC + 2 * SMALL, 5 * REC + 2 * SMALL);
	t = 5 * REC + 2 * SMALL;
	/*
	 * A plausible head again is followed, all in bounds: the slots hold
	 * no records (zeroes), so they are consumed and counted invalid.
	 */
	fr[0].prod->head = t + 2 * REC;
	ck_assert_uint_eq(reader_drain(rd, out, 64), 0);
	ck_assert_uint_eq(stats(0).head_errors, 5);
	ck_assert_uint_eq(stats(0).invalid, 2);
	ck_assert_uint_eq(stats(0).consumed, 4);
	ck_assert_uint_eq(fr[0].cons->tail, t + 2 * REC);
	ck_assert(!reader_pending(rd));
}
END_TEST

START_TEST(test_resume_from_used_ring)
{
	struct reader_ring_desc d;
	struct reader *r2;
	size_t i;

	/* a previous reader took 3; we must not call seq 3 a gap of 3 */
	for (i = 0; i < 5; i++)
		fring_put_test(&fr[0], 0);
	ring_consume_release(&(struct ring_reader){ .cons = fr[0].cons },
			     3 * REC);
	d = fring_desc(&fr[0]);
	ck_assert_int_eq(reader_create(&r2, &d, 1), 0);
	ck_assert_uint_eq(reader_drain(r2, out, 64), 2);
	ck_assert_uint_eq(out[0].hdr.seq, 3);
	{
		struct reader_stats st;

		reader_stats(r2, 0, &st);
		ck_assert_uint_eq(st.seq_gaps, 0);
		ck_assert_uint_eq(st.consumed, 2);
	}
	reader_destroy(r2);
}
END_TEST

START_TEST(test_freeze)
{
	struct riptel_record *rec;
	struct reader_stats st;
	int i;

	for (i = 0; i < 3; i++)
		fring_put_test(&fr[0], 0);
	fring_put_test(&fr[1], 1);
	/* ring 1 has a reservation in flight, ring 0 unread records */
	rec = ring_reserve(&fr[1].r, RIPTEL_REC_TEST, 0, NULL);
	fring_fill_test(rec, 1);
	ck_assert_uint_eq(reader_freeze(rd), 2);
	ck_assert_uint_eq(reader_drain(rd, out, 64), 4);
	/* ring 0 and 2 settle; ring 1 still has the record in flight */
	ck_assert_uint_eq(reader_freeze(rd), 1);
	ring_commit(&fr[1].r);
	ck_assert_uint_eq(reader_freeze(rd), 1);	/* not drained yet */
	ck_assert_uint_eq(reader_drain(rd, out, 64), 1);
	ck_assert_uint_eq(reader_freeze(rd), 0);
	/* later records are neither read nor counted */
	fring_put_test(&fr[0], 0);
	fring_put_test(&fr[0], 0);
	ck_assert(!reader_pending(rd));
	ck_assert_uint_eq(reader_drain(rd, out, 64), 0);
	st = stats(0);
	ck_assert_uint_eq(st.written, 3);
	ck_assert_uint_eq(st.consumed, 3);
	st = stats(1);
	ck_assert_uint_eq(st.written, 2);
	ck_assert_uint_eq(st.written, st.consumed + st.dropped);
	ck_assert_uint_eq(fr[0].prod->written, 5);
}
END_TEST

START_TEST(test_freeze_with_drops_and_prior_reader)
{
	struct reader_ring_desc d;
	struct reader *r2;
	struct reader_stats st;
	int i;

	/* 8 stored, 2 dropped, a previous reader took 5 */
	for (i = 0; i < 10; i++)
		fring_put_test(&fr[0], 0);
	fr[0].cons->tail = 5 * REC;
	d = fring_desc(&fr[0]);
	ck_assert_int_eq(reader_create(&r2, &d, 1), 0);
	ck_assert_uint_eq(reader_drain(r2, out, 64), 3);
	ck_assert_uint_eq(reader_freeze(r2), 0);
	reader_stats(r2, 0, &st);
	ck_assert_uint_eq(st.written, 10);
	ck_assert_uint_eq(st.dropped, 2);
	ck_assert_uint_eq(st.consumed, 3);
	ck_assert_uint_eq(st.dropped_type[RIPTEL_REC_TEST], 2);
	reader_destroy(r2);
}
END_TEST

/* A ring that appears after the start (a CPU's first online) is read too. */
START_TEST(test_add_ring)
{
	struct reader_ring_desc d[2] = { fring_desc(&fr[0]), fring_desc(&fr[1]) };
	struct reader_ring_desc late = fring_desc(&fr[2]);
	struct reader *r2;
	struct reader_stats st;

	ck_assert_int_eq(reader_create_cap(&r2, d, 2, 1), -EINVAL);
	ck_assert_int_eq(reader_create_cap(&r2, d, 2, 3), 0);
	ck_assert_uint_eq(reader_nr_rings(r2), 2);
	ck_assert_int_eq(fring_put_test(&fr[2], 1), 0);
	/* not read before it is added */
	ck_assert_uint_eq(reader_drain(r2, out, 64), 0);
	ck_assert_int_eq(reader_stats(r2, 2, &st), -ERANGE);
	late.data_size = 3;
	ck_assert_int_eq(reader_add_ring(r2, &late), -EINVAL);
	late = fring_desc(&fr[2]);
	ck_assert_int_eq(reader_add_ring(r2, &late), 0);
	ck_assert_uint_eq(reader_nr_rings(r2), 3);
	ck_assert_int_eq(reader_add_ring(r2, &late), -ENOSPC);
	ck_assert_int_eq(fring_put_test(&fr[2], 1), 1);
	ck_assert_uint_eq(reader_drain(r2, out, 64), 2);
	ck_assert_uint_eq(out[0].hdr.cpu, 2);
	ck_assert_int_eq(reader_stats(r2, 2, &st), 0);
	ck_assert_uint_eq(st.cpu, 2);
	ck_assert_uint_eq(st.consumed, 2);
	ck_assert_uint_eq(st.written, 2);
	ck_assert_uint_eq(st.seq_gaps, 0);
	reader_destroy(r2);
}
END_TEST

START_TEST(test_create_rejects)
{
	struct reader_ring_desc d = fring_desc(&fr[0]);
	struct reader *r2 = (void *)1;

	ck_assert_int_eq(reader_create(&r2, &d, 0), -EINVAL);
	ck_assert_ptr_null(r2);
	d.data_size = 3 * REC;	/* not a power of two */
	ck_assert_int_eq(reader_create(&r2, &d, 1), -EINVAL);
	d.data_size = 64;	/* smaller than a record */
	ck_assert_int_eq(reader_create(&r2, &d, 1), -EINVAL);
	d = fring_desc(&fr[0]);
	d.data = NULL;
	ck_assert_int_eq(reader_create(&r2, &d, 1), -EINVAL);
	reader_destroy(NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("reader");
	TCase *tc = tcase_create("reader");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_normal_drain);
	tcase_add_test(tc, test_copy_is_private);
	tcase_add_test(tc, test_batch_limit_and_fairness);
	tcase_add_test(tc, test_wrap_around);
	tcase_add_test(tc, test_gaps);
	tcase_add_test(tc, test_invalid_records);
	tcase_add_test(tc, test_seq_backwards);
	tcase_add_test(tc, test_wrap_past_2_64);
	tcase_add_test(tc, test_hostile_heads);
	tcase_add_test(tc, test_resume_from_used_ring);
	tcase_add_test(tc, test_freeze);
	tcase_add_test(tc, test_freeze_with_drops_and_prior_reader);
	tcase_add_test(tc, test_add_ring);
	tcase_add_test(tc, test_create_rejects);
	suite_add_tcase(s, tc);
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
