/* kvlist.h - the "k=v,k2=v2" lists of the OTel variables (resource attributes, headers). */
#ifndef RIPTEL_KVLIST_H
#define RIPTEL_KVLIST_H

#include <stddef.h>

/*
 * One entry: key and value trimmed of blanks and percent-decoded, each
 * NUL-terminated; vlen is the value's length (a decoded %00 stays in it).
 * Returns 0 to go on, or -errno to stop the parse with that error.
 */
typedef int (*kvlist_fn)(const char *key, const char *value, size_t vlen,
			 void *ctx);

/*
 * Call @fn for each entry of @text, in order.  Blank entries ("a=1,,b=2", a
 * trailing comma) are skipped.  0, -EINVAL for an entry without '=', with
 * an empty key or with a bad %-escape, -ENOMEM, or @fn's error.
 */
int kvlist_parse(const char *text, kvlist_fn fn, void *ctx);

#endif /* RIPTEL_KVLIST_H */
