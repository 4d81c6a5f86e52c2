/* enrich_cgroup.h - cgroup v2 id to path and container identity, cached. */
#ifndef RIPTEL_ENRICH_CGROUP_H
#define RIPTEL_ENRICH_CGROUP_H

#include <stddef.h>
#include <stdint.h>

struct enrich_proc_entry;

/*
 * A cgroup v2 id is the inode number of its directory under the cgroup
 * mount.  An unknown id triggers a walk of the tree that records every
 * directory (bounded by capacity, least recently used dropped); walks are
 * rate limited, so a stream of unknown ids costs at most one walk per
 * rescan interval.
 */
struct enrich_cgroup_opts {
	const char *sys_root;		/* NULL: /sys/fs/cgroup */
	size_t capacity;		/* cgroups remembered; 0: 4096 */
	uint64_t rescan_ns;		/* minimum time between walks; 0: 1 s */
};

struct enrich_cgroup_stats {
	uint64_t walks;
	uint64_t hits;
	uint64_t misses;
	size_t cached;
};

struct enrich_cgroup;

int enrich_cgroup_new(const struct enrich_cgroup_opts *o, struct enrich_cgroup **out);
void enrich_cgroup_free(struct enrich_cgroup *ec);

/*
 * A referenced entry (drop with enrich_proc_put) describing cgroup id,
 * or NULL when it is unknown (or id is 0).  now_ns is any monotonic time,
 * used for the walk rate limit.
 */
struct enrich_proc_entry *enrich_cgroup_lookup(struct enrich_cgroup *ec, uint64_t id,
					       uint64_t now_ns);
void enrich_cgroup_stats(const struct enrich_cgroup *ec, struct enrich_cgroup_stats *st);

#endif /* RIPTEL_ENRICH_CGROUP_H */
