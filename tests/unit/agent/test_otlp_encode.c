/* test_otlp_encode.c - OTLP encoding: decode our bytes back and check each field. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_collector_logs.pb-c.h"
#include "otlp_collector_metrics.pb-c.h"
#include "otlp_collector_trace.pb-c.h"
#include "otlp_encode.h"
#include "otlp_response.h"
#include "otlp_rpc_status.pb-c.h"
#include "otlp_sample.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;

static const AnyValue *attr(KeyValue **kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i]->key, key))
			return kv[i]->value;
	ck_abort_msg("attribute %s missing", key);
	return NULL;
}

static void check_str(KeyValue **kv, size_t n, const char *key, const char *want)
{
	const AnyValue *v = attr(kv, n, key);

	ck_assert_int_eq(v->value_case,
			 OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE);
	ck_assert_str_eq(v->string_value, want);
}

static void check_int(KeyValue **kv, size_t n, const char *key, int64_t want)
{
	const AnyValue *v = attr(kv, n, key);

	ck_assert_int_eq(v->value_case,
			 OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE);
	ck_assert_int_eq(v->int_value, want);
}

static void check_resource(Opentelemetry__Proto__Resource__V1__Resource *r)
{
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->n_attributes, 3);
	check_str(r->attributes, r->n_attributes, "service.name", "riptel-test");
	check_str(r->attributes, r->n_attributes, "host.name", "h1");
	check_int(r->attributes, r->n_attributes, "process.pid", 4242);
}

START_TEST(test_metrics)
{
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req;
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm;
	Opentelemetry__Proto__Metrics__V1__Metric *m;
	Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *hp;
	Opentelemetry__Proto__Metrics__V1__NumberDataPoint *np;
	struct model_metric_batch *b = sample_metrics();
	struct model_resource res;
	struct otlp_buf buf;
	const AnyValue *v;

	sample_resource(&res);
	ck_assert_int_eq(otlp_encode_metrics(&res, b, 0, SIZE_MAX, 0, &buf), 0);
	ck_assert_uint_gt(buf.len, 0);
	req = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(NULL, buf.len, buf.data);
	ck_assert_ptr_nonnull(req);
	ck_assert_uint_eq(req->n_resource_metrics, 1);
	check_resource(req->resource_metrics[0]->resource);
	ck_assert_uint_eq(req->resource_metrics[0]->n_scope_metrics, 1);
	sm = req->resource_metrics[0]->scope_metrics[0];
	ck_assert_str_eq(sm->scope->name, "riptel");
	ck_assert_str_ne(sm->scope->version, "");
	ck_assert_uint_eq(sm->n_metrics, 3);	/* riptel.empty skipped */

	m = sm->metrics[0];
	ck_assert_str_eq(m->name, "riptel.connections");
	ck_assert_str_eq(m->description, "Connections seen");
	ck_assert_str_eq(m->unit, "{connection}");
	ck_assert_int_eq(m->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM);
	ck_assert(m->sum->is_monotonic);
	ck_assert_int_eq(m->sum->aggregation_temporality,
			 OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
	ck_assert_uint_eq(m->sum->n_data_points, 2);
	np = m->sum->data_points[1];
	ck_assert_int_eq(np->value_case,
			 OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT);
	ck_assert_int_eq(np->as_int, 7);
	ck_assert_uint_eq(np->start_time_unix_nano, SAMPLE_START_NS);
	ck_assert_uint_eq(np->time_unix_nano, SAMPLE_TIME_NS);
	check_str(np->attributes, np->n_attributes, "riptides.decision", "deny");
	check_str(np->attributes, np->n_attributes, "network.transport", "tcp");
	ck_assert_int_eq(m->sum->data_points[0]->as_int, 42);

	m = sm->metrics[1];
	ck_assert_str_eq(m->name, "riptel.connections.active");
	ck_assert_int_eq(m->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE);
	ck_assert_uint_eq(m->gauge->n_data_points, 1);
	np = m->gauge->data_points[0];
	ck_assert_int_eq(np->value_case,
			 OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE);
	ck_assert_double_eq(np->as_double, 3.5);
	ck_assert_uint_eq(np->start_time_unix_nano, 0);
	v = attr(np->attributes, np->n_attributes, "riptides.tls");
	ck_assert_int_eq(v->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE);
	ck_assert(v->bool_value);

	m = sm->metrics[2];
	ck_assert_str_eq(m->name, "riptel.connection.duration");
	ck_assert_str_eq(m->unit, "s");
	ck_assert_int_eq(m->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM);
	ck_assert_int_eq(m->histogram->aggregation_temporality,
			 OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA);
	hp = m->histogram->data_points[0];
	ck_assert_uint_eq(hp->count, 4);
	ck_assert_uint_eq(hp->n_explicit_bounds, 3);
	ck_assert_uint_eq(hp->n_bucket_counts, 4);
	ck_assert_double_eq(hp->explicit_bounds[1], 1);
	ck_assert_uint_eq(hp->bucket_counts[0], 1);
	ck_assert_uint_eq(hp->bucket_counts[1], 2);
	ck_assert_uint_eq(hp->bucket_counts[2], 0);
	ck_assert_uint_eq(hp->bucket_counts[3], 1);
	ck_assert_int_eq(hp->_sum_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___SUM_SUM);
	ck_assert_double_eq_tol(hp->sum, 21.25, 1e-9);
	ck_assert_int_eq(hp->_min_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MIN_MIN);
	ck_assert_double_eq(hp->min, 0.05);
	ck_assert_double_eq(hp->max, 20);
	ck_assert_uint_eq(hp->start_time_unix_nano, SAMPLE_START_NS);
	v = attr(hp->attributes, hp->n_attributes, "riptides.weight");
	ck_assert_int_eq(v->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE);
	ck_assert_double_eq(v->double_value, 0.25);

	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
	otlp_buf_free(&buf);
	ck_assert_ptr_null(buf.data);
	model_metric_batch_free(b);
	model_resource_clear(&res);
}
END_TEST

