// SPDX-License-Identifier: GPL-2.0
/*
 * rref_policy.c - the policy table (workloads and their SPIFFE IDs, allow
 * rules, the simulated handshake's configuration) and the riptides_ref
 * generic netlink family that loads it (uapi/riptides_ref.h).
 *
 * Written by the family's commands only, under rref_policy_lock (a mutex:
 * they run in process context); read by the netfilter hook under RCU with
 * no lock: workloads are an RCU list whose removed entries are freed after
 * a grace period, rules an array of RCU pointers below a count published
 * with release semantics.  So the connection path takes no lock here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/cgroup.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include "uapi/riptides_ref.h"
#include "rref.h"

#define RREF_SPIFFE_PREFIX	"spiffe://"
#define RREF_DEFAULT_TTL	3600

/* what happened to an identity: selects the identity_* event */
enum rref_id_op {
	RREF_ID_ISSUED,
	RREF_ID_ROTATED,
	RREF_ID_EXPIRED,
	RREF_ID_REVOKED,
};

struct rref_rule {
	struct rcu_head rcu;
	u16 peer_port;			/* 0: match peer_id */
	char *peer_id;
	char local_id[];
};

/* rref_policy_lock serialises the writers of everything below */
static DEFINE_MUTEX(rref_policy_lock);
static LIST_HEAD(rref_idents);
static unsigned int rref_nr_idents;
static struct rref_rule __rcu *rref_rules[RIPTIDES_REF_MAX_RULES];
static unsigned int rref_nr_rules;	/* store-release after the rule */
static u16 rref_tls_version = 0x0304;
static u32 rref_fail_permille;
static bool rref_permissive;

u16 rref_policy_tls_version(void)
{
	return READ_ONCE(rref_tls_version);
}

u32 rref_policy_fail_permille(void)
{
	return READ_ONCE(rref_fail_permille);
}

bool rref_policy_permissive(void)
{
	return READ_ONCE(rref_permissive);
}

static void rref_rule_free(struct rref_rule *rule)
{
	if (!rule)
		return;
	kfree(rule->peer_id);
	kfree(rule);
}

/* The subject's exe, the caller's own, when run in its task's context. */
static void rref_subject_exe(struct rref_subject *s)
{
	struct mm_struct *mm = current->mm;
	struct file *exe;

	s->has_exe = false;
	if (!in_task() || !mm)
		return;
	/*
	 * mm->exe_file is RCU-protected and current's own mm cannot go away
	 * under us; the inode is only compared, never dereferenced further.
	 */
	rcu_read_lock();
	exe = rcu_dereference(mm->exe_file);
	if (exe) {
		s->dev = file_inode(exe)->i_sb->s_dev;
		s->ino = file_inode(exe)->i_ino;
		s->has_exe = true;
	}
	rcu_read_unlock();
}

void rref_subject_sock(struct rref_subject *s, const struct sock *sk)
{
	s->uid = from_kuid_munged(&init_user_ns, sk->sk_uid);
	s->cgroup = cgroup_id(sock_cgroup_ptr((struct sock_cgroup_data *)
					      &sk->sk_cgrp_data));
	rref_subject_exe(s);
}

static bool rref_ident_matches(const struct rref_ident *ident,
			       const struct rref_subject *s, enum rref_sel sel)
{
	if (ident->sel != sel)
		return false;
	switch (sel) {
	case RREF_SEL_EXE:
		return s->has_exe && ident->match.dev == s->dev &&
		       ident->match.ino == s->ino;
	case RREF_SEL_CGROUP:
		return ident->match.cgroup == s->cgroup;
	case RREF_SEL_UID:
		return ident->match.uid == s->uid;
	}
	return false;
}

struct rref_ident *rref_policy_classify(const struct rref_subject *s)
{
	static const enum rref_sel order[] = {
		RREF_SEL_EXE, RREF_SEL_CGROUP, RREF_SEL_UID
	};
	struct rref_ident *ident;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(order); i++) {
		list_for_each_entry_rcu(ident, &rref_idents, node) {
			if (rref_ident_matches(ident, s, order[i]))
				return ident;
		}
	}
	return NULL;
}

static void rref_fire_identity(const struct rref_ident *ident,
			       enum rref_id_op op)
{
	switch (op) {
	case RREF_ID_ISSUED:
		trace_identity_issued(ident->id, ident->serial,
				      ident->serial_len, ident->not_before,
				      ident->not_after);
		break;
	case RREF_ID_ROTATED:
		trace_identity_rotated(ident->id, ident->serial,
				       ident->serial_len, ident->not_before,
				       ident->not_after);
		break;
	case RREF_ID_EXPIRED:
		trace_identity_expired(ident->id, ident->serial,
				       ident->serial_len, ident->not_before,
				       ident->not_after);
		break;
	default:
		trace_identity_revoked(ident->id, ident->serial,
				       ident->serial_len, ident->not_before,
				       ident->not_after);
		break;
	}
}

