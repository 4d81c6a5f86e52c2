/* test_ctl_args.c - riptelctl's argument parsing: types, numbers, cgroups. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_args.h"

START_TEST(test_type_by_name_and_number)
{
	uint16_t t = 0;

	ck_assert_int_eq(ctl_parse_type("exec", &t), 0);
	ck_assert_uint_eq(t, RIPTEL_REC_EXEC);
	ck_assert_int_eq(ctl_parse_type("tcp_state", &t), 0);
	ck_assert_uint_eq(t, RIPTEL_REC_TCP_STATE);
	ck_assert_int_eq(ctl_parse_type("test", &t), 0);
	ck_assert_uint_eq(t, RIPTEL_REC_TEST);
	ck_assert_int_eq(ctl_parse_type("4", &t), 0);
	ck_assert_uint_eq(t, RIPTEL_REC_TCP_STATE);
	t = 99;
	ck_assert_int_eq(ctl_parse_type("0", &t), -EINVAL);
	ck_assert_int_eq(ctl_parse_type("13", &t), -EINVAL);
	ck_assert_int_eq(ctl_parse_type("EXEC", &t), -EINVAL);
	ck_assert_int_eq(ctl_parse_type("exe", &t), -EINVAL);
	ck_assert_int_eq(ctl_parse_type("", &t), -EINVAL);
	ck_assert_int_eq(ctl_parse_type("all", &t), -EINVAL);
	ck_assert_uint_eq(t, 99);	/* untouched on error */
}
END_TEST

START_TEST(test_types_mask)
{
	char *good[] = { "exec", "fork", "exec" };
	char *all[] = { "all" };
	char *bad[] = { "exec", "nope", "fork" };
	const char *which = NULL;
	uint32_t m = 0;

	ck_assert_int_eq(ctl_parse_types(good, 3, &m, &which), 0);
	ck_assert_uint_eq(m, (1U << RIPTEL_REC_EXEC) | (1U << RIPTEL_REC_FORK));
	ck_assert_ptr_null(which);
	ck_assert_int_eq(ctl_parse_types(all, 1, &m, &which), 0);
	ck_assert_uint_eq(m, 0x1ffe);
	ck_assert_uint_eq(m, CTL_TYPES_ALL);
	m = 7;
	ck_assert_int_eq(ctl_parse_types(bad, 3, &m, &which), -EINVAL);
	ck_assert_str_eq(which, "nope");
	ck_assert_uint_eq(m, 7);
	ck_assert_int_eq(ctl_parse_types(good, 0, &m, &which), -EINVAL);
}
END_TEST

