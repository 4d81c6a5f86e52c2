/* enrich_proc.h - per-process identity cache, safe against pid reuse. */
#ifndef RIPTEL_ENRICH_PROC_H
#define RIPTEL_ENRICH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "riptel.h"

struct redact;

/*
 * Entries are resolved from /proc when an exec record arrives (or lazily on
 * first lookup), cached in a bounded LRU keyed by tgid and dropped on the
 * process's exit record (pid == tgid) and on a fork record naming the tgid
 * as a new child (the number was reused).
 *
 * A process's start time (stat field 22) is kept with its entry.  A record
 * older than the cached process, or a /proc entry younger than the record,
 * means the pid now belongs to someone else: the lookup then returns an
 * entry built only from what the record carried (flag from_record), which
 * is never cached.  A stranger's identity is never returned.
 *
 * Entries are reference counted: a lookup returns a reference the caller
 * drops with enrich_proc_put(), so an open connection can keep its process
 * identity after the cache evicted or dropped it.
 */
struct enrich_proc_entry {
	unsigned int refs;
	bool from_record;		/* /proc not used (gone, or a stranger) */
	uint32_t pid;			/* tgid */
	uint32_t ppid;
	uint64_t start_boot_ns;		/* CLOCK_BOOTTIME ns; 0 unknown */
	uint64_t cgroup_id;
	uint32_t uid;
	uint32_t gid;
	char comm[RIPTEL_COMM_LEN];
	char exe_name[RIPTEL_COMM_LEN * 4];	/* basename of exe, or comm */
	char container_id[65];			/* "" when none */
	char pod_uid[37];			/* "" when none */
	struct model_attrs attrs;	/* process.*, container.id, k8s.pod.uid, riptides.* */
	struct model_attrs brief;	/* the subset every span carries: see ENRICH_PROC_BRIEF */
};

/* Attributes of a process that spans and logs carry by default. */
#define ENRICH_PROC_BRIEF "process.pid", "process.executable.name", \
	"process.user.name", "container.id", "k8s.pod.uid", "riptides.cgroup.id"

struct enrich_proc_opts {
	const char *proc_root;		/* "/proc", or a fixture tree */
	size_t capacity;		/* cached processes; 0: 16384 */
	bool cmdline;			/* add process.command_line (redacted) */
	const struct redact *redact;	/* required when cmdline */
	bool mono_to_boot_set;		/* use mono_to_boot_ns as given */
	int64_t mono_to_boot_ns;	/* CLOCK_BOOTTIME - CLOCK_MONOTONIC */
	uint64_t clk_tck;		/* 0: sysconf(_SC_CLK_TCK) */
};

/* The subject as the record describes it: the fallback identity. */
struct enrich_proc_hint {
	uint64_t ts_ns;			/* record time, CLOCK_MONOTONIC */
	uint32_t tgid;
	uint32_t ppid;			/* 0 unknown */
	uint64_t cgroup_id;
	bool have_ids;
	uint32_t uid;
	uint32_t gid;
	const char *comm;		/* NULL unknown */
	const char *filename;		/* exec path tail, NULL unknown */
};

struct enrich_proc_stats {
	uint64_t hits;
	uint64_t resolved;		/* read from /proc */
	uint64_t misses;		/* answered from the record only */
	uint64_t strangers;		/* pid reuse detected */
	uint64_t evictions;
	size_t cached;
};

struct enrich_proc;

int enrich_proc_new(const struct enrich_proc_opts *o, struct enrich_proc **out);
void enrich_proc_free(struct enrich_proc *e);

/* Record handlers; records of other types are ignored.  0 or -errno. */
int enrich_proc_exec(struct enrich_proc *e, const struct riptel_record *r);
void enrich_proc_fork(struct enrich_proc *e, const struct riptel_record *r);
void enrich_proc_exit(struct enrich_proc *e, const struct riptel_record *r);

/* A referenced entry for the hint's subject; NULL only without memory. */
struct enrich_proc_entry *enrich_proc_lookup(struct enrich_proc *e,
					     const struct enrich_proc_hint *h);
void enrich_proc_get(struct enrich_proc_entry *p);
void enrich_proc_put(struct enrich_proc_entry *p);

void enrich_proc_stats(const struct enrich_proc *e, struct enrich_proc_stats *s);

/*
 * A referenced entry describing only a cgroup (pid 0, from_record): its id,
 * path and what the path says (container, pod, unit).  For records written
 * outside any process context, which carry a cgroup id but no process.
 * NULL without memory.
 */
struct enrich_proc_entry *enrich_proc_cgroup_entry(uint64_t cgroup_id, const char *path);

#endif /* RIPTEL_ENRICH_PROC_H */
