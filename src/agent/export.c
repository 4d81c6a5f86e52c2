/* export.c - the sender: bounded per-signal queues, one thread per signal, retries, for any exporter. */
#include "export.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "telemetry.h"

#define DEFAULT_MAX_BATCH	512
#define DEFAULT_QUEUE_ITEMS	2048
#define DEFAULT_METRIC_ITEMS	(1u << 20)
#define DEFAULT_QUEUE_REQUESTS	1000
#define DEFAULT_QUEUE_BYTES	((size_t)128 << 20)
/* first guess of how many points fit a request; the sizes seen correct it */
#define FIRST_METRIC_CHUNK	4096

struct req {
	struct req *next;
	uint8_t *data;
	size_t len;
	size_t items;
};

/*
 * One signal: its queue, its thread, its counters.  Everything but the
 * thread handle is guarded by export.mu; the thread drops mu only around
 * ops->send and ops->classify, with cur its own (only this lane's thread
 * takes cur off the queue or settles it).
 */
struct lane {
	struct export *e;
	enum otlp_signal s;
	bool enabled;
	pthread_t thread;
	bool started;
	pthread_cond_t work;		/* the thread: something to do */
	struct req *head, *tail;	/* waiting, not yet tried */
	struct req *cur;		/* in flight or waiting to retry */
	bool busy;			/* the thread is inside a send */
	unsigned int retries;		/* of cur */
	uint64_t first_ms;		/* cur's first attempt */
	uint64_t next_ms;		/* cur's next attempt */
	size_t nreq, nitems, nbytes;	/* including cur */
	size_t max_items;
	struct export_signal_stats st;
};

struct export {
	pthread_mutex_t mu;
	pthread_cond_t idle;		/* flushers: a request finished */
	bool stopping;
	atomic_bool abort;		/* aborts the requests in flight */
	struct export_exporter x;
	struct lane lane[OTLP_SIGNALS];
	struct export_retry_policy policy;
	size_t max_batch;
	size_t max_request;
	size_t max_requests;
	size_t max_bytes;
	uint64_t rng;			/* guarded by mu */
};

const char *export_drop_name(enum export_drop d)
{
	static const char *const names[EXPORT_DROPS] = {
		[EXPORT_DROP_QUEUE_FULL] = "queue_full",
		[EXPORT_DROP_STATUS] = "status",
		[EXPORT_DROP_RETRY_EXHAUSTED] = "retry_exhausted",
		[EXPORT_DROP_ENCODE] = "encode",
		[EXPORT_DROP_TOO_LARGE] = "too_large",
		[EXPORT_DROP_SHUTDOWN] = "shutdown",
		[EXPORT_DROP_DISABLED] = "disabled",
	};

	return (unsigned int)d < EXPORT_DROPS ? names[d] : "unknown";
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void deadline_ts(uint64_t ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ms / 1000);
	ts->tv_nsec = (long)(ms % 1000) * 1000000;
}

