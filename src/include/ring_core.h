/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU ring's record protocol, shared by riptel.ko and user space
 * (the agent's reader and the user-space stress tests).
 *
 * Pure logic: no allocation, no locking, no wake-ups.  The kernel side wraps
 * ring_reserve()..ring_commit() in the CPU's re-entrancy gate (see ring.h
 * for why); user-space producers stand in for CPUs with one thread per
 * ring.  Positions are free-running 64-bit byte counts, records
 * are RIPTEL_RECORD_SIZE bytes, the data size is a power of two, so
 * (pos & mask) is a record's offset and a record never wraps.
 *
 * Invariants, with head/tail the producer's private copies:
 *   tail <= prod->head == head   (between calls)
 *   head - tail <= size
 *   prod->written == stored + prod->dropped, stored = head / RECORD_SIZE
 */
#ifndef _RIPTEL_RING_CORE_H
#define _RIPTEL_RING_CORE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <asm/local64.h>
#include "uapi/riptel.h"
/*
 * Producer-page counter += 1 (RING_INC_OLD: returning the old value) as one
 * instruction that an interrupt on this CPU cannot split: a nested writer
 * counts its drop in the same fields (see riptel_rec_begin()).  Other CPUs
 * only read them.
 */
#define RING_INC(field)		local64_inc((local64_t *)&(field))
#define RING_INC_OLD(field)	((u64)local64_add_return(1, (local64_t *)&(field)) - 1)
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "uapi/riptel.h"
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#ifndef READ_ONCE
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
/* user-space stand-in; every call site names the release it pairs with */
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
/* user-space stand-in; every call site names the acquire it pairs with */
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif
/* the kernel forces the write path inline; here the optimiser decides */
#ifndef __always_inline
#define __always_inline		inline
#endif
#define RING_INC(field)		((void)__atomic_fetch_add(&(field), 1, __ATOMIC_RELAXED))
#define RING_INC_OLD(field)	__atomic_fetch_add(&(field), 1, __ATOMIC_RELAXED)
#ifndef likely
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#endif
#endif

#define RING_REC_SHIFT	7	/* log2(RIPTEL_RECORD_SIZE) */

/* Producer state of one ring; only its own CPU (or thread) touches it. */
struct ring {
	struct riptel_prod_page *prod;	/* shared, read-only to user space */
	struct riptel_cons_page *cons;	/* shared, written by user space */
	u8 *data;			/* size bytes */
	u64 size;
	u64 mask;			/* size - 1 */
	u64 head;			/* next write position, == prod->head */
	u64 tail;			/* last consumer tail accepted */
	u64 hdr0;			/* size and cpu, as ring_hdr0() lays them */
	/* the fields above fill one 64-byte line: all reserve() touches */
	u64 bad_tail;			/* last tail rejected, counted once */
	u32 cpu;
	bool bad_seen;			/* bad_tail holds a rejected tail */
};

/*
 * The header's first 8 bytes (type, size, cpu, flags) as one word, so a
 * writer stores them at once; the union keeps the layout of struct
 * riptel_rec_hdr whatever the byte order.
 */
static __always_inline u64 ring_hdr0(u16 type, u16 size, u16 cpu, u16 flags)
{
	union {
		struct { u16 type, size, cpu, flags; } f;
		u64 w;
	} u = { .f = { type, size, cpu, flags } };

	return u.w;
}

/* Set up a ring over zeroed control pages and a data area of @size bytes. */
static inline void ring_init(struct ring *r, struct riptel_prod_page *prod,
			     struct riptel_cons_page *cons, u8 *data, u64 size,
			     u32 cpu)
{
	r->prod = prod;
	r->cons = cons;
	r->data = data;
	r->size = size;
	r->mask = size - 1;
	r->head = 0;
	r->tail = 0;
	r->bad_tail = 0;
	r->bad_seen = false;
	r->cpu = cpu;
	r->hdr0 = ring_hdr0(0, RIPTEL_RECORD_SIZE, (u16)cpu, 0);
	prod->data_size = size;
	prod->cpu = cpu;
	prod->record_size = RIPTEL_RECORD_SIZE;
	prod->abi_version = RIPTEL_ABI_VERSION;
}

/*
 * The consumer's tail, validated.  A tail is accepted only if it lies in
 * [last accepted tail, head] and is record-aligned; anything else leaves the
 * last accepted tail in force and is counted once per run of the same bad
 * value (any value, 0 included, counts the first time it is seen after a
 * good tail), so a hostile reader can only make the ring look fuller.
 */
static inline u64 ring_tail(struct ring *r)
{
	/*
	 * Pairs with smp_store_release(&cons->tail) in ring_consume_release():
	 * the reader's loads of the records below t happen before we may
	 * overwrite them.
	 */
	u64 t = smp_load_acquire(&r->cons->tail);

	if (likely(t == r->tail))
		return t;
	if (t - r->tail <= r->head - r->tail &&
	    !(t & (RIPTEL_RECORD_SIZE - 1))) {
		/* read by other CPUs too (the module's RINGS report) */
		WRITE_ONCE(r->tail, t);
		r->bad_seen = false;
		return t;
	}
	if (!r->bad_seen || t != r->bad_tail) {
		r->bad_tail = t;
		r->bad_seen = true;
		WRITE_ONCE(r->prod->consumer_errors,
			   r->prod->consumer_errors + 1);
	}
	return r->tail;
}

