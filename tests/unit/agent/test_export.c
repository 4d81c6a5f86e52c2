/* test_export.c - the sender with the OTLP/HTTP exporter against a scripted in-process receiver. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export.h"
#include "export_otlp.h"
#include "http_receiver.h"
#include "otlp_collector_metrics.pb-c.h"
#include "otlp_collector_trace.pb-c.h"
#include "otlp_rpc_status.pb-c.h"
#include "otlp_sample.h"

/* ---- helpers -------------------------------------------------------------- */

static char urls[OTLP_SIGNALS][96];

/* Sender and OTLP options sending every signal to port, with fast retries. */
struct opts {
	struct export_opts e;
	struct export_otlp_opts x;
};

static void opts_for(struct opts *o, int port)
{
	int s;

	memset(o, 0, sizeof(*o));
	for (s = 0; s < OTLP_SIGNALS; s++) {
		snprintf(urls[s], sizeof(urls[s]), "http://127.0.0.1:%d/v1/%s",
			 port, otlp_signal_name((enum otlp_signal)s));
		o->x.http[s].url = urls[s];
		o->x.http[s].timeout_ms = 5000;
	}
	o->e.retry.initial_ms = 20;
	o->e.retry.multiplier = 1.5;
	o->e.retry.max_interval_ms = 100;
	o->e.retry.max_elapsed_ms = 10000;
	o->e.retry.jitter = 0.5;
	o->e.seed = 42;
}

/* 0 or what export_otlp_new / export_new said, with e set on success. */
static int try_exporter(const struct opts *o, struct export **e, char *err,
			size_t errlen)
{
	struct export_exporter x;
	int rc;

	*e = NULL;
	rc = export_otlp_new(&o->x, &x, err, errlen);
	return rc ? rc : export_new(&o->e, &x, e, err, errlen);
}

static struct export *exporter(const struct opts *o)
{
	struct export *e;
	char err[256];

	ck_assert_msg(try_exporter(o, &e, err, sizeof(err)) == 0, "%s", err);
	return e;
}

