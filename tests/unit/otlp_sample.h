/* otlp_sample.h - one known set of metrics, spans and logs for OTLP tests. */
#ifndef RIPTEL_TEST_OTLP_SAMPLE_H
#define RIPTEL_TEST_OTLP_SAMPLE_H

/*
 * Shared by test_otlp_encode.c, test_export*.c, bench_otlp.c and, value by
 * value, by tests/interop/check.js: change one, change the others.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define SAMPLE_START_NS	1700000000000000000ULL
#define SAMPLE_TIME_NS	1700000060000000000ULL

static const double sample_bounds[] = { 0.1, 1, 10 };

static inline void sample_resource(struct model_resource *r)
{
	memset(r, 0, sizeof(*r));
	if (model_attrs_set_str(&r->attrs, "service.name", "riptel-test") ||
	    model_attrs_set_str(&r->attrs, "host.name", "h1") ||
	    model_attrs_set_int(&r->attrs, "process.pid", 4242))
		abort();
}

/* 4 metrics, one of them empty: 2 sum points, 1 gauge, 1 histogram. */
static inline struct model_metric_batch *sample_metrics(void)
{
	struct model_metric_batch *b = model_metric_batch_new();
	struct model_metric *m;
	struct model_point *p;

	if (!b)
		abort();
	m = model_metric_batch_add(b, "riptel.connections", "Connections seen",
				   "{connection}", MODEL_METRIC_SUM,
				   MODEL_TEMPORALITY_CUMULATIVE, true);
	p = m ? model_metric_add_point(m) : NULL;
	if (!p || model_attrs_set_str(&p->attrs, "network.transport", "tcp") ||
	    model_attrs_set_str(&p->attrs, "riptides.decision", "allow"))
		abort();
	p->start_time_ns = SAMPLE_START_NS;
	p->time_ns = SAMPLE_TIME_NS;
	p->as_int = 42;
	p = model_metric_add_point(m);
	if (!p || model_attrs_set_str(&p->attrs, "network.transport", "tcp") ||
	    model_attrs_set_str(&p->attrs, "riptides.decision", "deny"))
		abort();
	p->start_time_ns = SAMPLE_START_NS;
	p->time_ns = SAMPLE_TIME_NS;
	p->as_int = 7;

	m = model_metric_batch_add(b, "riptel.connections.active",
				   "Open connections", "{connection}",
				   MODEL_METRIC_GAUGE, MODEL_TEMPORALITY_CUMULATIVE,
				   false);
	p = m ? model_metric_add_point(m) : NULL;
	if (!p || model_attrs_set_bool(&p->attrs, "riptides.tls", true))
		abort();
	p->start_time_ns = SAMPLE_START_NS;	/* gauges must drop it */
	p->time_ns = SAMPLE_TIME_NS;
	p->is_double = true;
	p->as_double = 3.5;

	/* No points: the encoder skips it. */
	if (!model_metric_batch_add(b, "riptel.empty", "", "", MODEL_METRIC_SUM,
				    MODEL_TEMPORALITY_CUMULATIVE, true))
		abort();

	m = model_metric_batch_add(b, "riptel.connection.duration",
				   "Connection lifetime", "s",
				   MODEL_METRIC_HISTOGRAM, MODEL_TEMPORALITY_DELTA,
				   false);
	p = m ? model_metric_add_point(m) : NULL;
	if (!p || model_hist_init(&p->hist, sample_bounds, 3) ||
	    model_attrs_set_double(&p->attrs, "riptides.weight", 0.25))
		abort();
	p->start_time_ns = SAMPLE_START_NS;
	p->time_ns = SAMPLE_TIME_NS;
	model_hist_record(&p->hist, 0.05);	/* bucket 0 */
	model_hist_record(&p->hist, 0.5);	/* bucket 1 */
	model_hist_record(&p->hist, 0.7);	/* bucket 1 */
	model_hist_record(&p->hist, 20);	/* bucket 3 (overflow) */
	return b;
}

static inline void sample_ids(uint8_t *trace, uint8_t *span)
{
	int i;

	for (i = 0; i < MODEL_TRACE_ID_LEN; i++)
		trace[i] = (uint8_t)(0x01 + i);
	for (i = 0; i < MODEL_SPAN_ID_LEN; i++)
		span[i] = (uint8_t)(0xa1 + i);
}

/* n spans: the first a CLIENT root with an event and an ERROR status, the
 * others INTERNAL children of it with span ids differing in the last byte. */
