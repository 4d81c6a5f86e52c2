/* SPDX-License-Identifier: GPL-2.0 */
/* Marks the functions that run in probe context, for the object-code check. */
#ifndef _RIPTEL_PROBE_CTX_H
#define _RIPTEL_PROBE_CTX_H

#include <linux/compiler.h>

/*
 * RIPTEL_PROBE_CONTEXT(fn): @fn runs in probe context (a tracepoint probe,
 * an irq_work, anything a probe calls into from another module), where
 * nothing may allocate, free or take a sleeping lock: PREEMPT_RT turns a
 * spinlock_t into one.  The pointer lands in a .discard section, which the
 * module link drops and the kbuild object keeps:
 * scripts/check-probe-context.py walks the call graph from every such root
 * in the object code of each kernel built (scripts/lint-kmod.sh).
 */
#define RIPTEL_PROBE_CONTEXT(fn)					\
	static const void *const __riptel_probe_ctx_##fn __used	\
	__section(".discard.riptel_probe") = (const void *)(fn)

#endif /* _RIPTEL_PROBE_CTX_H */
