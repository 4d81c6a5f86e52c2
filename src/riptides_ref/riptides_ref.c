// SPDX-License-Identifier: GPL-2.0
/*
 * riptides_ref.c - reference identity enforcement point, a stand-in for a
 * production identity driver, used for development, tests and the demo.
 * Built as riptides_ref.ko; nothing loads it unless asked (no aliases).
 *
 * For every new outgoing IPv4 TCP connection (the SYN leaving a local
 * socket, netfilter LOCAL_OUT) it finds the owning workload's SPIFFE ID in
 * a policy table loaded over generic netlink (uapi/riptides_ref.h), the
 * peer's ID when the peer is a local listener, applies the allow rules and
 * really refuses a denied connection: the SYN is dropped with
 * -ECONNREFUSED, which connect() returns at once.  It fires the riptides
 * tracepoints (riptides_trace.h) at each step, conn_close with the socket's
 * own byte counters, and identity_* when the table changes.
 *
 * The TLS handshake is SIMULATED: no handshake takes place.  The module
 * fires handshake_start/handshake_done around a no-op step whose TLS
 * version and failure rate are configuration (RREF_CMD_CONFIG), so that
 * observers can be tested against those events.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/random.h>
#include <linux/timekeeping.h>
#include <linux/namei.h>
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/cgroup.h>
#include <linux/tracepoint.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/sock_diag.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <net/inet_sock.h>
#include <trace/events/sock.h>

#include "uapi/riptides_ref.h"

#define CREATE_TRACE_POINTS
#include "riptides_trace.h"

#define RREF_SPIFFE_PREFIX	"spiffe://"
#define RREF_MAX_CONNS		65536
#define RREF_DEFAULT_TTL	3600

enum rref_sel {
	RREF_SEL_UID = 1,
	RREF_SEL_EXE,
	RREF_SEL_CGROUP,
};

/* What a workload looks like to the selectors. */
struct rref_subject {
	u64 cgroup;
	u32 uid;
	bool has_exe;
	dev_t dev;
	unsigned long ino;
};

/*
 * A workload identity.  The table holds one reference; a classification
 * takes another, so an entry removed by genl stays valid for a hook that
 * still uses it.  Everything but expired_fired is immutable once listed.
 */
struct rref_ident {
	struct list_head node;
	struct kref ref;
	enum rref_sel sel;
	struct rref_subject match;	/* the field sel names */
	s64 not_before;
	s64 not_after;
	u8 serial[RIPTIDES_SERIAL_MAX];
	u8 serial_len;
	bool expired_fired;
	char id[];
};

/* what happened to an identity: selects the identity_* event */
enum rref_id_op {
	RREF_ID_ISSUED,
	RREF_ID_ROTATED,
	RREF_ID_EXPIRED,
	RREF_ID_REVOKED,
};

struct rref_rule {
	u16 peer_port;			/* 0: match peer_id */
	char *peer_id;
	char local_id[];
};

/* A local listener, to learn the peer's identity of loopback connections. */
struct rref_listener {
	struct list_head node;
	const struct sock *sk;		/* valid while listed, see state probe */
	const struct net *net;
	struct rref_subject who;
};

/* An allowed connection, until its close. */
struct rref_conn {
	struct hlist_node node;
	u64 cookie;
	u64 start_ns;
};

/* rref_lock guards everything below; taken from process and softirq. */
static DEFINE_SPINLOCK(rref_lock);
static LIST_HEAD(rref_idents);
static unsigned int rref_nr_idents;
static struct rref_rule *rref_rules[RIPTIDES_REF_MAX_RULES];
static unsigned int rref_nr_rules;
static LIST_HEAD(rref_listeners);
static DEFINE_HASHTABLE(rref_conns, 10);
static unsigned int rref_nr_conns;
static u16 rref_tls_version = 0x0304;
static u32 rref_fail_permille;
static bool rref_permissive;

static atomic64_t rref_allowed = ATOMIC64_INIT(0);
static atomic64_t rref_denied = ATOMIC64_INIT(0);

static struct tracepoint *rref_tp_state;

static void rref_ident_free(struct kref *ref)
{
	kfree(container_of(ref, struct rref_ident, ref));
}

