/* model.c - construction and destruction helpers for the telemetry model. */
#include "model.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

char *model_strdup(const char *s)
{
	size_t len;
	char *out;

	if (!s)
		s = "";
	len = strnlen(s, MODEL_STR_MAX);
	/* never cut inside a UTF-8 sequence: back up over continuation bytes */
	if (len == MODEL_STR_MAX)
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	out = malloc(len + 1);
	if (!out)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

/* Grow an array of elem-sized entries so one more fits. */
static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	p = realloc(*v, ncap * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

/* ---- the key intern pool ------------------------------------------------------ */

/*
 * Attribute names come from a small vocabulary repeated millions of times:
 * each distinct name is stored once, for the life of the process, so sets
 * neither copy nor free keys and compare them by pointer.  The pool is
 * bounded; names past the bound (or too long) are simply copied per set.
 */
#define POOL_SLOTS	2048		/* power of two */
#define POOL_MAX	(POOL_SLOTS / 2)
#define POOL_KEY_MAX	128

static char *pool[POOL_SLOTS];
static size_t pool_n;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t key_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/*
 * Per-thread memo of the last interned key seen at a given address: keys
 * are nearly always literals, so this skips the hash and the lock.  The
 * content is compared too, so a reused buffer never yields a wrong key.
 */
#define MEMO_SLOTS 256
static _Thread_local struct {
	const char *src;
	const char *interned;
} memo[MEMO_SLOTS];

static const char *intern_locked(const char *key);

/* The interned copy of key, or NULL when the pool cannot hold it. */
static const char *intern(const char *key)
{
	size_t m = ((uintptr_t)key >> 3) & (MEMO_SLOTS - 1);
	const char *found;

	if (memo[m].src == key && strcmp(memo[m].interned, key) == 0)
		return memo[m].interned;
	found = intern_locked(key);
	if (found) {
		memo[m].src = key;
		memo[m].interned = found;
	}
	return found;
}

static const char *intern_locked(const char *key)
{
	size_t s = key_hash(key) & (POOL_SLOTS - 1);
	const char *found = NULL;

	pthread_mutex_lock(&pool_lock);
	while (pool[s]) {
		if (strcmp(pool[s], key) == 0) {
			found = pool[s];
			goto unlock;
		}
		s = (s + 1) & (POOL_SLOTS - 1);
	}
	if (pool_n < POOL_MAX && strnlen(key, POOL_KEY_MAX) < POOL_KEY_MAX) {
		pool[s] = strdup(key);
		if (pool[s]) {
			pool_n++;
			found = pool[s];
		}
	}
unlock:
	pthread_mutex_unlock(&pool_lock);
	return found;
}

/* ---- attributes ---------------------------------------------------------- */

static void entry_clear(struct model_attr *e)
{
	if (e->value.type == MODEL_VALUE_STRING && !(e->flags & MODEL_ATTR_VALUE_BORROWED))
		free(e->value.s);
	e->value.s = NULL;
	e->flags &= (uint8_t)~MODEL_ATTR_VALUE_BORROWED;
}

/* ikey: the interned key or NULL.  Interned keys compare by pointer. */
static struct model_attr *attrs_find(const struct model_attrs *a, const char *key,
				     const char *ikey)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct model_attr *e = &a->v[i];

		if (ikey && (e->flags & MODEL_ATTR_KEY_BORROWED)) {
			if (e->key == ikey)
				return &a->v[i];
		} else if (strcmp(e->key, key) == 0) {
			return &a->v[i];
		}
	}
	return NULL;
}

/*
 * Store val under key.  A string value is taken over (borrowed: only
 * referenced) and, on failure, left for the caller to free.
 */
static int attrs_put(struct model_attrs *a, const char *key, struct model_value val,
		     bool borrowed)
{
	const char *ikey;
	struct model_attr *e;
	int err;

	if (!a || !key)
		return -EINVAL;
	ikey = intern(key);
	e = attrs_find(a, key, ikey);
	if (e) {
		entry_clear(e);
		e->value = val;
		if (borrowed)
			e->flags |= MODEL_ATTR_VALUE_BORROWED;
		return 0;
	}
	if (a->n >= MODEL_ATTRS_MAX)
		return -E2BIG;
	err = grow((void **)&a->v, &a->cap, a->n, sizeof(*a->v));
	if (err)
		return err;
	e = &a->v[a->n];
	e->flags = 0;
	if (ikey) {
		e->key = (char *)ikey;
		e->flags |= MODEL_ATTR_KEY_BORROWED;
	} else {
		e->key = model_strdup(key);
		if (!e->key)
			return -ENOMEM;
	}
	e->value = val;
	if (borrowed)
		e->flags |= MODEL_ATTR_VALUE_BORROWED;
	a->n++;
	return 0;
}

