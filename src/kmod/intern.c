// SPDX-License-Identifier: GPL-2.0
/*
 * intern.c - bounded table of SPIFFE IDs: string -> {id, gen}.
 *
 * id is a slot number (1-based) and gen counts the slot's uses.  When the
 * table is full, the least recently used entry is evicted and its slot
 * reused with gen + 1, so a reference taken before the eviction no longer
 * matches: it resolves to -ESTALE, never to the new string.
 *
 * One spinlock, taken with interrupts off, guards the table: riptel_intern()
 * runs in tracepoint probes in process and softirq context.  Strings live in
 * their own allocations (GFP_ATOMIC), so a table of N slots holds at most
 * N * (RIPTEL_SPIFFE_MAX + 1) bytes of strings.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include "intern.h"

static unsigned int intern_slots = 1024;
module_param(intern_slots, uint, 0444);
MODULE_PARM_DESC(intern_slots,
		 "SPIFFE IDs kept for resolution, 16..65536 (default 1024)");

#define INTERN_MIN_SLOTS	16
#define INTERN_MAX_SLOTS	65536

struct intern_entry {
	struct hlist_node hnode;	/* in its hash bucket while live */
	struct list_head lru;		/* intern_lru while live, else free */
	char *str;			/* NULL while free */
	u32 hash;
	u32 gen;			/* 0: never used */
	u32 len;
};

static DEFINE_SPINLOCK(intern_lock);
static struct intern_entry *intern_tab;
static struct hlist_head *intern_buckets;
static unsigned int intern_bits;
static u32 intern_nr;
static LIST_HEAD(intern_lru);		/* most recently used first */
static LIST_HEAD(intern_free);
static u32 intern_seed;
static struct riptel_intern_stats intern_st;

int riptel_intern_init(void)
{
	u32 i;

	if (intern_slots < INTERN_MIN_SLOTS || intern_slots > INTERN_MAX_SLOTS)
		return -EINVAL;
	intern_nr = intern_slots;
	intern_bits = ilog2(roundup_pow_of_two(intern_nr));
	intern_tab = kvcalloc(intern_nr, sizeof(*intern_tab), GFP_KERNEL);
	intern_buckets = kvcalloc(1U << intern_bits, sizeof(*intern_buckets),
				  GFP_KERNEL);
	if (!intern_tab || !intern_buckets) {
		riptel_intern_exit();
		return -ENOMEM;
	}
	for (i = 0; i < intern_nr; i++)
		list_add_tail(&intern_tab[i].lru, &intern_free);
	intern_seed = get_random_u32();
	memset(&intern_st, 0, sizeof(intern_st));
	intern_st.slots = intern_nr;
	return 0;
}

/* Only after every user (probes, genl) is gone. */
void riptel_intern_exit(void)
{
	u32 i;

	if (intern_tab) {
		for (i = 0; i < intern_nr; i++)
			kfree(intern_tab[i].str);
	}
	kvfree(intern_tab);
	kvfree(intern_buckets);
	intern_tab = NULL;
	intern_buckets = NULL;
	INIT_LIST_HEAD(&intern_lru);
	INIT_LIST_HEAD(&intern_free);
}

static struct riptel_spiffe_ref intern_ref(const struct intern_entry *e)
{
	struct riptel_spiffe_ref ref = {
		.id = (u32)(e - intern_tab) + 1,
		.gen = e->gen,
	};
	return ref;
}

/* A slot for a new entry: a free one, else the least recently used. */
static struct intern_entry *intern_take_slot(void)
{
	struct intern_entry *e;

	if (!list_empty(&intern_free)) {
		e = list_first_entry(&intern_free, struct intern_entry, lru);
		list_del(&e->lru);
		intern_st.used++;
		return e;
	}
	e = list_last_entry(&intern_lru, struct intern_entry, lru);
	list_del(&e->lru);
	hlist_del(&e->hnode);
	kfree(e->str);
	e->str = NULL;
	intern_st.evictions++;
	return e;
}

struct riptel_spiffe_ref riptel_intern(const char *s, bool *failed)
{
	struct riptel_spiffe_ref ref = { 0, 0 };
	struct intern_entry *e;
	struct hlist_head *b;
	unsigned long flags;
	size_t len;
	char *copy;
	u32 hash;

	if (!s || !*s)
		return ref;
	len = strnlen(s, RIPTEL_SPIFFE_MAX + 1);
	hash = jhash(s, len, intern_seed);
	b = &intern_buckets[hash_32(hash, intern_bits)];

	spin_lock_irqsave(&intern_lock, flags);
	if (len > RIPTEL_SPIFFE_MAX)
		goto fail;
	hlist_for_each_entry(e, b, hnode) {
		if (e->hash == hash && e->len == len &&
		    !memcmp(e->str, s, len)) {
			list_move(&e->lru, &intern_lru);
			ref = intern_ref(e);
			goto out;
		}
	}
	copy = kmalloc(len + 1, GFP_ATOMIC | __GFP_NOWARN);
	if (!copy)
		goto fail;
	memcpy(copy, s, len);
	copy[len] = '\0';
	e = intern_take_slot();
	e->str = copy;
	e->len = len;
	e->hash = hash;
	e->gen = e->gen + 1 ? e->gen + 1 : 1;
	hlist_add_head(&e->hnode, b);
	list_add(&e->lru, &intern_lru);
	intern_st.inserts++;
	ref = intern_ref(e);
	goto out;
fail:
	intern_st.failed++;
	*failed = true;
out:
	spin_unlock_irqrestore(&intern_lock, flags);
	return ref;
}

int riptel_intern_lookup(u32 id, u32 gen, char *buf)
{
	const struct intern_entry *e;
	unsigned long flags;
	int ret;

	if (!id || id > intern_nr || !gen)
		return -ENOENT;
	e = &intern_tab[id - 1];
	spin_lock_irqsave(&intern_lock, flags);
	if (!e->str || gen > e->gen) {
		ret = -ENOENT;
	} else if (gen != e->gen) {
		ret = -ESTALE;
	} else {
		memcpy(buf, e->str, e->len + 1);
		ret = e->len;
	}
	spin_unlock_irqrestore(&intern_lock, flags);
	return ret;
}

int riptel_intern_next(u32 *pos, struct riptel_spiffe_ref *ref, char *buf)
{
	const struct intern_entry *e;
	unsigned long flags;
	int ret = -ENOENT;
	u32 i;

	spin_lock_irqsave(&intern_lock, flags);
	for (i = *pos; i < intern_nr; i++) {
		e = &intern_tab[i];
		if (!e->str)
			continue;
		*ref = intern_ref(e);
		memcpy(buf, e->str, e->len + 1);
		ret = e->len;
		*pos = i + 1;
		break;
	}
	spin_unlock_irqrestore(&intern_lock, flags);
	return ret;
}

void riptel_intern_stats(struct riptel_intern_stats *st)
{
	unsigned long flags;

	spin_lock_irqsave(&intern_lock, flags);
	*st = intern_st;
	spin_unlock_irqrestore(&intern_lock, flags);
}
