/* json_sink.h - the --output=json sink: one JSON object per line. */
#ifndef RIPTEL_JSON_SINK_H
#define RIPTEL_JSON_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jsonw.h"
#include "pipeline.h"
#include "reader.h"

struct json_sink;

/* Lines go to @f (not closed by the sink).  0 or -ENOMEM. */
int json_sink_create(struct json_sink **out, FILE *f);
void json_sink_destroy(struct json_sink *js);
/* Fill @s so that the pipeline drives @js (and destroys it). */
void json_sink_as_sink(struct json_sink *js, struct sink *s);
/* Write one record line; 0 or -errno (-EIO when @f fails). */
int json_sink_record(struct json_sink *js, const struct riptel_record *r,
		     uint64_t unix_ns);

/* What the agent prints last. */
struct json_summary {
	uint64_t records;		/* handed to the sinks */
	const struct reader_stats *cpus;
	size_t nr_cpus;
	uint64_t queue_dropped;
};

/*
 * The summary object: {"type":"summary","records":N,"cpus":[{"cpu":..,
 * "written":..,"consumed":..,"dropped":..,"consumer_errors":..,
 * "seq_gaps":..,"invalid":..,"seq_errors":..,"head_errors":..,
 * "dropped_nmi":..},...],
 * "dropped_by_type":{"exec":N,...},"queue_dropped":N}.  0 or -errno.
 */
int json_sink_summary(struct jsonw *w, const struct json_summary *s);

#endif /* RIPTEL_JSON_SINK_H */
