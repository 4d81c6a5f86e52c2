/* resource.h - the host and service attributes every export carries. */
#ifndef RIPTEL_RESOURCE_H
#define RIPTEL_RESOURCE_H

#include "model.h"

struct resource_opts {
	const char *machine_id_path;	/* NULL: /etc/machine-id */
	const char *service_name;	/* NULL or "": riptel-agent */
	const char *service_version;	/* NULL: RIPTEL_VERSION */
	const char *host_name;		/* NULL: gethostname() */
	const char *os_release;		/* NULL: uname() release */
	const char *machine;		/* NULL: uname() machine */
	/* OTEL_RESOURCE_ATTRIBUTES, already parsed; NULL for none.  These
	 * never override service.name (OTEL_SERVICE_NAME wins, as the
	 * specification says) but may add or override anything else. */
	const struct model_attrs *extra;
};

/*
 * Fill r (cleared first) with host.name, host.id, host.arch, os.type,
 * os.version, service.name, service.version and the extras.  A missing
 * machine-id only leaves host.id out.  0 or -ENOMEM / -EINVAL.
 */
int resource_build(struct model_resource *r, const struct resource_opts *o);

/* The semantic-convention host.arch value for a uname machine string. */
const char *resource_arch(const char *machine);

/*
 * Parse "k=v,k2=v2" (OTEL_RESOURCE_ATTRIBUTES: values percent-decoded,
 * surrounding blanks trimmed) into out.  0, or -EINVAL for an entry
 * without '=' or with an empty key or a bad %-escape; out is then empty.
 */
int resource_parse_kv(const char *text, struct model_attrs *out);

#endif /* RIPTEL_RESOURCE_H */
