// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: an empty probe on raw_syscalls:sys_enter.
 *
 * The benchmark's "empty probe" variant: the tracepoint's own dispatch cost
 * with a probe attached that does nothing, the floor under every tracer.
 * Attached while loaded, detached on unload.  Never shipped.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/tracepoint.h>
#include <linux/string.h>
#include <linux/ptrace.h>

static struct tracepoint *bench_tp;

static void bench_probe_sys_enter(void *data, struct pt_regs *regs, long id)
{
}

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
