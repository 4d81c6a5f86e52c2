/* redact.c - hide secrets in command lines with configurable POSIX regexes. */
#include "redact.h"

#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Defaults: key=value and key: value pairs, --flag=value and --flag value
 * options whose name mentions a secret, URL credentials, bearer tokens.
 */
const char redact_default_rules[] =
	"(pass(word|wd)?|pwd|secret|token|api[-_]?key|access[-_]?key|credentials?|auth)[a-z_.-]*[=:]([^ ]+);"
	"-[-a-z_]*(pass(word|wd)?|secret|token|api[-_]?key|credentials?)[-a-z_]* +([^ -][^ ]*);"
	"://[^/:@ ]+:([^/@ ]+)@;"
	"bearer +([^ ]+)";

struct redact {
	regex_t re[REDACT_MAX_RULES];
	size_t n;
};

void redact_free(struct redact *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		regfree(&r->re[i]);
	free(r);
}

int redact_new(const char *spec, struct redact **out, char *err, size_t errlen)
{
	struct redact *r;
	char *copy, *save = NULL, *tok;
	int rc = 0;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!spec || !*spec)
		spec = redact_default_rules;
	r = calloc(1, sizeof(*r));
	copy = strdup(spec);
	if (!r || !copy) {
		rc = -ENOMEM;
		goto fail;
	}
	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		int e;

		if (!*tok)
			continue;
		if (r->n == REDACT_MAX_RULES) {
			if (err && errlen)
				snprintf(err, errlen, "more than %d redaction rules",
					 REDACT_MAX_RULES);
			rc = -E2BIG;
			goto fail;
		}
		e = regcomp(&r->re[r->n], tok, REG_EXTENDED | REG_ICASE);
		if (e) {
			char msg[128];

			regerror(e, &r->re[r->n], msg, sizeof(msg));
			if (err && errlen)
				snprintf(err, errlen, "redaction rule '%s': %s", tok, msg);
			rc = e == REG_ESPACE ? -ENOMEM : -EINVAL;
			goto fail;
		}
		r->n++;
	}
	free(copy);
	*out = r;
	return 0;
fail:
	free(copy);
	redact_free(r);
	return rc;
}

/* Append n bytes to out at *pos, keeping room for the NUL. */
static void put(char *out, size_t outlen, size_t *pos, const char *s, size_t n)
{
	if (*pos + 1 >= outlen)
		return;
	if (n > outlen - 1 - *pos)
		n = outlen - 1 - *pos;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
}

/* One rule over in; result in out.  Returns replacements. */
static int apply_one(const regex_t *re, const char *in, char *out, size_t outlen)
{
	regmatch_t m[10];
	size_t nsub = re->re_nsub < 9 ? re->re_nsub : 9;
	size_t pos = 0;
	const char *p = in;
	int count = 0;
	int flags = 0;

	out[0] = '\0';
	while (*p && regexec(re, p, nsub + 1, m, flags) == 0) {
		regoff_t so = m[0].rm_so, eo = m[0].rm_eo;

		/* the last group that took part in the match, else the match */
		for (size_t g = nsub; g > 0; g--) {
			if (m[g].rm_so >= 0 && m[g].rm_eo > m[g].rm_so) {
				so = m[g].rm_so;
				eo = m[g].rm_eo;
				break;
			}
		}
		if (m[0].rm_eo == 0) {	/* empty match: step one byte */
			put(out, outlen, &pos, p, 1);
			p++;
			flags = REG_NOTBOL;
			continue;
		}
		put(out, outlen, &pos, p, (size_t)so);
		if (eo > so) {
			put(out, outlen, &pos, REDACT_MASK, strlen(REDACT_MASK));
			count++;
		}
		put(out, outlen, &pos, p + eo, (size_t)(m[0].rm_eo - eo));
		p += m[0].rm_eo;
		flags = REG_NOTBOL;
	}
	put(out, outlen, &pos, p, strlen(p));
	return count;
}

int redact_apply(const struct redact *r, const char *in, char *out, size_t outlen)
{
	char *a, *b;
	size_t cap;
	int total = 0;

	if (!r || !in || !out || outlen == 0)
		return -EINVAL;
	/* a mask can be longer than what it hides: leave room to grow */
	cap = strlen(in) * 2 + 64;
	a = strdup(in);
	b = malloc(cap);
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->n; i++) {
		char *t;

		total += apply_one(&r->re[i], a, b, cap);
		t = a;
		a = b;
		b = t;
		if (i == 0) {	/* a is now the cap-sized buffer; resize b too */
			t = realloc(b, cap);
			if (!t) {
				free(a);
				free(b);
				return -ENOMEM;
			}
			b = t;
		}
	}
	snprintf(out, outlen, "%s", a);
	free(a);
	free(b);
	return total;
}

int redact_cmdline(const struct redact *r, const char *raw, size_t rawlen,
		   char *out, size_t outlen)
{
	char *joined;
	int rc;

	if (!r || (!raw && rawlen) || !out || outlen == 0)
		return -EINVAL;
	joined = malloc(rawlen + 1);
	if (!joined)
		return -ENOMEM;
	for (size_t i = 0; i < rawlen; i++)
		joined[i] = raw[i] ? raw[i] : ' ';
	while (rawlen > 0 && joined[rawlen - 1] == ' ')
		rawlen--;
	joined[rawlen] = '\0';
	rc = redact_apply(r, joined, out, outlen);
	free(joined);
	return rc;
}
