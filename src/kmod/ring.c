// SPDX-License-Identifier: GPL-2.0
/* The rings' allocation on CPU hotplug, mapping lookup, wake-ups and poll. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "probe_ctx.h"
#include "ring.h"

DEFINE_PER_CPU_ALIGNED(struct riptel_cpu_ring, riptel_cpu_rings);

atomic_t riptel_flush_armed __read_mostly = ATOMIC_INIT(0);

static u64 ring_data_size __read_mostly;
static u64 ring_wake_bytes __read_mostly;
static u32 ring_flush_ms __read_mostly;
static unsigned long ring_flush_jiffies __read_mostly;
static atomic_t ring_nr_rings = ATOMIC_INIT(0);
static enum cpuhp_state ring_hp_state;
static bool ring_reader_open;

static DECLARE_WAIT_QUEUE_HEAD(ring_wq);

static void ring_flush_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ring_flush_work, ring_flush_fn);
static void ring_arm_fn(struct irq_work *work);
static struct irq_work ring_arm_work;

struct riptel_cpu_ring *riptel_ring_get(unsigned int cpu)
{
	struct riptel_cpu_ring *cr;

	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return NULL;
	cr = per_cpu_ptr(&riptel_cpu_rings, cpu);
	/* pairs with smp_store_release(&cr->ready) in ring_prepare_cpu() */
	return smp_load_acquire(&cr->ready) ? cr : NULL;
}

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
RIPTEL_PROBE_CONTEXT(riptel_emit_test);

/*
 * The head reached wake_next: read the consumer's tail (ring_tail()
 * validates it) and, if this record took the pending bytes to the
 * watermark, queue the wake-up, as perf does on the record that crosses
 * it.  The next look is a watermark further on: after a wake-up, a
 * watermark past this head (the reader is woken again if it has not
 * drained by then); otherwise a watermark past the tail just read, the
 * earliest head that can cross it.  So the consumer page is read about
 * once per watermark of records, and a reader is woken whatever kind it
 * is: this depends on no state of the reader's.
 */
void riptel_ring_wake_check(struct riptel_cpu_ring *cr)
{
	struct ring *r = &cr->r;
	u64 t = ring_tail(r);

	if (r->head - t >= ring_wake_bytes) {
		irq_work_queue(&cr->wake);
		cr->wake_next = r->head + ring_wake_bytes;
	} else {
		cr->wake_next = t + ring_wake_bytes;
	}
}

/* The first record after the flush disarmed: arm it, outside the probe. */
void riptel_ring_arm(void)
{
	if (!atomic_xchg(&riptel_flush_armed, 1))
		irq_work_queue(&ring_arm_work);
}

/*
 * Whether any ring holds unconsumed records.  A hint for poll() and the
 * flush only: the reader re-reads head with smp_load_acquire() before
 * touching a record.
 */
static bool ring_any_pending(void)
{
	struct riptel_cpu_ring *cr;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		cr = riptel_ring_get(cpu);
		if (cr && READ_ONCE(cr->r.prod->head) != READ_ONCE(cr->r.cons->tail))
			return true;
	}
	return false;
}

/*
 * Waiters (poll, epoll, io_uring) add themselves to ring_wq and then look
 * for records (riptel_ring_poll()); wakers publish records and then look
 * for waiters: wq_has_sleeper()'s barrier pairs with the smp_mb() after
 * poll_wait(), so one of the two always sees the other.
 */
static void ring_wake(__poll_t key)
{
	if (wq_has_sleeper(&ring_wq))
		wake_up_interruptible_poll(&ring_wq, key);
}

/* irq_work: runs after the probe's window closes, never inside it. */
static void ring_wake_fn(struct irq_work *work)
{
	ring_wake(EPOLLIN | EPOLLRDNORM);
}

/*
 * irq_work: a record armed the flush.  With no reader open the flush stays
 * armed but parked (nobody to wake); riptel_ring_reader_open() starts it.
 */
static void ring_arm_fn(struct irq_work *work)
{
	/*
	 * Pairs with smp_mb() in riptel_ring_reader_open(): either we see the
	 * reader open, or it sees the flush armed.
	 */
	smp_mb();
	if (READ_ONCE(ring_reader_open))
		schedule_delayed_work(&ring_flush_work, ring_flush_jiffies);
}

