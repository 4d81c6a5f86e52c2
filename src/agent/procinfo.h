/* procinfo.h - read one process's identity from a /proc tree. */
#ifndef RIPTEL_PROCINFO_H
#define RIPTEL_PROCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROCINFO_COMM_LEN	16
#define PROCINFO_PATH_MAX	1024
#define PROCINFO_CMDLINE_MAX	4096

struct procinfo {
	uint32_t pid;
	uint32_t ppid;
	uint64_t start_ticks;		/* /proc/<pid>/stat field 22, clock ticks since boot */
	uint32_t uid;			/* real */
	uint32_t gid;
	bool have_ids;			/* uid/gid were read */
	char comm[PROCINFO_COMM_LEN];
	char exe[PROCINFO_PATH_MAX];	/* "" when unreadable */
	char cgroup[PROCINFO_PATH_MAX];	/* "" when unreadable */
	char cmdline[PROCINFO_CMDLINE_MAX];	/* raw, NUL-separated */
	size_t cmdline_len;
};

#define PROCINFO_CMDLINE	(1U << 0)	/* also read cmdline */

/*
 * Read <proc_root>/<pid>: stat (required), status, exe, cgroup and, with
 * PROCINFO_CMDLINE, cmdline.  0, -ENOENT when the process is gone, -EINVAL
 * for a stat that does not parse.  Optional parts that cannot be read are
 * left empty.
 */
int procinfo_read(const char *proc_root, uint32_t pid, unsigned int flags,
		  struct procinfo *out);

/* Parse the text of a stat file.  0 or -EINVAL. */
int procinfo_parse_stat(const char *text, struct procinfo *out);

/* Boot time (btime from <proc_root>/stat) in Unix seconds.  0 or -errno. */
int procinfo_boot_time(const char *proc_root, uint64_t *btime);

#endif /* RIPTEL_PROCINFO_H */