START_TEST(test_empty_hist_has_no_min_max)
{
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req;
	Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *hp;
	struct model_metric_batch *b = model_metric_batch_new();
	struct model_metric *m;
	struct model_point *p;
	struct otlp_buf buf;

	m = model_metric_batch_add(b, "h", "", "ms", MODEL_METRIC_HISTOGRAM,
				   MODEL_TEMPORALITY_CUMULATIVE, false);
	p = model_metric_add_point(m);
	ck_assert_int_eq(model_hist_init(&p->hist, sample_bounds, 3), 0);
	ck_assert_int_eq(otlp_encode_metrics(NULL, b, 0, SIZE_MAX, 0, &buf), 0);
	req = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(NULL, buf.len, buf.data);
	ck_assert_ptr_nonnull(req);
	hp = req->resource_metrics[0]->scope_metrics[0]->metrics[0]->histogram->data_points[0];
	ck_assert_uint_eq(hp->count, 0);
	ck_assert_uint_eq(hp->n_bucket_counts, 4);
	ck_assert_int_eq(hp->_min_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MIN__NOT_SET);
	ck_assert_int_eq(hp->_max_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MAX__NOT_SET);
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
	otlp_buf_free(&buf);
	model_metric_batch_free(b);
}
END_TEST

START_TEST(test_spans)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req;
	Opentelemetry__Proto__Trace__V1__Span *s;
	struct model_span_batch *b = sample_spans(3);
	uint8_t trace[16], span[8];
	struct model_resource res;
	struct otlp_buf buf;
	const AnyValue *v;

	sample_ids(trace, span);
	sample_resource(&res);
	/* the last two only */
	ck_assert_int_eq(otlp_encode_spans(&res, b, 1, 5, 0, &buf), 0);
	req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, buf.len, buf.data);
	ck_assert_ptr_nonnull(req);
	ck_assert_uint_eq(req->resource_spans[0]->scope_spans[0]->n_spans, 2);
	s = req->resource_spans[0]->scope_spans[0]->spans[0];
	ck_assert_str_eq(s->name, "handshake");
	ck_assert_int_eq(s->kind, OPENTELEMETRY__PROTO__TRACE__V1__SPAN_KIND__SPAN_KIND_INTERNAL);
	ck_assert_uint_eq(s->parent_span_id.len, 8);
	ck_assert_mem_eq(s->parent_span_id.data, span, 8);
	ck_assert_uint_eq(s->span_id.data[7], 0xb1);
	ck_assert_ptr_null(s->status);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
	otlp_buf_free(&buf);

	ck_assert_int_eq(otlp_encode_spans(&res, b, 0, 1, 0, &buf), 0);
	req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, buf.len, buf.data);
	ck_assert_ptr_nonnull(req);
	check_resource(req->resource_spans[0]->resource);
	ck_assert_str_eq(req->resource_spans[0]->scope_spans[0]->scope->name, "riptel");
	ck_assert_uint_eq(req->resource_spans[0]->scope_spans[0]->n_spans, 1);
	s = req->resource_spans[0]->scope_spans[0]->spans[0];
	ck_assert_str_eq(s->name, "connect");
	ck_assert_int_eq(s->kind, OPENTELEMETRY__PROTO__TRACE__V1__SPAN_KIND__SPAN_KIND_CLIENT);
	ck_assert_uint_eq(s->trace_id.len, 16);
	ck_assert_mem_eq(s->trace_id.data, trace, 16);
	ck_assert_uint_eq(s->span_id.len, 8);
	ck_assert_mem_eq(s->span_id.data, span, 8);
	ck_assert_uint_eq(s->parent_span_id.len, 0);	/* root */
	ck_assert_uint_eq(s->start_time_unix_nano, SAMPLE_START_NS);
	ck_assert_uint_eq(s->end_time_unix_nano, SAMPLE_TIME_NS);
	ck_assert_uint_eq(s->n_attributes, 4);
	check_int(s->attributes, s->n_attributes, "network.peer.port", 443);
	check_str(s->attributes, s->n_attributes, "server.address", "example.org");
	v = attr(s->attributes, s->n_attributes, "riptides.tls");
	ck_assert_int_eq(v->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE);
	ck_assert_uint_eq(s->n_events, 1);
	ck_assert_str_eq(s->events[0]->name, "policy.decision");
	ck_assert_uint_eq(s->events[0]->time_unix_nano, SAMPLE_START_NS + 5);
	check_str(s->events[0]->attributes, s->events[0]->n_attributes,
		  "riptides.decision", "deny");
	ck_assert_ptr_nonnull(s->status);
	ck_assert_int_eq(s->status->code, OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR);
	ck_assert_str_eq(s->status->message, "denied");
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
	otlp_buf_free(&buf);

	model_span_batch_free(b);
	model_resource_clear(&res);
}
END_TEST

