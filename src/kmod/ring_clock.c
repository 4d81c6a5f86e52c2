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
	u64 cyc = 0, ns = 0, gap = U64_MAX;
	int i;

	/*
	 * The counter first: ns is then paired with a cycle count read no
	 * later than the clock's own, so extrapolated times are never early
	 * (a timestamp before its event would be wrong in a worse way than
	 * one a little late).  They are late by the time between the two
	 * reads, so take the tightest of up to three pairs: an interrupt or
	 * a descheduled vCPU between the reads would otherwise make every
	 * record of the next millisecond late by that much.
	 */
	for (i = 0; i < 3; i++) {
		u64 c0 = riptel_cycles();
		u64 n = ktime_get_mono_fast_ns();
		u64 d = riptel_cycles() - c0;

		if (d < gap) {
			gap = d;
			cyc = c0;
			ns = n;
		}
		/* no counter to extrapolate from, or below about 1 us */
		if (!khz || gap <= khz / 1000)
			break;
	}
	c->cyc = cyc;
	c->ns = ns;
	if (unlikely(khz != c->khz)) {
		/* the rate appeared, was refined, or went away (TSC unstable) */
		c->mult = khz ? (u32)div_u64((u64)USEC_PER_SEC << 32, khz) : 0;
		/* an anchor lasts khz cycles, 1 ms: d * mult stays below 2^52 */
		c->khz = khz;
	}
	return riptel_clock_out(c, ns);
}
