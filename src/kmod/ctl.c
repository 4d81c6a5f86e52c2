// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - record control: per-type enable and sampling, pid and cgroup
 * filters, their counters, and the generic netlink commands that read and
 * change them (CTL_GET, CTL_SET, RINGS; see uapi/riptel.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include "compat.h"
#include "ctl.h"
#include "probes.h"
#include "ring.h"

/* the types user space may switch and sample: 1..RIPTEL_REC_TEST */
#define CTL_KNOWN	(((1U << (RIPTEL_REC_TEST + 1)) - 1) & ~1U)

u32 riptel_ctl_words[RIPTEL_REC_TYPE_MAX] __read_mostly = {
	[0 ... RIPTEL_REC_TYPE_MAX - 1] = RIPTEL_CTL_PASS,
};

/* Records stopped per type on this CPU; summed when read. */
struct ctl_pcpu {
	u64 disabled[RIPTEL_REC_TYPE_MAX];
	u64 filtered[RIPTEL_REC_TYPE_MAX];
	u64 sampled[RIPTEL_REC_TYPE_MAX];
	u32 tick[RIPTEL_REC_TYPE_MAX];		/* sampling counters */
};

static DEFINE_PER_CPU(struct ctl_pcpu, ctl_pcpu);

/* An immutable filter; replaced whole under ctl_lock, freed after RCU. */
struct ctl_filter {
	struct rcu_head rcu;
	u32 nr_pids;
	u32 nr_cgroups;
	u32 pids[RIPTEL_FILTER_MAX];
	u64 cgroups[RIPTEL_FILTER_MAX];
};

static DEFINE_MUTEX(ctl_lock);		/* writers of everything below */
static struct ctl_filter __rcu *ctl_filter;	/* NULL: no filter */
static u32 ctl_mask = CTL_KNOWN;		/* enabled types */
static u32 ctl_rate[RIPTEL_REC_TYPE_MAX];	/* 0 means 1 */

static unsigned int disabled_types;
module_param(disabled_types, uint, 0444);
MODULE_PARM_DESC(disabled_types,
		 "mask of record types (bit t = type t, 1..12) not written from load on; riptelctl enable turns them on (default 0)");

static bool ctl_has_pid(const struct ctl_filter *f, u32 pid)
{
	u32 i;

	for (i = 0; i < f->nr_pids; i++)
		if (f->pids[i] == pid)
			return true;
	return false;
}

static bool ctl_has_cgroup(const struct ctl_filter *f, u64 id)
{
	u32 i;

	for (i = 0; i < f->nr_cgroups; i++)
		if (f->cgroups[i] == id)
			return true;
	return false;
}

/* Whether the record's subject matches every active filter list. */
static bool ctl_subject_ok(const struct riptel_ctl_subject *s)
{
	const struct ctl_filter *f;
	bool ok = false;
	u32 tgid;
	u64 cgid;

	if (s->none)
		return true;
	rcu_read_lock();
	f = rcu_dereference(ctl_filter);
	if (!f) {			/* cleared since the word was read */
		ok = true;
		goto out;
	}
	tgid = s->task ? s->task->tgid : s->tgid;
	if (f->nr_pids && !(tgid && ctl_has_pid(f, tgid)))
		goto out;
	if (f->nr_cgroups) {
		if (s->sk)
			cgid = riptel_sk_cgroup_id(s->sk);
		else if (s->task)
			cgid = riptel_task_cgroup_id(s->task);
		else
			cgid = s->cgroup;
		if (!cgid || !ctl_has_cgroup(f, cgid))
			goto out;
	}
	ok = true;
out:
	rcu_read_unlock();
	return ok;
}

/*
 * this_cpu_inc() is safe against a probe interrupting another on the same
 * CPU, so every record checked lands in exactly one counter or the ring.
 */
bool riptel_ctl_check(u16 type, u32 word, const struct riptel_ctl_subject *s)
{
	u32 rate = word & RIPTEL_CTL_RATE;

	type &= RIPTEL_REC_TYPE_MAX - 1;
	if (word & RIPTEL_CTL_OFF) {
		this_cpu_inc(ctl_pcpu.disabled[type]);
		return false;
	}
	if ((word & RIPTEL_CTL_FILTER) && !ctl_subject_ok(s)) {
		this_cpu_inc(ctl_pcpu.filtered[type]);
		return false;
	}
	if (rate > 1 && this_cpu_inc_return(ctl_pcpu.tick[type]) % rate) {
		this_cpu_inc(ctl_pcpu.sampled[type]);
		return false;
	}
	return true;
}

/* Recompute every type's word from the settings.  Caller holds ctl_lock. */
static void ctl_publish(void)
{
	bool filter = rcu_access_pointer(ctl_filter) != NULL;
	unsigned int t;
	u32 w;

	for (t = 0; t < RIPTEL_REC_TYPE_MAX; t++) {
		w = ctl_rate[t] ? ctl_rate[t] : 1;
		if (!(ctl_mask & BIT(t)))
			w |= RIPTEL_CTL_OFF;
		if (filter)
			w |= RIPTEL_CTL_FILTER;
		WRITE_ONCE(riptel_ctl_words[t], w);
	}
}

int riptel_ctl_init(void)
{
	if (disabled_types & ~CTL_KNOWN) {
		pr_err("disabled_types=%#x: only bits 1..%d name record types\n",
		       disabled_types, RIPTEL_REC_TEST);
		return -EINVAL;
	}
	mutex_lock(&ctl_lock);
	ctl_mask = CTL_KNOWN & ~disabled_types;
	ctl_publish();
	mutex_unlock(&ctl_lock);
	return 0;
}

/* Called once no probe can run any more. */
void riptel_ctl_exit(void)
{
	struct ctl_filter *f;

	mutex_lock(&ctl_lock);
	f = rcu_replace_pointer(ctl_filter, NULL, lockdep_is_held(&ctl_lock));
	mutex_unlock(&ctl_lock);
	if (f)
		kfree_rcu(f, rcu);
}

int riptel_ctl_fill_status(struct sk_buff *msg)
{
	struct riptel_info ri;
	struct nlattr *nest;
	const char *name;
	unsigned int i;
	bool attached;

	riptel_ring_info(&ri);
	if (nla_put_string(msg, RIPTEL_A_MODULE_VERSION, RIPTEL_VERSION) ||
	    nla_put_u32(msg, RIPTEL_A_ABI_VERSION, RIPTEL_ABI_VERSION) ||
	    nla_put_u32(msg, RIPTEL_A_RING_PAGES, ri.data_size >> PAGE_SHIFT))
		return -EMSGSIZE;
	for (i = 0; (name = riptel_probes_tracepoint(i, &attached)); i++) {
		nest = nla_nest_start(msg, RIPTEL_A_TRACEPOINT);
		if (!nest ||
		    nla_put_string(msg, RIPTEL_A_TP_NAME, name) ||
		    nla_put_u8(msg, RIPTEL_A_TP_ATTACHED, attached))
			return -EMSGSIZE;
		nla_nest_end(msg, nest);
	}
	return 0;
}

/*
 * genlmsg_put() for a message of the "riptel" family, taking the family id
 * from the request (its nlmsg_type), so this file needs no handle on the
 * family structure that genl.c registers.
 */
static void *ctl_genlmsg_put(struct sk_buff *skb, u32 portid, u32 seq,
			     u16 family, int flags, u8 cmd)
{
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(skb, portid, seq, family, GENL_HDRLEN, flags);
	if (!nlh)
		return NULL;
	g = nlmsg_data(nlh);
	g->cmd = cmd;
	g->version = RIPTEL_GENL_VERSION;
	g->reserved = 0;
	return (char *)g + GENL_HDRLEN;
}

static int ctl_put_type(struct sk_buff *msg, unsigned int t)
{
	u64 disabled = 0, filtered = 0, sampled = 0;
	struct nlattr *nest;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		const struct ctl_pcpu *c = per_cpu_ptr(&ctl_pcpu, cpu);

		disabled += READ_ONCE(c->disabled[t]);
		filtered += READ_ONCE(c->filtered[t]);
		sampled += READ_ONCE(c->sampled[t]);
	}
	nest = nla_nest_start(msg, RIPTEL_A_TYPE_STATS);
	if (!nest ||
	    nla_put_u32(msg, RIPTEL_A_TYPE, t) ||
	    nla_put_u32(msg, RIPTEL_A_SAMPLE_RATE,
			READ_ONCE(riptel_ctl_words[t]) & RIPTEL_CTL_RATE) ||
	    nla_put_u64_64bit(msg, RIPTEL_A_DISABLED, disabled, RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(msg, RIPTEL_A_FILTERED, filtered, RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(msg, RIPTEL_A_SAMPLED_OUT, sampled, RIPTEL_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * CTL_GET: the type settings and counters for everyone; which pids and
 * cgroups are watched (the lists) only for CAP_NET_ADMIN, the same check
 * GENL_ADMIN_PERM makes, so a user learns only how long they are.
 */
static int ctl_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	bool admin = netlink_capable(skb, CAP_NET_ADMIN);
	const struct ctl_filter *f;
	u32 nr_pids, nr_cgroups;
	struct sk_buff *msg;
	unsigned int t;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = ctl_genlmsg_put(msg, info->snd_portid, info->snd_seq,
			      info->nlhdr->nlmsg_type, 0, RIPTEL_CMD_CTL_GET);
	if (!hdr)
		goto err_free;
	mutex_lock(&ctl_lock);
	f = rcu_dereference_protected(ctl_filter, lockdep_is_held(&ctl_lock));
	nr_pids = f ? f->nr_pids : 0;
	nr_cgroups = f ? f->nr_cgroups : 0;
	err = nla_put_u32(msg, RIPTEL_A_TYPE_MASK, ctl_mask) ||
	      nla_put_u32(msg, RIPTEL_A_NR_PIDS, nr_pids) ||
	      nla_put_u32(msg, RIPTEL_A_NR_CGROUPS, nr_cgroups);
	if (!err && admin)
		err = nla_put(msg, RIPTEL_A_PIDS, nr_pids * sizeof(u32),
			      f ? f->pids : NULL) ||
		      nla_put(msg, RIPTEL_A_CGROUPS, nr_cgroups * sizeof(u64),
			      f ? f->cgroups : NULL);
	for (t = RIPTEL_REC_EXEC; !err && t <= RIPTEL_REC_TEST; t++)
		err = ctl_put_type(msg, t);
	mutex_unlock(&ctl_lock);
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Apply FILTER_CLEAR, then the DELs, then the ADDs, to @f. */
static int ctl_edit_filter(struct ctl_filter *f, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	u32 clear = a[RIPTEL_A_FILTER_CLEAR] ?
		    nla_get_u32(a[RIPTEL_A_FILTER_CLEAR]) : 0;
	u32 i, pid;
	u64 id;

	if (clear & RIPTEL_CLEAR_PIDS)
		f->nr_pids = 0;
	if (clear & RIPTEL_CLEAR_CGROUPS)
		f->nr_cgroups = 0;
	if (a[RIPTEL_A_PID_DEL]) {
		pid = nla_get_u32(a[RIPTEL_A_PID_DEL]);
		for (i = 0; i < f->nr_pids && f->pids[i] != pid; i++)
			;
		if (i == f->nr_pids) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[RIPTEL_A_PID_DEL],
					    "pid not in the filter");
			return -ENOENT;
		}
		f->pids[i] = f->pids[--f->nr_pids];
	}
	if (a[RIPTEL_A_CGROUP_DEL]) {
		id = nla_get_u64(a[RIPTEL_A_CGROUP_DEL]);
		for (i = 0; i < f->nr_cgroups && f->cgroups[i] != id; i++)
			;
		if (i == f->nr_cgroups) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[RIPTEL_A_CGROUP_DEL],
					    "cgroup not in the filter");
			return -ENOENT;
		}
		f->cgroups[i] = f->cgroups[--f->nr_cgroups];
	}
	if (a[RIPTEL_A_PID_ADD]) {
		pid = nla_get_u32(a[RIPTEL_A_PID_ADD]);
		if (!ctl_has_pid(f, pid)) {
			if (f->nr_pids == RIPTEL_FILTER_MAX) {
				NL_SET_ERR_MSG_ATTR(info->extack,
						    a[RIPTEL_A_PID_ADD],
						    "pid filter is full");
				return -ENOSPC;
			}
			f->pids[f->nr_pids++] = pid;
		}
	}
	if (a[RIPTEL_A_CGROUP_ADD]) {
		id = nla_get_u64(a[RIPTEL_A_CGROUP_ADD]);
		if (!ctl_has_cgroup(f, id)) {
			if (f->nr_cgroups == RIPTEL_FILTER_MAX) {
				NL_SET_ERR_MSG_ATTR(info->extack,
						    a[RIPTEL_A_CGROUP_ADD],
						    "cgroup filter is full");
				return -ENOSPC;
			}
			f->cgroups[f->nr_cgroups++] = id;
		}
	}
	return 0;
}

static bool ctl_filter_edits(struct nlattr **a)
{
	return a[RIPTEL_A_FILTER_CLEAR] || a[RIPTEL_A_PID_ADD] ||
	       a[RIPTEL_A_PID_DEL] || a[RIPTEL_A_CGROUP_ADD] ||
	       a[RIPTEL_A_CGROUP_DEL];
}

/* All or nothing: every check passes before anything changes. */
static int ctl_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct ctl_filter *nf = NULL, *old = NULL;
	u32 on = 0, off = 0, type = 0, rate = 0;
	int err = 0;

	if (a[RIPTEL_A_TYPES_ON])
		on = nla_get_u32(a[RIPTEL_A_TYPES_ON]);
	if (a[RIPTEL_A_TYPES_OFF])
		off = nla_get_u32(a[RIPTEL_A_TYPES_OFF]);
	if (on & off) {
		NL_SET_ERR_MSG(info->extack,
			       "a type is both enabled and disabled");
		return -EINVAL;
	}
	if (!a[RIPTEL_A_TYPE] != !a[RIPTEL_A_SAMPLE_RATE]) {
		NL_SET_ERR_MSG(info->extack,
			       "TYPE and SAMPLE_RATE go together");
		return -EINVAL;
	}
	if (a[RIPTEL_A_TYPE]) {
		type = nla_get_u32(a[RIPTEL_A_TYPE]);
		rate = nla_get_u32(a[RIPTEL_A_SAMPLE_RATE]);
	}
	if (ctl_filter_edits(a)) {
		nf = kzalloc(sizeof(*nf), GFP_KERNEL);
		if (!nf)
			return -ENOMEM;
	}

	mutex_lock(&ctl_lock);
	if (nf) {
		old = rcu_dereference_protected(ctl_filter,
						lockdep_is_held(&ctl_lock));
		if (old) {
			nf->nr_pids = old->nr_pids;
			nf->nr_cgroups = old->nr_cgroups;
			memcpy(nf->pids, old->pids, sizeof(nf->pids));
			memcpy(nf->cgroups, old->cgroups, sizeof(nf->cgroups));
		}
		err = ctl_edit_filter(nf, info);
		if (err)
			goto unlock;
		if (!nf->nr_pids && !nf->nr_cgroups) {
			kfree(nf);
			nf = NULL;
		}
		/* pairs with rcu_dereference() in ctl_subject_ok() */
		rcu_assign_pointer(ctl_filter, nf);
		nf = NULL;			/* published */
		if (old)
			kfree_rcu(old, rcu);
	}
	ctl_mask = (ctl_mask | on) & ~off;
	if (type)
		ctl_rate[type] = rate;
	ctl_publish();
unlock:
	mutex_unlock(&ctl_lock);
	kfree(nf);				/* unpublished, on error */
	return err;
}

