/* SPDX-License-Identifier: GPL-2.0 */
/* riptel's per-CPU rings: the inline record write path, and their setup. */
#ifndef _RIPTEL_RING_H
#define _RIPTEL_RING_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/irq_work.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/poll.h>
#include <asm/local.h>
#include <asm/local64.h>
#include "ring_clock.h"
#include "ring_core.h"

/*
 * One ring per CPU that has been online (ring.c creates it before the CPU
 * first runs anything, so a probe always finds its CPU's ring).  A writer
 * takes its CPU's re-entrancy gate
 * (@busy, one local increment, with preemption off so it cannot migrate)
 * for the few dozen stores of one record.  A softirq or hardirq probe that
 * fires on top of it finds the gate taken and drops its record, counted:
 * it takes a sequence number (the reader sees the gap) and is added to
 * dropped, dropped_type[] and dropped_nested.  So no record is ever torn
 * or interleaved, and nothing is lost uncounted.  NMIs never touch the
 * ring: they only bump @nmi_drops.
 *
 * A gate rather than interrupts off around each record (costly where
 * riptel is measured) or perf's local_t reserve/commit (a cmpxchg loop, an
 * outermost-publishes commit, sequence numbers that can leave ring order):
 * the gate is one local increment and one decrement.  Its price is a drop,
 * counted, when an interrupt's probe lands inside another record's window
 * on the same CPU.  The measurements behind the choice: README, "Nesting".
 */
struct riptel_cpu_ring {
	struct ring r;
	local_t busy;			/* writers inside begin..end */
	/* the head at which to look at the consumer's tail for a wake-up */
	u64 wake_next;
	struct riptel_clock clock;	/* record time; the gate holder's */
	struct irq_work wake;		/* wakes the reader, outside the probe */
	local64_t nmi_drops;
	/* set up once, before the CPU first runs; never touched by probes */
	struct page *prod_page;
	struct page *cons_page;
	struct page **data_pages;
	bool ready;			/* store-release once the ring is whole */
};

DECLARE_PER_CPU_ALIGNED(struct riptel_cpu_ring, riptel_cpu_rings);

/*
 * Non-zero while the flush work owns the pending records (see ring.c): a
 * record that finds it zero arms the flush.  Read by every record.
 */
extern atomic_t riptel_flush_armed;

void riptel_ring_drop_nmi(void);
void riptel_ring_wake_check(struct riptel_cpu_ring *cr);
void riptel_ring_arm(void);

/* RIPTEL_RF_HARDIRQ/RIPTEL_RF_SOFTIRQ for the current context. */
static __always_inline u16 riptel_ctx_flags(void)
{
	if (in_hardirq())
		return RIPTEL_RF_HARDIRQ;
	if (in_serving_softirq())
		return RIPTEL_RF_SOFTIRQ;
	return 0;
}

/*
 * Start a record of @type on this CPU's ring.  On success the gate is held
 * (preemption off) and the whole header is written; the caller stores
 * every byte of the payload with explicit stores, then calls
 * riptel_rec_end().  Returns NULL, with the loss counted, when the ring is
 * full, the gate is taken by the context this one interrupted, or the
 * caller runs in NMI context.
 */
static __always_inline struct riptel_record *
riptel_rec_begin_seq(struct riptel_cpu_ring **crp, u16 type, u16 flags,
		     u64 *seqp)
{
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;
	struct task_struct *task;
	union {
		struct { u32 pid, tgid; } f;
		u64 w;
	} ids;

	if (unlikely(in_nmi())) {
		riptel_ring_drop_nmi();
		return NULL;
	}
	flags |= riptel_ctx_flags();
	preempt_disable_notrace();
	cr = this_cpu_ptr(&riptel_cpu_rings);
	if (unlikely(local_inc_return(&cr->busy) != 1)) {
		ring_drop_nested(&cr->r, type);
		local_dec(&cr->busy);
		preempt_enable_notrace();
		return NULL;
	}
	/*
	 * Pairs with the barrier() before local_dec() in riptel_rec_end(): no
	 * store of this record moves out of the gated window, where a nested
	 * writer on this CPU would see the gate free.
	 */
	barrier();
	rec = ring_reserve(&cr->r, type, flags, seqp);
	if (unlikely(!rec)) {
		local_dec(&cr->busy);
		preempt_enable_notrace();
		return NULL;
	}
	task = current;
	ids.f.pid = task->pid;
	ids.f.tgid = task->tgid;
	*(u64 *)&rec->hdr.pid = ids.w;	/* pid and tgid: one store */
	/* inside the window, so timestamps rise with seq on each CPU */
	rec->hdr.ts_ns = riptel_clock_now(&cr->clock);
	*crp = cr;
	return rec;
}

