/* metrics.c - metric aggregation: series, cardinality limits, temporality. */
#include "metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const double metrics_default_bounds[] = {
	0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000
};
const size_t metrics_default_nbounds =
	sizeof(metrics_default_bounds) / sizeof(metrics_default_bounds[0]);

#define NIL UINT32_MAX
#define KEYBUF 2048

struct series {
	uint64_t hash;
	char *key;		/* canonical serialised attributes */
	size_t keylen;
	struct model_attrs attrs;
	uint64_t start_ns;
	bool dirty;		/* touched since the last collection */
	bool set;		/* gauges: a value was ever set */
	int64_t ival;
	uint64_t *buckets;	/* histograms: nbounds + 1 */
	uint64_t count;
	double sum, min, max;
};

struct metric {
	char *name, *description, *unit;
	enum model_metric_kind kind;
	enum model_temporality temporality;	/* sums and histograms */
	bool monotonic;
	double *bounds;
	size_t nbounds;
	char **allow, **deny;
	size_t nallow, ndeny;
	struct series *series;	/* [0, nseries) */
	size_t nseries;
	size_t cap;
	uint32_t *index;	/* open addressing over series; NIL empty */
	size_t mask;
	struct series *overflow;	/* NULL until first needed */
	uint64_t overflowed;
	uint64_t last_collect_ns;
};

struct metrics {
	enum model_temporality temporality;
	size_t limit;
	struct metric *v;
	size_t n;
	size_t cap;
	char keybuf[KEYBUF];
};

int metrics_new(const struct metrics_opts *o, struct metrics **out)
{
	struct metrics *m;

	if (!out)
		return -EINVAL;
	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->temporality = o && o->temporality ? o->temporality : MODEL_TEMPORALITY_CUMULATIVE;
	m->limit = o && o->cardinality_limit ? o->cardinality_limit : METRICS_DEFAULT_LIMIT;
	*out = m;
	return 0;
}

static void series_clear(struct series *s)
{
	if (!s)
		return;
	free(s->key);
	free(s->buckets);
	model_attrs_clear(&s->attrs);
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static void metric_clear(struct metric *mt)
{
	for (size_t i = 0; i < mt->nseries; i++)
		series_clear(&mt->series[i]);
	series_clear(mt->overflow);
	free(mt->overflow);
	free(mt->series);
	free(mt->index);
	free(mt->bounds);
	free(mt->name);
	free(mt->description);
	free(mt->unit);
	free_list(mt->allow, mt->nallow);
	free_list(mt->deny, mt->ndeny);
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		metric_clear(&m->v[i]);
	free(m->v);
	free(m);
}

int metrics_find(const struct metrics *m, const char *name)
{
	if (!m || !name)
		return -EINVAL;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

int metrics_set_temporality(struct metrics *m, int id, enum model_temporality t)
{
	if (!m || id < 0 || (size_t)id >= m->n ||
	    (t != MODEL_TEMPORALITY_DELTA && t != MODEL_TEMPORALITY_CUMULATIVE))
		return -EINVAL;
	m->v[id].temporality = t;
	return 0;
}

int metrics_define(struct metrics *m, const struct metrics_desc *d, uint64_t now_ns)
{
	struct metric *mt;
	size_t slots = 16;

	if (!m || !d || !d->name || !d->name[0] ||
	    d->kind < MODEL_METRIC_SUM || d->kind > MODEL_METRIC_HISTOGRAM)
		return -EINVAL;
	if (metrics_find(m, d->name) >= 0)
		return -EEXIST;
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		struct metric *p = realloc(m->v, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->v = p;
		m->cap = ncap;
	}
	mt = &m->v[m->n];
	memset(mt, 0, sizeof(*mt));
	mt->kind = d->kind;
	mt->temporality = m->temporality;
	mt->monotonic = d->monotonic;
	mt->last_collect_ns = now_ns;
	mt->name = model_strdup(d->name);
	mt->description = model_strdup(d->description);
	mt->unit = model_strdup(d->unit);
	while (slots < (m->limit + 1) * 2)
		slots <<= 1;
	mt->index = malloc(slots * sizeof(*mt->index));
	if (!mt->name || !mt->description || !mt->unit || !mt->index)
		goto fail;
	mt->mask = slots - 1;
	memset(mt->index, 0xff, slots * sizeof(*mt->index));
	if (d->kind == MODEL_METRIC_HISTOGRAM) {
		const double *b = d->bounds ? d->bounds : metrics_default_bounds;
		size_t nb = d->bounds ? d->nbounds : metrics_default_nbounds;

		if (nb > MODEL_BOUNDS_MAX)
			goto invalid;
		for (size_t i = 1; i < nb; i++)
			if (!(b[i] > b[i - 1]))
				goto invalid;
		mt->bounds = malloc((nb ? nb : 1) * sizeof(double));
		if (!mt->bounds)
			goto fail;
		memcpy(mt->bounds, b, nb * sizeof(double));
		mt->nbounds = nb;
	}
	return (int)m->n++;
invalid:
	metric_clear(mt);
	return -EINVAL;
fail:
	metric_clear(mt);
	return -ENOMEM;
}

/* Split "a,b,c" into owned strings. */
static int split(const char *s, char ***out, size_t *n)
{
	char **l = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!s || !*s)
		return 0;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char **p;

		if (len) {
			p = realloc(l, (k + 1) * sizeof(*l));
			if (!p)
				goto fail;
			l = p;
			l[k] = strndup(s, len);
			if (!l[k])
				goto fail;
			k++;
		}
		s += len;
		if (*s == ',')
			s++;
	}
	*out = l;
	*n = k;
	return 0;
fail:
	free_list(l, k);
	return -ENOMEM;
}

