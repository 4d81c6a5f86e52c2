/* otlp_response.c - what an OTLP/HTTP receiver answered: partial success, errors. */
#include "otlp_response.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "otlp_collector_logs.pb-c.h"
#include "otlp_collector_metrics.pb-c.h"
#include "otlp_collector_trace.pb-c.h"
#include "otlp_rpc_status.pb-c.h"

static void copy_msg(char *dst, size_t n, const char *src)
{
	if (n)
		snprintf(dst, n, "%s", src ? src : "");
}

int otlp_response_parse(enum otlp_signal sig, const uint8_t *body, size_t len,
			struct otlp_partial *out)
{
	memset(out, 0, sizeof(*out));
	if (!len)
		return 0;

	switch (sig) {
	case OTLP_METRICS: {
		Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceResponse *r;

		r = opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__unpack(NULL, len, body);
		if (!r)
			return -EBADMSG;
		if (r->partial_success) {
			out->set = true;
			out->rejected = r->partial_success->rejected_data_points;
			copy_msg(out->message, sizeof(out->message),
				 r->partial_success->error_message);
		}
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__free_unpacked(r, NULL);
		return 0;
	}
	case OTLP_TRACES: {
		Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *r;

		r = opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(NULL, len, body);
		if (!r)
			return -EBADMSG;
		if (r->partial_success) {
			out->set = true;
			out->rejected = r->partial_success->rejected_spans;
			copy_msg(out->message, sizeof(out->message),
				 r->partial_success->error_message);
		}
		opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(r, NULL);
		return 0;
	}
	case OTLP_LOGS: {
		Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse *r;

		r = opentelemetry__proto__collector__logs__v1__export_logs_service_response__unpack(NULL, len, body);
		if (!r)
			return -EBADMSG;
		if (r->partial_success) {
			out->set = true;
			out->rejected = r->partial_success->rejected_log_records;
			copy_msg(out->message, sizeof(out->message),
				 r->partial_success->error_message);
		}
		opentelemetry__proto__collector__logs__v1__export_logs_service_response__free_unpacked(r, NULL);
		return 0;
	}
	}
	return -EINVAL;
}

int otlp_response_status(const uint8_t *body, size_t len, char *msg,
			 size_t msglen)
{
	Google__Rpc__Status *st;

	copy_msg(msg, msglen, "");
	if (!len)
		return 0;
	st = google__rpc__status__unpack(NULL, len, body);
	if (!st)
		return -EBADMSG;
	copy_msg(msg, msglen, st->message);
	google__rpc__status__free_unpacked(st, NULL);
	return 0;
}
