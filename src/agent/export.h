/* export.h - the sender: bounded per-signal queues, one thread per signal, retries, for any exporter. */
#ifndef RIPTEL_EXPORT_H
#define RIPTEL_EXPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export_retry.h"
#include "model.h"
#include "otlp_encode.h"

/*
 * The sender knows queues, threads, retries and counters; an exporter
 * (struct export_ops) knows a wire protocol.  OTLP/HTTP is one
 * (export_otlp.h); Prometheus remote write, Zipkin or OTLP/gRPC plug in
 * the same way, each with its own struct export.
 *
 * export_enqueue() encodes on the caller's thread (the telemetry thread,
 * never the ring drain) into requests of at most max_batch spans or log
 * records and at most max_request_bytes bytes (metrics: points split
 * across requests by size alone), and queues the bytes.  Each signal has
 * its own queue and its own sender thread, so a receiver that hangs or
 * refuses one signal delays no other: one request per signal in flight,
 * retried as export_retry.h says.  Each queue is bounded in requests,
 * items and bytes; what does not fit is dropped and counted.  Every item
 * that enters is, in the end, counted exactly once: sent, rejected
 * (partial success), or dropped for one reason.
 */

#define EXPORT_ERR_MAX			256
#define EXPORT_DEFAULT_MAX_REQUEST	(4u << 20)

/* ---- the exporter interface ---------------------------------------------- */

/* What one attempt got back (filled by an exporter's send). */
struct export_response {
	long status;			/* protocol status (HTTP); 0: no answer */
	uint64_t retry_after_ms;	/* the receiver asked to wait; 0: not */
	const uint8_t *body;		/* valid until this signal's next send */
	size_t body_len;
	size_t wire_bytes;		/* request bytes as sent (compressed) */
	char error[EXPORT_ERR_MAX];	/* transport failure text, or "" */
};

/* What the exporter makes of a response (filled by its classify). */
struct export_outcome {
	enum export_verdict verdict;
	uint64_t rejected;		/* DONE: items the receiver refused */
	bool partial;			/* DONE: the answer was a partial success */
	char message[EXPORT_ERR_MAX - 64];	/* why: error or partial text */
};

/*
 * An exporter.  The sender calls encode on the enqueuing thread and send
 * and classify on the signal's own thread: calls for different signals
 * may run at once, calls for one signal never do.
 */
struct export_ops {
	const char *name;		/* "otlp/http", for messages */
	/*
	 * Items [first, first + count) of batch (a model_metric_batch, whose
	 * items are its data points; a model_span_batch; a model_log_batch)
	 * as one request body of at most max_len bytes.  0; -ENODATA (nothing
	 * to send); -E2BIG with out->len the size needed (the sender splits);
	 * -ENOMEM, -EINVAL.
	 */
	int (*encode)(void *ctx, enum otlp_signal s,
		      const struct model_resource *res, const void *batch,
		      size_t first, size_t count, size_t max_len,
		      struct otlp_buf *out);
	/*
	 * Deliver one request body; stop early when *abort turns true.  0
	 * when an exchange happened (r->status 0: transport failure),
	 * -E2BIG/-ENOMEM/-EIO when nothing could be sent.
	 */
	int (*send)(void *ctx, enum otlp_signal s, const uint8_t *data,
		    size_t len, const atomic_bool *abort,
		    struct export_response *r);
	/* Retry, drop or done, and how many items were refused. */
	void (*classify)(void *ctx, enum otlp_signal s,
			 const struct export_response *r,
			 struct export_outcome *out);
	void (*free)(void *ctx);	/* accepts NULL */
};

/* An exporter instance: ops, its state, and the signals it carries. */
struct export_exporter {
	const struct export_ops *ops;
	void *ctx;
	bool signals[OTLP_SIGNALS];	/* false: items counted as disabled */
};

/* ---- the sender ------------------------------------------------------------ */

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
	struct export_retry_policy retry;	/* all zero: defaults */
	uint32_t max_batch;		/* spans / records per request; 0: 512 */
	/* Request bodies are split above this many bytes (before
	 * compression); one item larger than this alone is sent alone.
	 * 0: EXPORT_DEFAULT_MAX_REQUEST; at most OTLP_MAX_REQUEST. */
	size_t max_request_bytes;
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
	uint64_t attempts;		/* exchanges tried */
	uint64_t retries;		/* attempts scheduled again */
	uint64_t transport_errors;	/* attempts with no answer */
	uint64_t partial_successes;	/* accepted answers with refusals */
	uint64_t bytes;			/* request bytes delivered, as sent */
	uint64_t queue_requests;	/* waiting now, including in flight */
	uint64_t queue_items;
	uint64_t queue_bytes;
	long last_status;		/* last status, 0: none/transport */
	char last_error[EXPORT_ERR_MAX];	/* last failure, "" if none */
	char last_partial[EXPORT_ERR_MAX];	/* last partial-success text */
};

struct export;

/*
 * Start a sender for exporter x, which it owns from now on (x->ops->free
 * runs in export_free, or here on failure).  0, -EINVAL (err says why),
 * -ENOMEM, or -errno from pthread_create.
 */
int export_new(const struct export_opts *o, const struct export_exporter *x,
	       struct export **out, char *err, size_t errlen);

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
 * timeout_ms.  0, or -ETIMEDOUT (what is left stays queued; export_stop
 * drops and counts it).
 */
int export_flush(struct export *e, uint64_t timeout_ms);

void export_stats(struct export *e, enum otlp_signal s,
		  struct export_signal_stats *st);

/*
 * Add the counters of st to sum (the queue gauges are not counters and
 * are left alone; st's last_* texts replace sum's when set).  For totals
 * over exporters replaced at SIGHUP, so nothing counted is forgotten.
 */
void export_stats_add(struct export_signal_stats *sum,
		      const struct export_signal_stats *st);

/* Stop the threads (requests in flight are aborted) and drop, counting it
 * under EXPORT_DROP_SHUTDOWN, whatever is left; stats stay readable and
 * further enqueues are dropped the same way.  Idempotent. */
void export_stop(struct export *e);

/* export_stop(), then free everything, the exporter too.  Accepts NULL. */
void export_free(struct export *e);

#endif /* RIPTEL_EXPORT_H */