static void rref_ident_put(struct rref_ident *ident)
{
	if (ident)
		kref_put(&ident->ref, rref_ident_free);
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

static void rref_subject_sock(struct rref_subject *s, const struct sock *sk)
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

/* The subject's identity, referenced, or NULL.  Caller holds rref_lock. */
static struct rref_ident *rref_classify_locked(const struct rref_subject *s)
{
	static const enum rref_sel order[] = {
		RREF_SEL_EXE, RREF_SEL_CGROUP, RREF_SEL_UID
	};
	struct rref_ident *ident;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(order); i++) {
		list_for_each_entry(ident, &rref_idents, node) {
			if (rref_ident_matches(ident, s, order[i])) {
				kref_get(&ident->ref);
				return ident;
			}
		}
	}
	return NULL;
}

/* Identity of the local listener on @port in @net.  Caller holds lock. */
static struct rref_ident *rref_peer_locked(const struct net *net, u16 port)
{
	struct rref_listener *l;

	list_for_each_entry(l, &rref_listeners, node) {
		if (l->net == net && READ_ONCE(inet_sk(l->sk)->inet_num) == port)
			return rref_classify_locked(&l->who);
	}
	return NULL;
}

struct rref_verdict {
	u8 decision;
	u8 tls_mode;
	u16 reason;
	u32 rule;
};

/* Apply the rules to a managed connection.  Caller holds rref_lock. */
static void rref_rules_locked(const char *local, const char *peer, u16 port,
			      struct rref_verdict *v)
{
	unsigned int i;

