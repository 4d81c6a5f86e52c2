// SPDX-License-Identifier: GPL-2.0
/*
 * provider.c - dynamic attach to identity providers' riptides:* events and
 * the probes that turn them into ring records.
 *
 * A provider is any module that carries the tracepoint
 * RIPTIDES_TRACE_ABI_MARKER (see include/riptides_trace.h).  riptel never
 * links against a provider: the tracepoint module notifier tells it about
 * every module with tracepoints as the module comes (and, on registration,
 * about those already loaded), and again as it goes.
 *
 * Lifetime: the notifier runs MODULE_STATE_GOING after the provider's exit
 * function and before its memory is freed, under the kernel's tracepoint
 * module mutex.  There every probe is unregistered and
 * tracepoint_synchronize_unregister() waits out probes in flight, so no
 * probe of ours runs on the provider's tracepoints afterwards (the kernel
 * warns if a going module's tracepoint still has probes).  The wait runs
 * outside provider_mutex, so STATUS never waits behind it.  riptel's own
 * unload unregisters the notifier, which replays GOING for every module.
 * No module reference is taken: a provider must stay free to unload.
 *
 * The probes copy only scalars into records; SPIFFE ID strings are
 * interned (intern.c) and the record carries {id, gen}.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <net/genetlink.h>
#include "ctl.h"
#include "intern.h"
#include "probe_ctx.h"
#include "provider.h"
#include "ring.h"
#include "riptides_trace.h"

#define PROVIDER_MAX	8

enum provider_ev {
	PEV_CONN,
	PEV_DECISION,
	PEV_HS_START,
	PEV_HS_DONE,
	PEV_CLOSE,
	PEV_ID_ISSUED,
	PEV_ID_ROTATED,
	PEV_ID_EXPIRED,
	PEV_ID_REVOKED,
	PEV_NR,
};

struct provider {
	struct module *mod;		/* NULL: slot free */
	struct tracepoint *tp[PEV_NR];	/* attached ones */
	u32 nr;
	char name[MODULE_NAME_LEN];	/* STATUS never touches the module */
};

/* provider_mutex guards providers[]; taken inside the tracepoint mutexes */
static DEFINE_MUTEX(provider_mutex);
static struct provider providers[PROVIDER_MAX];

/*
 * Record control (ctl.h) for the connection events that name no process
 * (policy_decision, handshake_*, conn_close): the current task, in task
 * context only, where the provider runs in the workload's own system call.
 */
static __always_inline bool provider_pass(u16 type)
{
	return riptel_ctl_pass(type, in_task() ? current : NULL, NULL);
}

static __always_inline u16 provider_flag(bool failed)
{
	return failed ? RIPTEL_RF_TRUNCATED : 0;
}

static void provider_conn(void *data, const struct riptides_conn *c,
			  const char *local_id)
{
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;
	struct riptel_spiffe_ref local;
	bool failed = false;

	/* the workload the provider names, valid in softirq too */
	if (!riptel_ctl_pass_ids(RIPTEL_REC_CONN_INTERCEPT, c->tgid,
				 c->cgroup_id))
		return;
	local = riptel_intern(local_id, &failed);
	rec = riptel_rec_begin(&cr, RIPTEL_REC_CONN_INTERCEPT,
			       provider_flag(failed));
	if (!rec)
		return;
	riptel_rec_zero(rec->raw, sizeof(rec->raw));
	rec->conn.sock_cookie = c->cookie;
	rec->conn.cgroup_id = c->cgroup_id;
	rec->conn.uid = c->uid;
	rec->conn.direction = c->direction;
	rec->conn.family = c->family;
	rec->conn.lport = c->lport;
	rec->conn.rport = c->rport;
	rec->conn.tgid = c->tgid;
	rec->conn.pid = c->pid;
	memcpy(rec->conn.laddr, c->laddr, sizeof(rec->conn.laddr));
	memcpy(rec->conn.raddr, c->raddr, sizeof(rec->conn.raddr));
	rec->conn.local_id = local;
	riptel_rec_end(cr);
}