/*
 * One ring's line.  TAIL is what the consumer wrote, as it is now: the
 * producer's own copy lags by up to a ring, because it reads the tail only
 * when the ring looks full or a wake-up is due.  The consumer's value is
 * untrusted, so it is clamped to [the last tail the producer accepted,
 * HEAD], the range a valid tail lies in: FILL stays in 0..DATA_SIZE.
 */
static int ctl_put_ring(struct sk_buff *skb, struct netlink_callback *cb,
			const struct ring *r)
{
	const struct riptel_prod_page *p = r->prod;
	u64 accepted = READ_ONCE(r->tail);
	u64 head = READ_ONCE(p->head);
	u64 tail = READ_ONCE(r->cons->tail);
	void *hdr;

	/* head read after accepted: accepted <= head holds, wrap-safe */
	if (tail - accepted > head - accepted)
		tail = tail - accepted > (u64)S64_MAX ? accepted : head;

	hdr = ctl_genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
			      cb->nlh->nlmsg_seq, cb->nlh->nlmsg_type,
			      NLM_F_MULTI, RIPTEL_CMD_RINGS);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, RIPTEL_A_CPU, r->cpu) ||
	    nla_put_u64_64bit(skb, RIPTEL_A_DATA_SIZE, r->size, RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(skb, RIPTEL_A_HEAD, head, RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(skb, RIPTEL_A_TAIL, tail, RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(skb, RIPTEL_A_FILL, head - tail, RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(skb, RIPTEL_A_WRITTEN, READ_ONCE(p->written),
			      RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(skb, RIPTEL_A_DROPPED, READ_ONCE(p->dropped),
			      RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(skb, RIPTEL_A_CONSUMER_ERRORS,
			      READ_ONCE(p->consumer_errors), RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(skb, RIPTEL_A_DROPPED_NMI,
			      READ_ONCE(p->dropped_nmi), RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(skb, RIPTEL_A_DROPPED_NESTED,
			      READ_ONCE(p->dropped_nested), RIPTEL_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Dump cursor: cb->args[0] is the next CPU to report. */
static int ctl_dump_rings(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct riptel_cpu_ring *cr;
	unsigned int cpu;

	for (cpu = cb->args[0]; cpu < nr_cpu_ids; cpu++) {
		cr = riptel_ring_get(cpu);
		if (cr && ctl_put_ring(skb, cb, &cr->r))
			break;
	}
	cb->args[0] = cpu;
	return skb->len;
}

/* not const: 6.1's struct nla_policy points at a mutable range */
static struct netlink_range_validation ctl_rate_range = {
	.min = 1,
	.max = RIPTEL_SAMPLE_MAX,
};

/* CTL_GET and RINGS take no attributes: any attribute is rejected. */
static const struct nla_policy ctl_none_policy[RIPTEL_A_MAX + 1] = {
	[RIPTEL_A_UNSPEC] = { .type = NLA_REJECT },
};

static const struct nla_policy ctl_set_policy[RIPTEL_A_MAX + 1] = {
	[RIPTEL_A_TYPES_ON]	= NLA_POLICY_MASK(NLA_U32, CTL_KNOWN),
	[RIPTEL_A_TYPES_OFF]	= NLA_POLICY_MASK(NLA_U32, CTL_KNOWN),
	[RIPTEL_A_TYPE]		= NLA_POLICY_RANGE(NLA_U32, RIPTEL_REC_EXEC,
						   RIPTEL_REC_TEST),
	[RIPTEL_A_SAMPLE_RATE]	= NLA_POLICY_FULL_RANGE(NLA_U32, &ctl_rate_range),
	[RIPTEL_A_PID_ADD]	= NLA_POLICY_MIN(NLA_U32, 1),
	[RIPTEL_A_PID_DEL]	= NLA_POLICY_MIN(NLA_U32, 1),
	[RIPTEL_A_CGROUP_ADD]	= NLA_POLICY_MIN(NLA_U64, 1),
	[RIPTEL_A_CGROUP_DEL]	= NLA_POLICY_MIN(NLA_U64, 1),
	[RIPTEL_A_FILTER_CLEAR]	= NLA_POLICY_MASK(NLA_U32, RIPTEL_CLEAR_PIDS |
						  RIPTEL_CLEAR_CGROUPS),
};

const struct genl_ops riptel_ctl_ops[RIPTEL_CTL_NR_OPS] = {
	{
		.cmd = RIPTEL_CMD_CTL_GET,
		.doit = ctl_cmd_get,
		.policy = ctl_none_policy,
		.maxattr = RIPTEL_A_MAX,
	},
	{
		.cmd = RIPTEL_CMD_CTL_SET,
		.doit = ctl_cmd_set,
		.policy = ctl_set_policy,
		.maxattr = RIPTEL_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RIPTEL_CMD_RINGS,
		.dumpit = ctl_dump_rings,
		.policy = ctl_none_policy,
		.maxattr = RIPTEL_A_MAX,
	},
};