START_TEST(test_logs)
{
	Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *req;
	Opentelemetry__Proto__Logs__V1__LogRecord *l;
	struct model_log_batch *b = sample_logs(2);
	uint8_t trace[16], span[8];
	struct otlp_buf buf;

	sample_ids(trace, span);
	ck_assert_int_eq(otlp_encode_logs(NULL, b, 0, 2, 0, &buf), 0);
	req = opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(NULL, buf.len, buf.data);
	ck_assert_ptr_nonnull(req);
	ck_assert_uint_eq(req->resource_logs[0]->resource->n_attributes, 0);
	ck_assert_uint_eq(req->resource_logs[0]->scope_logs[0]->n_log_records, 2);
	l = req->resource_logs[0]->scope_logs[0]->log_records[0];
	ck_assert_uint_eq(l->time_unix_nano, SAMPLE_TIME_NS);
	ck_assert_uint_eq(l->observed_time_unix_nano, SAMPLE_TIME_NS + 1000);
	ck_assert_int_eq(l->severity_number, OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_WARN);
	ck_assert_str_eq(l->severity_text, "WARN");
	ck_assert_ptr_nonnull(l->body);
	ck_assert_int_eq(l->body->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE);
	ck_assert_str_eq(l->body->string_value, "connection denied");
	ck_assert_str_eq(l->event_name, "riptides.denial");
	ck_assert_uint_eq(l->trace_id.len, 16);
	ck_assert_mem_eq(l->trace_id.data, trace, 16);
	ck_assert_uint_eq(l->span_id.len, 8);
	ck_assert_mem_eq(l->span_id.data, span, 8);
	check_str(l->attributes, l->n_attributes, "riptides.reason", "policy");
	l = req->resource_logs[0]->scope_logs[0]->log_records[1];
	ck_assert_int_eq(l->severity_number, OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_INFO);
	ck_assert_ptr_null(l->body);
	ck_assert_uint_eq(l->trace_id.len, 0);
	ck_assert_uint_eq(l->span_id.len, 0);
	check_int(l->attributes, l->n_attributes, "process.pid", 7);
	opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(req, NULL);
	otlp_buf_free(&buf);
	model_log_batch_free(b);
}
END_TEST

