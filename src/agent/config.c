/* config.c - the agent's configuration table, parsed from INI, env and flags. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_ini.h"
#include "redact.h"
#include "telemetry.h"

enum key_type { T_STR, T_U32, T_BOOL, T_OUTPUT, T_TEMPORALITY, T_COMPRESSION };

struct key {
	const char *section;
	const char *name;
	const char *env;	/* NULL: no environment form */
	enum key_type type;
	size_t off;
	uint32_t min, max;	/* T_U32 bounds */
	const char *def;
	const char *help;
};

#define K(sec, nm, env, t, field, mn, mx, def, help)			\
	{ sec, nm, env, t, offsetof(struct config, field), mn, mx, def, help }

/* The one table: every key the agent understands. */
static const struct key keys[] = {
	K("agent", "device", "RIPTEL_DEVICE", T_STR, device, 0, 0,
	  "/dev/riptel", "character device of riptel.ko"),
	K("agent", "output", "RIPTEL_OUTPUT", T_OUTPUT, output, 0, 0,
	  "otlp", "otlp, json (one object per line on stdout) or none"),
	K("agent", "queue_records", NULL, T_U32, queue_records, 1024, 1U << 24,
	  "65536", "records buffered between ring drain and pipeline"),
	K("agent", "shutdown_timeout_ms", NULL, T_U32, shutdown_timeout_ms, 0,
	  600000, "10000", "bound on flushing at SIGTERM"),
	K("agent", "record_file", NULL, T_STR, record_file, 0, 0, "",
	  "also write drained records to this capture file"),
	K("export", "endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", T_STR, endpoint,
	  0, 0, "http://localhost:4318", "OTLP/HTTP base URL; /v1/<signal> is appended"),
	K("export", "traces_endpoint", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
	  T_STR, traces_endpoint, 0, 0, "", "traces URL, used as is"),
	K("export", "metrics_endpoint", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
	  T_STR, metrics_endpoint, 0, 0, "", "metrics URL, used as is"),
	K("export", "logs_endpoint", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", T_STR,
	  logs_endpoint, 0, 0, "", "logs URL, used as is"),
	K("export", "headers", "OTEL_EXPORTER_OTLP_HEADERS", T_STR, headers, 0,
	  0, "", "k=v,k2=v2 sent with every request (values percent-decoded)"),
	K("export", "timeout_ms", "OTEL_EXPORTER_OTLP_TIMEOUT", T_U32,
	  timeout_ms, 1, 600000, "10000", "per-request timeout"),
	K("export", "compression", "OTEL_EXPORTER_OTLP_COMPRESSION",
	  T_COMPRESSION, gzip, 0, 0, "none", "gzip or none (any case)"),
	K("export", "certificate", "OTEL_EXPORTER_OTLP_CERTIFICATE", T_STR,
	  certificate, 0, 0, "", "CA file to trust for https endpoints"),
	K("export", "client_key", "OTEL_EXPORTER_OTLP_CLIENT_KEY", T_STR,
	  client_key, 0, 0, "", "mTLS client key (PEM)"),
	K("export", "client_certificate", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
	  T_STR, client_certificate, 0, 0, "", "mTLS client certificate (PEM)"),
	K("export", "metric_interval_ms", "OTEL_METRIC_EXPORT_INTERVAL", T_U32,
	  metric_interval_ms, 100, 86400000, "60000", "metric export period"),
	K("export", "temporality",
	  "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", T_TEMPORALITY,
	  temporality, 0, 0, "cumulative",
	  "cumulative, delta or lowmemory (any case; per instrument kind as OTLP defines them)"),
	K("export", "batch_delay_ms", "OTEL_BSP_SCHEDULE_DELAY", T_U32,
	  batch_delay_ms, 1, 600000, "5000", "longest a span or log waits"),
	K("export", "max_queue", "OTEL_BSP_MAX_QUEUE_SIZE", T_U32, max_queue, 1,
	  1U << 22, "2048", "spans/logs queued per signal before drops"),
	K("export", "max_batch", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", T_U32,
	  max_batch, 1, 1U << 20, "512", "items per export request"),
	K("export", "max_request_bytes", NULL, T_U32, max_request_bytes,
	  65536, 64U << 20, "4194304",
	  "split requests larger than this (uncompressed protobuf); the Collector refuses bodies over 20 MiB by default"),
	K("prometheus", "listen", "RIPTEL_PROMETHEUS_LISTEN", T_STR,
	  prometheus_listen, 0, 0, "", "host:port for /metrics and /healthz; empty = off"),
	K("resource", "service_name", "OTEL_SERVICE_NAME", T_STR, service_name,
	  0, 0, "riptel-agent", "service.name"),
	K("resource", "attributes", "OTEL_RESOURCE_ATTRIBUTES", T_STR,
	  resource_attributes, 0, 0, "", "k=v,... added to the resource"),
	K("enrich", "proc_root", NULL, T_STR, proc_root, 0, 0, "/proc",
	  "where to read process details"),
	K("enrich", "cmdline", NULL, T_BOOL, cmdline, 0, 0, "false",
	  "record process.command_line (may hold secrets; redacted)"),
	/* the default is the rule set redact.c is tested with, not a copy */
	K("enrich", "redact", NULL, T_STR, redact, 0, 0, redact_default_rules,
	  "';'-separated extended regexes; the last group of each match becomes *** (empty: the default)"),
	K("enrich", "process_cache", NULL, T_U32, process_cache, 16, 1U << 22,
	  "16384", "processes kept in the enrichment cache"),
	K("metrics", "cardinality_limit", NULL, T_U32, cardinality_limit, 1,
	  1U << 20, "2000", "series per metric; the rest fold into otel.metric.overflow"),
	K("metrics", "attribute_filters", NULL, T_STR, attribute_filters, 0, 0,
	  "", "per-metric attribute allow/deny lists: METRIC:allow=a,b:deny=c;..."),
	K("spans", "max_open", NULL, T_U32, max_open_spans, 1, 1U << 22,
	  "65536", "connections tracked at once; oldest evicted and counted"),
	K("spans", "flush_unfinished", NULL, T_BOOL, flush_unfinished, 0, 0,
	  "false", "export still-open connections as unfinished spans at exit"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *value_text(const struct config *c, const struct key *k,
			      char *tmp, size_t len);

/* A value that may hold a credential: error messages leave it out. */
static bool secret(const struct key *k)
{
	return k->off == offsetof(struct config, headers);
}

/* What an error message may show of value v of key k. */
static const char *shown(const struct key *k, const char *v)
{
	return secret(k) ? "(not shown: may hold a credential)" : v;
}

static const struct key *find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) &&
		    !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static bool section_known(const char *section)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section))
			return true;
	return false;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcmp(v, "1") || !strcasecmp(v, "on"))
		*out = true;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
		 !strcmp(v, "0") || !strcasecmp(v, "off"))
		*out = false;
	else
		return false;
	return true;
}