int model_attrs_reserve(struct model_attrs *a, size_t n)
{
	struct model_attr *p;

	if (!a)
		return -EINVAL;
	if (n > MODEL_ATTRS_MAX)
		n = MODEL_ATTRS_MAX;
	if (n <= a->cap)
		return 0;
	p = realloc(a->v, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	a->v = p;
	a->cap = n;
	return 0;
}

int model_attrs_set_str(struct model_attrs *a, const char *key, const char *val)
{
	struct model_value v = { .type = MODEL_VALUE_STRING };
	int err;

	if (!a || !key)
		return -EINVAL;
	v.s = model_strdup(val);
	if (!v.s)
		return -ENOMEM;
	err = attrs_put(a, key, v, false);
	if (err)
		free(v.s);
	return err;
}

int model_attrs_set_static(struct model_attrs *a, const char *key, const char *val)
{
	struct model_value v = { .type = MODEL_VALUE_STRING, .s = (char *)(val ? val : "") };

	return attrs_put(a, key, v, true);
}

int model_attrs_set_int(struct model_attrs *a, const char *key, int64_t val)
{
	struct model_value v = { .type = MODEL_VALUE_INT, .i = val };

	return attrs_put(a, key, v, false);
}

int model_attrs_set_double(struct model_attrs *a, const char *key, double val)
{
	struct model_value v = { .type = MODEL_VALUE_DOUBLE, .d = val };

	return attrs_put(a, key, v, false);
}

int model_attrs_set_bool(struct model_attrs *a, const char *key, bool val)
{
	struct model_value v = { .type = MODEL_VALUE_BOOL, .b = val };

	return attrs_put(a, key, v, false);
}

static int attr_set_value(struct model_attrs *a, const struct model_attr *src)
{
	const struct model_value *v = &src->value;

	switch (v->type) {
	case MODEL_VALUE_STRING:
		if (src->flags & MODEL_ATTR_VALUE_BORROWED)
			return model_attrs_set_static(a, src->key, v->s);
		return model_attrs_set_str(a, src->key, v->s);
	case MODEL_VALUE_INT:
		return model_attrs_set_int(a, src->key, v->i);
	case MODEL_VALUE_DOUBLE:
		return model_attrs_set_double(a, src->key, v->d);
	case MODEL_VALUE_BOOL:
		return model_attrs_set_bool(a, src->key, v->b);
	}
	return -EINVAL;
}

int model_attrs_merge(struct model_attrs *dst, const struct model_attrs *src)
{
	int err;

	if (!dst)
		return -EINVAL;
	if (!src)
		return 0;
	for (size_t i = 0; i < src->n; i++) {
		err = attr_set_value(dst, &src->v[i]);
		if (err)
			return err;
	}
	return 0;
}

int model_attrs_copy(struct model_attrs *dst, const struct model_attrs *src)
{
	int err;

	if (!dst)
		return -EINVAL;
	model_attrs_clear(dst);
	err = model_attrs_merge(dst, src);
	if (err)
		model_attrs_clear(dst);
	return err;
}

const struct model_value *model_attrs_get(const struct model_attrs *a,
					  const char *key)
{
	struct model_attr *e;

	if (!a || !key)
		return NULL;
	e = attrs_find(a, key, NULL);
	return e ? &e->value : NULL;
}

static int attr_cmp(const void *x, const void *y)
{
	const struct model_attr *a = x, *b = y;

	return strcmp(a->key, b->key);
}

void model_attrs_sort(struct model_attrs *a)
{
	if (a && a->n > 1)
		qsort(a->v, a->n, sizeof(*a->v), attr_cmp);
}

static bool value_equal(const struct model_value *a, const struct model_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case MODEL_VALUE_STRING:
		return strcmp(a->s, b->s) == 0;
	case MODEL_VALUE_INT:
		return a->i == b->i;
	case MODEL_VALUE_DOUBLE:
		return a->d == b->d;
	case MODEL_VALUE_BOOL:
		return a->b == b->b;
	}
	return false;
}

bool model_attrs_equal(const struct model_attrs *a, const struct model_attrs *b)
{
	size_t na = a ? a->n : 0, nb = b ? b->n : 0;

	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		const struct model_value *v = model_attrs_get(b, a->v[i].key);

		if (!v || !value_equal(&a->v[i].value, v))
			return false;
	}
	return true;
}

