// SPDX-License-Identifier: GPL-2.0
/*
 * hostile.c - a consumer of /dev/riptel that breaks every rule it can.
 *
 *   hostile check [WAIT_S]   errno checks, then garbage tails while records
 *                            flow (something else must be firing them)
 *   hostile hold             map every ring, close the fd, print "holding",
 *                            and keep the mappings until SIGTERM; then read
 *                            each producer page once more and exit 0
 *
 * "check" prints one line per assertion, "ok - NAME" or "not ok - NAME:
 * why", for tests/vm/test_hostile.sh to turn into TAP, and exits non-zero
 * if any failed.  Every expectation comes from the ABI in riptel.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "ring_core.h"

#define DEV		"/dev/" RIPTEL_DEVICE_NAME
#define MAX_CPUS	256

struct hring {
	struct riptel_prod_page *prod;
	struct riptel_cons_page *cons;
	const uint8_t *data;
	uint64_t tail;		/* the last good tail we released */
};

static struct riptel_info info;
static long page;
static int failures;
static struct hring rings[MAX_CPUS];
static unsigned int nr_rings;

static void report(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok - %s\n", name);
	} else {
		failures++;
		printf("not ok - %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	fflush(stdout);
}

static void *map_region(int fd, unsigned int cpu, unsigned int region,
			uint64_t extra_off, size_t len, int prot, int flags)
{
	off_t off = (off_t)(RIPTEL_MMAP_OFFSET(cpu, region) + extra_off);

	return mmap(NULL, len, prot, flags, fd, off);
}

/* A mapping that must fail with @want_errno (0: any errno). */
static void expect_map_fail(int fd, const char *name, unsigned int cpu,
			    unsigned int region, uint64_t extra_off, size_t len,
			    int prot, int flags, int want_errno, int alt_errno)
{
	void *p = map_region(fd, cpu, region, extra_off, len, prot, flags);
	int e = errno;

	if (p != MAP_FAILED) {
		munmap(p, len);
		report(false, name, "mmap succeeded");
		return;
	}
	report(!want_errno || e == want_errno || (alt_errno && e == alt_errno),
	       name, "errno %d (%s), want %d", e, strerror(e), want_errno);
}

static void expect_ioctl_enotty(int fd, unsigned long cmd)
{
	char name[64], buf[256];
	int rc, e;

	memset(buf, 0, sizeof(buf));
	rc = ioctl(fd, cmd, buf);
	e = errno;
	snprintf(name, sizeof(name), "ioctl 0x%lx gets ENOTTY", cmd);
	report(rc == -1 && e == ENOTTY, name, "rc %d errno %d (%s)", rc, e,
	       strerror(e));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_and_map_all(void)
{
	unsigned int cpu;
	__u32 abi = 0;
	int fd;

	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, RIPTEL_IOC_ABI_VERSION, &abi) ||
	    abi != RIPTEL_ABI_VERSION || ioctl(fd, RIPTEL_IOC_INFO, &info)) {
		close(fd);
		return -EPROTO;
	}
	page = sysconf(_SC_PAGESIZE);
	nr_rings = info.nr_cpus < MAX_CPUS ? info.nr_cpus : MAX_CPUS;
	for (cpu = 0; cpu < nr_rings; cpu++) {
		struct hring *r = &rings[cpu];
		void *p;

		p = map_region(fd, cpu, RIPTEL_REGION_PROD, 0, page, PROT_READ,
			       MAP_SHARED);
		if (p == MAP_FAILED)
			continue;	/* not a possible CPU */
		r->prod = p;
		p = map_region(fd, cpu, RIPTEL_REGION_CONS, 0, page,
			       PROT_READ | PROT_WRITE, MAP_SHARED);
		r->cons = p == MAP_FAILED ? NULL : p;
		p = map_region(fd, cpu, RIPTEL_REGION_DATA, 0, info.data_size,
			       PROT_READ, MAP_SHARED);
		r->data = p == MAP_FAILED ? NULL : p;
		if (!r->cons || !r->data) {
			close(fd);
			return -ENOMEM;
		}
		r->tail = r->cons->tail;
	}
	return fd;
}

