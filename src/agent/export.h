/* export.h - the OTLP exporter: per-signal bounded queues, one sender thread, retries. */
#ifndef RIPTEL_EXPORT_H
#define RIPTEL_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export_http.h"
#include "export_retry.h"
#include "model.h"
#include "otlp_encode.h"

/*
 * export_enqueue() encodes on the caller's thread (the telemetry thread,
 * never the ring drain) into requests of at most max_batch spans or log
 * records, and queues the bytes.  One exporter thread sends them, one
 * request per signal in flight, retrying as export_retry.h says without
 * holding up the other signals.  Each signal's queue is bounded in
 * requests, items and bytes; what does not fit is dropped and counted.
 * Every item that enters is, in the end, counted exactly once: sent,
 * rejected (partial success), or dropped for one reason.
 */

enum export_drop {
	EXPORT_DROP_QUEUE_FULL,		/* the signal's queue was full */
	EXPORT_DROP_STATUS,		/* a status that must not be retried */
	EXPORT_DROP_RETRY_EXHAUSTED,	/* retried until max_elapsed */
	EXPORT_DROP_ENCODE,		/* could not encode or compress */
	EXPORT_DROP_TOO_LARGE,		/* one item alone over 64 MiB */
	EXPORT_DROP_SHUTDOWN,		/* still queued at export_free */
	EXPORT_DROP_DISABLED,		/* the signal has no endpoint */
	EXPORT_DROPS
};

const char *export_drop_name(enum export_drop d);

struct export_opts {
	/* Per signal (enum otlp_signal); url NULL: the signal is not sent.
	 * The abort member is the exporter's own and is overwritten. */
	struct export_http_opts http[OTLP_SIGNALS];
	struct export_retry_policy retry;	/* all zero: defaults */
	uint32_t max_batch;		/* spans / records per request; 0: 512 */
	uint32_t queue_items[OTLP_SIGNALS];	/* 0: 2048 (metrics: 1 << 20) */
	uint32_t queue_requests;	/* per signal; 0: 1000 */
	size_t queue_bytes;		/* per signal; 0: 128 MiB */
	uint64_t seed;			/* jitter; 0: from the clock */
};

/* Counters of one signal; items are points, spans or log records. */
struct export_signal_stats {
	uint64_t enqueued;		/* items accepted into the queue */
	uint64_t sent;			/* items the receiver accepted */
	uint64_t rejected;		/* items refused in a partial success */
	uint64_t dropped[EXPORT_DROPS];	/* items, by reason */
	uint64_t requests;		/* requests delivered (2xx) */
	uint64_t attempts;		/* HTTP exchanges tried */
	uint64_t retries;		/* attempts scheduled again */
	uint64_t transport_errors;	/* attempts with no HTTP answer */
	uint64_t partial_successes;	/* 2xx answers with partial_success */
	uint64_t bytes;			/* request bytes delivered, as sent */
	uint64_t queue_requests;	/* waiting now, including in flight */
	uint64_t queue_items;
	long last_status;		/* last HTTP status, 0: none/transport */
	char last_error[EXPORT_HTTP_ERR_MAX];	/* last failure, "" if none */
	char last_partial[EXPORT_HTTP_ERR_MAX];	/* last partial error_message */
};

struct export;

/* Create the HTTP handles and start the thread.  0, -EINVAL (err says
 * why), -ENOMEM, or -errno from pthread_create. */
int export_new(const struct export_opts *o, struct export **out, char *err,
	       size_t errlen);

/*
 * Encode and queue whatever of the three batches is non-NULL and non-empty
 * (the batches are only read).  0, or -ENOSPC when some items were
 * dropped for a full queue, -ESHUTDOWN after export_stop(),
 * -EINVAL/-ENOMEM/-E2BIG when some could not be encoded; either way the
 * counters say how many.
 */
int export_enqueue(struct export *e, const struct model_resource *res,
		   const struct model_metric_batch *metrics,
		   const struct model_span_batch *spans,
		   const struct model_log_batch *logs);

/* A telemetry_export_fn (telemetry.h): ctx is the struct export. */
struct telemetry_batches;
void export_telemetry_hook(void *ctx, const struct model_resource *res,
			   struct telemetry_batches *b);

/*
 * Wait until every queue is empty and nothing is in flight, at most
 * timeout_ms.  0, or -ETIMEDOUT (what is left stays queued; export_free
 * drops and counts it).
 */
int export_flush(struct export *e, uint64_t timeout_ms);

void export_stats(struct export *e, enum otlp_signal s,
		  struct export_signal_stats *st);

/* Stop the thread (a request in flight is aborted) and drop, counting it
 * under EXPORT_DROP_SHUTDOWN, whatever is left; stats stay readable and
 * further enqueues are dropped the same way.  Idempotent. */
void export_stop(struct export *e);

/* export_stop(), then free everything.  Accepts NULL. */
void export_free(struct export *e);

#endif /* RIPTEL_EXPORT_H */
