/* otel_env.c - the standard OTEL_* environment variables the exporter honours. */
#include "otel_env.h"
#include "kvlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resource.h"

#define PREFIX	"OTEL_EXPORTER_OTLP_"

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

struct warner {
	config_warn_fn fn;
	void *ctx;
};

static void warnf(const struct warner *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warnf(const struct warner *w, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	if (!w->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->fn(w->ctx, msg);
}

const char *otel_env_get(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp && *envp; envp++) {
		if (!strncmp(*envp, name, len) && (*envp)[len] == '=')
			return (*envp)[len + 1] ? *envp + len + 1 : NULL;
	}
	return NULL;
}

void otel_env_free_lines(char **lines, size_t n)
{
	size_t i;

	if (!lines)
		return;
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* RFC 9110 token characters, what a header name may hold. */
static bool is_tchar(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

struct header_lines {
	char **v;
	size_t n;
};

/* One decoded entry as a "k: v" line: a token name, a value on one line. */
static int header_line(const char *k, const char *val, size_t vlen, void *ctx)
{
	struct header_lines *h = ctx;
	size_t klen = strlen(k);
	char **nv, *line;
	const char *p;

	for (p = k; *p; p++)
		if (!is_tchar((unsigned char)*p))
			return -EINVAL;
	for (p = val; p < val + vlen; p++)
		if (*p == '\r' || *p == '\n' || *p == '\0')
			return -EINVAL;
	nv = realloc(h->v, (h->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	h->v = nv;
	line = malloc(klen + 2 + vlen + 1);
	if (!line)
		return -ENOMEM;
	memcpy(line, k, klen);
	memcpy(line + klen, ": ", 2);
	memcpy(line + klen + 2, val, vlen + 1);
	h->v[h->n++] = line;
	return 0;
}

int otel_env_parse_headers(const char *text, char ***lines, size_t *n)
{
	struct header_lines h = { NULL, 0 };
	int err;

	*lines = NULL;
	*n = 0;
	err = kvlist_parse(text, header_line, &h);
	if (err) {
		otel_env_free_lines(h.v, h.n);
		return err;
	}
	*lines = h.v;
	*n = h.n;
	return 0;
}

static const char *const sig_upper[OTLP_SIGNALS] = { "METRICS", "TRACES", "LOGS" };

/* The per-signal form of OTEL_EXPORTER_OTLP_<what>, else the general one. */
static const char *sig_get(char *const *envp, enum otlp_signal s,
			   const char *what, char *name, size_t namelen)
{
	const char *v;

	snprintf(name, namelen, PREFIX "%s_%s", sig_upper[s], what);
	v = otel_env_get(envp, name);
	if (v)
		return v;
	snprintf(name, namelen, PREFIX "%s", what);
	return otel_env_get(envp, name);
}

/*
 * The enum variables of the specification (compression, protocol): values
 * match in any case; an unknown one is warned about and ignored, so the
 * per-signal form falls back to the general form, and that to the default.
 * parse returns 1 known, 0 unknown, -EINVAL known but refused.
 */
typedef int (*enum_parse_fn)(const char *v, int *out);

static int sig_enum(char *const *envp, enum otlp_signal s, const char *what,
		    enum_parse_fn parse, int *out, const struct warner *w,
		    char *name, size_t namelen)
{
	const char *v;
	int rc;

	snprintf(name, namelen, PREFIX "%s_%s", sig_upper[s], what);
	v = otel_env_get(envp, name);
	if (v) {
		rc = parse(v, out);
		if (rc)
			return rc < 0 ? rc : 0;
		warnf(w, "%s=%s: unknown value, ignored", name, v);
	}
	snprintf(name, namelen, PREFIX "%s", what);
	v = otel_env_get(envp, name);
	if (v) {
		rc = parse(v, out);
		if (rc)
			return rc < 0 ? rc : 0;
		/* the general form: said once, not once per signal */
		if (s == OTLP_METRICS)
			warnf(w, "%s=%s: unknown value, ignored", name, v);
	}
	return 0;
}

static int parse_compression(const char *v, int *gzip)
{
	if (!strcasecmp(v, "gzip"))
		*gzip = 1;
	else if (!strcasecmp(v, "none"))
		*gzip = 0;
	else
		return 0;
	return 1;
}

static int parse_protocol(const char *v, int *unused)
{
	(void)unused;
	if (!strcasecmp(v, "http/protobuf"))
		return 1;
	if (!strcasecmp(v, "grpc") || !strcasecmp(v, "http/json"))
		return -EINVAL;	/* known, and not what riptel speaks */
	return 0;
}

static int parse_u32(const char *name, const char *v, uint32_t min,
		     uint32_t max, uint32_t *out, char *err, size_t errlen)
{
	unsigned long long x = 0;
	const char *p = v;

	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		goto out_bad;
	for (; isdigit((unsigned char)*p); p++) {
		x = x * 10 + (unsigned long long)(*p - '0');
		if (x > max)
			goto out_bad;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p || x < min)
		goto out_bad;
	*out = (uint32_t)x;
	return 0;
out_bad:
	seterr(err, errlen, "%s=%s: expected an integer from %u to %u", name, v,
	       min, max);
	return -EINVAL;
}

static bool has_scheme(const char *url)
{
	return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

static int dup_opt(const char *v, char **out)
{
	if (!v)
		return 0;
	*out = strdup(v);
	return *out ? 0 : -ENOMEM;
}

static int load_signal(struct otel_env_export *x, enum otlp_signal s,
		       char *const *envp, const struct warner *w, char *err,
		       size_t errlen)
{
	char name[96];
	const char *v;
	int rc, gzip = 0;

	/* Endpoint: the per-signal form as is, the general one + /v1/x. */
	snprintf(name, sizeof(name), PREFIX "%s_ENDPOINT",
		 s == OTLP_METRICS ? "METRICS" : s == OTLP_TRACES ? "TRACES" : "LOGS");
	v = otel_env_get(envp, name);
	if (v) {
		if (!has_scheme(v))
			goto out_url;
		x->url = strdup(v);
	} else {
		const char *base = otel_env_get(envp, PREFIX "ENDPOINT");
		size_t len;

		snprintf(name, sizeof(name), PREFIX "ENDPOINT");
		if (!base)
			base = OTEL_ENV_DEFAULT_ENDPOINT;
		v = base;
		if (!has_scheme(base))
			goto out_url;
		len = strlen(base);
		while (len && base[len - 1] == '/')
			len--;
		if (asprintf(&x->url, "%.*s/v1/%s", (int)len, base,
			     otlp_signal_name(s)) < 0)
			x->url = NULL;
	}
	if (!x->url)
		return -ENOMEM;

	v = sig_get(envp, s, "HEADERS", name, sizeof(name));
	if (v) {
		rc = otel_env_parse_headers(v, &x->headers, &x->nheaders);
		if (rc == -EINVAL)
			seterr(err, errlen,
			       "%s=%s: expected k=v,k2=v2 with token keys and percent-encoded values",
			       name, v);
		if (rc)
			return rc;
	}

	x->timeout_ms = OTEL_ENV_DEFAULT_TIMEOUT_MS;
	v = sig_get(envp, s, "TIMEOUT", name, sizeof(name));
	if (v && parse_u32(name, v, 1, 3600000, &x->timeout_ms, err, errlen))
		return -EINVAL;

	sig_enum(envp, s, "COMPRESSION", parse_compression, &gzip, w, name,
		 sizeof(name));
	x->gzip = gzip;

	if (sig_enum(envp, s, "PROTOCOL", parse_protocol, &gzip, w, name,
		     sizeof(name))) {
		seterr(err, errlen,
		       "%s=%s: riptel speaks only http/protobuf (not grpc or http/json)",
		       name, otel_env_get(envp, name));
		return -EINVAL;
	}

	if (dup_opt(sig_get(envp, s, "CERTIFICATE", name, sizeof(name)),
		    &x->certificate) ||
	    dup_opt(sig_get(envp, s, "CLIENT_KEY", name, sizeof(name)),
		    &x->client_key) ||
	    dup_opt(sig_get(envp, s, "CLIENT_CERTIFICATE", name, sizeof(name)),
		    &x->client_certificate))
		return -ENOMEM;
	if (!x->client_key != !x->client_certificate) {
		seterr(err, errlen,
		       "OTEL_EXPORTER_OTLP_%s_CLIENT_KEY and _CLIENT_CERTIFICATE (or their general forms) must be set together",
		       s == OTLP_METRICS ? "METRICS" : s == OTLP_TRACES ? "TRACES" : "LOGS");
		return -EINVAL;
	}
	return 0;

out_url:
	seterr(err, errlen, "%s=%s: expected an http:// or https:// URL", name, v);
	return -EINVAL;
}

int otel_env_load(struct otel_env *e, char *const *envp, config_warn_fn warn,
		  void *warn_ctx, char *err, size_t errlen)
{
	const struct warner w = { warn, warn_ctx };
	const char *v;
	int s, rc;

	memset(e, 0, sizeof(*e));
	for (s = 0; s < OTLP_SIGNALS; s++) {
		rc = load_signal(&e->sig[s], (enum otlp_signal)s, envp, &w, err,
				 errlen);
		if (rc)
			goto out_clear;
	}

	v = otel_env_get(envp, "OTEL_RESOURCE_ATTRIBUTES");
	if (v) {
		rc = resource_parse_kv(v, &e->resource_attrs);
		if (rc == -EINVAL)
			seterr(err, errlen,
			       "OTEL_RESOURCE_ATTRIBUTES=%s: expected k=v,k2=v2 with percent-encoded values",
			       v);
		if (rc)
			goto out_clear;
	}
	rc = -ENOMEM;
	if (dup_opt(otel_env_get(envp, "OTEL_SERVICE_NAME"), &e->service_name))
		goto out_clear;

	rc = -EINVAL;
	e->metric_export_interval_ms = OTEL_ENV_DEFAULT_INTERVAL_MS;
	v = otel_env_get(envp, "OTEL_METRIC_EXPORT_INTERVAL");
	if (v && parse_u32("OTEL_METRIC_EXPORT_INTERVAL", v, 1, 86400000,
			   &e->metric_export_interval_ms, err, errlen))
		goto out_clear;

	e->temporality = TELEMETRY_TEMPORALITY_CUMULATIVE;
	v = otel_env_get(envp, PREFIX "METRICS_TEMPORALITY_PREFERENCE");
	if (v && !telemetry_temporality_parse(v, &e->temporality))
		warnf(&w, PREFIX "METRICS_TEMPORALITY_PREFERENCE=%s: unknown value, ignored (cumulative)",
		      v);

	e->bsp_schedule_delay_ms = OTEL_ENV_DEFAULT_BSP_DELAY_MS;
	e->bsp_max_queue_size = OTEL_ENV_DEFAULT_BSP_QUEUE;
	e->bsp_max_export_batch_size = OTEL_ENV_DEFAULT_BSP_BATCH;
	v = otel_env_get(envp, "OTEL_BSP_SCHEDULE_DELAY");
	if (v && parse_u32("OTEL_BSP_SCHEDULE_DELAY", v, 1, 3600000,
			   &e->bsp_schedule_delay_ms, err, errlen))
		goto out_clear;
	v = otel_env_get(envp, "OTEL_BSP_MAX_QUEUE_SIZE");
	if (v && parse_u32("OTEL_BSP_MAX_QUEUE_SIZE", v, 1, 1U << 22,
			   &e->bsp_max_queue_size, err, errlen))
		goto out_clear;
	v = otel_env_get(envp, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
	if (v && parse_u32("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", v, 1, 1U << 22,
			   &e->bsp_max_export_batch_size, err, errlen))
		goto out_clear;
	if (e->bsp_max_export_batch_size > e->bsp_max_queue_size) {
		seterr(err, errlen,
		       "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=%u: larger than OTEL_BSP_MAX_QUEUE_SIZE (%u)",
		       e->bsp_max_export_batch_size, e->bsp_max_queue_size);
		goto out_clear;
	}

	/* a boolean: only "true" is true; anything but "false" is said */
	v = otel_env_get(envp, "OTEL_SDK_DISABLED");
	if (v) {
		e->sdk_disabled = !strcasecmp(v, "true");
		if (!e->sdk_disabled && strcasecmp(v, "false"))
			warnf(&w, "OTEL_SDK_DISABLED=%s: neither true nor false, taken as false",
			      v);
	}
	return 0;

out_clear:
	if (rc == -ENOMEM)
		seterr(err, errlen, "out of memory");
	otel_env_clear(e);
	return rc;
}

void otel_env_clear(struct otel_env *e)
{
	int s;

	if (!e)
		return;
	for (s = 0; s < OTLP_SIGNALS; s++) {
		struct otel_env_export *x = &e->sig[s];

		free(x->url);
		otel_env_free_lines(x->headers, x->nheaders);
		free(x->certificate);
		free(x->client_key);
		free(x->client_certificate);
	}
	model_attrs_clear(&e->resource_attrs);
	free(e->service_name);
	memset(e, 0, sizeof(*e));
}

void otel_env_export_opts(const struct otel_env *e, struct export_opts *o,
			  struct export_otlp_opts *xo)
{
	int s;

	for (s = 0; s < OTLP_SIGNALS; s++) {
		const struct otel_env_export *x = &e->sig[s];
		struct export_http_opts *h = &xo->http[s];

		h->url = x->url;
		h->headers = (const char *const *)x->headers;
		h->nheaders = x->nheaders;
		h->timeout_ms = x->timeout_ms;
		h->gzip = x->gzip;
		h->ca_file = x->certificate;
		h->client_cert = x->client_certificate;
		h->client_key = x->client_key;
	}
	o->max_batch = e->bsp_max_export_batch_size;
	o->queue_items[OTLP_TRACES] = e->bsp_max_queue_size;
	o->queue_items[OTLP_LOGS] = e->bsp_max_queue_size;
}
