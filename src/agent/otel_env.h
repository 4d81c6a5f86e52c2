/* otel_env.h - the standard OTEL_* environment variables the exporter honours. */
#ifndef RIPTEL_OTEL_ENV_H
#define RIPTEL_OTEL_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "export.h"
#include "export_otlp.h"
#include "model.h"
#include "otlp_encode.h"
#include "telemetry.h"

/*
 * Read from an environ-style array ("NAME=value" strings, NULL-terminated;
 * production passes environ, tests a static table), never from getenv, so
 * parsing is pure.  An empty value counts as unset.  Every per-signal
 * variable (OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_X) overrides its
 * general form OTEL_EXPORTER_OTLP_X for that signal.
 *
 * Defaults: endpoint http://localhost:4318 (+ /v1/<signal>; a per-signal
 * endpoint is used as is), timeout 10000 ms, compression none, protocol
 * http/protobuf (the only one accepted), metric interval 60000 ms,
 * temporality cumulative, BSP delay 5000 ms, queue 2048, batch 512,
 * SDK enabled.
 */

#define OTEL_ENV_DEFAULT_ENDPOINT	"http://localhost:4318"
#define OTEL_ENV_DEFAULT_TIMEOUT_MS	10000
#define OTEL_ENV_DEFAULT_INTERVAL_MS	60000
#define OTEL_ENV_DEFAULT_BSP_DELAY_MS	5000
#define OTEL_ENV_DEFAULT_BSP_QUEUE	2048
#define OTEL_ENV_DEFAULT_BSP_BATCH	512

struct otel_env_export {
	char *url;			/* full URL of this signal */
	char **headers;			/* "Name: value" lines */
	size_t nheaders;
	uint32_t timeout_ms;
	bool gzip;
	char *certificate;		/* NULL when unset */
	char *client_key;
	char *client_certificate;
};

struct otel_env {
	struct otel_env_export sig[OTLP_SIGNALS];	/* by enum otlp_signal */
	struct model_attrs resource_attrs;	/* OTEL_RESOURCE_ATTRIBUTES */
	char *service_name;			/* OTEL_SERVICE_NAME; NULL unset */
	uint32_t metric_export_interval_ms;
	enum telemetry_temporality temporality;
	uint32_t bsp_schedule_delay_ms;
	uint32_t bsp_max_queue_size;
	uint32_t bsp_max_export_batch_size;
	bool sdk_disabled;
};

/*
 * Fill e (zeroed first) from envp (NULL: an empty environment).  0;
 * -EINVAL with "VARIABLE=value: why" in err; -ENOMEM.  On error e is left
 * cleared.
 *
 * The specification's enums (*_COMPRESSION, *_PROTOCOL,
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE) match in any case; an
 * unknown value goes to warn (may be NULL) and is ignored: a per-signal
 * form falls back to the general one, that to the default.  A protocol
 * the specification knows but riptel does not speak (grpc, http/json) is
 * an error.  OTEL_SDK_DISABLED is a boolean: "true" in any case is true,
 * anything else false, with a warning unless it is "false".
 */
int otel_env_load(struct otel_env *e, char *const *envp, config_warn_fn warn,
		  void *warn_ctx, char *err, size_t errlen);
/* Free everything e holds; e is left zeroed.  Accepts NULL. */
void otel_env_clear(struct otel_env *e);

/*
 * Point x's per-signal HTTP options into e (e must outlive x's use) and
 * size o's batches and span and log queues from the OTEL_BSP_* values.
 * Other members of o are left alone; OTEL_SDK_DISABLED is the caller's to
 * act on.
 */
void otel_env_export_opts(const struct otel_env *e, struct export_opts *o,
			  struct export_otlp_opts *x);

/* The value of name in envp, NULL when absent or empty. */
const char *otel_env_get(char *const *envp, const char *name);

/*
 * Parse "k=v,k2=v2" (blanks around keys and values trimmed, values
 * percent-decoded) into malloc'd "k: v" lines.  0, -EINVAL (an entry
 * without '=', an empty or non-token key, a bad escape, a CR/LF/NUL in a
 * value), -ENOMEM.  On error *lines is NULL.
 */
int otel_env_parse_headers(const char *text, char ***lines, size_t *n);
void otel_env_free_lines(char **lines, size_t n);

#endif /* RIPTEL_OTEL_ENV_H */
