// SPDX-License-Identifier: GPL-2.0
/*
 * riptel_drain.c - the benchmark's bare reader of riptel's rings: map every
 * CPU's ring and give the records back every 10 ms, counting them, until
 * SIGTERM or SIGINT.  The riptel counterpart of bpf/ringbuf_drain.c, so
 * both ring variants are measured with a reader that does the same nothing.
 *
 * Prints "ready" once mapped, and on exit
 *   "records N written W dropped D consumer_errors E"
 * summed over the rings, so the benchmark can tell a run with drops (cheap
 * early exits that would flatter the figure) from a clean one.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "ring_core.h"

#define MAX_CPUS	256

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long drain(struct ring_reader *rr, unsigned int n)
{
	unsigned long long records = 0;
	unsigned int i;
	u64 head;

	for (i = 0; i < n; i++) {
		if (!rr[i].prod || !ring_consume_head(&rr[i], &head))
			continue;
		records += (head - rr[i].tail) / RIPTEL_RECORD_SIZE;
		ring_consume_release(&rr[i], head);
	}
	return records;
}

int main(void)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	static struct ring_reader rr[MAX_CPUS];
	unsigned long long records = 0, written = 0, dropped = 0, cerr = 0;
	struct riptel_info info;
	unsigned int cpu, n;
	long page = sysconf(_SC_PAGESIZE);
	int fd;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fd = open("/dev/" RIPTEL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, RIPTEL_IOC_INFO, &info)) {
		fprintf(stderr, "riptel_drain: /dev/%s: %s\n", RIPTEL_DEVICE_NAME,
			strerror(errno));
		return 1;
	}
	n = info.nr_cpus < MAX_CPUS ? info.nr_cpus : MAX_CPUS;
	for (cpu = 0; cpu < n; cpu++) {
		void *prod, *cons, *data;

		prod = mmap(NULL, page, PROT_READ, MAP_SHARED, fd,
			    RIPTEL_MMAP_OFFSET(cpu, RIPTEL_REGION_PROD));
		if (prod == MAP_FAILED)
			continue;	/* not a possible CPU */
		cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			    RIPTEL_MMAP_OFFSET(cpu, RIPTEL_REGION_CONS));
		data = mmap(NULL, info.data_size, PROT_READ, MAP_SHARED, fd,
			    RIPTEL_MMAP_OFFSET(cpu, RIPTEL_REGION_DATA));
		if (cons == MAP_FAILED || data == MAP_FAILED) {
			fprintf(stderr, "riptel_drain: map CPU %u: %s\n", cpu,
				strerror(errno));
			return 1;
		}
		ring_reader_init(&rr[cpu], prod, cons, data, info.data_size);
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		records += drain(rr, n);
		nanosleep(&tick, NULL);
	}
	records += drain(rr, n);
	for (cpu = 0; cpu < n; cpu++) {
		if (!rr[cpu].prod)
			continue;
		written += rr[cpu].prod->written;
		dropped += rr[cpu].prod->dropped;
		cerr += rr[cpu].prod->consumer_errors;
	}
	printf("records %llu written %llu dropped %llu consumer_errors %llu\n",
	       records, written, dropped, cerr);
	close(fd);
	return 0;
}