/*
 * Whether the certificate is valid now: not before not_before (its own
 * reason, so a clock or issuance problem reads differently from an
 * expiry), not after not_after (identity_expired fires once).
 */
u16 rref_policy_validity(struct rref_ident *ident)
{
	s64 now = ktime_get_real_seconds();

	if (now < ident->not_before)
		return RIPTIDES_REASON_NOT_YET_VALID;
	if (now <= ident->not_after)
		return 0;
	if (!test_and_set_bit(RREF_IDENT_EXPIRED_FIRED, &ident->flags))
		rref_fire_identity(ident, RREF_ID_EXPIRED);
	return RIPTIDES_REASON_EXPIRED;
}

void rref_policy_rules(const char *local, const char *peer, u16 port,
		       struct rref_verdict *v)
{
	/* pairs with smp_store_release(&rref_nr_rules) in rule_add */
	unsigned int i, n = smp_load_acquire(&rref_nr_rules);

	for (i = 0; i < n; i++) {
		const struct rref_rule *r = rcu_dereference(rref_rules[i]);

		if (!r || strcmp(r->local_id, local))
			continue;
		if (r->peer_port && r->peer_port == port)
			v->reason = RIPTIDES_REASON_RULE_PORT;
		else if (!r->peer_port && peer && !strcmp(r->peer_id, peer))
			v->reason = RIPTIDES_REASON_RULE_PEER;
		else
			continue;
		v->decision = RIPTIDES_ALLOW;
		v->rule = i;
		return;
	}
	v->decision = RIPTIDES_DENY;
	v->reason = RIPTIDES_REASON_NO_RULE;
}

/* ---- generic netlink ---- */

static const struct nla_policy rref_nl_policy[RREF_A_MAX + 1] = {
	[RREF_A_SEL_UID]	= { .type = NLA_U32 },
	[RREF_A_SEL_EXE]	= { .type = NLA_NUL_STRING, .len = PATH_MAX - 1 },
	[RREF_A_SEL_CGROUP]	= { .type = NLA_U64 },
	[RREF_A_SPIFFE_ID]	= { .type = NLA_NUL_STRING,
				    .len = RIPTIDES_SPIFFE_MAX },
	[RREF_A_SERIAL]		= { .type = NLA_BINARY,
				    .len = RIPTIDES_SERIAL_MAX },
	[RREF_A_NOT_BEFORE]	= { .type = NLA_S64 },
	[RREF_A_NOT_AFTER]	= { .type = NLA_S64 },
	[RREF_A_LOCAL_ID]	= { .type = NLA_NUL_STRING,
				    .len = RIPTIDES_SPIFFE_MAX },
	[RREF_A_PEER_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[RREF_A_PEER_ID]	= { .type = NLA_NUL_STRING,
				    .len = RIPTIDES_SPIFFE_MAX },
	[RREF_A_TLS_VERSION]	= NLA_POLICY_RANGE(NLA_U16, 0x0301, 0x0304),
	[RREF_A_FAIL_PERMILLE]	= NLA_POLICY_MAX(NLA_U32, 1000),
	[RREF_A_PERMISSIVE]	= NLA_POLICY_MAX(NLA_U8, 1),
	[RREF_A_WORKLOADS]	= { .type = NLA_REJECT },
	[RREF_A_RULES]		= { .type = NLA_REJECT },
	[RREF_A_DENIED]		= { .type = NLA_REJECT },
	[RREF_A_ALLOWED]	= { .type = NLA_REJECT },
	[RREF_A_LISTENERS]	= { .type = NLA_REJECT },
	[RREF_A_LISTENERS_FULL]	= { .type = NLA_REJECT },
	[RREF_A_CONNS]		= { .type = NLA_REJECT },
	[RREF_A_CONNS_FULL]	= { .type = NLA_REJECT },
};

static int rref_check_spiffe(struct genl_info *info, int attr)
{
	const char *s = nla_data(info->attrs[attr]);

	if (strncmp(s, RREF_SPIFFE_PREFIX, strlen(RREF_SPIFFE_PREFIX)) ||
	    strlen(s) <= strlen(RREF_SPIFFE_PREFIX)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[attr],
				    "not a spiffe:// ID");
		return -EINVAL;
	}
	return 0;
}

