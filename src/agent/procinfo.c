/* procinfo.c - read one process's identity from a /proc tree. */
#include "procinfo.h"
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read up to len-1 bytes of a file, NUL-terminated; bytes read or -errno. */
static ssize_t read_file(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got + 1 < len) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

int procinfo_parse_stat(const char *text, struct procinfo *out)
{
	const char *open_paren, *close_paren, *p;
	unsigned long long v;
	size_t n;
	int field;
	char *end;

	open_paren = strchr(text, '(');
	close_paren = strrchr(text, ')');	/* comm may itself hold ')' */
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EINVAL;
	n = (size_t)(close_paren - open_paren - 1);
	if (n >= PROCINFO_COMM_LEN)
		n = PROCINFO_COMM_LEN - 1;
	memcpy(out->comm, open_paren + 1, n);
	out->comm[n] = '\0';
	out->pid = (uint32_t)strtoul(text, NULL, 10);
	/* fields after ')' start at 3 (state) */
	p = close_paren + 1;
	for (field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (field == 4 || field == 22) {
			errno = 0;
			v = strtoull(p, &end, 10);
			if (end == p || errno)
				return -EINVAL;
			if (field == 4)
				out->ppid = (uint32_t)v;
			else
				out->start_ticks = v;
		}
		while (*p && *p != ' ')
			p++;
	}
	return 0;
}

static void read_ids(const char *dir, struct procinfo *out)
{
	char path[PROCINFO_PATH_MAX + 32], buf[4096];
	const char *u, *g;

	snprintf(path, sizeof(path), "%s/status", dir);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return;
	u = strstr(buf, "\nUid:");
	g = strstr(buf, "\nGid:");
	if (!u || !g)
		return;
	out->uid = (uint32_t)strtoul(u + 5, NULL, 10);
	out->gid = (uint32_t)strtoul(g + 5, NULL, 10);
	out->have_ids = true;
}

int procinfo_read(const char *proc_root, uint32_t pid, unsigned int flags,
		  struct procinfo *out)
{
	char dir[PROCINFO_PATH_MAX], path[PROCINFO_PATH_MAX + 32], buf[1024];
	ssize_t n;
	int err;

	if (!proc_root || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	snprintf(dir, sizeof(dir), "%s/%" PRIu32, proc_root, pid);
	snprintf(path, sizeof(path), "%s/stat", dir);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ESRCH ? -ENOENT : (int)n;
	err = procinfo_parse_stat(buf, out);
	if (err)
		return err;
	out->pid = pid;
	read_ids(dir, out);
	snprintf(path, sizeof(path), "%s/exe", dir);
	n = readlink(path, out->exe, sizeof(out->exe) - 1);
	out->exe[n > 0 ? n : 0] = '\0';
	if (cgroup_read_proc(proc_root, pid, out->cgroup, sizeof(out->cgroup)))
		out->cgroup[0] = '\0';
	if (flags & PROCINFO_CMDLINE) {
		snprintf(path, sizeof(path), "%s/cmdline", dir);
		n = read_file(path, out->cmdline, sizeof(out->cmdline));
		out->cmdline_len = n > 0 ? (size_t)n : 0;
	}
	return 0;
}

int procinfo_boot_time(const char *proc_root, uint64_t *btime)
{
	char path[PROCINFO_PATH_MAX], buf[16384];
	const char *p;
	ssize_t n;

	if (!proc_root || !btime)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/stat", proc_root);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	p = strstr(buf, "btime ");
	if (!p || (p != buf && p[-1] != '\n'))
		return -EINVAL;
	*btime = strtoull(p + 6, NULL, 10);
	return 0;
}
