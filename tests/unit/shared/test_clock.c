/* test_clock.c - monotonic to Unix time conversion and its refresh. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "clock.h"

/*
 * A fake clock: every MONOTONIC read returns fake_mono and then advances it
 * by the next step; REALTIME returns the monotonic time at the start of the
 * current window plus fake_offset.
 */
static uint64_t fake_mono;
static int64_t fake_offset;
static uint64_t steps[8];
static unsigned int nsteps, step_i;
static uint64_t window_start;
static int fake_fail;		/* errno to fail with, 0: work */

static void ns_to_ts(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ULL);
	ts->tv_nsec = (long)(ns % 1000000000ULL);
}

static int fake_gettime(clockid_t id, struct timespec *ts)
{
	if (fake_fail) {
		errno = fake_fail;
		return -1;
	}
	if (id == CLOCK_MONOTONIC) {
		window_start = fake_mono;
		ns_to_ts(fake_mono, ts);
		fake_mono += nsteps ? steps[step_i++ % nsteps] : 100;
		return 0;
	}
	ns_to_ts((uint64_t)((int64_t)window_start + fake_offset), ts);
	return 0;
}

static void fake_reset(uint64_t mono, int64_t offset)
{
	fake_mono = mono;
	fake_offset = offset;
	nsteps = 0;
	step_i = 0;
	fake_fail = 0;
}

START_TEST(test_offset_and_convert)
{
	struct clock_conv c;

	fake_reset(5000000000ULL, 1700000000000000000LL);
	ck_assert_int_eq(clock_init(&c, fake_gettime, 0), 0);
	/* REALTIME sampled at the window start; midpoint is +50 ns later */
	ck_assert_int_eq(c.offset_ns, 1700000000000000000LL - 50);
	ck_assert_uint_eq(clock_to_unix_ns(&c, 1000), 1700000000000000950ULL);
	ck_assert_uint_eq(c.refresh_ns, CLOCK_DEFAULT_REFRESH_NS);
}
END_TEST

START_TEST(test_narrowest_window_wins)
{
	struct clock_conv c;

	fake_reset(1000000, 1000000000);
	/* three samples: windows of 1000, 10 and 500 ns */
	steps[0] = 1000;
	steps[1] = 0;
	steps[2] = 10;
	steps[3] = 0;
	steps[4] = 500;
	steps[5] = 0;
	nsteps = 6;
	ck_assert_int_eq(clock_init(&c, fake_gettime, 0), 0);
	ck_assert_int_eq(c.offset_ns, 1000000000 - 5);
}
END_TEST

START_TEST(test_negative_offset)
{
	struct clock_conv c;

	fake_reset(10000000000ULL, -2000000000LL);
	ck_assert_int_eq(clock_init(&c, fake_gettime, 0), 0);
	ck_assert_int_eq(c.offset_ns, -2000000000LL - 50);
	ck_assert_uint_eq(clock_to_unix_ns(&c, 3000000000ULL),
			  1000000000ULL - 50);
	/* before the epoch: 0, never a wrapped huge value */
	ck_assert_uint_eq(clock_to_unix_ns(&c, 1000), 0);
	c.offset_ns = INT64_MAX;
	ck_assert_uint_eq(clock_to_unix_ns(&c, UINT64_MAX - 5), UINT64_MAX);
}
END_TEST

START_TEST(test_refresh_period)
{
	struct clock_conv c;
	uint64_t t0;

	fake_reset(1000000000ULL, 100000);
	ck_assert_int_eq(clock_init(&c, fake_gettime, 1000000), 0);
	ck_assert_uint_eq(c.refreshes, 1);
	t0 = c.refreshed_ns;
	ck_assert_int_eq(clock_maybe_refresh(&c, t0 + 999999), 0);
	ck_assert_uint_eq(c.refreshes, 1);
	/* the wall clock is stepped: the next refresh picks it up */
	fake_offset += 5000000000LL;
	ck_assert_uint_eq(clock_to_unix_ns(&c, t0), t0 + 100000 - 50);
	ck_assert_int_eq(clock_maybe_refresh(&c, t0 + 1000000), 0);
	ck_assert_uint_eq(c.refreshes, 2);
	ck_assert_int_eq(c.offset_ns, 5000100000LL - 50);
	/* a "now" behind the last refresh also re-measures */
	ck_assert_int_eq(clock_maybe_refresh(&c, 0), 0);
	ck_assert_uint_eq(c.refreshes, 3);
}
END_TEST