/* Parse exactly one selector into @sel/@m. */
static int rref_parse_selector(struct genl_info *info, enum rref_sel *sel,
			       struct rref_subject *m)
{
	struct nlattr **a = info->attrs;
	struct path path;
	int n = !!a[RREF_A_SEL_UID] + !!a[RREF_A_SEL_EXE] +
		!!a[RREF_A_SEL_CGROUP];
	int err;

	if (n != 1) {
		NL_SET_ERR_MSG(info->extack, "need exactly one selector");
		return -EINVAL;
	}
	memset(m, 0, sizeof(*m));
	if (a[RREF_A_SEL_UID]) {
		*sel = RREF_SEL_UID;
		m->uid = nla_get_u32(a[RREF_A_SEL_UID]);
		return 0;
	}
	if (a[RREF_A_SEL_CGROUP]) {
		*sel = RREF_SEL_CGROUP;
		m->cgroup = nla_get_u64(a[RREF_A_SEL_CGROUP]);
		return 0;
	}
	if (((char *)nla_data(a[RREF_A_SEL_EXE]))[0] != '/') {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RREF_A_SEL_EXE],
				    "exe path must be absolute");
		return -EINVAL;
	}
	err = kern_path(nla_data(a[RREF_A_SEL_EXE]), LOOKUP_FOLLOW, &path);
	if (err) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RREF_A_SEL_EXE],
				    "exe path not found");
		return err;
	}
	*sel = RREF_SEL_EXE;
	m->has_exe = true;
	m->dev = d_inode(path.dentry)->i_sb->s_dev;
	m->ino = d_inode(path.dentry)->i_ino;
	path_put(&path);
	return 0;
}

/* The listed identity with this selector.  Caller holds rref_policy_lock. */
static struct rref_ident *rref_find_locked(enum rref_sel sel,
					   const struct rref_subject *m)
{
	struct rref_ident *ident;

	list_for_each_entry(ident, &rref_idents, node)
		if (rref_ident_matches(ident, m, sel))
			return ident;
	return NULL;
}

/* A new identity from the request, not listed yet; or an ERR_PTR. */
static struct rref_ident *rref_ident_new(struct genl_info *info,
					 enum rref_sel sel,
					 const struct rref_subject *m)
{
	struct nlattr **a = info->attrs;
	struct rref_ident *ident;
	const char *id = nla_data(a[RREF_A_SPIFFE_ID]);
	size_t len = strlen(id);

	ident = kzalloc(struct_size(ident, id, len + 1), GFP_KERNEL);
	if (!ident)
		return ERR_PTR(-ENOMEM);
	ident->sel = sel;
	ident->match = *m;
	memcpy(ident->id, id, len + 1);
	ident->not_before = a[RREF_A_NOT_BEFORE] ?
		nla_get_s64(a[RREF_A_NOT_BEFORE]) : ktime_get_real_seconds();
	ident->not_after = a[RREF_A_NOT_AFTER] ?
		nla_get_s64(a[RREF_A_NOT_AFTER]) :
		ident->not_before + RREF_DEFAULT_TTL;
	if (ident->not_after < ident->not_before) {
		NL_SET_ERR_MSG(info->extack, "not_after before not_before");
		kfree(ident);
		return ERR_PTR(-EINVAL);
	}
	if (a[RREF_A_SERIAL]) {
		ident->serial_len = nla_len(a[RREF_A_SERIAL]);
		memcpy(ident->serial, nla_data(a[RREF_A_SERIAL]),
		       ident->serial_len);
	} else {
		/* a simulated certificate's serial: random and positive */
		ident->serial_len = 8;
		get_random_bytes(ident->serial, ident->serial_len);
		ident->serial[0] &= 0x7f;
	}
	return ident;
}

static int rref_cmd_workload_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct rref_ident *ident, *old;
	struct rref_subject m;
	enum rref_sel sel;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RREF_A_SPIFFE_ID))
		return -EINVAL;
	err = rref_check_spiffe(info, RREF_A_SPIFFE_ID);
	if (err)
		return err;
	if (a[RREF_A_SERIAL] && !nla_len(a[RREF_A_SERIAL])) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[RREF_A_SERIAL],
				    "empty serial");
		return -EINVAL;
	}
	err = rref_parse_selector(info, &sel, &m);
	if (err)
		return err;
	ident = rref_ident_new(info, sel, &m);
	if (IS_ERR(ident))
		return PTR_ERR(ident);

	mutex_lock(&rref_policy_lock);
	old = rref_find_locked(sel, &m);
	if (!old && rref_nr_idents >= RIPTIDES_REF_MAX_WORKLOADS) {
		mutex_unlock(&rref_policy_lock);
		kfree(ident);
		NL_SET_ERR_MSG(info->extack, "workload table full");
		return -ENOSPC;
	}
	if (old) {
		list_replace_rcu(&old->node, &ident->node);
	} else {
		list_add_tail_rcu(&ident->node, &rref_idents);
		rref_nr_idents++;
	}
	if (old && !strcmp(old->id, ident->id)) {
		rref_fire_identity(ident, RREF_ID_ROTATED);
	} else {
		if (old)
			rref_fire_identity(old, RREF_ID_REVOKED);
		rref_fire_identity(ident, RREF_ID_ISSUED);
	}
	mutex_unlock(&rref_policy_lock);
	if (old)
		kfree_rcu(old, rcu);	/* a hook may still be reading it */
	return 0;
}