/* xorshift64*: jitter needs spread, not secrecy.  Caller holds mu. */
static double rnd01(struct export *e)
{
	e->rng ^= e->rng >> 12;
	e->rng ^= e->rng << 25;
	e->rng ^= e->rng >> 27;
	return (double)((e->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static void req_free(struct req *r)
{
	if (!r)
		return;
	free(r->data);
	free(r);
}

/* Caller holds mu.  r leaves the books of l (not the list). */
static void unaccount(struct lane *l, struct req *r)
{
	l->nreq--;
	l->nitems -= r->items;
	l->nbytes -= r->len;
}

static void drop_locked(struct lane *l, struct req *r, enum export_drop why)
{
	l->st.dropped[why] += r->items;
	unaccount(l, r);
	req_free(r);
}

/* ---- enqueueing (the caller's thread) ------------------------------------- */

/* Take ownership of buf (its data) and queue it; caller holds mu. */
static int push_locked(struct export *e, struct lane *l, struct otlp_buf *buf,
		       size_t items)
{
	struct req *r;

	if (e->stopping) {
		l->st.dropped[EXPORT_DROP_SHUTDOWN] += items;
		return -ESHUTDOWN;
	}
	if (l->nreq + 1 > e->max_requests || l->nitems + items > l->max_items ||
	    l->nbytes + buf->len > e->max_bytes) {
		l->st.dropped[EXPORT_DROP_QUEUE_FULL] += items;
		return -ENOSPC;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		l->st.dropped[EXPORT_DROP_ENCODE] += items;
		return -ENOMEM;
	}
	r->next = NULL;
	r->data = buf->data;
	r->len = buf->len;
	r->items = items;
	buf->data = NULL;
	buf->len = 0;
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->nreq++;
	l->nitems += items;
	l->nbytes += r->len;
	l->st.enqueued += items;
	pthread_cond_signal(&l->work);
	return 0;
}

static int push(struct export *e, enum otlp_signal s, struct otlp_buf *buf,
		size_t items)
{
	int rc;

	pthread_mutex_lock(&e->mu);
	rc = push_locked(e, &e->lane[s], buf, items);
	pthread_mutex_unlock(&e->mu);
	otlp_buf_free(buf);
	return rc;
}

static void count_drop(struct export *e, enum otlp_signal s, size_t items,
		       enum export_drop why)
{
	pthread_mutex_lock(&e->mu);
	e->lane[s].st.dropped[why] += items;
	pthread_mutex_unlock(&e->mu);
}

/* First error wins; -ENOSPC is reported only when nothing worse happened. */
static int worst(int a, int b)
{
	if (!a || a == -ENODATA)
		return b == -ENODATA ? 0 : b;
	return a;
}

/* How many of n items of about len/n bytes each fit max bytes, with a
 * tenth to spare for uneven items; at least 1. */
static size_t fitting(size_t n, size_t len, size_t max)
{
	double f = (double)n * (double)max * 0.9 / (double)(len ? len : 1);

	return f < 1.0 ? 1 : f > (double)SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)f;
}

/*
 * Items [first, first + count) as requests of at most max_request bytes,
 * queued in order.  The number of items per request is guessed from the
 * sizes seen (proportionally, so a batch of any size costs about one
 * encoding per request, plus one retry when a guess was too high); every
 * item lands in exactly one request or one drop count.
 */
static int enqueue_range(struct export *e, enum otlp_signal s,
			 const struct model_resource *res, const void *batch,
			 size_t first, size_t count, size_t guess)
{
	const struct export_ops *ops = e->x.ops;
	int rc = 0;

	while (count) {
		size_t n = guess < count ? guess : count;
		struct otlp_buf buf = { NULL, 0 };
		int r;

		r = ops->encode(e->x.ctx, s, res, batch, first, n, e->max_request,
				&buf);
		if (r == -E2BIG && n > 1) {
			guess = fitting(n, buf.len, e->max_request);
			if (guess >= n)
				guess = n - 1;
			continue;
		}
		if (r == -E2BIG)	/* one item alone: sent alone if it can be */
			r = ops->encode(e->x.ctx, s, res, batch, first, 1,
					OTLP_MAX_REQUEST, &buf);
		if (!r) {
			guess = fitting(n, buf.len, e->max_request);
			r = push(e, s, &buf, n);
		} else if (r != -ENODATA) {
			count_drop(e, s, n, r == -E2BIG ? EXPORT_DROP_TOO_LARGE
						    : EXPORT_DROP_ENCODE);
		}
		rc = worst(rc, r);
		first += n;
		count -= n;
	}
	return rc;
}

/* Spans or logs: max_batch items per request at most, then by size. */
static int enqueue_batched(struct export *e, enum otlp_signal s,
			   const struct model_resource *res, const void *batch,
			   size_t n)
{
	size_t first;
	int rc = 0;

	for (first = 0; first < n; first += e->max_batch) {
		size_t count = n - first < e->max_batch ? n - first : e->max_batch;

		rc = worst(rc, enqueue_range(e, s, res, batch, first, count,
					     count));
	}
	return rc;
}

/* Items of a disabled signal are counted, not encoded. */
static bool disabled(struct export *e, enum otlp_signal s, size_t n)
{
	if (e->lane[s].enabled)
		return false;
	if (n)
		count_drop(e, s, n, EXPORT_DROP_DISABLED);
	return true;
}

int export_enqueue(struct export *e, const struct model_resource *res,
		   const struct model_metric_batch *metrics,
		   const struct model_span_batch *spans,
		   const struct model_log_batch *logs)
{
	int rc = 0;

	if (metrics) {
		size_t points = model_metric_batch_points(metrics);

		if (!disabled(e, OTLP_METRICS, points))
			rc = worst(rc, enqueue_range(e, OTLP_METRICS, res, metrics,
						     0, points,
						     FIRST_METRIC_CHUNK));
	}
	if (spans && !disabled(e, OTLP_TRACES, spans->n))
		rc = worst(rc, enqueue_batched(e, OTLP_TRACES, res, spans,
					       spans->n));
	if (logs && !disabled(e, OTLP_LOGS, logs->n))
		rc = worst(rc, enqueue_batched(e, OTLP_LOGS, res, logs, logs->n));
	return rc;
}

void export_telemetry_hook(void *ctx, const struct model_resource *res,
			   struct telemetry_batches *b)
{
	/* Errors are in the counters; the batches stay the caller's. */
	(void)export_enqueue(ctx, res, b->metrics, b->spans, b->logs);
}

/* ---- the sender threads, one per signal ----------------------------------- */

/* Book the outcome of one attempt of l->cur; caller holds mu. */
static void settle(struct export *e, struct lane *l, int rc,
		   const struct export_response *r,
		   const struct export_outcome *oc)
{
	struct req *cur = l->cur;
	uint64_t now = now_ms(), delay, rejected;

	l->st.attempts++;
	if (rc) {
		snprintf(l->st.last_error, sizeof(l->st.last_error),
			 "request not sent: %s", strerror(-rc));
		l->cur = NULL;
		drop_locked(l, cur, rc == -E2BIG ? EXPORT_DROP_TOO_LARGE
						 : EXPORT_DROP_ENCODE);
		return;
	}
	l->st.last_status = r->status;
	if (!r->status) {
		l->st.transport_errors++;
		snprintf(l->st.last_error, sizeof(l->st.last_error), "%s",
			 r->error);
	}
	if (e->stopping && oc->verdict != EXPORT_VERDICT_DONE) {
		l->cur = NULL;
		drop_locked(l, cur, EXPORT_DROP_SHUTDOWN);
		return;
	}

	switch (oc->verdict) {
	case EXPORT_VERDICT_RETRY:
		if (r->status)
			snprintf(l->st.last_error, sizeof(l->st.last_error),
				 "%s status %ld%s%s", e->x.ops->name, r->status,
				 oc->message[0] ? ": " : "", oc->message);
		if (!export_retry_next(&e->policy, l->retries + 1,
				       now - l->first_ms, r->retry_after_ms,
				       rnd01(e), &delay)) {
			l->retries++;
			l->st.retries++;
			l->next_ms = now + delay;
			return;
		}
		l->cur = NULL;
		drop_locked(l, cur, EXPORT_DROP_RETRY_EXHAUSTED);
		return;
	case EXPORT_VERDICT_DROP:
		snprintf(l->st.last_error, sizeof(l->st.last_error),
			 "%s status %ld%s%s", e->x.ops->name, r->status,
			 oc->message[0] ? ": " : "", oc->message);
		l->cur = NULL;
		drop_locked(l, cur, EXPORT_DROP_STATUS);
		return;
	case EXPORT_VERDICT_DONE:
		break;
	}

	l->cur = NULL;
	l->st.requests++;
	l->st.bytes += r->wire_bytes;
	rejected = oc->rejected < cur->items ? oc->rejected : cur->items;
	if (oc->partial) {
		l->st.partial_successes++;
		snprintf(l->st.last_partial, sizeof(l->st.last_partial), "%s",
			 oc->message);
	}
	l->st.rejected += rejected;
	l->st.sent += cur->items - rejected;
	unaccount(l, cur);
	req_free(cur);
}

static void *lane_main(void *arg)
{
	struct lane *l = arg;
	struct export *e = l->e;
	const struct export_ops *ops = e->x.ops;

	pthread_mutex_lock(&e->mu);
	while (!e->stopping) {
		struct export_response r;
		struct export_outcome oc;
		uint64_t now = now_ms();
		struct req *cur;
		int rc;

		if (!l->cur && l->head) {
			l->cur = l->head;
			l->head = l->head->next;
			if (!l->head)
				l->tail = NULL;
			l->cur->next = NULL;
			l->retries = 0;
			l->first_ms = now;
			l->next_ms = now;
		}
		if (!l->cur) {
			pthread_cond_wait(&l->work, &e->mu);
			continue;
		}
		if (l->next_ms > now) {
			struct timespec ts;

			deadline_ts(l->next_ms, &ts);
			pthread_cond_timedwait(&l->work, &e->mu, &ts);
			continue;
		}
		cur = l->cur;
		l->busy = true;
		pthread_mutex_unlock(&e->mu);

		memset(&r, 0, sizeof(r));
		memset(&oc, 0, sizeof(oc));
		rc = ops->send(e->x.ctx, l->s, cur->data, cur->len, &e->abort, &r);
		if (!rc)
			ops->classify(e->x.ctx, l->s, &r, &oc);

		pthread_mutex_lock(&e->mu);
		settle(e, l, rc, &r, &oc);
		l->busy = false;
		pthread_cond_broadcast(&e->idle);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

/* ---- life cycle ------------------------------------------------------------ */

static bool all_idle(const struct export *e)
{
	int s;

	for (s = 0; s < OTLP_SIGNALS; s++)
		if (e->lane[s].busy || e->lane[s].nreq)
			return false;
	return true;
}

int export_flush(struct export *e, uint64_t timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	struct timespec ts;
	int rc = 0;

	deadline_ts(deadline, &ts);
	pthread_mutex_lock(&e->mu);
	while (!all_idle(e) && !e->stopping) {
		if (pthread_cond_timedwait(&e->idle, &e->mu, &ts) == ETIMEDOUT &&
		    !all_idle(e)) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	if (!rc && !all_idle(e))
		rc = -ETIMEDOUT;
	pthread_mutex_unlock(&e->mu);
	return rc;
}

void export_stats(struct export *e, enum otlp_signal s,
		  struct export_signal_stats *st)
{
	pthread_mutex_lock(&e->mu);
	*st = e->lane[s].st;
	st->queue_requests = e->lane[s].nreq;
	st->queue_items = e->lane[s].nitems;
	st->queue_bytes = e->lane[s].nbytes;
	pthread_mutex_unlock(&e->mu);
}

void export_stats_add(struct export_signal_stats *sum,
		      const struct export_signal_stats *st)
{
	int d;

	sum->enqueued += st->enqueued;
	sum->sent += st->sent;
	sum->rejected += st->rejected;
	for (d = 0; d < EXPORT_DROPS; d++)
		sum->dropped[d] += st->dropped[d];
	sum->requests += st->requests;
	sum->attempts += st->attempts;
	sum->retries += st->retries;
	sum->transport_errors += st->transport_errors;
	sum->partial_successes += st->partial_successes;
	sum->bytes += st->bytes;
	if (st->attempts)
		sum->last_status = st->last_status;
	if (st->last_error[0])
		memcpy(sum->last_error, st->last_error, sizeof(sum->last_error));
	if (st->last_partial[0])
		memcpy(sum->last_partial, st->last_partial, sizeof(sum->last_partial));
}

void export_stop(struct export *e)
{
	int s;

	if (!e)
		return;
	pthread_mutex_lock(&e->mu);
	e->stopping = true;
	atomic_store(&e->abort, true);
	for (s = 0; s < OTLP_SIGNALS; s++)
		pthread_cond_broadcast(&e->lane[s].work);
	pthread_cond_broadcast(&e->idle);
	pthread_mutex_unlock(&e->mu);
	for (s = 0; s < OTLP_SIGNALS; s++) {
		if (e->lane[s].started) {
			pthread_join(e->lane[s].thread, NULL);
			e->lane[s].started = false;
		}
	}
	pthread_mutex_lock(&e->mu);
	for (s = 0; s < OTLP_SIGNALS; s++) {
		struct lane *l = &e->lane[s];
		struct req *r, *next;

		if (l->cur) {
			drop_locked(l, l->cur, EXPORT_DROP_SHUTDOWN);
			l->cur = NULL;
		}
		for (r = l->head; r; r = next) {
			next = r->next;
			drop_locked(l, r, EXPORT_DROP_SHUTDOWN);
		}
		l->head = l->tail = NULL;
	}
	pthread_mutex_unlock(&e->mu);
}

void export_free(struct export *e)
{
	int s;

	if (!e)
		return;
	export_stop(e);
	if (e->x.ops && e->x.ops->free)
		e->x.ops->free(e->x.ctx);
	for (s = 0; s < OTLP_SIGNALS; s++)
		pthread_cond_destroy(&e->lane[s].work);
	pthread_cond_destroy(&e->idle);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

static bool ops_complete(const struct export_ops *ops)
{
	return ops && ops->name && ops->encode && ops->send && ops->classify;
}

int export_new(const struct export_opts *o, const struct export_exporter *x,
	       struct export **out, char *err, size_t errlen)
{
	static const struct export_retry_policy zero;
	pthread_condattr_t ca;
	struct export *e;
	int s, rc;

	*out = NULL;
	if (!ops_complete(x->ops)) {
		snprintf(err, errlen, "incomplete exporter");
		if (x->ops && x->ops->free)
			x->ops->free(x->ctx);
		return -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "out of memory");
		if (x->ops->free)
			x->ops->free(x->ctx);
		return -ENOMEM;
	}
	e->x = *x;
	pthread_mutex_init(&e->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->idle, &ca);
	for (s = 0; s < OTLP_SIGNALS; s++)
		pthread_cond_init(&e->lane[s].work, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&e->abort, false);

	if (!memcmp(&o->retry, &zero, sizeof(zero)))
		export_retry_policy_default(&e->policy);
	else
		e->policy = o->retry;
	if (export_retry_policy_check(&e->policy)) {
		snprintf(err, errlen,
			 "bad retry policy (initial %llu ms, max %llu ms, x%g, jitter %g)",
			 (unsigned long long)e->policy.initial_ms,
			 (unsigned long long)e->policy.max_interval_ms,
			 e->policy.multiplier, e->policy.jitter);
		rc = -EINVAL;
		goto out_free;
	}
	e->max_batch = o->max_batch ? o->max_batch : DEFAULT_MAX_BATCH;
	e->max_request = o->max_request_bytes ? o->max_request_bytes
					      : EXPORT_DEFAULT_MAX_REQUEST;
	if (e->max_request > OTLP_MAX_REQUEST)
		e->max_request = OTLP_MAX_REQUEST;
	e->max_requests = o->queue_requests ? o->queue_requests
					    : DEFAULT_QUEUE_REQUESTS;
	e->max_bytes = o->queue_bytes ? o->queue_bytes : DEFAULT_QUEUE_BYTES;
	e->rng = o->seed ? o->seed : (now_ms() * 0x9e3779b97f4a7c15ULL) | 1;

	for (s = 0; s < OTLP_SIGNALS; s++) {
		struct lane *l = &e->lane[s];

		l->e = e;
		l->s = (enum otlp_signal)s;
		l->enabled = x->signals[s];
		l->max_items = o->queue_items[s] ? o->queue_items[s]
			     : s == OTLP_METRICS ? DEFAULT_METRIC_ITEMS
						 : DEFAULT_QUEUE_ITEMS;
	}
	for (s = 0; s < OTLP_SIGNALS; s++) {
		struct lane *l = &e->lane[s];

		if (!l->enabled)
			continue;
		rc = -pthread_create(&l->thread, NULL, lane_main, l);
		if (rc) {
			snprintf(err, errlen,
				 "cannot start the %s sender thread: %s",
				 otlp_signal_name(l->s), strerror(-rc));
			goto out_free;
		}
		l->started = true;
	}
	*out = e;
	return 0;

out_free:
	export_free(e);
	return rc;
}
