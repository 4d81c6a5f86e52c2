// SPDX-License-Identifier: GPL-2.0
/*
 * wakeup.c - readers of /dev/riptel that sleep in different ways, for
 * tests/vm/test_wakeup.sh: each counts how often it is woken while records
 * keep coming, draining every ring fully after every wake-up.
 *
 *   wakeup epollet N TIMEOUT_S  epoll, EPOLLIN | EPOLLET, N wake-ups
 *   wakeup uring N TIMEOUT_S    io_uring multishot poll, N completions
 *   wakeup poll N TIMEOUT_S     poll(2), N wake-ups
 *   wakeup lone TIMEOUT_S       drain, then one poll(2): woken by a record
 *                               written after the reader fell asleep
 *                               (the guest writes it), how long it took
 *   wakeup idle SECS            drain, then sleep in poll(2) for SECS with
 *                               nothing pending, then drain and hold the
 *                               device open until stdin closes
 *
 * Each wait has a generous timeout; a wait that times out is counted and
 * the reader waits again.  Prints one "key=value" line per figure:
 * wakes, timeouts, records, and for uring rearms (completions that ended
 * the multishot request), for lone the wait in ms.  Exit 0 unless the
 * device could not be used.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ring_core.h"

#define MAX_CPUS 64

static struct ring_reader rings[MAX_CPUS];
static unsigned int nr_rings;
static uint64_t records;

static void die(const char *what)
{
	fprintf(stderr, "wakeup: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void *map(int fd, unsigned int cpu, unsigned int region, size_t len,
		 int prot)
{
	return mmap(NULL, len, prot, MAP_SHARED, fd,
		    (off_t)RIPTEL_MMAP_OFFSET(cpu, region));
}

static int open_rings(void)
{
	struct riptel_info info;
	unsigned int cpu;
	int fd;

	fd = open("/dev/riptel", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/riptel");
	if (ioctl(fd, RIPTEL_IOC_INFO, &info) < 0)
		die("RIPTEL_IOC_INFO");
	for (cpu = 0; cpu < info.nr_cpus && cpu < MAX_CPUS; cpu++) {
		void *prod = map(fd, cpu, RIPTEL_REGION_PROD, info.page_size,
				 PROT_READ);
		void *cons, *data;

		if (prod == MAP_FAILED) {
			if (errno == ENXIO)
				continue;
			die("mmap producer page");
		}
		cons = map(fd, cpu, RIPTEL_REGION_CONS, info.page_size,
			   PROT_READ | PROT_WRITE);
		data = map(fd, cpu, RIPTEL_REGION_DATA, info.data_size,
			   PROT_READ);
		if (cons == MAP_FAILED || data == MAP_FAILED)
			die("mmap");
		ring_reader_init(&rings[nr_rings++], prod, cons, data,
				 info.data_size);
	}
	return fd;
}

/* Take every ring's records, as a reader that keeps up does. */
static void drain(void)
{
	unsigned int i;
	uint64_t head;

	for (i = 0; i < nr_rings; i++) {
		if (!ring_consume_head(&rings[i], &head))
			continue;
		records += (head - rings[i].tail) / RIPTEL_RECORD_SIZE;
		ring_consume_release(&rings[i], head);
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void run_epollet(int fd, unsigned int n, int timeout_ms)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	unsigned int wakes = 0, timeouts = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll");
	while (wakes < n && timeouts < n) {
		int r = epoll_wait(ep, &ev, 1, timeout_ms);

		if (r < 0 && errno != EINTR)
			die("epoll_wait");
		if (r == 0) {
			timeouts++;
			continue;
		}
		if (r > 0) {
			wakes++;
			drain();
		}
	}
	printf("wakes=%u\ntimeouts=%u\nrecords=%llu\n", wakes, timeouts,
	       (unsigned long long)records);
}

static void run_uring(int fd, unsigned int n, int timeout_ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
	};
	unsigned int wakes = 0, timeouts = 0, rearms = 0;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	bool armed = false;
	int r;

	r = io_uring_queue_init(8, &ring, 0);
	if (r < 0) {
		errno = -r;
		die("io_uring_queue_init");
	}
	while (wakes < n && timeouts < n) {
		if (!armed) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			io_uring_prep_poll_multishot(sqe, fd, POLLIN);
			io_uring_submit(&ring);
			armed = true;
		}
		r = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
		if (r == -ETIME) {
			timeouts++;
			continue;
		}
		if (r < 0) {
			errno = -r;
			die("io_uring_wait_cqe_timeout");
		}
		if (cqe->res < 0) {
			errno = -cqe->res;
			die("multishot poll");
		}
		if (!(cqe->flags & IORING_CQE_F_MORE)) {
			armed = false;	/* the request ended: ask again */
			rearms++;
		}
		io_uring_cqe_seen(&ring, cqe);
		wakes++;
		drain();
	}
	io_uring_queue_exit(&ring);
	printf("wakes=%u\ntimeouts=%u\nrearms=%u\nrecords=%llu\n", wakes,
	       timeouts, rearms, (unsigned long long)records);
}

static void run_poll(int fd, unsigned int n, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned int wakes = 0, timeouts = 0;

	while (wakes < n && timeouts < n) {
		int r = poll(&p, 1, timeout_ms);

		if (r < 0 && errno != EINTR)
			die("poll");
		if (r == 0)
			timeouts++;
		if (r > 0) {
			wakes++;
			drain();
		}
	}
	printf("wakes=%u\ntimeouts=%u\nrecords=%llu\n", wakes, timeouts,
	       (unsigned long long)records);
}

/*
 * Drain, say so on stdout (the guest then writes one record), sleep in
 * poll() until woken.  The wait is the record's latency plus the guest's
 * few ms to write it.
 */
static void run_lone(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t t0;
	int r;

	drain();
	records = 0;
	printf("asleep\n");
	fflush(stdout);
	t0 = now_ms();
	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		die("poll");
	drain();
	printf("wakes=%d\ntimeouts=%d\nwait_ms=%llu\nrecords=%llu\n", r > 0,
	       r == 0, (unsigned long long)(now_ms() - t0),
	       (unsigned long long)records);
}

static void run_idle(int fd, int secs)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;
	int r;

	drain();
	printf("asleep\n");
	fflush(stdout);
	r = poll(&p, 1, secs * 1000);
	drain();
	printf("wakes=%d\nrecords=%llu\nholding\n", r > 0,
	       (unsigned long long)records);
	fflush(stdout);
	/* keep the rings drained and the device open for riptelctl status */
	while (read(0, &c, 1) > 0)
		;
}

int main(int argc, char **argv)
{
	int fd, timeout_ms;

	if (argc < 3) {
		fprintf(stderr, "usage: wakeup epollet|uring|poll N TIMEOUT_S | lone TIMEOUT_S | idle SECS\n");
		return 2;
	}
	fd = open_rings();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "lone")) {
		run_lone(fd, atoi(argv[2]) * 1000);
		return 0;
	}
	if (!strcmp(argv[1], "idle")) {
		run_idle(fd, atoi(argv[2]));
		return 0;
	}
	if (argc < 4)
		return 2;
	timeout_ms = atoi(argv[3]) * 1000;
	if (!strcmp(argv[1], "epollet"))
		run_epollet(fd, (unsigned int)atoi(argv[2]), timeout_ms);
	else if (!strcmp(argv[1], "uring"))
		run_uring(fd, (unsigned int)atoi(argv[2]), timeout_ms);
	else if (!strcmp(argv[1], "poll"))
		run_poll(fd, (unsigned int)atoi(argv[2]), timeout_ms);
	else
		return 2;
	return 0;
}
