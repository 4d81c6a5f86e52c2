/* metrics.h - metric aggregation: series, cardinality limits, temporality. */
#ifndef RIPTEL_METRICS_H
#define RIPTEL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define METRICS_DEFAULT_LIMIT	2000
#define METRICS_MAX_ATTRS	16	/* per recording; more is -E2BIG */
#define METRICS_OVERFLOW_ATTR	"otel.metric.overflow"

/* One attribute of a recording: a string, or an integer when str is NULL. */
struct metrics_kv {
	const char *key;
	const char *str;
	int64_t num;
};

struct metrics_desc {
	const char *name;
	const char *description;
	const char *unit;
	enum model_metric_kind kind;
	bool monotonic;			/* sums */
	const double *bounds;		/* histograms; NULL: metrics_default_bounds */
	size_t nbounds;
};

struct metrics_opts {
	enum model_temporality temporality;	/* default per metric; 0: cumulative */
	size_t cardinality_limit;		/* series per metric; 0: 2000 */
};

/* OpenTelemetry's default explicit bucket bounds. */
extern const double metrics_default_bounds[];
extern const size_t metrics_default_nbounds;

struct metrics;

int metrics_new(const struct metrics_opts *o, struct metrics **out);
void metrics_free(struct metrics *m);

/* Define a metric; its id (>= 0) or -EINVAL / -EEXIST / -ENOMEM. */
int metrics_define(struct metrics *m, const struct metrics_desc *d, uint64_t now_ns);
/*
 * The temporality of one sum or histogram, instead of
 * metrics_opts.temporality (the OTLP temporality preferences choose per
 * instrument kind).  Before the first recording.  0, -EINVAL.
 */
int metrics_set_temporality(struct metrics *m, int id, enum model_temporality t);
/* The id of a defined metric, or -ENOENT. */
int metrics_find(const struct metrics *m, const char *name);

/*
 * Per-metric attribute filters, comma-separated key lists (NULL or "":
 * none).  With an allow list only those keys are kept; deny keys are
 * always removed.  Applies to later recordings.  0, -EINVAL, -ENOMEM.
 */
int metrics_filter(struct metrics *m, int id, const char *allow, const char *deny);

/*
 * Recording.  Attribute order does not matter.  A recording that would
 * create series number limit+1 goes to the one overflow series (attribute
 * otel.metric.overflow=true) instead.  0 or -EINVAL (wrong id or kind),
 * -E2BIG (too many attributes), -ENOMEM.
 */
int metrics_add(struct metrics *m, int id, const struct metrics_kv *kv, size_t n,
		int64_t delta, uint64_t now_ns);		/* sums */
int metrics_set(struct metrics *m, int id, const struct metrics_kv *kv, size_t n,
		int64_t value, uint64_t now_ns);		/* gauges */
int metrics_record(struct metrics *m, int id, const struct metrics_kv *kv, size_t n,
		   double value, uint64_t now_ns);		/* histograms */

/*
 * Append every metric with data to out.  Cumulative: every series, start
 * time = when the series was created (stable across collections).  Delta:
 * series touched since the last collection, start time = the previous
 * collection (or the series' creation, if later), then reset to zero.
 * Gauges report their last value either way.  0 or -ENOMEM.
 */
int metrics_collect(struct metrics *m, uint64_t now_ns, struct model_metric_batch *out);

size_t metrics_series(const struct metrics *m, int id);	/* excluding overflow */
uint64_t metrics_overflowed(const struct metrics *m, int id);	/* recordings folded */

#endif /* RIPTEL_METRICS_H */
