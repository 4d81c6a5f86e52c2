// SPDX-License-Identifier: GPL-2.0
/* The rings' allocation, mapping lookup, wake-ups and poll. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/jiffies.h>
#include <linux/cpumask.h>
#include "ring.h"

DEFINE_PER_CPU_ALIGNED(struct riptel_cpu_ring, riptel_cpu_rings);

/* read by every record, written when the reader sleeps or wakes */
bool riptel_reader_waiting __read_mostly;
u64 riptel_wake_bytes __read_mostly;

static u64 ring_data_size __read_mostly;
static u32 ring_flush_ms __read_mostly;
static unsigned long ring_flush_jiffies __read_mostly;

static DECLARE_WAIT_QUEUE_HEAD(ring_wq);

static void ring_flush_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ring_flush_work, ring_flush_fn);

/*
 * NMIs can interrupt a producer inside its window, so they never touch the
 * ring's state: they bump their own counter, which only NMI context on this
 * CPU writes, and publish it in a field nothing else writes.
 */
void riptel_ring_drop_nmi(void)
{
	struct riptel_cpu_ring *cr = this_cpu_ptr(&riptel_cpu_rings);

	WRITE_ONCE(cr->r.prod->dropped_nmi,
		   local64_inc_return(&cr->nmi_drops));
}

/* The one exported write path: same inline code as the probes. */
bool riptel_emit_test(u32 source)
{
	return riptel_write_test(source);
}
EXPORT_SYMBOL_GPL(riptel_emit_test);

/*
 * Whether any ring holds unconsumed records.  A hint for poll() only: the
 * reader re-reads head with smp_load_acquire() before touching a record.
 */
static bool ring_any_pending(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct ring *r = &per_cpu_ptr(&riptel_cpu_rings, cpu)->r;

		if (READ_ONCE(r->prod->head) != READ_ONCE(r->cons->tail))
			return true;
	}
	return false;
}

/* irq_work: runs after the probe's window closes, in interrupt context. */
static void ring_wake_fn(struct irq_work *work)
{
	wake_up_interruptible(&ring_wq);
}

/*
 * While a reader sleeps, look every flush_ms for records below the
 * watermark (or whose irq_work was missed) and wake it: this bounds the
 * latency of a lone record.
 */
static void ring_flush_fn(struct work_struct *work)
{
	if (!READ_ONCE(riptel_reader_waiting))
		return;
	if (ring_any_pending())
		wake_up_interruptible(&ring_wq);
	schedule_delayed_work(&ring_flush_work, ring_flush_jiffies);
}

__poll_t riptel_ring_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &ring_wq, wait);
	if (ring_any_pending()) {
		WRITE_ONCE(riptel_reader_waiting, false);
		return EPOLLIN | EPOLLRDNORM;
	}
	WRITE_ONCE(riptel_reader_waiting, true);
	schedule_delayed_work(&ring_flush_work, ring_flush_jiffies);
	return 0;
}

/* The reader is gone (last file reference dropped): stop waking it. */
void riptel_ring_reader_release(void)
{
	WRITE_ONCE(riptel_reader_waiting, false);
	cancel_delayed_work_sync(&ring_flush_work);
}

void *riptel_ring_region(unsigned int cpu, unsigned int region,
			 unsigned long *len)
{
	struct ring *r = &per_cpu_ptr(&riptel_cpu_rings, cpu)->r;

	switch (region) {
	case RIPTEL_REGION_PROD:
		*len = PAGE_SIZE;
		return r->prod;
	case RIPTEL_REGION_CONS:
		*len = PAGE_SIZE;
		return r->cons;
	case RIPTEL_REGION_DATA:
		*len = r->size;
		return r->data;
	}
	return NULL;
}

void riptel_ring_info(struct riptel_info *info)
{
	memset(info, 0, sizeof(*info));		/* reserved fields and all */
	info->abi_version = RIPTEL_ABI_VERSION;
	info->record_size = RIPTEL_RECORD_SIZE;
	info->nr_cpus = nr_cpu_ids;
	info->page_size = PAGE_SIZE;
	info->data_size = ring_data_size;
	info->watermark = (u32)riptel_wake_bytes;
	info->flush_ms = ring_flush_ms;
}

/* Accepts rings that are partly or not at all allocated. */
void riptel_rings_exit(void)
{
	unsigned int cpu;

	cancel_delayed_work_sync(&ring_flush_work);
	for_each_possible_cpu(cpu) {
		struct riptel_cpu_ring *cr = per_cpu_ptr(&riptel_cpu_rings, cpu);

		irq_work_sync(&cr->wake);
		vfree(cr->r.data);
		vfree(cr->r.cons);
		vfree(cr->r.prod);
		cr->r.data = NULL;
		cr->r.cons = NULL;
		cr->r.prod = NULL;
	}
}

/*
 * Allocate every possible CPU's ring up front, so a CPU coming online
 * finds its ring ready and one going offline keeps its records readable.
 * vmalloc_user() memory is zeroed and may be mapped with
 * remap_vmalloc_range(); @pages and @watermark are already validated.
 */
int riptel_rings_init(unsigned int pages, u32 watermark, u32 flush_ms)
{
	u64 size = (u64)pages << PAGE_SHIFT;
	unsigned int cpu;

	ring_data_size = size;
	riptel_wake_bytes = watermark;
	ring_flush_ms = flush_ms;
	ring_flush_jiffies = max(msecs_to_jiffies(flush_ms), 1UL);

	for_each_possible_cpu(cpu) {
		struct riptel_cpu_ring *cr = per_cpu_ptr(&riptel_cpu_rings, cpu);
		void *prod, *cons, *data;

		init_irq_work(&cr->wake, ring_wake_fn);
		local64_set(&cr->nmi_drops, 0);
		prod = vmalloc_user(PAGE_SIZE);
		cons = vmalloc_user(PAGE_SIZE);
		data = vmalloc_user(size);
		if (!prod || !cons || !data) {
			vfree(data);
			vfree(cons);
			vfree(prod);
			goto free_rings;
		}
		ring_init(&cr->r, prod, cons, data, size, cpu);
	}
	return 0;

free_rings:
	riptel_rings_exit();
	return -ENOMEM;
}