static void unmap_all(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < nr_rings; cpu++) {
		struct hring *r = &rings[cpu];

		if (r->prod)
			munmap(r->prod, page);
		if (r->cons)
			munmap(r->cons, page);
		if (r->data)
			munmap((void *)r->data, info.data_size);
		memset(r, 0, sizeof(*r));
	}
}

static void errno_checks(int fd)
{
	unsigned int bad_cpu = info.nr_cpus;
	void *p;

	expect_map_fail(fd, "producer page mapped writable gets EPERM", 0,
			RIPTEL_REGION_PROD, 0, page, PROT_READ | PROT_WRITE,
			MAP_SHARED, EPERM, 0);
	expect_map_fail(fd, "data mapped writable gets EPERM", 0,
			RIPTEL_REGION_DATA, 0, info.data_size,
			PROT_READ | PROT_WRITE, MAP_SHARED, EPERM, 0);
	expect_map_fail(fd, "producer page private writable is refused", 0,
			RIPTEL_REGION_PROD, 0, page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE, EPERM, EINVAL);
	expect_map_fail(fd, "producer page, two pages long, gets EINVAL", 0,
			RIPTEL_REGION_PROD, 0, 2 * page, PROT_READ, MAP_SHARED,
			EINVAL, 0);
	expect_map_fail(fd, "consumer page, two pages long, gets EINVAL", 0,
			RIPTEL_REGION_CONS, 0, 2 * page, PROT_READ | PROT_WRITE,
			MAP_SHARED, EINVAL, 0);
	expect_map_fail(fd, "data, half its size, gets EINVAL", 0,
			RIPTEL_REGION_DATA, 0, info.data_size / 2, PROT_READ,
			MAP_SHARED, EINVAL, 0);
	expect_map_fail(fd, "data, a page too long, gets EINVAL", 0,
			RIPTEL_REGION_DATA, 0, info.data_size + page, PROT_READ,
			MAP_SHARED, EINVAL, 0);
	expect_map_fail(fd, "offset inside a region gets EINVAL", 0,
			RIPTEL_REGION_PROD, page, page, PROT_READ, MAP_SHARED,
			EINVAL, 0);
	expect_map_fail(fd, "region 3 gets EINVAL", 0, 3, 0, page, PROT_READ,
			MAP_SHARED, EINVAL, 0);
	expect_map_fail(fd, "region 15 gets EINVAL", 0, 15, 0, page, PROT_READ,
			MAP_SHARED, EINVAL, 0);
	expect_map_fail(fd, "CPU nr_cpus gets ENXIO", bad_cpu,
			RIPTEL_REGION_PROD, 0, page, PROT_READ, MAP_SHARED,
			ENXIO, 0);
	expect_map_fail(fd, "CPU 65535 gets ENXIO", 65535, RIPTEL_REGION_CONS,
			0, page, PROT_READ | PROT_WRITE, MAP_SHARED, ENXIO, 0);

	p = map_region(fd, 0, RIPTEL_REGION_PROD, 0, page, PROT_READ,
		       MAP_SHARED);
	report(p != MAP_FAILED, "producer page maps read-only", "errno %d",
	       errno);
	if (p != MAP_FAILED) {
		report(mprotect(p, page, PROT_READ | PROT_WRITE) == -1,
		       "mprotect cannot add write to the producer page",
		       "mprotect succeeded");
		munmap(p, page);
	}
	p = map_region(fd, 0, RIPTEL_REGION_DATA, 0, info.data_size,
		       PROT_READ, MAP_SHARED);
	report(p != MAP_FAILED, "data maps read-only", "errno %d", errno);
	if (p != MAP_FAILED) {
		report(mprotect(p, info.data_size, PROT_READ | PROT_WRITE) == -1,
		       "mprotect cannot add write to the data",
		       "mprotect succeeded");
		munmap(p, info.data_size);
	}

	expect_ioctl_enotty(fd, _IO(RIPTEL_IOC_MAGIC, 0x7f));
	expect_ioctl_enotty(fd, _IOR(RIPTEL_IOC_MAGIC, 2, __u64));
	expect_ioctl_enotty(fd, _IOW(RIPTEL_IOC_MAGIC, 0, __u32));
	expect_ioctl_enotty(fd, 0x5401);	/* TCGETS */
	expect_ioctl_enotty(fd, 0xdeadbeef);
}

