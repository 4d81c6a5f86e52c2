/* cgroup.c - cgroup path to container id, Kubernetes pod UID and systemd unit. */
#include "cgroup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* A 64-hex-digit id, possibly wrapped as <prefix><id>.scope. */
static bool match_id(const char *s, size_t n, const char *prefix, char *id)
{
	size_t p = strlen(prefix);

	if (has_suffix(s, n, ".scope"))
		n -= strlen(".scope");
	if (n != p + CGROUP_CONTAINER_ID_LEN || strncmp(s, prefix, p) != 0)
		return false;
	if (!is_hex(s + p, CGROUP_CONTAINER_ID_LEN))
		return false;
	memcpy(id, s + p, CGROUP_CONTAINER_ID_LEN);
	id[CGROUP_CONTAINER_ID_LEN] = '\0';
	return true;
}

/* A component naming a container, in any of the runtimes' shapes. */
static bool parse_container(const char *s, size_t n, bool in_pod,
			    struct cgroup_info *out)
{
	static const struct {
		const char *prefix;
		enum cgroup_runtime runtime;
	} shapes[] = {
		{ "docker-", CGROUP_RUNTIME_DOCKER },
		{ "cri-containerd-", CGROUP_RUNTIME_CONTAINERD },
		{ "crio-", CGROUP_RUNTIME_CRIO },
		{ "libpod-", CGROUP_RUNTIME_PODMAN },
	};
	const char *colon;

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		if (match_id(s, n, shapes[i].prefix, out->container_id)) {
			out->runtime = shapes[i].runtime;
			return true;
		}
	}
	/* "<slice>:cri-containerd:<id>" (containerd with the systemd driver) */
	colon = memchr(s, ':', n);
	if (colon) {
		const char *rt = colon + 1;
		const char *c2 = memchr(rt, ':', n - (size_t)(rt - s));

		if (c2 && match_id(c2 + 1, n - (size_t)(c2 + 1 - s), "",
				   out->container_id)) {
			out->runtime = strncmp(rt, "crio", 4) == 0 ?
				CGROUP_RUNTIME_CRIO : CGROUP_RUNTIME_CONTAINERD;
			return true;
		}
	}
	/* a bare id: /docker/<id>, or /kubepods/.../pod<uid>/<id> */
	if (match_id(s, n, "", out->container_id)) {
		out->runtime = in_pod ? CGROUP_RUNTIME_CONTAINERD : CGROUP_RUNTIME_DOCKER;
		return true;
	}
	return false;
}

/* Canonical UUID from 32 hex digits separated by '-' or '_' in 8-4-4-4-12. */
static bool parse_uuid(const char *s, size_t n, char *uid)
{
	if (n != CGROUP_POD_UID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash) {
			if (s[i] != '-' && s[i] != '_')
				return false;
			uid[i] = '-';
		} else {
			char c = s[i];

			if (c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			if (!is_hex(&c, 1))
				return false;
			uid[i] = c;
		}
	}
	uid[n] = '\0';
	return true;
}

/* pod<uid> or kubepods[-<qos>]-pod<uid>.slice */
static bool parse_pod(const char *s, size_t n, char *uid)
{
	const char *p;

	if (has_suffix(s, n, ".slice"))
		n -= strlen(".slice");
	if (n > 3 && strncmp(s, "pod", 3) == 0)
		return parse_uuid(s + 3, n - 3, uid);
	if (n < 9 || strncmp(s, "kubepods", 8) != 0)
		return false;
	for (p = s + n - 3; p > s; p--)
		if (strncmp(p, "-pod", 4) == 0)
			return parse_uuid(p + 4, n - (size_t)(p + 4 - s), uid);
	return false;
}

int cgroup_parse(const char *path, struct cgroup_info *out)
{
	const char *s;

	if (!path || !out || path[0] != '/')
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	for (s = path; *s;) {
		const char *end;
		size_t n, unit_n;

		while (*s == '/')
			s++;
		end = strchr(s, '/');
		n = end ? (size_t)(end - s) : strlen(s);
		if (n == 0)
			break;
		/* a slice or unit name stops at ':' in the containerd systemd shape */
		unit_n = n;
		if (memchr(s, ':', n))
			unit_n = (size_t)((const char *)memchr(s, ':', n) - s);
		if (!out->pod_uid[0])
			parse_pod(s, unit_n, out->pod_uid);
		/* the innermost container component wins */
		parse_container(s, n, out->pod_uid[0] != '\0', out);
		if ((has_suffix(s, unit_n, ".service") || has_suffix(s, unit_n, ".scope")) &&
		    unit_n < CGROUP_UNIT_MAX) {
			memcpy(out->unit, s, unit_n);
			out->unit[unit_n] = '\0';
		}
		s += n;
	}
	return 0;
}

int cgroup_read_proc(const char *proc_root, uint32_t pid, char *buf, size_t len)
{
	char path[4096], line[4096];
	bool found = false, too_long = false;
	FILE *f;
	int err;

	if (!proc_root || !buf || len == 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%u/cgroup", proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':'), *q;
		bool unified, systemd;

		if (!p)
			continue;
		q = strchr(p + 1, ':');
		if (!q)
			continue;
		unified = strncmp(line, "0::", 3) == 0;
		systemd = strncmp(p + 1, "name=systemd:", 13) == 0;
		if (!unified && !(systemd && !found))
			continue;
		q++;
		q[strcspn(q, "\n")] = '\0';
		if (strlen(q) >= len) {
			too_long = true;
			continue;
		}
		strcpy(buf, q);
		found = true;
		too_long = false;
		if (unified)
			break;
	}
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err)
		return err;
	if (too_long)
		return -ENAMETOOLONG;
	return found ? 0 : -ENOENT;
}

const char *cgroup_runtime_name(enum cgroup_runtime r)
{
	switch (r) {
	case CGROUP_RUNTIME_DOCKER:
		return "docker";
	case CGROUP_RUNTIME_CONTAINERD:
		return "containerd";
	case CGROUP_RUNTIME_CRIO:
		return "cri-o";
	case CGROUP_RUNTIME_PODMAN:
		return "podman";
	case CGROUP_RUNTIME_NONE:
		break;
	}
	return "";
}
