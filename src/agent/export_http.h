/* export_http.h - one HTTP endpoint: POST request bodies through libcurl. */
#ifndef RIPTEL_EXPORT_HTTP_H
#define RIPTEL_EXPORT_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The only file of the agent that uses libcurl, and it knows nothing of
 * OTLP: an exporter (export_otlp.c today; Prometheus remote write or
 * Zipkin later) names the content type and headers, hands over the
 * encoded body and reads back the status, the body and Retry-After.
 *
 * One handle per endpoint: its easy handle is reused, so the connection
 * is kept alive between requests.  A handle is used by one thread at a
 * time; different handles may be used by different threads at once.
 */

#define EXPORT_HTTP_BODY_MAX	(4u << 20)	/* response bytes kept */
#define EXPORT_HTTP_ERR_MAX	256
#define EXPORT_HTTP_MAX_REQUEST	(64u << 20)	/* bodies above: not sent */

struct export_http_opts {
	const char *url;		/* full URL, e.g. http://h:4318/v1/traces */
	const char *content_type;	/* NULL: application/octet-stream */
	const char *const *headers;	/* "Name: value" lines */
	size_t nheaders;
	uint32_t timeout_ms;		/* whole request; 0: 10000 */
	bool gzip;			/* compress, Content-Encoding: gzip */
	const char *ca_file;		/* NULL: system trust store */
	const char *client_cert;	/* PEM; with client_key: mTLS */
	const char *client_key;
};

struct export_http_result {
	long status;			/* HTTP status; 0: no answer */
	int transport_error;		/* CURLcode when status is 0 */
	/* Retry-After as libcurl read it (delta-seconds or an HTTP-date),
	 * in ms; 0 when absent, unparsable or in the past. */
	uint64_t retry_after_ms;
	const uint8_t *body;		/* response body, valid until next send */
	size_t body_len;
	bool body_truncated;		/* more than EXPORT_HTTP_BODY_MAX came */
	size_t wire_bytes;		/* request body bytes as sent */
	char error[EXPORT_HTTP_ERR_MAX];	/* transport error text, or "" */
};

struct export_http;

/* 0, -EINVAL (bad option; err says which), -ENOMEM, -EIO (libcurl init). */
int export_http_new(const struct export_http_opts *o, struct export_http **out,
		    char *err, size_t errlen);
/*
 * POST data[0..len).  When *abort turns true (abort may be NULL), the
 * exchange stops within about a second and reports a transport failure.
 * Returns 0 when the exchange completed (look at r->status, which is 0
 * for a transport failure), -E2BIG for a body over EXPORT_HTTP_MAX_REQUEST
 * (nothing sent), -ENOMEM, -EIO (compression failed).
 */
int export_http_send(struct export_http *h, const uint8_t *data, size_t len,
		     const atomic_bool *abort, struct export_http_result *r);
void export_http_free(struct export_http *h);

#endif /* RIPTEL_EXPORT_HTTP_H */
