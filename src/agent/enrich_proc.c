/* enrich_proc.c - per-process identity cache, safe against pid reuse. */
#include "enrich_proc.h"
#include "clock.h"
#include "cgroup.h"
#include "enrich_users.h"
#include "lru.h"
#include "procinfo.h"
#include "redact.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CAPACITY 16384

struct enrich_proc {
	char *proc_root;
	struct lru *cache;
	struct enrich_users *users;
	const struct redact *redact;
	bool cmdline;
	int64_t mono_to_boot_ns;
	uint64_t tick_ns;
	uint64_t btime;			/* Unix seconds at boot; 0 unknown */
	struct enrich_proc_stats stats;
	struct procinfo scratch;	/* large: kept off the stack */
};

void enrich_proc_get(struct enrich_proc_entry *p)
{
	if (p)
		p->refs++;
}

void enrich_proc_put(struct enrich_proc_entry *p)
{
	if (!p || --p->refs > 0)
		return;
	model_attrs_clear(&p->attrs);
	model_attrs_clear(&p->brief);
	free(p);
}

static void release(void *ctx, uint64_t key, void *value)
{
	(void)ctx;
	(void)key;
	enrich_proc_put(value);
}

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int enrich_proc_new(const struct enrich_proc_opts *o, struct enrich_proc **out)
{
	struct enrich_proc *e;
	uint64_t tck;

	if (!o || !out || !o->proc_root || (o->cmdline && !o->redact))
		return -EINVAL;
	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->proc_root = strdup(o->proc_root);
	e->cache = lru_new(o->capacity ? o->capacity : DEFAULT_CAPACITY, release, e);
	e->users = enrich_users_new();
	if (!e->proc_root || !e->cache || !e->users) {
		enrich_proc_free(e);
		return -ENOMEM;
	}
	e->redact = o->redact;
	e->cmdline = o->cmdline;
	e->mono_to_boot_ns = o->mono_to_boot_set ? o->mono_to_boot_ns :
		now_ns(CLOCK_BOOTTIME) - now_ns(CLOCK_MONOTONIC);
	tck = o->clk_tck ? o->clk_tck : (uint64_t)sysconf(_SC_CLK_TCK);
	e->tick_ns = 1000000000ULL / (tck ? tck : 100);
	if (procinfo_boot_time(e->proc_root, &e->btime))
		e->btime = 0;
	*out = e;
	return 0;
}

void enrich_proc_free(struct enrich_proc *e)
{
	if (!e)
		return;
	lru_free(e->cache);
	enrich_users_free(e->users);
	free(e->proc_root);
	free(e);
}

/* Copy src into dst[len], cut to fit, always terminated. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Attributes every entry has, from its fields; 0 or -errno. */
static int add_common_attrs(struct enrich_proc *e, struct enrich_proc_entry *p,
			    bool have_ids, const char *cgroup_path)
{
	struct model_attrs *a = &p->attrs;
	struct cgroup_info cg;
	char name[ENRICH_USERS_NAME_MAX];
	int err = 0;

	if (p->pid)
		err |= model_attrs_set_int(a, "process.pid", p->pid);
	if (p->ppid)
		err |= model_attrs_set_int(a, "process.parent_pid", p->ppid);
	if (p->exe_name[0])
		err |= model_attrs_set_str(a, "process.executable.name", p->exe_name);
	if (have_ids) {
		err |= model_attrs_set_int(a, "process.user.id", p->uid);
		err |= model_attrs_set_int(a, "process.group.id", p->gid);
		if (enrich_users_user(e->users, p->uid, name, sizeof(name)) == 0) {
			err |= model_attrs_set_str(a, "process.user.name", name);
			err |= model_attrs_set_str(a, "process.owner", name);
		}
		if (enrich_users_group(e->users, p->gid, name, sizeof(name)) == 0)
			err |= model_attrs_set_str(a, "process.group.name", name);
	}
	if (p->cgroup_id)
		err |= model_attrs_set_int(a, "riptides.cgroup.id", (int64_t)p->cgroup_id);
	if (cgroup_path && cgroup_path[0] && cgroup_parse(cgroup_path, &cg) == 0) {
		err |= model_attrs_set_str(a, "riptides.cgroup.path", cgroup_path);
		if (cg.container_id[0]) {
			memcpy(p->container_id, cg.container_id, sizeof(p->container_id));
			err |= model_attrs_set_str(a, "container.id", cg.container_id);
			err |= model_attrs_set_static(a, "container.runtime",
						      cgroup_runtime_name(cg.runtime));
		}
		if (cg.pod_uid[0]) {
			memcpy(p->pod_uid, cg.pod_uid, sizeof(p->pod_uid));
			err |= model_attrs_set_str(a, "k8s.pod.uid", cg.pod_uid);
		}
		if (cg.unit[0])
			err |= model_attrs_set_str(a, "riptides.systemd.unit", cg.unit);
	}
	return err ? -ENOMEM : 0;
}