static void provider_decision(void *data, u64 cookie, const char *local_id,
			      const char *peer_id, u8 decision, u8 tls_mode,
			      u16 reason, u32 rule)
{
	struct riptel_spiffe_ref local, peer;
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;
	bool failed = false;

	if (!provider_pass(RIPTEL_REC_POLICY_DECISION))
		return;
	local = riptel_intern(local_id, &failed);
	peer = riptel_intern(peer_id, &failed);
	rec = riptel_rec_begin(&cr, RIPTEL_REC_POLICY_DECISION,
			       provider_flag(failed));
	if (!rec)
		return;
	riptel_rec_zero(rec->raw, sizeof(rec->raw));
	rec->decision.sock_cookie = cookie;
	rec->decision.local_id = local;
	rec->decision.peer_id = peer;
	rec->decision.decision = decision;
	rec->decision.tls_mode = tls_mode;
	rec->decision.reason = reason;
	rec->decision.rule = rule;
	riptel_rec_end(cr);
}

static void provider_hs(u16 type, u64 cookie, u16 tls_version, int result,
			u64 duration_ns, const char *peer_id)
{
	struct riptel_spiffe_ref peer;
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;
	bool failed = false;

	if (!provider_pass(type))
		return;
	peer = riptel_intern(peer_id, &failed);
	rec = riptel_rec_begin(&cr, type, provider_flag(failed));
	if (!rec)
		return;
	riptel_rec_zero(rec->raw, sizeof(rec->raw));
	rec->handshake.sock_cookie = cookie;
	rec->handshake.peer_id = peer;
	rec->handshake.tls_version = tls_version;
	rec->handshake.result = result;
	rec->handshake.duration_ns = duration_ns;
	riptel_rec_end(cr);
}

static void provider_hs_start(void *data, u64 cookie, u16 tls_version)
{
	provider_hs(RIPTEL_REC_HANDSHAKE_START, cookie, tls_version, 0, 0,
		    NULL);
}

static void provider_hs_done(void *data, u64 cookie, u16 tls_version,
			     int result, u64 duration_ns, const char *peer_id)
{
	provider_hs(RIPTEL_REC_HANDSHAKE_DONE, cookie, tls_version, result,
		    duration_ns, peer_id);
}

static void provider_close(void *data, u64 cookie, u64 bytes_sent,
			   u64 bytes_received, u64 duration_ns)
{
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;

	if (!provider_pass(RIPTEL_REC_CONN_CLOSE))
		return;
	rec = riptel_rec_begin(&cr, RIPTEL_REC_CONN_CLOSE, 0);
	if (!rec)
		return;
	riptel_rec_zero(rec->raw, sizeof(rec->raw));
	rec->close.sock_cookie = cookie;
	rec->close.bytes_sent = bytes_sent;
	rec->close.bytes_received = bytes_received;
	rec->close.duration_ns = duration_ns;
	riptel_rec_end(cr);
}

/* @data is the RIPTEL_ID_* operation, set when the probe is registered. */
static void provider_identity(void *data, const char *spiffe_id,
			      const u8 *serial, u8 serial_len, s64 not_before,
			      s64 not_after)
{
	struct riptel_spiffe_ref id;
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;
	bool failed = false;
	u8 len = min_t(u8, serial_len, sizeof(rec->identity.serial));

	/* about no process: the pid and cgroup filters do not apply */
	if (!riptel_ctl_pass_none(RIPTEL_REC_IDENTITY))
		return;
	id = riptel_intern(spiffe_id, &failed);
	rec = riptel_rec_begin(&cr, RIPTEL_REC_IDENTITY,
			       provider_flag(failed || len < serial_len));
	if (!rec)
		return;
	riptel_rec_zero(rec->raw, sizeof(rec->raw));
	rec->identity.id = id;
	rec->identity.op = (u8)(uintptr_t)data;
	rec->identity.serial_len = len;
	memcpy(rec->identity.serial, serial, len);
	rec->identity.not_before = not_before;
	rec->identity.not_after = not_after;
	riptel_rec_end(cr);
}

struct provider_event {
	const char *name;
	void *probe;
	void *data;
};

