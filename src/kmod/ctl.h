/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl.h - which records reach the ring: per-type enable and sampling, pid
 * and cgroup filters, checked by the probes before they reserve a slot.
 */
#ifndef _RIPTEL_CTL_H
#define _RIPTEL_CTL_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <net/genetlink.h>
#include "uapi/riptel.h"

/*
 * One word per record type, all in one cache line.  The low bits hold the
 * sample rate N (keep 1 in N); the flags say the type is off or a subject
 * filter is active.  RIPTEL_CTL_PASS (rate 1, no flag) is the default and
 * lets a record through on a single load.
 */
#define RIPTEL_CTL_OFF		(1U << 31)
#define RIPTEL_CTL_FILTER	(1U << 30)
#define RIPTEL_CTL_RATE		0x00ffffffU
#define RIPTEL_CTL_PASS		1U

extern u32 riptel_ctl_words[RIPTEL_REC_TYPE_MAX];

struct task_struct;
struct sock;

/*
 * What a record is about, for the pid and cgroup filters: a task, a
 * socket (its cgroup) or both, else ids a provider supplied (0: unknown),
 * or nothing at all (@none: records about no process pass the filters).
 */
struct riptel_ctl_subject {
	struct task_struct *task;
	const struct sock *sk;
	u32 tgid;
	u64 cgroup;
	bool none;
};

/* The slow path: count and drop a record that is off, filtered or sampled. */
bool riptel_ctl_check(u16 type, u32 word, const struct riptel_ctl_subject *s);

static __always_inline u32 riptel_ctl_word(u16 type)
{
	return READ_ONCE(riptel_ctl_words[type & (RIPTEL_REC_TYPE_MAX - 1)]);
}

/*
 * Whether a record of @type about @task / @sk may be offered to the ring.
 * A record stopped here takes no sequence number and is no ring drop.
 */
static __always_inline bool riptel_ctl_pass(u16 type, struct task_struct *task,
					    const struct sock *sk)
{
	u32 w = riptel_ctl_word(type);
	struct riptel_ctl_subject s = { .task = task, .sk = sk };

	if (likely(w == RIPTEL_CTL_PASS))
		return true;
	return riptel_ctl_check(type, w, &s);
}

/* The same, for a subject a provider named by its tgid and cgroup id. */
static __always_inline bool riptel_ctl_pass_ids(u16 type, u32 tgid, u64 cgroup)
{
	u32 w = riptel_ctl_word(type);
	struct riptel_ctl_subject s = { .tgid = tgid, .cgroup = cgroup };

	if (likely(w == RIPTEL_CTL_PASS))
		return true;
	return riptel_ctl_check(type, w, &s);
}

/* The same, for a record about no process: only type and sampling apply. */
static __always_inline bool riptel_ctl_pass_none(u16 type)
{
	u32 w = riptel_ctl_word(type);
	struct riptel_ctl_subject s = { .none = true };

	if (likely(w == RIPTEL_CTL_PASS))
		return true;
	return riptel_ctl_check(type, w, &s);
}

int riptel_ctl_init(void);
void riptel_ctl_exit(void);

/* STATUS: module and ABI version, ring pages, tracepoints. */
int riptel_ctl_fill_status(struct sk_buff *msg);

/* CTL_GET, CTL_SET and RINGS, with their own attribute policies. */
#define RIPTEL_CTL_NR_OPS 3
extern const struct genl_ops riptel_ctl_ops[RIPTEL_CTL_NR_OPS];

#endif /* _RIPTEL_CTL_H */
