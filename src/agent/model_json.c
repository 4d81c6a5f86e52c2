/* model_json.c - telemetry model objects as JSON, for --output=json. */
#include "model_json.h"

#include <stdio.h>

static void attrs(struct jsonw *w, const struct model_attrs *a)
{
	jsonw_key(w, "attributes");
	jsonw_obj_begin(w);
	for (size_t i = 0; i < a->n; i++) {
		const struct model_value *v = &a->v[i].value;

		jsonw_key(w, a->v[i].key);
		switch (v->type) {
		case MODEL_VALUE_STRING:
			jsonw_string(w, v->s);
			break;
		case MODEL_VALUE_INT:
			jsonw_i64(w, v->i);
			break;
		case MODEL_VALUE_DOUBLE:
			jsonw_double(w, v->d);
			break;
		case MODEL_VALUE_BOOL:
			jsonw_bool(w, v->b);
			break;
		default:
			jsonw_null(w);
		}
	}
	jsonw_obj_end(w);
}

/* Lower-case hex of an id; all-zero ids (none) are written as "". */
static void hex_id(struct jsonw *w, const char *key, const uint8_t *id,
		   size_t n)
{
	char buf[2 * MODEL_TRACE_ID_LEN + 1];
	bool zero = true;

	for (size_t i = 0; i < n; i++) {
		snprintf(buf + 2 * i, 3, "%02x", id[i]);
		if (id[i])
			zero = false;
	}
	jsonw_kv_string(w, key, zero ? "" : buf);
}

static const char *kind_name(enum model_metric_kind k)
{
	switch (k) {
	case MODEL_METRIC_SUM:
		return "sum";
	case MODEL_METRIC_GAUGE:
		return "gauge";
	case MODEL_METRIC_HISTOGRAM:
		return "histogram";
	}
	return "unknown";
}

static void point(struct jsonw *w, const struct model_metric *m,
		  const struct model_point *p)
{
	const struct model_hist *h = &p->hist;

	jsonw_obj_begin(w);
	attrs(w, &p->attrs);
	if (m->kind != MODEL_METRIC_GAUGE)
		jsonw_kv_u64(w, "start_time_unix_nano", p->start_time_ns);
	jsonw_kv_u64(w, "time_unix_nano", p->time_ns);
	if (m->kind == MODEL_METRIC_HISTOGRAM) {
		jsonw_kv_u64(w, "count", h->count);
		jsonw_key(w, "sum");
		jsonw_double(w, h->sum);
		if (h->count) {
			jsonw_key(w, "min");
			jsonw_double(w, h->min);
			jsonw_key(w, "max");
			jsonw_double(w, h->max);
		}
		jsonw_key(w, "bounds");
		jsonw_arr_begin(w);
		for (size_t i = 0; i < h->nbounds; i++)
			jsonw_double(w, h->bounds[i]);
		jsonw_arr_end(w);
		jsonw_key(w, "bucket_counts");
		jsonw_arr_begin(w);
		for (size_t i = 0; h->bucket_counts && i <= h->nbounds; i++)
			jsonw_u64(w, h->bucket_counts[i]);
		jsonw_arr_end(w);
	} else {
		jsonw_key(w, "value");
		if (p->is_double)
			jsonw_double(w, p->as_double);
		else
			jsonw_i64(w, p->as_int);
	}
	jsonw_obj_end(w);
}

void model_json_metric(struct jsonw *w, const struct model_metric *m)
{
	jsonw_obj_begin(w);
	jsonw_kv_string(w, "type", "metric");
	jsonw_kv_string(w, "name", m->name);
	jsonw_kv_string(w, "unit", m->unit ? m->unit : "");
	jsonw_kv_string(w, "description", m->description ? m->description : "");
	jsonw_kv_string(w, "kind", kind_name(m->kind));
	if (m->kind != MODEL_METRIC_GAUGE)
		jsonw_kv_string(w, "temporality",
				m->temporality == MODEL_TEMPORALITY_DELTA ?
				"delta" : "cumulative");
	if (m->kind == MODEL_METRIC_SUM)
		jsonw_kv_bool(w, "monotonic", m->monotonic);
	jsonw_key(w, "points");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < m->npoints; i++)
		point(w, m, &m->points[i]);
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

static const char *span_kind_name(enum model_span_kind k)
{
	switch (k) {
	case MODEL_SPAN_SERVER:
		return "server";
	case MODEL_SPAN_CLIENT:
		return "client";
	case MODEL_SPAN_INTERNAL:
		return "internal";
	}
	return "unspecified";
}

static const char *status_name(enum model_status_code c)
{
	switch (c) {
	case MODEL_STATUS_OK:
		return "ok";
	case MODEL_STATUS_ERROR:
		return "error";
	case MODEL_STATUS_UNSET:
		break;
	}
	return "unset";
}

void model_json_span(struct jsonw *w, const struct model_span *s)
{
	jsonw_obj_begin(w);
	jsonw_kv_string(w, "type", "span");
	hex_id(w, "trace_id", s->trace_id, MODEL_TRACE_ID_LEN);
	hex_id(w, "span_id", s->span_id, MODEL_SPAN_ID_LEN);
	hex_id(w, "parent_span_id", s->parent_span_id, MODEL_SPAN_ID_LEN);
	jsonw_kv_string(w, "name", s->name ? s->name : "");
	jsonw_kv_string(w, "kind", span_kind_name(s->kind));
	jsonw_kv_u64(w, "start_time_unix_nano", s->start_time_ns);
	jsonw_kv_u64(w, "end_time_unix_nano", s->end_time_ns);
	jsonw_key(w, "status");
	jsonw_obj_begin(w);
	jsonw_kv_string(w, "code", status_name(s->status_code));
	if (s->status_message)
		jsonw_kv_string(w, "message", s->status_message);
	jsonw_obj_end(w);
	attrs(w, &s->attrs);
	jsonw_key(w, "events");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < s->nevents; i++) {
		jsonw_obj_begin(w);
		jsonw_kv_u64(w, "time_unix_nano", s->events[i].time_ns);
		jsonw_kv_string(w, "name", s->events[i].name);
		attrs(w, &s->events[i].attrs);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	if (s->dropped_events)
		jsonw_kv_u64(w, "dropped_events_count", s->dropped_events);
	jsonw_obj_end(w);
}

void model_json_log(struct jsonw *w, const struct model_log *l)
{
	jsonw_obj_begin(w);
	jsonw_kv_string(w, "type", "log");
	jsonw_kv_u64(w, "time_unix_nano", l->time_ns);
	jsonw_kv_u64(w, "observed_time_unix_nano", l->observed_time_ns);
	jsonw_kv_i64(w, "severity_number", l->severity_number);
	jsonw_kv_string(w, "severity_text",
			l->severity_text ? l->severity_text : "");
	jsonw_kv_string(w, "body", l->body ? l->body : "");
	if (l->event_name)
		jsonw_kv_string(w, "event_name", l->event_name);
	hex_id(w, "trace_id", l->trace_id, MODEL_TRACE_ID_LEN);
	hex_id(w, "span_id", l->span_id, MODEL_SPAN_ID_LEN);
	attrs(w, &l->attrs);
	jsonw_obj_end(w);
}

void model_json_resource(struct jsonw *w, const struct model_resource *r)
{
	jsonw_obj_begin(w);
	jsonw_kv_string(w, "type", "resource");
	attrs(w, &r->attrs);
	jsonw_obj_end(w);
}
