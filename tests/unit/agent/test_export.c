/* test_export.c - the exporter against a scripted in-process OTLP/HTTP receiver. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "export.h"
#include "otlp_collector_trace.pb-c.h"
#include "otlp_rpc_status.pb-c.h"
#include "otlp_sample.h"

/* ---- the receiver: answers from a script, records what it got ----------- */

struct answer {
	unsigned int status;
	const char *retry_after;	/* NULL: no header */
	const uint8_t *body;
	size_t len;
};

#define MAX_SCRIPT	8
#define MAX_SEEN	32

struct seen {
	char path[32];
	char encoding[16];
	char type[64];
	char custom[16];
	uint8_t *body;			/* decompressed */
	size_t len;
};

struct server {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	struct answer script[MAX_SCRIPT];	/* then 200, empty body */
	size_t nscript;
	struct seen seen[MAX_SEEN];
	size_t nseen;
	unsigned int connections;
};

struct upload {
	uint8_t *data;
	size_t len;
};

static uint8_t *gunzip(const uint8_t *in, size_t len, size_t *out_len)
{
	size_t cap = len * 20 + 1024;
	uint8_t *out = malloc(cap);
	z_stream z;

	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = z.total_out;
	inflateEnd(&z);
	return out;
}

static void copy_hdr(struct MHD_Connection *c, const char *name, char *dst, size_t n)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

	snprintf(dst, n, "%s", v ? v : "");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct upload *u = *con_cls;
	struct MHD_Response *resp;
	struct answer a = { 200, NULL, NULL, 0 };
	struct seen *sn;
	enum MHD_Result rc;

	(void)method;
	(void)version;
	if (!u) {
		*con_cls = calloc(1, sizeof(*u));
		return MHD_YES;
	}
	if (*upload_data_size) {
		u->data = realloc(u->data, u->len + *upload_data_size);
		memcpy(u->data + u->len, upload_data, *upload_data_size);
		u->len += *upload_data_size;
		*upload_data_size = 0;
		return MHD_YES;
	}

	pthread_mutex_lock(&s->mu);
	if (s->nseen < s->nscript)
		a = s->script[s->nseen];
	if (s->nseen < MAX_SEEN) {
		sn = &s->seen[s->nseen];
		snprintf(sn->path, sizeof(sn->path), "%s", url);
		copy_hdr(c, "Content-Encoding", sn->encoding, sizeof(sn->encoding));
		copy_hdr(c, "Content-Type", sn->type, sizeof(sn->type));
		copy_hdr(c, "X-Custom", sn->custom, sizeof(sn->custom));
		if (!strcmp(sn->encoding, "gzip")) {
			sn->body = gunzip(u->data, u->len, &sn->len);
		} else {
			sn->body = u->data;
			sn->len = u->len;
			u->data = NULL;
		}
	}
	s->nseen++;
	pthread_mutex_unlock(&s->mu);

	resp = MHD_create_response_from_buffer(a.len, (void *)a.body,
					       MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, "Content-Type", "application/x-protobuf");
	if (a.retry_after)
		MHD_add_response_header(resp, "Retry-After", a.retry_after);
	rc = MHD_queue_response(c, a.status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (u) {
		free(u->data);
		free(u);
		*con_cls = NULL;
	}
}

static void notify(void *cls, struct MHD_Connection *c, void **socket_context,
		   enum MHD_ConnectionNotificationCode toe)
{
	struct server *s = cls;

	(void)c;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		pthread_mutex_lock(&s->mu);
		s->connections++;
		pthread_mutex_unlock(&s->mu);
	}
}

static void server_start(struct server *s, int port)
{
	const union MHD_DaemonInfo *info;

	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port,
				NULL, NULL, handle, s,
				MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				MHD_OPTION_NOTIFY_CONNECTION, notify, s,
				MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
				MHD_OPTION_END);
	ck_assert_ptr_nonnull(s->d);
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	ck_assert_ptr_nonnull(info);
	s->port = info->port;
}

static struct server *server_new(void)
{
	struct server *s = calloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	server_start(s, 0);
	return s;
}

static void server_stop(struct server *s)
{
	if (s->d)
		MHD_stop_daemon(s->d);
	s->d = NULL;
}

