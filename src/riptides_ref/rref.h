/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rref.h - the parts of riptides_ref.ko, the reference identity
 * enforcement point, and how they call one another:
 *
 *   rref_main.c     module load and unload, the riptides tracepoints, the
 *                   socket state probe (listeners, closes)
 *   rref_enforce.c  the netfilter hook: classify, decide, refuse, track
 *   rref_policy.c   workloads, rules and configuration, and the
 *                   riptides_ref generic netlink family that loads them
 *   rref_listen.c   local listeners by network namespace and port
 *   rref_conn.c     allowed connections until their close
 *
 * Probe context (the state probe, the netfilter hook) allocates nothing
 * and takes no sleeping lock: tables are read under RCU, entries come from
 * pools allocated at load and go back only after a grace period, and the
 * few writers in probe context take raw spinlocks.
 */
#ifndef _RREF_H
#define _RREF_H

#include <linux/compiler.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "riptides_trace.h"

/*
 * RREF_PROBE_CONTEXT(fn): @fn runs in probe context.  The pointer lands in
 * the section scripts/check-probe-context.py reads from the kbuild object
 * (riptel.ko has the same marker; this module sees none of its headers).
 */
#define RREF_PROBE_CONTEXT(fn)						\
	static const void *const __rref_probe_ctx_##fn __used		\
	__section(".discard.riptel_probe") = (const void *)(fn)

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

#define RREF_IDENT_EXPIRED_FIRED	0	/* bit in rref_ident.flags */

/*
 * A workload identity, listed under RCU (rref_policy.c): a reader inside
 * rcu_read_lock() may use an entry it found until it unlocks.  Immutable
 * once listed, but for flags.
 */
struct rref_ident {
	struct list_head node;
	struct rcu_head rcu;
	enum rref_sel sel;
	struct rref_subject match;	/* the field sel names */
	s64 not_before;
	s64 not_after;
	unsigned long flags;
	u8 serial[RIPTIDES_SERIAL_MAX];
	u8 serial_len;
	char id[];
};

struct rref_verdict {
	u8 decision;
	u8 tls_mode;
	u16 reason;
	u32 rule;
};

/* rref_policy.c */
int rref_policy_init(void);
void rref_policy_exit(void);
void rref_policy_free(void);
void rref_subject_sock(struct rref_subject *s, const struct sock *sk);
/* Caller holds rcu_read_lock(); NULL: unmanaged. */
struct rref_ident *rref_policy_classify(const struct rref_subject *s);
/* 0 if usable now, else the RIPTIDES_REASON_* that denies it. */
u16 rref_policy_validity(struct rref_ident *ident);
void rref_policy_rules(const char *local, const char *peer, u16 port,
		       struct rref_verdict *v);
u16 rref_policy_tls_version(void);
u32 rref_policy_fail_permille(void);
bool rref_policy_permissive(void);

/* rref_listen.c */
int rref_listen_init(void);
void rref_listen_exit(void);
void rref_listen_add(const struct sock *sk);
void rref_listen_del(const struct sock *sk);
/*
 * The owner of the listener that takes a connection to @addr:@port of
 * @family (AF_INET: 4 bytes, AF_INET6: 16) in @net, into @who.  Caller
 * holds rcu_read_lock().
 */
bool rref_listen_find(const struct net *net, u16 family, const void *addr,
		      u16 port, struct rref_subject *who);
void rref_listen_stats(u32 *used, u64 *full);

/* rref_conn.c */
int rref_conn_init(void);
void rref_conn_exit(void);
bool rref_conn_track(u64 cookie, u64 start_ns);
bool rref_conn_tracked(u64 cookie);
bool rref_conn_untrack(u64 cookie, u64 *start_ns);
void rref_conn_stats(u32 *used, u64 *full);

/* rref_enforce.c */
int rref_enforce_init(void);
void rref_enforce_exit(void);
void rref_enforce_stats(u64 *allowed, u64 *denied);

#endif /* _RREF_H */