static int rref_cmd_workload_del(struct sk_buff *skb, struct genl_info *info)
{
	struct rref_ident *old;
	struct rref_subject m;
	enum rref_sel sel;
	int err;

	err = rref_parse_selector(info, &sel, &m);
	if (err)
		return err;
	mutex_lock(&rref_policy_lock);
	old = rref_find_locked(sel, &m);
	if (old) {
		list_del_rcu(&old->node);
		rref_nr_idents--;
		rref_fire_identity(old, RREF_ID_REVOKED);
	}
	mutex_unlock(&rref_policy_lock);
	if (!old)
		return -ENOENT;
	kfree_rcu(old, rcu);
	return 0;
}

static int rref_cmd_rule_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct rref_rule *rule;
	const char *local;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RREF_A_LOCAL_ID))
		return -EINVAL;
	if (!a[RREF_A_PEER_PORT] == !a[RREF_A_PEER_ID]) {
		NL_SET_ERR_MSG(info->extack, "need a peer port or a peer ID");
		return -EINVAL;
	}
	err = rref_check_spiffe(info, RREF_A_LOCAL_ID);
	if (!err && a[RREF_A_PEER_ID])
		err = rref_check_spiffe(info, RREF_A_PEER_ID);
	if (err)
		return err;

	local = nla_data(a[RREF_A_LOCAL_ID]);
	rule = kzalloc(struct_size(rule, local_id, strlen(local) + 1),
		       GFP_KERNEL);
	if (!rule)
		return -ENOMEM;
	memcpy(rule->local_id, local, strlen(local) + 1);
	if (a[RREF_A_PEER_PORT]) {
		rule->peer_port = nla_get_u16(a[RREF_A_PEER_PORT]);
	} else {
		rule->peer_id = kstrdup(nla_data(a[RREF_A_PEER_ID]),
					GFP_KERNEL);
		if (!rule->peer_id) {
			rref_rule_free(rule);
			return -ENOMEM;
		}
	}
	mutex_lock(&rref_policy_lock);
	if (rref_nr_rules >= RIPTIDES_REF_MAX_RULES) {
		mutex_unlock(&rref_policy_lock);
		rref_rule_free(rule);
		NL_SET_ERR_MSG(info->extack, "rule table full");
		return -ENOSPC;
	}
	rcu_assign_pointer(rref_rules[rref_nr_rules], rule);
	/* pairs with smp_load_acquire() in rref_policy_rules() */
	smp_store_release(&rref_nr_rules, rref_nr_rules + 1);
	mutex_unlock(&rref_policy_lock);
	return 0;
}

/*
 * Empty both tables.  Readers see the rule count drop and the workload
 * list empty before a grace period passes, so none holds a rule or a
 * workload when they are freed.  Caller holds rref_policy_lock; @revoke
 * fires identity_revoked for each workload.
 */
static void rref_tables_clear(bool revoke)
{
	struct rref_ident *ident, *tmp;
	unsigned int i, n = rref_nr_rules;
	LIST_HEAD(gone);
	bool idents = !list_empty(&rref_idents);

	/* pairs with smp_load_acquire() in rref_policy_rules() */
	smp_store_release(&rref_nr_rules, 0);
	/* empties the list for readers, waits a grace period, then moves */
	list_splice_init_rcu(&rref_idents, &gone, synchronize_rcu);
	if (!idents && n)
		synchronize_rcu();	/* the splice waited for nothing */
	rref_nr_idents = 0;
	for (i = 0; i < n; i++) {
		rref_rule_free(rcu_dereference_protected(rref_rules[i],
				lockdep_is_held(&rref_policy_lock)));
		RCU_INIT_POINTER(rref_rules[i], NULL);
	}
	list_for_each_entry_safe(ident, tmp, &gone, node) {
		list_del(&ident->node);
		if (revoke)
			rref_fire_identity(ident, RREF_ID_REVOKED);
		kfree(ident);
	}
}

