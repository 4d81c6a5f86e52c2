/* ctl_args.h - riptelctl's argument parsing: types, numbers, cgroups. */
#ifndef RIPTEL_CTL_ARGS_H
#define RIPTEL_CTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "riptel.h"

/* Where cgroup paths are looked up (cgroup v2). */
#define CTL_CGROUP_ROOT "/sys/fs/cgroup"

/* Types riptelctl may switch and sample: exec (1) .. test (12). */
#define CTL_TYPES_ALL \
	((((uint32_t)1 << (RIPTEL_REC_TEST + 1)) - 1) & ~(uint32_t)1)

enum ctl_color { CTL_COLOR_AUTO, CTL_COLOR_ALWAYS, CTL_COLOR_NEVER };

/*
 * A record type by name ("exec", "tcp_state", ...) or number (1..12).
 * 0 or -EINVAL.
 */
int ctl_parse_type(const char *s, uint16_t *type);

/*
 * A list of type names into a mask (bit t = type t); "all" means every
 * type.  0, or -EINVAL with *bad pointing at the word that is not a type.
 */
int ctl_parse_types(char *const *words, size_t n, uint32_t *mask,
		    const char **bad);

/*
 * A whole decimal number in [min, max]: no sign, no spaces, no suffix.
 * 0, -EINVAL (not a number) or -ERANGE.
 */
int ctl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int ctl_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/*
 * A cgroup: its numeric id, or a path resolved to the inode number of the
 * directory (the cgroup v2 id).  A path is taken as it is when it starts
 * with @root, otherwise relative to @root ("system.slice/x.service" or
 * "/system.slice/x.service").  0, -EINVAL (empty or ".." in it), or the
 * -errno of stat(2); -ENOTDIR if it is not a directory.
 */
int ctl_parse_cgroup(const char *s, const char *root, uint64_t *id);

/* "auto", "always" or "never": 0 or -EINVAL. */
int ctl_parse_color(const char *s, enum ctl_color *c);

/* Whether to colour: ALWAYS, NEVER, or AUTO = @is_tty. */
bool ctl_use_color(enum ctl_color c, bool is_tty);

/* "exec fork exit ..." into @buf, for help texts; always NUL-terminated. */
void ctl_type_list(char *buf, size_t len);

#endif /* RIPTEL_CTL_ARGS_H */