/* Bytes stored and not yet consumed, after reading the consumer's tail. */
static inline u64 ring_pending(struct ring *r)
{
	return r->head - ring_tail(r);
}

/*
 * (The write path, ring_hdr0() to ring_commit(), is always inlined: it is
 * every probe's hot path.)
 *
 * Take the next sequence number and a slot for a record of @type.  Returns
 * NULL, with the drop counted, when the ring is full.  The caller must not
 * be re-entered on this ring until ring_commit() (kernel: the CPU's gate,
 * see ring.h).  On success the header's type, size, cpu, flags and seq are
 * set (and *@seq, unless NULL): the caller writes every other byte of the
 * record before committing.
 */
static __always_inline struct riptel_record *
ring_reserve(struct ring *r, u16 type, u16 flags, u64 *seq)
{
	struct riptel_prod_page *p = r->prod;
	u64 s = RING_INC_OLD(p->written);
	u64 head = r->head;
	struct riptel_record *rec;
	u64 w;

	/*
	 * The consumer's tail is read (and validated) only when the ring
	 * looks full by the last tail accepted: the consumer can only have
	 * made more room since, so that tail is a safe bound, and the
	 * consumer page stays out of the common path.
	 */
	if (unlikely(head - r->tail >= r->size) &&
	    head - ring_tail(r) >= r->size) {
		RING_INC(p->dropped);
		RING_INC(p->dropped_type[type & (RIPTEL_REC_TYPE_MAX - 1)]);
		return NULL;
	}
	rec = (struct riptel_record *)(r->data + (head & r->mask));
	/* the first header word and seq, each in one store */
	w = r->hdr0 | ring_hdr0(type, 0, 0, flags);
	memcpy(&rec->hdr, &w, sizeof(w));
	rec->hdr.seq = s;
	if (seq)
		*seq = s;
	return rec;
}

/*
 * Count a record a nested writer could not offer: the ring was busy with
 * the record of the context it interrupted on this CPU.  It takes a
 * sequence number like a ring-full drop, so the reader sees the gap and
 * written == consumed + dropped still holds.  Safe while a producer on
 * this CPU is suspended inside ring_reserve()..ring_commit(): it touches
 * only counters, each with one uninterruptible increment.
 */
static inline void ring_drop_nested(struct ring *r, u16 type)
{
	struct riptel_prod_page *p = r->prod;

	RING_INC(p->written);
	RING_INC(p->dropped);
	RING_INC(p->dropped_type[type & (RIPTEL_REC_TYPE_MAX - 1)]);
	RING_INC(p->dropped_nested);
}

/* Publish the record ring_reserve() returned. */
static __always_inline void ring_commit(struct ring *r)
{
	u64 head = r->head + RIPTEL_RECORD_SIZE;

	r->head = head;
	/*
	 * Pairs with smp_load_acquire(&prod->head) in ring_consume_head():
	 * every byte of the record is visible before the head that covers it.
	 */
	smp_store_release(&r->prod->head, head);
}

/* ---- consumer side (user space) ---- */

/* Reader state of one ring. */
struct ring_reader {
	const struct riptel_prod_page *prod;
	struct riptel_cons_page *cons;
	const u8 *data;
	u64 size;
	u64 mask;
	u64 tail;		/* private copy of what we released */
};

static inline void ring_reader_init(struct ring_reader *c,
				    const struct riptel_prod_page *prod,
				    struct riptel_cons_page *cons,
				    const u8 *data, u64 size)
{
	c->prod = prod;
	c->cons = cons;
	c->data = data;
	c->size = size;
	c->mask = size - 1;
	c->tail = READ_ONCE(cons->tail);
}

/*
 * The published head.  Returns false if it is not plausible (behind the
 * tail, more than a ring ahead, or unaligned): the reader must then treat
 * the ring as broken rather than read out of bounds.
 */
static inline bool ring_consume_head(struct ring_reader *c, u64 *head)
{
	/*
	 * Pairs with smp_store_release(&prod->head) in ring_commit(): the
	 * records below h are complete when we read them.
	 */
	u64 h = smp_load_acquire(&c->prod->head);

	if (h - c->tail > c->size || (h & (RIPTEL_RECORD_SIZE - 1)))
		return false;
	*head = h;
	return true;
}

static inline const struct riptel_record *ring_consume_at(
	const struct ring_reader *c, u64 pos)
{
	return (const struct riptel_record *)(c->data + (pos & c->mask));
}

/* Give the slots below @tail back to the producer. */
static inline void ring_consume_release(struct ring_reader *c, u64 tail)
{
	c->tail = tail;
	/*
	 * Pairs with smp_load_acquire(&cons->tail) in ring_tail(): our reads
	 * of the records below tail are done before the producer reuses them.
	 */
	smp_store_release(&c->cons->tail, tail);
}

#endif /* _RIPTEL_RING_CORE_H */
