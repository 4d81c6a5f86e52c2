// SPDX-License-Identifier: GPL-2.0
/* The record clock's slow path: a new per-CPU anchor (see ring_clock.h). */
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>
#include "ring_clock.h"

u64 riptel_clock_span __read_mostly;
u32 riptel_clock_mult __read_mostly;
static u32 clock_khz;			/* the rate the two above were made for */

/*
 * Take a new anchor for this CPU and return the record's time.  Runs in
 * any context a probe does (hardirq and softirq included, never NMI) at
 * most about once a millisecond per CPU under load, and for every record
 * when there is no counter to trust.
 */
u64 riptel_clock_anchor(struct riptel_clock *c)
{
	u32 khz = riptel_cycles_khz();
	u64 ns = ktime_get_mono_fast_ns();

	c->cyc = riptel_cycles();
	c->ns = ns;
	if (unlikely(khz != READ_ONCE(clock_khz))) {
		/*
		 * The counter's rate appeared, changed (a refined TSC
		 * calibration) or went away (TSC marked unstable).  CPUs may
		 * race here; they store the same values, and a reader that
		 * mixes an old and a new one still stays within one anchor's
		 * span, bounded by the anchor check.
		 */
		WRITE_ONCE(riptel_clock_mult,
			   khz ? (u32)div_u64((u64)USEC_PER_SEC << 32, khz) : 0);
		/* 1 ms of cycles: d * mult stays below 2^52 */
		WRITE_ONCE(riptel_clock_span, khz);
		WRITE_ONCE(clock_khz, khz);
	}
	if (ns < c->last)
		ns = c->last;
	c->last = ns;
	return ns;
}
