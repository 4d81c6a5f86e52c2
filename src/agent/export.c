/* export.c - the OTLP exporter: per-signal bounded queues, one sender thread, retries. */
#include "export.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otlp_response.h"
#include "telemetry.h"

#define DEFAULT_MAX_BATCH	512
#define DEFAULT_QUEUE_ITEMS	2048
#define DEFAULT_METRIC_ITEMS	(1u << 20)
#define DEFAULT_QUEUE_REQUESTS	1000
#define DEFAULT_QUEUE_BYTES	((size_t)128 << 20)

struct req {
	struct req *next;
	uint8_t *data;
	size_t len;
	size_t items;
};

struct sigq {
	struct export_http *http;	/* NULL: signal disabled */
	struct req *head, *tail;	/* waiting, not yet tried */
	struct req *cur;		/* in flight or waiting to retry */
	unsigned int retries;		/* of cur */
	uint64_t first_ms;		/* cur's first attempt */
	uint64_t next_ms;		/* cur's next attempt */
	size_t nreq, nitems, nbytes;	/* including cur */
	size_t max_items;
	struct export_signal_stats st;
};

struct export {
	pthread_mutex_t mu;
	pthread_cond_t work;		/* the thread: something to do */
	pthread_cond_t idle;		/* flushers: a request finished */
	pthread_t thread;
	bool started;
	bool stopping;
	atomic_bool abort;		/* aborts the request in flight */
	bool busy;			/* the thread is inside a send */
	unsigned int last;		/* round-robin position */
	struct sigq q[OTLP_SIGNALS];
	struct export_retry_policy policy;
	size_t max_batch;
	size_t max_requests;
	size_t max_bytes;
	uint64_t rng;
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

/* xorshift64*: jitter needs spread, not secrecy. */
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

/* Caller holds mu.  r leaves the books of q (not the list). */
static void unaccount(struct sigq *q, struct req *r)
{
	q->nreq--;
	q->nitems -= r->items;
	q->nbytes -= r->len;
}

static void drop_locked(struct sigq *q, struct req *r, enum export_drop why)
{
	q->st.dropped[why] += r->items;
	unaccount(q, r);
	req_free(r);
}

/* Take ownership of buf (its data) and queue it; caller holds mu. */
static int push_locked(struct export *e, struct sigq *q, struct otlp_buf *buf,
		       size_t items)
{
	struct req *r;

	if (e->stopping) {
		q->st.dropped[EXPORT_DROP_SHUTDOWN] += items;
		return -ESHUTDOWN;
	}
	if (!q->http) {
		q->st.dropped[EXPORT_DROP_DISABLED] += items;
		return 0;
	}
	if (q->nreq + 1 > e->max_requests || q->nitems + items > q->max_items ||
	    q->nbytes + buf->len > e->max_bytes) {
		q->st.dropped[EXPORT_DROP_QUEUE_FULL] += items;
		return -ENOSPC;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		q->st.dropped[EXPORT_DROP_ENCODE] += items;
		return -ENOMEM;
	}
	r->next = NULL;
	r->data = buf->data;
	r->len = buf->len;
	r->items = items;
	buf->data = NULL;
	buf->len = 0;
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	q->nreq++;
	q->nitems += items;
	q->nbytes += r->len;
	q->st.enqueued += items;
	pthread_cond_signal(&e->work);
	return 0;
}

static int push(struct export *e, enum otlp_signal s, struct otlp_buf *buf,
		size_t items)
{
	int rc;

	pthread_mutex_lock(&e->mu);
	rc = push_locked(e, &e->q[s], buf, items);
	pthread_mutex_unlock(&e->mu);
	otlp_buf_free(buf);
	return rc;
}

static void count_drop(struct export *e, enum otlp_signal s, size_t items,
		       enum export_drop why)
{
	pthread_mutex_lock(&e->mu);
	e->q[s].st.dropped[why] += items;
	pthread_mutex_unlock(&e->mu);
}

/* First error wins; -ENOSPC is reported only when nothing worse happened. */
static int worst(int a, int b)
{
	if (!a || a == -ENODATA)
		return b == -ENODATA ? 0 : b;
	return a;
}

typedef int (*encode_range_fn)(const struct model_resource *res,
			       const void *batch, size_t first, size_t count,
			       struct otlp_buf *out);

static int enc_spans(const struct model_resource *res, const void *b,
		     size_t first, size_t count, struct otlp_buf *out)
{
	return otlp_encode_spans(res, b, first, count, out);
}

static int enc_logs(const struct model_resource *res, const void *b,
		    size_t first, size_t count, struct otlp_buf *out)
{
	return otlp_encode_logs(res, b, first, count, out);
}

/* Encode [first, first + count) as one request, halving it while it is
 * over the size limit, and queue the result. */
static int enqueue_range(struct export *e, enum otlp_signal s,
			 encode_range_fn enc, const struct model_resource *res,
			 const void *batch, size_t first, size_t count)
{
	struct otlp_buf buf;
	int rc;

	rc = enc(res, batch, first, count, &buf);
	if (rc == -E2BIG && count > 1) {
		size_t half = count / 2;

		return worst(enqueue_range(e, s, enc, res, batch, first, half),
			     enqueue_range(e, s, enc, res, batch, first + half,
					   count - half));
	}
	if (rc == -ENODATA)
		return 0;
	if (rc) {
		count_drop(e, s, count, rc == -E2BIG ? EXPORT_DROP_TOO_LARGE
						     : EXPORT_DROP_ENCODE);
		return rc;
	}
	return push(e, s, &buf, count);
}

static int enqueue_split(struct export *e, enum otlp_signal s,
			 encode_range_fn enc, const struct model_resource *res,
			 const void *batch, size_t n)
{
	size_t first;
	int rc = 0;

	for (first = 0; first < n; first += e->max_batch) {
		size_t count = n - first < e->max_batch ? n - first : e->max_batch;

		rc = worst(rc, enqueue_range(e, s, enc, res, batch, first, count));
	}
	return rc;
}

int export_enqueue(struct export *e, const struct model_resource *res,
		   const struct model_metric_batch *metrics,
		   const struct model_span_batch *spans,
		   const struct model_log_batch *logs)
{
	int rc = 0;

	if (metrics) {
		size_t points = model_metric_batch_points(metrics);
		struct otlp_buf buf;
		int r = otlp_encode_metrics(res, metrics, &buf);

		if (!r)
			r = push(e, OTLP_METRICS, &buf, points);
		else if (r != -ENODATA)
			count_drop(e, OTLP_METRICS, points,
				   r == -E2BIG ? EXPORT_DROP_TOO_LARGE
					       : EXPORT_DROP_ENCODE);
		rc = worst(rc, r);
	}
	if (spans)
		rc = worst(rc, enqueue_split(e, OTLP_TRACES, enc_spans, res,
					     spans, spans->n));
	if (logs)
		rc = worst(rc, enqueue_split(e, OTLP_LOGS, enc_logs, res, logs,
					     logs->n));
	return rc;
}

void export_telemetry_hook(void *ctx, const struct model_resource *res,
			   struct telemetry_batches *b)
{
	/* Errors are in the counters; the batches stay the caller's. */
	(void)export_enqueue(ctx, res, b->metrics, b->spans, b->logs);
}

/* ---- the sender thread ----------------------------------------------------- */

/* Book the outcome of one attempt of q->cur; caller holds mu. */
static void settle(struct export *e, enum otlp_signal s, int rc,
		   const struct export_http_result *r,
		   const struct otlp_partial *partial, bool parsed)
{
	struct sigq *q = &e->q[s];
	struct req *cur = q->cur;
	uint64_t now = now_ms(), delay;

	q->st.attempts++;
	if (rc) {
		snprintf(q->st.last_error, sizeof(q->st.last_error),
			 "request not sent: %s", strerror(-rc));
		q->cur = NULL;
		drop_locked(q, cur, rc == -E2BIG ? EXPORT_DROP_TOO_LARGE
						 : EXPORT_DROP_ENCODE);
		return;
	}
	q->st.last_status = r->status;
	if (!r->status) {
		q->st.transport_errors++;
		snprintf(q->st.last_error, sizeof(q->st.last_error), "%s",
			 r->error);
	}
	if (e->stopping) {
		q->cur = NULL;
		if (r->status >= 200 && r->status < 300)
			goto delivered;
		drop_locked(q, cur, EXPORT_DROP_SHUTDOWN);
		return;
	}

	switch (export_retry_classify(r->status)) {
	case EXPORT_VERDICT_DONE:
		q->cur = NULL;
		goto delivered;
	case EXPORT_VERDICT_RETRY:
		if (r->status)
			snprintf(q->st.last_error, sizeof(q->st.last_error),
				 "HTTP %ld", r->status);
		if (!export_retry_next(&e->policy, q->retries + 1,
				       now - q->first_ms, r->retry_after_ms,
				       rnd01(e), &delay)) {
			q->retries++;
			q->st.retries++;
			q->next_ms = now + delay;
			return;
		}
		q->cur = NULL;
		drop_locked(q, cur, EXPORT_DROP_RETRY_EXHAUSTED);
		return;
	case EXPORT_VERDICT_DROP: {
		char msg[EXPORT_HTTP_ERR_MAX - 32];

		if (otlp_response_status(r->body, r->body_len, msg, sizeof(msg)))
			msg[0] = '\0';
		snprintf(q->st.last_error, sizeof(q->st.last_error),
			 "HTTP %ld%s%s", r->status, msg[0] ? ": " : "", msg);
		q->cur = NULL;
		drop_locked(q, cur, EXPORT_DROP_STATUS);
		return;
	}
	}
	return;

delivered: {
		uint64_t rejected = 0;

		q->st.requests++;
		q->st.bytes += r->wire_bytes;
		if (parsed && partial->set) {
			q->st.partial_successes++;
			if (partial->rejected > 0)
				rejected = (uint64_t)partial->rejected;
			if (rejected > cur->items)
				rejected = cur->items;
			snprintf(q->st.last_partial, sizeof(q->st.last_partial),
				 "%s", partial->message);
		}
		q->st.rejected += rejected;
		q->st.sent += cur->items - rejected;
		unaccount(q, cur);
		req_free(cur);
	}
}

/* The signal whose request is due now, or -1 with *wake the earliest time
 * one will be (UINT64_MAX: none).  Caller holds mu. */
static int pick(struct export *e, uint64_t now, uint64_t *wake)
{
	unsigned int i;

	*wake = UINT64_MAX;
	for (i = 1; i <= OTLP_SIGNALS; i++) {
		unsigned int s = (e->last + i) % OTLP_SIGNALS;
		struct sigq *q = &e->q[s];

		if (!q->cur && q->head) {
			q->cur = q->head;
			q->head = q->head->next;
			if (!q->head)
				q->tail = NULL;
			q->cur->next = NULL;
			q->retries = 0;
			q->first_ms = now;
			q->next_ms = now;
		}
		if (!q->cur)
			continue;
		if (q->next_ms <= now) {
			e->last = s;
			return (int)s;
		}
		if (q->next_ms < *wake)
			*wake = q->next_ms;
	}
	return -1;
}

static void *thread_main(void *arg)
{
	struct export *e = arg;

	pthread_mutex_lock(&e->mu);
	while (!e->stopping) {
		struct export_http_result r;
		struct otlp_partial partial;
		uint64_t wake;
		struct req *cur;
		bool parsed = false;
		int s, rc;

		s = pick(e, now_ms(), &wake);
		if (s < 0) {
			if (wake == UINT64_MAX) {
				pthread_cond_wait(&e->work, &e->mu);
			} else {
				struct timespec ts;

				deadline_ts(wake, &ts);
				pthread_cond_timedwait(&e->work, &e->mu, &ts);
			}
			continue;
		}
		cur = e->q[s].cur;
		e->busy = true;
		pthread_mutex_unlock(&e->mu);

		/* cur stays ours: only this thread takes cur off a queue. */
		rc = export_http_send(e->q[s].http, cur->data, cur->len, &r);
		if (!rc && r.status >= 200 && r.status < 300)
			parsed = !otlp_response_parse((enum otlp_signal)s, r.body,
						      r.body_len, &partial);

		pthread_mutex_lock(&e->mu);
		settle(e, (enum otlp_signal)s, rc, &r, &partial, parsed);
		e->busy = false;
		pthread_cond_broadcast(&e->idle);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

/* ---- life cycle ------------------------------------------------------------ */

static bool all_idle(const struct export *e)
{
	int s;

	if (e->busy)
		return false;
	for (s = 0; s < OTLP_SIGNALS; s++)
		if (e->q[s].nreq)
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
	*st = e->q[s].st;
	st->queue_requests = e->q[s].nreq;
	st->queue_items = e->q[s].nitems;
	pthread_mutex_unlock(&e->mu);
}

void export_stop(struct export *e)
{
	int s;

	if (!e)
		return;
	pthread_mutex_lock(&e->mu);
	e->stopping = true;
	atomic_store(&e->abort, true);
	pthread_cond_broadcast(&e->work);
	pthread_cond_broadcast(&e->idle);
	pthread_mutex_unlock(&e->mu);
	if (e->started) {
		pthread_join(e->thread, NULL);
		e->started = false;
	}
	pthread_mutex_lock(&e->mu);
	for (s = 0; s < OTLP_SIGNALS; s++) {
		struct sigq *q = &e->q[s];
		struct req *r, *next;

		if (q->cur) {
			drop_locked(q, q->cur, EXPORT_DROP_SHUTDOWN);
			q->cur = NULL;
		}
		for (r = q->head; r; r = next) {
			next = r->next;
			drop_locked(q, r, EXPORT_DROP_SHUTDOWN);
		}
		q->head = q->tail = NULL;
	}
	pthread_mutex_unlock(&e->mu);
}

void export_free(struct export *e)
{
	int s;

	if (!e)
		return;
	export_stop(e);
	for (s = 0; s < OTLP_SIGNALS; s++)
		export_http_free(e->q[s].http);
	pthread_cond_destroy(&e->idle);
	pthread_cond_destroy(&e->work);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

int export_new(const struct export_opts *o, struct export **out, char *err,
	       size_t errlen)
{
	static const struct export_retry_policy zero;
	pthread_condattr_t ca;
	struct export *e;
	int s, rc;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&e->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->work, &ca);
	pthread_cond_init(&e->idle, &ca);
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
	e->max_requests = o->queue_requests ? o->queue_requests
					    : DEFAULT_QUEUE_REQUESTS;
	e->max_bytes = o->queue_bytes ? o->queue_bytes : DEFAULT_QUEUE_BYTES;
	e->rng = o->seed ? o->seed : (now_ms() * 0x9e3779b97f4a7c15ULL) | 1;

	for (s = 0; s < OTLP_SIGNALS; s++) {
		struct export_http_opts h = o->http[s];

		e->q[s].max_items = o->queue_items[s] ? o->queue_items[s]
				  : s == OTLP_METRICS ? DEFAULT_METRIC_ITEMS
						      : DEFAULT_QUEUE_ITEMS;
		if (!h.url)
			continue;
		h.abort = &e->abort;
		rc = export_http_new(&h, &e->q[s].http, err, errlen);
		if (rc)
			goto out_free;
	}

	rc = -pthread_create(&e->thread, NULL, thread_main, e);
	if (rc) {
		snprintf(err, errlen, "cannot start the exporter thread: %s",
			 strerror(-rc));
		goto out_free;
	}
	e->started = true;
	*out = e;
	return 0;

out_free:
	export_free(e);
	return rc;
}
