/* test_procinfo.c - reading a process from a fake /proc tree. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "procinfo.h"

#define PROC "tests/fixtures/proc"

START_TEST(test_read_fixture)
{
	static struct procinfo pi;

	ck_assert_int_eq(procinfo_read(PROC, 100, PROCINFO_CMDLINE, &pi), 0);
	ck_assert_uint_eq(pi.pid, 100);
	ck_assert_uint_eq(pi.ppid, 1);
	ck_assert_uint_eq(pi.start_ticks, 1000);
	ck_assert(pi.have_ids);
	ck_assert_uint_eq(pi.uid, 0);
	ck_assert_str_eq(pi.comm, "curl");
	ck_assert_str_eq(pi.exe, "/usr/bin/curl");
	ck_assert_str_eq(pi.cgroup, "/user.slice/user-0.slice/session-3.scope");
	ck_assert_uint_eq(pi.cmdline_len, 61);
	ck_assert_str_eq(pi.cmdline, "curl");	/* NUL-separated */
	/* without the flag, no cmdline */
	ck_assert_int_eq(procinfo_read(PROC, 100, 0, &pi), 0);
	ck_assert_uint_eq(pi.cmdline_len, 0);
}
END_TEST

START_TEST(test_comm_with_paren)
{
	static struct procinfo pi;

	ck_assert_int_eq(procinfo_read(PROC, 200, 0, &pi), 0);
	ck_assert_str_eq(pi.comm, "nginx: wor)ker");
	ck_assert_uint_eq(pi.ppid, 150);
	ck_assert_uint_eq(pi.start_ticks, 1500);
}
END_TEST

START_TEST(test_parse_errors)
{
	static struct procinfo pi;

	ck_assert_int_eq(procinfo_read(PROC, 424242, 0, &pi), -ENOENT);
	ck_assert_int_eq(procinfo_parse_stat("12 no parens S 1", &pi), -EINVAL);
	ck_assert_int_eq(procinfo_parse_stat("12 (short) S 1 2 3", &pi), -EINVAL);
	ck_assert_int_eq(procinfo_parse_stat("12 (x) S abc", &pi), -EINVAL);
}
END_TEST

START_TEST(test_boot_time)
{
	uint64_t bt = 0;

	ck_assert_int_eq(procinfo_boot_time(PROC, &bt), 0);
	ck_assert_uint_eq(bt, 1700000000ULL);
	ck_assert_int_lt(procinfo_boot_time("/nonexistent", &bt), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("procinfo");
	TCase *tc = tcase_create("procinfo");

	tcase_add_test(tc, test_read_fixture);
	tcase_add_test(tc, test_comm_with_paren);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_boot_time);
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
