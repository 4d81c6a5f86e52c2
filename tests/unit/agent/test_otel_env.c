/* test_otel_env.c - OTEL_* environment parsing: defaults, overrides, malformed values. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "otel_env.h"

static struct otel_env env;
static char err[512];
static char warned[4][512];
static int nwarned;

static void collect(void *ctx, const char *msg)
{
	(void)ctx;
	if (nwarned < 4)
		snprintf(warned[nwarned], sizeof(warned[0]), "%s", msg);
	nwarned++;
}

static int load(char *const *envp)
{
	err[0] = '\0';
	nwarned = 0;
	return otel_env_load(&env, envp, collect, NULL, err, sizeof(err));
}

START_TEST(test_defaults)
{
	char *envp[] = { "PATH=/bin", "OTEL_EXPORTER_OTLP_HEADERS=", NULL };
	int s;

	ck_assert_int_eq(load(envp), 0);
	ck_assert_str_eq(env.sig[OTLP_METRICS].url, "http://localhost:4318/v1/metrics");
	ck_assert_str_eq(env.sig[OTLP_TRACES].url, "http://localhost:4318/v1/traces");
	ck_assert_str_eq(env.sig[OTLP_LOGS].url, "http://localhost:4318/v1/logs");
	for (s = 0; s < OTLP_SIGNALS; s++) {
		ck_assert_uint_eq(env.sig[s].timeout_ms, 10000);
		ck_assert(!env.sig[s].gzip);
		ck_assert_uint_eq(env.sig[s].nheaders, 0);
		ck_assert_ptr_null(env.sig[s].certificate);
		ck_assert_ptr_null(env.sig[s].client_key);
	}
	ck_assert_ptr_null(env.service_name);
	ck_assert_uint_eq(env.resource_attrs.n, 0);
	ck_assert_uint_eq(env.metric_export_interval_ms, 60000);
	ck_assert_int_eq(env.temporality, TELEMETRY_TEMPORALITY_CUMULATIVE);
	ck_assert_int_eq(nwarned, 0);
	ck_assert_uint_eq(env.bsp_schedule_delay_ms, 5000);
	ck_assert_uint_eq(env.bsp_max_queue_size, 2048);
	ck_assert_uint_eq(env.bsp_max_export_batch_size, 512);
	ck_assert(!env.sdk_disabled);
	otel_env_clear(&env);
	ck_assert_int_eq(otel_env_load(&env, NULL, NULL, NULL, NULL, 0), 0);
	otel_env_clear(&env);
	otel_env_clear(NULL);
}
END_TEST

START_TEST(test_everything_set)
{
	char *envp[] = {
		"OTEL_EXPORTER_OTLP_ENDPOINT=https://collector:4318/",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://jaeger:4318/custom/path",
		"OTEL_EXPORTER_OTLP_HEADERS=api-key=se%20cret%2C1 , X-Team = net,",
		"OTEL_EXPORTER_OTLP_LOGS_HEADERS=only=logs",
		"OTEL_EXPORTER_OTLP_TIMEOUT=2500",
		"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT=700",
		"OTEL_EXPORTER_OTLP_COMPRESSION=gzip",
		"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION=none",
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_EXPORTER_OTLP_CERTIFICATE=/etc/ca.pem",
		"OTEL_EXPORTER_OTLP_CLIENT_KEY=/etc/key.pem",
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=/etc/cert.pem",
		"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE=/etc/jaeger-ca.pem",
		"OTEL_RESOURCE_ATTRIBUTES=deployment.environment=prod,team=a%2Cb",
		"OTEL_SERVICE_NAME=edge",
		"OTEL_METRIC_EXPORT_INTERVAL=15000",
		"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=Delta",
		"OTEL_BSP_SCHEDULE_DELAY=250",
		"OTEL_BSP_MAX_QUEUE_SIZE=100",
		"OTEL_BSP_MAX_EXPORT_BATCH_SIZE=100",
		"OTEL_SDK_DISABLED=TRUE",
		NULL
	};
	const struct model_value *v;

	ck_assert_msg(load(envp) == 0, "%s", err);
	ck_assert_str_eq(env.sig[OTLP_METRICS].url, "https://collector:4318/v1/metrics");
	ck_assert_str_eq(env.sig[OTLP_TRACES].url, "http://jaeger:4318/custom/path");
	ck_assert_str_eq(env.sig[OTLP_LOGS].url, "https://collector:4318/v1/logs");
	ck_assert_uint_eq(env.sig[OTLP_TRACES].nheaders, 2);
	ck_assert_str_eq(env.sig[OTLP_TRACES].headers[0], "api-key: se cret,1");
	ck_assert_str_eq(env.sig[OTLP_TRACES].headers[1], "X-Team: net");
	ck_assert_uint_eq(env.sig[OTLP_LOGS].nheaders, 1);
	ck_assert_str_eq(env.sig[OTLP_LOGS].headers[0], "only: logs");
	ck_assert_uint_eq(env.sig[OTLP_METRICS].timeout_ms, 700);
	ck_assert_uint_eq(env.sig[OTLP_TRACES].timeout_ms, 2500);
	ck_assert(env.sig[OTLP_TRACES].gzip);
	ck_assert(!env.sig[OTLP_LOGS].gzip);
	ck_assert_str_eq(env.sig[OTLP_TRACES].certificate, "/etc/jaeger-ca.pem");
	ck_assert_str_eq(env.sig[OTLP_METRICS].certificate, "/etc/ca.pem");
	ck_assert_str_eq(env.sig[OTLP_LOGS].client_key, "/etc/key.pem");
	ck_assert_str_eq(env.sig[OTLP_LOGS].client_certificate, "/etc/cert.pem");
	v = model_attrs_get(&env.resource_attrs, "team");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v->s, "a,b");
	ck_assert_ptr_nonnull(model_attrs_get(&env.resource_attrs, "deployment.environment"));
	ck_assert_str_eq(env.service_name, "edge");
	ck_assert_uint_eq(env.metric_export_interval_ms, 15000);
	ck_assert_int_eq(env.temporality, TELEMETRY_TEMPORALITY_DELTA);
	ck_assert_uint_eq(env.bsp_schedule_delay_ms, 250);
	ck_assert_uint_eq(env.bsp_max_queue_size, 100);
	ck_assert_uint_eq(env.bsp_max_export_batch_size, 100);
	ck_assert(env.sdk_disabled);
	{
		struct export_otlp_opts x = { 0 };
		struct export_opts o = { 0 };

		otel_env_export_opts(&env, &o, &x);
		ck_assert_str_eq(x.http[OTLP_TRACES].url, "http://jaeger:4318/custom/path");
		ck_assert_str_eq(x.http[OTLP_TRACES].ca_file, "/etc/jaeger-ca.pem");
		ck_assert_str_eq(x.http[OTLP_LOGS].client_cert, "/etc/cert.pem");
		ck_assert_str_eq(x.http[OTLP_LOGS].client_key, "/etc/key.pem");
		ck_assert_uint_eq(x.http[OTLP_TRACES].nheaders, 2);
		ck_assert_str_eq(x.http[OTLP_TRACES].headers[1], "X-Team: net");
		ck_assert_uint_eq(x.http[OTLP_METRICS].timeout_ms, 700);
		ck_assert(x.http[OTLP_METRICS].gzip);
		ck_assert_uint_eq(o.max_batch, 100);
		ck_assert_uint_eq(o.queue_items[OTLP_LOGS], 100);
		ck_assert_uint_eq(o.queue_items[OTLP_METRICS], 0);
	}
	otel_env_clear(&env);
	ck_assert_ptr_null(env.sig[0].url);
}
END_TEST

/* Each malformed value: -EINVAL, the variable and value named, e cleared. */
static const struct {
	const char *var;
	const char *names;	/* what the error must mention */
} bad[] = {
	{ "OTEL_EXPORTER_OTLP_ENDPOINT=localhost:4318", "OTEL_EXPORTER_OTLP_ENDPOINT=localhost:4318" },
	{ "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=ftp://x", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=ftp://x" },
	{ "OTEL_EXPORTER_OTLP_HEADERS=novalue", "OTEL_EXPORTER_OTLP_HEADERS=novalue" },
	{ "OTEL_EXPORTER_OTLP_HEADERS==v", "OTEL_EXPORTER_OTLP_HEADERS==v" },
	{ "OTEL_EXPORTER_OTLP_HEADERS=a b=c", "OTEL_EXPORTER_OTLP_HEADERS" },
	{ "OTEL_EXPORTER_OTLP_HEADERS=k=%zz", "OTEL_EXPORTER_OTLP_HEADERS=k=%zz" },
	{ "OTEL_EXPORTER_OTLP_HEADERS=k=%4", "OTEL_EXPORTER_OTLP_HEADERS" },
	{ "OTEL_EXPORTER_OTLP_HEADERS=k=a%0d%0aX-Evil: 1", "OTEL_EXPORTER_OTLP_HEADERS" },
	{ "OTEL_EXPORTER_OTLP_TRACES_HEADERS=k", "OTEL_EXPORTER_OTLP_TRACES_HEADERS=k" },
	{ "OTEL_EXPORTER_OTLP_TIMEOUT=10s", "OTEL_EXPORTER_OTLP_TIMEOUT=10s" },
	{ "OTEL_EXPORTER_OTLP_TIMEOUT=-1", "OTEL_EXPORTER_OTLP_TIMEOUT=-1" },
	{ "OTEL_EXPORTER_OTLP_TIMEOUT=0", "OTEL_EXPORTER_OTLP_TIMEOUT=0" },
	{ "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT=99999999999", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT" },
	{ "OTEL_EXPORTER_OTLP_PROTOCOL=grpc", "OTEL_EXPORTER_OTLP_PROTOCOL=grpc" },
	{ "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http/json", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http/json" },
	{ "OTEL_EXPORTER_OTLP_CLIENT_KEY=/k.pem", "CLIENT_KEY" },
	{ "OTEL_RESOURCE_ATTRIBUTES=a", "OTEL_RESOURCE_ATTRIBUTES=a" },
	{ "OTEL_METRIC_EXPORT_INTERVAL=fast", "OTEL_METRIC_EXPORT_INTERVAL=fast" },
	{ "OTEL_BSP_SCHEDULE_DELAY=1e3", "OTEL_BSP_SCHEDULE_DELAY=1e3" },
	{ "OTEL_BSP_MAX_QUEUE_SIZE=0", "OTEL_BSP_MAX_QUEUE_SIZE=0" },
	{ "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=4096", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=4096" },
};

START_TEST(test_malformed)
{
	char *envp[] = { (char *)bad[_i].var, NULL };

	ck_assert_int_eq(load(envp), -EINVAL);
	ck_assert_msg(strstr(err, bad[_i].names), "error \"%s\" does not name \"%s\"",
		      err, bad[_i].names);
	ck_assert_ptr_null(env.sig[0].url);
	ck_assert_ptr_null(env.sig[2].url);
	otel_env_clear(&env);
}
END_TEST

/*
 * The specification's enums: any case; unknown values warned about and
 * ignored (a per-signal form falls back to the general one); before,
 * each of these aborted startup.
 */
START_TEST(test_enums_warn_and_ignore)
{
	{
		char *envp[] = { "OTEL_EXPORTER_OTLP_COMPRESSION=GZIP",
				 "OTEL_EXPORTER_OTLP_PROTOCOL=HTTP/Protobuf",
				 "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=LowMemory",
				 "OTEL_SDK_DISABLED=False", NULL };

		ck_assert_int_eq(load(envp), 0);
		ck_assert(env.sig[OTLP_TRACES].gzip);
		ck_assert_int_eq(env.temporality, TELEMETRY_TEMPORALITY_LOWMEMORY);
		ck_assert(!env.sdk_disabled);
		ck_assert_int_eq(nwarned, 0);
		otel_env_clear(&env);
	}
	{
		char *envp[] = { "OTEL_EXPORTER_OTLP_COMPRESSION=gzip",
				 "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=zstd",
				 "OTEL_EXPORTER_OTLP_PROTOCOL=carrier-pigeon",
				 "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=sometimes",
				 "OTEL_SDK_DISABLED=yes", NULL };

		ck_assert_msg(load(envp) == 0, "%s", err);
		/* traces fall back to the general gzip */
		ck_assert(env.sig[OTLP_TRACES].gzip);
		ck_assert(env.sig[OTLP_METRICS].gzip);
		ck_assert_int_eq(env.temporality, TELEMETRY_TEMPORALITY_CUMULATIVE);
		ck_assert(!env.sdk_disabled);
		/* one warning each, the general protocol said once, not thrice */
		ck_assert_int_eq(nwarned, 4);
		ck_assert_ptr_nonnull(strstr(warned[0], "OTEL_EXPORTER_OTLP_PROTOCOL=carrier-pigeon"));
		ck_assert_ptr_nonnull(strstr(warned[1], "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=zstd"));
		ck_assert_ptr_nonnull(strstr(warned[2], "TEMPORALITY_PREFERENCE=sometimes"));
		ck_assert_ptr_nonnull(strstr(warned[3], "OTEL_SDK_DISABLED=yes"));
		otel_env_clear(&env);
	}
	{
		/* a protocol the specification knows and riptel does not speak */
		char *envp[] = { "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=GRPC", NULL };

		ck_assert_int_eq(load(envp), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=GRPC"));
	}
}
END_TEST

START_TEST(test_headers_helper)
{
	char **lines;
	size_t n;

	ck_assert_int_eq(otel_env_parse_headers("", &lines, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(otel_env_parse_headers(" , ,", &lines, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(otel_env_parse_headers("Authorization=Basic%20YTpi%3D", &lines, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(lines[0], "Authorization: Basic YTpi=");
	otel_env_free_lines(lines, n);
	ck_assert_int_eq(otel_env_parse_headers("a=1,b", &lines, &n), -EINVAL);
	ck_assert_ptr_null(lines);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(otel_env_parse_headers("k=%00", &lines, &n), -EINVAL);
	/* a per-signal empty value does not hide the general one */
	{
		char *envp[] = { "OTEL_EXPORTER_OTLP_TIMEOUT=42",
				 "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=", NULL };

		ck_assert_int_eq(load(envp), 0);
		ck_assert_uint_eq(env.sig[OTLP_TRACES].timeout_ms, 42);
		otel_env_clear(&env);
	}
	ck_assert_ptr_null(otel_env_get(NULL, "X"));
	{
		char *envp[] = { "OTEL_X_LONGER=1", "OTEL_X=2", NULL };

		ck_assert_str_eq(otel_env_get(envp, "OTEL_X"), "2");
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("otel_env");
	TCase *tc = tcase_create("otel_env");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_everything_set);
	tcase_add_loop_test(tc, test_malformed, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_enums_warn_and_ignore);
	tcase_add_test(tc, test_headers_helper);
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
