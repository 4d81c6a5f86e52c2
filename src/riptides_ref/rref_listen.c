// SPDX-License-Identifier: GPL-2.0
/*
 * rref_listen.c - the local listeners, per network namespace and by port,
 * so that a connection to a local peer learns the peer's identity.
 *
 * Written by the socket state probe (a socket entering TCP_LISTEN, in its
 * owner's listen(), and leaving it), read by the netfilter hook: nothing
 * here allocates or sleeps.  Entries come from a pool of max_listeners
 * allocated at load; a listener that finds it empty is counted and not
 * recorded (connections to it see no peer identity).  Each namespace has
 * its own hash by port (net_generic() data), walked under RCU; writers
 * take rref_listen_lock, a raw_spinlock_t; a removed entry returns to the
 * pool only after a grace period (call_rcu()).
 *
 * An entry records the family, the bound address and IPV6_V6ONLY, so one
 * table serves IPv4 and IPv6 and either direction: an outgoing connection
 * finds its peer's listener by the destination; an incoming one would
 * find its own listener by the local address the same way.
 */
#include <linux/hash.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/netns/generic.h>
#include "rref.h"

static unsigned int max_listeners = 1024;
module_param(max_listeners, uint, 0444);
MODULE_PARM_DESC(max_listeners,
		 "local listening sockets recorded for peer identities, 1..65536 (default 1024)");

#define RREF_LISTEN_BITS	8

struct rref_listener {
	struct hlist_node node;		/* its namespace's bucket, or free */
	struct rcu_head rcu;
	const struct sock *sk;		/* compared only, never dereferenced */
	struct in6_addr addr;		/* IPv4 as ::ffff:a.b.c.d, any as :: */
	u16 port;
	u16 family;
	bool v6only;
	struct rref_subject who;	/* the owner, at listen() */
};

struct rref_listen_net {
	struct hlist_head bucket[1 << RREF_LISTEN_BITS];
};

/* rref_listen_lock guards the buckets' writers, the free list, the counts */
static DEFINE_RAW_SPINLOCK(rref_listen_lock);
static HLIST_HEAD(rref_listen_free);
static struct rref_listener *rref_listen_pool;
static u32 rref_listen_used;		/* listed or waiting for a grace period */
static u64 rref_listen_full;
static unsigned int rref_listen_net_id __read_mostly;

static struct hlist_head *rref_listen_bucket(const struct net *net, u16 port)
{
	struct rref_listen_net *ln = net_generic(net, rref_listen_net_id);

	return &ln->bucket[hash_32(port, RREF_LISTEN_BITS)];
}

static void rref_listen_recycle(struct rcu_head *head)
{
	struct rref_listener *l = container_of(head, struct rref_listener, rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&rref_listen_lock, flags);
	hlist_add_head(&l->node, &rref_listen_free);
	rref_listen_used--;
	raw_spin_unlock_irqrestore(&rref_listen_lock, flags);
}

/* Unlist @l; caller holds rref_listen_lock. */
static void rref_listen_unlist(struct rref_listener *l)
{
	hlist_del_rcu(&l->node);
	call_rcu(&l->rcu, rref_listen_recycle);
}

void rref_listen_add(const struct sock *sk)
{
	struct rref_listener *l;
	struct rref_subject who;
	struct in6_addr addr;
	unsigned long flags;
	bool v6only = false;

	if (sk->sk_family == AF_INET) {
		if (sk->sk_rcv_saddr)
			ipv6_addr_set_v4mapped(sk->sk_rcv_saddr, &addr);
		else
			addr = in6addr_any;
#if IS_ENABLED(CONFIG_IPV6)
	} else if (sk->sk_family == AF_INET6) {
		addr = sk->sk_v6_rcv_saddr;
		v6only = sk->sk_ipv6only;
#endif
	} else {
		return;
	}
	rref_subject_sock(&who, sk);

	raw_spin_lock_irqsave(&rref_listen_lock, flags);
	if (hlist_empty(&rref_listen_free)) {
		rref_listen_full++;
		goto unlock;
	}
	l = hlist_entry(rref_listen_free.first, struct rref_listener, node);
	hlist_del(&l->node);
	l->sk = sk;
	l->addr = addr;
	l->port = READ_ONCE(inet_sk(sk)->inet_num);
	l->family = sk->sk_family;
	l->v6only = v6only;
	l->who = who;
	/* rcu_assign_pointer() inside: readers see it filled */
	hlist_add_head_rcu(&l->node, rref_listen_bucket(sock_net(sk), l->port));
	rref_listen_used++;
unlock:
	raw_spin_unlock_irqrestore(&rref_listen_lock, flags);
}