START_TEST(test_numbers)
{
	uint64_t v = 0;
	uint32_t u = 0;

	ck_assert_int_eq(ctl_parse_u64("0", 0, 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(ctl_parse_u64("18446744073709551615", 0, UINT64_MAX,
				       &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(ctl_parse_u64("18446744073709551616", 0, UINT64_MAX,
				       &v), -ERANGE);
	ck_assert_int_eq(ctl_parse_u64("99999999999999999999999", 0,
				       UINT64_MAX, &v), -ERANGE);
	ck_assert_int_eq(ctl_parse_u32("1000000", 1, 1000000, &u), 0);
	ck_assert_uint_eq(u, 1000000);
	ck_assert_int_eq(ctl_parse_u32("1000001", 1, 1000000, &u), -ERANGE);
	ck_assert_int_eq(ctl_parse_u32("0", 1, 10, &u), -ERANGE);
	ck_assert_int_eq(ctl_parse_u32("4294967296", 0, UINT32_MAX, &u),
			 -ERANGE);
	ck_assert_int_eq(ctl_parse_u32("", 0, 10, &u), -EINVAL);
	ck_assert_int_eq(ctl_parse_u32("-1", 0, 10, &u), -EINVAL);
	ck_assert_int_eq(ctl_parse_u32("+1", 0, 10, &u), -EINVAL);
	ck_assert_int_eq(ctl_parse_u32(" 1", 0, 10, &u), -EINVAL);
	ck_assert_int_eq(ctl_parse_u32("1 ", 0, 10, &u), -EINVAL);
	ck_assert_int_eq(ctl_parse_u32("0x10", 0, 100, &u), -EINVAL);
	ck_assert_int_eq(ctl_parse_u32("2k", 0, 10000, &u), -EINVAL);
	ck_assert_uint_eq(u, 1000000);	/* untouched on error */
}
END_TEST

START_TEST(test_cgroup)
{
	char root[] = "/tmp/test_ctl_args.XXXXXX";
	char sub[128], file[128], abs[160];
	struct stat st;
	uint64_t id = 0;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(sub, sizeof(sub), "%s/svc", root);
	snprintf(file, sizeof(file), "%s/file", root);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(stat(sub, &st), 0);

	ck_assert_int_eq(ctl_parse_cgroup("12345", root, &id), 0);
	ck_assert_uint_eq(id, 12345);
	ck_assert_int_eq(ctl_parse_cgroup("svc", root, &id), 0);
	ck_assert_uint_eq(id, st.st_ino);
	id = 0;
	ck_assert_int_eq(ctl_parse_cgroup("/svc", root, &id), 0);
	ck_assert_uint_eq(id, st.st_ino);
	id = 0;
	ck_assert_int_eq(ctl_parse_cgroup(sub, root, &id), 0);	/* full path */
	ck_assert_uint_eq(id, st.st_ino);
	snprintf(abs, sizeof(abs), "%s/", root);
	ck_assert_int_eq(ctl_parse_cgroup(abs, root, &id), 0);	/* the root */

	ck_assert_int_eq(ctl_parse_cgroup("nope", root, &id), -ENOENT);
	ck_assert_int_eq(ctl_parse_cgroup("file", root, &id), -ENOTDIR);
	ck_assert_int_eq(ctl_parse_cgroup("../etc", root, &id), -EINVAL);
	ck_assert_int_eq(ctl_parse_cgroup("svc/../..", root, &id), -EINVAL);
	ck_assert_int_eq(ctl_parse_cgroup("", root, &id), -EINVAL);
	/* 0 is no cgroup id: taken as a path, which does not exist */
	ck_assert_int_eq(ctl_parse_cgroup("0", root, &id), -ENOENT);

	unlink(file);
	rmdir(sub);
	rmdir(root);
}
END_TEST

START_TEST(test_color)
{
	enum ctl_color c = CTL_COLOR_NEVER;

	ck_assert_int_eq(ctl_parse_color("auto", &c), 0);
	ck_assert_int_eq(c, CTL_COLOR_AUTO);
	ck_assert(ctl_use_color(c, true));
	ck_assert(!ctl_use_color(c, false));
	ck_assert_int_eq(ctl_parse_color("always", &c), 0);
	ck_assert(ctl_use_color(c, false));
	ck_assert_int_eq(ctl_parse_color("never", &c), 0);
	ck_assert(!ctl_use_color(c, true));
	ck_assert_int_eq(ctl_parse_color("yes", &c), -EINVAL);
	ck_assert_int_eq(ctl_parse_color("", &c), -EINVAL);
	ck_assert_int_eq(c, CTL_COLOR_NEVER);
}
END_TEST

START_TEST(test_type_list)
{
	char buf[256], small[12];

	ctl_type_list(buf, sizeof(buf));
	ck_assert_str_eq(buf, "exec fork exit tcp_state conn_intercept "
			 "policy_decision handshake_start handshake_done "
			 "conn_close identity provider test");
	ctl_type_list(small, sizeof(small));
	ck_assert_str_eq(small, "exec fork");	/* whole words only */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctl_args");
	TCase *tc = tcase_create("ctl_args");

	tcase_add_test(tc, test_type_by_name_and_number);
	tcase_add_test(tc, test_types_mask);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_cgroup);
	tcase_add_test(tc, test_color);
	tcase_add_test(tc, test_type_list);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