	for (i = 0; i < rref_nr_rules; i++) {
		const struct rref_rule *r = rref_rules[i];

		if (strcmp(r->local_id, local))
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

static bool rref_conn_track(u64 cookie, u64 now)
{
	struct rref_conn *c;
	unsigned long flags;

	c = kmalloc(sizeof(*c), GFP_ATOMIC);
	if (!c)
		return false;
	c->cookie = cookie;
	c->start_ns = now;
	spin_lock_irqsave(&rref_lock, flags);
	if (rref_nr_conns >= RREF_MAX_CONNS) {
		spin_unlock_irqrestore(&rref_lock, flags);
		kfree(c);
		return false;
	}
	hash_add(rref_conns, &c->node, cookie);
	rref_nr_conns++;
	spin_unlock_irqrestore(&rref_lock, flags);
	return true;
}

/* Remove the tracked connection @cookie; its start time in @start. */
static bool rref_conn_untrack(u64 cookie, u64 *start)
{
	struct rref_conn *c, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&rref_lock, flags);
	hash_for_each_possible(rref_conns, c, node, cookie) {
		if (c->cookie == cookie) {
			hash_del(&c->node);
			rref_nr_conns--;
			found = c;
			break;
		}
	}
	spin_unlock_irqrestore(&rref_lock, flags);
	if (!found)
		return false;
	*start = found->start_ns;
	kfree(found);
	return true;
}

static bool rref_conn_tracked(u64 cookie)
{
	struct rref_conn *c;
	unsigned long flags;
	bool ret = false;

	spin_lock_irqsave(&rref_lock, flags);
	hash_for_each_possible(rref_conns, c, node, cookie) {
		if (c->cookie == cookie) {
			ret = true;
			break;
		}
	}
	spin_unlock_irqrestore(&rref_lock, flags);
	return ret;
}

/*
 * SIMULATED handshake: nothing is exchanged with the peer.  It succeeds
 * unless the configured failure rate says otherwise, and reports the peer
 * identity the policy table gives the local listener.
 */
static bool rref_fake_handshake(u64 cookie, const char *peer)
{
	u16 ver = READ_ONCE(rref_tls_version);
	u32 permille = READ_ONCE(rref_fail_permille);
	u64 t0 = ktime_get_ns();
	bool fail;

	trace_handshake_start(cookie, ver);
	fail = permille && get_random_u32_below(1000) < permille;
	trace_handshake_done(cookie, ver, fail ? -ECONNABORTED : 0,
			     ktime_get_ns() - t0, fail ? "" : peer);
	return !fail;
}

static void rref_fire_identity(struct rref_ident *ident, enum rref_id_op op)
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

/* Is the local identity usable now?  Fires identity_expired once. */
static bool rref_ident_valid(struct rref_ident *ident)
{
	unsigned long flags;
	bool fire = false;

	if (ktime_get_real_seconds() <= ident->not_after)
		return true;
	spin_lock_irqsave(&rref_lock, flags);
	if (!ident->expired_fired) {
		ident->expired_fired = true;
		fire = true;
	}
	spin_unlock_irqrestore(&rref_lock, flags);
	if (fire)
		rref_fire_identity(ident, RREF_ID_EXPIRED);
	return false;
}

static void rref_fill_conn(struct riptides_conn *c, const struct sock *sk,
			   const struct iphdr *iph, const struct tcphdr *th,
			   const struct rref_subject *s, u64 cookie)
{
	memset(c, 0, sizeof(*c));
	c->cookie = cookie;
	c->cgroup_id = s->cgroup;
	c->uid = s->uid;
	if (in_task()) {
		c->pid = task_pid_nr(current);
		c->tgid = task_tgid_nr(current);
	}
	c->family = AF_INET;
	c->direction = RIPTIDES_DIR_OUT;
	c->lport = ntohs(th->source);
	c->rport = ntohs(th->dest);
	memcpy(c->laddr, &iph->saddr, 4);
	memcpy(c->raddr, &iph->daddr, 4);
}

static unsigned int rref_decide(struct sock *sk, const struct iphdr *iph,
				const struct tcphdr *th)
{
	struct rref_ident *local, *peer = NULL;
	struct rref_verdict v = {
		.rule = RIPTIDES_NO_RULE_INDEX,
	};
	struct riptides_conn conn;
	struct rref_subject s;
	unsigned long flags;
	const char *local_id, *peer_id;
	u32 cookie_words[2];
	u64 cookie, now = ktime_get_ns();
	u16 port = ntohs(th->dest);

	sock_diag_save_cookie(sk, cookie_words);
	cookie = (u64)cookie_words[1] << 32 | cookie_words[0];
	/* a retransmitted SYN of a connection already allowed */
	if (rref_conn_tracked(cookie))
		return NF_ACCEPT;

	rref_subject_sock(&s, sk);
	spin_lock_irqsave(&rref_lock, flags);
	local = rref_classify_locked(&s);
	if (ipv4_is_loopback(iph->daddr) || iph->daddr == iph->saddr)
		peer = rref_peer_locked(sock_net(sk), port);
	spin_unlock_irqrestore(&rref_lock, flags);
	local_id = local ? local->id : "";
	peer_id = peer ? peer->id : "";

	rref_fill_conn(&conn, sk, iph, th, &s, cookie);
	trace_conn_intercept(&conn, local_id);

	if (!local) {
		v.decision = RIPTIDES_ALLOW;
		v.tls_mode = RIPTIDES_TLS_PASSTHROUGH;
		v.reason = RIPTIDES_REASON_UNMANAGED;
	} else if (!rref_ident_valid(local)) {
		v.decision = RIPTIDES_DENY;
		v.tls_mode = peer ? RIPTIDES_TLS_MUTUAL : RIPTIDES_TLS_SIMPLE;
		v.reason = RIPTIDES_REASON_EXPIRED;
	} else {
		v.tls_mode = peer ? RIPTIDES_TLS_MUTUAL : RIPTIDES_TLS_SIMPLE;
		if (!rref_fake_handshake(cookie, peer_id)) {
			v.decision = RIPTIDES_DENY;
			v.reason = RIPTIDES_REASON_HANDSHAKE;
		} else {
			spin_lock_irqsave(&rref_lock, flags);
			rref_rules_locked(local_id, peer ? peer_id : NULL,
					  port, &v);
			spin_unlock_irqrestore(&rref_lock, flags);
		}
	}
	if (v.decision == RIPTIDES_DENY && READ_ONCE(rref_permissive)) {
		v.decision = RIPTIDES_ALLOW;
		v.tls_mode = RIPTIDES_TLS_PERMISSIVE;
		v.reason = RIPTIDES_REASON_PERMISSIVE;
	}
	trace_policy_decision(cookie, local_id, peer_id, v.decision,
			      v.tls_mode, v.reason, v.rule);
	rref_ident_put(local);
	rref_ident_put(peer);

	if (v.decision == RIPTIDES_DENY) {
		atomic64_inc(&rref_denied);
		/* tcp_connect() hands this error back to connect() */
		return NF_DROP_ERR(-ECONNREFUSED);
	}
	atomic64_inc(&rref_allowed);
	rref_conn_track(cookie, now);
	return NF_ACCEPT;
}

static unsigned int rref_hook_out(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct sock *sk = skb_to_full_sk(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct tcphdr _th;
	const struct tcphdr *th;

	if (!sk || !sk_fullsock(sk) || sk->sk_protocol != IPPROTO_TCP ||
	    iph->protocol != IPPROTO_TCP ||
	    READ_ONCE(sk->sk_state) != TCP_SYN_SENT)
		return NF_ACCEPT;
	th = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_th), &_th);
	if (!th || !th->syn || th->ack)
		return NF_ACCEPT;
	return rref_decide(sk, iph, th);
}

