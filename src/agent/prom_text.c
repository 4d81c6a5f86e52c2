/* prom_text.c - render a metric batch as Prometheus text exposition 0.0.4. */
#include "prom_text.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growing output buffer; the first allocation failure sticks ---------- */

struct buf {
	char *p;
	size_t n;
	size_t cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t len)
{
	size_t ncap;
	char *np;

	if (b->oom)
		return;
	if (b->n + len + 1 > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < b->n + len + 1)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void putc_(struct buf *b, char c)
{
	put(b, &c, 1);
}

static void buf_reset(struct buf *b)
{
	b->n = 0;
	if (b->p)
		b->p[0] = '\0';
}

static void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

/* ---- numbers ------------------------------------------------------------------ */

/* The shortest of %.15g / %.17g that reads back as v; Prometheus spellings
 * for the special values. */
static void fmt_double(char *out, size_t len, double v)
{
	if (isnan(v)) {
		snprintf(out, len, "NaN");
	} else if (isinf(v)) {
		snprintf(out, len, v > 0 ? "+Inf" : "-Inf");
	} else {
		snprintf(out, len, "%.15g", v);
		if (strtod(out, NULL) != v)
			snprintf(out, len, "%.17g", v);
	}
}

/* ---- names -------------------------------------------------------------------- */

static bool name_char(unsigned char c, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || (colon && c == ':');
}

/* Append s to b as a metric name piece: invalid characters become '_',
 * runs of '_' collapse (also across the join with what b holds). */
static void put_name_piece(struct buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = name_char((unsigned char)s[i], true) ? s[i] : '_';

		if (c == '_' && b->n > 0 && b->p[b->n - 1] == '_')
			continue;
		putc_(b, c);
	}
}

/* Drop leading and trailing '_' from b, then guard a leading digit. */
static void name_finish(struct buf *b)
{
	size_t start = 0;

	if (b->oom || b->n == 0)
		return;
	while (b->n > 0 && b->p[b->n - 1] == '_')
		b->p[--b->n] = '\0';
	while (start < b->n && b->p[start] == '_')
		start++;
	memmove(b->p, b->p + start, b->n - start + 1);
	b->n -= start;
	if (b->n > 0 && b->p[0] >= '0' && b->p[0] <= '9') {
		putc_(b, '\0');		/* room for one more */
		if (b->oom)
			return;
		memmove(b->p + 1, b->p, b->n);
		b->p[0] = '_';
		b->p[b->n] = '\0';
	}
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

struct unit_word {
	const char *ucum;
	const char *word;
};

static const struct unit_word unit_words[] = {
	{ "d", "days" }, { "h", "hours" }, { "min", "minutes" }, { "s", "seconds" },
	{ "ms", "milliseconds" }, { "us", "microseconds" }, { "ns", "nanoseconds" },
	{ "By", "bytes" }, { "KiBy", "kibibytes" }, { "MiBy", "mebibytes" },
	{ "GiBy", "gibibytes" }, { "TiBy", "tibibytes" }, { "KBy", "kilobytes" },
	{ "MBy", "megabytes" }, { "GBy", "gigabytes" }, { "TBy", "terabytes" },
	{ "m", "meters" }, { "V", "volts" }, { "A", "amperes" }, { "J", "joules" },
	{ "W", "watts" }, { "g", "grams" }, { "Cel", "celsius" }, { "Hz", "hertz" },
	{ "%", "percent" },
};

static const struct unit_word per_words[] = {
	{ "s", "second" }, { "m", "minute" }, { "min", "minute" }, { "h", "hour" },
	{ "d", "day" }, { "w", "week" }, { "mo", "month" }, { "y", "year" },
};

/* Copy s[0..len) to out without its {annotations}. */
static void strip_annotations(struct buf *out, const char *s, size_t len)
{
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && depth > 0)
			depth--;
		else if (depth == 0)
			putc_(out, s[i]);
	}
	if (!out->p)
		puts_(out, "");
}

static const char *unit_word(const struct unit_word *t, size_t n, const char *u)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].ucum, u) == 0)
			return t[i].word;
	return u;
}

#define NWORDS(t) (sizeof(t) / sizeof((t)[0]))