/*
 * The flush bounds a lone record's latency: armed by the first record
 * after every ring drained, it runs every flush_ms while records are
 * pending, waking a sleeping reader, and disarms once nothing is: no work
 * runs on an idle system.  (A deferrable timer would not do: an idle CPU
 * never fires one, and the lone record would wait indefinitely.)
 *
 * Disarming races with a producer that read the flag still armed just as
 * its record landed after our last look.  Every producer reads the flag
 * inside its preempt-disabled record window, which synchronize_rcu()
 * waits out: after it, each such record is visible to the look below,
 * and every later record reads the flag clear and arms the flush itself.
 */
static void ring_flush_fn(struct work_struct *work)
{
	if (ring_any_pending()) {
		ring_wake(EPOLLIN | EPOLLRDNORM);
		if (READ_ONCE(ring_reader_open))
			schedule_delayed_work(&ring_flush_work, ring_flush_jiffies);
		return;
	}
	atomic_set(&riptel_flush_armed, 0);
	synchronize_rcu();
	if (ring_any_pending() && !atomic_xchg(&riptel_flush_armed, 1))
		schedule_delayed_work(&ring_flush_work, ring_flush_jiffies);
}

__poll_t riptel_ring_poll(struct file *file, poll_table *wait, u32 seen_rings)
{
	__poll_t mask = 0;

	poll_wait(file, &ring_wq, wait);
	/* pairs with wq_has_sleeper() in ring_wake() */
	smp_mb();
	if (ring_any_pending())
		mask |= EPOLLIN | EPOLLRDNORM;
	if ((u32)atomic_read(&ring_nr_rings) != seen_rings)
		mask |= EPOLLPRI;
	return mask;
}

/* A reader opened the device: start a flush that was parked. */
void riptel_ring_reader_open(void)
{
	WRITE_ONCE(ring_reader_open, true);
	/* pairs with smp_mb() in ring_arm_fn() */
	smp_mb();
	if (atomic_read(&riptel_flush_armed))
		schedule_delayed_work(&ring_flush_work, ring_flush_jiffies);
}

/*
 * The reader is gone (last file reference dropped): stop the flush.  If it
 * was armed it stays so, parked, and the next reader's open starts it.
 */
void riptel_ring_reader_release(void)
{
	WRITE_ONCE(ring_reader_open, false);
	cancel_delayed_work_sync(&ring_flush_work);
}

int riptel_ring_pages(unsigned int cpu, unsigned int region,
		      struct page ***pages, unsigned long *nr)
{
	struct riptel_cpu_ring *cr = riptel_ring_get(cpu);

	if (!cr)
		return -ENXIO;
	switch (region) {
	case RIPTEL_REGION_PROD:
		*pages = &cr->prod_page;
		*nr = 1;
		return 0;
	case RIPTEL_REGION_CONS:
		*pages = &cr->cons_page;
		*nr = 1;
		return 0;
	case RIPTEL_REGION_DATA:
		*pages = cr->data_pages;
		*nr = ring_data_size >> PAGE_SHIFT;
		return 0;
	}
	return -EINVAL;
}

void riptel_ring_info(struct riptel_info *info)
{
	memset(info, 0, sizeof(*info));		/* reserved fields and all */
	info->abi_version = RIPTEL_ABI_VERSION;
	info->record_size = RIPTEL_RECORD_SIZE;
	info->nr_cpus = nr_cpu_ids;
	info->page_size = PAGE_SIZE;
	info->data_size = ring_data_size;
	info->watermark = (u32)ring_wake_bytes;
	info->flush_ms = ring_flush_ms;
	info->nr_rings = atomic_read(&ring_nr_rings);
}

/* Accepts a ring that is partly or not at all allocated. */
static void ring_free(struct riptel_cpu_ring *cr)
{
	unsigned long i, n = ring_data_size >> PAGE_SHIFT;

	if (cr->r.data)
		vunmap(cr->r.data);
	for (i = 0; cr->data_pages && i < n; i++)
		if (cr->data_pages[i])
			__free_page(cr->data_pages[i]);
	kvfree(cr->data_pages);
	if (cr->cons_page)
		__free_page(cr->cons_page);
	if (cr->prod_page)
		__free_page(cr->prod_page);
	cr->data_pages = NULL;
	cr->cons_page = NULL;
	cr->prod_page = NULL;
	cr->r.data = NULL;
}

