/* config_ini.h - INI text read through GLib's GKeyFile, errors tied to their line. */
#ifndef RIPTEL_CONFIG_INI_H
#define RIPTEL_CONFIG_INI_H

#include <stddef.h>

/*
 * The syntax is GKeyFile's (the freedesktop.org "desktop entry" form of
 * INI): "[section]" lines, "key = value" lines, blank lines and comment
 * lines.  A value runs to the end of its line, whatever it holds: ';'
 * and '#' inside a value are part of it (there are no inline comments),
 * and no line is too long.  Values are taken raw (no GKeyFile escapes:
 * a regex keeps its backslashes), blanks around them trimmed.
 *
 * Two additions to GKeyFile, both line-local: a line whose first non-blank
 * character is ';' is a comment too (as '#' is), so configuration written
 * for the former parser (inih) still loads; and a key written with a
 * "[locale]" suffix is refused instead of being silently set aside.
 */

/* A key's value; return 0 to go on, or a negative errno to stop. */
typedef int (*config_ini_fn)(void *ctx, const char *section, const char *key,
			     const char *value);

/*
 * Call fn for every key of text (NUL-terminated), section by section in
 * file order; a key given twice in a section counts once, with its last
 * value (GKeyFile's rule).  Returns 0; -EINVAL for a syntax error, with
 * *line the line that broke it and msg GLib's reason; fn's error, with
 * *line the line of the key fn refused; -ENOMEM.
 */
int config_ini_parse(const char *text, config_ini_fn fn, void *ctx,
		     unsigned int *line, char *msg, size_t msglen);

#endif /* RIPTEL_CONFIG_INI_H */
