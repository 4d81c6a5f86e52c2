/* bench_ring.c - native user-space benchmark of the shared ring code. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/ring_fixture.h"
#include "queue.h"
#include "reader.h"

#define REC		RIPTEL_RECORD_SIZE
#define PROD_RING	(1ULL << 20)		/* 8192 records */
#define PROD_RECORDS	(4ULL << 20)
#define DRAIN_RING	(4ULL << 20)		/* 32768 records */
#define DRAIN_RECS	(DRAIN_RING / REC)
#define BATCH		256
#define RUNS		7

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* keep results alive so the compiler cannot drop the work */
static volatile uint64_t sink;

/* Producer: reserve + fill + commit, the consumer keeping up for free. */
static double bench_producer(struct fring *f)
{
	uint64_t i, t0;

	t0 = now_ns();
	for (i = 0; i < PROD_RECORDS; i++) {
		struct riptel_record *rec = ring_reserve(&f->r, RIPTEL_REC_TEST, 0, NULL);

		if (!rec) {
			fprintf(stderr, "bench: unexpected drop\n");
			exit(1);
		}
		fring_fill_test(rec, 1);
		ring_commit(&f->r);
		/* an instant consumer, every half ring */
		if ((i & (PROD_RING / REC / 2 - 1)) == 0)
			__atomic_store_n(&f->cons->tail, f->prod->head,
					 __ATOMIC_RELEASE);
	}
	return (double)(now_ns() - t0) / PROD_RECORDS;
}

/* Baseline: the same fill into the same memory, slot by slot, no protocol. */
static double bench_fill_only(uint8_t *buf)
{
	uint64_t i, t0;

	t0 = now_ns();
	for (i = 0; i < PROD_RECORDS; i++) {
		struct riptel_record *rec = (struct riptel_record *)
			(buf + ((i * REC) & (PROD_RING - 1)));

		rec->hdr.type = RIPTEL_REC_TEST;
		rec->hdr.size = REC;
		rec->hdr.cpu = 0;
		rec->hdr.seq = i;
		fring_fill_test(rec, 1);
		__asm__ __volatile__("" ::: "memory");
	}
	sink += buf[77];
	return (double)(now_ns() - t0) / PROD_RECORDS;
}

static void fill_full(struct fring *f)
{
	uint64_t i;

	f->cons->tail = f->prod->head;	/* the reader released everything */
	for (i = 0; i < DRAIN_RECS; i++)
		if (fring_put_test(f, 1) < 0) {
			fprintf(stderr, "bench: ring not empty\n");
			exit(1);
		}
}

/* The agent's reader: validate, count, copy out, release. */
static double bench_drain(struct fring *f, struct reader *rd,
			  struct riptel_record *batch)
{
	uint64_t t0, got = 0, dt;
	size_t n;

	fill_full(f);
	t0 = now_ns();
	while ((n = reader_drain(rd, batch, BATCH)))
		got += n;
	dt = now_ns() - t0;
	if (got != DRAIN_RECS) {
		fprintf(stderr, "bench: drained %" PRIu64 "\n", got);
		exit(1);
	}
	sink += batch[0].hdr.seq;
	return (double)got * 1e9 / (double)dt;
}

/* ring_core.h's reader alone: head, copy, release, no checks. */
static double bench_drain_raw(struct fring *f, struct ring_reader *c,
			      struct riptel_record *batch)
{
	uint64_t t0, h, pos, got = 0, dt;
	size_t k;

	fill_full(f);
	t0 = now_ns();
	while (ring_consume_head(c, &h) && h != c->tail) {
		for (pos = c->tail, k = 0; pos != h && k < BATCH;
		     pos += REC, k++)
			memcpy(&batch[k], ring_consume_at(c, pos), REC);
		ring_consume_release(c, pos);
		got += k;
	}
	dt = now_ns() - t0;
	sink += batch[0].hdr.seq + got;
	return (double)got * 1e9 / (double)dt;
}

/* Baseline: memcpy of the same bytes in the same batches. */
static double bench_memcpy(const uint8_t *src, struct riptel_record *batch)
{
	uint64_t t0, off, dt;

	t0 = now_ns();
	for (off = 0; off < DRAIN_RING; off += BATCH * REC)
		memcpy(batch, src + off, BATCH * REC);
	dt = now_ns() - t0;
	sink += batch[BATCH - 1].hdr.seq;
	return (double)DRAIN_RECS * 1e9 / (double)dt;
}

