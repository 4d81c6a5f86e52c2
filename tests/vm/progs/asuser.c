// SPDX-License-Identifier: GPL-2.0
/*
 * asuser.c - run a program as another uid/gid with no capabilities and no
 * supplementary groups (the guest's busybox setpriv cannot change ids).
 *
 *   asuser UID PROGRAM [ARGS...]     (gid = uid)
 *
 * Exit 127 if the ids cannot be changed or the program cannot run.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	long id;

	if (argc < 3) {
		fprintf(stderr, "usage: asuser UID PROGRAM [ARGS...]\n");
		return 127;
	}
	id = strtol(argv[1], &end, 10);
	if (*end || id <= 0 || id > 65535) {
		fprintf(stderr, "asuser: bad uid '%s'\n", argv[1]);
		return 127;
	}
	/* a non-zero uid drops every capability (no keep-caps) */
	if (setgroups(0, NULL) || setresgid((gid_t)id, (gid_t)id, (gid_t)id) ||
	    setresuid((uid_t)id, (uid_t)id, (uid_t)id)) {
		perror("asuser: cannot change ids");
		return 127;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "asuser: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
