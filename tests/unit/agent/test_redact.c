/* test_redact.c - command-line redaction: defaults, custom rules, errors. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "redact.h"

static const struct {
	const char *in, *out;
} defaults[] = {
	{ "mysql --password=hunter2 -h db", "mysql --password=*** -h db" },
	{ "app --password hunter2 --port 80", "app --password *** --port 80" },
	{ "app --db-token abc.def", "app --db-token ***" },
	{ "env API_KEY=xyz PATH=/bin", "env API_KEY=*** PATH=/bin" },
	{ "curl https://user:pa55@example.com/x", "curl https://user:***@example.com/x" },
	{ "curl -H Authorization: Bearer eyJhbGciOi", "curl -H Authorization: Bearer ***" },
	{ "ls -la /tmp", "ls -la /tmp" },
	{ "", "" },
};

START_TEST(test_defaults)
{
	struct redact *r;
	char out[256], err[128];

	ck_assert_int_eq(redact_new(NULL, &r, err, sizeof(err)), 0);
	ck_assert_int_ge(redact_apply(r, defaults[_i].in, out, sizeof(out)), 0);
	ck_assert_str_eq(out, defaults[_i].out);
	redact_free(r);
}
END_TEST

START_TEST(test_no_secret_survives)
{
	struct redact *r;
	char out[256];
	static const char raw[] = "server\0--api-key=abc123\0--password\0s3cr3t\0"
				  "https://admin:hunter2@h/\0";

	ck_assert_int_eq(redact_new("", &r, NULL, 0), 0);
	ck_assert_int_ge(redact_cmdline(r, raw, sizeof(raw) - 1, out, sizeof(out)), 3);
	ck_assert_ptr_null(strstr(out, "abc123"));
	ck_assert_ptr_null(strstr(out, "s3cr3t"));
	ck_assert_ptr_null(strstr(out, "hunter2"));
	ck_assert_ptr_nonnull(strstr(out, "server --api-key="));
	redact_free(r);
}
END_TEST

START_TEST(test_custom_rules)
{
	struct redact *r;
	char out[128];

	/* with a group only the group goes; without, the whole match */
	ck_assert_int_eq(redact_new("pin=([0-9]+);[0-9]{16}", &r, NULL, 0), 0);
	ck_assert_int_eq(redact_apply(r, "pay pin=1234 card 4111111111111111 pin=99",
				      out, sizeof(out)), 3);
	ck_assert_str_eq(out, "pay pin=*** card *** pin=***");
	/* the output buffer bounds the result */
	ck_assert_int_ge(redact_apply(r, "pin=1234 and more", out, 8), 0);
	ck_assert_uint_eq(strlen(out), 7);
	redact_free(r);
	redact_free(NULL);
}
END_TEST

START_TEST(test_bad_rule)
{
	struct redact *r = (struct redact *)1;
	char err[128] = "";
	char many[2048] = "";

	ck_assert_int_eq(redact_new("ok;([unclosed", &r, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(err, "([unclosed"));
	for (int i = 0; i <= REDACT_MAX_RULES; i++)
		strcat(many, "a;");
	ck_assert_int_eq(redact_new(many, &r, err, sizeof(err)), -E2BIG);
	ck_assert_int_eq(redact_apply(NULL, "x", err, sizeof(err)), -EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("redact");

	tcase_add_loop_test(tc, test_defaults, 0, (int)(sizeof(defaults) / sizeof(defaults[0])));
	tcase_add_test(tc, test_no_secret_survives);
	tcase_add_test(tc, test_custom_rules);
	tcase_add_test(tc, test_bad_rule);
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
