/* clock.c - record time (CLOCK_MONOTONIC ns) to Unix time (ns). */
#include "clock.h"

#include <errno.h>
#include <string.h>

/* tries per measurement; the one with the narrowest window wins */
#define CLOCK_SAMPLES 3

static int now_ns(const struct clock_conv *c, clockid_t id, uint64_t *ns)
{
	struct timespec ts;

	if (c->gettime(id, &ts) != 0)
		return errno ? -errno : -EINVAL;
	if (ts.tv_sec < 0)
		return -ERANGE;
	*ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	return 0;
}

int clock_refresh(struct clock_conv *c)
{
	uint64_t best_win = UINT64_MAX, m1, m2, rt, mono_at = 0;
	int64_t best = 0, moved;
	int i, ret;

	if (c->fixed)
		return 0;

	/*
	 * REALTIME read between two MONOTONIC reads: the pair's midpoint is
	 * the best estimate of when REALTIME was sampled, and the narrowest
	 * window (least preempted try) gives the most precise offset.
	 */
	for (i = 0; i < CLOCK_SAMPLES; i++) {
		ret = now_ns(c, CLOCK_MONOTONIC, &m1);
		if (!ret)
			ret = now_ns(c, CLOCK_REALTIME, &rt);
		if (!ret)
			ret = now_ns(c, CLOCK_MONOTONIC, &m2);
		if (ret)
			return ret;
		if (m2 < m1)
			return -ERANGE;
		if (m2 - m1 < best_win) {
			best_win = m2 - m1;
			mono_at = m1 + (m2 - m1) / 2;
			best = (int64_t)(rt - mono_at);
		}
	}
	moved = best - c->offset_ns;
	if (!c->refreshes) {
		c->offset_ns = best;
	} else if (moved >= CLOCK_STEP_NS || moved <= -CLOCK_STEP_NS) {
		c->offset_ns = best;
		c->steps++;
	}
	c->refreshed_ns = mono_at;
	c->refreshes++;
	return 0;
}

void clock_init_fixed(struct clock_conv *c, clock_gettime_fn gettime,
		      int64_t offset_ns)
{
	memset(c, 0, sizeof(*c));
	c->gettime = gettime ? gettime : clock_gettime;
	c->offset_ns = offset_ns;
	c->fixed = 1;
}

int clock_init(struct clock_conv *c, clock_gettime_fn gettime,
	       uint64_t refresh_ns)
{
	memset(c, 0, sizeof(*c));
	c->gettime = gettime ? gettime : clock_gettime;
	c->refresh_ns = refresh_ns ? refresh_ns : CLOCK_DEFAULT_REFRESH_NS;
	return clock_refresh(c);
}

int clock_maybe_refresh(struct clock_conv *c, uint64_t now_mono_ns)
{
	if (c->fixed)
		return 0;
	if (now_mono_ns >= c->refreshed_ns &&
	    now_mono_ns - c->refreshed_ns < c->refresh_ns)
		return 0;
	/* also refreshes when "now" is behind the last refresh (bad input) */
	return clock_refresh(c);
}

uint64_t clock_mono_ns(const struct clock_conv *c)
{
	uint64_t ns;

	return now_ns(c, CLOCK_MONOTONIC, &ns) ? 0 : ns;
}

uint64_t clock_apply_offset(int64_t offset_ns, uint64_t mono_ns)
{
	if (offset_ns < 0) {
		uint64_t back = (uint64_t)0 - (uint64_t)offset_ns;

		return mono_ns > back ? mono_ns - back : 0;
	}
	if (mono_ns > UINT64_MAX - (uint64_t)offset_ns)
		return UINT64_MAX;
	return mono_ns + (uint64_t)offset_ns;
}

uint64_t clock_to_unix_ns(const struct clock_conv *c, uint64_t mono_ns)
{
	return clock_apply_offset(c->offset_ns, mono_ns);
}