/* Point ranges: a metric straddling the range keeps the points inside it;
 * consecutive ranges hold every point once; -E2BIG says the size needed. */
START_TEST(test_metric_point_ranges)
{
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req;
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm;
	struct model_metric_batch *b = sample_metrics();
	struct otlp_buf buf, whole;

	ck_assert_uint_eq(model_metric_batch_points(b), 4);
	/* [1, 3): the second sum point and the gauge */
	ck_assert_int_eq(otlp_encode_metrics(NULL, b, 1, 2, 0, &buf), 0);
	req = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
		NULL, buf.len, buf.data);
	ck_assert_ptr_nonnull(req);
	sm = req->resource_metrics[0]->scope_metrics[0];
	ck_assert_uint_eq(sm->n_metrics, 2);
	ck_assert_str_eq(sm->metrics[0]->name, "riptel.connections");
	ck_assert_uint_eq(sm->metrics[0]->sum->n_data_points, 1);
	ck_assert_int_eq(sm->metrics[0]->sum->data_points[0]->as_int, 7);
	ck_assert_str_eq(sm->metrics[1]->name, "riptel.connections.active");
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
	otlp_buf_free(&buf);
	/* [3, end): the histogram alone, past the empty metric */
	ck_assert_int_eq(otlp_encode_metrics(NULL, b, 3, SIZE_MAX, 0, &buf), 0);
	req = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
		NULL, buf.len, buf.data);
	sm = req->resource_metrics[0]->scope_metrics[0];
	ck_assert_uint_eq(sm->n_metrics, 1);
	ck_assert_str_eq(sm->metrics[0]->name, "riptel.connection.duration");
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
	otlp_buf_free(&buf);
	ck_assert_int_eq(otlp_encode_metrics(NULL, b, 4, 10, 0, &buf), -ENODATA);
	ck_assert_int_eq(otlp_encode_metrics(NULL, b, 0, 0, 0, &buf), -ENODATA);
	/* too small a limit: nothing built, the size needed reported */
	ck_assert_int_eq(otlp_encode_metrics(NULL, b, 0, SIZE_MAX, 0, &whole), 0);
	ck_assert_int_eq(otlp_encode_metrics(NULL, b, 0, SIZE_MAX, whole.len - 1, &buf),
			 -E2BIG);
	ck_assert_ptr_null(buf.data);
	ck_assert_uint_eq(buf.len, whole.len);
	ck_assert_int_eq(otlp_encode_metrics(NULL, b, 0, SIZE_MAX, whole.len, &buf), 0);
	ck_assert_uint_eq(buf.len, whole.len);
	otlp_buf_free(&buf);
	otlp_buf_free(&whole);
	model_metric_batch_free(b);
}
END_TEST

START_TEST(test_never_empty)
{
	struct model_metric_batch *mb = model_metric_batch_new();
	struct model_span_batch *sb = sample_spans(2);
	struct model_log_batch *lb = model_log_batch_new();
	struct otlp_buf buf = { (uint8_t *)1, 1 };

	ck_assert_int_eq(otlp_encode_metrics(NULL, mb, 0, SIZE_MAX, 0, &buf), -ENODATA);
	ck_assert_ptr_null(buf.data);
	ck_assert_ptr_nonnull(model_metric_batch_add(mb, "x", "", "", MODEL_METRIC_GAUGE,
						     MODEL_TEMPORALITY_CUMULATIVE, false));
	ck_assert_int_eq(otlp_encode_metrics(NULL, mb, 0, SIZE_MAX, 0, &buf), -ENODATA);
	ck_assert_int_eq(otlp_encode_spans(NULL, sb, 2, 10, 0, &buf), -ENODATA);
	ck_assert_int_eq(otlp_encode_spans(NULL, sb, 0, 0, 0, &buf), -ENODATA);
	ck_assert_int_eq(otlp_encode_logs(NULL, lb, 0, 10, 0, &buf), -ENODATA);
	ck_assert_int_eq(otlp_encode_logs(NULL, NULL, 0, 10, 0, &buf), -EINVAL);
	ck_assert_int_eq(otlp_encode_metrics(NULL, NULL, 0, SIZE_MAX, 0, &buf), -EINVAL);
	otlp_buf_free(NULL);
	model_metric_batch_free(mb);
	model_span_batch_free(sb);
	model_log_batch_free(lb);
}
END_TEST