static void server_free(struct server *s)
{
	size_t i;

	server_stop(s);
	for (i = 0; i < s->nseen && i < MAX_SEEN; i++)
		free(s->seen[i].body);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static size_t server_hits(struct server *s)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->nseen;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* ---- helpers -------------------------------------------------------------- */

static char urls[OTLP_SIGNALS][96];

/* Options sending every signal to port, with fast retries. */
static void opts_for(struct export_opts *o, int port)
{
	int s;

	memset(o, 0, sizeof(*o));
	for (s = 0; s < OTLP_SIGNALS; s++) {
		snprintf(urls[s], sizeof(urls[s]), "http://127.0.0.1:%d/v1/%s",
			 port, otlp_signal_name((enum otlp_signal)s));
		o->http[s].url = urls[s];
		o->http[s].timeout_ms = 5000;
	}
	o->retry.initial_ms = 20;
	o->retry.multiplier = 1.5;
	o->retry.max_interval_ms = 100;
	o->retry.max_elapsed_ms = 10000;
	o->retry.jitter = 0.5;
	o->seed = 42;
}

static struct export *exporter(const struct export_opts *o)
{
	struct export *e;
	char err[256];

	ck_assert_msg(export_new(o, &e, err, sizeof(err)) == 0, "%s", err);
	return e;
}

static void send_spans(struct export *e, size_t n)
{
	struct model_span_batch *b = sample_spans(n);

	ck_assert_int_eq(export_enqueue(e, NULL, NULL, b, NULL), 0);
	model_span_batch_free(b);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A port where nothing listens: bind, read the port, close. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(test_503_retry_after)
{
	struct server *s = server_new();
	struct export_signal_stats st;
	struct export_opts o;
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
	struct export_opts o;
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
	struct export_opts o;
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
	struct export_opts o;
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

	ck_assert_int_eq(otlp_encode_spans(NULL, b, 0, 4, &want), 0);
	for (gz = 0; gz < 2; gz++) {
		struct server *s = server_new();
		struct export_signal_stats st;
		struct export_opts o;
		struct export *e;
		size_t i;

		opts_for(&o, s->port);
		o.http[OTLP_TRACES].gzip = gz;
		o.http[OTLP_TRACES].headers = hdrs;
		o.http[OTLP_TRACES].nheaders = 1;
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

/* Accepts connections (the kernel does, from the backlog) and never answers. */
static int silent_listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

START_TEST(test_never_answers)
{
	struct export_signal_stats st;
	struct export_opts o;
	struct export *e;
	int port, fd = silent_listener(&port);

	opts_for(&o, port);
	o.http[OTLP_TRACES].timeout_ms = 200;
	o.retry.max_elapsed_ms = 1500;
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
	struct export_opts o;
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
	struct export_opts o;
	struct export *e;
	int port, fd = silent_listener(&port);
	uint64_t total;
	int d;

	opts_for(&o, port);
	o.http[OTLP_TRACES].timeout_ms = 60000;	/* stop must cut it short */
	o.max_batch = 1;
	o.queue_requests = 2;
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
	struct export_opts o;
	struct export *e;

	opts_for(&o, s->port);
	o.http[OTLP_LOGS].url = NULL;
	o.max_batch = 2;
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
	struct export_opts o;
	struct export *e;
	char err[256];

	opts_for(&o, 1);
	o.http[OTLP_METRICS].url = "ftp://x/v1/metrics";
	ck_assert_int_eq(export_new(&o, &e, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(e);
	ck_assert_ptr_nonnull(strstr(err, "ftp://x"));
	opts_for(&o, 1);
	o.http[OTLP_LOGS].client_cert = "/x.pem";
	ck_assert_int_eq(export_new(&o, &e, err, sizeof(err)), -EINVAL);
	opts_for(&o, 1);
	o.http[OTLP_LOGS].headers = bad_hdr;
	o.http[OTLP_LOGS].nheaders = 1;
	ck_assert_int_eq(export_new(&o, &e, err, sizeof(err)), -EINVAL);
	opts_for(&o, 1);
	o.retry.max_interval_ms = 1;	/* below initial */
	ck_assert_int_eq(export_new(&o, &e, err, sizeof(err)), -EINVAL);
}
END_TEST

/* export_http on its own: an HTTP-date Retry-After, the 64 MiB limit. */
START_TEST(test_http_retry_after_date)
{
	struct export_http_opts ho = { 0 };
	struct export_http_result r;
	struct server *s = server_new();
	struct export_http *h;
	char date[64], err[128];
	time_t t = time(NULL) + 3;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	s->script[0] = (struct answer){ 503, date, NULL, 0 };
	s->script[1] = (struct answer){ 429, "soon", NULL, 0 };
	s->nscript = 2;
	snprintf(urls[0], sizeof(urls[0]), "http://127.0.0.1:%d/v1/metrics", s->port);
	ho.url = urls[0];
	ck_assert_int_eq(export_http_new(&ho, &h, err, sizeof(err)), 0);
	ck_assert_int_eq(export_http_send(h, (const uint8_t *)"", 0, &r), 0);
	ck_assert_int_eq(r.status, 503);
	ck_assert_int_ge(r.retry_after_ms, 1000);
	ck_assert_int_le(r.retry_after_ms, 3000);
	ck_assert_int_eq(export_http_send(h, (const uint8_t *)"", 0, &r), 0);
	ck_assert_int_eq(r.status, 429);
	ck_assert_int_eq(r.retry_after_ms, -1);	/* unparsable: backoff */
	ck_assert_int_eq(export_http_send(h, NULL, OTLP_MAX_REQUEST + 1, &r), -E2BIG);
	ck_assert_uint_eq(server_hits(s), 2);
	export_http_free(h);
	export_http_free(NULL);
	server_free(s);
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
	tcase_add_test(tc, test_http_retry_after_date);
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