enum garbage { G_BEHIND, G_AHEAD, G_UNALIGNED, G_HUGE, G_MAX };
static const char *const garbage_name[G_MAX] = {
	"behind the last tail", "ahead of head", "unaligned", "huge",
};

static uint64_t garbage_tail(enum garbage g, uint64_t t, uint64_t size)
{
	switch (g) {
	case G_BEHIND:
		return t - RIPTEL_RECORD_SIZE;
	case G_AHEAD:
		return t + size + RIPTEL_RECORD_SIZE;
	case G_UNALIGNED:
		return t + 8;
	default:
		return t ^ (1ULL << 63);
	}
}

/* Poll @pred on every ring in @want until it holds for all or time is up. */
static unsigned int wait_rings(bool (*pred)(struct hring *r, void *arg),
			       void *arg, const bool *want, double wait_s)
{
	double deadline = now_s() + wait_s;
	unsigned int cpu, pending;

	for (;;) {
		pending = 0;
		for (cpu = 0; cpu < nr_rings; cpu++)
			if (want[cpu] && !pred(&rings[cpu], arg))
				pending++;
		if (!pending || now_s() >= deadline)
			return pending;
		usleep(1000);
	}
}

/* The producer has filled the ring up to our tail: it took that tail. */
static bool ring_full(struct hring *r, void *arg)
{
	(void)arg;
	return smp_load_acquire(&r->prod->head) - r->tail == info.data_size;
}

static bool ring_moved(struct hring *r, void *arg)
{
	(void)arg;
	return smp_load_acquire(&r->prod->head) != r->tail;
}

/* The producer saw the bad tail (counted it) or the ring stays stuck. */
static bool error_counted(struct hring *r, void *arg)
{
	const uint64_t *ce0 = arg;

	return READ_ONCE(r->prod->consumer_errors) > ce0[r - rings];
}

static uint64_t *seq_snapshot(const struct hring *r)
{
	uint64_t n = info.data_size / RIPTEL_RECORD_SIZE, i;
	uint64_t *s = calloc(n, sizeof(*s));
	const struct riptel_record *rec;

	for (i = 0; s && i < n; i++) {
		rec = (const void *)(r->data + i * RIPTEL_RECORD_SIZE);
		s[i] = READ_ONCE(rec->hdr.seq);
	}
	return s;
}

/*
 * Release a good tail T on every ring and wait until the producer filled
 * each ring up to T exactly: it has accepted T, and everything in the ring
 * is unread.  Snapshot the ring, write garbage g, and wait until the
 * producer counted it in consumer_errors.  Head must still be T + size
 * (the garbage did not move the producer's tail) and every record must be
 * unchanged (no unread record overwritten).  Finally give a good tail back
 * and see records resume.
 */
