/* prom_text.h - render a metric batch as Prometheus text exposition 0.0.4. */
#ifndef RIPTEL_PROM_TEXT_H
#define RIPTEL_PROM_TEXT_H

#include <stddef.h>

#include "model.h"

/*
 * The mapping follows OpenTelemetry's Prometheus compatibility rules:
 *
 * - metric names: characters outside [a-zA-Z0-9_:] become '_', runs of
 *   '_' collapse to one, leading and trailing '_' are dropped, a leading
 *   digit gets a '_' in front;
 * - units: "{...}" annotations add nothing; "1" adds "_ratio" to gauges
 *   only; known UCUM units become words (s -> seconds, ms -> milliseconds,
 *   By -> bytes, ...); "a/b" becomes "a_per_b" (s -> second, ...); other
 *   units are sanitised and used as they are.  The unit suffix is added
 *   only when the name does not already end with it;
 * - monotonic cumulative sums are counters named with "_total" (added
 *   after the unit, never twice); non-monotonic sums and gauges are gauges;
 * - histograms give <name>_bucket{le="..."} with cumulative counts ending
 *   in le="+Inf" (= _count), <name>_sum and <name>_count;
 * - label names: invalid characters become '_', a leading digit gets
 *   "key_" in front, a leading "__" (reserved by Prometheus) gets "key";
 *   attributes that collide after that are merged into one label whose
 *   values are joined with ';' in the order of the original keys;
 * - label values and HELP text are escaped (\\, \" in values only, \n);
 * - the resource becomes target_info{<resource attributes>} 1, a gauge
 *   (job and instance are the scraper's to add);
 * - delta sums and delta histograms cannot be shown as Prometheus
 *   counters without keeping state across batches: they are skipped and
 *   counted (serve the endpoint from a cumulative collection);
 * - a metric whose name sanitises to nothing, or to a name already used
 *   by an earlier metric of the batch, is skipped and counted;
 * - samples carry no timestamp: the scraper stamps them.
 */

#define PROM_TEXT_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct prom_text_stats {
	size_t families;	/* # TYPE blocks written, target_info included */
	size_t samples;		/* sample lines written */
	size_t skipped_delta;	/* metrics skipped: delta temporality */
	size_t skipped_name;	/* metrics skipped: empty or duplicate name */
};

/*
 * Render b (may be NULL) and res (may be NULL: no target_info) into a
 * malloc'd NUL-terminated text, *out, of *outlen bytes (outlen and st may
 * be NULL).  0, or -ENOMEM (then *out is NULL).
 */
int prom_text_render(const struct model_metric_batch *b,
		     const struct model_resource *res,
		     char **out, size_t *outlen, struct prom_text_stats *st);

/* The Prometheus family name of m (before _bucket/_sum/_count).
 * 0, -EINVAL (nothing valid left), -ENAMETOOLONG (buf too small). */
int prom_text_metric_name(const struct model_metric *m, char *buf, size_t len);

/* The Prometheus label name of attribute key.  0, -EINVAL (empty key),
 * -ENAMETOOLONG (buf too small). */
int prom_text_label_name(const char *key, char *buf, size_t len);

#endif /* RIPTEL_PROM_TEXT_H */
