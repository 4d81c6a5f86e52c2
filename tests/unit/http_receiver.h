/* http_receiver.h - a scripted in-process HTTP receiver (libmicrohttpd) for exporter tests. */
#ifndef RIPTEL_TEST_HTTP_RECEIVER_H
#define RIPTEL_TEST_HTTP_RECEIVER_H

/*
 * Shared by test_export.c and test_export_http.c.  The receiver answers
 * request number i with script[i] (then with `always` if set, else 200
 * and an empty body) and records every request: path, a few headers, the
 * (gunzipped) body and when it came.  A silent listener that accepts and
 * never answers stands in for a hung endpoint.
 */

#include <arpa/inet.h>
#include <check.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

struct answer {
	unsigned int status;
	const char *retry_after;	/* NULL: no header */
	const uint8_t *body;
	size_t len;
};

#define MAX_SCRIPT	8
#define MAX_SEEN	512

struct seen {
	char path[32];
	char encoding[16];
	char type[64];
	char custom[16];
	uint8_t *body;			/* decompressed */
	size_t len;
	size_t wire_len;		/* as received */
	uint64_t at_ms;			/* CLOCK_MONOTONIC */
};

struct server {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	struct answer script[MAX_SCRIPT];
	size_t nscript;
	struct answer always;		/* after the script; status 0: 200 */
	struct seen seen[MAX_SEEN];
	size_t nseen;			/* requests, also past MAX_SEEN */
	unsigned int connections;
};

struct upload {
	uint8_t *data;
	size_t len;
};

static inline uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline uint8_t *gunzip(const uint8_t *in, size_t len, size_t *out_len)
{
	size_t cap = len * 4 + 1024;
	uint8_t *out = malloc(cap);
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	for (;;) {
		z.next_out = out + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		rc = inflate(&z, Z_FINISH);
		if (rc == Z_STREAM_END)
			break;
		ck_assert_msg(rc == Z_BUF_ERROR || rc == Z_OK, "inflate: %d", rc);
		cap *= 2;
		out = realloc(out, cap);
	}
	*out_len = z.total_out;
	inflateEnd(&z);
	return out;
}

static inline void copy_hdr(struct MHD_Connection *c, const char *name,
			    char *dst, size_t n)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

	snprintf(dst, n, "%s", v ? v : "");
}

static inline enum MHD_Result handle(void *cls, struct MHD_Connection *c,
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
	else if (s->always.status)
		a = s->always;
	if (s->nseen < MAX_SEEN) {
		sn = &s->seen[s->nseen];
		snprintf(sn->path, sizeof(sn->path), "%s", url);
		copy_hdr(c, "Content-Encoding", sn->encoding, sizeof(sn->encoding));
		copy_hdr(c, "Content-Type", sn->type, sizeof(sn->type));
		copy_hdr(c, "X-Custom", sn->custom, sizeof(sn->custom));
		sn->wire_len = u->len;
		sn->at_ms = mono_ms();
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

static inline void completed(void *cls, struct MHD_Connection *c, void **con_cls,
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

static inline void notify(void *cls, struct MHD_Connection *c,
			  void **socket_context,
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

static inline void server_start(struct server *s, int port)
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

static inline struct server *server_new(void)
{
	struct server *s = calloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	server_start(s, 0);
	return s;
}

static inline void server_stop(struct server *s)
{
	if (s->d)
		MHD_stop_daemon(s->d);
	s->d = NULL;
}

static inline void server_free(struct server *s)
{
	size_t i;

	server_stop(s);
	for (i = 0; i < s->nseen && i < MAX_SEEN; i++)
		free(s->seen[i].body);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static inline size_t server_hits(struct server *s)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->nseen;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* A port where nothing listens: bind, read the port, close. */
static inline int free_port(void)
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

/* Accepts connections (the kernel does, from the backlog) and never answers. */
static inline int silent_listener(int *port)
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

/* An HTTP-date secs from now (negative: in the past), IMF-fixdate. */
static inline void http_date(char *buf, size_t len, long secs)
{
	time_t t = time(NULL) + secs;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

#endif /* RIPTEL_TEST_HTTP_RECEIVER_H */