START_TEST(test_bad_kind)
{
	struct model_metric_batch *mb = model_metric_batch_new();
	struct model_metric *m;
	struct otlp_buf buf;

	m = model_metric_batch_add(mb, "x", "", "", MODEL_METRIC_GAUGE,
				   MODEL_TEMPORALITY_CUMULATIVE, false);
	ck_assert_ptr_nonnull(model_metric_add_point(m));
	m->kind = (enum model_metric_kind)99;
	ck_assert_int_eq(otlp_encode_metrics(NULL, mb, 0, SIZE_MAX, 0, &buf), -EINVAL);
	ck_assert_ptr_null(buf.data);
	m->kind = MODEL_METRIC_SUM;
	m->temporality = (enum model_temporality)0;
	ck_assert_int_eq(otlp_encode_metrics(NULL, mb, 0, SIZE_MAX, 0, &buf), -EINVAL);
	m->kind = MODEL_METRIC_GAUGE;	/* gauges have none */
	ck_assert_int_eq(otlp_encode_metrics(NULL, mb, 0, SIZE_MAX, 0, &buf), 0);
	otlp_buf_free(&buf);
	model_metric_batch_free(mb);
}
END_TEST

START_TEST(test_response_partial)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse resp =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
	Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
	Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
	struct otlp_partial p;
	uint8_t bytes[256] = { 0 };
	char msg[64];
	size_t len;

	ck_assert_int_eq(otlp_response_parse(OTLP_TRACES, bytes, 0, &p), 0);
	ck_assert(!p.set);
	len = protobuf_c_message_pack(&resp.base, bytes);
	ck_assert_int_eq(otlp_response_parse(OTLP_TRACES, bytes, len, &p), 0);
	ck_assert(!p.set);
	ps.rejected_spans = 3;
	ps.error_message = "bad span";
	resp.partial_success = &ps;
	len = protobuf_c_message_pack(&resp.base, bytes);
	ck_assert_int_eq(otlp_response_parse(OTLP_TRACES, bytes, len, &p), 0);
	ck_assert(p.set);
	ck_assert_int_eq(p.rejected, 3);
	ck_assert_str_eq(p.message, "bad span");
	/* metrics and logs put rejected_* at the same field number */
	ck_assert_int_eq(otlp_response_parse(OTLP_LOGS, bytes, len, &p), 0);
	ck_assert_int_eq(p.rejected, 3);
	ck_assert_int_eq(otlp_response_parse(OTLP_METRICS, (const uint8_t *)"\xff\xff", 2, &p),
			 -EBADMSG);
	ck_assert(!p.set);

	st.code = 3;
	st.message = "missing resource";
	len = protobuf_c_message_pack(&st.base, bytes);
	ck_assert_int_eq(otlp_response_status(bytes, len, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "missing resource");
	ck_assert_int_eq(otlp_response_status((const uint8_t *)"<html>", 6, msg, sizeof(msg)),
			 -EBADMSG);
	ck_assert_str_eq(msg, "");
	ck_assert_str_eq(otlp_signal_name(OTLP_TRACES), "traces");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("otlp_encode");
	TCase *tc = tcase_create("otlp_encode");

	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_empty_hist_has_no_min_max);
	tcase_add_test(tc, test_spans);
	tcase_add_test(tc, test_logs);
	tcase_add_test(tc, test_metric_point_ranges);
	tcase_add_test(tc, test_never_empty);
	tcase_add_test(tc, test_bad_kind);
	tcase_add_test(tc, test_response_partial);
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