/* Fill p->brief from p->attrs. */
static int make_brief(struct enrich_proc_entry *p)
{
	static const char *const keys[] = { ENRICH_PROC_BRIEF };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct model_value *v = model_attrs_get(&p->attrs, keys[i]);
		int err = 0;

		if (!v)
			continue;
		if (v->type == MODEL_VALUE_STRING)
			err = model_attrs_set_str(&p->brief, keys[i], v->s);
		else if (v->type == MODEL_VALUE_INT)
			err = model_attrs_set_int(&p->brief, keys[i], v->i);
		if (err)
			return err;
	}
	return 0;
}

static struct enrich_proc_entry *entry_from_hint(struct enrich_proc *e,
						 const struct enrich_proc_hint *h)
{
	struct enrich_proc_entry *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->refs = 1;
	p->from_record = true;
	p->pid = h->tgid;
	p->ppid = h->ppid;
	p->cgroup_id = h->cgroup_id;
	p->uid = h->uid;
	p->gid = h->gid;
	if (h->comm)
		copy_str(p->comm, sizeof(p->comm), h->comm);
	if (h->filename && h->filename[0])
		copy_str(p->exe_name, sizeof(p->exe_name), basename_of(h->filename));
	else
		copy_str(p->exe_name, sizeof(p->exe_name), p->comm);
	if (add_common_attrs(e, p, h->have_ids, NULL) ||
	    (h->filename && h->filename[0] &&
	     model_attrs_set_str(&p->attrs, "process.executable.path", h->filename)) ||
	    make_brief(p)) {
		enrich_proc_put(p);
		return NULL;
	}
	return p;
}

static int set_creation_time(struct enrich_proc *e, struct enrich_proc_entry *p,
			     uint64_t start_ticks)
{
	char buf[64];
	struct tm tm;
	time_t t;
	uint64_t ms;

	if (!e->btime)
		return 0;
	ms = start_ticks * (e->tick_ns / 1000000ULL);
	t = (time_t)(e->btime + ms / 1000);
	if (!gmtime_r(&t, &tm))
		return 0;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned int)(ms % 1000));
	return model_attrs_set_str(&p->attrs, "process.creation.time", buf);
}

/*
 * Resolve from /proc.  NULL with *stranger set when the process there
 * started after the record was written; NULL otherwise when unreadable.
 */