/* Store @v into the field @k names; returns a reason string or NULL. */
static const char *apply(struct config *c, const struct key *k, const char *v)
{
	char *base = (char *)c + k->off;
	unsigned long long n;
	char *end;

	switch (k->type) {
	case T_STR:
		if (strlen(v) >= CONFIG_STR_MAX)
			return "value too long";
		memcpy(base, v, strlen(v) + 1);
		return NULL;
	case T_U32:
		if (!*v || *v == '-')
			return "expected a non-negative integer";
		errno = 0;
		n = strtoull(v, &end, 10);
		if (errno || *end)
			return "expected a non-negative integer";
		if (n < k->min || n > k->max)
			return "out of range";
		*(uint32_t *)base = (uint32_t)n;
		return NULL;
	case T_BOOL:
		if (!parse_bool(v, (bool *)base))
			return "expected true or false";
		return NULL;
	case T_OUTPUT:
		if (!strcmp(v, "otlp"))
			*(int *)base = CONFIG_OUTPUT_OTLP;
		else if (!strcmp(v, "json"))
			*(int *)base = CONFIG_OUTPUT_JSON;
		else if (!strcmp(v, "none"))
			*(int *)base = CONFIG_OUTPUT_NONE;
		else
			return "expected otlp, json or none";
		return NULL;
	case T_TEMPORALITY: {
		enum telemetry_temporality t;

		if (!telemetry_temporality_parse(v, &t))
			return "expected cumulative, delta or lowmemory";
		*(int *)base = (int)t;
		return NULL;
	}
	case T_COMPRESSION:
		if (!strcasecmp(v, "gzip"))
			*(bool *)base = true;
		else if (!strcasecmp(v, "none"))
			*(bool *)base = false;
		else
			return "expected gzip or none";
		return NULL;
	}
	return "internal: unknown key type";
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++)
		apply(c, &keys[i], keys[i].def);
}

