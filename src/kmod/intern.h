/* SPDX-License-Identifier: GPL-2.0 */
/*
 * intern.h - riptel's bounded table of SPIFFE IDs.  Records carry a
 * struct riptel_spiffe_ref {id, gen} instead of the string; user space
 * resolves it over generic netlink (genl.c).
 */
#ifndef _RIPTEL_INTERN_H
#define _RIPTEL_INTERN_H

#include <linux/types.h>
#include "uapi/riptel.h"

struct riptel_intern_stats {
	u32 slots;
	u32 used;
	u64 inserts;
	u64 evictions;
	u64 failed;
};

int riptel_intern_init(void);
void riptel_intern_exit(void);

/*
 * The reference of @s, interning it if new (evicting an entry not used
 * recently when the table is full, see intern.c).  "" or NULL is {0, 0};
 * so is a string longer than RIPTEL_SPIFFE_MAX bytes, and then *failed is
 * set.  Any context but NMI: allocates nothing, takes only a raw spinlock
 * and only on a miss.
 */
struct riptel_spiffe_ref riptel_intern(const char *s, bool *failed);

/*
 * Copy the string of {id, gen} into @buf (RIPTEL_SPIFFE_MAX + 1 bytes).
 * Returns its length, -ENOENT if id is not in use, -ESTALE if id now
 * belongs to another generation.
 */
int riptel_intern_lookup(u32 id, u32 gen, char *buf);

/*
 * The first live entry at or after *pos (a cursor starting at 0): fills
 * @ref and @buf, moves *pos past it and returns the string's length, or
 * -ENOENT when there are no more.
 */
int riptel_intern_next(u32 *pos, struct riptel_spiffe_ref *ref, char *buf);

void riptel_intern_stats(struct riptel_intern_stats *st);

#endif /* _RIPTEL_INTERN_H */
