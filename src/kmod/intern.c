// SPDX-License-Identifier: GPL-2.0
/*
 * intern.c - bounded table of SPIFFE IDs: string -> {id, gen}.
 *
 * id is a slot number (1-based) and gen counts the slot's uses.  When the
 * table is full an entry is evicted and its slot reused with gen + 1, so a
 * reference taken before the eviction no longer matches: it resolves to
 * -ESTALE, never to the new string.
 *
 * riptel_intern() runs in tracepoint probes (process, softirq, preemption
 * off), so it allocates nothing and takes no sleeping lock:
 *  - every slot and every string buffer is allocated at load: a string
 *    shorter than INTERN_INLINE lives in its slot, a longer one in one of
 *    intern_long_slots buffers of RIPTEL_SPIFFE_MAX + 1 bytes;
 *  - a hit is found without any lock: the hash chains are walked under
 *    RCU, and each slot carries a seqcount its writer bumps around every
 *    change, so a reader that raced with a slot's reuse sees the count
 *    move, or follows the slot into its new chain and finds nothing: a
 *    miss, never a wrong hit, and a miss takes the locked path;
 *  - a miss takes intern_lock, a raw_spinlock_t (a real spinning lock on
 *    PREEMPT_RT too), looks again and inserts.
 * Slots are reused at once (no grace period), which is why readers
 * validate rather than rely on RCU to keep an entry's contents stable.
 *
 * Eviction is CLOCK (second chance), an approximation of LRU that needs no
 * list moves on a hit: a hit sets the slot's referenced bit; the hand
 * passes over referenced slots, clearing the bit, and takes the first one
 * without it, giving up after INTERN_SCAN slots (and taking that one) so
 * the time spent under the lock is bounded.  A long string whose buffer
 * pool is exhausted evicts a slot holding a long buffer, by a clock of its
 * own over the long buffers.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include "intern.h"

static unsigned int intern_slots = 1024;
module_param(intern_slots, uint, 0444);
MODULE_PARM_DESC(intern_slots,
		 "SPIFFE IDs kept for resolution, 16..65536 (default 1024)");

static unsigned int intern_long_slots = 64;
module_param(intern_long_slots, uint, 0444);
MODULE_PARM_DESC(intern_long_slots,
		 "of those, IDs of 112 bytes or more (buffers of 2049 bytes allocated at load), 1..intern_slots (default 64)");

#define INTERN_MIN_SLOTS	16
#define INTERN_MAX_SLOTS	65536
/* strings shorter than this live in their slot */
#define INTERN_INLINE		112
/* slots the clock hand looks at before it takes one anyway */
#define INTERN_SCAN		32
#define INTERN_NONE		U32_MAX

struct intern_entry {
	struct hlist_node hnode;	/* in its bucket while live */
	seqcount_raw_spinlock_t seq;	/* odd while hash..str change */
	u32 hash;
	u32 len;
	u32 gen;			/* 0: never used */
	u32 lbuf;			/* long buffer index, or INTERN_NONE */
	bool live;
	u8 referenced;			/* set by hits, cleared by the hand */
	char inl[INTERN_INLINE];	/* the string, if len < INTERN_INLINE */
};

struct intern_long {
	char buf[RIPTEL_SPIFFE_MAX + 1];
};

/* intern_lock guards every field below it and every entry's writes */
static DEFINE_RAW_SPINLOCK(intern_lock);
static struct intern_entry *intern_tab;
static struct hlist_head *intern_buckets;
static unsigned int intern_bits;
static u32 intern_nr;
static u32 *intern_free;		/* stack of free slot indexes */
static u32 intern_nfree;
static u32 intern_hand;
static struct intern_long *intern_long;
static u32 intern_nlong;
static u32 *intern_long_owner;		/* slot holding each buffer, or NONE */
static u32 *intern_long_free;		/* stack of free buffer indexes */
static u32 intern_nlong_free;
static u32 intern_long_hand;
static u32 intern_seed;
static struct riptel_intern_stats intern_st;

/* The string of @e, as a reader that knows its length may find it. */
static const char *intern_str(const struct intern_entry *e, u32 len)
{
	u32 lb;

	if (len < INTERN_INLINE)
		return e->inl;
	lb = READ_ONCE(e->lbuf);
	return lb < intern_nlong ? intern_long[lb].buf : NULL;
}