void model_attrs_clear(struct model_attrs *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		if (!(a->v[i].flags & MODEL_ATTR_KEY_BORROWED))
			free(a->v[i].key);
		entry_clear(&a->v[i]);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
	a->cap = 0;
}

void model_resource_clear(struct model_resource *r)
{
	if (r)
		model_attrs_clear(&r->attrs);
}

/* ---- histograms ------------------------------------------------------------ */

int model_hist_init(struct model_hist *h, const double *bounds, size_t nbounds)
{
	if (!h || (nbounds && !bounds))
		return -EINVAL;
	if (nbounds > MODEL_BOUNDS_MAX)
		return -E2BIG;
	for (size_t i = 1; i < nbounds; i++)
		if (!(bounds[i] > bounds[i - 1]))
			return -EINVAL;
	memset(h, 0, sizeof(*h));
	h->bucket_counts = calloc(nbounds + 1, sizeof(*h->bucket_counts));
	if (!h->bucket_counts)
		return -ENOMEM;
	if (nbounds) {
		h->bounds = malloc(nbounds * sizeof(*h->bounds));
		if (!h->bounds) {
			free(h->bucket_counts);
			h->bucket_counts = NULL;
			return -ENOMEM;
		}
		memcpy(h->bounds, bounds, nbounds * sizeof(*bounds));
	}
	h->nbounds = nbounds;
	return 0;
}

