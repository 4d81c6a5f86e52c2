// SPDX-License-Identifier: GPL-2.0
/*
 * getppid_loop.c - the benchmark's trigger: time N getppid() system calls.
 *
 *   getppid_loop [-n CALLS] [-r REPS] [-c CPU]
 *
 * Pins itself to CPU (default 1, or 0 on a one-CPU machine), runs REPS
 * rounds of CALLS getppid() calls, and prints each round's ns per call and
 * then the fastest round as "ns_per_call X" (the least disturbed by the
 * host).  Every call fires raw_syscalls:sys_enter once.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long calls = 200000, reps = 5, i, r;
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	double best = 0;
	cpu_set_t set;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:c:")) != -1) {
		switch (opt) {
		case 'n':
			calls = strtol(optarg, NULL, 0);
			break;
		case 'r':
			reps = strtol(optarg, NULL, 0);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-n CALLS] [-r REPS] [-c CPU]\n", argv[0]);
			return 2;
		}
	}
	if (calls <= 0 || reps <= 0) {
		fprintf(stderr, "getppid_loop: CALLS and REPS must be positive\n");
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "getppid_loop: pin to CPU %d: %s\n", cpu, strerror(errno));
		return 1;
	}
	for (r = 0; r < reps; r++) {
		double t0 = now_ns(), ns;

		for (i = 0; i < calls; i++)
			syscall(SYS_getppid);
		ns = (now_ns() - t0) / calls;
		printf("round %ld ns_per_call %.1f\n", r, ns);
		if (!r || ns < best)
			best = ns;
	}
	printf("ns_per_call %.1f\n", best);
	return 0;
}