static const struct nf_hook_ops rref_nf_ops[] = {
	{
		.hook = rref_hook_out,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_FILTER + 1,
	},
};

static int __net_init rref_net_init(struct net *net)
{
	return nf_register_net_hooks(net, rref_nf_ops,
				     ARRAY_SIZE(rref_nf_ops));
}

static void __net_exit rref_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, rref_nf_ops, ARRAY_SIZE(rref_nf_ops));
}

static struct pernet_operations rref_net_ops = {
	.init = rref_net_init,
	.exit = rref_net_exit,
};

static void rref_listener_add(const struct sock *sk)
{
	struct rref_listener *l;
	unsigned long flags;

	l = kzalloc(sizeof(*l), GFP_ATOMIC);
	if (!l)
		return;
	l->sk = sk;
	l->net = sock_net(sk);
	rref_subject_sock(&l->who, sk);
	spin_lock_irqsave(&rref_lock, flags);
	list_add(&l->node, &rref_listeners);
	spin_unlock_irqrestore(&rref_lock, flags);
}

static void rref_listener_del(const struct sock *sk)
{
	struct rref_listener *l, *tmp;
	unsigned long flags;

	spin_lock_irqsave(&rref_lock, flags);
	list_for_each_entry_safe(l, tmp, &rref_listeners, node) {
		if (l->sk == sk) {
			list_del(&l->node);
			kfree(l);
		}
	}
	spin_unlock_irqrestore(&rref_lock, flags);
}

/*
 * sock:inet_sock_set_state.  A listener enters the table when it starts
 * listening (listen(), in its owner's context) and leaves it on the way out
 * of TCP_LISTEN, which every listener passes before it is freed: so a
 * listed sk is always a live socket.
 */
static void rref_probe_state(void *data, const struct sock *sk,
			     const int oldstate, const int newstate)
{
	u64 cookie, start, sent, received;
	const struct tcp_sock *tp;

	if (sk->sk_protocol != IPPROTO_TCP)
		return;
	if (newstate == TCP_LISTEN && oldstate != TCP_LISTEN)
		rref_listener_add(sk);
	else if (oldstate == TCP_LISTEN && newstate != TCP_LISTEN)
		rref_listener_del(sk);

	if (newstate != TCP_CLOSE)
		return;
	cookie = atomic64_read(&sk->sk_cookie);
	if (!cookie || !rref_conn_untrack(cookie, &start))
		return;
	tp = tcp_sk(sk);
	/*
	 * Payload only: bytes_sent counts data as transmitted, retransmissions
	 * again (they are in bytes_retrans); bytes_received counts sequence
	 * space delivered in order, which includes a received FIN.
	 */
	sent = tp->bytes_sent - tp->bytes_retrans;
	received = tp->bytes_received;
	if (received && (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
		received--;
	trace_conn_close(cookie, sent, received, ktime_get_ns() - start);
}

static void rref_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "inet_sock_set_state"))
		rref_tp_state = tp;
}

/* ---- generic netlink ---- */