size_t model_hist_bucket(const double *bounds, size_t nbounds, double value)
{
	size_t lo = 0, hi = nbounds;

	/* first bound >= value: OTLP buckets are upper-inclusive */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (value <= bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void model_hist_record(struct model_hist *h, double value)
{
	if (!h || !h->bucket_counts)
		return;
	h->bucket_counts[model_hist_bucket(h->bounds, h->nbounds, value)]++;
	if (h->count == 0 || value < h->min)
		h->min = value;
	if (h->count == 0 || value > h->max)
		h->max = value;
	h->count++;
	h->sum += value;
}

void model_hist_clear(struct model_hist *h)
{
	if (!h)
		return;
	free(h->bounds);
	free(h->bucket_counts);
	memset(h, 0, sizeof(*h));
}

/* ---- metrics ----------------------------------------------------------------- */

struct model_point *model_metric_add_point(struct model_metric *m)
{
	struct model_point *p;

	if (!m || grow((void **)&m->points, &m->cap, m->npoints, sizeof(*p)))
		return NULL;
	p = &m->points[m->npoints++];
	memset(p, 0, sizeof(*p));
	return p;
}

void model_metric_clear(struct model_metric *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->npoints; i++) {
		model_attrs_clear(&m->points[i].attrs);
		model_hist_clear(&m->points[i].hist);
	}
	free(m->points);
	free(m->name);
	free(m->description);
	free(m->unit);
	memset(m, 0, sizeof(*m));
}

struct model_metric_batch *model_metric_batch_new(void)
{
	return calloc(1, sizeof(struct model_metric_batch));
}

struct model_metric *model_metric_batch_add(struct model_metric_batch *b,
					    const char *name,
					    const char *description,
					    const char *unit,
					    enum model_metric_kind kind,
					    enum model_temporality temporality,
					    bool monotonic)
{
	struct model_metric *m;

	if (!b || !name || grow((void **)&b->v, &b->cap, b->n, sizeof(*m)))
		return NULL;
	m = &b->v[b->n];
	memset(m, 0, sizeof(*m));
	m->name = model_strdup(name);
	m->description = model_strdup(description);
	m->unit = model_strdup(unit);
	if (!m->name || !m->description || !m->unit) {
		model_metric_clear(m);
		return NULL;
	}
	m->kind = kind;
	m->temporality = temporality;
	m->monotonic = monotonic;
	b->n++;
	return m;
}

size_t model_metric_batch_points(const struct model_metric_batch *b)
{
	size_t n = 0;

	if (!b)
		return 0;
	for (size_t i = 0; i < b->n; i++)
		n += b->v[i].npoints;
	return n;
}

void model_metric_batch_free(struct model_metric_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		model_metric_clear(&b->v[i]);
	free(b->v);
	free(b);
}

/* ---- spans ------------------------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

bool model_span_has_parent(const struct model_span *s)
{
	return s && !all_zero(s->parent_span_id, MODEL_SPAN_ID_LEN);
}

static int set_str(char **field, const char *value)
{
	char *copy = NULL;

	if (!field)
		return -EINVAL;
	if (value) {
		copy = model_strdup(value);
		if (!copy)
			return -ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

int model_span_set_name(struct model_span *s, const char *name)
{
	if (!s || !name)
		return -EINVAL;
	return set_str(&s->name, name);
}

int model_span_set_status(struct model_span *s, enum model_status_code code,
			  const char *message)
{
	int err;

	if (!s)
		return -EINVAL;
	err = set_str(&s->status_message, message);
	if (err)
		return err;
	s->status_code = code;
	return 0;
}

struct model_span_event *model_span_add_event(struct model_span *s,
					      uint64_t time_ns,
					      const char *name)
{
	struct model_span_event *e;

	if (!s || !name)
		return NULL;
	if (s->nevents >= MODEL_EVENTS_MAX) {
		s->dropped_events++;
		return NULL;
	}
	if (grow((void **)&s->events, &s->events_cap, s->nevents, sizeof(*e)))
		return NULL;
	e = &s->events[s->nevents];
	memset(e, 0, sizeof(*e));
	e->name = model_strdup(name);
	if (!e->name)
		return NULL;
	e->time_ns = time_ns;
	s->nevents++;
	return e;
}

int model_span_copy(struct model_span *dst, const struct model_span *src)
{
	int err = -ENOMEM;

	if (!dst || !src)
		return -EINVAL;
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->trace_id, src->trace_id, sizeof(dst->trace_id));
	memcpy(dst->span_id, src->span_id, sizeof(dst->span_id));
	memcpy(dst->parent_span_id, src->parent_span_id, sizeof(dst->parent_span_id));
	dst->kind = src->kind;
	dst->start_time_ns = src->start_time_ns;
	dst->end_time_ns = src->end_time_ns;
	dst->status_code = src->status_code;
	dst->dropped_events = src->dropped_events;
	if (src->name && set_str(&dst->name, src->name))
		goto fail;
	if (src->status_message && set_str(&dst->status_message, src->status_message))
		goto fail;
	err = model_attrs_copy(&dst->attrs, &src->attrs);
	if (err)
		goto fail;
	for (size_t i = 0; i < src->nevents; i++) {
		struct model_span_event *e;

		err = -ENOMEM;
		e = model_span_add_event(dst, src->events[i].time_ns,
					 src->events[i].name);
		if (!e)
			goto fail;
		err = model_attrs_copy(&e->attrs, &src->events[i].attrs);
		if (err)
			goto fail;
	}
	return 0;
fail:
	model_span_clear(dst);
	return err;
}

void model_span_clear(struct model_span *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nevents; i++) {
		free(s->events[i].name);
		model_attrs_clear(&s->events[i].attrs);
	}
	free(s->events);
	free(s->name);
	free(s->status_message);
	model_attrs_clear(&s->attrs);
	memset(s, 0, sizeof(*s));
}

struct model_span_batch *model_span_batch_new(void)
{
	return calloc(1, sizeof(struct model_span_batch));
}

struct model_span *model_span_batch_add(struct model_span_batch *b)
{
	struct model_span *s;

	if (!b || grow((void **)&b->v, &b->cap, b->n, sizeof(*s)))
		return NULL;
	s = &b->v[b->n++];
	memset(s, 0, sizeof(*s));
	return s;
}

void model_span_batch_free(struct model_span_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		model_span_clear(&b->v[i]);
	free(b->v);
	free(b);
}

/* ---- logs -------------------------------------------------------------------- */

bool model_log_has_trace(const struct model_log *l)
{
	return l && !all_zero(l->trace_id, MODEL_TRACE_ID_LEN);
}

int model_log_set(char **field, const char *value)
{
	return set_str(field, value);
}

void model_log_clear(struct model_log *l)
{
	if (!l)
		return;
	free(l->severity_text);
	free(l->body);
	free(l->event_name);
	model_attrs_clear(&l->attrs);
	memset(l, 0, sizeof(*l));
}

struct model_log_batch *model_log_batch_new(void)
{
	return calloc(1, sizeof(struct model_log_batch));
}

struct model_log *model_log_batch_add(struct model_log_batch *b)
{
	struct model_log *l;

	if (!b || grow((void **)&b->v, &b->cap, b->n, sizeof(*l)))
		return NULL;
	l = &b->v[b->n++];
	memset(l, 0, sizeof(*l));
	return l;
}

void model_log_batch_free(struct model_log_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		model_log_clear(&b->v[i]);
	free(b->v);
	free(b);
}
