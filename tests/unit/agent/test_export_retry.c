/* test_export_retry.c - retry classification, backoff bounds, Retry-After never shortening the wait. */
#include <check.h>
#include <errno.h>

#include "export_retry.h"

START_TEST(test_classify)
{
	static const long retry[] = { 0, 429, 502, 503, 504 };
	static const long drop[] = { 100, 301, 400, 401, 403, 404, 408, 413,
				     415, 500, 501, 505, 599 };
	size_t i;

	for (i = 0; i < sizeof(retry) / sizeof(retry[0]); i++) {
		ck_assert_int_eq(export_retry_classify(retry[i]), EXPORT_VERDICT_RETRY);
		ck_assert(export_retry_retryable(retry[i]));
	}
	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		ck_assert_int_eq(export_retry_classify(drop[i]), EXPORT_VERDICT_DROP);
		ck_assert(!export_retry_retryable(drop[i]));
	}
	ck_assert_int_eq(export_retry_classify(200), EXPORT_VERDICT_DONE);
	ck_assert_int_eq(export_retry_classify(202), EXPORT_VERDICT_DONE);
	ck_assert_int_eq(export_retry_classify(299), EXPORT_VERDICT_DONE);
}
END_TEST

START_TEST(test_backoff_bounds)
{
	struct export_retry_policy p;
	unsigned int n;
	double r;

	export_retry_policy_default(&p);
	ck_assert_int_eq(export_retry_policy_check(&p), 0);
	ck_assert_uint_eq(p.initial_ms, 1000);
	ck_assert_uint_eq(p.max_interval_ms, 30000);
	ck_assert_uint_eq(p.max_elapsed_ms, 300000);
	/* without jitter: 1000, 1500, 2250, ... capped at 30000 */
	p.jitter = 0;
	ck_assert_uint_eq(export_retry_backoff_ms(&p, 1, 0.3), 1000);
	ck_assert_uint_eq(export_retry_backoff_ms(&p, 2, 0.3), 1500);
	ck_assert_uint_eq(export_retry_backoff_ms(&p, 3, 0.3), 2250);
	ck_assert_uint_eq(export_retry_backoff_ms(&p, 50, 0.3), 30000);
	ck_assert_uint_eq(export_retry_backoff_ms(&p, 100000, 0.3), 30000);
	/* with jitter 0.5: within [0.5, 1.5] x base, never above max */
	export_retry_policy_default(&p);
	for (n = 1; n < 40; n++) {
		for (r = 0; r < 1.0; r += 0.0625) {
			uint64_t d = export_retry_backoff_ms(&p, n, r);
			double base = 1000;
			unsigned int k;

			for (k = 1; k < n && base < 30000; k++)
				base *= 1.5;
			if (base > 30000)
				base = 30000;
			ck_assert_uint_ge(d, (uint64_t)(base * 0.5) - 1);
			ck_assert_uint_le(d, (uint64_t)(base * 1.5) + 1);
			ck_assert_uint_le(d, 30000);
		}
	}
	ck_assert_uint_eq(export_retry_backoff_ms(&p, 1, 0.0), 500);
	ck_assert_uint_lt(export_retry_backoff_ms(&p, 1, 0.0),
			  export_retry_backoff_ms(&p, 1, 0.99));
	/* out-of-range random numbers are clamped, not trusted */
	ck_assert_uint_eq(export_retry_backoff_ms(&p, 1, -5), 500);
	ck_assert_uint_le(export_retry_backoff_ms(&p, 1, 7), 1500);
}
END_TEST

START_TEST(test_policy_check)
{
	struct export_retry_policy p;

	export_retry_policy_default(&p);
	p.initial_ms = 0;
	ck_assert_int_eq(export_retry_policy_check(&p), -EINVAL);
	export_retry_policy_default(&p);
	p.max_interval_ms = 10;
	ck_assert_int_eq(export_retry_policy_check(&p), -EINVAL);
	export_retry_policy_default(&p);
	p.multiplier = 0.5;
	ck_assert_int_eq(export_retry_policy_check(&p), -EINVAL);
	export_retry_policy_default(&p);
	p.jitter = 1.5;
	ck_assert_int_eq(export_retry_policy_check(&p), -EINVAL);
}
END_TEST

START_TEST(test_next_gives_up)
{
	struct export_retry_policy p;
	uint64_t d = 0, elapsed = 0;
	unsigned int n;

	export_retry_policy_default(&p);
	p.jitter = 0;
	ck_assert_int_eq(export_retry_next(&p, 1, 0, 0, 0.5, &d), 0);
	ck_assert_uint_eq(d, 1000);
	/* a Retry-After shorter than the backoff does not shorten it */
	ck_assert_int_eq(export_retry_next(&p, 5, 0, 0, 0.5, &d), 0);
	ck_assert_uint_eq(d, export_retry_backoff_ms(&p, 5, 0.5));
	ck_assert_int_eq(export_retry_next(&p, 1, 0, 10, 0.5, &d), 0);
	ck_assert_uint_eq(d, 1000);
	/* a longer one lengthens it, past max_interval too */
	ck_assert_int_eq(export_retry_next(&p, 1, 0, 120000, 0.5, &d), 0);
	ck_assert_uint_eq(d, 120000);
	/* but not past max_elapsed */
	ck_assert_int_eq(export_retry_next(&p, 1, 200000, 120000, 0.5, &d), -ETIMEDOUT);
	ck_assert_int_eq(export_retry_next(&p, 1, 300000, 0, 0.5, &d), -ETIMEDOUT);
	/* a receiver down for good: retries stop within 300 s */
	for (n = 1; n < 1000; n++) {
		if (export_retry_next(&p, n, elapsed, 0, 0.5, &d))
			break;
		elapsed += d;
	}
	ck_assert_uint_le(elapsed, 300000);
	ck_assert_uint_gt(elapsed, 300000 - 30000);
	ck_assert_uint_lt(n, 30);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("export_retry");
	TCase *tc = tcase_create("export_retry");

	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_backoff_bounds);
	tcase_add_test(tc, test_policy_check);
	tcase_add_test(tc, test_next_gives_up);
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
