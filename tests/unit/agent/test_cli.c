/* test_cli.c - riptel-agent's command line: flags to keys, validation, help. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ARGV(...) ((char *[]){ "riptel-agent", __VA_ARGS__, NULL })

/* Parse a copy of @argv (cli_parse splits --set in place). */
static enum cli_result parse(char **argv, int argc, struct cli_options *o,
			     char *out, size_t outlen, char *err)
{
	static char buf[16][256];
	char *v[17];
	FILE *f = fmemopen(out, outlen, "w");
	enum cli_result r;

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < argc; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%s", argv[i]);
		v[i] = buf[i];
	}
	v[argc] = NULL;
	r = cli_parse(argc, v, o, f, err, 256);
	fclose(f);
	return r;
}

START_TEST(test_flags_become_keys_in_order)
{
	char **v = ARGV("-o", "json", "--set", "export.compression=gzip",
			"--prometheus=127.0.0.1:9464", "-q", "100", "-t", "1.5",
			"-n", "7", "--record", "/tmp/x.rcap");
	struct cli_options o;
	char out[64] = "", err[256];

	ck_assert_int_eq(parse(v, 14, &o, out, sizeof(out), err), CLI_RUN);
	ck_assert_uint_eq(o.nsets, 4);
	ck_assert_str_eq(o.sets[0][0], "agent.output");
	ck_assert_str_eq(o.sets[0][1], "json");
	ck_assert_str_eq(o.sets[1][0], "export.compression");
	ck_assert_str_eq(o.sets[1][1], "gzip");
	ck_assert_str_eq(o.sets[2][0], "prometheus.listen");
	ck_assert_str_eq(o.sets[3][0], "agent.queue_records");
	ck_assert(o.duration == 1.5);
	ck_assert_uint_eq(o.max_records, 7);
	ck_assert_str_eq(o.record_path, "/tmp/x.rcap");
}
END_TEST

START_TEST(test_bad_usage_says_why)
{
	struct {
		char **argv;
		int argc;
		const char *why;
	} cases[] = {
		{ ARGV("--set", "nokey"), 2, "section.key=value" },
		{ ARGV("-t", "0"), 2, "--duration" },
		{ ARGV("-t", "5x"), 2, "--duration" },
		{ ARGV("-n", "-3"), 2, "--max-records" },
		{ ARGV("--pace"), 1, "--pace goes with --replay" },
		{ ARGV("--replay", "a", "--record", "b"), 4, "cannot be combined" },
		{ ARGV("stray"), 1, "unexpected argument 'stray'" },
	};
	struct cli_options o;
	char out[64], err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(parse(cases[i].argv, cases[i].argc + 1, &o, out,
				       sizeof(out), err), CLI_USAGE);
		ck_assert_msg(strstr(err, cases[i].why), "case %zu: '%s'", i, err);
	}
}
END_TEST

START_TEST(test_too_many_sets)
{
	static char *v[CLI_MAX_SETS * 2 + 4];
	struct cli_options o;
	char out[64], err[256];
	FILE *f = fmemopen(out, sizeof(out), "w");
	int n = 0;

	v[n++] = "riptel-agent";
	for (int i = 0; i <= CLI_MAX_SETS; i++) {
		v[n++] = "-o";
		v[n++] = "none";
	}
	v[n] = NULL;
	ck_assert_int_eq(cli_parse(n, v, &o, f, err, sizeof(err)), CLI_USAGE);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(err, "too many --set options"));
}
END_TEST

START_TEST(test_help_version_and_keys_print)
{
	struct cli_options o;
	static char out[16384];
	char err[256];

	ck_assert_int_eq(parse(ARGV("--version"), 2, &o, out, sizeof(out), err),
			 CLI_DONE);
	ck_assert_ptr_nonnull(strstr(out, "riptel-agent " RIPTEL_VERSION " (ABI "));
	ck_assert_int_eq(parse(ARGV("--help"), 2, &o, out, sizeof(out), err),
			 CLI_DONE);
	ck_assert_ptr_nonnull(strstr(out, "--check-config"));
	ck_assert_ptr_nonnull(strstr(out, "Exit status"));
	ck_assert_int_eq(parse(ARGV("--help-config"), 2, &o, out, sizeof(out),
			       err), CLI_DONE);
	ck_assert_ptr_nonnull(strstr(out, "`agent.device`"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_add_test(tc, test_flags_become_keys_in_order);
	tcase_add_test(tc, test_bad_usage_says_why);
	tcase_add_test(tc, test_too_many_sets);
	tcase_add_test(tc, test_help_version_and_keys_print);
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
