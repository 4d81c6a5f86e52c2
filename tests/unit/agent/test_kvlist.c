/* test_kvlist.c - the "k=v,k2=v2" list parser: trimming, decoding, blanks, errors. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvlist.h"

struct seen {
	char text[256];		/* "k|v|vlen;" per entry */
	int stop_at;		/* entry number whose callback fails, 0: none */
	int n;
};

static int collect(const char *k, const char *v, size_t vlen, void *ctx)
{
	struct seen *s = ctx;
	size_t used = strlen(s->text);

	if (++s->n == s->stop_at)
		return -E2BIG;
	snprintf(s->text + used, sizeof(s->text) - used, "%s|%s|%zu;", k, v,
		 vlen);
	return 0;
}

START_TEST(test_entries_trimmed_and_decoded)
{
	struct seen s = { .n = 0 };

	ck_assert_int_eq(kvlist_parse(" a = 1 ,b%3Dc=x%2Cy,, k=  ", collect, &s),
			 0);
	ck_assert_str_eq(s.text, "a|1|1;b=c|x,y|3;k||0;");
}
END_TEST

START_TEST(test_decoded_nul_keeps_length)
{
	struct seen s = { .n = 0 };

	ck_assert_int_eq(kvlist_parse("k=a%00b", collect, &s), 0);
	/* the callback sees the value up to its NUL, and the whole length */
	ck_assert_str_eq(s.text, "k|a|3;");
}
END_TEST

START_TEST(test_bad_entries)
{
	struct seen s = { .n = 0 };

	ck_assert_int_eq(kvlist_parse("a=1,novalue", collect, &s), -EINVAL);
	ck_assert_int_eq(kvlist_parse("=v", collect, &s), -EINVAL);
	ck_assert_int_eq(kvlist_parse("k=%4", collect, &s), -EINVAL);
	ck_assert_int_eq(kvlist_parse("k=%zz", collect, &s), -EINVAL);
	ck_assert_int_eq(kvlist_parse("", collect, &s), 0);
	ck_assert_int_eq(kvlist_parse(NULL, collect, &s), 0);
	ck_assert_int_eq(kvlist_parse(" , ,", collect, &s), 0);
}
END_TEST

START_TEST(test_callback_error_stops)
{
	struct seen s = { .stop_at = 2 };

	ck_assert_int_eq(kvlist_parse("a=1,b=2,c=3", collect, &s), -E2BIG);
	ck_assert_str_eq(s.text, "a|1|1;");
	ck_assert_int_eq(s.n, 2);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kvlist");
	TCase *tc = tcase_create("kvlist");

	tcase_add_test(tc, test_entries_trimmed_and_decoded);
	tcase_add_test(tc, test_decoded_nul_keeps_length);
	tcase_add_test(tc, test_bad_entries);
	tcase_add_test(tc, test_callback_error_stops);
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
