/* config.h - the agent's configuration: one table of keys, three sources. */
#ifndef RIPTEL_CONFIG_H
#define RIPTEL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Precedence, lowest first: built-in defaults < config file
 * (/etc/riptel/agent.conf) < environment (OTEL_* and RIPTEL_*) < command-line
 * flags.  Every key has exactly one row in config.c's table, which names its
 * section, key, environment variable, type, bounds and help text; the
 * parser, `--check-config` and the README's table are all driven by it.
 */

/* every string value, NUL included: room for long bearer tokens in
 * export.headers and long filter lists */
#define CONFIG_STR_MAX	8192

enum config_output {
	CONFIG_OUTPUT_OTLP = 0,
	CONFIG_OUTPUT_JSON,
	CONFIG_OUTPUT_NONE,
};

struct config {
	/* [agent] */
	char device[CONFIG_STR_MAX];
	int output;			/* enum config_output */
	uint32_t queue_records;		/* drain -> pipeline queue capacity */
	uint32_t shutdown_timeout_ms;	/* SIGTERM flush bound */
	char record_file[CONFIG_STR_MAX];
	/* [export] */
	char endpoint[CONFIG_STR_MAX];
	char traces_endpoint[CONFIG_STR_MAX];
	char metrics_endpoint[CONFIG_STR_MAX];
	char logs_endpoint[CONFIG_STR_MAX];
	char headers[CONFIG_STR_MAX];
	uint32_t timeout_ms;
	bool gzip;
	char certificate[CONFIG_STR_MAX];
	char client_key[CONFIG_STR_MAX];
	char client_certificate[CONFIG_STR_MAX];
	uint32_t metric_interval_ms;
	int temporality;		/* enum telemetry_temporality */
	uint32_t batch_delay_ms;
	uint32_t max_queue;
	uint32_t max_batch;
	uint32_t max_request_bytes;	/* split requests above this size */
	/* [prometheus] */
	char prometheus_listen[CONFIG_STR_MAX];	/* host:port, empty = off */
	/* [resource] */
	char service_name[CONFIG_STR_MAX];
	char resource_attributes[CONFIG_STR_MAX];
	/* [enrich] */
	char proc_root[CONFIG_STR_MAX];
	bool cmdline;
	char redact[CONFIG_STR_MAX];	/* ';'-separated POSIX EREs; "": default */
	uint32_t process_cache;
	/* [metrics] */
	uint32_t cardinality_limit;
	char attribute_filters[CONFIG_STR_MAX];
	/* [spans] */
	uint32_t max_open_spans;
	bool flush_unfinished;
};

/* Set every key to its documented default. */
void config_defaults(struct config *c);

/*
 * Apply an INI file (the syntax is config_ini.h's: GKeyFile's, no line
 * length limit, ';' and '#' inside values kept).  Syntax errors, unknown
 * sections or keys and bad values are errors: on failure returns -EINVAL
 * (or -errno reading the file) and writes "<path>:<line>: <what>" into
 * err, the line being the one at fault.
 */
int config_load_file(struct config *c, const char *path, char *err,
		     size_t errlen);

/* Same, from a string (tests, and `--config -` via stdin). */
int config_load_string(struct config *c, const char *text, const char *name,
		       char *err, size_t errlen);

/* A warning for the top layer to show (config never logs itself). */
typedef void (*config_warn_fn)(void *ctx, const char *msg);

/*
 * Apply environment variables through @get (getenv in production, a table in
 * tests); an empty variable counts as unset.  A bad value is -EINVAL with
 * the variable named in err, except for the enums the OpenTelemetry
 * specification defines (OTEL_EXPORTER_OTLP_COMPRESSION,
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE): their values are
 * matched in any case, and an unknown one is passed to @warn (may be
 * NULL) and ignored, as the specification says.
 */
int config_load_env(struct config *c, const char *(*get)(const char *name),
		    config_warn_fn warn, void *warn_ctx, char *err,
		    size_t errlen);

/* Set one key by "section.key" (command-line `--set section.key=value`). */
int config_set(struct config *c, const char *dotted, const char *value,
	       char *err, size_t errlen);

/*
 * Build the environment the OTLP exporter parses (otel_env.c): @envp (the
 * process's) minus every variable the table maps, plus "NAME=value" for
 * each mapped key whose effective value is non-empty.  So the exporter
 * sees exactly the merged configuration, and per-signal variables the
 * table does not map (OTEL_EXPORTER_OTLP_TRACES_HEADERS, ...) still pass
 * through.  Returns a NULL-terminated array to free with config_env_free(),
 * or NULL (out of memory).
 */
char **config_env(const struct config *c, char *const *envp);
void config_env_free(char **env);

/* Write the effective configuration as INI to @buf; returns bytes needed. */
size_t config_format(const struct config *c, char *buf, size_t len);

/* Write the key table (section, key, env, default, help) as Markdown. */
size_t config_format_table(char *buf, size_t len);

#endif /* RIPTEL_CONFIG_H */
