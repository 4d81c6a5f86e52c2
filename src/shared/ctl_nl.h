/*
 * ctl_nl.h - riptelctl's client of the "riptel" generic netlink family:
 * status, record control, ring counters and the identity table.
 */
#ifndef RIPTEL_CTL_NL_H
#define RIPTEL_CTL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "riptel.h"

#define CTL_MAX_TRACEPOINTS 16
#define CTL_MAX_PROVIDERS 16
#define CTL_NAME_LEN 64

struct ctl_status {
	char module_version[CTL_NAME_LEN];	/* "" from an older module */
	uint32_t abi_version;
	uint32_t ring_pages;
	size_t nr_tracepoints;
	struct {
		char name[CTL_NAME_LEN];
		bool attached;
	} tracepoints[CTL_MAX_TRACEPOINTS];
	size_t nr_providers;
	struct {
		char name[CTL_NAME_LEN];
		uint32_t events;
	} providers[CTL_MAX_PROVIDERS];
	uint32_t intern_slots;
	uint32_t intern_used;
	uint64_t intern_inserts;
	uint64_t intern_evictions;
	uint64_t intern_failed;
};

struct ctl_type_stats {
	bool present;			/* the module reported this type */
	uint32_t sample_rate;
	uint64_t disabled;
	uint64_t filtered;
	uint64_t sampled_out;
};

struct ctl_config {
	uint32_t type_mask;
	/* entries in each filter list (NR_PIDS, NR_CGROUPS), for everyone */
	uint32_t filter_pids;
	uint32_t filter_cgroups;
	/* the lists themselves, sent to CAP_NET_ADMIN callers only */
	bool lists;
	size_t nr_pids;
	uint32_t pids[RIPTEL_FILTER_MAX];
	size_t nr_cgroups;
	uint64_t cgroups[RIPTEL_FILTER_MAX];
	struct ctl_type_stats types[RIPTEL_REC_TYPE_MAX];
};

struct ctl_ring {
	uint32_t cpu;
	uint64_t data_size;
	uint64_t head;
	uint64_t tail;
	uint64_t fill;
	uint64_t written;
	uint64_t dropped;
	uint64_t consumer_errors;
	uint64_t dropped_nmi;
	uint64_t dropped_nested;	/* of dropped */
};

/* One CTL_SET request: zero fields are left out. */
struct ctl_set {
	uint32_t types_on;
	uint32_t types_off;
	uint32_t type;			/* with sample_rate */
	uint32_t sample_rate;
	uint32_t pid_add;
	uint32_t pid_del;
	uint64_t cgroup_add;
	uint64_t cgroup_del;
	uint32_t clear;			/* RIPTEL_CLEAR_* */
};

struct ctl_nl;

/*
 * Connect and resolve the family: 0, -ENOENT when riptel is not loaded, or
 * another -errno.
 */
int ctl_nl_open(struct ctl_nl **out);
void ctl_nl_close(struct ctl_nl *c);

/*
 * The requests.  Each returns 0 or -errno: the kernel's error as is
 * (-EPERM without CAP_NET_ADMIN, -EOPNOTSUPP from a module that lacks the
 * command), -EPROTO for a reply that does not parse.
 */
int ctl_nl_status(struct ctl_nl *c, struct ctl_status *st);
int ctl_nl_get(struct ctl_nl *c, struct ctl_config *cfg);
int ctl_nl_set(struct ctl_nl *c, const struct ctl_set *req);
/* *rings is malloc'd, *n entries, sorted by CPU. */
int ctl_nl_rings(struct ctl_nl *c, struct ctl_ring **rings, size_t *n);

typedef int (*ctl_identity_fn)(void *arg, uint32_t id, uint32_t gen,
			       const char *spiffe_id);
/* Call @fn for every interned SPIFFE ID; a non-zero return stops. */
int ctl_nl_identities(struct ctl_nl *c, ctl_identity_fn fn, void *arg);

#endif /* RIPTEL_CTL_NL_H */
