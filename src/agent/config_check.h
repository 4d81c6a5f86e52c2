/* config_check.h - everything startup would refuse in a configuration, checked in one place. */
#ifndef RIPTEL_CONFIG_CHECK_H
#define RIPTEL_CONFIG_CHECK_H

#include <stddef.h>

#include "config.h"

/*
 * The one validation both `--check-config` and startup (and SIGHUP) run,
 * so the first accepts exactly what the others accept.  It covers every
 * value that is interpreted beyond its type in the key table, without
 * opening the device, binding a port or connecting anywhere:
 *   - the export settings as the exporter sees them (config_env() over
 *     envp, then otel_env_load() and the HTTP options), unless output is
 *     not otlp or OTEL_SDK_DISABLED is true;
 *   - resource.attributes;
 *   - enrich.redact, always compiled (a bad rule is an error whether
 *     enrich.cmdline is on or not);
 *   - prometheus.listen (syntax, and that the host resolves);
 *   - metrics.attribute_filters (syntax and metric names).
 * Warnings (unknown OTEL_* enum values) go to warn, which may be NULL.
 * 0, or -EINVAL/-ENOMEM with "<key or variable>: <why>" in err.
 */
int config_check(const struct config *c, char *const *envp,
		 config_warn_fn warn, void *warn_ctx, char *err, size_t errlen);

#endif /* RIPTEL_CONFIG_CHECK_H */
