/* test_prom_text.c - OTel metrics to Prometheus text exposition: every rule. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "prom_text.h"

/* The family name of a one-off metric. */
static const char *fname(const char *name, const char *unit,
			 enum model_metric_kind kind, bool monotonic)
{
	static char buf[256];
	struct model_metric m = {
		.name = (char *)name, .unit = (char *)unit, .kind = kind,
		.temporality = MODEL_TEMPORALITY_CUMULATIVE, .monotonic = monotonic,
	};
	int rc = prom_text_metric_name(&m, buf, sizeof(buf));

	if (rc)
		snprintf(buf, sizeof(buf), "error %d", rc);
	return buf;
}

#define SUM MODEL_METRIC_SUM
#define GAUGE MODEL_METRIC_GAUGE
#define HIST MODEL_METRIC_HISTOGRAM

START_TEST(test_names_sanitised)
{
	ck_assert_str_eq(fname("riptides.connections.active", "", GAUGE, false),
			 "riptides_connections_active");
	ck_assert_str_eq(fname("(lambda).function..executions(#)", "", GAUGE, false),
			 "lambda_function_executions");
	ck_assert_str_eq(fname("a-b c__d", "", GAUGE, false), "a_b_c_d");
	ck_assert_str_eq(fname("ns:sub.x", "", GAUGE, false), "ns:sub_x");
	ck_assert_str_eq(fname("2xx.responses", "", GAUGE, false), "_2xx_responses");
	ck_assert_str_eq(fname("caf\xc3\xa9.hits", "", GAUGE, false), "caf_hits");
	ck_assert_str_eq(fname("...", "", GAUGE, false), "error -22");
	ck_assert_str_eq(fname("", "s", GAUGE, false), "error -22");
}
END_TEST

START_TEST(test_units_and_total)
{
	/* annotations add nothing; monotonic cumulative sums are counters */
	ck_assert_str_eq(fname("riptides.connections", "{connection}", SUM, true),
			 "riptides_connections_total");
	ck_assert_str_eq(fname("riptides.connection.duration", "s", HIST, false),
			 "riptides_connection_duration_seconds");
	ck_assert_str_eq(fname("riptides.connection.io", "By", HIST, false),
			 "riptides_connection_io_bytes");
	ck_assert_str_eq(fname("rtt", "ms", GAUGE, false), "rtt_milliseconds");
	ck_assert_str_eq(fname("mem", "MiBy", GAUGE, false), "mem_mebibytes");
	ck_assert_str_eq(fname("temp", "Cel", GAUGE, false), "temp_celsius");
	/* unit after the name, _total after the unit */
	ck_assert_str_eq(fname("cpu.time", "s", SUM, true), "cpu_time_seconds_total");
	/* never twice */
	ck_assert_str_eq(fname("requests_total", "", SUM, true), "requests_total");
	ck_assert_str_eq(fname("cpu.seconds.total", "s", SUM, true), "cpu_seconds_total");
	ck_assert_str_eq(fname("io.bytes", "By", GAUGE, false), "io_bytes");
	/* a suffix must be a whole word to count as present */
	ck_assert_str_eq(fname("kilobytes", "By", GAUGE, false), "kilobytes_bytes");
	/* non-monotonic sums and gauges get no _total */
	ck_assert_str_eq(fname("queue.depth", "{batch}", SUM, false), "queue_depth");
	/* "1": _ratio for gauges only */
	ck_assert_str_eq(fname("cpu.utilization", "1", GAUGE, false), "cpu_utilization_ratio");
	ck_assert_str_eq(fname("events", "1", SUM, true), "events_total");
	/* rates */
	ck_assert_str_eq(fname("net.rate", "By/s", GAUGE, false), "net_rate_bytes_per_second");
	ck_assert_str_eq(fname("pkt.rate", "{packet}/s", GAUGE, false), "pkt_rate_per_second");
	ck_assert_str_eq(fname("x", "m/h", GAUGE, false), "x_meters_per_hour");
	/* unknown units are sanitised and kept */
	ck_assert_str_eq(fname("dropped", "packets", GAUGE, false), "dropped_packets");
	ck_assert_str_eq(fname("weird", "a.b", GAUGE, false), "weird_a_b");
}
END_TEST

START_TEST(test_name_buffer_bounds)
{
	struct model_metric m = { .name = "abc", .unit = "s", .kind = GAUGE };
	char buf[12];

	ck_assert_int_eq(prom_text_metric_name(&m, buf, 11), -ENAMETOOLONG);
	ck_assert_int_eq(prom_text_metric_name(&m, buf, 12), 0);
	ck_assert_str_eq(buf, "abc_seconds");
}
END_TEST

