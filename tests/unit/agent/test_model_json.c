/* test_model_json.c - model objects rendered as JSON lines. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_json.h"

#define HAS(w, s) ck_assert_msg(strstr(jsonw_str(w), s), "missing %s in %s", s, jsonw_str(w))

START_TEST(histogram_metric)
{
	static const double bounds[] = { 1, 10 };
	struct model_metric_batch *b = model_metric_batch_new();
	struct model_metric *m;
	struct model_point *p;
	struct jsonw w;

	ck_assert_ptr_nonnull(b);
	m = model_metric_batch_add(b, "riptides.connection.duration", "d", "s",
				   MODEL_METRIC_HISTOGRAM,
				   MODEL_TEMPORALITY_CUMULATIVE, false);
	ck_assert_ptr_nonnull(m);
	p = model_metric_add_point(m);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(model_hist_init(&p->hist, bounds, 2), 0);
	model_hist_record(&p->hist, 0.5);
	model_hist_record(&p->hist, 5);
	model_hist_record(&p->hist, 50);
	ck_assert_int_eq(model_attrs_set_str(&p->attrs, "k", "v\"q"), 0);
	p->start_time_ns = 1;
	p->time_ns = 2;
	jsonw_init(&w);
	model_json_metric(&w, m);
	ck_assert_int_eq(jsonw_error(&w), 0);
	HAS(&w, "\"type\":\"metric\"");
	HAS(&w, "\"kind\":\"histogram\"");
	HAS(&w, "\"temporality\":\"cumulative\"");
	HAS(&w, "\"bucket_counts\":[1,1,1]");
	HAS(&w, "\"bounds\":[1,10]");
	HAS(&w, "\"count\":3");
	HAS(&w, "\"sum\":55.5");
	HAS(&w, "\"min\":0.5");
	HAS(&w, "\"max\":50");
	HAS(&w, "\"attributes\":{\"k\":\"v\\\"q\"}");
	ck_assert_ptr_null(strstr(jsonw_str(&w), "monotonic"));
	jsonw_fini(&w);
	model_metric_batch_free(b);
}
END_TEST

START_TEST(sum_and_nonfinite)
{
	struct model_metric_batch *b = model_metric_batch_new();
	struct model_metric *m;
	struct model_point *p;
	struct jsonw w;

	m = model_metric_batch_add(b, "x", "", "1", MODEL_METRIC_SUM,
				   MODEL_TEMPORALITY_DELTA, true);
	p = model_metric_add_point(m);
	p->as_int = -7;
	p = model_metric_add_point(m);
	p->is_double = true;
	p->as_double = NAN;
	jsonw_init(&w);
	model_json_metric(&w, m);
	ck_assert_int_eq(jsonw_error(&w), 0);
	HAS(&w, "\"monotonic\":true");
	HAS(&w, "\"temporality\":\"delta\"");
	HAS(&w, "\"value\":-7");
	HAS(&w, "\"value\":null");	/* JSON has no NaN */
	jsonw_fini(&w);
	model_metric_batch_free(b);
}
END_TEST

START_TEST(span_with_parent_and_event)
{
	struct model_span_batch *b = model_span_batch_new();
	struct model_span *s = model_span_batch_add(b);
	struct model_span_event *e;
	struct jsonw w;

	memset(s->trace_id, 0xab, sizeof(s->trace_id));
	s->span_id[7] = 1;
	s->parent_span_id[0] = 0x10;
	ck_assert_int_eq(model_span_set_name(s, "connect"), 0);
	s->kind = MODEL_SPAN_CLIENT;
	s->start_time_ns = 10;
	s->end_time_ns = 20;
	ck_assert_int_eq(model_span_set_status(s, MODEL_STATUS_ERROR, "denied"), 0);
	e = model_span_add_event(s, 15, "policy.decision");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(model_attrs_set_int(&e->attrs, "n", 3), 0);
	ck_assert_int_eq(model_attrs_set_bool(&s->attrs, "b", true), 0);
	jsonw_init(&w);
	model_json_span(&w, s);
	ck_assert_int_eq(jsonw_error(&w), 0);
	HAS(&w, "\"trace_id\":\"abababababababababababababababab\"");
	HAS(&w, "\"span_id\":\"0000000000000001\"");
	HAS(&w, "\"parent_span_id\":\"1000000000000000\"");
	HAS(&w, "\"kind\":\"client\"");
	HAS(&w, "\"status\":{\"code\":\"error\",\"message\":\"denied\"}");
	HAS(&w, "\"events\":[{\"time_unix_nano\":15,\"name\":\"policy.decision\",\"attributes\":{\"n\":3}}]");
	HAS(&w, "\"attributes\":{\"b\":true}");
	jsonw_fini(&w);
	model_span_batch_free(b);
}
END_TEST

START_TEST(log_without_trace)
{
	struct model_log_batch *b = model_log_batch_new();
	struct model_log *l = model_log_batch_add(b);
	struct jsonw w;

	l->time_ns = 5;
	l->severity_number = MODEL_SEV_WARN;
	ck_assert_int_eq(model_log_set(&l->body, "connection denied"), 0);
	jsonw_init(&w);
	model_json_log(&w, l);
	ck_assert_int_eq(jsonw_error(&w), 0);
	HAS(&w, "\"severity_number\":13");
	HAS(&w, "\"body\":\"connection denied\"");
	HAS(&w, "\"trace_id\":\"\"");	/* no trace: empty, not zeros */
	HAS(&w, "\"severity_text\":\"\"");
	jsonw_fini(&w);
	model_log_batch_free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_json");
	TCase *tc = tcase_create("model_json");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, histogram_metric);
	tcase_add_test(tc, sum_and_nonfinite);
	tcase_add_test(tc, span_with_parent_and_event);
	tcase_add_test(tc, log_without_trace);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
