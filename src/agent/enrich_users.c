/* enrich_users.c - cached uid and gid to user and group names. */
#include "enrich_users.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	bool used;
	bool known;
	uint32_t id;
	char name[ENRICH_USERS_NAME_MAX];
};

struct enrich_users {
	struct slot users[ENRICH_USERS_SLOTS];
	struct slot groups[ENRICH_USERS_SLOTS];
};

struct enrich_users *enrich_users_new(void)
{
	return calloc(1, sizeof(struct enrich_users));
}

void enrich_users_free(struct enrich_users *u)
{
	free(u);
}

static void lookup(bool user, uint32_t id, struct slot *s)
{
	char buf[4096];
	int rc;

	s->used = true;
	s->known = false;
	s->id = id;
	s->name[0] = '\0';
	if (user) {
		struct passwd pw, *res = NULL;

		rc = getpwuid_r(id, &pw, buf, sizeof(buf), &res);
		if (rc == 0 && res && res->pw_name) {
			snprintf(s->name, sizeof(s->name), "%s", res->pw_name);
			s->known = true;
		}
	} else {
		struct group gr, *res = NULL;

		rc = getgrgid_r(id, &gr, buf, sizeof(buf), &res);
		if (rc == 0 && res && res->gr_name) {
			snprintf(s->name, sizeof(s->name), "%s", res->gr_name);
			s->known = true;
		}
	}
}

static int resolve(struct slot *table, bool user, uint32_t id, char *buf,
		   unsigned int len)
{
	struct slot *s = &table[(id * 2654435761U) % ENRICH_USERS_SLOTS];

	if (!buf || len == 0)
		return -EINVAL;
	if (!s->used || s->id != id)
		lookup(user, id, s);
	snprintf(buf, len, "%s", s->name);
	return s->known ? 0 : -ENOENT;
}

int enrich_users_user(struct enrich_users *u, uint32_t uid, char *buf,
		      unsigned int len)
{
	if (!u)
		return -EINVAL;
	return resolve(u->users, true, uid, buf, len);
}

int enrich_users_group(struct enrich_users *u, uint32_t gid, char *buf,
		       unsigned int len)
{
	if (!u)
		return -EINVAL;
	return resolve(u->groups, false, gid, buf, len);
}
