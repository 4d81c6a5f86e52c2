/* test_resource.c - resource attributes and OTEL_RESOURCE_ATTRIBUTES parsing. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "resource.h"

static const char *get(const struct model_resource *r, const char *k)
{
	const struct model_value *v = model_attrs_get(&r->attrs, k);

	return v && v->type == MODEL_VALUE_STRING ? v->s : NULL;
}

START_TEST(test_build_fixed)
{
	struct model_resource r = { 0 };
	struct resource_opts o = {
		.machine_id_path = "tests/fixtures/machine-id", .host_name = "node-1",
		.os_release = "6.1.0-13-amd64", .machine = "x86_64",
		.service_version = "1.2.3",
	};

	ck_assert_int_eq(resource_build(&r, &o), 0);
	ck_assert_str_eq(get(&r, "host.name"), "node-1");
	ck_assert_str_eq(get(&r, "host.id"), "abc123def456");
	ck_assert_str_eq(get(&r, "host.arch"), "amd64");
	ck_assert_str_eq(get(&r, "os.type"), "linux");
	ck_assert_str_eq(get(&r, "os.version"), "6.1.0-13-amd64");
	ck_assert_str_eq(get(&r, "service.name"), "riptel-agent");
	ck_assert_str_eq(get(&r, "service.version"), "1.2.3");
	/* rebuilding replaces, never accumulates */
	o.machine_id_path = "/nonexistent/machine-id";
	ck_assert_int_eq(resource_build(&r, &o), 0);
	ck_assert_ptr_null(get(&r, "host.id"));
	model_resource_clear(&r);
	model_resource_clear(NULL);
}
END_TEST

START_TEST(test_extra_and_service_name)
{
	struct model_resource r = { 0 };
	struct model_attrs extra = { 0 };
	struct resource_opts o = { .host_name = "h", .extra = &extra };

	ck_assert_int_eq(resource_parse_kv("deployment.environment=prod, service.name=fromenv,"
					   "team=a%2Cb ,", &extra), 0);
	ck_assert_uint_eq(extra.n, 3);
	ck_assert_int_eq(resource_build(&r, &o), 0);
	ck_assert_str_eq(get(&r, "deployment.environment"), "prod");
	ck_assert_str_eq(get(&r, "team"), "a,b");
	/* no OTEL_SERVICE_NAME: the attribute list's service.name stands */
	ck_assert_str_eq(get(&r, "service.name"), "fromenv");
	o.service_name = "explicit";
	ck_assert_int_eq(resource_build(&r, &o), 0);
	ck_assert_str_eq(get(&r, "service.name"), "explicit");
	model_resource_clear(&r);
	model_attrs_clear(&extra);
}
END_TEST

START_TEST(test_parse_errors)
{
	struct model_attrs a = { 0 };

	ck_assert_int_eq(resource_parse_kv("novalue", &a), -EINVAL);
	ck_assert_int_eq(resource_parse_kv("=v", &a), -EINVAL);
	ck_assert_int_eq(resource_parse_kv("k=%zz", &a), -EINVAL);
	ck_assert_int_eq(resource_parse_kv("k=v,bad", &a), -EINVAL);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_int_eq(resource_parse_kv("", &a), 0);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_str_eq(resource_arch("aarch64"), "arm64");
	ck_assert_str_eq(resource_arch("riscv64"), "riscv64");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("resource");
	TCase *tc = tcase_create("resource");

	tcase_add_test(tc, test_build_fixed);
	tcase_add_test(tc, test_extra_and_service_name);
	tcase_add_test(tc, test_parse_errors);
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