static struct enrich_proc_entry *entry_from_proc(struct enrich_proc *e,
						 const struct enrich_proc_hint *h,
						 bool *stranger)
{
	struct procinfo *pi = &e->scratch;
	struct enrich_proc_entry *p;
	uint64_t start;
	int err;

	*stranger = false;
	if (procinfo_read(e->proc_root, h->tgid, e->cmdline ? PROCINFO_CMDLINE : 0, pi))
		return NULL;
	start = pi->start_ticks * e->tick_ns;
	/* started more than a tick after the record: not the record's subject */
	if (h->ts_ns && start > clock_apply_offset(e->mono_to_boot_ns, h->ts_ns) + e->tick_ns) {
		*stranger = true;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->refs = 1;
	p->pid = h->tgid;
	p->ppid = pi->ppid;
	p->start_boot_ns = start ? start : 1;
	p->cgroup_id = h->cgroup_id;
	p->uid = pi->have_ids ? pi->uid : h->uid;
	p->gid = pi->have_ids ? pi->gid : h->gid;
	copy_str(p->comm, sizeof(p->comm), pi->comm);
	copy_str(p->exe_name, sizeof(p->exe_name), pi->exe[0] ? basename_of(pi->exe) : pi->comm);
	err = add_common_attrs(e, p, pi->have_ids || h->have_ids, pi->cgroup);
	if (!err && pi->exe[0])
		err = model_attrs_set_str(&p->attrs, "process.executable.path", pi->exe);
	if (!err)
		err = set_creation_time(e, p, pi->start_ticks);
	if (!err && e->cmdline && pi->cmdline_len) {
		char red[PROCINFO_CMDLINE_MAX + 256];

		if (redact_cmdline(e->redact, pi->cmdline, pi->cmdline_len, red,
				   sizeof(red)) >= 0)
			err = model_attrs_set_str(&p->attrs, "process.command_line", red);
	}
	if (!err)
		err = make_brief(p);
	if (err) {
		enrich_proc_put(p);
		return NULL;
	}
	return p;
}

/* Resolve and cache; returns a referenced entry. */
static struct enrich_proc_entry *resolve(struct enrich_proc *e,
					 const struct enrich_proc_hint *h,
					 bool cache_fallback)
{
	struct enrich_proc_entry *p;
	bool stranger;

	p = entry_from_proc(e, h, &stranger);
	if (p) {
		e->stats.resolved++;
		if (lru_put(e->cache, h->tgid, p) == 0)
			enrich_proc_get(p);
		return p;
	}
	if (stranger)
		e->stats.strangers++;
	e->stats.misses++;
	p = entry_from_hint(e, h);
	if (p && cache_fallback && !stranger && lru_put(e->cache, h->tgid, p) == 0)
		enrich_proc_get(p);
	return p;
}

int enrich_proc_exec(struct enrich_proc *e, const struct riptel_record *r)
{
	struct enrich_proc_hint h = { 0 };
	char comm[RIPTEL_COMM_LEN + 1], file[sizeof(r->exec.filename) + 1];
	struct enrich_proc_entry *p;

	if (!e || !r || r->hdr.type != RIPTEL_REC_EXEC)
		return -EINVAL;
	memcpy(comm, r->exec.comm, RIPTEL_COMM_LEN);
	comm[RIPTEL_COMM_LEN] = '\0';
	memcpy(file, r->exec.filename, sizeof(r->exec.filename));
	file[sizeof(r->exec.filename)] = '\0';
	h.ts_ns = r->hdr.ts_ns;
	h.tgid = r->hdr.tgid;
	h.ppid = r->exec.ppid;
	h.cgroup_id = r->exec.cgroup_id;
	h.have_ids = true;
	h.uid = r->exec.uid;
	h.gid = r->exec.gid;
	h.comm = comm;
	h.filename = file;
	/* exec replaces the image: whatever was cached for the tgid is stale */
	lru_remove(e->cache, h.tgid);
	/* an exec record is the process's own account: cache it even when
	 * /proc is already gone, so its connections still resolve */
	p = resolve(e, &h, true);
	if (!p)
		return -ENOMEM;
	enrich_proc_put(p);
	return 0;
}

void enrich_proc_fork(struct enrich_proc *e, const struct riptel_record *r)
{
	if (!e || !r || r->hdr.type != RIPTEL_REC_FORK)
		return;
	if (r->fork.child_pid == r->fork.child_tgid)
		lru_remove(e->cache, r->fork.child_tgid);
}

void enrich_proc_exit(struct enrich_proc *e, const struct riptel_record *r)
{
	if (!e || !r || r->hdr.type != RIPTEL_REC_EXIT)
		return;
	if (r->hdr.pid == r->hdr.tgid)
		lru_remove(e->cache, r->hdr.tgid);
}

struct enrich_proc_entry *enrich_proc_lookup(struct enrich_proc *e,
					     const struct enrich_proc_hint *h)
{
	struct enrich_proc_entry *p;

	if (!e || !h)
		return NULL;
	p = lru_get(e->cache, h->tgid);
	if (p) {
		/* the record predates the cached process: an older owner of
		 * the pid, whose exit we have not seen yet or lost */
		if (p->start_boot_ns && h->ts_ns &&
		    clock_apply_offset(e->mono_to_boot_ns, h->ts_ns) + e->tick_ns <
		    p->start_boot_ns) {
			e->stats.strangers++;
			e->stats.misses++;
			return entry_from_hint(e, h);
		}
		e->stats.hits++;
		enrich_proc_get(p);
		return p;
	}
	return resolve(e, h, false);
}

void enrich_proc_stats(const struct enrich_proc *e, struct enrich_proc_stats *s)
{
	if (!e || !s)
		return;
	*s = e->stats;
	s->evictions = lru_evictions(e->cache);
	s->cached = lru_size(e->cache);
}

struct enrich_proc_entry *enrich_proc_cgroup_entry(uint64_t cgroup_id, const char *path)
{
	struct enrich_proc_entry *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->refs = 1;
	p->from_record = true;
	p->cgroup_id = cgroup_id;
	/* no users cache needed: no ids to name */
	if (add_common_attrs(NULL, p, false, path) || make_brief(p) ||
	    (path && model_attrs_set_str(&p->brief, "riptides.cgroup.path", path))) {
		enrich_proc_put(p);
		return NULL;
	}
	return p;
}
