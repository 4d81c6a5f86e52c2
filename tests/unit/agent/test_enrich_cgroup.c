/* test_enrich_cgroup.c - cgroup id to container identity over a fake tree. */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "enrich_cgroup.h"
#include "enrich_proc.h"

#define ROOT "tests/fixtures/cgroup"
#define POD_DIR ROOT "/kubepods.slice/kubepods-burstable.slice/" \
	"kubepods-burstable-pod0b5e3a1c_7f2d_4c9b_8e6a_1d2c3b4a5f60.slice"
#define CTR_ID "9a8b7c6d5e4f30211234567890abcdef1234567890abcdef1234567890abcdef"

static uint64_t ino(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (uint64_t)st.st_ino;
}

static const char *sattr(const struct enrich_proc_entry *p, const char *k)
{
	const struct model_value *v = model_attrs_get(&p->brief, k);

	return v && v->type == MODEL_VALUE_STRING ? v->s : NULL;
}

START_TEST(test_lookup_by_inode)
{
	struct enrich_cgroup_opts o = { .sys_root = ROOT "/", .rescan_ns = 1000 };
	struct enrich_cgroup *ec;
	struct enrich_proc_entry *p;
	struct enrich_cgroup_stats st;

	ck_assert_int_eq(enrich_cgroup_new(&o, &ec), 0);
	p = enrich_cgroup_lookup(ec, ino(POD_DIR "/cri-containerd-" CTR_ID ".scope"), 10);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(sattr(p, "container.id"), CTR_ID);
	ck_assert_str_eq(sattr(p, "k8s.pod.uid"), "0b5e3a1c-7f2d-4c9b-8e6a-1d2c3b4a5f60");
	ck_assert_ptr_nonnull(strstr(sattr(p, "riptides.cgroup.path"), "/kubepods.slice/"));
	ck_assert_ptr_null(model_attrs_get(&p->brief, "process.pid"));
	enrich_proc_put(p);
	/* the one walk recorded everything: this is a hit */
	p = enrich_cgroup_lookup(ec, ino(ROOT "/system.slice/nginx.service"), 11);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(model_attrs_get(&p->attrs, "riptides.systemd.unit")->s,
			 "nginx.service");
	enrich_proc_put(p);
	enrich_cgroup_stats(ec, &st);
	ck_assert_uint_eq(st.walks, 1);
	ck_assert_uint_eq(st.cached, 8);
	/* an unknown id: one walk per rescan interval at most */
	ck_assert_ptr_null(enrich_cgroup_lookup(ec, 1, 12));
	ck_assert_ptr_null(enrich_cgroup_lookup(ec, 1, 13));
	enrich_cgroup_stats(ec, &st);
	ck_assert_uint_eq(st.walks, 1);
	ck_assert_ptr_null(enrich_cgroup_lookup(ec, 1, 2000));
	enrich_cgroup_stats(ec, &st);
	ck_assert_uint_eq(st.walks, 2);
	ck_assert_ptr_null(enrich_cgroup_lookup(ec, 0, 5000));
	enrich_cgroup_free(ec);
	enrich_cgroup_free(NULL);
}
END_TEST

START_TEST(test_bounded_and_missing_root)
{
	struct enrich_cgroup_opts o = { .sys_root = ROOT, .capacity = 3 };
	struct enrich_cgroup *ec;
	struct enrich_cgroup_stats st;

	ck_assert_int_eq(enrich_cgroup_new(&o, &ec), 0);
	enrich_cgroup_lookup(ec, 1, 1);
	enrich_cgroup_stats(ec, &st);
	ck_assert_uint_eq(st.cached, 3);
	enrich_cgroup_free(ec);
	o.sys_root = "/nonexistent/cgroup";
	ck_assert_int_eq(enrich_cgroup_new(&o, &ec), 0);
	ck_assert_ptr_null(enrich_cgroup_lookup(ec, 5, 1));
	enrich_cgroup_free(ec);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("enrich_cgroup");
	TCase *tc = tcase_create("enrich_cgroup");

	tcase_add_test(tc, test_lookup_by_inode);
	tcase_add_test(tc, test_bounded_and_missing_root);
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
