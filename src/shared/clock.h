/* clock.h - record time (CLOCK_MONOTONIC ns) to Unix time (ns). */
#ifndef RIPTEL_CLOCK_H
#define RIPTEL_CLOCK_H

#include <stdint.h>
#include <time.h>

/*
 * Records carry CLOCK_MONOTONIC nanoseconds; Unix time is that plus
 * (CLOCK_REALTIME - CLOCK_MONOTONIC).  The offset moves when the wall clock
 * is stepped or slewed (NTP), so it is re-measured every refresh_ns.  A
 * record converted just before a step keeps the old offset: at most one
 * refresh interval of records carries the pre-step time.
 *
 * Not thread-safe: one thread (the pipeline) owns a clock_conv.
 */
typedef int (*clock_gettime_fn)(clockid_t id, struct timespec *ts);

struct clock_conv {
	clock_gettime_fn gettime;	/* clock_gettime, or a test's fake */
	int64_t offset_ns;		/* REALTIME - MONOTONIC */
	uint64_t refreshed_ns;		/* MONOTONIC time of the last refresh */
	uint64_t refresh_ns;		/* re-measure after this long */
	uint64_t refreshes;		/* measurements taken, for tests */
};

#define CLOCK_DEFAULT_REFRESH_NS 1000000000ULL

/* Measure the offset once.  @gettime NULL means clock_gettime. */
int clock_init(struct clock_conv *c, clock_gettime_fn gettime,
	       uint64_t refresh_ns);
/* Re-measure now. */
int clock_refresh(struct clock_conv *c);
/* Re-measure if @now_mono_ns is refresh_ns past the last measurement. */
int clock_maybe_refresh(struct clock_conv *c, uint64_t now_mono_ns);
/* CLOCK_MONOTONIC now, in ns (0 if the clock fails). */
uint64_t clock_mono_ns(const struct clock_conv *c);
/* Unix ns for a record's ts_ns; 0 if it would fall before the epoch. */
uint64_t clock_to_unix_ns(const struct clock_conv *c, uint64_t mono_ns);
/*
 * The one conversion: Unix ns for CLOCK_MONOTONIC @mono_ns given
 * @offset_ns = REALTIME - MONOTONIC.  Saturates at 0 and UINT64_MAX, so
 * any ts_ns (a corrupted one included) converts without overflow.
 */
uint64_t clock_apply_offset(int64_t offset_ns, uint64_t mono_ns);

#endif /* RIPTEL_CLOCK_H */