int riptel_intern_init(void)
{
	u32 i;

	if (intern_slots < INTERN_MIN_SLOTS || intern_slots > INTERN_MAX_SLOTS ||
	    !intern_long_slots || intern_long_slots > intern_slots)
		return -EINVAL;
	intern_nr = intern_slots;
	intern_nlong = intern_long_slots;
	intern_bits = ilog2(roundup_pow_of_two(intern_nr));
	intern_tab = kvcalloc(intern_nr, sizeof(*intern_tab), GFP_KERNEL);
	intern_buckets = kvcalloc(1U << intern_bits, sizeof(*intern_buckets),
				  GFP_KERNEL);
	intern_free = kvcalloc(intern_nr, sizeof(*intern_free), GFP_KERNEL);
	intern_long = kvcalloc(intern_nlong, sizeof(*intern_long), GFP_KERNEL);
	intern_long_owner = kvcalloc(intern_nlong, sizeof(u32), GFP_KERNEL);
	intern_long_free = kvcalloc(intern_nlong, sizeof(u32), GFP_KERNEL);
	if (!intern_tab || !intern_buckets || !intern_free || !intern_long ||
	    !intern_long_owner || !intern_long_free) {
		riptel_intern_exit();
		return -ENOMEM;
	}
	for (i = 0; i < intern_nr; i++) {
		seqcount_raw_spinlock_init(&intern_tab[i].seq, &intern_lock);
		intern_tab[i].lbuf = INTERN_NONE;
		/* popped from the top: slot 1 first */
		intern_free[i] = intern_nr - 1 - i;
	}
	intern_nfree = intern_nr;
	for (i = 0; i < intern_nlong; i++) {
		intern_long_owner[i] = INTERN_NONE;
		intern_long_free[i] = intern_nlong - 1 - i;
	}
	intern_nlong_free = intern_nlong;
	intern_hand = 0;
	intern_long_hand = 0;
	intern_seed = get_random_u32();
	memset(&intern_st, 0, sizeof(intern_st));
	intern_st.slots = intern_nr;
	return 0;
}

/* Only after every user (probes, genl) is gone. */
void riptel_intern_exit(void)
{
	kvfree(intern_long_free);
	kvfree(intern_long_owner);
	kvfree(intern_long);
	kvfree(intern_free);
	kvfree(intern_buckets);
	kvfree(intern_tab);
	intern_long_free = NULL;
	intern_long_owner = NULL;
	intern_long = NULL;
	intern_free = NULL;
	intern_buckets = NULL;
	intern_tab = NULL;
}

static struct riptel_spiffe_ref intern_ref(const struct intern_entry *e,
					   u32 gen)
{
	struct riptel_spiffe_ref ref = {
		.id = (u32)(e - intern_tab) + 1,
		.gen = gen,
	};
	return ref;
}

/*
 * Take @e out of its chain and give back its long buffer.  Inside the
 * caller's write section of e->seq; caller holds intern_lock.
 */
static void intern_unhash(struct intern_entry *e)
{
	hlist_del_rcu(&e->hnode);
	if (e->lbuf != INTERN_NONE) {
		intern_long_owner[e->lbuf] = INTERN_NONE;
		intern_long_free[intern_nlong_free++] = e->lbuf;
		WRITE_ONCE(e->lbuf, INTERN_NONE);
	}
	e->live = false;
}

/* Evict the live entry @e to the free stack.  Caller holds intern_lock. */
static void intern_evict(struct intern_entry *e)
{
	write_seqcount_begin(&e->seq);
	intern_unhash(e);
	write_seqcount_end(&e->seq);
	intern_free[intern_nfree++] = (u32)(e - intern_tab);
	intern_st.used--;
	intern_st.evictions++;
}

/* CLOCK: the next slot without its referenced bit, within INTERN_SCAN. */
static struct intern_entry *intern_victim(void)
{
	struct intern_entry *e = NULL;
	unsigned int i;

	for (i = 0; i < INTERN_SCAN; i++) {
		e = &intern_tab[intern_hand];
		intern_hand = intern_hand + 1 < intern_nr ? intern_hand + 1 : 0;
		if (!READ_ONCE(e->referenced))
			break;
		WRITE_ONCE(e->referenced, 0);
	}
	return e;
}

/* A long buffer: a free one, else the one of a slot the long clock picks. */
static u32 intern_take_long(void)
{
	struct intern_entry *e = NULL;
	unsigned int i;
	u32 lb = 0;

	if (intern_nlong_free)
		goto take;
	for (i = 0; i < INTERN_SCAN; i++) {
		lb = intern_long_hand;
		intern_long_hand = lb + 1 < intern_nlong ? lb + 1 : 0;
		e = &intern_tab[intern_long_owner[lb]];
		if (!READ_ONCE(e->referenced))
			break;
		WRITE_ONCE(e->referenced, 0);
	}
	intern_evict(e);		/* frees e's buffer, lb */
take:
	return intern_long_free[--intern_nlong_free];
}

/* Whether @e holds @s (@len bytes, hash @hash).  Stable under the lock. */
static bool intern_match(const struct intern_entry *e, const char *s,
			 u32 len, u32 hash)
{
	const char *str;

	if (READ_ONCE(e->hash) != hash || READ_ONCE(e->len) != len)
		return false;
	str = intern_str(e, len);
	return str && !memcmp(str, s, len);
}

/* A hit without the lock, or false (a miss, or a race: look again locked). */
static bool intern_find_rcu(const char *s, u32 len, u32 hash, u32 b,
			    struct riptel_spiffe_ref *ref)
{
	struct intern_entry *e;
	bool found = false;
	unsigned int seq;
	u32 gen;

