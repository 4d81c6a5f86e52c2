/* resource.c - the host and service attributes every export carries. */
#include "resource.h"
#include "kvlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef RIPTEL_VERSION
#define RIPTEL_VERSION "0"
#endif

const char *resource_arch(const char *machine)
{
	static const struct {
		const char *uname, *semconv;
	} map[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i686", "x86" },
		{ "i386", "x86" }, { "armv7l", "arm32" }, { "ppc64le", "ppc64" },
		{ "ppc64", "ppc64" }, { "s390x", "s390x" },
	};

	if (!machine)
		return "";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(machine, map[i].uname) == 0)
			return map[i].semconv;
	return machine;
}

static int read_machine_id(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -ENODATA;
	}
	fclose(f);
	n = strcspn(buf, " \t\r\n");
	buf[n] = '\0';
	return n ? 0 : -ENODATA;
}

int resource_build(struct model_resource *r, const struct resource_opts *o)
{
	static const struct resource_opts none;
	struct utsname u;
	char host[256], mid[128];
	const char *release, *machine, *name;
	int err = 0;

	if (!r)
		return -EINVAL;
	if (!o)
		o = &none;
	model_resource_clear(r);
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	release = o->os_release ? o->os_release : u.release;
	machine = o->machine ? o->machine : u.machine;
	if (o->host_name)
		snprintf(host, sizeof(host), "%s", o->host_name);
	else if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';

	/* extras first: the fixed attributes below are set over them, except
	 * that an explicit host.* or os.* extra is left as the user said */
	if (o->extra)
		err |= model_attrs_merge(&r->attrs, o->extra);
	if (host[0] && !model_attrs_get(&r->attrs, "host.name"))
		err |= model_attrs_set_str(&r->attrs, "host.name", host);
	if (read_machine_id(o->machine_id_path ? o->machine_id_path : "/etc/machine-id",
			    mid, sizeof(mid)) == 0 && !model_attrs_get(&r->attrs, "host.id"))
		err |= model_attrs_set_str(&r->attrs, "host.id", mid);
	if (machine[0] && !model_attrs_get(&r->attrs, "host.arch"))
		err |= model_attrs_set_str(&r->attrs, "host.arch", resource_arch(machine));
	if (!model_attrs_get(&r->attrs, "os.type"))
		err |= model_attrs_set_str(&r->attrs, "os.type", "linux");
	if (release[0] && !model_attrs_get(&r->attrs, "os.version"))
		err |= model_attrs_set_str(&r->attrs, "os.version", release);
	name = o->service_name && o->service_name[0] ? o->service_name : NULL;
	if (name || !model_attrs_get(&r->attrs, "service.name"))
		err |= model_attrs_set_str(&r->attrs, "service.name",
					   name ? name : "riptel-agent");
	if (!model_attrs_get(&r->attrs, "service.version"))
		err |= model_attrs_set_str(&r->attrs, "service.version",
					   o->service_version ? o->service_version :
					   RIPTEL_VERSION);
	if (err) {
		model_resource_clear(r);
		return -ENOMEM;
	}
	return 0;
}

static int add_kv(const char *k, const char *v, size_t vlen, void *ctx)
{
	(void)vlen;
	return model_attrs_set_str(ctx, k, v);
}

int resource_parse_kv(const char *text, struct model_attrs *out)
{
	int err;

	if (!text || !out)
		return -EINVAL;
	model_attrs_clear(out);
	err = kvlist_parse(text, add_kv, out);
	if (err)
		model_attrs_clear(out);
	return err;
}
