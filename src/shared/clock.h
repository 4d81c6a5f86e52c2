/* clock.h - record time (CLOCK_MONOTONIC ns) to Unix time (ns). */
#ifndef RIPTEL_CLOCK_H
#define RIPTEL_CLOCK_H

#include <stdint.h>
#include <time.h>

/*
 * Records carry CLOCK_MONOTONIC nanoseconds; Unix time is that plus
 * (CLOCK_REALTIME - CLOCK_MONOTONIC).  The offset moves when the wall clock
 * is stepped (settimeofday, NTP or chrony stepping a clock that booted
 * wrong); NTP's slewing runs both clocks at the same rate and leaves it
 * alone.  So it is re-measured every refresh_ns, and a new measurement is
 * taken only when it differs from the current offset by CLOCK_STEP_NS or
 * more: each measurement differs from the last by a few hundred ns of
 * read jitter, and times converted with a jittering offset (a cumulative
 * series' start time above all) would move at every export.  A time
 * converted just before a step keeps the old offset: at most one refresh
 * interval carries the pre-step time.
 *
 * Everything that turns record or collection times into Unix time for
 * export converts with the one refreshed clock_conv of the pipeline, at
 * the moment it converts, so a step shows up everywhere within a refresh.
 *
 * Not thread-safe: one thread (the pipeline) refreshes and converts; other
 * threads may only call clock_mono_ns().
 */
typedef int (*clock_gettime_fn)(clockid_t id, struct timespec *ts);

struct clock_conv {
	clock_gettime_fn gettime;	/* clock_gettime, or a test's fake */
	int64_t offset_ns;		/* REALTIME - MONOTONIC */
	uint64_t refreshed_ns;		/* MONOTONIC time of the last refresh */
	uint64_t refresh_ns;		/* re-measure after this long */
	uint64_t refreshes;		/* measurements taken, for tests */
	uint64_t steps;			/* offset changes after the first */
	int fixed;			/* clock_init_fixed(): never re-measured */
};

#define CLOCK_DEFAULT_REFRESH_NS 1000000000ULL
#define CLOCK_STEP_NS		1000000LL	/* smaller changes are jitter */

/* Measure the offset once.  @gettime NULL means clock_gettime. */
int clock_init(struct clock_conv *c, clock_gettime_fn gettime,
	       uint64_t refresh_ns);
/*
 * A clock whose offset is given and never re-measured (a replayed
 * capture's recorded offset, tests).  CLOCK_MONOTONIC is still read with
 * @gettime (NULL: clock_gettime) by clock_mono_ns().
 */
void clock_init_fixed(struct clock_conv *c, clock_gettime_fn gettime,
		      int64_t offset_ns);
/* Re-measure now (a fixed clock: nothing to do, 0). */
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
