// SPDX-License-Identifier: GPL-2.0
/*
 * rref_conn.c - the allowed connections, by socket cookie, until their
 * close: a retransmitted SYN of one is let through without a second
 * decision, and its close fires conn_close with its duration.
 *
 * Tracked from the netfilter hook, looked up there and in the socket state
 * probe on every close: so nothing here allocates or sleeps.  Entries come
 * from a pool of max_conns allocated at load; a connection that finds it
 * empty is not tracked, counted, and refused by the caller (fail closed).
 * Lookups walk the hash under RCU without a lock, so the close of a
 * connection never tracked (most closes, unmanaged sockets included) takes
 * no lock at all; adding and removing take rref_conn_lock, a
 * raw_spinlock_t, and a removed entry returns to the pool only after a
 * grace period (call_rcu()), so a lockless reader never sees it reused.
 */
#include <linux/hash.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "rref.h"

static unsigned int max_conns = 16384;
module_param(max_conns, uint, 0444);
MODULE_PARM_DESC(max_conns,
		 "allowed connections tracked at once, 1..1048576; one more is refused (default 16384)");

#define RREF_CONN_BITS	12

struct rref_conn {
	struct hlist_node node;		/* hash bucket, or the free list */
	struct rcu_head rcu;
	u64 cookie;
	u64 start_ns;
};

/* rref_conn_lock guards the buckets' writers, the free list, the counts */
static DEFINE_RAW_SPINLOCK(rref_conn_lock);
static struct hlist_head rref_conn_hash[1 << RREF_CONN_BITS];
static HLIST_HEAD(rref_conn_free);
static struct rref_conn *rref_conn_pool;
static u32 rref_conn_used;		/* tracked or waiting for a grace period */
static u64 rref_conn_full;

static struct hlist_head *rref_conn_bucket(u64 cookie)
{
	return &rref_conn_hash[hash_64(cookie, RREF_CONN_BITS)];
}

int rref_conn_init(void)
{
	unsigned int i;

	if (!max_conns || max_conns > 1048576) {
		pr_err("max_conns=%u: must be in 1..1048576\n", max_conns);
		return -EINVAL;
	}
	rref_conn_pool = kvcalloc(max_conns, sizeof(*rref_conn_pool),
				  GFP_KERNEL);
	if (!rref_conn_pool)
		return -ENOMEM;
	for (i = 0; i < max_conns; i++)
		hlist_add_head(&rref_conn_pool[i].node, &rref_conn_free);
	return 0;
}

/* Once no hook or probe can run: after rcu_barrier(), nothing is in flight. */
void rref_conn_exit(void)
{
	unsigned int i;

	rcu_barrier();
	for (i = 0; i < ARRAY_SIZE(rref_conn_hash); i++)
		INIT_HLIST_HEAD(&rref_conn_hash[i]);
	INIT_HLIST_HEAD(&rref_conn_free);
	kvfree(rref_conn_pool);
	rref_conn_pool = NULL;
}

bool rref_conn_track(u64 cookie, u64 start_ns)
{
	struct rref_conn *c = NULL;
	unsigned long flags;

	raw_spin_lock_irqsave(&rref_conn_lock, flags);
	if (hlist_empty(&rref_conn_free)) {
		rref_conn_full++;
	} else {
		c = hlist_entry(rref_conn_free.first, struct rref_conn, node);
		hlist_del(&c->node);
		c->cookie = cookie;
		c->start_ns = start_ns;
		/* rcu_assign_pointer() inside: readers see it filled */
		hlist_add_head_rcu(&c->node, rref_conn_bucket(cookie));
		rref_conn_used++;
	}
	raw_spin_unlock_irqrestore(&rref_conn_lock, flags);
	return c;
}

/* Caller holds rcu_read_lock() or rref_conn_lock. */
static struct rref_conn *rref_conn_find(u64 cookie)
{
	struct rref_conn *c;

	hlist_for_each_entry_rcu(c, rref_conn_bucket(cookie), node,
				 lockdep_is_held(&rref_conn_lock))
		if (READ_ONCE(c->cookie) == cookie)
			return c;
	return NULL;
}

bool rref_conn_tracked(u64 cookie)
{
	bool found;

	rcu_read_lock();
	found = rref_conn_find(cookie);
	rcu_read_unlock();
	return found;
}

static void rref_conn_recycle(struct rcu_head *head)
{
	struct rref_conn *c = container_of(head, struct rref_conn, rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&rref_conn_lock, flags);
	hlist_add_head(&c->node, &rref_conn_free);
	rref_conn_used--;
	raw_spin_unlock_irqrestore(&rref_conn_lock, flags);
}

bool rref_conn_untrack(u64 cookie, u64 *start_ns)
{
	struct rref_conn *c;
	unsigned long flags;

	/* most closes are of sockets never tracked: no lock for them */
	if (!rref_conn_tracked(cookie))
		return false;
	raw_spin_lock_irqsave(&rref_conn_lock, flags);
	c = rref_conn_find(cookie);
	if (c) {
		hlist_del_rcu(&c->node);
		*start_ns = c->start_ns;
		call_rcu(&c->rcu, rref_conn_recycle);
	}
	raw_spin_unlock_irqrestore(&rref_conn_lock, flags);
	return c;
}

void rref_conn_stats(u32 *used, u64 *full)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&rref_conn_lock, flags);
	*used = rref_conn_used;
	*full = rref_conn_full;
	raw_spin_unlock_irqrestore(&rref_conn_lock, flags);
}