static void send_spans(struct export *e, size_t n)
{
	struct model_span_batch *b = sample_spans(n);

	ck_assert_int_eq(export_enqueue(e, NULL, NULL, b, NULL), 0);
	model_span_batch_free(b);
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(test_503_retry_after)
{
	struct server *s = server_new();
	struct export_signal_stats st;
	struct opts o;
	struct export *e;
	uint64_t t0;

	s->script[0] = (struct answer){ 503, "1", NULL, 0 };
	s->nscript = 1;
	opts_for(&o, s->port);
	e = exporter(&o);
	t0 = mono_ms();
	send_spans(e, 3);
	ck_assert_int_eq(export_flush(e, 10000), 0);
	/* Retry-After: 1 replaces the 20 ms backoff. */
	ck_assert_uint_ge(mono_ms() - t0, 900);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_eq(server_hits(s), 2);
	ck_assert_uint_eq(st.attempts, 2);
	ck_assert_uint_eq(st.retries, 1);
	ck_assert_uint_eq(st.sent, 3);
	ck_assert_uint_eq(st.requests, 1);
	ck_assert_uint_eq(st.enqueued, 3);
	ck_assert_uint_eq(st.queue_requests, 0);
	ck_assert_uint_eq(st.last_status, 200);
	export_free(e);
	server_free(s);
}
END_TEST

START_TEST(test_429_then_400)
{
	Google__Rpc__Status gs = GOOGLE__RPC__STATUS__INIT;
	struct server *s = server_new();
	struct model_log_batch *lb = sample_logs(2);
	struct export_signal_stats st;
	struct opts o;
	struct export *e;
	uint8_t body[64];
	size_t len;

	gs.code = 3;
	gs.message = "bad data";
	len = protobuf_c_message_pack(&gs.base, body);
	s->script[0] = (struct answer){ 429, NULL, NULL, 0 };
	s->script[1] = (struct answer){ 400, NULL, body, len };
	s->nscript = 2;
	opts_for(&o, s->port);
	e = exporter(&o);
	ck_assert_int_eq(export_enqueue(e, NULL, NULL, NULL, lb), 0);
	ck_assert_int_eq(export_flush(e, 10000), 0);
	export_stats(e, OTLP_LOGS, &st);
	ck_assert_uint_eq(server_hits(s), 2);	/* 400 is never retried */
	ck_assert_uint_eq(st.retries, 1);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_uint_eq(st.dropped[EXPORT_DROP_STATUS], 2);
	ck_assert_uint_eq(st.last_status, 400);
	ck_assert_ptr_nonnull(strstr(st.last_error, "400"));
	ck_assert_ptr_nonnull(strstr(st.last_error, "bad data"));

	/* script used up: the next batch goes through */
	ck_assert_int_eq(export_enqueue(e, NULL, NULL, NULL, lb), 0);
	ck_assert_int_eq(export_flush(e, 10000), 0);
	export_stats(e, OTLP_LOGS, &st);
	ck_assert_uint_eq(st.sent, 2);
	ck_assert_uint_eq(st.dropped[EXPORT_DROP_STATUS], 2);
	ck_assert_str_eq(s->seen[2].path, "/v1/logs");
	export_free(e);
	server_free(s);
	model_log_batch_free(lb);
}
END_TEST

START_TEST(test_other_statuses_dropped)
{
	static const unsigned int codes[] = { 401, 404, 413, 500, 501 };
	struct server *s = server_new();
	struct export_signal_stats st;
	struct opts o;
	struct export *e;
	size_t i;

	for (i = 0; i < 5; i++)
		s->script[i] = (struct answer){ codes[i], "0", NULL, 0 };
	s->nscript = 5;
	opts_for(&o, s->port);
	e = exporter(&o);
	for (i = 0; i < 5; i++) {
		send_spans(e, 1);
		ck_assert_int_eq(export_flush(e, 10000), 0);
	}
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_eq(server_hits(s), 5);
	ck_assert_uint_eq(st.retries, 0);
	ck_assert_uint_eq(st.dropped[EXPORT_DROP_STATUS], 5);
	export_free(e);
	server_free(s);
}
END_TEST

START_TEST(test_partial_success)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse resp =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
	Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
	struct server *s = server_new();
	struct export_signal_stats st;
	struct opts o;
	struct export *e;
	uint8_t body[64];
	size_t len;

	ps.rejected_spans = 1;
	ps.error_message = "one bad span";
	resp.partial_success = &ps;
	len = protobuf_c_message_pack(&resp.base, body);
	s->script[0] = (struct answer){ 200, NULL, body, len };
	s->nscript = 1;
	opts_for(&o, s->port);
	e = exporter(&o);
	send_spans(e, 3);
	ck_assert_int_eq(export_flush(e, 10000), 0);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_eq(server_hits(s), 1);	/* not retried */
	ck_assert_uint_eq(st.partial_successes, 1);
	ck_assert_uint_eq(st.rejected, 1);
	ck_assert_uint_eq(st.sent, 2);
	ck_assert_str_eq(st.last_partial, "one bad span");
	export_free(e);
	server_free(s);
}
END_TEST

/* gzip on and off: same protobuf bytes arrive, headers right, one
 * kept-alive connection per exporter. */
