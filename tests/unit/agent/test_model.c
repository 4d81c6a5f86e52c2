/* test_model.c - the telemetry data model: attributes, histograms, batches. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

START_TEST(test_attrs_set_replace_get)
{
	struct model_attrs a = { 0 };
	const struct model_value *v;

	ck_assert_int_eq(model_attrs_set_str(&a, "k", "v1"), 0);
	ck_assert_int_eq(model_attrs_set_int(&a, "n", -5), 0);
	ck_assert_int_eq(model_attrs_set_double(&a, "d", 1.5), 0);
	ck_assert_int_eq(model_attrs_set_bool(&a, "b", true), 0);
	ck_assert_int_eq(model_attrs_set_str(&a, "k", "v2"), 0);
	ck_assert_uint_eq(a.n, 4);
	v = model_attrs_get(&a, "k");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(v->type, MODEL_VALUE_STRING);
	ck_assert_str_eq(v->s, "v2");
	/* replacing a string by an int frees the string (ASan checks) */
	ck_assert_int_eq(model_attrs_set_int(&a, "k", 7), 0);
	ck_assert_int_eq(model_attrs_get(&a, "k")->i, 7);
	ck_assert_int_eq(model_attrs_get(&a, "n")->i, -5);
	ck_assert_ptr_null(model_attrs_get(&a, "missing"));
	ck_assert_int_eq(model_attrs_set_str(&a, NULL, "x"), -EINVAL);
	model_attrs_clear(&a);
	ck_assert_uint_eq(a.n, 0);
	model_attrs_clear(&a);
	model_attrs_clear(NULL);
}
END_TEST

START_TEST(test_attrs_bound)
{
	struct model_attrs a = { 0 };
	char key[32];

	for (int i = 0; i < MODEL_ATTRS_MAX; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(model_attrs_set_int(&a, key, i), 0);
	}
	ck_assert_int_eq(model_attrs_set_int(&a, "one.more", 1), -E2BIG);
	ck_assert_int_eq(model_attrs_set_str(&a, "one.more", "x"), -E2BIG);
	/* replacing an existing key still works when full */
	ck_assert_int_eq(model_attrs_set_int(&a, "k0", 99), 0);
	ck_assert_uint_eq(a.n, MODEL_ATTRS_MAX);
	model_attrs_clear(&a);
}
END_TEST

START_TEST(test_attrs_copy_equal_sort)
{
	struct model_attrs a = { 0 }, b = { 0 };

	model_attrs_set_str(&a, "z", "1");
	model_attrs_set_int(&a, "a", 2);
	ck_assert_int_eq(model_attrs_copy(&b, &a), 0);
	ck_assert(model_attrs_equal(&a, &b));
	model_attrs_sort(&b);
	ck_assert_str_eq(b.v[0].key, "a");
	ck_assert(model_attrs_equal(&a, &b));
	model_attrs_set_int(&b, "a", 3);
	ck_assert(!model_attrs_equal(&a, &b));
	model_attrs_clear(&a);
	model_attrs_clear(&b);
}
END_TEST

START_TEST(test_strdup_cut_utf8)
{
	static char big[MODEL_STR_MAX + 10];
	char *s;

	memset(big, 'a', sizeof(big) - 1);
	/* a 2-byte sequence straddling the cut */
	big[MODEL_STR_MAX - 1] = (char)0xc3;
	big[MODEL_STR_MAX] = (char)0xa9;
	s = model_strdup(big);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), MODEL_STR_MAX - 1);
	free(s);
}
END_TEST

START_TEST(test_hist_bucketing)
{
	static const double b[] = { 0, 5, 10 };
	struct model_hist h;

	/* upper-inclusive: (-inf,0] (0,5] (5,10] (10,+inf) */
	ck_assert_uint_eq(model_hist_bucket(b, 3, -1), 0);
	ck_assert_uint_eq(model_hist_bucket(b, 3, 0), 0);
	ck_assert_uint_eq(model_hist_bucket(b, 3, 0.1), 1);
	ck_assert_uint_eq(model_hist_bucket(b, 3, 5), 1);
	ck_assert_uint_eq(model_hist_bucket(b, 3, 5.01), 2);
	ck_assert_uint_eq(model_hist_bucket(b, 3, 10), 2);
	ck_assert_uint_eq(model_hist_bucket(b, 3, 11), 3);
	ck_assert_uint_eq(model_hist_bucket(NULL, 0, 11), 0);
	ck_assert_int_eq(model_hist_init(&h, b, 3), 0);
	model_hist_record(&h, 7);
	model_hist_record(&h, 3);
	model_hist_record(&h, 100);
	ck_assert_uint_eq(h.count, 3);
	ck_assert_uint_eq(h.bucket_counts[1], 1);
	ck_assert_uint_eq(h.bucket_counts[2], 1);
	ck_assert_uint_eq(h.bucket_counts[3], 1);
	ck_assert(h.min == 3 && h.max == 100 && h.sum == 110);
	model_hist_clear(&h);
	model_hist_clear(NULL);
	{
		static const double bad[] = { 5, 5 };

		ck_assert_int_eq(model_hist_init(&h, bad, 2), -EINVAL);
	}
}
END_TEST

