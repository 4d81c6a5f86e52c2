/* test_queue.c - the SPSC record queue: order, wrap, drops, threads. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "queue.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define THREAD_RECORDS 100000ULL
#else
#define THREAD_RECORDS 2000000ULL
#endif

static void make(struct riptel_record *r, uint64_t seq, uint16_t type)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = type;
	r->hdr.seq = seq;
	r->test.words[0] = riptel_test_word(seq, 0);
	r->test.words[10] = riptel_test_word(seq, 10);
}

START_TEST(test_capacity)
{
	struct queue *q;

	ck_assert_int_eq(queue_create(&q, 5), 0);
	ck_assert_uint_eq(queue_capacity(q), 8);
	queue_destroy(q);
	ck_assert_int_eq(queue_create(&q, 0), 0);
	ck_assert_uint_eq(queue_capacity(q), 2);
	queue_destroy(q);
	ck_assert_int_eq(queue_create(&q, SIZE_MAX), -EINVAL);
	ck_assert_ptr_null(q);
	queue_destroy(NULL);
}
END_TEST

START_TEST(test_full_drops)
{
	struct riptel_record r, out[8];
	struct queue *q;
	uint64_t i;

	ck_assert_int_eq(queue_create(&q, 4), 0);
	ck_assert(queue_empty(q));
	for (i = 0; i < 4; i++) {
		make(&r, i, RIPTEL_REC_EXEC);
		ck_assert_int_eq(queue_push(q, &r), 0);
	}
	ck_assert_uint_eq(queue_depth(q), 4);
	make(&r, 4, RIPTEL_REC_TCP_STATE);
	ck_assert_int_eq(queue_push(q, &r), -ENOSPC);
	make(&r, 5, 999);	/* out-of-range type counts under 0 */
	ck_assert_int_eq(queue_push(q, &r), -ENOSPC);
	ck_assert_uint_eq(queue_dropped(q), 2);
	ck_assert_uint_eq(queue_dropped_type(q, RIPTEL_REC_TCP_STATE), 1);
	ck_assert_uint_eq(queue_dropped_type(q, 0), 1);
	ck_assert_uint_eq(queue_dropped_type(q, RIPTEL_REC_EXEC), 0);
	/* what was queued is intact and in order */
	ck_assert_uint_eq(queue_pop_many(q, out, 8), 4);
	for (i = 0; i < 4; i++) {
		ck_assert_uint_eq(out[i].hdr.seq, i);
		ck_assert_uint_eq(out[i].test.words[10],
				  riptel_test_word(i, 10));
	}
	ck_assert(queue_empty(q));
	ck_assert_uint_eq(queue_pop_many(q, out, 8), 0);
	queue_destroy(q);
}
END_TEST

START_TEST(test_wrap_batches)
{
	struct riptel_record in[5], out[8];
	struct queue *q;
	uint64_t next_in = 0, next_out = 0;
	size_t i, n, round;

	ck_assert_int_eq(queue_create(&q, 8), 0);
	for (round = 0; round < 100; round++) {
		for (i = 0; i < 5; i++)
			make(&in[i], next_in + i, RIPTEL_REC_TEST);
		n = queue_push_many(q, in, 5);
		next_in += n;
		/* pop a varying amount so batches straddle the end */
		n = queue_pop_many(q, out, 1 + round % 7);
		for (i = 0; i < n; i++)
			ck_assert_uint_eq(out[i].hdr.seq, next_out++);
	}
	while ((n = queue_pop_many(q, out, 8)))
		for (i = 0; i < n; i++)
			ck_assert_uint_eq(out[i].hdr.seq, next_out++);
	ck_assert_uint_eq(next_out, next_in);
	ck_assert_uint_eq(next_in + queue_dropped(q), 500);
	ck_assert_uint_gt(queue_dropped(q), 0);
	queue_destroy(q);
}
END_TEST

START_TEST(test_push_many_partial)
{
	struct riptel_record in[6];
	struct queue *q;
	size_t i;

	ck_assert_int_eq(queue_create(&q, 4), 0);
	for (i = 0; i < 6; i++)
		make(&in[i], i, RIPTEL_REC_FORK);
	ck_assert_uint_eq(queue_push_many(q, in, 6), 4);
	ck_assert_uint_eq(queue_dropped(q), 2);
	ck_assert_uint_eq(queue_dropped_type(q, RIPTEL_REC_FORK), 2);
	ck_assert_uint_eq(queue_push_many(q, in, 0), 0);
	queue_destroy(q);
}
END_TEST

struct spsc {
	struct queue *q;
	uint64_t pushed;
	bool done;
};

static void *producer(void *arg)
{
	struct spsc *s = arg;
	struct riptel_record r[16];
	uint64_t seq = 0;
	size_t i;

	while (seq < THREAD_RECORDS) {
		for (i = 0; i < 16; i++)
			make(&r[i], seq + i, RIPTEL_REC_TEST);
		s->pushed += queue_push_many(s->q, r, 16);
		seq += 16;
		if (seq % 1024 == 0)
			sched_yield();
	}
	__atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(test_threads)
{
	struct riptel_record out[32];
	struct spsc s = { 0 };
	uint64_t popped = 0, last = 0;
	bool first = true, done;
	pthread_t th;
	size_t i, n;

	ck_assert_int_eq(queue_create(&s.q, 64), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, producer, &s), 0);
	for (;;) {
		done = __atomic_load_n(&s.done, __ATOMIC_ACQUIRE);
		n = queue_pop_many(s.q, out, 1 + popped % 32);
		for (i = 0; i < n; i++) {
			/* strictly increasing: no duplicate, no reorder */
			if (!first)
				ck_assert_uint_gt(out[i].hdr.seq, last);
			first = false;
			last = out[i].hdr.seq;
			ck_assert_uint_eq(out[i].test.words[0],
					  riptel_test_word(last, 0));
			ck_assert_uint_eq(out[i].test.words[10],
					  riptel_test_word(last, 10));
		}
		popped += n;
		if (!n && done)
			break;
	}
	pthread_join(th, NULL);
	ck_assert_uint_eq(popped, s.pushed);
	ck_assert_uint_eq(popped + queue_dropped(s.q), THREAD_RECORDS);
	queue_destroy(s.q);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("queue");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_capacity);
	tcase_add_test(tc, test_full_drops);
	tcase_add_test(tc, test_wrap_batches);
	tcase_add_test(tc, test_push_many_partial);
	tcase_add_test(tc, test_threads);
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