static __always_inline struct riptel_record *
riptel_rec_begin(struct riptel_cpu_ring **crp, u16 type, u16 flags)
{
	return riptel_rec_begin_seq(crp, type, flags, NULL);
}

/*
 * Publish the record; then, out of line and rarely: when the head reaches
 * wake_next, see whether this record took the ring to the watermark and
 * queue this CPU's irq_work to wake the reader (the probe itself never
 * calls wake_up(): it may hold scheduler or socket locks); and when the
 * flush is not armed, arm it (the first record after every ring drained).
 * Both run inside the gated, preempt-disabled window, which the flush's
 * disarming waits out (ring.c, ring_flush_fn()).
 */
static __always_inline void riptel_rec_end(struct riptel_cpu_ring *cr)
{
	ring_commit(&cr->r);
	if (unlikely(cr->r.head >= cr->wake_next))
		riptel_ring_wake_check(cr);
	if (unlikely(!atomic_read(&riptel_flush_armed)))
		riptel_ring_arm();
	/* pairs with the barrier() after taking the gate in riptel_rec_begin() */
	barrier();
	local_dec(&cr->busy);
	preempt_enable_notrace();
}

/* Store 8-byte words one by one, so no memset (or rep stos) is emitted. */
static __always_inline void riptel_rec_zero(void *p, unsigned int bytes)
{
	u64 *w = p;
	unsigned int i;

	for (i = 0; i < bytes / 8; i++)
		WRITE_ONCE(w[i], 0);
}

/*
 * Write one RIPTEL_REC_TEST record through the same path the probes use;
 * words[i] = riptel_test_word(seq, i).  Returns false if it was dropped.
 */
static __always_inline bool riptel_write_test(u32 source)
{
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;
	u64 seq;
	u32 i;
	union {
		struct { u32 source, reserved0; } f;
		u64 w;
	} head;

	rec = riptel_rec_begin_seq(&cr, RIPTEL_REC_TEST, 0, &seq);
	if (!rec)
		return false;
	/* source and reserved0 (zero) in one store */
	head.f.source = source;
	head.f.reserved0 = 0;
	*(u64 *)&rec->test.source = head.w;
	/* straight-line stores: no loop branch per word */
#pragma GCC unroll 16
	for (i = 0; i < ARRAY_SIZE(rec->test.words); i++)
		rec->test.words[i] = riptel_test_word(seq, i);
	riptel_rec_end(cr);
	return true;
}

bool riptel_emit_test(u32 source);

int riptel_rings_init(unsigned int pages, u32 watermark, u32 flush_ms);
void riptel_rings_exit(void);
/* CPU @cpu's ring, or NULL while it has none (for everyone but probes). */
struct riptel_cpu_ring *riptel_ring_get(unsigned int cpu);
/*
 * The pages of one region of @cpu's ring, for mmap: 0 with *pages and *nr
 * set, -ENXIO if the CPU has no ring, -EINVAL for no such region.
 */
int riptel_ring_pages(unsigned int cpu, unsigned int region,
		      struct page ***pages, unsigned long *nr);
/* The geometry; also the number of rings now, for EPOLLPRI. */
void riptel_ring_info(struct riptel_info *info);
/* @seen_rings: nr_rings as this file last read it through INFO */
__poll_t riptel_ring_poll(struct file *file, poll_table *wait, u32 seen_rings);
void riptel_ring_reader_open(void);
void riptel_ring_reader_release(void);

#endif /* _RIPTEL_RING_H */