static const struct nla_policy rref_policy[RREF_A_MAX + 1] = {
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

static bool rref_same_selector(const struct rref_ident *a, enum rref_sel sel,
			       const struct rref_subject *m)
{
	return a->sel == sel && rref_ident_matches(a, m, sel);
}

/* The listed identity with this selector.  Caller holds rref_lock. */
static struct rref_ident *rref_find_locked(enum rref_sel sel,
					   const struct rref_subject *m)
{
	struct rref_ident *ident;

	list_for_each_entry(ident, &rref_idents, node)
		if (rref_same_selector(ident, sel, m))
			return ident;
	return NULL;
}

/*
 * All genl commands run under genl_mutex, so they are the only writers of
 * the tables: an entry they list stays listed until they unlist it.
 */
static int rref_cmd_workload_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct rref_ident *ident, *old;
	struct rref_subject m;
	enum rref_sel sel;
	unsigned long flags;
	const char *id;
	size_t len;
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

	id = nla_data(a[RREF_A_SPIFFE_ID]);
	len = strlen(id);
	ident = kzalloc(struct_size(ident, id, len + 1), GFP_KERNEL);
	if (!ident)
		return -ENOMEM;
	kref_init(&ident->ref);
	ident->sel = sel;
	ident->match = m;
	memcpy(ident->id, id, len + 1);
	ident->not_before = a[RREF_A_NOT_BEFORE] ?
		nla_get_s64(a[RREF_A_NOT_BEFORE]) : ktime_get_real_seconds();
	ident->not_after = a[RREF_A_NOT_AFTER] ?
		nla_get_s64(a[RREF_A_NOT_AFTER]) :
		ident->not_before + RREF_DEFAULT_TTL;
	if (ident->not_after < ident->not_before) {
		NL_SET_ERR_MSG(info->extack, "not_after before not_before");
		kfree(ident);
		return -EINVAL;
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

	spin_lock_irqsave(&rref_lock, flags);
	old = rref_find_locked(sel, &m);
	if (!old && rref_nr_idents >= RIPTIDES_REF_MAX_WORKLOADS) {
		spin_unlock_irqrestore(&rref_lock, flags);
		kfree(ident);
		NL_SET_ERR_MSG(info->extack, "workload table full");
		return -ENOSPC;
	}
	if (old) {
		list_replace(&old->node, &ident->node);
	} else {
		list_add_tail(&ident->node, &rref_idents);
		rref_nr_idents++;
	}
	spin_unlock_irqrestore(&rref_lock, flags);

	if (old && !strcmp(old->id, ident->id)) {
		rref_fire_identity(ident, RREF_ID_ROTATED);
	} else {
		if (old)
			rref_fire_identity(old, RREF_ID_REVOKED);
		rref_fire_identity(ident, RREF_ID_ISSUED);
	}
	rref_ident_put(old);
	return 0;
}

static int rref_cmd_workload_del(struct sk_buff *skb, struct genl_info *info)
{
	struct rref_ident *old;
	struct rref_subject m;
	enum rref_sel sel;
	unsigned long flags;
	int err;

	err = rref_parse_selector(info, &sel, &m);
	if (err)
		return err;
	spin_lock_irqsave(&rref_lock, flags);
	old = rref_find_locked(sel, &m);
	if (old) {
		list_del(&old->node);
		rref_nr_idents--;
	}
	spin_unlock_irqrestore(&rref_lock, flags);
	if (!old)
		return -ENOENT;
	rref_fire_identity(old, RREF_ID_REVOKED);
	rref_ident_put(old);
	return 0;
}

static int rref_cmd_rule_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct rref_rule *rule;
	unsigned long flags;
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
	spin_lock_irqsave(&rref_lock, flags);
	if (rref_nr_rules >= RIPTIDES_REF_MAX_RULES) {
		spin_unlock_irqrestore(&rref_lock, flags);
		rref_rule_free(rule);
		NL_SET_ERR_MSG(info->extack, "rule table full");
		return -ENOSPC;
	}
	rref_rules[rref_nr_rules++] = rule;
	spin_unlock_irqrestore(&rref_lock, flags);
	return 0;
}

