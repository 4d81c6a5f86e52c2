/* test_enrich_users.c - uid/gid names and their cache. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "enrich_users.h"

START_TEST(test_names)
{
	struct enrich_users *u = enrich_users_new();
	char buf[ENRICH_USERS_NAME_MAX];

	ck_assert_int_eq(enrich_users_user(u, 0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "root");
	ck_assert_int_eq(enrich_users_group(u, 0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "root");
	/* cached answer, same result */
	ck_assert_int_eq(enrich_users_user(u, 0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "root");
	/* an id nobody has: -ENOENT and "" (also cached) */
	ck_assert_int_eq(enrich_users_user(u, 3999999999U, buf, sizeof(buf)), -ENOENT);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(enrich_users_user(u, 3999999999U, buf, sizeof(buf)), -ENOENT);
	/* a small buffer truncates */
	ck_assert_int_eq(enrich_users_user(u, 0, buf, 3), 0);
	ck_assert_str_eq(buf, "ro");
	ck_assert_int_eq(enrich_users_user(NULL, 0, buf, sizeof(buf)), -EINVAL);
	enrich_users_free(u);
	enrich_users_free(NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("enrich_users");
	TCase *tc = tcase_create("enrich_users");

	tcase_add_test(tc, test_names);
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
