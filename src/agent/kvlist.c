/* kvlist.c - the "k=v,k2=v2" lists of the OTel variables (resource attributes, headers). */
#include "kvlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Trim and percent-decode [s, e) into a new string, its length in *len. */
static int decode(const char *s, const char *e, char **out, size_t *len)
{
	char *buf, *o;

	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	buf = malloc((size_t)(e - s) + 1);
	if (!buf)
		return -ENOMEM;
	for (o = buf; s < e; s++) {
		int hi, lo;

		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		if (e - s < 3 || (hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0) {
			free(buf);
			return -EINVAL;
		}
		*o++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*o = '\0';
	*out = buf;
	*len = (size_t)(o - buf);
	return 0;
}

static int entry(const char *s, const char *e, kvlist_fn fn, void *ctx)
{
	const char *eq = memchr(s, '=', (size_t)(e - s)), *q;
	char *k = NULL, *v = NULL;
	size_t klen, vlen;
	int err;

	if (!eq) {
		for (q = s; q < e; q++)
			if (!isspace((unsigned char)*q))
				return -EINVAL;
		return 0;	/* blank */
	}
	err = decode(s, eq, &k, &klen);
	if (!err)
		err = decode(eq + 1, e, &v, &vlen);
	if (!err && !klen)
		err = -EINVAL;
	if (!err)
		err = fn(k, v, vlen, ctx);
	free(k);
	free(v);
	return err;
}

int kvlist_parse(const char *text, kvlist_fn fn, void *ctx)
{
	const char *s = text, *e;
	int err;

	if (!text)
		return 0;
	while (*s) {
		e = strchr(s, ',');
		if (!e)
			e = s + strlen(s);
		err = entry(s, e, fn, ctx);
		if (err)
			return err;
		s = *e ? e + 1 : e;
	}
	return 0;
}
