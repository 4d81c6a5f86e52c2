/* test_config.c - the config table: defaults, INI, env, flags, errors. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char *env_none(const char *name)
{
	(void)name;
	return NULL;
}

static const char *env_table[][2] = {
	{ "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318" },
	{ "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip" },
	{ "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta" },
	{ NULL, NULL },
};

static const char *env_good(const char *name)
{
	for (int i = 0; env_table[i][0]; i++)
		if (!strcmp(env_table[i][0], name))
			return env_table[i][1];
	return NULL;
}

static const char *env_bad_timeout(const char *name)
{
	return strcmp(name, "OTEL_EXPORTER_OTLP_TIMEOUT") ? NULL : "10s";
}

START_TEST(defaults_are_documented_values)
{
	struct config c;

	config_defaults(&c);
	ck_assert_str_eq(c.device, "/dev/riptel");
	ck_assert_str_eq(c.endpoint, "http://localhost:4318");
	ck_assert_uint_eq(c.timeout_ms, 10000);
	ck_assert_uint_eq(c.metric_interval_ms, 60000);
	ck_assert_uint_eq(c.cardinality_limit, 2000);
	ck_assert_uint_eq(c.max_queue, 2048);
	ck_assert_uint_eq(c.max_batch, 512);
	ck_assert(!c.gzip);
	ck_assert(!c.delta_temporality);
	ck_assert_int_eq(c.output, CONFIG_OUTPUT_OTLP);
	ck_assert_str_eq(c.service_name, "riptel-agent");
}
END_TEST

START_TEST(file_sets_values)
{
	struct config c;
	char err[256] = "";

	config_defaults(&c);
	ck_assert_int_eq(config_load_string(&c,
		"; comment\n[export]\nendpoint = http://a:1\ncompression = gzip\n"
		"[metrics]\ncardinality_limit = 50\n[agent]\noutput = json\n",
		"t.conf", err, sizeof(err)), 0);
	ck_assert_str_eq(c.endpoint, "http://a:1");
	ck_assert(c.gzip);
	ck_assert_uint_eq(c.cardinality_limit, 50);
	ck_assert_int_eq(c.output, CONFIG_OUTPUT_JSON);
}
END_TEST

START_TEST(unknown_key_names_key_and_line)
{
	struct config c;
	char err[256] = "";

	config_defaults(&c);
	ck_assert_int_eq(config_load_string(&c,
		"[export]\nendpoint = http://a:1\nendpont = x\n", "t.conf",
		err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "t.conf:3:") && strstr(err, "endpont"),
		      "%s", err);
	/* a rejected file changes nothing, not even its good lines */
	ck_assert_str_eq(c.endpoint, "http://localhost:4318");
}
END_TEST