void rref_listen_del(const struct sock *sk)
{
	struct hlist_node *tmp;
	struct rref_listener *l;
	unsigned long flags;

	raw_spin_lock_irqsave(&rref_listen_lock, flags);
	/* the port stays bound until after the way out of TCP_LISTEN */
	hlist_for_each_entry_safe(l, tmp,
				  rref_listen_bucket(sock_net(sk),
						     READ_ONCE(inet_sk(sk)->inet_num)),
				  node)
		if (l->sk == sk)
			rref_listen_unlist(l);
	raw_spin_unlock_irqrestore(&rref_listen_lock, flags);
}

/* Whether listener @l takes a connection to @a (v4-mapped for IPv4). */
static bool rref_listen_takes(const struct rref_listener *l, u16 family,
			      const struct in6_addr *a)
{
	if (family == AF_INET && l->family == AF_INET6 && l->v6only)
		return false;
	if (family == AF_INET6 && l->family == AF_INET)
		return false;
	return ipv6_addr_any(&l->addr) || ipv6_addr_equal(&l->addr, a);
}

bool rref_listen_find(const struct net *net, u16 family, const void *addr,
		      u16 port, struct rref_subject *who)
{
	struct rref_listener *l;
	struct in6_addr a;

	if (family == AF_INET)
		ipv6_addr_set_v4mapped(*(const __be32 *)addr, &a);
	else
		memcpy(&a, addr, sizeof(a));
	hlist_for_each_entry_rcu(l, rref_listen_bucket(net, port), node) {
		if (l->port == port && rref_listen_takes(l, family, &a)) {
			*who = l->who;
			return true;
		}
	}
	return false;
}

void rref_listen_stats(u32 *used, u64 *full)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&rref_listen_lock, flags);
	*used = rref_listen_used;
	*full = rref_listen_full;
	raw_spin_unlock_irqrestore(&rref_listen_lock, flags);
}

/*
 * A namespace going away, or the module unloading (which runs this for
 * every namespace): unlist what the namespace still holds.  net_generic()
 * data starts zeroed, so there is nothing to initialise.
 */
static void __net_exit rref_listen_net_exit(struct net *net)
{
	struct rref_listen_net *ln = net_generic(net, rref_listen_net_id);
	struct hlist_node *tmp;
	struct rref_listener *l;
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&rref_listen_lock, flags);
	for (i = 0; i < ARRAY_SIZE(ln->bucket); i++)
		hlist_for_each_entry_safe(l, tmp, &ln->bucket[i], node)
			rref_listen_unlist(l);
	raw_spin_unlock_irqrestore(&rref_listen_lock, flags);
}

static struct pernet_operations rref_listen_net_ops = {
	.exit = rref_listen_net_exit,
	.id = &rref_listen_net_id,
	.size = sizeof(struct rref_listen_net),
};

int rref_listen_init(void)
{
	unsigned int i;
	int err;

	if (!max_listeners || max_listeners > 65536) {
		pr_err("max_listeners=%u: must be in 1..65536\n", max_listeners);
		return -EINVAL;
	}
	rref_listen_pool = kvcalloc(max_listeners, sizeof(*rref_listen_pool),
				    GFP_KERNEL);
	if (!rref_listen_pool)
		return -ENOMEM;
	for (i = 0; i < max_listeners; i++)
		hlist_add_head(&rref_listen_pool[i].node, &rref_listen_free);
	err = register_pernet_subsys(&rref_listen_net_ops);
	if (err) {
		kvfree(rref_listen_pool);
		rref_listen_pool = NULL;
	}
	return err;
}

/*
 * Once the state probe is gone and no hook can run (rref_enforce_exit()
 * waited for them): the namespaces' exits unlist every entry, and
 * rcu_barrier() lets every recycle finish before the pool goes.
 */
void rref_listen_exit(void)
{
	unregister_pernet_subsys(&rref_listen_net_ops);
	rcu_barrier();
	INIT_HLIST_HEAD(&rref_listen_free);
	kvfree(rref_listen_pool);
	rref_listen_pool = NULL;
}
