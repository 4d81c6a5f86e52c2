/* jsonw.h - a tiny streaming JSON writer into a growable buffer. */
#ifndef RIPTEL_JSONW_H
#define RIPTEL_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONW_MAX_DEPTH 32

/*
 * Commas are inserted automatically: the writer remembers, per nesting
 * level, whether a value was already written.  Any failure (out of memory,
 * nesting too deep, a value where a key is required) is sticky: later calls
 * do nothing and jsonw_error() reports it, so callers check once at the end.
 *
 * Strings are written as UTF-8.  Control characters, '"' and '\\' are
 * escaped; a byte that is not part of a well-formed UTF-8 sequence is
 * written as the four characters \xNN (JSON "\\xNN"), so the value stays
 * valid JSON and the original byte stays readable.
 */
struct jsonw {
	char *buf;
	size_t len;
	size_t cap;
	int err;			/* 0 or -errno, sticky */
	unsigned int depth;
	bool after_key;			/* a key was written, value due */
	uint8_t nonempty[JSONW_MAX_DEPTH];
};

void jsonw_init(struct jsonw *w);
void jsonw_fini(struct jsonw *w);
/* Forget the text written so far (and any error), keep the buffer. */
void jsonw_reset(struct jsonw *w);
/* 0, or the first error any call hit. */
int jsonw_error(const struct jsonw *w);
/* The text written, NUL-terminated ("" when nothing was written). */
const char *jsonw_str(const struct jsonw *w);
size_t jsonw_len(const struct jsonw *w);

void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);

void jsonw_string(struct jsonw *w, const char *s);
/* At most @n bytes of @s, stopping early at a NUL (fixed-size fields). */
void jsonw_stringn(struct jsonw *w, const char *s, size_t n);
void jsonw_u64(struct jsonw *w, uint64_t v);
void jsonw_i64(struct jsonw *w, int64_t v);
void jsonw_double(struct jsonw *w, double v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);

/* key + value shorthands */
void jsonw_kv_string(struct jsonw *w, const char *key, const char *s);
void jsonw_kv_stringn(struct jsonw *w, const char *key, const char *s,
		      size_t n);
void jsonw_kv_u64(struct jsonw *w, const char *key, uint64_t v);
void jsonw_kv_i64(struct jsonw *w, const char *key, int64_t v);
void jsonw_kv_bool(struct jsonw *w, const char *key, bool v);

#endif /* RIPTEL_JSONW_H */
