/* SPDX-License-Identifier: GPL-2.0 */
/* riptel's per-CPU rings: the inline record write path, and their setup. */
#ifndef _RIPTEL_RING_H
#define _RIPTEL_RING_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/irqflags.h>
#include <linux/irq_work.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/poll.h>
#include <asm/local64.h>
#include "ring_core.h"

/*
 * One ring per possible CPU.  Only code running on that CPU with
 * interrupts off touches @r, so ring_reserve()..ring_commit() cannot be
 * re-entered: a softirq or hardirq probe that would nest simply waits until
 * the outer record is published, and no record is ever torn or interleaved.
 * NMIs cannot be held off; they only count a loss in @nmi_drops (see
 * riptel_ring_drop_nmi()).
 *
 * Why interrupts off rather than perf's local_t reserve/commit with a
 * nesting count: the window is a fixed few dozen stores with no loop over
 * caller data, so the added interrupt latency is tiny, while nesting would
 * need an outermost-publishes commit protocol and a reader that copes with
 * not-yet-committed holes.  Why not drop nested events: TCP state changes
 * fire in softirq right on top of process-context probes, and losing them
 * by design is what users of other tracers complain about most.
 */
struct riptel_cpu_ring {
	struct ring r;
	struct irq_work wake;		/* wakes the reader, outside the probe */
	local64_t nmi_drops;
};

DECLARE_PER_CPU_ALIGNED(struct riptel_cpu_ring, riptel_cpu_rings);

/* Set when the reader sleeps in poll(); cleared when poll() finds data. */
extern bool riptel_reader_waiting;
/* Pending bytes on one ring that make its CPU wake a waiting reader. */
extern u64 riptel_wake_bytes;

void riptel_ring_drop_nmi(void);

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
 * Start a record of @type on this CPU's ring.  On success interrupts are
 * off and the whole header is written; the caller stores every byte of the
 * payload with explicit stores, then calls riptel_rec_end() with @crp and
 * @irqf.  Returns NULL, with the loss counted and interrupts restored, when
 * the ring is full or the caller runs in NMI context.
 */
static __always_inline struct riptel_record *
riptel_rec_begin(struct riptel_cpu_ring **crp, unsigned long *irqf, u16 type,
		 u16 flags)
{
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;

	if (unlikely(in_nmi())) {
		riptel_ring_drop_nmi();
		return NULL;
	}
	flags |= riptel_ctx_flags();
	local_irq_save(*irqf);
	cr = this_cpu_ptr(&riptel_cpu_rings);
	rec = ring_reserve(&cr->r, type);
	if (unlikely(!rec)) {
		local_irq_restore(*irqf);
		return NULL;
	}
	rec->hdr.flags = flags;
	rec->hdr.pid = current->pid;
	rec->hdr.tgid = current->tgid;
	/* inside the window, so timestamps rise with seq on each CPU */
	rec->hdr.ts_ns = ktime_get_mono_fast_ns();
	*crp = cr;
	return rec;
}

/*
 * Publish the record and, only if a reader sleeps and enough is pending,
 * queue this CPU's irq_work: the probe itself never calls wake_up(), as it
 * may hold scheduler or socket locks.  Reading riptel_reader_waiting here
 * is deliberately not ordered against the head store; a wake-up lost to
 * that race is made up by the flush work within flush_ms.
 */
static __always_inline void riptel_rec_end(struct riptel_cpu_ring *cr,
					   unsigned long irqf)
{
	ring_commit(&cr->r);
	if (unlikely(READ_ONCE(riptel_reader_waiting)) &&
	    ring_pending(&cr->r) >= READ_ONCE(riptel_wake_bytes))
		irq_work_queue(&cr->wake);
	local_irq_restore(irqf);
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
	unsigned long irqf;
	u64 seq;
	u32 i;

	rec = riptel_rec_begin(&cr, &irqf, RIPTEL_REC_TEST, 0);
	if (!rec)
		return false;
	seq = rec->hdr.seq;
	rec->test.source = source;
	rec->test.reserved0 = 0;
	for (i = 0; i < ARRAY_SIZE(rec->test.words); i++)
		rec->test.words[i] = riptel_test_word(seq, i);
	riptel_rec_end(cr, irqf);
	return true;
}

bool riptel_emit_test(u32 source);

int riptel_rings_init(unsigned int pages, u32 watermark, u32 flush_ms);
void riptel_rings_exit(void);
void *riptel_ring_region(unsigned int cpu, unsigned int region,
			 unsigned long *len);
void riptel_ring_info(struct riptel_info *info);
__poll_t riptel_ring_poll(struct file *file, poll_table *wait);
void riptel_ring_reader_release(void);

#endif /* _RIPTEL_RING_H */