/* Drain, then through the drain->pipeline queue, on one core. */
static double bench_drain_queue(struct fring *f, struct reader *rd,
				struct queue *q, struct riptel_record *batch)
{
	uint64_t t0, got = 0, dt;
	size_t n;

	fill_full(f);
	t0 = now_ns();
	while ((n = reader_drain(rd, batch, BATCH))) {
		queue_push_many(q, batch, n);
		got += queue_pop_many(q, batch, BATCH);
	}
	dt = now_ns() - t0;
	sink += got;
	return (double)got * 1e9 / (double)dt;
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

static double max_d(double a, double b)
{
	return a > b ? a : b;
}

int main(void)
{
	double prod = 1e9, fill = 1e9, drain = 0, raw = 0, mcp = 0, dq = 0;
	struct riptel_record *batch = aligned_alloc(64, BATCH * REC);
	uint8_t *plain = aligned_alloc(4096, PROD_RING);
	struct fring pf, df, rf;
	struct reader_ring_desc d;
	struct ring_reader c;
	struct reader *rd;
	struct queue *q;
	int i;

	if (!batch || !plain || fring_init(&pf, 0, PROD_RING) ||
	    fring_init(&df, 0, DRAIN_RING) || fring_init(&rf, 0, DRAIN_RING) ||
	    queue_create(&q, 4 * BATCH)) {
		fprintf(stderr, "bench: out of memory\n");
		return 1;
	}
	d = fring_desc(&df);
	if (reader_create(&rd, &d, 1)) {
		fprintf(stderr, "bench: reader_create failed\n");
		return 1;
	}
	ring_reader_init(&c, rf.prod, rf.cons, rf.data, rf.size);

	/* best of RUNS: the least disturbed run on a shared machine */
	for (i = 0; i < RUNS; i++) {
		prod = min_d(prod, bench_producer(&pf));
		fill = min_d(fill, bench_fill_only(plain));
		drain = max_d(drain, bench_drain(&df, rd, batch));
		raw = max_d(raw, bench_drain_raw(&rf, &c, batch));
		mcp = max_d(mcp, bench_memcpy(df.data, batch));
		dq = max_d(dq, bench_drain_queue(&df, rd, q, batch));
	}

	printf("riptel ring, user space, one core, best of %d runs\n", RUNS);
	printf("  %-44s %12.2f ns/record\n", "producer: reserve + fill + commit",
	       prod);
	printf("  %-44s %12.2f ns/record\n",
	       "baseline: same fill, same memory, no ring", fill);
	printf("  %-44s %12.1f M records/s\n",
	       "drain: agent reader (validate, copy, count)", drain / 1e6);
	printf("  %-44s %12.1f M records/s\n", "drain: ring_core.h reader + memcpy",
	       raw / 1e6);
	printf("  %-44s %12.1f M records/s\n", "drain: agent reader + queue",
	       dq / 1e6);
	printf("  %-44s %12.1f M records/s\n", "baseline: memcpy, same bytes",
	       mcp / 1e6);
	printf("  %-44s %12.2f\n", "producer / same fill", prod / fill);
	printf("  %-44s %12.2f\n", "drain / memcpy", drain / mcp);
	printf("BENCH ring_producer_ns_per_record %.2f\n", prod);
	printf("BENCH ring_fill_only_ns_per_record %.2f\n", fill);
	printf("BENCH ring_drain_records_per_sec %.0f\n", drain);
	printf("BENCH ring_drain_raw_records_per_sec %.0f\n", raw);
	printf("BENCH ring_drain_queue_records_per_sec %.0f\n", dq);
	printf("BENCH memcpy_records_per_sec %.0f\n", mcp);
	printf("BENCH ratio_drain_memcpy %.3f\n", drain / mcp);
	printf("BENCH ratio_producer_fill %.3f\n", prod / fill);

	queue_destroy(q);
	reader_destroy(rd);
	fring_fini(&pf);
	fring_fini(&df);
	fring_fini(&rf);
	free(plain);
	free(batch);
	return 0;
}