	rcu_read_lock();
	hlist_for_each_entry_rcu(e, &intern_buckets[b], hnode) {
		seq = raw_read_seqcount(&e->seq);
		if (seq & 1)
			continue;
		if (!intern_match(e, s, len, hash))
			continue;
		gen = READ_ONCE(e->gen);
		/* pairs with write_seqcount_end() of the slot's last change */
		if (read_seqcount_retry(&e->seq, seq))
			continue;
		if (!READ_ONCE(e->referenced))
			WRITE_ONCE(e->referenced, 1);
		*ref = intern_ref(e, gen);
		found = true;
		break;
	}
	rcu_read_unlock();
	return found;
}

struct riptel_spiffe_ref riptel_intern(const char *s, bool *failed)
{
	struct riptel_spiffe_ref ref = { 0, 0 };
	struct intern_entry *e;
	unsigned long flags;
	u32 hash, b, lb;
	size_t len;

	if (!s || !*s)
		return ref;
	len = strnlen(s, RIPTEL_SPIFFE_MAX + 1);
	if (len > RIPTEL_SPIFFE_MAX) {
		raw_spin_lock_irqsave(&intern_lock, flags);
		intern_st.failed++;
		raw_spin_unlock_irqrestore(&intern_lock, flags);
		*failed = true;
		return ref;
	}
	hash = jhash(s, len, intern_seed);
	b = hash_32(hash, intern_bits);
	if (intern_find_rcu(s, len, hash, b, &ref))
		return ref;

	raw_spin_lock_irqsave(&intern_lock, flags);
	/* no writer runs now: a plain walk of the chain is exact */
	hlist_for_each_entry(e, &intern_buckets[b], hnode) {
		if (intern_match(e, s, len, hash)) {
			WRITE_ONCE(e->referenced, 1);
			ref = intern_ref(e, e->gen);
			goto out;
		}
	}
	if (!intern_nfree)
		intern_evict(intern_victim());
	e = &intern_tab[intern_free[--intern_nfree]];
	lb = len < INTERN_INLINE ? INTERN_NONE : intern_take_long();
	write_seqcount_begin(&e->seq);
	WRITE_ONCE(e->hash, hash);
	WRITE_ONCE(e->len, len);
	WRITE_ONCE(e->gen, e->gen + 1 ? e->gen + 1 : 1);
	WRITE_ONCE(e->lbuf, lb);
	if (lb != INTERN_NONE) {
		intern_long_owner[lb] = (u32)(e - intern_tab);
		memcpy(intern_long[lb].buf, s, len);
		intern_long[lb].buf[len] = '\0';
	} else {
		memcpy(e->inl, s, len);
		e->inl[len] = '\0';
	}
	e->live = true;
	WRITE_ONCE(e->referenced, 1);
	/* rcu_assign_pointer() inside: readers see the entry filled */
	hlist_add_head_rcu(&e->hnode, &intern_buckets[b]);
	write_seqcount_end(&e->seq);
	intern_st.used++;
	intern_st.inserts++;
	ref = intern_ref(e, e->gen);
out:
	raw_spin_unlock_irqrestore(&intern_lock, flags);
	return ref;
}

/* Copy @e's string into @buf.  Caller holds intern_lock. */
static int intern_copy(const struct intern_entry *e, char *buf)
{
	memcpy(buf, intern_str(e, e->len), e->len + 1);
	return e->len;
}

int riptel_intern_lookup(u32 id, u32 gen, char *buf)
{
	const struct intern_entry *e;
	unsigned long flags;
	int ret;

	if (!id || id > intern_nr || !gen)
		return -ENOENT;
	e = &intern_tab[id - 1];
	raw_spin_lock_irqsave(&intern_lock, flags);
	if (!e->live || gen > e->gen)
		ret = -ENOENT;
	else if (gen != e->gen)
		ret = -ESTALE;
	else
		ret = intern_copy(e, buf);
	raw_spin_unlock_irqrestore(&intern_lock, flags);
	return ret;
}

int riptel_intern_next(u32 *pos, struct riptel_spiffe_ref *ref, char *buf)
{
	const struct intern_entry *e;
	unsigned long flags;
	int ret = -ENOENT;
	u32 i;

	raw_spin_lock_irqsave(&intern_lock, flags);
	for (i = *pos; i < intern_nr; i++) {
		e = &intern_tab[i];
		if (!e->live)
			continue;
		*ref = intern_ref(e, e->gen);
		ret = intern_copy(e, buf);
		*pos = i + 1;
		break;
	}
	raw_spin_unlock_irqrestore(&intern_lock, flags);
	return ret;
}

void riptel_intern_stats(struct riptel_intern_stats *st)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&intern_lock, flags);
	*st = intern_st;
	raw_spin_unlock_irqrestore(&intern_lock, flags);
}
