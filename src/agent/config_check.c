/* config_check.c - everything startup would refuse in a configuration, checked in one place. */
#include "config_check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "export_otlp.h"
#include "otel_env.h"
#include "prom.h"
#include "redact.h"
#include "resource.h"
#include "telemetry.h"

/* The exporter main.c would build, built and freed (no thread, no I/O). */
static int check_export(const struct config *c, char *const *envp,
			config_warn_fn warn, void *warn_ctx, char *err,
			size_t errlen)
{
	struct export_otlp_opts oo = { 0 };
	struct export_opts eo = { 0 };
	struct export_exporter x;
	struct otel_env env;
	char why[512];
	char **merged;
	int rc;

	if (c->output != CONFIG_OUTPUT_OTLP)
		return 0;
	merged = config_env(c, envp);
	if (!merged) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = otel_env_load(&env, merged, warn, warn_ctx, why, sizeof(why));
	config_env_free(merged);
	if (rc) {
		snprintf(err, errlen, "export settings: %s", why);
		return rc;
	}
	if (!env.sdk_disabled) {
		otel_env_export_opts(&env, &eo, &oo);
		rc = export_otlp_new(&oo, &x, why, sizeof(why));
		if (rc)
			snprintf(err, errlen, "export settings: %s", why);
		else
			x.ops->free(x.ctx);
	}
	otel_env_clear(&env);
	return rc;
}

int config_check(const struct config *c, char *const *envp,
		 config_warn_fn warn, void *warn_ctx, char *err, size_t errlen)
{
	struct model_attrs attrs = { 0 };
	struct redact *r;
	char why[512];
	int rc;

	rc = resource_parse_kv(c->resource_attributes, &attrs);
	model_attrs_clear(&attrs);
	if (rc) {
		snprintf(err, errlen,
			 "resource.attributes '%.64s': expected k=v,... with percent-encoded values",
			 c->resource_attributes);
		return rc;
	}
	rc = redact_new(c->redact, &r, why, sizeof(why));
	redact_free(r);
	if (rc) {
		snprintf(err, errlen, "enrich.redact: %s",
			 rc == -ENOMEM ? "out of memory" : why);
		return rc;
	}
	if (c->prometheus_listen[0]) {
		rc = prom_listen_check(c->prometheus_listen, why, sizeof(why));
		if (rc) {
			snprintf(err, errlen, "prometheus.listen: %s", why);
			return rc;
		}
	}
	if (c->attribute_filters[0]) {
		rc = telemetry_metric_filters_check(c->attribute_filters, why,
						    sizeof(why));
		if (rc) {
			snprintf(err, errlen, "metrics.attribute_filters: %s", why);
			return rc;
		}
	}
	/* last: its OTEL_RESOURCE_ATTRIBUTES is resource.attributes again */
	return check_export(c, envp, warn, warn_ctx, err, errlen);
}
