/* ctl_args.c - riptelctl's argument parsing: types, numbers, cgroups. */
#include "ctl_args.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "record.h"

int ctl_parse_type(const char *s, uint16_t *type)
{
	uint32_t n;
	uint16_t t;

	if (ctl_parse_u32(s, RIPTEL_REC_EXEC, RIPTEL_REC_TEST, &n) == 0) {
		*type = (uint16_t)n;
		return 0;
	}
	for (t = RIPTEL_REC_EXEC; t <= RIPTEL_REC_TEST; t++) {
		if (!strcmp(s, record_type_name(t))) {
			*type = t;
			return 0;
		}
	}
	return -EINVAL;
}

int ctl_parse_types(char *const *words, size_t n, uint32_t *mask,
		    const char **bad)
{
	uint32_t m = 0;
	uint16_t t;
	size_t i;

	*bad = NULL;
	if (n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!strcmp(words[i], "all")) {
			m |= CTL_TYPES_ALL;
			continue;
		}
		if (ctl_parse_type(words[i], &t)) {
			*bad = words[i];
			return -EINVAL;
		}
		m |= (uint32_t)1 << t;
	}
	*mask = m;
	return 0;
}

int ctl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int ctl_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int ret = ctl_parse_u64(s, min, max, &v);

	if (ret == 0)
		*out = (uint32_t)v;
	return ret;
}

int ctl_parse_cgroup(const char *s, const char *root, uint64_t *id)
{
	size_t rl = strlen(root);
	char path[4096];
	struct stat st;
	int n;

	if (ctl_parse_u64(s, 1, UINT64_MAX, id) == 0)
		return 0;
	if (!*s || strstr(s, ".."))
		return -EINVAL;
	if (!strncmp(s, root, rl) && (s[rl] == '/' || s[rl] == '\0'))
		n = snprintf(path, sizeof(path), "%s", s);
	else
		n = snprintf(path, sizeof(path), "%s/%s", root,
			     s[0] == '/' ? s + 1 : s);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*id = (uint64_t)st.st_ino;
	return 0;
}

int ctl_parse_color(const char *s, enum ctl_color *c)
{
	if (!strcmp(s, "auto"))
		*c = CTL_COLOR_AUTO;
	else if (!strcmp(s, "always"))
		*c = CTL_COLOR_ALWAYS;
	else if (!strcmp(s, "never"))
		*c = CTL_COLOR_NEVER;
	else
		return -EINVAL;
	return 0;
}

bool ctl_use_color(enum ctl_color c, bool is_tty)
{
	if (c == CTL_COLOR_ALWAYS)
		return true;
	if (c == CTL_COLOR_NEVER)
		return false;
	return is_tty;
}

void ctl_type_list(char *buf, size_t len)
{
	size_t used = 0;
	uint16_t t;
	int n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (t = RIPTEL_REC_EXEC; t <= RIPTEL_REC_TEST; t++) {
		n = snprintf(buf + used, len - used, "%s%s",
			     used ? " " : "", record_type_name(t));
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';	/* whole names only */
			return;
		}
		used += (size_t)n;
	}
}
