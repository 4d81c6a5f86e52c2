// SPDX-License-Identifier: GPL-2.0
/* Tracepoint probes that turn kernel events into records. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/cred.h>
#include <linux/in.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sock_diag.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <net/inet_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <trace/events/sched.h>
#include <trace/events/sock.h>
#include <trace/events/syscalls.h>
#include "compat.h"
#include "ctl.h"
#include "probe_ctx.h"
#include "probes.h"
#include "ring.h"

/* Copy a task's comm; the last byte is forced to NUL against a racing rename. */
static __always_inline void probes_comm(char *dst, const char *comm)
{
	memcpy(dst, comm, RIPTEL_COMM_LEN);
	dst[RIPTEL_COMM_LEN - 1] = '\0';
}

static __always_inline u32 probes_uid(void)
{
	return __kuid_val(current_uid());
}

static __always_inline u32 probes_gid(void)
{
	return __kgid_val(current_gid());
}

static void probes_exec(void *data, struct task_struct *p, pid_t old_pid,
			struct linux_binprm *bprm)
{
	const size_t room = sizeof_field(struct riptel_rec_exec, filename) - 1;
	const char *fn = bprm->filename;
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;
	struct task_struct *parent;
	u16 flags = 0;
	size_t len;
	u64 cgid;
	u32 ppid;

	if (!riptel_ctl_pass(RIPTEL_REC_EXEC, p, NULL))
		return;
	cgid = riptel_task_cgroup_id(p);
	len = strlen(fn);
	rcu_read_lock();
	parent = rcu_dereference(p->real_parent);
	ppid = parent->tgid;
	rcu_read_unlock();
	if (len > room) {
		fn += len - room;	/* keep the tail: it names the program */
		len = room;
		flags = RIPTEL_RF_TRUNCATED;
	}

	rec = riptel_rec_begin(&cr, RIPTEL_REC_EXEC, flags);
	if (!rec)
		return;
	rec->exec.cgroup_id = cgid;
	rec->exec.uid = probes_uid();
	rec->exec.gid = probes_gid();
	rec->exec.ppid = ppid;
	rec->exec.old_pid = old_pid;
	probes_comm(rec->exec.comm, p->comm);
	riptel_rec_zero(rec->exec.filename, sizeof(rec->exec.filename));
	memcpy(rec->exec.filename, fn, len);
	riptel_rec_end(cr);
}

static void probes_fork(void *data, struct task_struct *parent,
			struct task_struct *child)
{
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;
	u64 cgid;

	if (!riptel_ctl_pass(RIPTEL_REC_FORK, parent, NULL))
		return;
	cgid = riptel_task_cgroup_id(parent);
	rec = riptel_rec_begin(&cr, RIPTEL_REC_FORK, 0);
	if (!rec)
		return;
	rec->fork.cgroup_id = cgid;
	rec->fork.child_pid = child->pid;
	rec->fork.child_tgid = child->tgid;
	rec->fork.uid = probes_uid();
	rec->fork.gid = probes_gid();
	probes_comm(rec->fork.comm, parent->comm);
	riptel_rec_zero(rec->fork.reserved, sizeof(rec->fork.reserved));
	riptel_rec_end(cr);
}

static void probes_exit(void *data, struct task_struct *p)
{
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;
	u64 cgid;

	if (!riptel_ctl_pass(RIPTEL_REC_EXIT, p, NULL))
		return;
	cgid = riptel_task_cgroup_id(p);
	rec = riptel_rec_begin(&cr, RIPTEL_REC_EXIT, 0);
	if (!rec)
		return;
	rec->exit.cgroup_id = cgid;
	rec->exit.uid = probes_uid();
	rec->exit.gid = probes_gid();
	rec->exit.exit_code = p->exit_code;
	rec->exit.reserved0 = 0;
	probes_comm(rec->exit.comm, p->comm);
	riptel_rec_zero(rec->exit.reserved, sizeof(rec->exit.reserved));
	riptel_rec_end(cr);
}