/*
 * Zeroed pages on @cpu's memory node (any node if that one is short), the
 * data mapped contiguously for the producer by vmap(); user space maps the
 * same pages (dev.c, vm_insert_pages()).
 */
static int ring_alloc(struct riptel_cpu_ring *cr, unsigned int cpu)
{
	unsigned long i, n = ring_data_size >> PAGE_SHIFT;
	const gfp_t gfp = GFP_KERNEL | __GFP_ZERO;
	int node = cpu_to_node(cpu);
	void *data;

	cr->prod_page = alloc_pages_node(node, gfp, 0);
	cr->cons_page = alloc_pages_node(node, gfp, 0);
	cr->data_pages = kvcalloc(n, sizeof(*cr->data_pages), GFP_KERNEL);
	if (!cr->prod_page || !cr->cons_page || !cr->data_pages)
		goto free_ring;
	for (i = 0; i < n; i++) {
		cr->data_pages[i] = alloc_pages_node(node, gfp, 0);
		if (!cr->data_pages[i])
			goto free_ring;
	}
	data = vmap(cr->data_pages, n, VM_MAP, PAGE_KERNEL);
	if (!data)
		goto free_ring;
	init_irq_work(&cr->wake, ring_wake_fn);
	local64_set(&cr->nmi_drops, 0);
	cr->wake_next = ring_wake_bytes;
	ring_init(&cr->r, page_address(cr->prod_page),
		  page_address(cr->cons_page), data, ring_data_size, cpu);
	return 0;

free_ring:
	ring_free(cr);
	return -ENOMEM;
}

/*
 * CPUHP_BP_PREPARE_DYN: runs on a control CPU before @cpu first starts
 * (and at setup for every CPU online then), so no code, probe or
 * interrupt, ever runs on a CPU without its ring.  A ring stays when its
 * CPU goes offline (no teardown callback): its records stay readable and
 * the CPU finds it again when it comes back.
 */
static int ring_prepare_cpu(unsigned int cpu)
{
	struct riptel_cpu_ring *cr = per_cpu_ptr(&riptel_cpu_rings, cpu);
	int err;

	if (cr->ready)
		return 0;
	err = ring_alloc(cr, cpu);
	if (err) {
		pr_err("cannot allocate CPU %u's ring (%llu bytes): CPU %u cannot come online while riptel is loaded\n",
		       cpu, ring_data_size, cpu);
		return err;
	}
	/* pairs with smp_load_acquire(&cr->ready) in riptel_ring_get() */
	smp_store_release(&cr->ready, true);
	atomic_inc(&ring_nr_rings);
	ring_wake(EPOLLPRI);
	return 0;
}

/* Only once no probe can run and no file is open. */
void riptel_rings_exit(void)
{
	unsigned int cpu;

	if (ring_hp_state > 0)
		cpuhp_remove_state_nocalls(ring_hp_state);
	ring_hp_state = 0;
	for_each_possible_cpu(cpu) {
		struct riptel_cpu_ring *cr = per_cpu_ptr(&riptel_cpu_rings, cpu);

		if (cr->ready)
			irq_work_sync(&cr->wake);
	}
	irq_work_sync(&ring_arm_work);
	cancel_delayed_work_sync(&ring_flush_work);
	for_each_possible_cpu(cpu) {
		struct riptel_cpu_ring *cr = per_cpu_ptr(&riptel_cpu_rings, cpu);

		ring_free(cr);
		cr->ready = false;
	}
	atomic_set(&ring_nr_rings, 0);
	atomic_set(&riptel_flush_armed, 0);
}

/*
 * Rings are created per CPU as it first comes online (ring_prepare_cpu()):
 * here for the CPUs online now.  @pages and @watermark are validated.
 */
int riptel_rings_init(unsigned int pages, u32 watermark, u32 flush_ms)
{
	int ret;

	ring_data_size = (u64)pages << PAGE_SHIFT;
	ring_wake_bytes = watermark;
	ring_flush_ms = flush_ms;
	ring_flush_jiffies = max(msecs_to_jiffies(flush_ms), 1UL);
	init_irq_work(&ring_arm_work, ring_arm_fn);
	ret = cpuhp_setup_state(CPUHP_BP_PREPARE_DYN, "riptel/ring:prepare",
				ring_prepare_cpu, NULL);
	if (ret < 0) {
		riptel_rings_exit();
		return ret;
	}
	ring_hp_state = ret;
	return 0;
}
