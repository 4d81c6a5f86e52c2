/* test_metrics.c - series, cardinality overflow, filters, temporality, buckets. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

static struct metrics *make(enum model_temporality t, size_t limit)
{
	struct metrics_opts o = { .temporality = t, .cardinality_limit = limit };
	struct metrics *m;

	ck_assert_int_eq(metrics_new(&o, &m), 0);
	return m;
}

static int def(struct metrics *m, const char *name, enum model_metric_kind k)
{
	struct metrics_desc d = { name, "d", "1", k, k == MODEL_METRIC_SUM, NULL, 0 };
	int id = metrics_define(m, &d, 100);

	ck_assert_int_ge(id, 0);
	return id;
}

static const struct model_point *find_point(const struct model_metric *mm,
					    const char *key, const char *val)
{
	for (size_t i = 0; i < mm->npoints; i++) {
		const struct model_value *v = model_attrs_get(&mm->points[i].attrs, key);

		if (v && v->type == MODEL_VALUE_STRING && strcmp(v->s, val) == 0)
			return &mm->points[i];
	}
	return NULL;
}

START_TEST(test_series_order_independent)
{
	struct metrics *m = make(0, 0);
	int id = def(m, "c", MODEL_METRIC_SUM);
	struct metrics_kv a[] = { { "x", "1", 0 }, { "y", NULL, 7 } };
	struct metrics_kv b[] = { { "y", NULL, 7 }, { "x", "1", 0 } };
	struct metrics_kv c[] = { { "x", "1", 0 }, { "y", "7", 0 } };	/* string, not int */
	struct model_metric_batch *out = model_metric_batch_new();

	ck_assert_int_eq(metrics_add(m, id, a, 2, 2, 200), 0);
	ck_assert_int_eq(metrics_add(m, id, b, 2, 3, 200), 0);
	ck_assert_int_eq(metrics_add(m, id, c, 2, 1, 200), 0);
	ck_assert_uint_eq(metrics_series(m, id), 2);
	ck_assert_int_eq(metrics_collect(m, 300, out), 0);
	ck_assert_uint_eq(out->n, 1);
	ck_assert_uint_eq(out->v[0].npoints, 2);
	ck_assert_int_eq(out->v[0].points[0].as_int, 5);
	ck_assert_int_eq(out->v[0].temporality, MODEL_TEMPORALITY_CUMULATIVE);
	ck_assert(out->v[0].monotonic);
	/* wrong kind and bad ids are errors */
	ck_assert_int_eq(metrics_record(m, id, a, 2, 1.0, 0), -EINVAL);
	ck_assert_int_eq(metrics_add(m, 99, a, 2, 1, 0), -EINVAL);
	ck_assert_int_eq(metrics_add(m, -1, a, 2, 1, 0), -EINVAL);
	model_metric_batch_free(out);
	metrics_free(m);
}
END_TEST

START_TEST(test_cardinality_overflow)
{
	struct metrics *m = make(0, 10);
	int id = def(m, "conns", MODEL_METRIC_SUM);
	struct model_metric_batch *out = model_metric_batch_new();
	const struct model_point *ov = NULL;
	char port[16];
	int64_t total = 0;

	/* a port scan: 1000 distinct ports */
	for (int i = 0; i < 1000; i++) {
		struct metrics_kv kv[] = { { "peer.port", port, 0 } };

		snprintf(port, sizeof(port), "%d", i);
		ck_assert_int_eq(metrics_add(m, id, kv, 1, 1, 200), 0);
	}
	ck_assert_uint_eq(metrics_series(m, id), 10);
	ck_assert_uint_eq(metrics_overflowed(m, id), 990);
	ck_assert_int_eq(metrics_collect(m, 300, out), 0);
	ck_assert_uint_eq(out->v[0].npoints, 11);
	for (size_t i = 0; i < out->v[0].npoints; i++) {
		const struct model_point *p = &out->v[0].points[i];
		const struct model_value *v = model_attrs_get(&p->attrs, METRICS_OVERFLOW_ATTR);

		total += p->as_int;
		if (v) {
			ck_assert_int_eq(v->type, MODEL_VALUE_BOOL);
			ck_assert(v->b);
			ck_assert_uint_eq(p->attrs.n, 1);
			ov = p;
		}
	}
	ck_assert_ptr_nonnull(ov);
	ck_assert_int_eq(ov->as_int, 990);
	ck_assert_int_eq(total, 1000);	/* nothing lost */
	/* known series still count in their own series */
	{
		struct metrics_kv kv[] = { { "peer.port", "3", 0 } };

		ck_assert_int_eq(metrics_add(m, id, kv, 1, 1, 200), 0);
		ck_assert_uint_eq(metrics_overflowed(m, id), 990);
	}
	model_metric_batch_free(out);
	metrics_free(m);
}
END_TEST

