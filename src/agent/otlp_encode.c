/* otlp_encode.c - the agent's telemetry model as OTLP/protobuf request bytes. */
#include "otlp_encode.h"

#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_collector_logs.pb-c.h"
#include "otlp_collector_metrics.pb-c.h"
#include "otlp_collector_trace.pb-c.h"

#ifndef RIPTEL_VERSION
#define RIPTEL_VERSION "0"
#endif

typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope Scope;
typedef Opentelemetry__Proto__Resource__V1__Resource Resource;
typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics ResourceMetrics;
typedef Opentelemetry__Proto__Metrics__V1__ScopeMetrics ScopeMetrics;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Metrics__V1__Sum Sum;
typedef Opentelemetry__Proto__Metrics__V1__Gauge Gauge;
typedef Opentelemetry__Proto__Metrics__V1__Histogram Histogram;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint NumberPoint;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint HistPoint;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans ResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans ScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Trace__V1__Span__Event SpanEvent;
typedef Opentelemetry__Proto__Trace__V1__Status Status;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs ResourceLogs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs ScopeLogs;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LogRecord;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest MetricsReq;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest TraceReq;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest LogsReq;

/*
 * The protobuf-c message tree of one request lives in an arena freed in
 * one go; strings and ids point into the model (protobuf-c only reads them
 * while packing), so nothing but the tree's own nodes is allocated.
 */
#define ARENA_CHUNK	(64u << 10)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	size_t size;
	alignas(max_align_t) unsigned char mem[];
};

struct arena {
	struct arena_chunk *head;
};

static void *arena_alloc(struct arena *a, size_t size)
{
	const size_t align = alignof(max_align_t);
	struct arena_chunk *c = a->head;
	void *p;

	size = (size + align - 1) & ~(align - 1);
	if (!size)
		size = align;
	if (!c || c->size - c->used < size) {
		size_t csize = size > ARENA_CHUNK ? size : ARENA_CHUNK;

		c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->next = a->head;
		c->used = 0;
		c->size = csize;
		a->head = c;
	}
	p = c->mem + c->used;
	c->used += size;
	return p;
}

static void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* An array of n pointers, NULL when n == 0 (protobuf-c accepts that). */
static void **arena_ptrs(struct arena *a, size_t n, bool *fail)
{
	void **v;

	if (!n)
		return NULL;
	v = arena_alloc(a, n * sizeof(*v));
	if (!v)
		*fail = true;
	return v;
}

const char *otlp_signal_name(enum otlp_signal s)
{
	switch (s) {
	case OTLP_METRICS:
		return "metrics";
	case OTLP_TRACES:
		return "traces";
	case OTLP_LOGS:
		return "logs";
	}
	return "unknown";
}

