/* test_runner.c - drain thread + pipeline end to end over user-space rings. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "pipeline.h"
#include "queue.h"
#include "reader.h"
#include "ring_fixture.h"
#include "runner.h"

#define NR 2
#define REC RIPTEL_RECORD_SIZE

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define PER_RING 3000
#else
#define PER_RING 30000
#endif

/* A sink that checks and counts what reaches it. */
struct capture {
	uint64_t records;
	uint64_t per_cpu[NR];
	uint64_t last_seq[NR];
	uint64_t bad;
	uint64_t flushes;
	uint64_t ticks;
	uint64_t offset;	/* the clock's REALTIME - MONOTONIC */
	unsigned int sleep_us;	/* a slow sink */
	int fail_with;		/* returned from record() */
};

static int cap_record(void *ctx, const struct riptel_record *r,
		      uint64_t unix_ns)
{
	struct capture *c = ctx;
	uint32_t cpu = r->hdr.cpu;

	if (cpu >= NR || !fring_test_ok(r, cpu, cpu) ||
	    (c->per_cpu[cpu] && r->hdr.seq <= c->last_seq[cpu]))
		c->bad++;
	else {
		c->last_seq[cpu] = r->hdr.seq;
		c->per_cpu[cpu]++;
	}
	/*
	 * ts_ns is the seq here: Unix time is it plus the clock offset
	 * (which a refresh may move by a little)
	 */
	if (unix_ns - (r->hdr.ts_ns + c->offset) + 1000000 > 2000000)
		c->bad++;
	c->records++;
	if (c->sleep_us)
		usleep(c->sleep_us);
	return c->fail_with;
}

static int cap_tick(void *ctx, uint64_t now)
{
	struct capture *c = ctx;

	(void)now;
	c->ticks++;
	return 0;
}

static void cap_flush(void *ctx)
{
	struct capture *c = ctx;

	c->flushes++;
}

struct world {
	struct fring ring[NR];
	struct reader *rd;
	struct queue *q;
	struct pipeline pl;
	struct clock_conv clk;
	struct capture cap;
	struct runner_cfg cfg;
	struct runner_result res;
	int stop_fd;
	uint64_t per_ring;	/* records each producer writes */
	bool producing_done;
};

static struct world *w;

static void setup_world(size_t queue_cap, uint64_t ring_size)
{
	struct reader_ring_desc d[NR];
	struct sink s = { .name = "capture", .record = cap_record,
			  .tick = cap_tick, .flush = cap_flush };
	int i;

	w = calloc(1, sizeof(*w));
	ck_assert_ptr_nonnull(w);
	for (i = 0; i < NR; i++) {
		ck_assert_int_eq(fring_init(&w->ring[i], (uint32_t)i,
					    ring_size), 0);
		d[i] = fring_desc(&w->ring[i]);
	}
	ck_assert_int_eq(reader_create(&w->rd, d, NR), 0);
	ck_assert_int_eq(queue_create(&w->q, queue_cap), 0);
	ck_assert_int_eq(clock_init(&w->clk, NULL, 0), 0);
	w->cap.offset = (uint64_t)w->clk.offset_ns;
	pipeline_init(&w->pl);
	s.ctx = &w->cap;
	ck_assert_int_eq(pipeline_add(&w->pl, &s), 0);
	w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_ge(w->stop_fd, 0);
	w->cfg = (struct runner_cfg){
		.rd = w->rd, .q = w->q, .pl = &w->pl, .clk = &w->clk,
		.wait_fd = -1, .stop_fd = w->stop_fd, .poll_ms = 5,
		.tick_ns = 10000000,
		.final_drain_budget = 1000000, .batch = 16,
	};
}

static void teardown_world(void)
{
	int i;

	pipeline_fini(&w->pl);
	queue_destroy(w->q);
	reader_destroy(w->rd);
	for (i = 0; i < NR; i++)
		fring_fini(&w->ring[i]);
	close(w->stop_fd);
	free(w);
	w = NULL;
}