static inline struct model_span_batch *sample_spans(size_t n)
{
	struct model_span_batch *b = model_span_batch_new();
	size_t i;

	if (!b)
		abort();
	for (i = 0; i < n; i++) {
		struct model_span *s = model_span_batch_add(b);
		struct model_span_event *ev;

		if (!s)
			abort();
		sample_ids(s->trace_id, s->span_id);
		s->start_time_ns = SAMPLE_START_NS + i;
		s->end_time_ns = SAMPLE_TIME_NS + i;
		if (i == 0) {
			s->kind = MODEL_SPAN_CLIENT;
			if (model_span_set_name(s, "connect") ||
			    model_span_set_status(s, MODEL_STATUS_ERROR, "denied"))
				abort();
			ev = model_span_add_event(s, SAMPLE_START_NS + 5,
						  "policy.decision");
			if (!ev || model_attrs_set_str(&ev->attrs,
						       "riptides.decision", "deny"))
				abort();
		} else {
			s->kind = MODEL_SPAN_INTERNAL;
			sample_ids(s->trace_id, s->parent_span_id);
			s->span_id[MODEL_SPAN_ID_LEN - 1] = (uint8_t)(0xb0 + i);
			if (model_span_set_name(s, "handshake"))
				abort();
		}
		if (model_attrs_set_int(&s->attrs, "network.peer.port", 443) ||
		    model_attrs_set_str(&s->attrs, "server.address", "example.org") ||
		    model_attrs_set_bool(&s->attrs, "riptides.tls", true) ||
		    model_attrs_set_double(&s->attrs, "riptides.ratio", 0.25))
			abort();
	}
	return b;
}

/* n log records: even ones WARN with body and the sample trace, odd ones
 * INFO with no body and no trace. */
static inline struct model_log_batch *sample_logs(size_t n)
{
	struct model_log_batch *b = model_log_batch_new();
	size_t i;

	if (!b)
		abort();
	for (i = 0; i < n; i++) {
		struct model_log *l = model_log_batch_add(b);

		if (!l)
			abort();
		l->time_ns = SAMPLE_TIME_NS + i;
		l->observed_time_ns = SAMPLE_TIME_NS + 1000 + i;
		if (i % 2 == 0) {
			l->severity_number = MODEL_SEV_WARN;
			sample_ids(l->trace_id, l->span_id);
			if (model_log_set(&l->severity_text, "WARN") ||
			    model_log_set(&l->body, "connection denied") ||
			    model_log_set(&l->event_name, "riptides.denial") ||
			    model_attrs_set_str(&l->attrs, "riptides.reason", "policy"))
				abort();
		} else {
			l->severity_number = MODEL_SEV_INFO;
			if (model_attrs_set_int(&l->attrs, "process.pid", 7))
				abort();
		}
	}
	return b;
}

/*
 * A big snapshot: nmetrics cumulative sums "big.<m>" of npoints points
 * each; point i of metric m has attributes "big.m" = m, "big.i" = i and
 * "big.pad", pad bytes of text, so size is easy to steer.
 */
static inline struct model_metric_batch *sample_big_metrics(size_t nmetrics,
							    size_t npoints,
							    size_t pad)
{
	struct model_metric_batch *b = model_metric_batch_new();
	char name[32], *text = malloc(pad + 1);
	size_t m, i;

	if (!b || !text)
		abort();
	memset(text, 'p', pad);
	text[pad] = '\0';
	for (m = 0; m < nmetrics; m++) {
		struct model_metric *mt;

		snprintf(name, sizeof(name), "big.%zu", m);
		mt = model_metric_batch_add(b, name, "a big metric", "1",
					    MODEL_METRIC_SUM,
					    MODEL_TEMPORALITY_CUMULATIVE, true);
		if (!mt)
			abort();
		for (i = 0; i < npoints; i++) {
			struct model_point *p = model_metric_add_point(mt);

			if (!p || model_attrs_set_int(&p->attrs, "big.m", (int64_t)m) ||
			    model_attrs_set_int(&p->attrs, "big.i", (int64_t)i) ||
			    model_attrs_set_str(&p->attrs, "big.pad", text))
				abort();
			p->start_time_ns = SAMPLE_START_NS;
			p->time_ns = SAMPLE_TIME_NS;
			p->as_int = (int64_t)(m * npoints + i);
		}
	}
	free(text);
	return b;
}

#endif /* RIPTEL_TEST_OTLP_SAMPLE_H */
