/* SPDX-License-Identifier: GPL-2.0 */
/* Every kernel-version difference riptel.ko meets, in one place. */
#ifndef _RIPTEL_COMPAT_H
#define _RIPTEL_COMPAT_H

#include <linux/mm.h>
#include <linux/cgroup.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/in6.h>
#include <net/sock.h>
#ifdef CONFIG_X86_TSC
#include <asm/tsc.h>
#endif

/*
 * No .c file tests a kernel version: each difference is wrapped here, and
 * where both supported kernels (6.1 and 6.12) offer the same interface the
 * module uses that one and this file stays silent.  RIPTEL_HAVE_* macros
 * come from header probes in Kbuild, which see distribution backports that
 * a LINUX_VERSION_CODE test would miss.
 */

/* 6.3 made vma->vm_flags read-only behind vm_flags_set()/vm_flags_clear(). */
static inline void riptel_vm_flags_set(struct vm_area_struct *vma,
				       unsigned long flags)
{
#ifdef RIPTEL_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void riptel_vm_flags_clear(struct vm_area_struct *vma,
					 unsigned long flags)
{
#ifdef RIPTEL_HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/* The cgroup v2 id (kernfs inode number of its directory) of @task. */
static inline u64 riptel_task_cgroup_id(struct task_struct *task)
{
	u64 id;

	rcu_read_lock();
	id = cgroup_id(task_dfl_cgroup(task));
	rcu_read_unlock();
	return id;
}

/* The cgroup v2 id of the cgroup a socket was created in; 0 if unknown. */
static inline u64 riptel_sk_cgroup_id(const struct sock *sk)
{
#ifdef CONFIG_SOCK_CGROUP_DATA
	struct sock_cgroup_data *skcd = (struct sock_cgroup_data *)&sk->sk_cgrp_data;

	return cgroup_id(sock_cgroup_ptr(skcd));
#else
	return 0;
#endif
}

/*
 * A socket's IPv6 addresses; a kernel without IPv6 has no such fields and
 * never produces an AF_INET6 socket, so zeros are never reported there.
 */
static inline const struct in6_addr *riptel_sk_v6_saddr(const struct sock *sk)
{
#if IS_ENABLED(CONFIG_IPV6)
	return &sk->sk_v6_rcv_saddr;
#else
	return &in6addr_any;
#endif
}

static inline const struct in6_addr *riptel_sk_v6_daddr(const struct sock *sk)
{
#if IS_ENABLED(CONFIG_IPV6)
	return &sk->sk_v6_daddr;
#else
	return &in6addr_any;
#endif
}

/*
 * The per-CPU cycle counter the record clock extrapolates from (ring_clock.h),
 * and its rate in kHz, 0 when it must not be trusted: the TSC on x86 while
 * the kernel has not marked it unstable (it does when cpufreq changes a
 * non-constant TSC's rate or deep idle halts it), nothing elsewhere.
 */
#ifdef CONFIG_X86_TSC
static __always_inline u64 riptel_cycles(void)
{
	return rdtsc();
}

static inline u32 riptel_cycles_khz(void)
{
	return check_tsc_unstable() ? 0 : tsc_khz;
}
#else
static __always_inline u64 riptel_cycles(void)
{
	return 0;
}

static inline u32 riptel_cycles_khz(void)
{
	return 0;
}
#endif

#endif /* _RIPTEL_COMPAT_H */