START_TEST(test_allow_deny)
{
	struct metrics *m = make(0, 0);
	int id = def(m, "c", MODEL_METRIC_SUM);
	struct metrics_kv a[] = { { "keep", "1", 0 }, { "pid", NULL, 100 }, { "other", "z", 0 } };
	struct metrics_kv b[] = { { "keep", "1", 0 }, { "pid", NULL, 200 }, { "other", "y", 0 } };
	struct model_metric_batch *out = model_metric_batch_new();

	ck_assert_int_eq(metrics_filter(m, id, NULL, "pid"), 0);
	metrics_add(m, id, a, 3, 1, 0);
	metrics_add(m, id, b, 3, 1, 0);
	ck_assert_uint_eq(metrics_series(m, id), 2);	/* other differs */
	ck_assert_int_eq(metrics_filter(m, id, "keep,pid", "pid"), 0);
	metrics_add(m, id, a, 3, 1, 0);
	metrics_add(m, id, b, 3, 1, 0);
	ck_assert_uint_eq(metrics_series(m, id), 3);	/* only keep=1 */
	ck_assert_int_eq(metrics_collect(m, 1, out), 0);
	ck_assert_ptr_nonnull(find_point(&out->v[0], "keep", "1"));
	for (size_t i = 0; i < out->v[0].npoints; i++)
		ck_assert_ptr_null(model_attrs_get(&out->v[0].points[i].attrs, "pid"));
	ck_assert_int_eq(metrics_filter(m, 42, NULL, NULL), -EINVAL);
	model_metric_batch_free(out);
	metrics_free(m);
}
END_TEST

START_TEST(test_cumulative_stable_start)
{
	struct metrics *m = make(MODEL_TEMPORALITY_CUMULATIVE, 0);
	int id = def(m, "c", MODEL_METRIC_SUM);
	struct metrics_kv kv[] = { { "k", "v", 0 } };
	struct model_metric_batch *b1 = model_metric_batch_new(), *b2 = model_metric_batch_new();

	metrics_add(m, id, kv, 1, 2, 1000);
	metrics_collect(m, 2000, b1);
	metrics_add(m, id, kv, 1, 3, 2500);
	metrics_collect(m, 3000, b2);
	ck_assert_int_eq(b1->v[0].points[0].as_int, 2);
	ck_assert_int_eq(b2->v[0].points[0].as_int, 5);
	ck_assert_uint_eq(b1->v[0].points[0].start_time_ns, 1000);
	ck_assert_uint_eq(b2->v[0].points[0].start_time_ns, 1000);
	ck_assert_uint_eq(b2->v[0].points[0].time_ns, 3000);
	model_metric_batch_free(b1);
	model_metric_batch_free(b2);
	metrics_free(m);
}
END_TEST

