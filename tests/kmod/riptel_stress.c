// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only generator of RIPTEL_REC_TEST records.
 *
 * Loading this module fires records through riptel_emit_test(), the same
 * reserve/fill/commit path riptel's probes use, from every context a probe
 * can run in, on every online CPU at once:
 *
 *   process:  one kthread per CPU, bursts of records between cond_resched()
 *   hardirq:  one pinned hrtimer per CPU, a burst per expiry
 *   softirq:  one tasklet per CPU, scheduled from that CPU's hrtimer
 *
 * so a softirq burst can interrupt a process burst and a hardirq burst can
 * interrupt both, on the same ring.  init returns once run_ms has elapsed
 * (or "stop" was set) and every generator has stopped; the totals are then
 * readable under /sys/module/riptel_stress/parameters/ (offered = stored +
 * dropped, as riptel_emit_test() reported them), for the VM tests to
 * compare with what the reader consumed.  Never shipped.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/atomic.h>
#include <linux/sched.h>
#include <linux/cpu.h>

#include "ring.h"		/* riptel_emit_test(), exported by riptel.ko */

/* riptel_rec_test.source: which context fired the record */
enum stress_src {
	STRESS_SRC_PROCESS = 1,
	STRESS_SRC_SOFTIRQ = 2,
	STRESS_SRC_HARDIRQ = 3,
	STRESS_SRC_MAX
};

static unsigned int run_ms = 2000;
module_param(run_ms, uint, 0444);
MODULE_PARM_DESC(run_ms, "How long to fire records, in milliseconds");

/* Writing Y ends the run early (init then returns as after run_ms). */
static bool stop;
module_param(stop, bool, 0644);
MODULE_PARM_DESC(stop, "Write Y to end the run now");

static unsigned int process_burst = 64;
module_param(process_burst, uint, 0444);
MODULE_PARM_DESC(process_burst, "Records per kthread burst (0: no kthreads)");

static unsigned int process_gap_us;
module_param(process_gap_us, uint, 0444);
MODULE_PARM_DESC(process_gap_us, "Sleep between kthread bursts, microseconds");

static unsigned int hardirq_burst = 8;
module_param(hardirq_burst, uint, 0444);
MODULE_PARM_DESC(hardirq_burst, "Records per hrtimer expiry (0: none)");

static unsigned int softirq_burst = 16;
module_param(softirq_burst, uint, 0444);
MODULE_PARM_DESC(softirq_burst, "Records per tasklet run (0: no tasklets)");

static unsigned int period_us = 200;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "hrtimer period, microseconds");

/* Results, read-only to user space. */
static unsigned long offered_process;
module_param(offered_process, ulong, 0444);
static unsigned long offered_softirq;
module_param(offered_softirq, ulong, 0444);
static unsigned long offered_hardirq;
module_param(offered_hardirq, ulong, 0444);
static unsigned long stored_total;
module_param(stored_total, ulong, 0444);
static unsigned long dropped_total;
module_param(dropped_total, ulong, 0444);

struct stress_cpu {
	struct hrtimer timer;
	struct tasklet_struct tasklet;
	struct task_struct *thread;
	unsigned int cpu;
	bool timer_started;
};

static struct stress_cpu __percpu *stress_cpus;
static unsigned long stress_deadline;	/* jiffies */
static atomic_long_t stress_offered[STRESS_SRC_MAX];
static atomic_long_t stress_stored;
static atomic_long_t stress_dropped;

static bool stress_running(void)
{
	return !READ_ONCE(stop) &&
	       time_before(jiffies, READ_ONCE(stress_deadline));
}

static void stress_fire(u32 source, unsigned int n)
{
	unsigned int stored = 0, i;

	for (i = 0; i < n; i++)
		if (riptel_emit_test(source))
			stored++;
	atomic_long_add(n, &stress_offered[source]);
	atomic_long_add(stored, &stress_stored);
	atomic_long_add(n - stored, &stress_dropped);
}

static void stress_tasklet(struct tasklet_struct *t)
{
	stress_fire(STRESS_SRC_SOFTIRQ, softirq_burst);
}

static enum hrtimer_restart stress_timer(struct hrtimer *timer)
{
	struct stress_cpu *sc = container_of(timer, struct stress_cpu, timer);

