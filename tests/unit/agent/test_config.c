/* test_config.c - the config table: defaults, INI, env, flags, errors. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "redact.h"
#include "telemetry.h"

/* config_warn_fn collecting what it is told */
struct warnings {
	char text[4][512];
	int n;
};

static void collect(void *ctx, const char *msg)
{
	struct warnings *w = ctx;

	if (w->n < 4)
		snprintf(w->text[w->n], sizeof(w->text[0]), "%s", msg);
	w->n++;
}

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
	ck_assert_int_eq(c.temporality, TELEMETRY_TEMPORALITY_CUMULATIVE);
	ck_assert_uint_eq(c.max_request_bytes, 4u << 20);
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
	/* the file's enums are strict (case aside): only the environment's
	 * OTEL_* values are warn-and-ignore */
	ck_assert_int_eq(config_load_string(&c,
		"[export]\ntemporality = sometimes\n", "t", err, sizeof(err)),
		-EINVAL);
	ck_assert_msg(strstr(err, "t:2:") && strstr(err, "lowmemory"), "%s", err);
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
	ck_assert_int_eq(config_load_env(&c, env_none, NULL, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(c.endpoint, "http://file:1");
	ck_assert_int_eq(config_load_env(&c, env_good, NULL, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(c.endpoint, "http://collector:4318");
	ck_assert(c.gzip);
	ck_assert_int_eq(c.temporality, TELEMETRY_TEMPORALITY_DELTA);
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
	ck_assert_int_eq(config_load_env(&c, env_bad_timeout, NULL, NULL, err, sizeof(err)),
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


/* Enum values of OTEL_* variables: any case, lowmemory known, unknown
 * ones warned about and ignored (before: startup aborted). */
static const char *env_enum_value;
static const char *env_enum_name;

static const char *env_enum(const char *name)
{
	return strcmp(name, env_enum_name) ? NULL : env_enum_value;
}

static const struct {
	const char *var, *value;
	int temporality;	/* -1: not this key */
	int gzip;		/* -1: not this key */
	bool warned;
} enum_cases[] = {
	{ "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "lowmemory",
	  TELEMETRY_TEMPORALITY_LOWMEMORY, -1, false },
	{ "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "LowMemory",
	  TELEMETRY_TEMPORALITY_LOWMEMORY, -1, false },
	{ "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "DELTA",
	  TELEMETRY_TEMPORALITY_DELTA, -1, false },
	{ "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "sometimes",
	  TELEMETRY_TEMPORALITY_CUMULATIVE, -1, true },
	{ "OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP", -1, 1, false },
	{ "OTEL_EXPORTER_OTLP_COMPRESSION", "None", -1, 0, false },
	{ "OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", -1, 0, true },
};

START_TEST(otel_enums_warn_and_ignore)
{
	struct warnings w = { .n = 0 };
	struct config c;
	char err[256] = "";

	env_enum_name = enum_cases[_i].var;
	env_enum_value = enum_cases[_i].value;
	config_defaults(&c);
	ck_assert_msg(config_load_env(&c, env_enum, collect, &w, err, sizeof(err)) == 0,
		      "%s=%s refused: %s", enum_cases[_i].var, enum_cases[_i].value, err);
	if (enum_cases[_i].temporality >= 0)
		ck_assert_int_eq(c.temporality, enum_cases[_i].temporality);
	if (enum_cases[_i].gzip >= 0)
		ck_assert_int_eq(c.gzip, enum_cases[_i].gzip);
	ck_assert_int_eq(w.n, enum_cases[_i].warned ? 1 : 0);
	if (w.n)
		ck_assert_msg(strstr(w.text[0], enum_cases[_i].var) &&
			      strstr(w.text[0], enum_cases[_i].value) &&
			      strstr(w.text[0], "ignored"), "%s", w.text[0]);
	/* a RIPTEL_* enum stays strict */
	env_enum_name = "RIPTEL_OUTPUT";
	env_enum_value = "XML";
	ck_assert_int_eq(config_load_env(&c, env_enum, collect, &w, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "RIPTEL_OUTPUT"), "%s", err);
}
END_TEST

/* Long lines and ';' inside values (inih, as Debian builds it, refused
 * lines of 200 bytes and cut values at " ;"). */
START_TEST(long_lines_and_semicolons)
{
	static char text[32768], value[9001];
	struct config c;
	char err[256] = "";

	memset(value, 'a', sizeof(value) - 1);
	memcpy(value, "Authorization=Bearer%20", 23);
	snprintf(text, sizeof(text),
		 "; a comment of the old kind\n# and of the GKeyFile kind\n"
		 "[export]\nheaders = %.1000s\n"
		 "[metrics]\nattribute_filters = riptides.connections:deny=riptides.peer.spiffe_id ;riptides.process.execs:deny=process.user.name\n"
		 "[enrich]\nredact = token=([^ ]+);pin=([0-9]+) # not a comment\n",
		 value);
	config_defaults(&c);
	ck_assert_msg(config_load_string(&c, text, "t.conf", err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(strlen(c.headers), 1000);
	ck_assert_str_eq(c.attribute_filters,
			 "riptides.connections:deny=riptides.peer.spiffe_id ;riptides.process.execs:deny=process.user.name");
	ck_assert_str_eq(c.redact, "token=([^ ]+);pin=([0-9]+) # not a comment");
	/* a value too long for its key says so, on its own line */
	snprintf(text, sizeof(text), "[export]\ntimeout_ms = 5\n\nheaders = %s\n", value);
	ck_assert_int_eq(config_load_string(&c, text, "t.conf", err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "t.conf:4:") && strstr(err, "value too long"), "%s", err);
}
END_TEST

/* Every error names the line at fault, however long the lines before. */
START_TEST(errors_name_the_real_line)
{
	static const struct {
		const char *text, *where, *what;
	} cases[] = {
		{ "[export]\nendpoint = http://a:1\n\n\nendpont = x\n", "t:5:", "endpont" },
		{ "[export]\n# c\n; c\nthis is not ini\n[agent]\n", "t:4:", "this is not ini" },
		{ "endpoint = x\n[export]\n", "t:1:", "group" },
		{ "[export]\ntimeout_ms = 1\n[agent]\nqueue_records = 1\n", "t:4:", "queue_records" },
		{ "[export]\ntimeout_ms = 1\n[export]\ntimeout_ms = x\n", "t:4:", "timeout_ms" },
		{ "[export]\nendpoint[de] = x\n", "t:2:", "locale" },
		{ "[export]\n[bad\n", "t:2:", "[bad" },
	};
	static char text[32768], longline[20000];
	struct config c;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		config_defaults(&c);
		ck_assert_int_eq(config_load_string(&c, cases[i].text, "t", err,
						    sizeof(err)), -EINVAL);
		ck_assert_msg(strstr(err, cases[i].where) && strstr(err, cases[i].what),
			      "case %zu: %s", i, err);
	}
	/* a value over CONFIG_STR_MAX is refused on its own line, and after
	 * long lines the bad key is still found on its line */
	memset(longline, 'x', sizeof(longline) - 1);
	snprintf(text, sizeof(text), "[resource]\nattributes = a=%s\n[agent]\noutput = xml\n",
		 longline);
	ck_assert_int_eq(config_load_string(&c, text, "t", err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "t:2:") && strstr(err, "too long"), "%s", err);
	snprintf(text, sizeof(text), "[enrich]\nredact = %s\n[agent]\noutput = xml\n",
		 longline + 12000);
	ck_assert_int_eq(config_load_string(&c, text, "t", err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "t:4:") && strstr(err, "agent.output"), "%s", err);
}
END_TEST

/*
 * The redaction the agent ships with is the configuration default, not
 * only redact.c's built-in set: run the default config (and the INI
 * --check-config prints, loaded back) over command lines with secrets.
 * Before, config.c had its own rule that turned
 * "mysql --password=hunter2" into "mysql --***=hunter2".
 */
START_TEST(shipped_redaction_hides_secrets)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "mysql --password=hunter2 -h db", "mysql --password=*** -h db" },
		{ "mysql -u root --password hunter2", "mysql -u root --password ***" },
		{ "app --db-token=hunter2", "app --db-token=***" },
		{ "env API_KEY=hunter2 PATH=/bin", "env API_KEY=*** PATH=/bin" },
		{ "psql postgres://app:hunter2@db/x", "psql postgres://app:***@db/x" },
		{ "curl -H Authorization: Bearer hunter2", "curl -H Authorization: Bearer ***" },
		{ "app --secret=hunter2", "app --secret=***" },
	};
	static char text[16384];
	struct config c, back;
	struct redact *r;
	char out[256], err[256];
	int pass;

	config_defaults(&c);
	config_format(&c, text, sizeof(text));
	config_defaults(&back);
	ck_assert_int_eq(config_set(&back, "enrich.redact", "x", err, sizeof(err)), 0);
	ck_assert_msg(config_load_string(&back, text, "printed", err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_str_eq(back.redact, c.redact);
	for (pass = 0; pass < 2; pass++) {
		ck_assert_int_eq(redact_new(pass ? back.redact : c.redact, &r, err,
					    sizeof(err)), 0);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			ck_assert_int_ge(redact_apply(r, cases[i].in, out, sizeof(out)), 1);
			ck_assert_msg(!strstr(out, "hunter2") && !strcmp(out, cases[i].out),
				      "'%s' became '%s', want '%s'", cases[i].in, out,
				      cases[i].out);
		}
		redact_free(r);
	}
	/* the one rule set: the default is redact.c's, not a copy of it */
	ck_assert_str_eq(c.redact, redact_default_rules);
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
	tcase_add_loop_test(tc, otel_enums_warn_and_ignore, 0,
			    (int)(sizeof(enum_cases) / sizeof(enum_cases[0])));
	tcase_add_test(tc, long_lines_and_semicolons);
	tcase_add_test(tc, errors_name_the_real_line);
	tcase_add_test(tc, shipped_redaction_hides_secrets);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