/* The socket cookie as SO_COOKIE reports it, assigning one if still unset. */
static u64 probes_sock_cookie(const struct sock *sk)
{
	u64 cookie = atomic64_read(&sk->sk_cookie);
	unsigned long irqf;
	u32 half[2];

	if (likely(cookie))
		return cookie;
	/*
	 * sock_gen_cookie() is not exported; this is its exported wrapper.
	 * Interrupts off keep its per-CPU cookie batch from being re-entered
	 * by a probe in a softirq on this CPU.
	 */
	local_irq_save(irqf);
	sock_diag_save_cookie((struct sock *)sk, half);
	local_irq_restore(irqf);
	return (u64)half[0] | (u64)half[1] << 32;
}

/* A 16-byte address field: IPv4 in the first 4 bytes, the rest zero. */
static __always_inline void probes_addr(u8 *dst, const struct sock *sk,
					__be32 v4, const struct in6_addr *v6)
{
	u32 *w = (u32 *)dst;

	if (sk->sk_family == AF_INET6) {
		memcpy(dst, v6, 16);
		return;
	}
	w[0] = (__force u32)v4;		/* stays in network byte order */
	w[1] = 0;
	w[2] = 0;
	w[3] = 0;
}

static void probes_tcp_state(void *data, const struct sock *sk,
			     const int oldstate, const int newstate)
{
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;
	u64 cookie;
	u32 netns;
	u16 flags;

	if (sk->sk_protocol != IPPROTO_TCP)
		return;
	if (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)
		return;
	/* the subject: the socket's cgroup, and the process only in a task */
	if (!riptel_ctl_pass(RIPTEL_REC_TCP_STATE, in_task() ? current : NULL,
			     sk))
		return;
	cookie = probes_sock_cookie(sk);
	netns = sock_net(sk)->ns.inum;
	/* in a softirq the header's task is whatever the CPU interrupted */
	flags = in_task() ? 0 : RIPTEL_RF_NO_TASK;

	rec = riptel_rec_begin(&cr, RIPTEL_REC_TCP_STATE, flags);
	if (!rec)
		return;
	rec->tcp.sock_cookie = cookie;
	rec->tcp.uid = __kuid_val(sk->sk_uid);
	rec->tcp.netns_ino = netns;
	rec->tcp.family = sk->sk_family;
	rec->tcp.sport = sk->sk_num;
	rec->tcp.dport = ntohs(sk->sk_dport);
	rec->tcp.oldstate = oldstate;
	rec->tcp.newstate = newstate;
	probes_addr(rec->tcp.saddr, sk, sk->sk_rcv_saddr,
		    riptel_sk_v6_saddr(sk));
	probes_addr(rec->tcp.daddr, sk, sk->sk_daddr, riptel_sk_v6_daddr(sk));
	riptel_rec_zero(rec->tcp.reserved, sizeof(rec->tcp.reserved));
	riptel_rec_end(cr);
}

/* Benchmark only: one test record per system call entry. */
static void probes_sys_enter(void *data, struct pt_regs *regs, long id)
{
	if (!riptel_ctl_pass(RIPTEL_REC_TEST, current, NULL))
		return;
	riptel_write_test((u32)id);
}

struct probes_tp {
	const char *name;		/* tracepoint name, without its system */
	void *probe;
	struct tracepoint *tp;
	bool attached;
};

/* The events riptel needs: a missing one fails the load. */
static struct probes_tp probes_required[] = {
	{ .name = "sched_process_exec", .probe = probes_exec },
	{ .name = "sched_process_fork", .probe = probes_fork },
	{ .name = "sched_process_exit", .probe = probes_exit },
	{ .name = "inet_sock_set_state", .probe = probes_tcp_state },
};

/* raw_syscalls:sys_enter, attached only while bench_sys_enter is set. */
static struct probes_tp probes_bench = {
	.name = "sys_enter", .probe = probes_sys_enter,
};

static DEFINE_MUTEX(probes_lock);	/* the two below and attach state */
static bool probes_live;		/* required probes attached */
static bool probes_bench_on;		/* the parameter's value */

static void probes_find(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(probes_required); i++)
		if (!probes_required[i].tp &&
		    !strcmp(tp->name, probes_required[i].name))
			probes_required[i].tp = tp;
	if (!probes_bench.tp && !strcmp(tp->name, probes_bench.name))
		probes_bench.tp = tp;
}

