/* json_sink.c - the --output=json sink: one JSON object per line. */
#include "json_sink.h"

#include <errno.h>
#include <stdlib.h>

#include "record.h"

struct json_sink {
	FILE *f;
	struct jsonw w;
};

int json_sink_create(struct json_sink **out, FILE *f)
{
	struct json_sink *js = calloc(1, sizeof(*js));

	*out = NULL;
	if (!js)
		return -ENOMEM;
	js->f = f;
	jsonw_init(&js->w);
	*out = js;
	return 0;
}

void json_sink_destroy(struct json_sink *js)
{
	if (!js)
		return;
	jsonw_fini(&js->w);
	free(js);
}

int json_sink_record(struct json_sink *js, const struct riptel_record *r,
		     uint64_t unix_ns)
{
	int ret;

	jsonw_reset(&js->w);
	ret = record_to_json(&js->w, r, unix_ns);
	if (ret && ret != -EINVAL)	/* -EINVAL: unknown type, still written */
		return ret;
	if (fwrite(jsonw_str(&js->w), 1, jsonw_len(&js->w), js->f) !=
	    jsonw_len(&js->w) || fputc('\n', js->f) == EOF)
		return errno ? -errno : -EIO;
	return 0;
}

static int cb_record(void *ctx, const struct riptel_record *r,
		     uint64_t unix_ns)
{
	return json_sink_record(ctx, r, unix_ns);
}

static void cb_flush(void *ctx)
{
	struct json_sink *js = ctx;

	fflush(js->f);
}

static void cb_destroy(void *ctx)
{
	json_sink_destroy(ctx);
}

void json_sink_as_sink(struct json_sink *js, struct sink *s)
{
	s->name = "json";
	s->record = cb_record;
	s->tick = NULL;
	s->flush = cb_flush;
	s->destroy = cb_destroy;
	s->ctx = js;
}

int json_sink_summary(struct jsonw *w, const struct json_summary *s)
{
	uint64_t by_type[RIPTEL_REC_TYPE_MAX] = { 0 };
	unsigned int t;
	size_t i;

	jsonw_obj_begin(w);
	jsonw_kv_string(w, "type", "summary");
	jsonw_kv_u64(w, "records", s->records);
	jsonw_key(w, "cpus");
	jsonw_arr_begin(w);
	for (i = 0; i < s->nr_cpus; i++) {
		const struct reader_stats *c = &s->cpus[i];

		jsonw_obj_begin(w);
		jsonw_kv_u64(w, "cpu", c->cpu);
		jsonw_kv_u64(w, "written", c->written);
		jsonw_kv_u64(w, "consumed", c->consumed);
		jsonw_kv_u64(w, "dropped", c->dropped);
		jsonw_kv_u64(w, "consumer_errors", c->consumer_errors);
		jsonw_kv_u64(w, "seq_gaps", c->seq_gaps);
		jsonw_kv_u64(w, "invalid", c->invalid);
		jsonw_kv_u64(w, "seq_errors", c->seq_errors);
		jsonw_kv_u64(w, "head_errors", c->head_errors);
		jsonw_kv_u64(w, "dropped_nmi", c->dropped_nmi);
		jsonw_kv_u64(w, "dropped_nested", c->dropped_nested);
		jsonw_obj_end(w);
		for (t = 0; t < RIPTEL_REC_TYPE_MAX; t++)
			by_type[t] += c->dropped_type[t];
	}
	jsonw_arr_end(w);
	jsonw_key(w, "dropped_by_type");
	jsonw_obj_begin(w);
	for (t = 0; t < RIPTEL_REC_TYPE_MAX; t++) {
		const char *name = record_type_name((uint16_t)t);
		char other[24];

		if (name) {
			jsonw_kv_u64(w, name, by_type[t]);
		} else if (by_type[t]) {	/* only if something landed there */
			snprintf(other, sizeof(other), "type_%u", t);
			jsonw_kv_u64(w, other, by_type[t]);
		}
	}
	jsonw_obj_end(w);
	jsonw_kv_u64(w, "queue_dropped", s->queue_dropped);
	jsonw_obj_end(w);
	return jsonw_error(w);
}
