/* jsonw.c - a tiny streaming JSON writer into a growable buffer. */
#include "jsonw.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(struct jsonw *w)
{
	memset(w, 0, sizeof(*w));
}

void jsonw_fini(struct jsonw *w)
{
	if (!w)
		return;
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

void jsonw_reset(struct jsonw *w)
{
	w->len = 0;
	if (w->buf)
		w->buf[0] = '\0';
	w->err = 0;
	w->depth = 0;
	w->after_key = false;
	w->nonempty[0] = 0;
}

int jsonw_error(const struct jsonw *w)
{
	return w->err;
}

const char *jsonw_str(const struct jsonw *w)
{
	return w->buf ? w->buf : "";
}

size_t jsonw_len(const struct jsonw *w)
{
	return w->len;
}

/* Make room for @n more bytes plus the terminating NUL. */
static bool reserve(struct jsonw *w, size_t n)
{
	size_t cap;
	char *p;

	if (w->err)
		return false;
	if (w->len + n + 1 <= w->cap)
		return true;
	cap = w->cap ? w->cap : 256;
	while (cap < w->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			w->err = -ENOMEM;
			return false;
		}
		cap *= 2;
	}
	p = realloc(w->buf, cap);
	if (!p) {
		w->err = -ENOMEM;
		return false;
	}
	w->buf = p;
	w->cap = cap;
	return true;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void putc_(struct jsonw *w, char c)
{
	put(w, &c, 1);
}

/* Separator before a value or a key at the current level. */
static void before_item(struct jsonw *w, bool is_key)
{
	if (w->err)
		return;
	if (w->after_key) {
		if (is_key)
			w->err = -EINVAL;	/* key after key */
		w->after_key = false;
		return;
	}
	if (w->nonempty[w->depth])
		putc_(w, ',');
	w->nonempty[w->depth] = 1;
}

static void open_(struct jsonw *w, char c)
{
	before_item(w, false);
	if (w->err)
		return;
	if (w->depth + 1 >= JSONW_MAX_DEPTH) {
		w->err = -E2BIG;
		return;
	}
	putc_(w, c);
	w->depth++;
	w->nonempty[w->depth] = 0;
}

static void close_(struct jsonw *w, char c)
{
	if (w->err)
		return;
	if (w->depth == 0 || w->after_key) {
		w->err = -EINVAL;
		return;
	}
	w->depth--;
	putc_(w, c);
}

void jsonw_obj_begin(struct jsonw *w)
{
	open_(w, '{');
}

void jsonw_obj_end(struct jsonw *w)
{
	close_(w, '}');
}

void jsonw_arr_begin(struct jsonw *w)
{
	open_(w, '[');
}

void jsonw_arr_end(struct jsonw *w)
{
	close_(w, ']');
}

/*
 * Length of the well-formed UTF-8 sequence starting at @s (at most @n
 * bytes), or 0 if the first byte does not start one.  Overlong forms,
 * surrogates and code points above U+10FFFF are not well-formed.
 */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	/* the second byte's range is narrowed to rule out the bad forms */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static void put_escaped(struct jsonw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, k;
	char esc[8];

	putc_(w, '"');
	while (i < n && !w->err) {
		unsigned char c = s[i];
		size_t elen = 0;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80) {
			k = utf8_seq_len(s + i, n - i);
			if (k) {
				i += k;
				run += k;
				continue;
			}
		}
		put(w, (const char *)s + i - run, run);
		run = 0;
		switch (c) {
		case '"':  memcpy(esc, "\\\"", 2); elen = 2; break;
		case '\\': memcpy(esc, "\\\\", 2); elen = 2; break;
		case '\b': memcpy(esc, "\\b", 2); elen = 2; break;
		case '\f': memcpy(esc, "\\f", 2); elen = 2; break;
		case '\n': memcpy(esc, "\\n", 2); elen = 2; break;
		case '\r': memcpy(esc, "\\r", 2); elen = 2; break;
		case '\t': memcpy(esc, "\\t", 2); elen = 2; break;
		default:
			if (c < 0x80) {		/* other controls and DEL */
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				elen = 6;
			} else {		/* not UTF-8: \xNN as text */
				memcpy(esc, "\\\\x", 3);
				esc[3] = hex[c >> 4];
				esc[4] = hex[c & 15];
				elen = 5;
			}
		}
		put(w, esc, elen);
		i++;
	}
	put(w, (const char *)s + i - run, run);
	putc_(w, '"');
}

void jsonw_key(struct jsonw *w, const char *key)
{
	before_item(w, true);
	if (w->err)
		return;
	if (w->depth == 0) {
		w->err = -EINVAL;
		return;
	}
	put_escaped(w, key, strlen(key));
	putc_(w, ':');
	w->after_key = true;
}

void jsonw_stringn(struct jsonw *w, const char *s, size_t n)
{
	before_item(w, false);
	if (w->err)
		return;
	put_escaped(w, s, strnlen(s, n));
}

void jsonw_string(struct jsonw *w, const char *s)
{
	jsonw_stringn(w, s, SIZE_MAX);
}

static void put_number(struct jsonw *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put_number(struct jsonw *w, const char *fmt, ...)
{
	char tmp[32];
	va_list ap;
	int n;

	before_item(w, false);
	if (w->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(w, tmp, (size_t)n);
}

void jsonw_u64(struct jsonw *w, uint64_t v)
{
	put_number(w, "%" PRIu64, v);
}

void jsonw_i64(struct jsonw *w, int64_t v)
{
	put_number(w, "%" PRId64, v);
}

/* JSON has no NaN or infinities: those are written as null. */
void jsonw_double(struct jsonw *w, double v)
{
	if (isfinite(v))
		put_number(w, "%.17g", v);
	else
		jsonw_null(w);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	before_item(w, false);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jsonw_null(struct jsonw *w)
{
	before_item(w, false);
	put(w, "null", 4);
}

void jsonw_kv_string(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_string(w, s);
}

void jsonw_kv_stringn(struct jsonw *w, const char *key, const char *s,
		      size_t n)
{
	jsonw_key(w, key);
	jsonw_stringn(w, s, n);
}

void jsonw_kv_u64(struct jsonw *w, const char *key, uint64_t v)
{
	jsonw_key(w, key);
	jsonw_u64(w, v);
}

void jsonw_kv_i64(struct jsonw *w, const char *key, int64_t v)
{
	jsonw_key(w, key);
	jsonw_i64(w, v);
}

void jsonw_kv_bool(struct jsonw *w, const char *key, bool v)
{
	jsonw_key(w, key);
	jsonw_bool(w, v);
}