static int rref_cmd_flush(struct sk_buff *skb, struct genl_info *info)
{
	mutex_lock(&rref_policy_lock);
	rref_tables_clear(true);
	mutex_unlock(&rref_policy_lock);
	return 0;
}

static int rref_cmd_config(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;

	if (!a[RREF_A_TLS_VERSION] && !a[RREF_A_FAIL_PERMILLE] &&
	    !a[RREF_A_PERMISSIVE]) {
		NL_SET_ERR_MSG(info->extack, "nothing to configure");
		return -EINVAL;
	}
	if (a[RREF_A_TLS_VERSION])
		WRITE_ONCE(rref_tls_version,
			   nla_get_u16(a[RREF_A_TLS_VERSION]));
	if (a[RREF_A_FAIL_PERMILLE])
		WRITE_ONCE(rref_fail_permille,
			   nla_get_u32(a[RREF_A_FAIL_PERMILLE]));
	if (a[RREF_A_PERMISSIVE])
		WRITE_ONCE(rref_permissive,
			   !!nla_get_u8(a[RREF_A_PERMISSIVE]));
	return 0;
}

static struct genl_family rref_genl;

static int rref_cmd_status(struct sk_buff *skb, struct genl_info *info)
{
	u64 allowed, denied, listen_full, conn_full;
	u32 workloads, rules, listeners, conns;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &rref_genl, 0, RREF_CMD_STATUS);
	if (!hdr)
		goto err_free;
	mutex_lock(&rref_policy_lock);
	workloads = rref_nr_idents;
	rules = rref_nr_rules;
	mutex_unlock(&rref_policy_lock);
	rref_enforce_stats(&allowed, &denied);
	rref_listen_stats(&listeners, &listen_full);
	rref_conn_stats(&conns, &conn_full);
	if (nla_put_u32(msg, RREF_A_WORKLOADS, workloads) ||
	    nla_put_u32(msg, RREF_A_RULES, rules) ||
	    nla_put_u64_64bit(msg, RREF_A_ALLOWED, allowed, RREF_A_UNSPEC) ||
	    nla_put_u64_64bit(msg, RREF_A_DENIED, denied, RREF_A_UNSPEC) ||
	    nla_put_u16(msg, RREF_A_TLS_VERSION, rref_policy_tls_version()) ||
	    nla_put_u32(msg, RREF_A_FAIL_PERMILLE,
			rref_policy_fail_permille()) ||
	    nla_put_u8(msg, RREF_A_PERMISSIVE, rref_policy_permissive()) ||
	    nla_put_u32(msg, RREF_A_LISTENERS, listeners) ||
	    nla_put_u64_64bit(msg, RREF_A_LISTENERS_FULL, listen_full,
			      RREF_A_UNSPEC) ||
	    nla_put_u32(msg, RREF_A_CONNS, conns) ||
	    nla_put_u64_64bit(msg, RREF_A_CONNS_FULL, conn_full, RREF_A_UNSPEC))
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_small_ops rref_ops[] = {
	{
		.cmd = RREF_CMD_WORKLOAD_SET,
		.doit = rref_cmd_workload_set,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RREF_CMD_WORKLOAD_DEL,
		.doit = rref_cmd_workload_del,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RREF_CMD_RULE_ADD,
		.doit = rref_cmd_rule_add,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RREF_CMD_FLUSH,
		.doit = rref_cmd_flush,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RREF_CMD_CONFIG,
		.doit = rref_cmd_config,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RREF_CMD_STATUS,
		.doit = rref_cmd_status,
	},
};

static struct genl_family rref_genl __ro_after_init = {
	.name = RIPTIDES_REF_GENL_NAME,
	.version = RIPTIDES_REF_GENL_VERSION,
	.maxattr = RREF_A_MAX,
	.policy = rref_nl_policy,
	.module = THIS_MODULE,
	.small_ops = rref_ops,
	.n_small_ops = ARRAY_SIZE(rref_ops),
	/* strict validation and reserved-field checks for every command */
	.resv_start_op = RREF_CMD_WORKLOAD_SET,
	/* the commands take rref_policy_lock, not the global genl_mutex */
	.parallel_ops = true,
};

int rref_policy_init(void)
{
	return genl_register_family(&rref_genl);
}

/* No command runs once this returns; the tables stay for the hooks. */
void rref_policy_exit(void)
{
	genl_unregister_family(&rref_genl);
}

/* Once no hook can run any more. */
void rref_policy_free(void)
{
	mutex_lock(&rref_policy_lock);
	rref_tables_clear(false);
	mutex_unlock(&rref_policy_lock);
}