START_TEST(test_gzip_headers_keepalive)
{
	static const char *const hdrs[] = { "X-Custom: abc" };
	struct model_span_batch *b = sample_spans(4);
	struct otlp_buf want;
	int gz;

	ck_assert_int_eq(otlp_encode_spans(NULL, b, 0, 4, 0, &want), 0);
	for (gz = 0; gz < 2; gz++) {
		struct server *s = server_new();
		struct export_signal_stats st;
		struct opts o;
		struct export *e;
		size_t i;

		opts_for(&o, s->port);
		o.x.http[OTLP_TRACES].gzip = gz;
		o.x.http[OTLP_TRACES].headers = hdrs;
		o.x.http[OTLP_TRACES].nheaders = 1;
		e = exporter(&o);
		for (i = 0; i < 3; i++) {
			ck_assert_int_eq(export_enqueue(e, NULL, NULL, b, NULL), 0);
			ck_assert_int_eq(export_flush(e, 10000), 0);
		}
		export_stats(e, OTLP_TRACES, &st);
		ck_assert_uint_eq(st.sent, 12);
		ck_assert_uint_eq(server_hits(s), 3);
		for (i = 0; i < 3; i++) {
			ck_assert_str_eq(s->seen[i].path, "/v1/traces");
			ck_assert_str_eq(s->seen[i].type, "application/x-protobuf");
			ck_assert_str_eq(s->seen[i].encoding, gz ? "gzip" : "");
			ck_assert_str_eq(s->seen[i].custom, "abc");
			ck_assert_uint_eq(s->seen[i].len, want.len);
			ck_assert_mem_eq(s->seen[i].body, want.data, want.len);
		}
		if (gz)
			ck_assert_uint_lt(st.bytes, 3 * want.len);
		else
			ck_assert_uint_eq(st.bytes, 3 * want.len);
		ck_assert_uint_eq(s->connections, 1);
		export_free(e);
		server_free(s);
	}
	otlp_buf_free(&want);
	model_span_batch_free(b);
}
END_TEST

START_TEST(test_never_answers)
{
	struct export_signal_stats st;
	struct opts o;
	struct export *e;
	int port, fd = silent_listener(&port);

	opts_for(&o, port);
	o.x.http[OTLP_TRACES].timeout_ms = 200;
	o.e.retry.max_elapsed_ms = 1500;
	e = exporter(&o);
	send_spans(e, 2);
	ck_assert_int_eq(export_flush(e, 10000), 0);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_ge(st.transport_errors, 2);
	ck_assert_uint_eq(st.attempts, st.transport_errors);
	ck_assert_uint_eq(st.retries + 1, st.attempts);
	ck_assert_uint_eq(st.dropped[EXPORT_DROP_RETRY_EXHAUSTED], 2);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_uint_eq(st.last_status, 0);
	ck_assert_str_ne(st.last_error, "");
	export_free(e);
	close(fd);
}
END_TEST

START_TEST(test_down_then_up)
{
	struct server *s = calloc(1, sizeof(*s));
	struct export_signal_stats st;
	struct opts o;
	struct export *e;
	int port = free_port();

	pthread_mutex_init(&s->mu, NULL);
	opts_for(&o, port);
	e = exporter(&o);
	send_spans(e, 2);
	/* refused at least once before the receiver comes up */
	for (int i = 0; i < 1000; i++) {
		export_stats(e, OTLP_TRACES, &st);
		if (st.transport_errors)
			break;
		usleep(10 * 1000);
	}
	ck_assert_uint_ge(st.transport_errors, 1);
	usleep(100 * 1000);
	server_start(s, port);
	ck_assert_int_eq(export_flush(e, 10000), 0);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_ge(st.transport_errors, 1);
	ck_assert_uint_eq(st.sent, 2);
	ck_assert_uint_eq(server_hits(s), 1);
	export_free(e);
	server_free(s);
}
END_TEST

START_TEST(test_queue_full_flush_deadline_shutdown)
{
	struct export_signal_stats st;
	struct opts o;
	struct export *e;
	int port, fd = silent_listener(&port);
	uint64_t total;
	int d;

	opts_for(&o, port);
	o.x.http[OTLP_TRACES].timeout_ms = 60000;	/* stop must cut it short */
	o.e.max_batch = 1;
	o.e.queue_requests = 2;
	e = exporter(&o);
	{
		struct model_span_batch *b = sample_spans(5);

		ck_assert_int_eq(export_enqueue(e, NULL, NULL, b, NULL), -ENOSPC);
		model_span_batch_free(b);
	}
	ck_assert_int_eq(export_flush(e, 200), -ETIMEDOUT);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_eq(st.enqueued, 2);
	ck_assert_uint_eq(st.dropped[EXPORT_DROP_QUEUE_FULL], 3);
	ck_assert_uint_eq(st.queue_requests, 2);
	ck_assert_uint_eq(st.queue_items, 2);
	export_stop(e);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_eq(st.dropped[EXPORT_DROP_SHUTDOWN], 2);
	ck_assert_uint_eq(st.queue_requests, 0);
	total = st.sent + st.rejected;
	for (d = 0; d < EXPORT_DROPS; d++)
		total += st.dropped[d];
	ck_assert_uint_eq(total, 5);	/* every span counted exactly once */
	/* after stop, enqueues are counted as shutdown drops */
	{
		struct model_span_batch *b = sample_spans(1);

		ck_assert_int_eq(export_enqueue(e, NULL, NULL, b, NULL), -ESHUTDOWN);
		model_span_batch_free(b);
	}
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_eq(st.dropped[EXPORT_DROP_SHUTDOWN], 3);
	export_free(e);
	close(fd);
}
END_TEST