START_TEST(unknown_section_and_bad_values)
{
	struct config c;
	char err[256] = "";

	config_defaults(&c);
	ck_assert_int_eq(config_load_string(&c, "[exprt]\na = 1\n", "t", err,
					    sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "unknown section [exprt]"), "%s", err);
	ck_assert_int_eq(config_load_string(&c,
		"[export]\ntimeout_ms = -5\n", "t", err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "t:2:") && strstr(err, "timeout_ms"), "%s",
		      err);
	ck_assert_int_eq(config_load_string(&c,
		"[export]\ntimeout_ms = 0\n", "t", err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "out of range"), "%s", err);
	ck_assert_int_eq(config_load_string(&c,
		"[export]\ncompression = zstd\n", "t", err, sizeof(err)),
		-EINVAL);
	ck_assert_int_eq(config_load_string(&c,
		"[enrich]\ncmdline = maybe\n", "t", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(config_load_string(&c, "[export\n", "t", err,
					    sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "t:1:"), "%s", err);
	ck_assert_uint_eq(c.timeout_ms, 10000);
}
END_TEST

START_TEST(missing_file_is_errno)
{
	struct config c;
	char err[256] = "";

	config_defaults(&c);
	ck_assert_int_eq(config_load_file(&c, "/nonexistent/riptel.conf", err,
					  sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "/nonexistent/riptel.conf"), "%s", err);
}
END_TEST

START_TEST(env_overrides_file_and_flags_override_env)
{
	struct config c;
	char err[256] = "";

	config_defaults(&c);
	ck_assert_int_eq(config_load_string(&c,
		"[export]\nendpoint = http://file:1\ntimeout_ms = 5\n", "t",
		err, sizeof(err)), 0);
	ck_assert_int_eq(config_load_env(&c, env_none, err, sizeof(err)), 0);
	ck_assert_str_eq(c.endpoint, "http://file:1");
	ck_assert_int_eq(config_load_env(&c, env_good, err, sizeof(err)), 0);
	ck_assert_str_eq(c.endpoint, "http://collector:4318");
	ck_assert(c.gzip);
	ck_assert(c.delta_temporality);
	ck_assert_uint_eq(c.timeout_ms, 5);	/* untouched by env */
	ck_assert_int_eq(config_set(&c, "export.endpoint", "http://flag:2",
				    err, sizeof(err)), 0);
	ck_assert_str_eq(c.endpoint, "http://flag:2");
}
END_TEST

START_TEST(bad_env_names_variable_and_changes_nothing)
{
	struct config c;
	char err[256] = "";

	config_defaults(&c);
	ck_assert_int_eq(config_load_env(&c, env_bad_timeout, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "OTEL_EXPORTER_OTLP_TIMEOUT='10s'"), "%s",
		      err);
	ck_assert_uint_eq(c.timeout_ms, 10000);
}
END_TEST

START_TEST(set_rejects_unknown_and_malformed)
{
	struct config c;
	char err[256] = "";

	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "endpoint", "x", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(config_set(&c, "export.nope", "x", err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "export.nope"), "%s", err);
	ck_assert_int_eq(config_set(&c, "agent.output", "xml", err,
				    sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(format_round_trips)
{
	struct config a, b;
	char buf[8192], err[256] = "";
	size_t n;

	config_defaults(&a);
	ck_assert_int_eq(config_set(&a, "metrics.cardinality_limit", "77", err,
				    sizeof(err)), 0);
	ck_assert_int_eq(config_set(&a, "export.compression", "gzip", err,
				    sizeof(err)), 0);
	n = config_format(&a, buf, sizeof(buf));
	ck_assert_uint_lt(n, sizeof(buf));
	config_defaults(&b);
	ck_assert_int_eq(config_load_string(&b, buf, "fmt", err, sizeof(err)),
			 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	/* a short buffer still reports the size needed */
	ck_assert_uint_eq(config_format(&a, buf, 10), n);
	ck_assert_uint_eq(strlen(buf), 9);
}
END_TEST

START_TEST(env_for_exporter_merges_and_passes_through)
{
	char *envp[] = { "OTEL_EXPORTER_OTLP_ENDPOINT=http://env:1",
			 "OTEL_EXPORTER_OTLP_TRACES_HEADERS=a=b", "PATH=/bin",
			 NULL };
	struct config c;
	char err[256] = "", **out;
	int endpoint = 0, traces_headers = 0, path = 0, compression = 0;

	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "export.endpoint", "http://flag:2",
				    err, sizeof(err)), 0);
	ck_assert_int_eq(config_set(&c, "export.compression", "gzip", err,
				    sizeof(err)), 0);
	out = config_env(&c, envp);
	ck_assert_ptr_nonnull(out);
	for (int i = 0; out[i]; i++) {
		/* the process's endpoint is replaced by the merged one */
		ck_assert_str_ne(out[i], "OTEL_EXPORTER_OTLP_ENDPOINT=http://env:1");
		endpoint += !strcmp(out[i], "OTEL_EXPORTER_OTLP_ENDPOINT=http://flag:2");
		traces_headers += !strcmp(out[i], "OTEL_EXPORTER_OTLP_TRACES_HEADERS=a=b");
		path += !strcmp(out[i], "PATH=/bin");
		compression += !strcmp(out[i], "OTEL_EXPORTER_OTLP_COMPRESSION=gzip");
		/* empty values are left out, so defaults stay the parser's */
		ck_assert_ptr_null(strstr(out[i], "_TRACES_ENDPOINT="));
	}
	ck_assert_int_eq(endpoint, 1);
	ck_assert_int_eq(traces_headers, 1);
	ck_assert_int_eq(path, 1);
	ck_assert_int_eq(compression, 1);
	config_env_free(out);
	config_env_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults_are_documented_values);
	tcase_add_test(tc, file_sets_values);
	tcase_add_test(tc, unknown_key_names_key_and_line);
	tcase_add_test(tc, unknown_section_and_bad_values);
	tcase_add_test(tc, missing_file_is_errno);
	tcase_add_test(tc, env_overrides_file_and_flags_override_env);
	tcase_add_test(tc, bad_env_names_variable_and_changes_nothing);
	tcase_add_test(tc, set_rejects_unknown_and_malformed);
	tcase_add_test(tc, format_round_trips);
	tcase_add_test(tc, env_for_exporter_merges_and_passes_through);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