/* The unit suffix (without its leading '_') of m into out; empty for none. */
static void unit_suffix(const struct model_metric *m, struct buf *out)
{
	const char *unit = m->unit ? m->unit : "";
	const char *slash = strchr(unit, '/');
	size_t mainlen = slash ? (size_t)(slash - unit) : strlen(unit);
	struct buf main_u = { 0 }, per_u = { 0 };
	const char *w;

	strip_annotations(&main_u, unit, mainlen);
	if (slash)
		strip_annotations(&per_u, slash + 1, strlen(slash + 1));
	if (main_u.oom || per_u.oom) {
		out->oom = true;
		goto free_parts;
	}
	if (strcmp(main_u.p, "1") == 0) {
		/* a dimensionless ratio: named so only when it is a gauge */
		if (!slash && m->kind == MODEL_METRIC_GAUGE)
			put_name_piece(out, "ratio", 5);
	} else if (main_u.n > 0) {
		w = unit_word(unit_words, NWORDS(unit_words), main_u.p);
		put_name_piece(out, w, strlen(w));
	}
	if (per_u.n > 0) {
		w = unit_word(per_words, NWORDS(per_words), per_u.p);
		if (out->n > 0)
			putc_(out, '_');
		put_name_piece(out, "per_", 4);
		put_name_piece(out, w, strlen(w));
	}
	name_finish(out);
free_parts:
	buf_free(&main_u);
	buf_free(&per_u);
}

static bool is_counter(const struct model_metric *m)
{
	return m->kind == MODEL_METRIC_SUM && m->monotonic;
}

/* The family name of m into out (reset first); -EINVAL when empty. */
static int family_name(const struct model_metric *m, struct buf *out)
{
	struct buf suffix = { 0 };
	int err = 0;

	buf_reset(out);
	put_name_piece(out, m->name ? m->name : "", m->name ? strlen(m->name) : 0);
	name_finish(out);
	/* a counter's _total goes after the unit: take it off, add it back */
	if (is_counter(m) && ends_with(out->p, out->n, "_total")) {
		out->n -= 6;
		out->p[out->n] = '\0';
		name_finish(out);
	}
	unit_suffix(m, &suffix);
	if (suffix.n > 0 && out->n > 0 &&
	    !(ends_with(out->p, out->n, suffix.p) &&
	      (out->n == suffix.n || out->p[out->n - suffix.n - 1] == '_'))) {
		putc_(out, '_');
		puts_(out, suffix.p);
	}
	if (is_counter(m) && out->n > 0)
		puts_(out, "_total");
	if (out->oom || suffix.oom)
		err = -ENOMEM;
	else if (out->n == 0)
		err = -EINVAL;
	buf_free(&suffix);
	return err;
}

static int copy_out(const struct buf *b, char *dst, size_t len)
{
	if (b->n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(dst, b->p, b->n + 1);
	return 0;
}

int prom_text_metric_name(const struct model_metric *m, char *dst, size_t len)
{
	struct buf b = { 0 };
	int err;

	err = family_name(m, &b);
	if (err == 0)
		err = copy_out(&b, dst, len);
	buf_free(&b);
	return err;
}

/* The label name of key into out (reset first); -EINVAL when key is empty. */
static int label_name(const char *key, struct buf *out)
{
	buf_reset(out);
	if (!key || !*key)
		return -EINVAL;
	if (key[0] >= '0' && key[0] <= '9')
		puts_(out, "key_");
	else if (key[0] == '_' && key[1] == '_')
		puts_(out, "key");
	for (const char *c = key; *c; c++)
		putc_(out, name_char((unsigned char)*c, false) ? *c : '_');
	return out->oom ? -ENOMEM : 0;
}

int prom_text_label_name(const char *key, char *dst, size_t len)
{
	struct buf b = { 0 };
	int err;

	err = label_name(key, &b);
	if (err == 0)
		err = copy_out(&b, dst, len);
	buf_free(&b);
	return err;
}

/* ---- escaping ---------------------------------------------------------------- */

static void put_escaped(struct buf *b, const char *s, bool quotes)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(b, "\\\\");
		else if (*s == '\n')
			puts_(b, "\\n");
		else if (*s == '"' && quotes)
			puts_(b, "\\\"");
		else
			putc_(b, *s);
	}
}

