/* otlp_encode.h - the agent's telemetry model as OTLP/protobuf request bytes. */
#ifndef RIPTEL_OTLP_ENCODE_H
#define RIPTEL_OTLP_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/*
 * Pure functions: a model batch (plus the resource it describes) in, the
 * serialised Export{Metrics,Trace,Logs}ServiceRequest out.  Nothing in the
 * model is changed or kept.
 *
 * Every request holds one ResourceX with one ScopeX (scope "riptel", the
 * agent's version).  The encoders never produce an empty request: with no
 * data point, span or log record to send they return -ENODATA.
 *
 * Each encodes a range of items (points, spans, log records) into a
 * request of at most max_len bytes (0, or anything above
 * OTLP_MAX_REQUEST: OTLP_MAX_REQUEST, which no receiver should be sent).
 * A larger request is not built: -E2BIG, with out->len set to the size it
 * would have had (out->data NULL), so the caller can split the range in
 * proportion.
 */

#define OTLP_MAX_REQUEST	(64u << 20)

/* The three OTLP signals; the value indexes per-signal arrays. */
enum otlp_signal {
	OTLP_METRICS = 0,
	OTLP_TRACES = 1,
	OTLP_LOGS = 2,
};
#define OTLP_SIGNALS	3

/* "metrics", "traces", "logs": the /v1/<name> path and the env-var part. */
const char *otlp_signal_name(enum otlp_signal s);

/* Encoded bytes, malloc'd; otlp_buf_free() releases and zeroes. */
struct otlp_buf {
	uint8_t *data;
	size_t len;
};

void otlp_buf_free(struct otlp_buf *b);

/*
 * Data points [first, first + count) of the batch, numbered across its
 * metrics in order (model_metric_batch_points() in all; count SIZE_MAX:
 * to the end).  A metric whose points straddle the range is sent with the
 * points inside it, so splitting a batch into consecutive ranges puts
 * every point in exactly one request.  Metrics with no point in the range
 * are left out (a range without points is -ENODATA).  Sums carry
 * temporality and is_monotonic, histograms temporality and bucket_counts
 * of nbounds + 1 entries.  0, -ENODATA, -E2BIG, -ENOMEM, -EINVAL (NULL
 * argument, a metric of unknown kind, a sum or histogram without DELTA or
 * CUMULATIVE temporality).
 */
int otlp_encode_metrics(const struct model_resource *res,
			const struct model_metric_batch *b, size_t first,
			size_t count, size_t max_len, struct otlp_buf *out);

/* Spans b->v[first .. first + count) (clamped to the batch). */
int otlp_encode_spans(const struct model_resource *res,
		      const struct model_span_batch *b, size_t first,
		      size_t count, size_t max_len, struct otlp_buf *out);

/* Log records b->v[first .. first + count) (clamped to the batch). */
int otlp_encode_logs(const struct model_resource *res,
		     const struct model_log_batch *b, size_t first,
		     size_t count, size_t max_len, struct otlp_buf *out);

#endif /* RIPTEL_OTLP_ENCODE_H */