struct ini_ctx {
	struct config *c;
	char msg[256];		/* the refused key's reason */
};

static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct ini_ctx *ctx = user;
	const struct key *k = find_key(section, name);
	const char *why;

	if (!k) {
		if (!section_known(section))
			snprintf(ctx->msg, sizeof(ctx->msg),
				 "unknown section [%s]", section);
		else
			snprintf(ctx->msg, sizeof(ctx->msg),
				 "unknown key '%s' in [%s]", name, section);
		return -EINVAL;
	}
	why = apply(ctx->c, k, value);
	if (why) {
		snprintf(ctx->msg, sizeof(ctx->msg), "%s.%s = '%.64s%s': %s",
			 section, name, shown(k, value),
			 !secret(k) && strlen(value) > 64 ? "..." : "", why);
		return -EINVAL;
	}
	return 0;
}

/* Values land in a copy, so a bad file changes nothing. */
int config_load_string(struct config *c, const char *text, const char *name,
		       char *err, size_t errlen)
{
	struct config *tmp = malloc(sizeof(*tmp));
	struct ini_ctx ctx = { .c = tmp };
	char why[256];
	unsigned int line;
	int rc;

	if (!tmp)
		return -ENOMEM;
	*tmp = *c;
	rc = config_ini_parse(text, on_key, &ctx, &line, why, sizeof(why));
	if (rc == -ENOMEM)
		seterr(err, errlen, "%s: out of memory", name);
	else if (rc)
		seterr(err, errlen, "%s:%u: %s", name, line,
		       ctx.msg[0] ? ctx.msg : why);
	else
		*c = *tmp;
	free(tmp);
	return rc;
}

/* The whole file, NUL-terminated; 0 or -errno. */
static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "r");
	size_t cap = 4096, n = 0, got;
	char *buf, *p;
	int rc = 0;

	*out = NULL;
	if (!f)
		return -errno;
	buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (!buf)
		rc = -ENOMEM;
	else if (ferror(f))
		rc = -EIO;
	fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int config_load_file(struct config *c, const char *path, char *err,
		     size_t errlen)
{
	size_t len = 0, line = 1;
	char *text;
	int rc;

	rc = read_all(path, &text, &len);
	if (rc) {
		seterr(err, errlen, "%s: cannot read: %s", path, strerror(-rc));
		return rc;
	}
	if (strlen(text) != len) {	/* a NUL byte would end the text early */
		for (const char *p = text; p < text + strlen(text); p++)
			line += *p == '\n';
		seterr(err, errlen, "%s:%zu: a NUL byte: not a text file", path,
		       line);
		free(text);
		return -EINVAL;
	}
	rc = config_load_string(c, text, path, err, errlen);
	free(text);
	return rc;
}

/* An enum the OpenTelemetry specification defines: unknown values of its
 * OTEL_* variable are warned about and ignored, not fatal. */
static bool otel_enum(const struct key *k)
{
	return (k->type == T_TEMPORALITY || k->type == T_COMPRESSION) &&
	       !strncmp(k->env, "OTEL_", 5);
}

int config_load_env(struct config *c, const char *(*get)(const char *name),
		    config_warn_fn warn, void *warn_ctx, char *err,
		    size_t errlen)
{
	struct config tmp = *c;

	for (size_t i = 0; i < NKEYS; i++) {
		const char *v, *why;

		if (!keys[i].env)
			continue;
		v = get(keys[i].env);
		if (!v || !*v)	/* an empty variable counts as unset */
			continue;
		why = apply(&tmp, &keys[i], v);
		if (why && otel_enum(&keys[i])) {
			char msg[384], cur[32];

			snprintf(msg, sizeof(msg),
				 "%s='%.64s': %s; ignored (unknown values of OTEL_* enums are, per the OpenTelemetry specification), %s.%s stays '%s'",
				 keys[i].env, v, why, keys[i].section,
				 keys[i].name,
				 value_text(&tmp, &keys[i], cur, sizeof(cur)));
			if (warn)
				warn(warn_ctx, msg);
			continue;
		}
		if (why) {
			seterr(err, errlen, "%s='%.64s': %s", keys[i].env,
			       shown(&keys[i], v), why);
			return -EINVAL;
		}
	}
	*c = tmp;
	return 0;
}