static int rref_cmd_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct rref_ident *ident, *tmp;
	unsigned long flags;
	unsigned int i;
	LIST_HEAD(gone);

	spin_lock_irqsave(&rref_lock, flags);
	list_splice_init(&rref_idents, &gone);
	rref_nr_idents = 0;
	for (i = 0; i < rref_nr_rules; i++)
		rref_rule_free(rref_rules[i]);
	rref_nr_rules = 0;
	spin_unlock_irqrestore(&rref_lock, flags);

	list_for_each_entry_safe(ident, tmp, &gone, node) {
		list_del(&ident->node);
		rref_fire_identity(ident, RREF_ID_REVOKED);
		rref_ident_put(ident);
	}
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
	struct sk_buff *msg;
	unsigned long flags;
	u32 workloads, rules;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &rref_genl, 0, RREF_CMD_STATUS);
	if (!hdr)
		goto err_free;
	spin_lock_irqsave(&rref_lock, flags);
	workloads = rref_nr_idents;
	rules = rref_nr_rules;
	spin_unlock_irqrestore(&rref_lock, flags);
	if (nla_put_u32(msg, RREF_A_WORKLOADS, workloads) ||
	    nla_put_u32(msg, RREF_A_RULES, rules) ||
	    nla_put_u64_64bit(msg, RREF_A_ALLOWED,
			      atomic64_read(&rref_allowed), RREF_A_UNSPEC) ||
	    nla_put_u64_64bit(msg, RREF_A_DENIED,
			      atomic64_read(&rref_denied), RREF_A_UNSPEC) ||
	    nla_put_u16(msg, RREF_A_TLS_VERSION, READ_ONCE(rref_tls_version)) ||
	    nla_put_u32(msg, RREF_A_FAIL_PERMILLE,
			READ_ONCE(rref_fail_permille)) ||
	    nla_put_u8(msg, RREF_A_PERMISSIVE, READ_ONCE(rref_permissive)))
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
	.policy = rref_policy,
	.module = THIS_MODULE,
	.small_ops = rref_ops,
	.n_small_ops = ARRAY_SIZE(rref_ops),
	/* strict validation and reserved-field checks for every command */
	.resv_start_op = RREF_CMD_WORKLOAD_SET,
};

/* ---- module ---- */

static void rref_tables_free(void)
{
	struct rref_listener *l, *ltmp;
	struct rref_ident *ident, *tmp;
	struct hlist_node *ctmp;
	struct rref_conn *c;
	unsigned int i;

	list_for_each_entry_safe(ident, tmp, &rref_idents, node) {
		list_del(&ident->node);
		rref_ident_put(ident);
	}
	rref_nr_idents = 0;
	for (i = 0; i < rref_nr_rules; i++)
		rref_rule_free(rref_rules[i]);
	rref_nr_rules = 0;
	list_for_each_entry_safe(l, ltmp, &rref_listeners, node) {
		list_del(&l->node);
		kfree(l);
	}
	hash_for_each_safe(rref_conns, i, ctmp, c, node) {
		hash_del(&c->node);
		kfree(c);
	}
	rref_nr_conns = 0;
}

static int __init rref_init(void)
{
	int err;

	/* type-check the probe against the event without referencing it */
	(void)sizeof(register_trace_inet_sock_set_state(rref_probe_state,
							NULL));
	for_each_kernel_tracepoint(rref_find_tp, NULL);
	if (!rref_tp_state)
		return -ENOENT;
	err = tracepoint_probe_register(rref_tp_state, rref_probe_state, NULL);
	if (err)
		return err;
	err = register_pernet_subsys(&rref_net_ops);
	if (err)
		goto err_probe;
	err = genl_register_family(&rref_genl);
	if (err)
		goto err_pernet;
	pr_info("loaded: enforcing IPv4 TCP connects, handshakes SIMULATED\n");
	return 0;

err_pernet:
	unregister_pernet_subsys(&rref_net_ops);
err_probe:
	tracepoint_probe_unregister(rref_tp_state, rref_probe_state, NULL);
	tracepoint_synchronize_unregister();
	rref_tables_free();
	return err;
}

static void __exit rref_exit(void)
{
	genl_unregister_family(&rref_genl);
	/* waits for hooks in flight (synchronize_net) */
	unregister_pernet_subsys(&rref_net_ops);
	tracepoint_probe_unregister(rref_tp_state, rref_probe_state, NULL);
	/* no probe of ours runs past this point: the tables are ours */
	tracepoint_synchronize_unregister();
	rref_tables_free();
}

module_init(rref_init);
module_exit(rref_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("riptides reference identity enforcement point (development and tests)");
MODULE_AUTHOR("riptel developers");