int metrics_filter(struct metrics *m, int id, const char *allow, const char *deny)
{
	struct metric *mt;
	char **a, **d;
	size_t na, nd;

	if (!m || id < 0 || (size_t)id >= m->n)
		return -EINVAL;
	mt = &m->v[id];
	if (split(allow, &a, &na))
		return -ENOMEM;
	if (split(deny, &d, &nd)) {
		free_list(a, na);
		return -ENOMEM;
	}
	free_list(mt->allow, mt->nallow);
	free_list(mt->deny, mt->ndeny);
	mt->allow = a;
	mt->nallow = na;
	mt->deny = d;
	mt->ndeny = nd;
	return 0;
}

static bool in_list(char **l, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i], key) == 0)
			return true;
	return false;
}

/* A word-at-a-time hash of the canonical key: only needs to spread well. */
static uint64_t key_hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;

	while (n >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;

		memcpy(&w, p, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

/*
 * Filter and sort the attributes into kept[], serialise them into
 * m->keybuf.  Returns the key length, or -E2BIG.
 */
static int canonical(struct metrics *m, const struct metric *mt,
		     const struct metrics_kv *kv, size_t n,
		     const struct metrics_kv **kept, size_t *nkept)
{
	size_t k = 0, len = 0;

	if (n > METRICS_MAX_ATTRS)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		const struct metrics_kv *a = &kv[i];
		size_t j;

		if (!a->key)
			continue;
		if (mt->nallow && !in_list(mt->allow, mt->nallow, a->key))
			continue;
		if (mt->ndeny && in_list(mt->deny, mt->ndeny, a->key))
			continue;
		/* insertion sort by key: n is small */
		for (j = k; j > 0 && strcmp(kept[j - 1]->key, a->key) > 0; j--)
			kept[j] = kept[j - 1];
		kept[j] = a;
		k++;
	}
	for (size_t i = 0; i < k; i++) {
		const struct metrics_kv *a = kept[i];
		size_t kl = strlen(a->key), vl;
		char num[24];
		const char *val = a->str;

		if (!val) {
			int64_t v = a->num;
			uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
			char *p = num + sizeof(num);

			*--p = '\0';
			do {
				*--p = (char)('0' + u % 10);
				u /= 10;
			} while (u);
			if (v < 0)
				*--p = '-';
			val = p;
		}
		vl = strlen(val);
		if (len + kl + vl + 3 > KEYBUF)
			return -E2BIG;
		memcpy(m->keybuf + len, a->key, kl);
		len += kl;
		m->keybuf[len++] = '\0';
		m->keybuf[len++] = a->str ? 's' : 'i';
		memcpy(m->keybuf + len, val, vl);
		len += vl;
		m->keybuf[len++] = '\0';
	}
	*nkept = k;
	return (int)len;
}

static int series_init(struct metric *mt, struct series *s, uint64_t now_ns)
{
	memset(s, 0, sizeof(*s));
	s->start_ns = now_ns;
	if (mt->kind == MODEL_METRIC_HISTOGRAM) {
		s->buckets = calloc(mt->nbounds + 1, sizeof(*s->buckets));
		if (!s->buckets)
			return -ENOMEM;
	}
	return 0;
}

static struct series *overflow_series(struct metric *mt, uint64_t now_ns)
{
	mt->overflowed++;
	if (mt->overflow)
		return mt->overflow;
	mt->overflow = malloc(sizeof(*mt->overflow));
	if (!mt->overflow)
		return NULL;
	if (series_init(mt, mt->overflow, now_ns) ||
	    model_attrs_set_bool(&mt->overflow->attrs, METRICS_OVERFLOW_ATTR, true)) {
		series_clear(mt->overflow);
		free(mt->overflow);
		mt->overflow = NULL;
	}
	return mt->overflow;
}

/* The series for these attributes, created when new; NULL on error (*err). */
static struct series *lookup(struct metrics *m, int id, enum model_metric_kind kind,
			     const struct metrics_kv *kv, size_t n, uint64_t now_ns,
			     int *err)
{
	const struct metrics_kv *kept[METRICS_MAX_ATTRS];
	struct metric *mt;
	struct series *s;
	size_t nkept, slot;
	uint64_t h;
	int len;

	*err = -EINVAL;
	if (!m || id < 0 || (size_t)id >= m->n || m->v[id].kind != kind || (n && !kv))
		return NULL;
	mt = &m->v[id];
	len = canonical(m, mt, kv, n, kept, &nkept);
	if (len < 0) {
		*err = len;
		return NULL;
	}
	h = key_hash(m->keybuf, (size_t)len);
	for (slot = h & mt->mask; mt->index[slot] != NIL; slot = (slot + 1) & mt->mask) {
		s = &mt->series[mt->index[slot]];
		if (s->hash == h && s->keylen == (size_t)len &&
		    memcmp(s->key, m->keybuf, (size_t)len) == 0)
			return s;
	}
	*err = -ENOMEM;
	/* the index has at least twice limit slots: probes always end */
	if (mt->nseries >= m->limit)
		return overflow_series(mt, now_ns);
	if (mt->nseries == mt->cap) {
		size_t ncap = mt->cap ? mt->cap * 2 : 8;
		struct series *p = realloc(mt->series, ncap * sizeof(*p));

		if (!p)
			return NULL;
		mt->series = p;
		mt->cap = ncap;
	}
	s = &mt->series[mt->nseries];
	if (series_init(mt, s, now_ns))
		return NULL;
	s->hash = h;
	s->keylen = (size_t)len;
	s->key = malloc((size_t)len + 1);
	if (!s->key)
		goto fail;
	memcpy(s->key, m->keybuf, (size_t)len);
	for (size_t i = 0; i < nkept; i++) {
		int e = kept[i]->str ?
			model_attrs_set_str(&s->attrs, kept[i]->key, kept[i]->str) :
			model_attrs_set_int(&s->attrs, kept[i]->key, kept[i]->num);
		if (e)
			goto fail;
	}
	mt->index[slot] = (uint32_t)mt->nseries++;
	return s;
fail:
	series_clear(s);
	return NULL;
}

int metrics_add(struct metrics *m, int id, const struct metrics_kv *kv, size_t n,
		int64_t delta, uint64_t now_ns)
{
	int err;
	struct series *s = lookup(m, id, MODEL_METRIC_SUM, kv, n, now_ns, &err);

	if (!s)
		return err;
	s->ival += delta;
	s->dirty = true;
	return 0;
}

int metrics_set(struct metrics *m, int id, const struct metrics_kv *kv, size_t n,
		int64_t value, uint64_t now_ns)
{
	int err;
	struct series *s = lookup(m, id, MODEL_METRIC_GAUGE, kv, n, now_ns, &err);

	if (!s)
		return err;
	s->ival = value;
	s->set = true;
	s->dirty = true;
	return 0;
}

int metrics_record(struct metrics *m, int id, const struct metrics_kv *kv, size_t n,
		   double value, uint64_t now_ns)
{
	int err;
	struct series *s = lookup(m, id, MODEL_METRIC_HISTOGRAM, kv, n, now_ns, &err);
	const struct metric *mt;

	if (!s)
		return err;
	mt = &m->v[id];
	s->buckets[model_hist_bucket(mt->bounds, mt->nbounds, value)]++;
	if (s->count == 0 || value < s->min)
		s->min = value;
	if (s->count == 0 || value > s->max)
		s->max = value;
	s->count++;
	s->sum += value;
	s->dirty = true;
	return 0;
}

/* Whether s goes into this collection. */
static bool reportable(const struct metric *mt,
		       const struct series *s)
{
	if (mt->kind == MODEL_METRIC_GAUGE)
		return s->set;
	if (mt->temporality == MODEL_TEMPORALITY_DELTA)
		return s->dirty;
	return true;
}

static int emit(const struct metric *mt, struct series *s,
		struct model_metric *out, uint64_t now_ns)
{
	struct model_point *p = model_metric_add_point(out);
	bool delta = mt->temporality == MODEL_TEMPORALITY_DELTA;

	if (!p || model_attrs_copy(&p->attrs, &s->attrs))
		return -ENOMEM;
	p->time_ns = now_ns;
	if (mt->kind != MODEL_METRIC_GAUGE)
		p->start_time_ns = delta && mt->last_collect_ns > s->start_ns ?
			mt->last_collect_ns : s->start_ns;
	if (mt->kind == MODEL_METRIC_HISTOGRAM) {
		if (model_hist_init(&p->hist, mt->bounds, mt->nbounds))
			return -ENOMEM;
		memcpy(p->hist.bucket_counts, s->buckets,
		       (mt->nbounds + 1) * sizeof(*s->buckets));
		p->hist.count = s->count;
		p->hist.sum = s->sum;
		p->hist.min = s->min;
		p->hist.max = s->max;
	} else {
		p->as_int = s->ival;
	}
	return 0;
}

static void reset(const struct metric *mt, struct series *s)
{
	s->dirty = false;
	if (mt->temporality != MODEL_TEMPORALITY_DELTA || mt->kind == MODEL_METRIC_GAUGE)
		return;
	s->ival = 0;
	if (s->buckets)
		memset(s->buckets, 0, (mt->nbounds + 1) * sizeof(*s->buckets));
	s->count = 0;
	s->sum = s->min = s->max = 0;
}

int metrics_collect(struct metrics *m, uint64_t now_ns, struct model_metric_batch *out)
{
	if (!m || !out)
		return -EINVAL;
	for (size_t i = 0; i < m->n; i++) {
		struct metric *mt = &m->v[i];
		struct model_metric *mm = NULL;
		size_t total = mt->nseries + (mt->overflow ? 1 : 0);

		for (size_t j = 0; j < total; j++) {
			struct series *s = j < mt->nseries ? &mt->series[j] : mt->overflow;

			if (!reportable(mt, s))
				continue;
			if (!mm) {
				mm = model_metric_batch_add(out, mt->name, mt->description,
							    mt->unit, mt->kind,
							    mt->temporality, mt->monotonic);
				if (!mm)
					return -ENOMEM;
			}
			if (emit(mt, s, mm, now_ns))
				return -ENOMEM;
		}
		for (size_t j = 0; j < total; j++)
			reset(mt, j < mt->nseries ? &mt->series[j] : mt->overflow);
		mt->last_collect_ns = now_ns;
	}
	out->time_ns = now_ns;
	return 0;
}

size_t metrics_series(const struct metrics *m, int id)
{
	if (!m || id < 0 || (size_t)id >= m->n)
		return 0;
	return m->v[id].nseries;
}

uint64_t metrics_overflowed(const struct metrics *m, int id)
{
	if (!m || id < 0 || (size_t)id >= m->n)
		return 0;
	return m->v[id].overflowed;
}
