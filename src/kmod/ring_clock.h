/* SPDX-License-Identifier: GPL-2.0 */
/* The records' timestamp: CLOCK_MONOTONIC extrapolated from a cycle counter. */
#ifndef _RIPTEL_RING_CLOCK_H
#define _RIPTEL_RING_CLOCK_H

#include <linux/types.h>
#include <linux/compiler.h>
#include "compat.h"

/*
 * Reading CLOCK_MONOTONIC for every record (ktime_get_mono_fast_ns(): a
 * latch sequence, an indirect call to the clocksource, a retpoline on
 * most distribution kernels) costs more than the rest of a record (README,
 * "The record clock").  So each CPU keeps an anchor, a (cycles, CLOCK_MONOTONIC) pair read back to
 * back, counter first, and a record's time is
 *
 *	ns = anchor.ns + ((cycles - anchor.cyc) * mult) >> 32
 *
 * with mult the counter's period in ns, fixed point 32.32.  A record more
 * than khz cycles (1 ms) past the anchor takes a new anchor instead
 * (riptel_clock_anchor(), out of line), so the extrapolation never runs
 * longer than that.  Its error: late (never early) by up to the gap
 * between the anchor's two reads, under 1 us (see riptel_clock_anchor()),
 * plus the counter's rate error times at most 1 ms, a few ns for a
 * kernel-calibrated TSC and at most 0.5 us at the largest NTP slew
 * (500 ppm).  Time never runs back on one CPU: a timestamp below the
 * CPU's last one is raised to it.
 *
 * khz is 0 when there is no counter to trust (not x86, or the kernel has
 * marked the TSC unstable: cpufreq changing its rate, or deep idle halting
 * it): every record then reads the clock itself.  Each anchor re-reads the
 * rate, so a TSC marked unstable stops being extrapolated within 1 ms.
 *
 * The whole state is per CPU, touched only by the writer holding the CPU's
 * re-entrancy gate (see ring.h), so it needs no other protection, and the
 * hot path reads nothing outside this CPU's ring.
 */
struct riptel_clock {
	u64 cyc;			/* counter at the anchor */
	u64 ns;				/* CLOCK_MONOTONIC at the anchor */
	u64 last;			/* last timestamp handed out */
	u32 mult;			/* ns per cycle, 32.32 fixed point */
	u32 khz;			/* rate = cycles an anchor lasts; 0: none */
};

u64 riptel_clock_anchor(struct riptel_clock *c);

/* Hand out @ns as the CPU's next time: never below the last one. */
static __always_inline u64 riptel_clock_out(struct riptel_clock *c, u64 ns)
{
	if (unlikely(ns < c->last))
		ns = c->last;
	c->last = ns;
	return ns;
}

/* This CPU's record time; the caller holds its gate. */
static __always_inline u64 riptel_clock_now(struct riptel_clock *c)
{
	u64 d = riptel_cycles() - c->cyc;

	/* also taken when the counter reads below the anchor (d wraps) */
	if (unlikely(d >= c->khz))
		return riptel_clock_anchor(c);
	return riptel_clock_out(c, c->ns + ((d * c->mult) >> 32));
}

#endif /* _RIPTEL_RING_CLOCK_H */
