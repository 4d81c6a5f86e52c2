// SPDX-License-Identifier: GPL-2.0
/*
 * clockcheck.c - does a record's ts_ns tell the time user space sees?
 *
 *   clockcheck [-n TIGHT] [-s SPACED] [-c CPU]
 *
 * Runs in the VM with riptel.ko loaded with bench_sys_enter=1 (a test
 * record on every system call entry, source = the syscall number) and no
 * other reader.  Pinned to CPU, it brackets getppid() calls with
 * clock_gettime(CLOCK_MONOTONIC) reads (vDSO, no system call): TIGHT calls
 * back to back, where the record clock extrapolates from its per-CPU
 * anchor, then SPACED calls 2 ms apart, each past an anchor's span, so
 * each takes a new anchor (src/kmod/ring_clock.h).  Then it reads the CPU's ring
 * and checks, as "ok - ..." / "not ok - ..." lines:
 *   - every call has its record, in order, with no sequence gap;
 *   - t0 <= ts_ns <= t1 + LATE_NS for every call: the record's time is
 *     never before the clock read that preceded its call, and at most the
 *     documented bound late (src/kmod/ring_clock.c: an anchor's two reads are
 *     taken less than 1 us apart, and times are late by at most that);
 *   - ts_ns never falls along the CPU's sequence.
 * Exits 0 when it could run (the lines carry the verdict), 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "ring_core.h"

/* how late a record's time may be: the anchor's read gap bound */
#define LATE_NS		1000ull

struct call {
	u64 t0, t1;
};

static u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static void result(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s - %s", ok ? "ok" : "not ok", name);
	if (!ok && fmt) {
		printf(" (");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(")");
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	unsigned int tight = 5000, spaced = 200, cpu = 1, n, i, got = 0;
	u64 head, pos, start, last_ts = 0, last_seq = 0, worst_lo = 0, worst_hi = 0;
	u64 gaps = 0, backwards = 0, outside = 0, ts_max_lag = 0, past_t1 = 0;
	const struct timespec pause = { 0, 2 * 1000 * 1000 };
	long page = sysconf(_SC_PAGESIZE);
	struct riptel_info info;
	struct ring_reader rr;
	struct call *calls;
	void *prod, *cons, *data;
	cpu_set_t set;
	int fd, opt, first = 1;

	while ((opt = getopt(argc, argv, "n:s:c:")) != -1) {
		switch (opt) {
		case 'n': tight = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 's': spaced = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'c': cpu = (unsigned int)strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: clockcheck [-n TIGHT] [-s SPACED] [-c CPU]\n");
			return 1;
		}
	}
	n = tight + spaced;
	calls = calloc(n ? n : 1, sizeof(*calls));
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (!calls || sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "clockcheck: setup (CPU %u): %s\n", cpu, strerror(errno));
		return 1;
	}
	fd = open("/dev/" RIPTEL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, RIPTEL_IOC_INFO, &info)) {
		fprintf(stderr, "clockcheck: /dev/%s: %s\n", RIPTEL_DEVICE_NAME, strerror(errno));
		return 1;
	}
	prod = mmap(NULL, page, PROT_READ, MAP_SHARED, fd,
		    RIPTEL_MMAP_OFFSET(cpu, RIPTEL_REGION_PROD));
	cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    RIPTEL_MMAP_OFFSET(cpu, RIPTEL_REGION_CONS));
	data = mmap(NULL, info.data_size, PROT_READ, MAP_SHARED, fd,
		    RIPTEL_MMAP_OFFSET(cpu, RIPTEL_REGION_DATA));
	if (prod == MAP_FAILED || cons == MAP_FAILED || data == MAP_FAILED) {
		fprintf(stderr, "clockcheck: map CPU %u: %s\n", cpu, strerror(errno));
		return 1;
	}
	ring_reader_init(&rr, prod, cons, data, info.data_size);
	/* start from an empty ring: what came before is not ours */
	if (!ring_consume_head(&rr, &start)) {
		fprintf(stderr, "clockcheck: implausible head\n");
		return 1;
	}
	ring_consume_release(&rr, start);

	for (i = 0; i < n; i++) {
		if (i >= tight)
			nanosleep(&pause, NULL);
		calls[i].t0 = mono_ns();
		syscall(SYS_getppid);
		calls[i].t1 = mono_ns();
	}

	if (!ring_consume_head(&rr, &head)) {
		fprintf(stderr, "clockcheck: implausible head\n");
		return 1;
	}
	for (pos = start; pos < head; pos += RIPTEL_RECORD_SIZE) {
		const struct riptel_record *r = ring_consume_at(&rr, pos);
		const struct call *c;

		if (!first && r->hdr.seq != last_seq + 1)
			gaps++;
		if (!first && r->hdr.ts_ns < last_ts)
			backwards++;
		first = 0;
		last_seq = r->hdr.seq;
		last_ts = r->hdr.ts_ns;
		if (r->hdr.type != RIPTEL_REC_TEST || r->hdr.tgid != (u32)getpid() ||
		    r->test.source != SYS_getppid)
			continue;
		if (got >= n) {
			got++;
			continue;
		}
		c = &calls[got++];
		if (r->hdr.ts_ns < c->t0) {
			outside++;
			if (c->t0 - r->hdr.ts_ns > worst_lo)
				worst_lo = c->t0 - r->hdr.ts_ns;
		} else if (r->hdr.ts_ns > c->t1 + LATE_NS) {
			outside++;
			if (r->hdr.ts_ns - c->t1 > worst_hi)
				worst_hi = r->hdr.ts_ns - c->t1;
		} else {
			if (r->hdr.ts_ns - c->t0 > ts_max_lag)
				ts_max_lag = r->hdr.ts_ns - c->t0;
			if (r->hdr.ts_ns > c->t1 && r->hdr.ts_ns - c->t1 > past_t1)
				past_t1 = r->hdr.ts_ns - c->t1;
		}
	}
	ring_consume_release(&rr, head);

	result(got == n, "one record per getppid() call", "%u records for %u calls", got, n);
	result(!gaps, "no sequence gap on the CPU", "%llu gaps", (unsigned long long)gaps);
	result(!outside, "every ts_ns between the clock reads around its call (+1 us late at most)",
	       "%llu outside, up to %llu ns early, %llu ns late", (unsigned long long)outside,
	       (unsigned long long)worst_lo, (unsigned long long)worst_hi);
	result(!backwards, "ts_ns never falls along the sequence", "%llu falls",
	       (unsigned long long)backwards);
	printf("# %u tight + %u spaced calls on CPU %u; ts_ns at most %llu ns after t0, %llu ns after t1\n",
	       tight, spaced, cpu, (unsigned long long)ts_max_lag, (unsigned long long)past_t1);
	close(fd);
	free(calls);
	return 0;
}
