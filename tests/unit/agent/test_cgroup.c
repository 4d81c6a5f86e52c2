/* test_cgroup.c - cgroup path shapes to container id, pod UID, unit. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "cgroup.h"

#define FIXTURES "tests/fixtures"
#define ID64 "4f3b2a1c9d8e7f60123456789abcdef0123456789abcdef0123456789abcdef0"
#define POD "0b5e3a1c-7f2d-4c9b-8e6a-1d2c3b4a5f60"
#define POD_ "0b5e3a1c_7f2d_4c9b_8e6a_1d2c3b4a5f60"

static const struct {
	const char *path;
	enum cgroup_runtime runtime;
	const char *id, *pod, *unit;
} cases[] = {
	{ "/docker/" ID64, CGROUP_RUNTIME_DOCKER, ID64, "", "" },
	{ "/system.slice/docker-" ID64 ".scope", CGROUP_RUNTIME_DOCKER, ID64, "",
	  "docker-" ID64 ".scope" },
	{ "/kubepods/burstable/pod" POD "/" ID64, CGROUP_RUNTIME_CONTAINERD, ID64, POD, "" },
	{ "/kubepods/pod" POD "/" ID64, CGROUP_RUNTIME_CONTAINERD, ID64, POD, "" },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_
	  ".slice/cri-containerd-" ID64 ".scope", CGROUP_RUNTIME_CONTAINERD, ID64, POD,
	  "cri-containerd-" ID64 ".scope" },
	{ "/kubepods.slice/kubepods-pod" POD_ ".slice/crio-" ID64 ".scope",
	  CGROUP_RUNTIME_CRIO, ID64, POD, "crio-" ID64 ".scope" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_ ".slice",
	  CGROUP_RUNTIME_NONE, "", POD, "" },
	{ "/system.slice/containerd.service/kubepods-burstable-pod" POD_
	  ".slice:cri-containerd:" ID64, CGROUP_RUNTIME_CONTAINERD, ID64, POD,
	  "containerd.service" },
	{ "/machine.slice/libpod-" ID64 ".scope/container", CGROUP_RUNTIME_PODMAN, ID64, "",
	  "libpod-" ID64 ".scope" },
	{ "/system.slice/nginx.service", CGROUP_RUNTIME_NONE, "", "", "nginx.service" },
	{ "/user.slice/user-1000.slice/session-2.scope", CGROUP_RUNTIME_NONE, "", "",
	  "session-2.scope" },
	{ "/", CGROUP_RUNTIME_NONE, "", "", "" },
	/* near misses: too short, not hex, pod uid malformed */
	{ "/docker/4f3b2a1c9d8e", CGROUP_RUNTIME_NONE, "", "", "" },
	{ "/system.slice/docker-" "zz3b2a1c9d8e7f60123456789abcdef0123456789abcdef0123456789abcdef0"
	  ".scope", CGROUP_RUNTIME_NONE, "", "", "docker-zz3b2a1c9d8e7f60123456789abcdef0123456789abcdef0123456789abcdef0.scope" },
	{ "/kubepods/podnot-a-uuid/x", CGROUP_RUNTIME_NONE, "", "", "" },
};

START_TEST(test_shapes)
{
	struct cgroup_info ci;

	ck_assert_int_eq(cgroup_parse(cases[_i].path, &ci), 0);
	ck_assert_msg(ci.runtime == cases[_i].runtime, "%s: runtime %d", cases[_i].path,
		      ci.runtime);
	ck_assert_str_eq(ci.container_id, cases[_i].id);
	ck_assert_str_eq(ci.pod_uid, cases[_i].pod);
	ck_assert_str_eq(ci.unit, cases[_i].unit);
}
END_TEST

START_TEST(test_bad_input)
{
	struct cgroup_info ci;

	ck_assert_int_eq(cgroup_parse(NULL, &ci), -EINVAL);
	ck_assert_int_eq(cgroup_parse("relative/path", &ci), -EINVAL);
	ck_assert_int_eq(cgroup_parse("/x", NULL), -EINVAL);
}
END_TEST

START_TEST(test_read_proc)
{
	char buf[1024];

	/* v2 line preferred over a v1 line listed first */
	ck_assert_int_eq(cgroup_read_proc(FIXTURES "/proc", 300, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "/kubepods.slice/"));
	ck_assert_int_eq(cgroup_read_proc(FIXTURES "/proc", 100, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/user.slice/user-0.slice/session-3.scope");
	ck_assert_int_eq(cgroup_read_proc(FIXTURES "/proc", 300, buf, 20), -ENAMETOOLONG);
	ck_assert_int_eq(cgroup_read_proc(FIXTURES "/proc", 99999, buf, sizeof(buf)), -ENOENT);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("cgroup");

	tcase_add_loop_test(tc, test_shapes, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_read_proc);
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
