// SPDX-License-Identifier: GPL-2.0
/* The record clock's slow path: a new per-CPU anchor (see ring_clock.h). */
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>
#include "ring_clock.h"

/*
 * Take a new anchor for this CPU and return the record's time.  Runs in
 * any context a probe does (hardirq and softirq included, never NMI) at
 * most about once a millisecond per CPU under load, and for every record
 * when there is no counter to trust.
 */
u64 riptel_clock_anchor(struct riptel_clock *c)
{
	u32 khz = riptel_cycles_khz();
	/*
	 * The counter first: ns is then paired with a cycle count read no
	 * later than the clock's own, so extrapolated times are never early
	 * (a timestamp before its event would be wrong in a worse way than
	 * one a few ns late; the VM clock check holds the record time between
	 * the user-space clock reads around the call that made it).
	 */
	u64 cyc = riptel_cycles();
	u64 ns = ktime_get_mono_fast_ns();

	c->cyc = cyc;
	c->ns = ns;
	if (unlikely(khz != c->khz)) {
		/* the rate appeared, was refined, or went away (TSC unstable) */
		c->mult = khz ? (u32)div_u64((u64)USEC_PER_SEC << 32, khz) : 0;
		/* 1 ms of cycles: d * mult stays below 2^52 */
		c->span = khz;
		c->khz = khz;
	}
	if (ns < c->last)
		ns = c->last;
	c->last = ns;
	return ns;
}
