// SPDX-License-Identifier: GPL-2.0
/*
 * rref_enforce.c - the enforcement point: a netfilter LOCAL_OUT hook that
 * sees the SYN of every new outgoing IPv4 TCP connection, classifies the
 * owning workload and the local peer, applies the policy and refuses a
 * denied connection (the SYN is dropped with -ECONNREFUSED, which
 * connect() returns at once), firing the riptides events on the way.
 *
 * The hook runs in the connecting task (connect()) or in softirq (a
 * retransmitted SYN), inside RCU: it reads the policy, listener and
 * connection tables under RCU and allocates nothing.  An allowed
 * connection is tracked until its close; one that cannot be tracked (the
 * table is full) is refused instead, so that its retransmitted SYN, which
 * would arrive in softirq where the workload's executable is unknown, is
 * never decided a second time.
 *
 * The TLS handshake is SIMULATED: handshake_start/handshake_done surround a
 * no-op step whose TLS version and failure rate are configuration.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/random.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/timekeeping.h>
#include <net/ip.h>
#include <net/tcp_states.h>
#include "rref.h"

static atomic64_t rref_allowed = ATOMIC64_INIT(0);
static atomic64_t rref_denied = ATOMIC64_INIT(0);

void rref_enforce_stats(u64 *allowed, u64 *denied)
{
	*allowed = atomic64_read(&rref_allowed);
	*denied = atomic64_read(&rref_denied);
}

/*
 * SIMULATED handshake: nothing is exchanged with the peer.  It succeeds
 * unless the configured failure rate says otherwise, and reports the peer
 * identity the policy table gives the local listener.
 */
static bool rref_fake_handshake(u64 cookie, const char *peer)
{
	u16 ver = rref_policy_tls_version();
	u32 permille = rref_policy_fail_permille();
	u64 t0 = ktime_get_ns();
	bool fail;

	trace_handshake_start(cookie, ver);
	fail = permille && get_random_u32_below(1000) < permille;
	trace_handshake_done(cookie, ver, fail ? -ECONNABORTED : 0,
			     ktime_get_ns() - t0, fail ? "" : peer);
	return !fail;
}

static void rref_fill_conn(struct riptides_conn *c, const struct iphdr *iph,
			   const struct tcphdr *th,
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

/* The policy's verdict, before permissive mode and tracking. */
static void rref_judge(struct rref_ident *local, struct rref_ident *peer,
		       u64 cookie, u16 port, struct rref_verdict *v)
{
	u16 invalid;

	if (!local) {
		v->decision = RIPTIDES_ALLOW;
		v->tls_mode = RIPTIDES_TLS_PASSTHROUGH;
		v->reason = RIPTIDES_REASON_UNMANAGED;
		return;
	}
	v->tls_mode = peer ? RIPTIDES_TLS_MUTUAL : RIPTIDES_TLS_SIMPLE;
	invalid = rref_policy_validity(local);
	if (invalid) {
		v->decision = RIPTIDES_DENY;
		v->reason = invalid;
	} else if (!rref_fake_handshake(cookie, peer ? peer->id : "")) {
		v->decision = RIPTIDES_DENY;
		v->reason = RIPTIDES_REASON_HANDSHAKE;
	} else {
		rref_policy_rules(local->id, peer ? peer->id : NULL, port, v);
	}
}

static unsigned int rref_decide(struct sock *sk, const struct iphdr *iph,
				const struct tcphdr *th)
{
	struct rref_ident *local, *peer = NULL;
	struct rref_verdict v = {
		.rule = RIPTIDES_NO_RULE_INDEX,
	};
	struct rref_subject s, who;
	struct riptides_conn conn;
	u32 cookie_words[2];
	u64 cookie, now = ktime_get_ns();
	u16 port = ntohs(th->dest);

	sock_diag_save_cookie(sk, cookie_words);
	cookie = (u64)cookie_words[1] << 32 | cookie_words[0];
	/* a retransmitted SYN of a connection already allowed */
	if (rref_conn_tracked(cookie))
		return NF_ACCEPT;

	rref_subject_sock(&s, sk);
	/* the hook runs inside RCU already; this makes it explicit */
	rcu_read_lock();
	local = rref_policy_classify(&s);
	if ((ipv4_is_loopback(iph->daddr) || iph->daddr == iph->saddr) &&
	    rref_listen_find(sock_net(sk), AF_INET, &iph->daddr, port, &who))
		peer = rref_policy_classify(&who);

	rref_fill_conn(&conn, iph, th, &s, cookie);
	trace_conn_intercept(&conn, local ? local->id : "");
	rref_judge(local, peer, cookie, port, &v);
	if (v.decision == RIPTIDES_DENY && rref_policy_permissive()) {
		v.decision = RIPTIDES_ALLOW;
		v.tls_mode = RIPTIDES_TLS_PERMISSIVE;
		v.reason = RIPTIDES_REASON_PERMISSIVE;
	}
	/* fail closed: an untracked connection would be decided again */
	if (v.decision == RIPTIDES_ALLOW && !rref_conn_track(cookie, now)) {
		v.decision = RIPTIDES_DENY;
		v.reason = RIPTIDES_REASON_OVERLOAD;
		v.rule = RIPTIDES_NO_RULE_INDEX;
	}
	trace_policy_decision(cookie, local ? local->id : "",
			      peer ? peer->id : "", v.decision, v.tls_mode,
			      v.reason, v.rule);
	rcu_read_unlock();

	if (v.decision == RIPTIDES_DENY) {
		atomic64_inc(&rref_denied);
		/* tcp_connect() hands this error back to connect() */
		return NF_DROP_ERR(-ECONNREFUSED);
	}
	atomic64_inc(&rref_allowed);
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
RREF_PROBE_CONTEXT(rref_hook_out);

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

/*
 * nf_unregister_net_hooks() frees the hook entries through RCU and does
 * not wait: a hook invocation may still be running on another CPU.  Every
 * invocation runs inside an RCU read-side section, so one grace period
 * after the hooks of a batch of namespaces are gone none runs any more:
 * only then may the tables it reads go (the listener tables, unregistered
 * after these operations; the policy and connection tables at unload).
 */
static void __net_exit rref_net_exit_batch(struct list_head *net_exit_list)
{
	synchronize_rcu();
}

static struct pernet_operations rref_net_ops = {
	.init = rref_net_init,
	.exit = rref_net_exit,
	.exit_batch = rref_net_exit_batch,
};

int rref_enforce_init(void)
{
	return register_pernet_subsys(&rref_net_ops);
}

/* Returns once no hook of this module runs, in any namespace. */
void rref_enforce_exit(void)
{
	unregister_pernet_subsys(&rref_net_ops);
}