START_TEST(test_label_names)
{
	char buf[64];

	ck_assert_int_eq(prom_text_label_name("http.request.method", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "http_request_method");
	ck_assert_int_eq(prom_text_label_name("2xx", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "key_2xx");
	ck_assert_int_eq(prom_text_label_name("__reserved", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "key__reserved");
	ck_assert_int_eq(prom_text_label_name("_x:y", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "_x_y");
	ck_assert_int_eq(prom_text_label_name("", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(prom_text_label_name("abcdef", buf, 6), -ENAMETOOLONG);
}
END_TEST

static char *render(const struct model_metric_batch *b, const struct model_resource *res,
		    struct prom_text_stats *st)
{
	char *out = NULL;
	size_t len = 0;

	ck_assert_int_eq(prom_text_render(b, res, &out, &len, st), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(len, strlen(out));
	return out;
}

START_TEST(test_counter_escaping)
{
	struct model_metric_batch *b = model_metric_batch_new();
	struct model_metric *m;
	struct model_point *p;
	struct prom_text_stats st;
	char *out;

	m = model_metric_batch_add(b, "riptides.connections",
				   "Connections \\ finished\nby \"all\"", "{connection}",
				   SUM, MODEL_TEMPORALITY_CUMULATIVE, true);
	p = model_metric_add_point(m);
	model_attrs_set_str(&p->attrs, "riptides.direction", "out");
	model_attrs_set_str(&p->attrs, "peer.id", "spiffe://a/\"b\"\\c\nd");
	p->as_int = 42;
	p = model_metric_add_point(m);
	p->as_int = -3;
	out = render(b, NULL, &st);
	ck_assert_str_eq(out,
		"# HELP riptides_connections_total Connections \\\\ finished\\nby \"all\"\n"
		"# TYPE riptides_connections_total counter\n"
		"riptides_connections_total{peer_id=\"spiffe://a/\\\"b\\\"\\\\c\\nd\","
		"riptides_direction=\"out\"} 42\n"
		"riptides_connections_total -3\n");
	ck_assert_uint_eq(st.families, 1);
	ck_assert_uint_eq(st.samples, 2);
	free(out);
	model_metric_batch_free(b);
}
END_TEST

START_TEST(test_gauges_and_values)
{
	struct model_metric_batch *b = model_metric_batch_new();
	struct model_metric *m;
	struct model_point *p;
	char *out;

	m = model_metric_batch_add(b, "queue.depth", "", "{batch}", SUM,
				   MODEL_TEMPORALITY_CUMULATIVE, false);
	p = model_metric_add_point(m);
	p->is_double = true;
	p->as_double = 0.1;
	m = model_metric_batch_add(b, "load", "Load", "1", GAUGE, 0, false);
	p = model_metric_add_point(m);
	p->is_double = true;
	p->as_double = NAN;
	model_attrs_set_int(&p->attrs, "cpu", -1);
	model_attrs_set_bool(&p->attrs, "busy", true);
	model_attrs_set_double(&p->attrs, "w", 2.5);
	p = model_metric_add_point(m);
	p->is_double = true;
	p->as_double = -INFINITY;
	p = model_metric_add_point(m);
	p->is_double = true;
	p->as_double = 1e21;
	out = render(b, NULL, NULL);
	ck_assert_str_eq(out,
		"# TYPE queue_depth gauge\n"
		"queue_depth 0.1\n"
		"# HELP load_ratio Load\n"
		"# TYPE load_ratio gauge\n"
		"load_ratio{busy=\"true\",cpu=\"-1\",w=\"2.5\"} NaN\n"
		"load_ratio -Inf\n"
		"load_ratio 1e+21\n");
	free(out);
	model_metric_batch_free(b);
}
END_TEST

START_TEST(test_histogram)
{
	static const double bounds[] = { 0.005, 0.1, 1 };
	struct model_metric_batch *b = model_metric_batch_new();
	struct model_metric *m;
	struct model_point *p;
	struct prom_text_stats st;
	char *out;

	m = model_metric_batch_add(b, "riptides.connection.duration", "Connection lifetime",
				   "s", HIST, MODEL_TEMPORALITY_CUMULATIVE, false);
	p = model_metric_add_point(m);
	ck_assert_int_eq(model_hist_init(&p->hist, bounds, 3), 0);
	model_hist_record(&p->hist, 0.00390625);
	model_hist_record(&p->hist, 0.0625);
	model_hist_record(&p->hist, 0.078125);
	model_hist_record(&p->hist, 30);
	model_attrs_set_str(&p->attrs, "dir", "in");
	model_attrs_set_str(&p->attrs, "le", "dropped: clashes with buckets");
	out = render(b, NULL, &st);
	ck_assert_str_eq(out,
		"# HELP riptides_connection_duration_seconds Connection lifetime\n"
		"# TYPE riptides_connection_duration_seconds histogram\n"
		"riptides_connection_duration_seconds_bucket{dir=\"in\",le=\"0.005\"} 1\n"
		"riptides_connection_duration_seconds_bucket{dir=\"in\",le=\"0.1\"} 3\n"
		"riptides_connection_duration_seconds_bucket{dir=\"in\",le=\"1\"} 3\n"
		"riptides_connection_duration_seconds_bucket{dir=\"in\",le=\"+Inf\"} 4\n"
		"riptides_connection_duration_seconds_sum{dir=\"in\"} 30.14453125\n"
		"riptides_connection_duration_seconds_count{dir=\"in\"} 4\n");
	ck_assert_uint_eq(st.samples, 6);
	free(out);

	/* no attributes: the le label alone */
	model_attrs_clear(&b->v[0].points[0].attrs);
	out = render(b, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(out,
		"riptides_connection_duration_seconds_bucket{le=\"+Inf\"} 4\n"
		"riptides_connection_duration_seconds_sum 30.14453125\n"));
	free(out);
	model_metric_batch_free(b);
}
END_TEST

START_TEST(test_target_info)
{
	struct model_resource res = { 0 };
	struct model_metric_batch *b = model_metric_batch_new();
	struct model_metric *m;
	char *out;

	model_attrs_set_str(&res.attrs, "service.name", "riptel-agent");
	model_attrs_set_str(&res.attrs, "host.name", "h\"1");
	model_attrs_set_int(&res.attrs, "process.pid", 7);
	/* a metric whose name collides with target_info is skipped */
	m = model_metric_batch_add(b, "target.info", "", "", GAUGE, 0, false);
	model_metric_add_point(m)->as_int = 5;
	out = render(b, &res, NULL);
	ck_assert_str_eq(out,
		"# HELP target_info Target metadata\n"
		"# TYPE target_info gauge\n"
		"target_info{host_name=\"h\\\"1\",process_pid=\"7\","
		"service_name=\"riptel-agent\"} 1\n");
	free(out);
	model_resource_clear(&res);
	model_metric_batch_free(b);
}
END_TEST

START_TEST(test_label_collision_merge)
{
	struct model_metric_batch *b = model_metric_batch_new();
	struct model_metric *m;
	struct model_point *p;
	char *out;

	m = model_metric_batch_add(b, "g", "", "", GAUGE, 0, false);
	p = model_metric_add_point(m);
	model_attrs_set_str(&p->attrs, "a_b", "second");
	model_attrs_set_str(&p->attrs, "a.b", "first");
	model_attrs_set_str(&p->attrs, "z", "z");
	p->as_int = 1;
	out = render(b, NULL, NULL);
	ck_assert_str_eq(out, "# TYPE g gauge\ng{a_b=\"first;second\",z=\"z\"} 1\n");
	free(out);
	model_metric_batch_free(b);
}
END_TEST

START_TEST(test_skips)
{
	struct model_metric_batch *b = model_metric_batch_new();
	struct model_metric *m;
	struct prom_text_stats st;
	char *out;

	m = model_metric_batch_add(b, "delta.sum", "", "", SUM, MODEL_TEMPORALITY_DELTA, true);
	model_metric_add_point(m)->as_int = 1;
	m = model_metric_batch_add(b, "delta.hist", "", "s", HIST, MODEL_TEMPORALITY_DELTA, false);
	model_metric_add_point(m);
	m = model_metric_batch_add(b, "ok", "", "", SUM, MODEL_TEMPORALITY_CUMULATIVE, true);
	model_metric_add_point(m)->as_int = 2;
	/* sanitises to the same family as "ok" */
	m = model_metric_batch_add(b, "ok.", "", "", SUM, MODEL_TEMPORALITY_CUMULATIVE, true);
	model_metric_add_point(m)->as_int = 3;
	m = model_metric_batch_add(b, "###", "", "", GAUGE, 0, false);
	model_metric_add_point(m)->as_int = 4;
	/* no points: nothing at all */
	model_metric_batch_add(b, "empty", "", "", GAUGE, 0, false);
	out = render(b, NULL, &st);
	ck_assert_str_eq(out, "# TYPE ok_total counter\nok_total 2\n");
	ck_assert_uint_eq(st.skipped_delta, 2);
	ck_assert_uint_eq(st.skipped_name, 2);
	ck_assert_uint_eq(st.families, 1);
	free(out);
	model_metric_batch_free(b);

	out = render(NULL, NULL, &st);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(st.families, 0);
	free(out);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("prom_text");
	TCase *tc = tcase_create("prom_text");

	tcase_add_test(tc, test_names_sanitised);
	tcase_add_test(tc, test_units_and_total);
	tcase_add_test(tc, test_name_buffer_bounds);
	tcase_add_test(tc, test_label_names);
	tcase_add_test(tc, test_counter_escaping);
	tcase_add_test(tc, test_gauges_and_values);
	tcase_add_test(tc, test_histogram);
	tcase_add_test(tc, test_target_info);
	tcase_add_test(tc, test_label_collision_merge);
	tcase_add_test(tc, test_skips);
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