static const struct provider_event provider_events[PEV_NR] = {
	[PEV_CONN] = { "conn_intercept", provider_conn, NULL },
	[PEV_DECISION] = { "policy_decision", provider_decision, NULL },
	[PEV_HS_START] = { "handshake_start", provider_hs_start, NULL },
	[PEV_HS_DONE] = { "handshake_done", provider_hs_done, NULL },
	[PEV_CLOSE] = { "conn_close", provider_close, NULL },
	[PEV_ID_ISSUED] = { "identity_issued", provider_identity,
			    (void *)RIPTEL_ID_ISSUED },
	[PEV_ID_ROTATED] = { "identity_rotated", provider_identity,
			     (void *)RIPTEL_ID_ROTATED },
	[PEV_ID_EXPIRED] = { "identity_expired", provider_identity,
			     (void *)RIPTEL_ID_EXPIRED },
	[PEV_ID_REVOKED] = { "identity_revoked", provider_identity,
			     (void *)RIPTEL_ID_REVOKED },
};

/*
 * The probes' prototypes must be exactly the events'.  register_trace_*()
 * is only named inside sizeof, so it type-checks without referencing the
 * provider's symbols.
 */
static void provider_check_types(void)
{
	BUILD_BUG_ON(sizeof(register_trace_conn_intercept(provider_conn,
							  NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_policy_decision(provider_decision,
							   NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_handshake_start(provider_hs_start,
							   NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_handshake_done(provider_hs_done,
							  NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_conn_close(provider_close,
						      NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_identity_issued(provider_identity,
							   NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_identity_rotated(provider_identity,
							    NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_identity_expired(provider_identity,
							    NULL)) != sizeof(int));
	BUILD_BUG_ON(sizeof(register_trace_identity_revoked(provider_identity,
							    NULL)) != sizeof(int));
}

static void provider_record(u32 op, u32 events, const char *name)
{
	struct riptel_cpu_ring *cr;
	struct riptel_record *rec;

	/* about no process: the pid and cgroup filters do not apply */
	if (!riptel_ctl_pass_none(RIPTEL_REC_PROVIDER))
		return;
	rec = riptel_rec_begin(&cr, RIPTEL_REC_PROVIDER, 0);
	if (!rec)
		return;
	riptel_rec_zero(rec->raw, sizeof(rec->raw));
	rec->provider.op = op;
	rec->provider.events = events;
	strscpy(rec->provider.name, name, sizeof(rec->provider.name));
	riptel_rec_end(cr);
}

static bool provider_has_marker(struct module *mod)
{
	unsigned int i;

	for (i = 0; i < mod->num_tracepoints; i++) {
		struct tracepoint *tp =
			tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]);

		if (!strcmp(tp->name, RIPTIDES_TRACE_ABI_MARKER))
			return true;
	}
	return false;
}

/*
 * Unregister every probe of @p; caller holds provider_mutex and, once it
 * dropped it, waits with tracepoint_synchronize_unregister() before the
 * provider's memory may go.
 */
static void provider_release(struct provider *p)
{
	unsigned int ev;

	for (ev = 0; ev < PEV_NR; ev++) {
		if (!p->tp[ev])
			continue;
		tracepoint_probe_unregister(p->tp[ev], provider_events[ev].probe,
					    provider_events[ev].data);
		p->tp[ev] = NULL;
	}
}

static void provider_attach(struct module *mod)
{
	struct provider *p = NULL;
	unsigned int i, ev;

	if (!provider_has_marker(mod))
		return;
	for (i = 0; i < PROVIDER_MAX; i++) {
		if (providers[i].mod == mod)
			return;
		if (!p && !providers[i].mod)
			p = &providers[i];
	}
	if (!p) {
		pr_warn("provider %s ignored: %u providers attached already\n",
			mod->name, PROVIDER_MAX);
		return;
	}
	memset(p, 0, sizeof(*p));
	for (i = 0; i < mod->num_tracepoints; i++) {
		struct tracepoint *tp =
			tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]);

		for (ev = 0; ev < PEV_NR; ev++) {
			if (p->tp[ev] || strcmp(tp->name, provider_events[ev].name))
				continue;
			if (!tracepoint_probe_register(tp,
						       provider_events[ev].probe,
						       provider_events[ev].data)) {
				p->tp[ev] = tp;
				p->nr++;
			}
			break;
		}
	}
	p->mod = mod;
	strscpy(p->name, mod->name, sizeof(p->name));
	provider_record(RIPTEL_PROVIDER_ATTACH, p->nr, mod->name);
	pr_info("attached to provider %s: %u of %u riptides events\n",
		mod->name, p->nr, PEV_NR);
}

/* Whether @mod was attached (the caller then waits for its probes). */
static bool provider_detach(struct module *mod)
{
	bool found = false;
	unsigned int i;

	for (i = 0; i < PROVIDER_MAX; i++) {
		struct provider *p = &providers[i];

		if (p->mod != mod)
			continue;
		provider_release(p);
		provider_record(RIPTEL_PROVIDER_DETACH, p->nr, mod->name);
		pr_info("detached from provider %s\n", mod->name);
		p->mod = NULL;
		p->nr = 0;
		found = true;
	}
	return found;
}

static int provider_notify(struct notifier_block *nb, unsigned long val,
			   void *data)
{
	struct tp_module *tp_mod = data;
	bool wait = false;

	mutex_lock(&provider_mutex);
	if (val == MODULE_STATE_COMING)
		provider_attach(tp_mod->mod);
	else if (val == MODULE_STATE_GOING)
		wait = provider_detach(tp_mod->mod);
	mutex_unlock(&provider_mutex);
	/*
	 * No probe of ours still runs on the going module's tracepoints once
	 * this returns (its memory is freed after the notifier).
	 */
	if (wait)
		tracepoint_synchronize_unregister();
	return NOTIFY_OK;
}

static struct notifier_block provider_nb = {
	.notifier_call = provider_notify,
};

static void provider_exit(void)
{
	unsigned int i;

	/* replays MODULE_STATE_GOING for every module: detaches them all */
	unregister_tracepoint_module_notifier(&provider_nb);
	mutex_lock(&provider_mutex);
	for (i = 0; i < PROVIDER_MAX; i++) {
		if (providers[i].mod) {
			provider_release(&providers[i]);
			providers[i].mod = NULL;
		}
	}
	mutex_unlock(&provider_mutex);
	tracepoint_synchronize_unregister();
}

int riptel_identity_init(void)
{
	int err;

	provider_check_types();
	err = riptel_intern_init();
	if (err)
		return err;
	/* also replays MODULE_STATE_COMING for providers already loaded */
	err = register_tracepoint_module_notifier(&provider_nb);
	if (err)
		goto err_intern;
	return 0;

err_intern:
	riptel_intern_exit();
	return err;
}

/* Before the rings go (the probes write to them), after the genl family. */
void riptel_identity_exit(void)
{
	provider_exit();
	riptel_intern_exit();
}

int riptel_provider_fill(struct sk_buff *msg)
{
	struct nlattr *nest;
	unsigned int i;
	int ret = 0;

	mutex_lock(&provider_mutex);
	for (i = 0; i < PROVIDER_MAX && !ret; i++) {
		struct provider *p = &providers[i];

		if (!p->mod)
			continue;
		nest = nla_nest_start(msg, RIPTEL_A_PROVIDER);
		if (!nest ||
		    nla_put_string(msg, RIPTEL_A_PROVIDER_NAME, p->name) ||
		    nla_put_u32(msg, RIPTEL_A_PROVIDER_EVENTS, p->nr)) {
			ret = -EMSGSIZE;
			break;
		}
		nla_nest_end(msg, nest);
	}
	mutex_unlock(&provider_mutex);
	return ret;
}

RIPTEL_PROBE_CONTEXT(provider_conn);
RIPTEL_PROBE_CONTEXT(provider_decision);
RIPTEL_PROBE_CONTEXT(provider_hs_start);
RIPTEL_PROBE_CONTEXT(provider_hs_done);
RIPTEL_PROBE_CONTEXT(provider_close);
RIPTEL_PROBE_CONTEXT(provider_identity);
