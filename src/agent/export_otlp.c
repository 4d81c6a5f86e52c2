/* export_otlp.c - the OTLP/HTTP exporter: protobuf requests to /v1/<signal>, OTLP's answers. */
#include "export_otlp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_response.h"

struct otlp_exporter {
	struct export_http *http[OTLP_SIGNALS];	/* NULL: not sent */
};

static int otlp_encode(void *ctx, enum otlp_signal s,
		       const struct model_resource *res, const void *batch,
		       size_t first, size_t count, size_t max_len,
		       struct otlp_buf *out)
{
	(void)ctx;
	switch (s) {
	case OTLP_METRICS:
		return otlp_encode_metrics(res, batch, first, count, max_len, out);
	case OTLP_TRACES:
		return otlp_encode_spans(res, batch, first, count, max_len, out);
	case OTLP_LOGS:
		return otlp_encode_logs(res, batch, first, count, max_len, out);
	}
	return -EINVAL;
}

static int otlp_send(void *ctx, enum otlp_signal s, const uint8_t *data,
		     size_t len, const atomic_bool *abort,
		     struct export_response *r)
{
	struct otlp_exporter *x = ctx;
	struct export_http_result hr;
	int rc;

	if (!x->http[s])
		return -EINVAL;
	rc = export_http_send(x->http[s], data, len, abort, &hr);
	if (rc)
		return rc;
	r->status = hr.status;
	r->retry_after_ms = hr.retry_after_ms;
	r->body = hr.body;
	r->body_len = hr.body_len;
	r->wire_bytes = hr.wire_bytes;
	snprintf(r->error, sizeof(r->error), "%s", hr.error);
	return 0;
}

static void otlp_classify(void *ctx, enum otlp_signal s,
			  const struct export_response *r,
			  struct export_outcome *out)
{
	struct otlp_partial p;

	(void)ctx;
	memset(out, 0, sizeof(*out));
	out->verdict = export_retry_classify(r->status);
	switch (out->verdict) {
	case EXPORT_VERDICT_DONE:
		/* a body that does not parse is still a 2xx: all accepted */
		if (otlp_response_parse(s, r->body, r->body_len, &p) || !p.set)
			return;
		out->partial = true;
		out->rejected = p.rejected > 0 ? (uint64_t)p.rejected : 0;
		snprintf(out->message, sizeof(out->message), "%.*s",
			 (int)sizeof(out->message) - 1, p.message);
		return;
	case EXPORT_VERDICT_RETRY:
	case EXPORT_VERDICT_DROP:
		if (r->status && otlp_response_status(r->body, r->body_len,
						      out->message,
						      sizeof(out->message)))
			out->message[0] = '\0';
		return;
	}
}

static void otlp_free(void *ctx)
{
	struct otlp_exporter *x = ctx;
	int s;

	if (!x)
		return;
	for (s = 0; s < OTLP_SIGNALS; s++)
		export_http_free(x->http[s]);
	free(x);
}

static const struct export_ops otlp_ops = {
	.name = "otlp/http",
	.encode = otlp_encode,
	.send = otlp_send,
	.classify = otlp_classify,
	.free = otlp_free,
};

int export_otlp_new(const struct export_otlp_opts *o, struct export_exporter *x,
		    char *err, size_t errlen)
{
	struct otlp_exporter *ox;
	int s, rc;

	memset(x, 0, sizeof(*x));
	ox = calloc(1, sizeof(*ox));
	if (!ox) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (s = 0; s < OTLP_SIGNALS; s++) {
		struct export_http_opts h = o->http[s];

		if (!h.url)
			continue;
		h.content_type = "application/x-protobuf";
		rc = export_http_new(&h, &ox->http[s], err, errlen);
		if (rc) {
			otlp_free(ox);
			return rc;
		}
		x->signals[s] = true;
	}
	x->ops = &otlp_ops;
	x->ctx = ox;
	return 0;
}