static void put_value(struct buf *b, const struct model_value *v)
{
	char num[64];

	switch (v->type) {
	case MODEL_VALUE_STRING:
		put_escaped(b, v->s ? v->s : "", true);
		return;
	case MODEL_VALUE_INT:
		snprintf(num, sizeof(num), "%" PRId64, v->i);
		break;
	case MODEL_VALUE_DOUBLE:
		fmt_double(num, sizeof(num), v->d);
		break;
	case MODEL_VALUE_BOOL:
		snprintf(num, sizeof(num), "%s", v->b ? "true" : "false");
		break;
	default:
		num[0] = '\0';
		break;
	}
	puts_(b, num);
}

/* ---- label sets ----------------------------------------------------------------- */

struct label {
	char *name;			/* sanitised, owned */
	const struct model_attr *attr;
};

static int label_cmp(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->attr->key, y->attr->key);
}

/*
 * Render attrs as `a="x",b="y"` (no braces) into out, sorted by label
 * name; skip drops the attribute of that key (a histogram's "le").
 */
static int put_labels(struct buf *out, const struct model_attrs *attrs, const char *skip)
{
	struct label *ls;
	struct buf name = { 0 };
	size_t n = 0;
	int err = 0;

	buf_reset(out);
	puts_(out, "");
	if (!attrs || attrs->n == 0)
		return out->oom ? -ENOMEM : 0;
	ls = calloc(attrs->n, sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	for (size_t i = 0; i < attrs->n; i++) {
		const struct model_attr *a = &attrs->v[i];

		if (label_name(a->key, &name) != 0 || (skip && strcmp(name.p, skip) == 0))
			continue;
		ls[n].name = strdup(name.p);
		if (!ls[n].name) {
			err = -ENOMEM;
			goto free_labels;
		}
		ls[n++].attr = a;
	}
	qsort(ls, n, sizeof(*ls), label_cmp);
	for (size_t i = 0; i < n; i++) {
		bool same = i > 0 && strcmp(ls[i].name, ls[i - 1].name) == 0;

		if (same) {
			putc_(out, ';');
		} else {
			if (i > 0)
				puts_(out, "\",");
			puts_(out, ls[i].name);
			puts_(out, "=\"");
		}
		put_value(out, &ls[i].attr->value);
	}
	if (n > 0)
		putc_(out, '"');
	if (out->oom)
		err = -ENOMEM;
free_labels:
	for (size_t i = 0; i < n; i++)
		free(ls[i].name);
	free(ls);
	buf_free(&name);
	return err;
}

/* One sample line: name[suffix]{labels[,extra]} value */
static void put_sample(struct buf *o, const char *name, const char *suffix,
		       const struct buf *labels, const char *extra, const char *value)
{
	bool have = labels->n > 0;

	puts_(o, name);
	puts_(o, suffix);
	if (have || extra) {
		putc_(o, '{');
		if (have)
			put(o, labels->p, labels->n);
		if (have && extra)
			putc_(o, ',');
		if (extra)
			puts_(o, extra);
		putc_(o, '}');
	}
	putc_(o, ' ');
	puts_(o, value);
	putc_(o, '\n');
}

static void put_header(struct buf *o, const char *name, const char *help,
		       const char *type)
{
	if (help && *help) {
		puts_(o, "# HELP ");
		puts_(o, name);
		putc_(o, ' ');
		put_escaped(o, help, false);
		putc_(o, '\n');
	}
	puts_(o, "# TYPE ");
	puts_(o, name);
	putc_(o, ' ');
	puts_(o, type);
	putc_(o, '\n');
}

/* ---- rendering -------------------------------------------------------------------- */

struct render {
	struct buf out;
	struct buf labels;
	struct buf extra;
	char **names;			/* families written so far */
	size_t nnames;
	struct prom_text_stats st;
};

static bool name_taken(const struct render *r, const char *name)
{
	for (size_t i = 0; i < r->nnames; i++)
		if (strcmp(r->names[i], name) == 0)
			return true;
	return false;
}

static int name_remember(struct render *r, const char *name)
{
	char **nv = realloc(r->names, (r->nnames + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	r->names = nv;
	nv[r->nnames] = strdup(name);
	if (!nv[r->nnames])
		return -ENOMEM;
	r->nnames++;
	return 0;
}

static int render_number(struct render *r, const char *name, const struct model_point *p)
{
	char num[64];
	int err;

	err = put_labels(&r->labels, &p->attrs, NULL);
	if (err)
		return err;
	if (p->is_double)
		fmt_double(num, sizeof(num), p->as_double);
	else
		snprintf(num, sizeof(num), "%" PRId64, p->as_int);
	put_sample(&r->out, name, "", &r->labels, NULL, num);
	r->st.samples++;
	return 0;
}

static int render_hist(struct render *r, const char *name, const struct model_point *p)
{
	const struct model_hist *h = &p->hist;
	char num[64], bound[64];
	uint64_t cum = 0;
	int err;

	err = put_labels(&r->labels, &p->attrs, "le");
	if (err)
		return err;
	for (size_t i = 0; h->bucket_counts && i < h->nbounds; i++) {
		cum += h->bucket_counts[i];
		fmt_double(bound, sizeof(bound), h->bounds[i]);
		buf_reset(&r->extra);
		puts_(&r->extra, "le=\"");
		puts_(&r->extra, bound);
		putc_(&r->extra, '"');
		snprintf(num, sizeof(num), "%" PRIu64, cum);
		put_sample(&r->out, name, "_bucket", &r->labels,
			   r->extra.oom ? "" : r->extra.p, num);
	}
	/* +Inf holds every observation: it equals _count by definition */
	snprintf(num, sizeof(num), "%" PRIu64, h->count);
	put_sample(&r->out, name, "_bucket", &r->labels, "le=\"+Inf\"", num);
	fmt_double(bound, sizeof(bound), h->sum);
	put_sample(&r->out, name, "_sum", &r->labels, NULL, bound);
	put_sample(&r->out, name, "_count", &r->labels, NULL, num);
	r->st.samples += h->nbounds + 3;
	return r->out.oom || r->extra.oom ? -ENOMEM : 0;
}

static int render_metric(struct render *r, const struct model_metric *m)
{
	struct buf name = { 0 };
	const char *type;
	int err;

	if (m->npoints == 0)
		return 0;
	if (m->kind != MODEL_METRIC_GAUGE && m->temporality == MODEL_TEMPORALITY_DELTA) {
		r->st.skipped_delta++;
		return 0;
	}
	err = family_name(m, &name);
	if (err == -EINVAL || (err == 0 && name_taken(r, name.p))) {
		r->st.skipped_name++;
		err = 0;
		goto free_name;
	}
	if (err)
		goto free_name;
	err = name_remember(r, name.p);
	if (err)
		goto free_name;
	if (m->kind == MODEL_METRIC_HISTOGRAM)
		type = "histogram";
	else if (is_counter(m))
		type = "counter";
	else
		type = "gauge";
	put_header(&r->out, name.p, m->description, type);
	r->st.families++;
	for (size_t i = 0; i < m->npoints && !err; i++) {
		if (m->kind == MODEL_METRIC_HISTOGRAM)
			err = render_hist(r, name.p, &m->points[i]);
		else
			err = render_number(r, name.p, &m->points[i]);
	}
free_name:
	buf_free(&name);
	return err;
}

static int render_target_info(struct render *r, const struct model_resource *res)
{
	int err;

	if (!res || res->attrs.n == 0)
		return 0;
	err = put_labels(&r->labels, &res->attrs, NULL);
	if (err)
		return err;
	err = name_remember(r, "target_info");
	if (err)
		return err;
	put_header(&r->out, "target_info", "Target metadata", "gauge");
	put_sample(&r->out, "target_info", "", &r->labels, NULL, "1");
	r->st.families++;
	r->st.samples++;
	return 0;
}

int prom_text_render(const struct model_metric_batch *b,
		     const struct model_resource *res,
		     char **out, size_t *outlen, struct prom_text_stats *st)
{
	struct render r = { 0 };
	int err;

	*out = NULL;
	puts_(&r.out, "");
	err = render_target_info(&r, res);
	for (size_t i = 0; b && i < b->n && !err; i++)
		err = render_metric(&r, &b->v[i]);
	if (!err && r.out.oom)
		err = -ENOMEM;
	if (err) {
		buf_free(&r.out);
	} else {
		*out = r.out.p;
		if (outlen)
			*outlen = r.out.n;
		if (st)
			*st = r.st;
	}
	buf_free(&r.labels);
	buf_free(&r.extra);
	for (size_t i = 0; i < r.nnames; i++)
		free(r.names[i]);
	free(r.names);
	return err;
}
