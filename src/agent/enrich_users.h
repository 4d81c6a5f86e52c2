/* enrich_users.h - cached uid and gid to user and group names. */
#ifndef RIPTEL_ENRICH_USERS_H
#define RIPTEL_ENRICH_USERS_H

#include <stdint.h>

#define ENRICH_USERS_NAME_MAX	64
#define ENRICH_USERS_SLOTS	256	/* per kind, direct-mapped */

struct enrich_users;

struct enrich_users *enrich_users_new(void);
void enrich_users_free(struct enrich_users *u);

/*
 * Copy the name of uid (gid) into buf; 0, or -ENOENT when the system knows
 * no such id (buf is then "").  Results, negative ones too, are cached: the
 * cache is bounded and a colliding id simply replaces the slot.
 */
int enrich_users_user(struct enrich_users *u, uint32_t uid, char *buf,
		      unsigned int len);
int enrich_users_group(struct enrich_users *u, uint32_t gid, char *buf,
		       unsigned int len);

#endif /* RIPTEL_ENRICH_USERS_H */
