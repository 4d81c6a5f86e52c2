/* export_http.c - one HTTP endpoint: POST request bodies through libcurl. */
#include "export_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export_gzip.h"

#define DEFAULT_TIMEOUT_MS	10000

#ifndef RIPTEL_VERSION
#define RIPTEL_VERSION "0"
#endif

struct export_http {
	CURL *curl;
	struct curl_slist *headers;
	bool gzip;
	/* gzip output, kept between requests */
	uint8_t *zbuf;
	size_t zcap;
	/* response */
	uint8_t *body;
	size_t body_len;
	size_t body_cap;
	bool body_truncated;
	char curl_err[CURL_ERROR_SIZE];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

/* curl_global_init is not safe to race; do it once for the process. */
static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	struct export_http *h = ctx;
	size_t n = size * nmemb, room;

	/* Past the cap the rest is read and discarded, so the connection
	 * stays usable; the timeout bounds a receiver that never stops. */
	room = EXPORT_HTTP_BODY_MAX - h->body_len;
	if (n > room)
		h->body_truncated = true;
	if (room && n) {
		size_t take = n < room ? n : room;

		if (h->body_len + take > h->body_cap) {
			size_t cap = h->body_cap ? h->body_cap : 4096;
			uint8_t *p;

			while (cap < h->body_len + take)
				cap *= 2;
			if (cap > EXPORT_HTTP_BODY_MAX)
				cap = EXPORT_HTTP_BODY_MAX;
			p = realloc(h->body, cap);
			if (!p)
				return 0;	/* CURLE_WRITE_ERROR */
			h->body = p;
			h->body_cap = cap;
		}
		memcpy(h->body + h->body_len, ptr, take);
		h->body_len += take;
	}
	return n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	const atomic_bool *abort = ctx;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return abort && atomic_load(abort) ? 1 : 0;
}

static int add_header(struct export_http *h, const char *line)
{
	struct curl_slist *l = curl_slist_append(h->headers, line);

	if (!l)
		return -ENOMEM;
	h->headers = l;
	return 0;
}

static bool header_ok(const char *line)
{
	const char *colon = strchr(line, ':'), *p;

	if (!colon || colon == line)
		return false;
	for (p = line; *p; p++)
		if (*p == '\r' || *p == '\n')
			return false;
	return true;
}

int export_http_new(const struct export_http_opts *o, struct export_http **out,
		    char *err, size_t errlen)
{
	struct export_http *h;
	long timeout;
	size_t i;
	int rc = -ENOMEM;

	*out = NULL;
	if (!o->url || strncasecmp(o->url, "http", 4)) {
		snprintf(err, errlen, "export URL \"%s\" is not http(s)",
			 o->url ? o->url : "");
		return -EINVAL;
	}
	if (!o->client_cert != !o->client_key) {
		snprintf(err, errlen,
			 "a client certificate needs a client key and the other way round");
		return -EINVAL;
	}
	for (i = 0; i < o->nheaders; i++) {
		if (!header_ok(o->headers[i])) {
			snprintf(err, errlen, "bad HTTP header line \"%s\"",
				 o->headers[i]);
			return -EINVAL;
		}
	}
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl init failed: %s",
			 curl_easy_strerror(global_rc));
		return -EIO;
	}

	h = calloc(1, sizeof(*h));
	if (!h)
		goto out_oom;
	h->gzip = o->gzip;
	h->curl = curl_easy_init();
	if (!h->curl)
		goto out_free;
	{
		char ct[256];

		snprintf(ct, sizeof(ct), "Content-Type: %s",
			 o->content_type ? o->content_type
					 : "application/octet-stream");
		if (add_header(h, ct) ||
		    add_header(h, "Expect:") ||	/* no 100-continue round trip */
		    (o->gzip && add_header(h, "Content-Encoding: gzip")))
			goto out_free;
	}
	for (i = 0; i < o->nheaders; i++)
		if (add_header(h, o->headers[i]))
			goto out_free;

	timeout = o->timeout_ms ? (long)o->timeout_ms : DEFAULT_TIMEOUT_MS;
	if (curl_easy_setopt(h->curl, CURLOPT_URL, o->url) != CURLE_OK) {
		rc = -EINVAL;
		snprintf(err, errlen, "libcurl refused URL \"%s\"", o->url);
		goto out_free;
	}
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "riptel-agent/" RIPTEL_VERSION);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->curl_err);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
	if (o->ca_file)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, o->ca_file);
	if (o->client_cert) {
		curl_easy_setopt(h->curl, CURLOPT_SSLCERT, o->client_cert);
		curl_easy_setopt(h->curl, CURLOPT_SSLKEY, o->client_key);
	}
	*out = h;
	return 0;

out_free:
	export_http_free(h);
out_oom:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

/* Retry-After in ms as libcurl parsed it; 0 when none, bad or past. */
static uint64_t retry_after_ms(CURL *curl)
{
	curl_off_t secs = 0;

	/* libcurl before 8.12 gives a date in the past as a negative delay */
	if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &secs) != CURLE_OK ||
	    secs <= 0)
		return 0;
	/* beyond a day means "not before the retries give up" anyway */
	if (secs > 86400)
		secs = 86400;
	return (uint64_t)secs * 1000;
}

int export_http_send(struct export_http *h, const uint8_t *data, size_t len,
		     const atomic_bool *abort, struct export_http_result *r)
{
	const uint8_t *body = data;
	size_t body_len = len;
	CURLcode cc;
	int err;

	memset(r, 0, sizeof(*r));
	if (len > EXPORT_HTTP_MAX_REQUEST)
		return -E2BIG;
	if (h->gzip) {
		err = export_gzip(data, len, &h->zbuf, &h->zcap, &body_len);
		if (err)
			return err;
		body = h->zbuf;
	}
	h->body_len = 0;
	h->body_truncated = false;
	h->curl_err[0] = '\0';
	curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, (void *)abort);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, (const char *)body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	r->wire_bytes = body_len;

	cc = curl_easy_perform(h->curl);
	if (cc != CURLE_OK) {
		r->transport_error = (int)cc;
		snprintf(r->error, sizeof(r->error), "%s",
			 h->curl_err[0] ? h->curl_err : curl_easy_strerror(cc));
		return 0;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	r->retry_after_ms = retry_after_ms(h->curl);
	r->body = h->body;
	r->body_len = h->body_len;
	r->body_truncated = h->body_truncated;
	return 0;
}

void export_http_free(struct export_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	free(h->zbuf);
	free(h->body);
	free(h);
}
