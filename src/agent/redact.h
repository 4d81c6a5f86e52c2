/* redact.h - hide secrets in command lines with configurable POSIX regexes. */
#ifndef RIPTEL_REDACT_H
#define RIPTEL_REDACT_H

#include <stddef.h>

#define REDACT_MASK	"***"
#define REDACT_MAX_RULES 32

/*
 * Rules are POSIX extended regexes, matched case-insensitively.  When a rule
 * has parenthesised groups, only the text of its last group is replaced by
 * REDACT_MASK (so "password=(...)" keeps the key); otherwise the whole
 * match is.  Every rule is applied to every non-overlapping match.
 */
struct redact;

/*
 * Compile the ';'-separated rules in spec (NULL or "" means
 * redact_default_rules).  0 or -EINVAL (a rule fails to compile; err names
 * it), -E2BIG (more than REDACT_MAX_RULES), -ENOMEM.
 */
int redact_new(const char *spec, struct redact **out, char *err, size_t errlen);
void redact_free(struct redact *r);

/* The rules used when none are configured. */
extern const char redact_default_rules[];

/*
 * Redact in into out (always NUL-terminated, cut at outlen).  Returns the
 * number of replacements, or -EINVAL.
 */
int redact_apply(const struct redact *r, const char *in, char *out, size_t outlen);

/*
 * Join a raw /proc/<pid>/cmdline buffer (NUL-separated arguments) with
 * spaces into out, then redact.  Returns replacements or -EINVAL.
 */
int redact_cmdline(const struct redact *r, const char *raw, size_t rawlen,
		   char *out, size_t outlen);

#endif /* RIPTEL_REDACT_H */