void otlp_buf_free(struct otlp_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

static char *str(const char *s)
{
	return (char *)(s ? s : "");
}

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Binary data pointing at id, empty when the id is all zero (unset). */
static ProtobufCBinaryData id_bytes(const uint8_t *id, size_t n)
{
	ProtobufCBinaryData d = { 0, NULL };

	if (!all_zero(id, n)) {
		d.len = n;
		d.data = (uint8_t *)id;
	}
	return d;
}

static int any_value(AnyValue *av, const struct model_value *v)
{
	*av = (AnyValue)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
	switch (v->type) {
	case MODEL_VALUE_STRING:
		av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		av->string_value = str(v->s);
		return 0;
	case MODEL_VALUE_INT:
		av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		av->int_value = v->i;
		return 0;
	case MODEL_VALUE_DOUBLE:
		av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
		av->double_value = v->d;
		return 0;
	case MODEL_VALUE_BOOL:
		av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
		av->bool_value = v->b;
		return 0;
	}
	return -EINVAL;
}

/* Fill *n_out / *out with the attribute set a.  0, -ENOMEM, -EINVAL. */
static int key_values(struct arena *ar, const struct model_attrs *a,
		      size_t *n_out, KeyValue ***out)
{
	KeyValue **v, *kv;
	AnyValue *av;
	bool fail = false;
	size_t i;
	int err;

	*n_out = 0;
	*out = NULL;
	if (!a || !a->n)
		return 0;
	v = (KeyValue **)arena_ptrs(ar, a->n, &fail);
	kv = arena_alloc(ar, a->n * sizeof(*kv));
	av = arena_alloc(ar, a->n * sizeof(*av));
	if (fail || !kv || !av)
		return -ENOMEM;
	for (i = 0; i < a->n; i++) {
		kv[i] = (KeyValue)OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
		kv[i].key = str(a->v[i].key);
		err = any_value(&av[i], &a->v[i].value);
		if (err)
			return err;
		kv[i].value = &av[i];
		v[i] = &kv[i];
	}
	*n_out = a->n;
	*out = v;
	return 0;
}

static int resource(struct arena *ar, const struct model_resource *res,
		    Resource **out)
{
	Resource *r = arena_alloc(ar, sizeof(*r));

	if (!r)
		return -ENOMEM;
	*r = (Resource)OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
	*out = r;
	return res ? key_values(ar, &res->attrs, &r->n_attributes,
				&r->attributes) : 0;
}

static Scope *scope(struct arena *ar)
{
	Scope *s = arena_alloc(ar, sizeof(*s));

	if (!s)
		return NULL;
	*s = (Scope)OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
	s->name = (char *)MODEL_SCOPE_NAME;
	s->version = (char *)RIPTEL_VERSION;
	return s;
}

/*
 * Pack msg into out unless it is larger than max_len (0: OTLP_MAX_REQUEST,
 * never above it): then -E2BIG with out->len the size it would have had,
 * so a caller splitting the batch knows by how much.
 */
static int pack(const ProtobufCMessage *msg, size_t max_len, struct otlp_buf *out)
{
	size_t len = protobuf_c_message_get_packed_size(msg);

	if (!max_len || max_len > OTLP_MAX_REQUEST)
		max_len = OTLP_MAX_REQUEST;
	if (len > max_len) {
		out->len = len;
		return -E2BIG;
	}
	out->data = malloc(len ? len : 1);
	if (!out->data)
		return -ENOMEM;
	out->len = protobuf_c_message_pack(msg, out->data);
	return 0;
}

/* ---- metrics ------------------------------------------------------------- */

static int number_point(struct arena *ar, const struct model_metric *m,
			const struct model_point *p, NumberPoint **out)
{
	NumberPoint *dp = arena_alloc(ar, sizeof(*dp));

	if (!dp)
		return -ENOMEM;
	*dp = (NumberPoint)OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__INIT;
	/* A gauge has no start time: OTLP says it should not be set. */
	if (m->kind != MODEL_METRIC_GAUGE)
		dp->start_time_unix_nano = p->start_time_ns;
	dp->time_unix_nano = p->time_ns;
	if (p->is_double) {
		dp->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
		dp->as_double = p->as_double;
	} else {
		dp->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
		dp->as_int = p->as_int;
	}
	*out = dp;
	return key_values(ar, &p->attrs, &dp->n_attributes, &dp->attributes);
}

static int hist_point(struct arena *ar, const struct model_point *p,
		      HistPoint **out)
{
	const struct model_hist *h = &p->hist;
	HistPoint *dp = arena_alloc(ar, sizeof(*dp));

	if (!dp)
		return -ENOMEM;
	if (h->nbounds && (!h->bounds || !h->bucket_counts))
		return -EINVAL;
	*dp = (HistPoint)OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__INIT;
	dp->start_time_unix_nano = p->start_time_ns;
	dp->time_unix_nano = p->time_ns;
	dp->count = h->count;
	dp->_sum_case = OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___SUM_SUM;
	dp->sum = h->sum;
	if (h->count) {
		dp->_min_case = OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MIN_MIN;
		dp->min = h->min;
		dp->_max_case = OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MAX_MAX;
		dp->max = h->max;
	}
	/* No bounds: one bucket holding everything, which OTLP allows as
	 * "no buckets" too; send the single count only when we have one. */
	if (h->bucket_counts) {
		dp->n_bucket_counts = h->nbounds + 1;
		dp->bucket_counts = h->bucket_counts;
		dp->n_explicit_bounds = h->nbounds;
		dp->explicit_bounds = h->bounds;
	}
	*out = dp;
	return key_values(ar, &p->attrs, &dp->n_attributes, &dp->attributes);
}

static bool temporality_ok(enum model_temporality t)
{
	return t == MODEL_TEMPORALITY_DELTA || t == MODEL_TEMPORALITY_CUMULATIVE;
}

/* m's points [first, first + n) as one Metric. */
static int metric(struct arena *ar, const struct model_metric *m, size_t first,
		  size_t n, Metric **out)
{
	Metric *om = arena_alloc(ar, sizeof(*om));
	bool fail = false;
	size_t i;
	int err = 0;

	if (!om)
		return -ENOMEM;
	/* Receivers drop sums and histograms of UNSPECIFIED temporality:
	 * refuse to send them rather than lose them quietly downstream. */
	if (m->kind != MODEL_METRIC_GAUGE && !temporality_ok(m->temporality))
		return -EINVAL;
	*om = (Metric)OPENTELEMETRY__PROTO__METRICS__V1__METRIC__INIT;
	om->name = str(m->name);
	om->description = str(m->description);
	om->unit = str(m->unit);
	*out = om;

	switch (m->kind) {
	case MODEL_METRIC_SUM: {
		Sum *s = arena_alloc(ar, sizeof(*s));

		if (!s)
			return -ENOMEM;
		*s = (Sum)OPENTELEMETRY__PROTO__METRICS__V1__SUM__INIT;
		s->aggregation_temporality =
			(Opentelemetry__Proto__Metrics__V1__AggregationTemporality)m->temporality;
		s->is_monotonic = m->monotonic;
		s->data_points = (NumberPoint **)arena_ptrs(ar, n, &fail);
		if (fail)
			return -ENOMEM;
		s->n_data_points = n;
		for (i = 0; i < n && !err; i++)
			err = number_point(ar, m, &m->points[first + i], &s->data_points[i]);
		om->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
		om->sum = s;
		return err;
	}
	case MODEL_METRIC_GAUGE: {
		Gauge *g = arena_alloc(ar, sizeof(*g));

		if (!g)
			return -ENOMEM;
		*g = (Gauge)OPENTELEMETRY__PROTO__METRICS__V1__GAUGE__INIT;
		g->data_points = (NumberPoint **)arena_ptrs(ar, n, &fail);
		if (fail)
			return -ENOMEM;
		g->n_data_points = n;
		for (i = 0; i < n && !err; i++)
			err = number_point(ar, m, &m->points[first + i], &g->data_points[i]);
		om->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
		om->gauge = g;
		return err;
	}
	case MODEL_METRIC_HISTOGRAM: {
		Histogram *h = arena_alloc(ar, sizeof(*h));

		if (!h)
			return -ENOMEM;
		*h = (Histogram)OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM__INIT;
		h->aggregation_temporality =
			(Opentelemetry__Proto__Metrics__V1__AggregationTemporality)m->temporality;
		h->data_points = (HistPoint **)arena_ptrs(ar, n, &fail);
		if (fail)
			return -ENOMEM;
		h->n_data_points = n;
		for (i = 0; i < n && !err; i++)
			err = hist_point(ar, &m->points[first + i], &h->data_points[i]);
		om->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
		om->histogram = h;
		return err;
	}
	}
	return -EINVAL;
}

int otlp_encode_metrics(const struct model_resource *res,
			const struct model_metric_batch *b, size_t first,
			size_t count, size_t max_len, struct otlp_buf *out)
{
	MetricsReq req = OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT;
	ResourceMetrics rm = OPENTELEMETRY__PROTO__METRICS__V1__RESOURCE_METRICS__INIT;
	ScopeMetrics sm = OPENTELEMETRY__PROTO__METRICS__V1__SCOPE_METRICS__INIT;
	ResourceMetrics *rmp = &rm;
	ScopeMetrics *smp = &sm;
	struct arena ar = { NULL };
	size_t i, n = 0, at, end;
	bool fail = false;
	int err;

	if (!out)
		return -EINVAL;
	out->data = NULL;
	out->len = 0;
	if (!b)
		return -EINVAL;
	/* points are numbered across the batch in order; [first, end) */
	end = count > SIZE_MAX - first ? SIZE_MAX : first + count;
	for (i = 0, at = 0; i < b->n; at += b->v[i++].npoints)
		if (b->v[i].npoints && at < end && at + b->v[i].npoints > first)
			n++;
	if (!n)
		return -ENODATA;

	err = resource(&ar, res, &rm.resource);
	if (err)
		goto out_arena;
	sm.scope = scope(&ar);
	sm.metrics = (Metric **)arena_ptrs(&ar, n, &fail);
	if (fail || !sm.scope) {
		err = -ENOMEM;
		goto out_arena;
	}
	for (i = 0, at = 0; i < b->n; at += b->v[i++].npoints) {
		const struct model_metric *m = &b->v[i];
		size_t lo, hi;

		if (!m->npoints || at >= end || at + m->npoints <= first)
			continue;
		lo = first > at ? first - at : 0;
		hi = end - at < m->npoints ? end - at : m->npoints;
		err = metric(&ar, m, lo, hi - lo, &sm.metrics[sm.n_metrics++]);
		if (err)
			goto out_arena;
	}
	rm.n_scope_metrics = 1;
	rm.scope_metrics = &smp;
	req.n_resource_metrics = 1;
	req.resource_metrics = &rmp;
	err = pack(&req.base, max_len, out);
out_arena:
	arena_free(&ar);
	return err;
}

/* ---- spans ----------------------------------------------------------------- */

static int span(struct arena *ar, const struct model_span *s, Span **out)
{
	Span *os = arena_alloc(ar, sizeof(*os));
	bool fail = false;
	size_t i;
	int err;

	if (!os)
		return -ENOMEM;
	*os = (Span)OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT;
	os->trace_id.len = MODEL_TRACE_ID_LEN;
	os->trace_id.data = (uint8_t *)s->trace_id;
	os->span_id.len = MODEL_SPAN_ID_LEN;
	os->span_id.data = (uint8_t *)s->span_id;
	os->parent_span_id = id_bytes(s->parent_span_id, MODEL_SPAN_ID_LEN);
	os->name = str(s->name);
	os->kind = (Opentelemetry__Proto__Trace__V1__SpanKind)s->kind;
	os->start_time_unix_nano = s->start_time_ns;
	os->end_time_unix_nano = s->end_time_ns;
	os->dropped_events_count = s->dropped_events;
	*out = os;
	err = key_values(ar, &s->attrs, &os->n_attributes, &os->attributes);
	if (err)
		return err;

	if (s->nevents) {
		SpanEvent *ev = arena_alloc(ar, s->nevents * sizeof(*ev));

		os->events = (SpanEvent **)arena_ptrs(ar, s->nevents, &fail);
		if (fail || !ev)
			return -ENOMEM;
		os->n_events = s->nevents;
		for (i = 0; i < s->nevents; i++) {
			ev[i] = (SpanEvent)OPENTELEMETRY__PROTO__TRACE__V1__SPAN__EVENT__INIT;
			ev[i].time_unix_nano = s->events[i].time_ns;
			ev[i].name = str(s->events[i].name);
			err = key_values(ar, &s->events[i].attrs,
					 &ev[i].n_attributes, &ev[i].attributes);
			if (err)
				return err;
			os->events[i] = &ev[i];
		}
	}

	if (s->status_code != MODEL_STATUS_UNSET || s->status_message) {
		Status *st = arena_alloc(ar, sizeof(*st));

		if (!st)
			return -ENOMEM;
		*st = (Status)OPENTELEMETRY__PROTO__TRACE__V1__STATUS__INIT;
		st->code = (Opentelemetry__Proto__Trace__V1__Status__StatusCode)s->status_code;
		st->message = str(s->status_message);
		os->status = st;
	}
	return 0;
}

static size_t clamp(size_t n, size_t first, size_t count)
{
	if (first >= n)
		return 0;
	return count < n - first ? count : n - first;
}

int otlp_encode_spans(const struct model_resource *res,
		      const struct model_span_batch *b, size_t first,
		      size_t count, size_t max_len, struct otlp_buf *out)
{
	TraceReq req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	ResourceSpans rs = OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
	ScopeSpans ss = OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
	ResourceSpans *rsp = &rs;
	ScopeSpans *ssp = &ss;
	struct arena ar = { NULL };
	bool fail = false;
	size_t i, n;
	int err;

	if (!out)
		return -EINVAL;
	out->data = NULL;
	out->len = 0;
	if (!b)
		return -EINVAL;
	n = clamp(b->n, first, count);
	if (!n)
		return -ENODATA;

	err = resource(&ar, res, &rs.resource);
	if (err)
		goto out_arena;
	ss.scope = scope(&ar);
	ss.spans = (Span **)arena_ptrs(&ar, n, &fail);
	if (fail || !ss.scope) {
		err = -ENOMEM;
		goto out_arena;
	}
	ss.n_spans = n;
	for (i = 0; i < n; i++) {
		err = span(&ar, &b->v[first + i], &ss.spans[i]);
		if (err)
			goto out_arena;
	}
	rs.n_scope_spans = 1;
	rs.scope_spans = &ssp;
	req.n_resource_spans = 1;
	req.resource_spans = &rsp;
	err = pack(&req.base, max_len, out);
out_arena:
	arena_free(&ar);
	return err;
}

/* ---- logs ------------------------------------------------------------------ */

static int log_record(struct arena *ar, const struct model_log *l,
		      LogRecord **out)
{
	LogRecord *lr = arena_alloc(ar, sizeof(*lr));

	if (!lr)
		return -ENOMEM;
	*lr = (LogRecord)OPENTELEMETRY__PROTO__LOGS__V1__LOG_RECORD__INIT;
	lr->time_unix_nano = l->time_ns;
	lr->observed_time_unix_nano = l->observed_time_ns ? l->observed_time_ns
							  : l->time_ns;
	lr->severity_number =
		(Opentelemetry__Proto__Logs__V1__SeverityNumber)l->severity_number;
	lr->severity_text = str(l->severity_text);
	lr->event_name = str(l->event_name);
	lr->trace_id = id_bytes(l->trace_id, MODEL_TRACE_ID_LEN);
	lr->span_id = id_bytes(l->span_id, MODEL_SPAN_ID_LEN);
	if (l->body) {
		AnyValue *av = arena_alloc(ar, sizeof(*av));

		if (!av)
			return -ENOMEM;
		*av = (AnyValue)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
		av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		av->string_value = l->body;
		lr->body = av;
	}
	*out = lr;
	return key_values(ar, &l->attrs, &lr->n_attributes, &lr->attributes);
}

int otlp_encode_logs(const struct model_resource *res,
		     const struct model_log_batch *b, size_t first,
		     size_t count, size_t max_len, struct otlp_buf *out)
{
	LogsReq req = OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_REQUEST__INIT;
	ResourceLogs rl = OPENTELEMETRY__PROTO__LOGS__V1__RESOURCE_LOGS__INIT;
	ScopeLogs sl = OPENTELEMETRY__PROTO__LOGS__V1__SCOPE_LOGS__INIT;
	ResourceLogs *rlp = &rl;
	ScopeLogs *slp = &sl;
	struct arena ar = { NULL };
	bool fail = false;
	size_t i, n;
	int err;

	if (!out)
		return -EINVAL;
	out->data = NULL;
	out->len = 0;
	if (!b)
		return -EINVAL;
	n = clamp(b->n, first, count);
	if (!n)
		return -ENODATA;

	err = resource(&ar, res, &rl.resource);
	if (err)
		goto out_arena;
	sl.scope = scope(&ar);
	sl.log_records = (LogRecord **)arena_ptrs(&ar, n, &fail);
	if (fail || !sl.scope) {
		err = -ENOMEM;
		goto out_arena;
	}
	sl.n_log_records = n;
	for (i = 0; i < n; i++) {
		err = log_record(&ar, &b->v[first + i], &sl.log_records[i]);
		if (err)
			goto out_arena;
	}
	rl.n_scope_logs = 1;
	rl.scope_logs = &slp;
	req.n_resource_logs = 1;
	req.resource_logs = &rlp;
	err = pack(&req.base, max_len, out);
out_arena:
	arena_free(&ar);
	return err;
}
