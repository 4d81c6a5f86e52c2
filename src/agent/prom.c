/* prom.c - the optional Prometheus pull endpoint: /metrics and /healthz. */
#include "prom.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "prom_text.h"

struct prom {
	struct MHD_Daemon *daemon;
	uint16_t port;
	/* lock guards text and len: publish swaps, requests copy */
	pthread_mutex_t lock;
	bool lock_init;
	char *text;
	size_t len;
	/* CLOCK_MONOTONIC ms of the last heartbeat, 0: never */
	_Atomic uint64_t beat_ms;
	_Atomic uint64_t window_ms;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1: a heartbeat at time 0 must not read as "never" */
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 1;
}

/* ---- requests ----------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static bool healthy(const struct prom *p)
{
	uint64_t beat = atomic_load(&p->beat_ms);

	return beat != 0 && now_ms() - beat <= atomic_load(&p->window_ms);
}

static enum MHD_Result serve_metrics(struct prom *p, struct MHD_Connection *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	/* the copy is made under the lock: publish may free the text next */
	pthread_mutex_lock(&p->lock);
	r = MHD_create_response_from_buffer(p->len, p->text ? p->text : (char *)"",
					    MHD_RESPMEM_MUST_COPY);
	pthread_mutex_unlock(&p->lock);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, PROM_TEXT_CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size,
			      void **req_cls)
{
	static const char text[] = "text/plain; charset=utf-8";
	struct prom *p = cls;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text,
			     "method not allowed\n", 19);
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(p, c);
	if (strcmp(url, "/healthz") == 0) {
		if (healthy(p))
			return reply(c, MHD_HTTP_OK, text, "ok\n", 3);
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, text,
			     "main loop has not checked in\n", 29);
	}
	return reply(c, MHD_HTTP_NOT_FOUND, text, "not found\n", 10);
}

/* ---- the listening socket -------------------------------------------------------- */

/* Split "host:port" / "[v6]:port" into host (may be "") and port. */
static int parse_listen(const char *addr, char *host, size_t hostlen,
			char *port, size_t portlen, char *err, size_t errlen)
{
	const char *colon, *h = addr;
	size_t hlen;
	char *end;
	long v;

	if (!addr || !*addr) {
		snprintf(err, errlen, "empty listen address (want host:port)");
		return -EINVAL;
	}
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "bad listen address '%s' (want [addr]:port)", addr);
			return -EINVAL;
		}
		h = addr + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || memchr(addr, ':', (size_t)(colon - addr))) {
			snprintf(err, errlen, "bad listen address '%s' (want host:port, [v6]:port)",
				 addr);
			return -EINVAL;
		}
		hlen = (size_t)(colon - addr);
	}
	errno = 0;
	v = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end || errno || v < 0 || v > 65535) {
		snprintf(err, errlen, "bad port in listen address '%s' (want 0-65535)", addr);
		return -EINVAL;
	}
	if (hlen >= hostlen) {
		snprintf(err, errlen, "host name too long in listen address '%s'", addr);
		return -EINVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, portlen, "%ld", v);
	return 0;
}

static bool listen_ok(int fd)
{
	return listen(fd, 64) == 0;
}

/* A bound, listening socket for addr; its fd, or -errno. */
static int open_listener(const char *addr, int *family, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char host[256], port[8];
	int fd = -1, rc, e = 0, one = 1, zero = 0;

	rc = parse_listen(addr, host, sizeof(host), port, sizeof(port), err, errlen);
	if (rc)
		return rc;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "listen address '%s': %s", addr, gai_strerror(rc));
		return -EINVAL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* "[::]:port" and ":port" serve IPv4 too */
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen_ok(fd)) {
			*family = ai->ai_family;
			goto free_res;
		}
		e = errno;
		close(fd);
		fd = -1;
	}
	snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(e ? e : EINVAL));
	fd = -(e ? e : EINVAL);
free_res:
	freeaddrinfo(res);
	return fd;
}

int prom_listen_check(const char *addr, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	char host[256], port[8];
	int rc;

	rc = parse_listen(addr, host, sizeof(host), port, sizeof(port), err, errlen);
	if (rc)
		return rc;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "listen address '%s': %s", addr, gai_strerror(rc));
		return -EINVAL;
	}
	freeaddrinfo(res);
	return 0;
}

/* ---- lifecycle ------------------------------------------------------------------ */

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int prom_new(const char *addr, struct prom **out, char *err, size_t errlen)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	struct prom *p;
	int fd, family = AF_INET, rc;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	atomic_init(&p->beat_ms, 0);
	atomic_init(&p->window_ms, PROM_HEALTH_WINDOW_MS);
	rc = pthread_mutex_init(&p->lock, NULL);
	if (rc) {
		snprintf(err, errlen, "mutex: %s", strerror(rc));
		rc = -rc;
		goto free_prom;
	}
	p->lock_init = true;
	fd = open_listener(addr, &family, err, errlen);
	if (fd < 0) {
		rc = fd;
		goto free_prom;
	}
	p->port = bound_port(fd);
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	p->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, p,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)PROM_MAX_CONNECTIONS,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)PROM_CONN_TIMEOUT_S,
				     MHD_OPTION_END);
	if (!p->daemon) {
		snprintf(err, errlen, "cannot start the HTTP server on %s", addr);
		/* whether MHD closed the socket it was given is not documented */
		if (fcntl(fd, F_GETFD) != -1)
			close(fd);
		rc = -EIO;
		goto free_prom;
	}
	*out = p;
	return 0;

free_prom:
	prom_free(p);
	return rc;
}

uint16_t prom_port(const struct prom *p)
{
	return p ? p->port : 0;
}

/* Take ownership of text (malloc'd) as what /metrics serves. */
static void swap_text(struct prom *p, char *text, size_t len)
{
	char *old;

	pthread_mutex_lock(&p->lock);
	old = p->text;
	p->text = text;
	p->len = len;
	pthread_mutex_unlock(&p->lock);
	free(old);
}

int prom_publish(struct prom *p, const struct model_metric_batch *b,
		 const struct model_resource *res)
{
	char *text;
	size_t len;
	int rc;

	rc = prom_text_render(b, res, &text, &len, NULL);
	if (rc)
		return rc;
	swap_text(p, text, len);
	return 0;
}

int prom_publish_text(struct prom *p, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	swap_text(p, copy, len);
	return 0;
}

void prom_heartbeat(struct prom *p)
{
	atomic_store(&p->beat_ms, now_ms());
}

void prom_set_health_window(struct prom *p, uint64_t ms)
{
	atomic_store(&p->window_ms, ms ? ms : PROM_HEALTH_WINDOW_MS);
}

void prom_free(struct prom *p)
{
	if (!p)
		return;
	/* joins the server thread and closes the listening socket */
	if (p->daemon)
		MHD_stop_daemon(p->daemon);
	if (p->lock_init)
		pthread_mutex_destroy(&p->lock);
	free(p->text);
	free(p);
}