START_TEST(test_disabled_and_split)
{
	struct server *s = server_new();
	struct model_log_batch *lb = sample_logs(3);
	struct export_signal_stats st;
	struct opts o;
	struct export *e;

	opts_for(&o, s->port);
	o.x.http[OTLP_LOGS].url = NULL;
	o.e.max_batch = 2;
	e = exporter(&o);
	ck_assert_int_eq(export_enqueue(e, NULL, NULL, NULL, lb), 0);
	send_spans(e, 5);	/* 2 + 2 + 1 */
	ck_assert_int_eq(export_flush(e, 10000), 0);
	export_stats(e, OTLP_LOGS, &st);
	ck_assert_uint_eq(st.dropped[EXPORT_DROP_DISABLED], 3);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_eq(st.requests, 3);
	ck_assert_uint_eq(st.sent, 5);
	ck_assert_uint_eq(server_hits(s), 3);
	export_free(e);
	server_free(s);
	model_log_batch_free(lb);
	ck_assert_str_eq(export_drop_name(EXPORT_DROP_QUEUE_FULL), "queue_full");
	export_free(NULL);
}
END_TEST

START_TEST(test_bad_options)
{
	static const char *const bad_hdr[] = { "X-A: 1\r\nX-B: 2" };
	struct opts o;
	struct export *e;
	char err[256];

	opts_for(&o, 1);
	o.x.http[OTLP_METRICS].url = "ftp://x/v1/metrics";
	ck_assert_int_eq(try_exporter(&o, &e, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(e);
	ck_assert_ptr_nonnull(strstr(err, "ftp://x"));
	opts_for(&o, 1);
	o.x.http[OTLP_LOGS].client_cert = "/x.pem";
	ck_assert_int_eq(try_exporter(&o, &e, err, sizeof(err)), -EINVAL);
	opts_for(&o, 1);
	o.x.http[OTLP_LOGS].headers = bad_hdr;
	o.x.http[OTLP_LOGS].nheaders = 1;
	ck_assert_int_eq(try_exporter(&o, &e, err, sizeof(err)), -EINVAL);
	opts_for(&o, 1);
	o.e.retry.max_interval_ms = 1;	/* below initial */
	ck_assert_int_eq(try_exporter(&o, &e, err, sizeof(err)), -EINVAL);
}
END_TEST

/*
 * A receiver that answers every request 429 or 503 with one kind of
 * Retry-After.  A Retry-After may lengthen the wait, never shorten it:
 * with "0", a date in the past, garbage or no header at all the exporter
 * waits at least its backoff, so within max_elapsed it tries only as
 * often as the shortest backoffs allow (before the fix "0" and past dates
 * meant no wait at all: thousands of requests).
 */
static const struct {
	unsigned int status;
	const char *retry_after;	/* "past": a date a minute ago */
} ra_cases[] = {
	{ 429, "0" }, { 503, "0" },
	{ 429, "past" }, { 503, "past" },
	{ 429, "in a moment" }, { 503, "-5" },
	{ 429, NULL }, { 503, NULL },
};

/* Attempts the policy allows within max_elapsed if every wait is its
 * shortest (backoff x (1 - jitter)), the first attempt included. */
static unsigned int max_attempts(const struct export_retry_policy *p)
{
	double base = (double)p->initial_ms, t = 0;
	unsigned int n = 1;

	for (;;) {
		double d = (base < (double)p->max_interval_ms ? base
			    : (double)p->max_interval_ms) * (1.0 - p->jitter);

		if (t + d > (double)p->max_elapsed_ms)
			return n;
		t += d;
		n++;
		base *= p->multiplier;
	}
}

START_TEST(test_retry_after_never_shortens)
{
	struct server *s = server_new();
	struct export_signal_stats st;
	struct opts o;
	struct export *e;
	char date[64];
	unsigned int bound;

	http_date(date, sizeof(date), -60);
	s->always.status = ra_cases[_i].status;
	s->always.retry_after = ra_cases[_i].retry_after &&
				!strcmp(ra_cases[_i].retry_after, "past") ?
				date : ra_cases[_i].retry_after;
	opts_for(&o, s->port);
	o.e.retry.initial_ms = 100;
	o.e.retry.max_interval_ms = 1000;
	o.e.retry.max_elapsed_ms = 500;
	bound = max_attempts(&o.e.retry);
	e = exporter(&o);
	send_spans(e, 2);
	ck_assert_int_eq(export_flush(e, 10000), 0);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_msg(server_hits(s) <= bound,
		      "%u Retry-After '%s': %zu requests in %llu ms, the backoff allows %u",
		      ra_cases[_i].status, s->always.retry_after ? s->always.retry_after : "(none)",
		      server_hits(s), (unsigned long long)o.e.retry.max_elapsed_ms, bound);
	ck_assert_uint_ge(server_hits(s), 3);	/* it did retry */
	ck_assert_uint_eq(st.attempts, server_hits(s));
	ck_assert_uint_eq(st.dropped[EXPORT_DROP_RETRY_EXHAUSTED], 2);
	ck_assert_uint_eq(st.last_status, ra_cases[_i].status);
	export_free(e);
	server_free(s);
}
END_TEST

/* A Retry-After date in the future, or seconds, longer than the backoff:
 * honoured (the 20 ms backoff would retry at once). */
START_TEST(test_retry_after_future_date)
{
	static const unsigned int statuses[] = { 429, 503 };
	struct server *s = server_new();
	struct export_signal_stats st;
	struct opts o;
	struct export *e;
	char date[64];

	http_date(date, sizeof(date), 2);	/* 1 to 2 s, date granularity */
	s->script[0] = (struct answer){ statuses[_i], date, NULL, 0 };
	s->script[1] = (struct answer){ statuses[_i], "1", NULL, 0 };
	s->nscript = 2;
	opts_for(&o, s->port);
	e = exporter(&o);
	send_spans(e, 1);
	ck_assert_int_eq(export_flush(e, 15000), 0);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_eq(server_hits(s), 3);
	ck_assert_uint_ge(s->seen[1].at_ms - s->seen[0].at_ms, 900);
	ck_assert_uint_ge(s->seen[2].at_ms - s->seen[1].at_ms, 900);
	ck_assert_uint_eq(st.retries, 2);
	ck_assert_uint_eq(st.sent, 1);
	export_free(e);
	server_free(s);
}
END_TEST

/*
 * The traces endpoint accepts connections and never answers; metrics and
 * logs go to a live receiver.  Each metrics export must arrive while the
 * traces request is still hanging (its timeout is 10 s): one sender per
 * signal.  Before, one thread served all three and metrics waited a
 * traces timeout per attempt.
 */
START_TEST(test_hung_traces_do_not_delay_metrics)
{
	struct model_metric_batch *mb = sample_metrics();
	struct model_log_batch *lb = sample_logs(2);
	struct server *s = server_new();
	struct export_signal_stats st;
	int port, fd = silent_listener(&port);
	uint64_t t0;
	struct opts o;
	struct export *e;
	size_t i, want = 0;

	opts_for(&o, s->port);
	snprintf(urls[OTLP_TRACES], sizeof(urls[OTLP_TRACES]),
		 "http://127.0.0.1:%d/v1/traces", port);
	o.x.http[OTLP_TRACES].timeout_ms = 10000;
	e = exporter(&o);
	send_spans(e, 3);
	usleep(200 * 1000);	/* the traces request is in flight */
	t0 = mono_ms();
	for (i = 0; i < 3; i++) {
		uint64_t start = mono_ms();

		ck_assert_int_eq(export_enqueue(e, NULL, mb, NULL, i == 1 ? lb : NULL), 0);
		want += i == 1 ? 2 : 1;
		while (server_hits(s) < want && mono_ms() - start < 5000)
			usleep(5 * 1000);
		ck_assert_msg(server_hits(s) == want,
			      "export %zu: metrics/logs not delivered within 5 s while traces hang",
			      i);
		ck_assert_uint_lt(mono_ms() - start, 2000);
	}
	ck_assert_uint_lt(mono_ms() - t0, 6000);	/* all within the hang */
	/* the receiver has them; the answers are booked a moment later */
	for (i = 0; i < 200; i++) {
		export_stats(e, OTLP_METRICS, &st);
		if (st.requests == 3)
			break;
		usleep(10 * 1000);
	}
	ck_assert_uint_eq(st.requests, 3);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_eq(st.queue_requests, 1);	/* still in flight */
	ck_assert_uint_eq(st.sent, 0);
	export_free(e);	/* aborts the hung request */
	server_free(s);
	close(fd);
	model_metric_batch_free(mb);
	model_log_batch_free(lb);
}
END_TEST

/*
 * Decode every metrics request the receiver got; check each is at most
 * max bytes and that every point of a sample_big_metrics(nm, np) batch
 * arrived exactly once.  Returns the number of requests.
 */
static size_t check_points_once(struct server *s, size_t nm, size_t np,
				size_t max)
{
	unsigned char *seen = calloc(nm * np, 1);
	size_t r, total = 0, nreq = server_hits(s);

	ck_assert_uint_le(nreq, MAX_SEEN);
	for (r = 0; r < nreq; r++) {
		Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req;
		size_t a, b, c, k;

		ck_assert_str_eq(s->seen[r].path, "/v1/metrics");
		ck_assert_uint_le(s->seen[r].len, max);
		req = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
			NULL, s->seen[r].len, s->seen[r].body);
		ck_assert_ptr_nonnull(req);
		for (a = 0; a < req->n_resource_metrics; a++) {
			for (b = 0; b < req->resource_metrics[a]->n_scope_metrics; b++) {
				Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm =
					req->resource_metrics[a]->scope_metrics[b];

				for (c = 0; c < sm->n_metrics; c++) {
					Opentelemetry__Proto__Metrics__V1__Sum *sum = sm->metrics[c]->sum;

					ck_assert_ptr_nonnull(sum);
					ck_assert_uint_gt(sum->n_data_points, 0);
					for (k = 0; k < sum->n_data_points; k++) {
						int64_t v = sum->data_points[k]->as_int;

						ck_assert_int_ge(v, 0);
						ck_assert_int_lt(v, (int64_t)(nm * np));
						ck_assert_msg(!seen[v], "point %lld twice",
							      (long long)v);
						seen[v] = 1;
						total++;
					}
				}
			}
		}
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
	}
	ck_assert_uint_eq(total, nm * np);
	free(seen);
	return nreq;
}

/* A snapshot far above max_request_bytes is split; every point is in
 * exactly one request; no request is above the limit. */
START_TEST(test_metrics_split_by_size)
{
	struct model_metric_batch *mb = sample_big_metrics(3, 4000, 40);
	struct server *s = server_new();
	struct export_signal_stats st;
	struct otlp_buf whole;
	struct opts o;
	struct export *e;
	size_t nreq;

	ck_assert_int_eq(otlp_encode_metrics(NULL, mb, 0, SIZE_MAX, 0, &whole), 0);
	ck_assert_uint_gt(whole.len, 10 * 65536);
	opts_for(&o, s->port);
	o.e.max_request_bytes = 65536;
	e = exporter(&o);
	ck_assert_int_eq(export_enqueue(e, NULL, mb, NULL, NULL), 0);
	ck_assert_int_eq(export_flush(e, 20000), 0);
	nreq = check_points_once(s, 3, 4000, 65536);
	ck_assert_uint_ge(nreq, whole.len / 65536);
	/* sized in proportion: requests are mostly full, not halvings */
	ck_assert_uint_le(nreq, 2 * (whole.len / 65536 + 1));
	export_stats(e, OTLP_METRICS, &st);
	ck_assert_uint_eq(st.requests, nreq);
	ck_assert_uint_eq(st.sent, 12000);
	ck_assert_uint_eq(st.enqueued, 12000);
	otlp_buf_free(&whole);
	export_free(e);
	server_free(s);
	model_metric_batch_free(mb);
}
END_TEST

/* The default limit (4 MiB) splits a snapshot of about 6 MiB. */
START_TEST(test_metrics_split_default)
{
	struct model_metric_batch *mb = sample_big_metrics(2, 25000, 80);
	struct server *s = server_new();
	struct export_signal_stats st;
	struct otlp_buf whole;
	struct opts o;
	struct export *e;
	size_t nreq;

	ck_assert_int_eq(otlp_encode_metrics(NULL, mb, 0, SIZE_MAX, 0, &whole), 0);
	ck_assert_uint_gt(whole.len, EXPORT_DEFAULT_MAX_REQUEST);
	opts_for(&o, s->port);
	o.x.http[OTLP_METRICS].gzip = true;	/* the limit is on protobuf bytes */
	e = exporter(&o);
	ck_assert_int_eq(export_enqueue(e, NULL, mb, NULL, NULL), 0);
	ck_assert_int_eq(export_flush(e, 30000), 0);
	nreq = check_points_once(s, 2, 25000, EXPORT_DEFAULT_MAX_REQUEST);
	ck_assert_uint_ge(nreq, 2);
	export_stats(e, OTLP_METRICS, &st);
	ck_assert_uint_eq(st.sent, 50000);
	otlp_buf_free(&whole);
	export_free(e);
	server_free(s);
	model_metric_batch_free(mb);
}
END_TEST

/* One span alone above the limit (30 attributes of 4000 bytes: strings
 * are cut at MODEL_STR_MAX) is sent alone, the others around it in
 * requests of their own; nothing is lost. */
START_TEST(test_oversized_item_alone)
{
	struct model_span_batch *b = sample_spans(5);
	struct server *s = server_new();
	struct export_signal_stats st;
	char big[4001], key[16];
	struct opts o;
	struct export *e;
	size_t i, over = 0;

	memset(big, 'x', 4000);
	big[4000] = '\0';
	for (i = 0; i < 30; i++) {
		snprintf(key, sizeof(key), "big.%zu", i);
		ck_assert_int_eq(model_attrs_set_str(&b->v[2].attrs, key, big), 0);
	}
	opts_for(&o, s->port);
	o.e.max_request_bytes = 65536;
	e = exporter(&o);
	ck_assert_int_eq(export_enqueue(e, NULL, NULL, b, NULL), 0);
	ck_assert_int_eq(export_flush(e, 10000), 0);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_eq(st.sent, 5);
	ck_assert_uint_eq(st.requests, server_hits(s));
	ck_assert_uint_ge(server_hits(s), 3);
	for (i = 0; i < server_hits(s); i++)
		if (s->seen[i].len > 65536)
			over++;
	ck_assert_uint_eq(over, 1);	/* the big one, alone */
	export_free(e);
	server_free(s);
	model_span_batch_free(b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_503_retry_after);
	tcase_add_test(tc, test_429_then_400);
	tcase_add_test(tc, test_other_statuses_dropped);
	tcase_add_test(tc, test_partial_success);
	tcase_add_test(tc, test_gzip_headers_keepalive);
	tcase_add_test(tc, test_never_answers);
	tcase_add_test(tc, test_down_then_up);
	tcase_add_test(tc, test_queue_full_flush_deadline_shutdown);
	tcase_add_test(tc, test_disabled_and_split);
	tcase_add_test(tc, test_bad_options);
	tcase_add_loop_test(tc, test_retry_after_never_shortens, 0,
			    (int)(sizeof(ra_cases) / sizeof(ra_cases[0])));
	tcase_add_loop_test(tc, test_retry_after_future_date, 0, 2);
	tcase_add_test(tc, test_hung_traces_do_not_delay_metrics);
	tcase_add_test(tc, test_metrics_split_by_size);
	tcase_add_test(tc, test_metrics_split_default);
	tcase_add_test(tc, test_oversized_item_alone);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