static int probes_attach_one(struct probes_tp *p)
{
	int err;

	if (!p->tp)
		return -ENOENT;
	err = tracepoint_probe_register(p->tp, p->probe, NULL);
	if (!err)
		WRITE_ONCE(p->attached, true);	/* read without the lock */
	return err;
}

/* Caller waits with tracepoint_synchronize_unregister() before freeing. */
static void probes_detach_one(struct probes_tp *p)
{
	if (!p->attached)
		return;
	tracepoint_probe_unregister(p->tp, p->probe, NULL);
	WRITE_ONCE(p->attached, false);
}

static int probes_bench_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err)
		return err;
	mutex_lock(&probes_lock);
	if (probes_live && on && !probes_bench.attached) {
		err = probes_attach_one(&probes_bench);
	} else if (probes_live && !on && probes_bench.attached) {
		probes_detach_one(&probes_bench);
		tracepoint_synchronize_unregister();
	}
	if (!err)
		probes_bench_on = on;
	mutex_unlock(&probes_lock);
	return err;
}

static int probes_bench_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%c\n", READ_ONCE(probes_bench_on) ? 'Y' : 'N');
}

static const struct kernel_param_ops probes_bench_ops = {
	.set = probes_bench_set,
	.get = probes_bench_get,
};
module_param_cb(bench_sys_enter, &probes_bench_ops, NULL, 0600);
MODULE_PARM_DESC(bench_sys_enter,
		 "benchmark only: write a test record on every raw_syscalls:sys_enter (default N)");

/*
 * The probes' prototypes must be exactly the tracepoints', as the provider
 * probes' are (provider.c): a kernel that changes a prototype fails this
 * build instead of calling a probe with the wrong arguments.  The
 * register_trace_*() wrappers are only named inside sizeof, so nothing
 * references the tracepoints' symbols.
 */
static void probes_check_types(void)
{
	BUILD_BUG_ON(sizeof(register_trace_sched_process_exec(probes_exec,
							      NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_sched_process_fork(probes_fork,
							      NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_sched_process_exit(probes_exit,
							      NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_inet_sock_set_state(probes_tcp_state,
							       NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_sys_enter(probes_sys_enter,
						     NULL)) != sizeof(int));
}

/*
 * Attach every required probe, plus the benchmark one if asked for.  On
 * -ENOENT *missing names the tracepoint that does not exist.
 */
int riptel_probes_attach(const char **missing)
{
	unsigned int i;
	int err = 0;

	probes_check_types();
	for_each_kernel_tracepoint(probes_find, NULL);
	mutex_lock(&probes_lock);
	for (i = 0; i < ARRAY_SIZE(probes_required); i++) {
		err = probes_attach_one(&probes_required[i]);
		if (err) {
			*missing = probes_required[i].name;
			goto detach;
		}
	}
	if (probes_bench_on) {
		err = probes_attach_one(&probes_bench);
		if (err) {
			*missing = probes_bench.name;
			goto detach;
		}
	}
	probes_live = true;
	mutex_unlock(&probes_lock);
	return 0;

detach:
	while (i--)
		probes_detach_one(&probes_required[i]);
	mutex_unlock(&probes_lock);
	tracepoint_synchronize_unregister();
	return err;
}

/* Detach everything; returns once no probe can still be running. */
void riptel_probes_detach(void)
{
	unsigned int i;

	mutex_lock(&probes_lock);
	probes_live = false;
	probes_detach_one(&probes_bench);
	for (i = ARRAY_SIZE(probes_required); i-- > 0; )
		probes_detach_one(&probes_required[i]);
	mutex_unlock(&probes_lock);
	tracepoint_synchronize_unregister();
}

const char *riptel_probes_tracepoint(unsigned int i, bool *attached)
{
	struct probes_tp *p;

	if (i < ARRAY_SIZE(probes_required))
		p = &probes_required[i];
	else if (i == ARRAY_SIZE(probes_required))
		p = &probes_bench;
	else
		return NULL;
	*attached = READ_ONCE(p->attached);
	return p->name;
}

RIPTEL_PROBE_CONTEXT(probes_exec);
RIPTEL_PROBE_CONTEXT(probes_fork);
RIPTEL_PROBE_CONTEXT(probes_exit);
RIPTEL_PROBE_CONTEXT(probes_tcp_state);
RIPTEL_PROBE_CONTEXT(probes_sys_enter);