/* A producer thread writing to every ring in turn. */
static void *producers(void *arg)
{
	struct world *wd = arg;
	uint64_t i;
	int r;

	for (i = 0; i < wd->per_ring; i++) {
		for (r = 0; r < NR; r++)
			fring_put_test(&wd->ring[r], (uint32_t)r);
		if ((i & 63) == 0)
			sched_yield();
	}
	__atomic_store_n(&wd->producing_done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void *stopper(void *arg)
{
	struct world *wd = arg;
	uint64_t one = 1;

	while (!__atomic_load_n(&wd->producing_done, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (write(wd->stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();
	return NULL;
}

static void check_accounting(void)
{
	uint64_t consumed = 0;
	int i;

	for (i = 0; i < NR; i++) {
		struct reader_stats st;

		reader_stats(w->rd, (size_t)i, &st);
		ck_assert_uint_eq(st.written, w->per_ring);
		ck_assert_uint_eq(st.written, st.consumed + st.dropped);
		ck_assert_uint_eq(st.invalid, 0);
		consumed += st.consumed;
	}
	ck_assert_uint_eq(w->cap.bad, 0);
	ck_assert_uint_eq(w->res.records, w->cap.records);
	/* what the rings gave up either reached the sink or was counted */
	ck_assert_uint_eq(consumed, w->cap.records + queue_dropped(w->q));
}

START_TEST(test_stop_drains_everything)
{
	pthread_t p, s;

	setup_world(1024, 64 * REC);
	w->per_ring = PER_RING;
	ck_assert_int_eq(pthread_create(&p, NULL, producers, w), 0);
	ck_assert_int_eq(pthread_create(&s, NULL, stopper, w), 0);
	ck_assert_int_eq(runner_run(&w->cfg, &w->res), 0);
	pthread_join(p, NULL);
	pthread_join(s, NULL);
	ck_assert_int_eq(w->res.drain_err, 0);
	ck_assert(!w->res.max_reached);
	check_accounting();
	/* stopped after the producers: the final drain left nothing */
	ck_assert(!reader_pending(w->rd));
	ck_assert_uint_gt(w->cap.records, 0);
	ck_assert_uint_gt(w->cap.flushes, 0);
	teardown_world();
}
END_TEST

START_TEST(test_leftovers_at_stop)
{
	uint64_t one = 1;
	int i, r;

	/* records already in the rings when the stop comes */
	setup_world(1024, 64 * REC);
	w->per_ring = 50;
	for (r = 0; r < NR; r++)
		for (i = 0; i < 50; i++)
			fring_put_test(&w->ring[r], (uint32_t)r);
	ck_assert_int_eq(write(w->stop_fd, &one, sizeof(one)), sizeof(one));
	ck_assert_int_eq(runner_run(&w->cfg, &w->res), 0);
	ck_assert_uint_eq(w->cap.records, 100);
	ck_assert_uint_eq(w->cap.per_cpu[0], 50);
	ck_assert_uint_eq(w->cap.per_cpu[1], 50);
	check_accounting();
	/* the rings were frozen at the final drain: later records (our own
	 * threads' exits, in the real agent) do not spoil the accounting
	 */
	fring_put_test(&w->ring[0], 0);
	check_accounting();
	teardown_world();
}
END_TEST

START_TEST(test_max_records)
{
	int i, r;

	setup_world(1024, 64 * REC);
	w->per_ring = 40;
	for (r = 0; r < NR; r++)
		for (i = 0; i < 40; i++)
			fring_put_test(&w->ring[r], (uint32_t)r);
	w->cfg.max_records = 7;
	ck_assert_int_eq(runner_run(&w->cfg, &w->res), 0);
	ck_assert(w->res.max_reached);
	ck_assert_uint_eq(w->res.records, 7);
	ck_assert_uint_eq(w->cap.records, 7);
	teardown_world();
}
END_TEST

START_TEST(test_duration_and_ticks)
{
	uint64_t t0, dt;

	setup_world(64, 8 * REC);
	w->cfg.duration_ns = 60000000;	/* 60 ms */
	t0 = clock_mono_ns(&w->clk);
	ck_assert_int_eq(runner_run(&w->cfg, &w->res), 0);
	dt = clock_mono_ns(&w->clk) - t0;
	ck_assert(w->res.duration_reached);
	ck_assert_uint_ge(dt, 60000000);
	ck_assert_uint_gt(w->cap.ticks, 0);	/* 10 ms tick */
	ck_assert_uint_eq(w->cap.records, 0);
	teardown_world();
}
END_TEST

START_TEST(test_slow_sink_drops_in_queue)
{
	uint64_t one = 1;
	int i, r;

	/* the rings hold 400 records; the queue only 4; the sink is slow */
	setup_world(4, 256 * REC);
	w->per_ring = 200;
	for (r = 0; r < NR; r++)
		for (i = 0; i < 200; i++)
			fring_put_test(&w->ring[r], (uint32_t)r);
	w->cap.sleep_us = 200;
	ck_assert_int_eq(write(w->stop_fd, &one, sizeof(one)), sizeof(one));
	ck_assert_int_eq(runner_run(&w->cfg, &w->res), 0);
	/* the rings were emptied regardless: drops are in the queue */
	ck_assert(!reader_pending(w->rd));
	ck_assert_uint_gt(queue_dropped(w->q), 0);
	check_accounting();
	teardown_world();
}
END_TEST

START_TEST(test_epipe_stops)
{
	int i;

	setup_world(1024, 64 * REC);
	w->per_ring = 30;
	for (i = 0; i < 30; i++)
		fring_put_test(&w->ring[0], 0);
	w->cap.fail_with = -EPIPE;
	ck_assert_int_eq(runner_run(&w->cfg, &w->res), 0);
	ck_assert_int_eq(w->res.pipe_err, -EPIPE);
	ck_assert_uint_eq(w->cap.records, 1);
	ck_assert_uint_eq(w->pl.errors[0], 1);
	teardown_world();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("runner");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_stop_drains_everything);
	tcase_add_test(tc, test_leftovers_at_stop);
	tcase_add_test(tc, test_max_records);
	tcase_add_test(tc, test_duration_and_ticks);
	tcase_add_test(tc, test_slow_sink_drops_in_queue);
	tcase_add_test(tc, test_epipe_stops);
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