START_TEST(test_delta)
{
	struct metrics *m = make(MODEL_TEMPORALITY_DELTA, 0);
	int id = def(m, "c", MODEL_METRIC_SUM);
	int g = def(m, "g", MODEL_METRIC_GAUGE);
	int h = def(m, "h", MODEL_METRIC_HISTOGRAM);
	struct metrics_kv kv[] = { { "k", "v", 0 } };
	struct model_metric_batch *b1 = model_metric_batch_new(), *b2 = model_metric_batch_new(),
				  *b3 = model_metric_batch_new();

	metrics_add(m, id, kv, 1, 2, 1000);
	metrics_set(m, g, NULL, 0, 42, 1000);
	metrics_record(m, h, kv, 1, 7, 1000);
	metrics_collect(m, 2000, b1);
	ck_assert_uint_eq(b1->n, 3);
	ck_assert_int_eq(b1->v[0].temporality, MODEL_TEMPORALITY_DELTA);
	ck_assert_uint_eq(b1->v[0].points[0].start_time_ns, 1000);
	/* nothing new: only the gauge reports */
	metrics_collect(m, 3000, b2);
	ck_assert_uint_eq(b2->n, 1);
	ck_assert_str_eq(b2->v[0].name, "g");
	ck_assert_int_eq(b2->v[0].points[0].as_int, 42);
	metrics_add(m, id, kv, 1, 5, 3500);
	metrics_collect(m, 4000, b3);
	ck_assert_str_eq(b3->v[0].name, "c");
	ck_assert_int_eq(b3->v[0].points[0].as_int, 5);	/* not 7 */
	ck_assert_uint_eq(b3->v[0].points[0].start_time_ns, 3000);
	model_metric_batch_free(b1);
	model_metric_batch_free(b2);
	model_metric_batch_free(b3);
	metrics_free(m);
}
END_TEST

START_TEST(test_histogram_buckets)
{
	static const double bounds[] = { 1, 10, 100 };
	struct metrics *m = make(0, 0);
	struct metrics_desc d = { "lat", "", "s", MODEL_METRIC_HISTOGRAM, false, bounds, 3 };
	int id = metrics_define(m, &d, 0);
	struct model_metric_batch *out = model_metric_batch_new();
	const struct model_hist *hh;
	static const double values[] = { 0.5, 1, 1.5, 10, 99, 100, 100.5, 1e9 };

	ck_assert_int_ge(id, 0);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		ck_assert_int_eq(metrics_record(m, id, NULL, 0, values[i], 5), 0);
	ck_assert_int_eq(metrics_collect(m, 10, out), 0);
	hh = &out->v[0].points[0].hist;
	ck_assert_uint_eq(hh->nbounds, 3);
	ck_assert_uint_eq(hh->bucket_counts[0], 2);	/* 0.5, 1 */
	ck_assert_uint_eq(hh->bucket_counts[1], 2);	/* 1.5, 10 */
	ck_assert_uint_eq(hh->bucket_counts[2], 2);	/* 99, 100 */
	ck_assert_uint_eq(hh->bucket_counts[3], 2);	/* 100.5, 1e9 */
	ck_assert_uint_eq(hh->count, 8);
	ck_assert(hh->min == 0.5 && hh->max == 1e9);
	/* default bounds when none are given; bad bounds refused */
	{
		struct metrics_desc d2 = { "dflt", "", "ms", MODEL_METRIC_HISTOGRAM, false, NULL, 0 };
		static const double bad[] = { 3, 2 };
		struct metrics_desc d3 = { "bad", "", "ms", MODEL_METRIC_HISTOGRAM, false, bad, 2 };

		ck_assert_int_ge(metrics_define(m, &d2, 0), 0);
		ck_assert_int_eq(metrics_define(m, &d3, 0), -EINVAL);
		ck_assert_int_eq(metrics_define(m, &d2, 0), -EEXIST);
	}
	model_metric_batch_free(out);
	metrics_free(m);
	metrics_free(NULL);
}
END_TEST

START_TEST(test_too_many_attrs)
{
	struct metrics *m = make(0, 0);
	int id = def(m, "c", MODEL_METRIC_SUM);
	struct metrics_kv kv[METRICS_MAX_ATTRS + 1];

	for (int i = 0; i <= METRICS_MAX_ATTRS; i++)
		kv[i] = (struct metrics_kv){ "k", "v", 0 };
	ck_assert_int_eq(metrics_add(m, id, kv, METRICS_MAX_ATTRS + 1, 1, 0), -E2BIG);
	ck_assert_uint_eq(metrics_series(m, id), 0);
	metrics_free(m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, test_series_order_independent);
	tcase_add_test(tc, test_cardinality_overflow);
	tcase_add_test(tc, test_allow_deny);
	tcase_add_test(tc, test_cumulative_stable_start);
	tcase_add_test(tc, test_delta);
	tcase_add_test(tc, test_histogram_buckets);
	tcase_add_test(tc, test_too_many_attrs);
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
