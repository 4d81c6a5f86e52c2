// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: an empty probe on raw_syscalls:sys_enter.
 *
 * The benchmark's "empty probe" variant: the tracepoint's own dispatch cost
 * with a probe attached that does nothing but count its calls (one per-CPU
 * increment), the floor under every tracer.  The count, read from
 * /sys/module/bench_probe/parameters/hits, lets the benchmark discard a
 * round in which the probe missed calls.  Attached while loaded, detached
 * on unload.  Never shipped.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/tracepoint.h>
#include <linux/string.h>
#include <linux/ptrace.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include <linux/sysfs.h>

static struct tracepoint *bench_tp;
static DEFINE_PER_CPU(unsigned long, bench_hits);

static void bench_probe_sys_enter(void *data, struct pt_regs *regs, long id)
{
	this_cpu_inc(bench_hits);
}

static int bench_hits_get(char *buf, const struct kernel_param *kp)
{
	unsigned long sum = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(bench_hits, cpu);
	return sysfs_emit(buf, "%lu\n", sum);
}

static const struct kernel_param_ops bench_hits_ops = {
	.get = bench_hits_get,
};
module_param_cb(hits, &bench_hits_ops, NULL, 0444);
MODULE_PARM_DESC(hits, "Calls the probe has seen");

static void bench_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sys_enter"))
		*(struct tracepoint **)priv = tp;
}

static int __init bench_probe_init(void)
{
	for_each_kernel_tracepoint(bench_find_tp, &bench_tp);
	if (!bench_tp)
		return -ENOENT;
	return tracepoint_probe_register(bench_tp, bench_probe_sys_enter, NULL);
}

static void __exit bench_probe_exit(void)
{
	tracepoint_probe_unregister(bench_tp, bench_probe_sys_enter, NULL);
	/* no probe call may still be running when the module text goes */
	tracepoint_synchronize_unregister();
}

module_init(bench_probe_init);
module_exit(bench_probe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("riptel benchmark: empty probe on raw_syscalls:sys_enter");
