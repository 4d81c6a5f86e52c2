/* test_config_check.c - the one validation --check-config, startup and SIGHUP share. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config_check.h"

static const struct {
	const char *key, *value;	/* set on top of the defaults */
	const char *env;		/* one extra environment entry, or NULL */
	const char *names;		/* the error must contain this */
} bad[] = {
	/* startup compiled this only with cmdline=true, check-config never */
	{ "enrich.redact", "pass(word=([^ ]+)", NULL, "enrich.redact" },
	{ "prometheus.listen", "[::1", NULL, "prometheus.listen" },
	{ "prometheus.listen", "localhost", NULL, "prometheus.listen" },
	{ "prometheus.listen", "no-such-host.invalid:9464", NULL, "prometheus.listen" },
	{ "metrics.attribute_filters", "no.such.metric:deny=a", NULL, "no.such.metric" },
	{ "metrics.attribute_filters", "riptides.connections:keep=a", NULL, "allow=" },
	{ "resource.attributes", "novalue", NULL, "resource.attributes" },
	{ "export.endpoint", "ftp://collector:4318", NULL, "ftp://" },
	{ "export.max_batch", "4000", NULL, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE" },
	{ NULL, NULL, "OTEL_EXPORTER_OTLP_PROTOCOL=grpc", "OTEL_EXPORTER_OTLP_PROTOCOL=grpc" },
	{ NULL, NULL, "OTEL_EXPORTER_OTLP_TRACES_HEADERS=novalue", "OTEL_EXPORTER_OTLP_TRACES_HEADERS" },
};

START_TEST(test_refused)
{
	char *envp[] = { (char *)bad[_i].env, NULL };
	struct config c;
	char err[512] = "";

	for (int cmdline = 0; cmdline < 2; cmdline++) {
		config_defaults(&c);
		c.cmdline = cmdline;
		if (bad[_i].key)
			ck_assert_int_eq(config_set(&c, bad[_i].key, bad[_i].value, err,
						    sizeof(err)), 0);
		ck_assert_int_lt(config_check(&c, envp, NULL, NULL, err, sizeof(err)), 0);
		ck_assert_msg(strstr(err, bad[_i].names), "error \"%s\" does not name \"%s\"",
			      err, bad[_i].names);
	}
}
END_TEST

static int warnings;

static void count_warning(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
	warnings++;
}

START_TEST(test_accepted)
{
	char *envp[] = { "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=ZSTD", NULL };
	struct config c;
	char err[512] = "";

	config_defaults(&c);
	ck_assert_msg(config_check(&c, NULL, NULL, NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(config_set(&c, "prometheus.listen", "[::1]:0", err, sizeof(err)), 0);
	ck_assert_int_eq(config_set(&c, "metrics.attribute_filters",
				    "riptides.connections:deny=riptides.peer.spiffe_id",
				    err, sizeof(err)), 0);
	ck_assert_int_eq(config_set(&c, "enrich.cmdline", "true", err, sizeof(err)), 0);
	warnings = 0;
	ck_assert_msg(config_check(&c, envp, count_warning, NULL, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(warnings, 1);	/* the unknown compression */
	/* not exporting: the export settings are not looked at */
	ck_assert_int_eq(config_set(&c, "export.endpoint", "ftp://x", err, sizeof(err)), 0);
	ck_assert_int_eq(config_set(&c, "agent.output", "none", err, sizeof(err)), 0);
	ck_assert_msg(config_check(&c, NULL, NULL, NULL, err, sizeof(err)) == 0, "%s", err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_check");
	TCase *tc = tcase_create("config_check");

	tcase_add_loop_test(tc, test_refused, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_accepted);
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