	if (!stress_running())
		return HRTIMER_NORESTART;
	stress_fire(STRESS_SRC_HARDIRQ, hardirq_burst);
	if (softirq_burst)
		tasklet_schedule(&sc->tasklet);
	hrtimer_forward_now(timer, ns_to_ktime((u64)period_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/*
 * The hrtimer is armed from the kthread, already running on its CPU, so the
 * pinned timer and the tasklets it schedules fire there too.  If that CPU
 * goes offline the scheduler and the hrtimer core move both elsewhere;
 * riptel_emit_test() always writes to the ring of the CPU it runs on.
 */
static int stress_thread(void *arg)
{
	struct stress_cpu *sc = arg;

	if (hardirq_burst || softirq_burst) {
		hrtimer_start(&sc->timer,
			      ns_to_ktime((u64)period_us * NSEC_PER_USEC),
			      HRTIMER_MODE_REL_PINNED_HARD);
		sc->timer_started = true;
	}
	while (!kthread_should_stop()) {
		if (process_burst && stress_running())
			stress_fire(STRESS_SRC_PROCESS, process_burst);
		if (process_gap_us && stress_running())
			usleep_range(process_gap_us, process_gap_us + 10);
		else if (!stress_running())
			schedule_timeout_interruptible(HZ / 100 + 1);
		else
			cond_resched();
	}
	return 0;
}

static void stress_stop(void)
{
	unsigned int cpu;

	/* possible, not online: a CPU may have gone away during the run */
	for_each_possible_cpu(cpu) {
		struct stress_cpu *sc = per_cpu_ptr(stress_cpus, cpu);

		if (sc->thread)
			kthread_stop(sc->thread);
		if (sc->timer_started)
			hrtimer_cancel(&sc->timer);
		tasklet_kill(&sc->tasklet);
	}
}

static int __init stress_init(void)
{
	unsigned int cpu;
	int i, err = 0;

	if (!period_us)
		return -EINVAL;
	stress_cpus = alloc_percpu(struct stress_cpu);
	if (!stress_cpus)
		return -ENOMEM;
	for (i = 0; i < STRESS_SRC_MAX; i++)
		atomic_long_set(&stress_offered[i], 0);
	WRITE_ONCE(stress_deadline, jiffies + msecs_to_jiffies(run_ms));

	for_each_possible_cpu(cpu) {
		struct stress_cpu *sc = per_cpu_ptr(stress_cpus, cpu);

		sc->cpu = cpu;
		hrtimer_init(&sc->timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_PINNED_HARD);
		sc->timer.function = stress_timer;
		tasklet_setup(&sc->tasklet, stress_tasklet);
	}

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct stress_cpu *sc = per_cpu_ptr(stress_cpus, cpu);
		struct task_struct *t;

		t = kthread_create(stress_thread, sc, "riptel_stress/%u", cpu);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			break;
		}
		/* not kthread_bind(): the thread must survive its CPU going offline */
		set_cpus_allowed_ptr(t, cpumask_of(cpu));
		sc->thread = t;
		wake_up_process(t);
	}
	cpus_read_unlock();

	while (!err && stress_running())
		msleep(20);
	WRITE_ONCE(stress_deadline, jiffies);
	stress_stop();

	offered_process = atomic_long_read(&stress_offered[STRESS_SRC_PROCESS]);
	offered_softirq = atomic_long_read(&stress_offered[STRESS_SRC_SOFTIRQ]);
	offered_hardirq = atomic_long_read(&stress_offered[STRESS_SRC_HARDIRQ]);
	stored_total = atomic_long_read(&stress_stored);
	dropped_total = atomic_long_read(&stress_dropped);
	pr_info("riptel_stress: process %lu softirq %lu hardirq %lu stored %lu dropped %lu\n",
		offered_process, offered_softirq, offered_hardirq,
		stored_total, dropped_total);
	if (err)
		free_percpu(stress_cpus);
	return err;
}

static void __exit stress_exit(void)
{
	free_percpu(stress_cpus);
}

module_init(stress_init);
module_exit(stress_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("riptel test-only record generator (process, softirq, hardirq)");
