/* enrich_cgroup.c - cgroup v2 id to path and container identity, cached. */
#include "enrich_cgroup.h"
#include "enrich_proc.h"
#include "lru.h"

#include <errno.h>
#include <fts.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_CAPACITY	4096
#define DEFAULT_RESCAN_NS	1000000000ULL

struct enrich_cgroup {
	char *root;
	size_t root_len;
	struct lru *cache;		/* id -> struct enrich_proc_entry */
	uint64_t rescan_ns;
	uint64_t last_walk;
	bool walked;
	struct enrich_cgroup_stats st;
};

static void release(void *ctx, uint64_t key, void *value)
{
	(void)ctx;
	(void)key;
	enrich_proc_put(value);
}

int enrich_cgroup_new(const struct enrich_cgroup_opts *o, struct enrich_cgroup **out)
{
	struct enrich_cgroup *ec;

	if (!o || !out)
		return -EINVAL;
	*out = NULL;
	ec = calloc(1, sizeof(*ec));
	if (!ec)
		return -ENOMEM;
	ec->root = strdup(o->sys_root ? o->sys_root : "/sys/fs/cgroup");
	ec->cache = lru_new(o->capacity ? o->capacity : DEFAULT_CAPACITY, release, NULL);
	if (!ec->root || !ec->cache) {
		enrich_cgroup_free(ec);
		return -ENOMEM;
	}
	/* "/sys/fs/cgroup/" and "/sys/fs/cgroup" name the same root */
	ec->root_len = strlen(ec->root);
	while (ec->root_len > 1 && ec->root[ec->root_len - 1] == '/')
		ec->root[--ec->root_len] = '\0';
	ec->rescan_ns = o->rescan_ns ? o->rescan_ns : DEFAULT_RESCAN_NS;
	*out = ec;
	return 0;
}

void enrich_cgroup_free(struct enrich_cgroup *ec)
{
	if (!ec)
		return;
	lru_free(ec->cache);
	free(ec->root);
	free(ec);
}

/* Record every directory below the root; 0 or -errno. */
static int walk(struct enrich_cgroup *ec)
{
	char *paths[] = { ec->root, NULL };
	FTSENT *ent;
	FTS *fts;
	int err = 0;

	ec->st.walks++;
	fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
	if (!fts)
		return -errno;
	while ((ent = fts_read(fts))) {
		const char *rel;
		struct enrich_proc_entry *p;
		uint64_t id;

		if (ent->fts_info != FTS_D)
			continue;
		id = (uint64_t)ent->fts_statp->st_ino;
		if (lru_peek(ec->cache, id))
			continue;
		rel = ent->fts_path + ec->root_len;
		p = enrich_proc_cgroup_entry(id, *rel ? rel : "/");
		if (!p) {
			err = -ENOMEM;
			break;
		}
		lru_put(ec->cache, id, p);	/* the cache holds the reference */
	}
	fts_close(fts);
	return err;
}

struct enrich_proc_entry *enrich_cgroup_lookup(struct enrich_cgroup *ec, uint64_t id,
					       uint64_t now_ns)
{
	struct enrich_proc_entry *p;

	if (!ec || !id)
		return NULL;
	p = lru_get(ec->cache, id);
	if (!p && (!ec->walked || now_ns - ec->last_walk >= ec->rescan_ns ||
		   now_ns < ec->last_walk)) {
		ec->walked = true;
		ec->last_walk = now_ns;
		walk(ec);
		p = lru_get(ec->cache, id);
	}
	if (!p) {
		ec->st.misses++;
		return NULL;
	}
	ec->st.hits++;
	enrich_proc_get(p);
	return p;
}

void enrich_cgroup_stats(const struct enrich_cgroup *ec, struct enrich_cgroup_stats *st)
{
	if (!ec || !st)
		return;
	*st = ec->st;
	st->cached = lru_size(ec->cache);
}