int config_set(struct config *c, const char *dotted, const char *value,
	       char *err, size_t errlen)
{
	const char *dot = strchr(dotted, '.');
	char section[64];
	const struct key *k;
	const char *why;

	if (!dot || (size_t)(dot - dotted) >= sizeof(section)) {
		seterr(err, errlen, "'%s': expected section.key", dotted);
		return -EINVAL;
	}
	memcpy(section, dotted, dot - dotted);
	section[dot - dotted] = '\0';
	k = find_key(section, dot + 1);
	if (!k) {
		seterr(err, errlen, "unknown key '%s'", dotted);
		return -EINVAL;
	}
	why = apply(c, k, value);
	if (why) {
		seterr(err, errlen, "%s = '%.64s': %s", dotted, shown(k, value), why);
		return -EINVAL;
	}
	return 0;
}

static const char *value_text(const struct config *c, const struct key *k,
			      char *tmp, size_t len)
{
	const char *base = (const char *)c + k->off;

	switch (k->type) {
	case T_STR:
		return base;
	case T_U32:
		snprintf(tmp, len, "%u", *(const uint32_t *)base);
		return tmp;
	case T_BOOL:
		return *(const bool *)base ? "true" : "false";
	case T_OUTPUT:
		switch (*(const int *)base) {
		case CONFIG_OUTPUT_JSON:
			return "json";
		case CONFIG_OUTPUT_NONE:
			return "none";
		default:
			return "otlp";
		}
	case T_TEMPORALITY:
		return telemetry_temporality_name(*(const int *)base) ?: "cumulative";
	case T_COMPRESSION:
		return *(const bool *)base ? "gzip" : "none";
	}
	return "";
}

static bool mapped_env(const char *entry)
{
	for (size_t i = 0; i < NKEYS; i++) {
		size_t n;

		if (!keys[i].env)
			continue;
		n = strlen(keys[i].env);
		if (!strncmp(entry, keys[i].env, n) && entry[n] == '=')
			return true;
	}
	return false;
}

char **config_env(const struct config *c, char *const *envp)
{
	size_t n = 0, at = 0;
	char **out, tmp[32];

	while (envp && envp[n])
		n++;
	out = calloc(n + NKEYS + 1, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (mapped_env(envp[i]))
			continue;
		out[at] = strdup(envp[i]);
		if (!out[at++])
			goto fail;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		const char *v;

		if (!keys[i].env)
			continue;
		v = value_text(c, &keys[i], tmp, sizeof(tmp));
		if (!*v)
			continue;
		if (asprintf(&out[at], "%s=%s", keys[i].env, v) < 0) {
			out[at] = NULL;
			goto fail;
		}
		at++;
	}
	return out;
fail:
	config_env_free(out);
	return NULL;
}

void config_env_free(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* snprintf that keeps counting past the end, like snprintf itself. */
static size_t put(char *buf, size_t len, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(at < len ? buf + at : NULL, at < len ? len - at : 0, fmt,
		      ap);
	va_end(ap);
	return at + (n > 0 ? (size_t)n : 0);
}

size_t config_format(const struct config *c, char *buf, size_t len)
{
	const char *section = "";
	size_t at = 0;
	char tmp[32];

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(section, keys[i].section)) {
			section = keys[i].section;
			at = put(buf, len, at, "%s[%s]\n", at ? "\n" : "",
				 section);
		}
		at = put(buf, len, at, "%s = %s\n", keys[i].name,
			 value_text(c, &keys[i], tmp, sizeof(tmp)));
	}
	return at;
}

/* Markdown-escape '|' so a regex default cannot break the table. */
static size_t put_cell(char *buf, size_t len, size_t at, const char *s)
{
	for (; *s; s++)
		at = put(buf, len, at, *s == '|' ? "\\|" : "%c", *s);
	return at;
}

size_t config_format_table(char *buf, size_t len)
{
	size_t at = 0;

	if (len)
		buf[0] = '\0';
	at = put(buf, len, at,
		 "| key | environment | default | meaning |\n|---|---|---|---|\n");
	for (size_t i = 0; i < NKEYS; i++) {
		at = put(buf, len, at, "| `%s.%s` | %s%s%s | `", keys[i].section,
			 keys[i].name, keys[i].env ? "`" : "",
			 keys[i].env ? keys[i].env : "",
			 keys[i].env ? "`" : "");
		at = put_cell(buf, len, at, keys[i].def);
		at = put(buf, len, at, "` | %s |\n", keys[i].help);
	}
	return at;
}
