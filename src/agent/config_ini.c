/* config_ini.c - INI text read through GLib's GKeyFile, errors tied to their line. */
#include "config_ini.h"

#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* [s, e) without blanks at either end. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/* The end of the line that starts at p (its '\n' or NUL). */
static const char *line_end(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl : p + strlen(p);
}

/*
 * The copy GKeyFile reads: ';' comment lines turned into '#' ones (same
 * length, so line numbers hold).  A key with a "[locale]" suffix is
 * refused here: -EINVAL with *line set.
 */
static int prepare(char *text, unsigned int *line, char *msg, size_t msglen)
{
	unsigned int n = 1;
	char *p;

	for (p = text; *p; n++) {
		char *e = (char *)line_end(p);
		const char *s = p, *t = e, *eq;

		trim(&s, &t);
		if (s < t && *s == ';')
			*(char *)s = '#';
		eq = s < t && *s != '#' && *s != '[' ? memchr(s, '=', (size_t)(t - s))
						       : NULL;
		if (eq && memchr(s, '[', (size_t)(eq - s))) {
			*line = n;
			snprintf(msg, msglen,
				 "key \"%.*s\": localised keys (key[locale]) are not supported",
				 (int)(eq - s), s);
			return -EINVAL;
		}
		p = *e ? e + 1 : e;
	}
	return 0;
}

static bool loads(const char *text, size_t len, GError **gerr)
{
	GKeyFile *kf = g_key_file_new();
	bool ok = g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, gerr);

	g_key_file_free(kf);
	return ok;
}

/*
 * GKeyFile names no line when it refuses a file.  Find it: a prefix of
 * the file that ends at a line end loads if and only if the error lies
 * past it, so bisect on the number of lines.
 */
static unsigned int bad_line(const char *text)
{
	unsigned int lo = 0, hi = 1, mid, nlines = 1;
	const char *p;

	for (p = text; *p; p++)
		if (*p == '\n' && p[1])
			nlines++;
	hi = nlines;
	while (hi - lo > 1) {
		size_t len = 0;
		unsigned int k;

		mid = lo + (hi - lo) / 2;
		for (k = 0, p = text; k < mid; k++)
			p = line_end(p) + 1;
		len = (size_t)(p - text);
		if (loads(text, len, NULL))
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* The line of the last "key =" in [section] (the value GKeyFile kept). */
static unsigned int key_line(const char *text, const char *section,
			     const char *key)
{
	size_t slen = strlen(section), klen = strlen(key);
	unsigned int n = 1, found = 0;
	bool in = false;
	const char *p;

	for (p = text; *p; n++) {
		const char *e = line_end(p), *s = p, *t = e, *eq;

		trim(&s, &t);
		if (s < t && *s == '[' && t[-1] == ']') {
			const char *gs = s + 1, *ge = t - 1;

			in = (size_t)(ge - gs) == slen && !memcmp(gs, section, slen);
		} else if (in && s < t && *s != '#' &&
			   (eq = memchr(s, '=', (size_t)(t - s)))) {
			const char *ks = s, *ke = eq;

			trim(&ks, &ke);
			if ((size_t)(ke - ks) == klen && !memcmp(ks, key, klen))
				found = n;
		}
		p = *e ? e + 1 : e;
	}
	return found;
}

int config_ini_parse(const char *text, config_ini_fn fn, void *ctx,
		     unsigned int *line, char *msg, size_t msglen)
{
	GKeyFile *kf = NULL;
	GError *gerr = NULL;
	gchar **groups = NULL;
	char *copy;
	int rc = 0;

	*line = 0;
	if (msglen)
		msg[0] = '\0';
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	rc = prepare(copy, line, msg, msglen);
	if (rc)
		goto out_free;
	kf = g_key_file_new();
	if (!g_key_file_load_from_data(kf, copy, strlen(copy), G_KEY_FILE_NONE,
				       &gerr)) {
		snprintf(msg, msglen, "%s", gerr->message);
		*line = bad_line(copy);
		rc = -EINVAL;
		goto out_free;
	}
	groups = g_key_file_get_groups(kf, NULL);
	for (size_t g = 0; groups && groups[g] && !rc; g++) {
		gchar **keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);

		for (size_t k = 0; keys && keys[k] && !rc; k++) {
			gchar *v;
			size_t j;

			/* GKeyFile lists a key once per line, keeps the last value */
			for (j = 0; j < k && strcmp(keys[j], keys[k]); j++)
				;
			if (j < k)
				continue;
			v = g_key_file_get_value(kf, groups[g], keys[k], NULL);
			if (!v) {
				rc = -ENOMEM;
				break;
			}
			g_strchomp(v);
			rc = fn(ctx, groups[g], keys[k], v);
			if (rc)
				*line = key_line(copy, groups[g], keys[k]);
			g_free(v);
		}
		g_strfreev(keys);
	}
out_free:
	g_strfreev(groups);
	if (gerr)
		g_error_free(gerr);
	if (kf)
		g_key_file_free(kf);
	free(copy);
	return rc;
}