START_TEST(test_batches)
{
	struct model_metric_batch *mb = model_metric_batch_new();
	struct model_span_batch *sb = model_span_batch_new();
	struct model_log_batch *lb = model_log_batch_new();
	struct model_metric *m;
	struct model_point *p;
	struct model_span *sp, copy;
	struct model_log *l;

	m = model_metric_batch_add(mb, "x", NULL, "s", MODEL_METRIC_SUM,
				   MODEL_TEMPORALITY_CUMULATIVE, true);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->description, "");
	for (int i = 0; i < 10; i++) {
		p = model_metric_add_point(m);
		ck_assert_ptr_nonnull(p);
		p->as_int = i;
		model_attrs_set_int(&p->attrs, "i", i);
	}
	ck_assert_uint_eq(model_metric_batch_points(mb), 10);

	sp = model_span_batch_add(sb);
	ck_assert_ptr_nonnull(sp);
	ck_assert(!model_span_has_parent(sp));
	sp->parent_span_id[7] = 1;
	ck_assert(model_span_has_parent(sp));
	ck_assert_int_eq(model_span_set_name(sp, "connect"), 0);
	ck_assert_int_eq(model_span_set_status(sp, MODEL_STATUS_ERROR, "denied"), 0);
	for (int i = 0; i < MODEL_EVENTS_MAX + 3; i++)
		model_span_add_event(sp, (uint64_t)i, "ev");
	ck_assert_uint_eq(sp->nevents, MODEL_EVENTS_MAX);
	ck_assert_uint_eq(sp->dropped_events, 3);
	model_attrs_set_str(&sp->events[0].attrs, "a", "b");
	ck_assert_int_eq(model_span_copy(&copy, sp), 0);
	ck_assert_str_eq(copy.name, "connect");
	ck_assert_str_eq(copy.status_message, "denied");
	ck_assert_str_eq(copy.events[0].attrs.v[0].value.s, "b");
	model_span_clear(&copy);

	l = model_log_batch_add(lb);
	ck_assert_ptr_nonnull(l);
	ck_assert(!model_log_has_trace(l));
	l->trace_id[0] = 1;
	ck_assert(model_log_has_trace(l));
	ck_assert_int_eq(model_log_set(&l->body, "hello"), 0);
	ck_assert_int_eq(model_log_set(&l->body, NULL), 0);
	ck_assert_ptr_null(l->body);

	model_metric_batch_free(mb);
	model_span_batch_free(sb);
	model_log_batch_free(lb);
	model_metric_batch_free(NULL);
	model_span_batch_free(NULL);
	model_log_batch_free(NULL);
}
END_TEST

START_TEST(test_static_and_interned)
{
	struct model_attrs a = { 0 }, b = { 0 };
	char key[64];

	ck_assert_int_eq(model_attrs_set_static(&a, "network.transport", "tcp"), 0);
	ck_assert(a.v[0].flags & MODEL_ATTR_VALUE_BORROWED);
	ck_assert(a.v[0].flags & MODEL_ATTR_KEY_BORROWED);
	/* replacing a borrowed value by an owned one, and copying, never
	 * frees a literal (ASan would say so) */
	ck_assert_int_eq(model_attrs_copy(&b, &a), 0);
	ck_assert(b.v[0].flags & MODEL_ATTR_VALUE_BORROWED);
	ck_assert_int_eq(model_attrs_set_str(&a, "network.transport", "udp"), 0);
	ck_assert(!(a.v[0].flags & MODEL_ATTR_VALUE_BORROWED));
	ck_assert_str_eq(b.v[0].value.s, "tcp");
	model_attrs_clear(&a);
	model_attrs_clear(&b);

	/* one buffer reused for different keys: each is its own attribute */
	for (int i = 0; i < 3000; i++) {
		struct model_attrs *set = i % 2 ? &a : &b;

		snprintf(key, sizeof(key), "k.%d", i % 1500);
		ck_assert_int_eq(model_attrs_set_int(set, key, i), 0);
		if (set->n == MODEL_ATTRS_MAX)
			model_attrs_clear(set);
	}
	/* past the pool's bound keys are copied; lookups still work */
	model_attrs_clear(&a);
	for (int i = 0; i < MODEL_ATTRS_MAX; i++) {
		snprintf(key, sizeof(key), "late.key.%d", i);
		ck_assert_int_eq(model_attrs_set_int(&a, key, i), 0);
	}
	for (int i = 0; i < MODEL_ATTRS_MAX; i++) {
		snprintf(key, sizeof(key), "late.key.%d", i);
		ck_assert_int_eq(model_attrs_get(&a, key)->i, i);
		ck_assert_int_eq(model_attrs_set_int(&a, key, -i), 0);
	}
	ck_assert_uint_eq(a.n, MODEL_ATTRS_MAX);
	model_attrs_clear(&a);
	model_attrs_clear(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, test_attrs_set_replace_get);
	tcase_add_test(tc, test_attrs_bound);
	tcase_add_test(tc, test_attrs_copy_equal_sort);
	tcase_add_test(tc, test_strdup_cut_utf8);
	tcase_add_test(tc, test_hist_bucketing);
	tcase_add_test(tc, test_batches);
	tcase_add_test(tc, test_static_and_interned);
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