/* Jitter below CLOCK_STEP_NS leaves the offset alone; steps either way
 * are taken, and counted. */
START_TEST(test_jitter_kept_steps_taken)
{
	struct clock_conv c;
	int64_t first;

	fake_reset(1000000000ULL, 7000000000LL);
	ck_assert_int_eq(clock_init(&c, fake_gettime, 0), 0);
	first = c.offset_ns;
	fake_offset += CLOCK_STEP_NS - 1000;	/* noise */
	ck_assert_int_eq(clock_refresh(&c), 0);
	ck_assert_int_eq(c.offset_ns, first);
	ck_assert_uint_eq(c.steps, 0);
	fake_offset -= 3600LL * 1000000000LL;	/* NTP steps it back an hour */
	ck_assert_int_eq(clock_refresh(&c), 0);
	ck_assert_int_eq(c.offset_ns, fake_offset - 50);
	ck_assert_uint_eq(c.steps, 1);
	fake_offset += 2 * CLOCK_STEP_NS;	/* a small step forward */
	ck_assert_int_eq(clock_refresh(&c), 0);
	ck_assert_int_eq(c.offset_ns, fake_offset - 50);
	ck_assert_uint_eq(c.steps, 2);
}
END_TEST

START_TEST(test_fixed)
{
	struct clock_conv c;

	fake_reset(5000, 1);
	clock_init_fixed(&c, fake_gettime, 1000);
	ck_assert_uint_eq(clock_to_unix_ns(&c, 5), 1005);
	fake_offset = 99999999999LL;
	ck_assert_int_eq(clock_refresh(&c), 0);
	ck_assert_int_eq(clock_maybe_refresh(&c, 1ULL << 62), 0);
	ck_assert_uint_eq(clock_to_unix_ns(&c, 5), 1005);
	ck_assert_uint_eq(c.refreshes, 0);
	ck_assert_uint_eq(clock_mono_ns(&c), 5000);
}
END_TEST

START_TEST(test_failure)
{
	struct clock_conv c;

	fake_reset(1000, 0);
	ck_assert_int_eq(clock_init(&c, fake_gettime, 0), 0);
	c.offset_ns = 77;
	fake_fail = EINVAL;
	ck_assert_int_eq(clock_refresh(&c), -EINVAL);
	ck_assert_int_eq(c.offset_ns, 77);	/* the old offset stays */
	ck_assert_uint_eq(clock_mono_ns(&c), 0);
}
END_TEST

/* Any ts_ns converts, a corrupted one included: saturated, never wrapped. */
START_TEST(test_apply_offset_saturates)
{
	ck_assert_uint_eq(clock_apply_offset(5, 10), 15);
	ck_assert_uint_eq(clock_apply_offset(-5, 10), 5);
	ck_assert_uint_eq(clock_apply_offset(-5, 5), 0);
	ck_assert_uint_eq(clock_apply_offset(INT64_MIN, UINT64_MAX),
			  UINT64_MAX - ((uint64_t)INT64_MAX + 1));
	ck_assert_uint_eq(clock_apply_offset(INT64_MIN, 1), 0);
	ck_assert_uint_eq(clock_apply_offset(INT64_MAX, UINT64_MAX), UINT64_MAX);
	ck_assert_uint_eq(clock_apply_offset(1, UINT64_MAX), UINT64_MAX);
	ck_assert_uint_eq(clock_apply_offset(0, UINT64_MAX), UINT64_MAX);
}
END_TEST

START_TEST(test_real_clock)
{
	struct clock_conv c;
	struct timespec m, r;
	int64_t direct;

	ck_assert_int_eq(clock_init(&c, NULL, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	direct = ((int64_t)r.tv_sec - m.tv_sec) * 1000000000LL +
		 (r.tv_nsec - m.tv_nsec);
	/* the same offset, to within what a preempted read could add */
	ck_assert_int_lt(c.offset_ns - direct, 100000000);
	ck_assert_int_gt(c.offset_ns - direct, -100000000);
	ck_assert_uint_gt(clock_mono_ns(&c), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("clock");

	tcase_add_test(tc, test_offset_and_convert);
	tcase_add_test(tc, test_narrowest_window_wins);
	tcase_add_test(tc, test_negative_offset);
	tcase_add_test(tc, test_refresh_period);
	tcase_add_test(tc, test_jitter_kept_steps_taken);
	tcase_add_test(tc, test_fixed);
	tcase_add_test(tc, test_failure);
	tcase_add_test(tc, test_apply_offset_saturates);
	tcase_add_test(tc, test_real_clock);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
