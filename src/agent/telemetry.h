/* telemetry.h - the sink turning records into metrics, spans and logs. */
#ifndef RIPTEL_TELEMETRY_H
#define RIPTEL_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "model.h"
#include "pipeline.h"
#include "resource.h"
#include "riptel.h"
#include "spans.h"

/* The pipeline's own health, as cumulative totals; main.c fills it. */
struct telemetry_health {
	uint64_t records_read;
	uint64_t ring_dropped[RIPTEL_REC_TYPE_MAX];	/* by record type */
	uint64_t seq_gaps;
	uint64_t queue_dropped;		/* drain -> pipeline queue */
	uint64_t export_queue_depth;	/* a gauge: batches waiting now */
	uint64_t export_failures;
};
typedef void (*telemetry_health_fn)(void *ctx, struct telemetry_health *h);

/*
 * What one collection produced.  Any pointer may be NULL (nothing of that
 * signal this time).  An export callback may take ownership of a batch by
 * setting its pointer to NULL; whatever is left is freed after the call.
 */
struct telemetry_batches {
	struct model_metric_batch *metrics;
	struct model_span_batch *spans;
	struct model_log_batch *logs;
};
typedef void (*telemetry_export_fn)(void *ctx, const struct model_resource *res,
				    struct telemetry_batches *b);
void telemetry_batches_free(struct telemetry_batches *b);

/*
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, per instrument kind
 * as the OTLP metrics exporter specification defines it.  The agent's
 * instruments: counters of events (riptides.connections, ...) and
 * histograms are synchronous; the riptides.agent.* counters are observed
 * totals (asynchronous counters); gauges have no temporality.
 *   cumulative  everything cumulative
 *   delta       counters of both kinds and histograms delta
 *   lowmemory   synchronous counters and histograms delta, observed
 *               totals cumulative
 */
enum telemetry_temporality {
	TELEMETRY_TEMPORALITY_CUMULATIVE = 0,
	TELEMETRY_TEMPORALITY_DELTA,
	TELEMETRY_TEMPORALITY_LOWMEMORY,
	TELEMETRY_TEMPORALITIES
};

/* The name ("cumulative", "delta", "lowmemory"), or NULL. */
const char *telemetry_temporality_name(enum telemetry_temporality t);
/* Case-insensitive, as the specification asks; false: not one of them. */
bool telemetry_temporality_parse(const char *s, enum telemetry_temporality *t);

#define TELEMETRY_METRICS	(1U << 0)
#define TELEMETRY_SPANS		(1U << 1)
#define TELEMETRY_LOGS		(1U << 2)
#define TELEMETRY_ALL		(TELEMETRY_METRICS | TELEMETRY_SPANS | TELEMETRY_LOGS)

struct telemetry_opts {
	/* enrichment */
	const char *proc_root;		/* NULL: "/proc" */
	size_t process_cache;		/* 0: 16384 */
	bool cmdline;			/* process.command_line, redacted */
	const char *redact_rules;	/* ';'-separated EREs; NULL: defaults */
	const char *cgroup_root;	/* NULL: /sys/fs/cgroup (ids of task-less records) */
	/* metrics */
	enum telemetry_temporality temporality;	/* 0: cumulative */
	size_t cardinality_limit;	/* 0: 2000 */
	uint64_t metric_interval_ns;	/* 0: 60 s */
	/* spans and logs */
	size_t max_open_spans;		/* 0: 65536 */
	size_t max_pending;		/* spans / log records between exports; 0: 8192 */
	bool flush_unfinished;
	bool no_tcp_spans;		/* spans only from riptides intercepts */
	bool span_process_detail;	/* all process attributes on spans and logs */
	uint32_t ignore_tgid;		/* connections of this process not reported */
	uint64_t reorder_window_ns;	/* 0: 500 ms */
	/* how long past its reorder window a closed connection may wait for
	 * records when none newer arrive (drain lag allowance); 0: 2 s */
	uint64_t idle_lag_ns;
	uint64_t trace_interval_ns;	/* spans and logs export; 0: 5 s */
	/* identity */
	spans_resolve_fn resolve;	/* NULL: every SPIFFE ID "unknown" */
	void *resolve_ctx;
	/* resource */
	struct resource_opts resource;
	/* hooks */
	telemetry_health_fn health;	/* NULL: no pipeline health metrics */
	void *health_ctx;
	telemetry_export_fn export;	/* NULL: batches wait for telemetry_collect */
	void *export_ctx;
	/*
	 * Every conversion to Unix time goes through clock, read when a
	 * span, log record or metrics export is made; its owner refreshes it
	 * (the runner's pipeline loop does, every tick).  NULL: clock_set
	 * gives a fixed Unix ns = CLOCK_MONOTONIC ns + mono_to_real_ns (a
	 * replay, tests), else telemetry measures the wall clock itself and
	 * refreshes it at every collection.
	 */
	const struct clock_conv *clock;
	bool clock_set;
	int64_t mono_to_real_ns;
	int64_t mono_to_boot_ns;
};

struct telemetry_stats {
	uint64_t records;		/* handled */
	uint64_t ignored;		/* types the model does not use */
	uint64_t enrich_misses;
	uint64_t spans_evicted;
	uint64_t spans_dropped;
	uint64_t spans_late;
	uint64_t logs_dropped;
	uint64_t metric_errors;
	size_t open_connections;
};

struct telemetry;

/* 0, or -EINVAL (a bad option, explained in err) / -ENOMEM. */
int telemetry_new(const struct telemetry_opts *o, struct telemetry **out,
		  char *err, size_t errlen);
void telemetry_free(struct telemetry *t);

/* One record.  unix_ns (what the pipeline passes every sink) is not used:
 * telemetry converts the record's ts_ns itself, through its clock, when
 * it makes a span, a log record or a metrics export. */
int telemetry_record(struct telemetry *t, const struct riptel_record *r,
		     uint64_t unix_ns);
/* Time passes: finish spans past the reorder window; at each interval
 * collect and hand the batches to the export hook. */
int telemetry_tick(struct telemetry *t, uint64_t now_mono_ns);
/* Collect the given signals (TELEMETRY_*) now into out (the caller frees
 * with telemetry_batches_free).  0 or -ENOMEM. */
int telemetry_collect(struct telemetry *t, uint64_t now_mono_ns, unsigned int signals,
		      struct telemetry_batches *out);
/* Shutdown: finish what can be finished (open spans only with
 * flush_unfinished), collect everything and export it. */
void telemetry_flush(struct telemetry *t);

/* Restrict a metric's attributes (comma lists); -ENOENT unknown metric. */
int telemetry_metric_filter(struct telemetry *t, const char *metric,
			    const char *allow, const char *deny);
/*
 * Apply "METRIC:allow=a,b:deny=c;METRIC2:deny=d" (the metrics.attribute_filters
 * key): every entry is checked first, so a bad spec changes nothing.
 * 0, -EINVAL (syntax) or -ENOENT (unknown metric), with the reason in err.
 */
int telemetry_metric_filters(struct telemetry *t, const char *spec, char *err,
			     size_t errlen);
/* The same checks without a telemetry instance (--check-config). */
int telemetry_metric_filters_check(const char *spec, char *err, size_t errlen);
const struct model_resource *telemetry_resource(const struct telemetry *t);
void telemetry_stats(const struct telemetry *t, struct telemetry_stats *st);

/* Fill s so that a pipeline drives t (and frees it in destroy). */
void telemetry_as_sink(struct telemetry *t, struct sink *s);

#endif /* RIPTEL_TELEMETRY_H */
