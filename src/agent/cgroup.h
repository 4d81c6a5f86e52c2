/* cgroup.h - cgroup path to container id, Kubernetes pod UID and systemd unit. */
#ifndef RIPTEL_CGROUP_H
#define RIPTEL_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CGROUP_CONTAINER_ID_LEN	64	/* hex digits */
#define CGROUP_POD_UID_LEN	36	/* canonical UUID */
#define CGROUP_UNIT_MAX		256

enum cgroup_runtime {
	CGROUP_RUNTIME_NONE = 0,
	CGROUP_RUNTIME_DOCKER,
	CGROUP_RUNTIME_CONTAINERD,
	CGROUP_RUNTIME_CRIO,
	CGROUP_RUNTIME_PODMAN,
};

/* Every string is empty when the path does not carry it. */
struct cgroup_info {
	enum cgroup_runtime runtime;
	char container_id[CGROUP_CONTAINER_ID_LEN + 1];
	char pod_uid[CGROUP_POD_UID_LEN + 1];	/* with '-', as the API shows it */
	char unit[CGROUP_UNIT_MAX];		/* innermost .service or .scope */
};

/*
 * Understands the shapes the cgroupfs and systemd drivers produce, e.g.
 *   /docker/<id>                      /system.slice/docker-<id>.scope
 *   /kubepods/burstable/pod<uid>/<id>
 *   /kubepods.slice/kubepods-besteffort.slice/
 *       kubepods-besteffort-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope
 *   .../crio-<id>.scope               .../libpod-<id>.scope
 *   /system.slice/containerd.service/kubepods-pod<uid>.slice:cri-containerd:<id>
 * Returns 0, or -EINVAL for NULL arguments or a path not starting with '/'.
 */
int cgroup_parse(const char *path, struct cgroup_info *out);

/*
 * Read <proc_root>/<pid>/cgroup and copy the unified (v2, "0::") path, or on
 * a v1-only system the name=systemd one, into buf.  0, -ENOENT (no such
 * process or no usable line), -ENAMETOOLONG, or -errno from open/read.
 */
int cgroup_read_proc(const char *proc_root, uint32_t pid, char *buf, size_t len);

const char *cgroup_runtime_name(enum cgroup_runtime r);

#endif /* RIPTEL_CGROUP_H */