static void garbage_phase(enum garbage g, double wait_s)
{
	uint64_t ce0[MAX_CPUS], *snap[MAX_CPUS] = { NULL };
	uint64_t size = info.data_size;
	unsigned int cpu, tested = 0, pending, bounded = 0, changed = 0;
	bool want[MAX_CPUS];
	char name[128];

	for (cpu = 0; cpu < nr_rings; cpu++) {
		struct hring *r = &rings[cpu];

		want[cpu] = false;
		if (!r->prod || !smp_load_acquire(&r->prod->head))
			continue;	/* nothing ever written: offline CPU */
		r->tail = smp_load_acquire(&r->prod->head);
		smp_store_release(&r->cons->tail, r->tail);
		want[cpu] = true;
		tested++;
	}
	pending = wait_rings(ring_full, NULL, want, wait_s);
	snprintf(name, sizeof(name), "tail %s: rings filled up to a good tail first",
		 garbage_name[g]);
	report(tested && !pending, name, "%u of %u rings did not fill in %.0f s",
	       pending, tested, wait_s);

	for (cpu = 0; cpu < nr_rings; cpu++) {
		struct hring *r = &rings[cpu];

		if (!want[cpu])
			continue;
		ce0[cpu] = READ_ONCE(r->prod->consumer_errors);
		snap[cpu] = seq_snapshot(r);
		smp_store_release(&r->cons->tail, garbage_tail(g, r->tail, size));
	}
	pending = wait_rings(error_counted, ce0, want, wait_s);
	snprintf(name, sizeof(name), "tail %s: counted in consumer_errors",
		 garbage_name[g]);
	report(tested && !pending, name, "%u of %u rings did not count it in %.0f s",
	       pending, tested, wait_s);
	/* let the producers keep trying for a moment */
	usleep(200 * 1000);

	for (cpu = 0; cpu < nr_rings; cpu++) {
		struct hring *r = &rings[cpu];
		uint64_t *now;

		if (!want[cpu])
			continue;
		if (smp_load_acquire(&r->prod->head) - r->tail != size)
			bounded++;
		now = seq_snapshot(r);
		if (!now || !snap[cpu] ||
		    memcmp(now, snap[cpu], size / RIPTEL_RECORD_SIZE * sizeof(*now)))
			changed++;
		free(now);
		free(snap[cpu]);
	}
	snprintf(name, sizeof(name), "tail %s: the producer kept the last good tail",
		 garbage_name[g]);
	report(!bounded, name, "%u rings moved head past a full ring", bounded);
	snprintf(name, sizeof(name), "tail %s: unread data not overwritten",
		 garbage_name[g]);
	report(!changed, name, "%u rings had unread records replaced", changed);

	/* a good tail again: the producer must take it and go on storing */
	for (cpu = 0; cpu < nr_rings; cpu++) {
		struct hring *r = &rings[cpu];

		if (!want[cpu])
			continue;
		r->tail = smp_load_acquire(&r->prod->head);
		smp_store_release(&r->cons->tail, r->tail);
	}
	pending = wait_rings(ring_moved, NULL, want, wait_s);
	snprintf(name, sizeof(name), "tail %s: a good tail afterwards is accepted",
		 garbage_name[g]);
	report(!pending, name, "%u rings stay stuck", pending);
}

static int do_check(double wait_s)
{
	unsigned int cpu;
	__u32 abi = 0;
	int fd, fd2, g;

	fd = open_and_map_all();
	report(fd >= 0, "open, ABI version, info and a valid map of every ring",
	       "%s", strerror(-fd));
	if (fd < 0)
		return 1;
	report(!ioctl(fd, RIPTEL_IOC_ABI_VERSION, &abi) && abi == RIPTEL_ABI_VERSION,
	       "RIPTEL_IOC_ABI_VERSION", "got %u", abi);
	fd2 = open(DEV, O_RDWR | O_CLOEXEC);
	report(fd2 < 0 && errno == EBUSY, "a second open gets EBUSY",
	       "fd %d errno %d", fd2, errno);
	if (fd2 >= 0)
		close(fd2);

	errno_checks(fd);
	for (g = 0; g < G_MAX; g++)
		garbage_phase(g, wait_s);

	for (cpu = 0; cpu < nr_rings; cpu++)
		if (rings[cpu].prod)
			printf("# cpu %u written %llu dropped %llu consumer_errors %llu\n",
			       cpu, (unsigned long long)rings[cpu].prod->written,
			       (unsigned long long)rings[cpu].prod->dropped,
			       (unsigned long long)rings[cpu].prod->consumer_errors);
	unmap_all();
	close(fd);
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	report(fd >= 0, "open works again once the hostile reader is gone",
	       "errno %d (%s)", errno, strerror(errno));
	if (fd >= 0)
		close(fd);
	return failures ? 1 : 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int do_hold(void)
{
	unsigned long long sum = 0;
	unsigned int cpu;
	int fd;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fd = open_and_map_all();
	if (fd < 0) {
		fprintf(stderr, "hostile: open/map: %s\n", strerror(-fd));
		return 1;
	}
	close(fd);
	printf("holding\n");
	fflush(stdout);
	while (!stop)
		pause();
	/* the mappings must still be the module's pages, readable */
	for (cpu = 0; cpu < nr_rings; cpu++)
		if (rings[cpu].prod)
			sum += rings[cpu].prod->written;
	printf("released written %llu\n", sum);
	unmap_all();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return do_check(argc >= 3 ? atof(argv[2]) : 20.0);
	if (argc == 2 && !strcmp(argv[1], "hold"))
		return do_hold();
	fprintf(stderr, "usage: %s check [WAIT_S] | hold\n", argv[0]);
	return 2;
}
