/* test_enrich_proc.c - the process cache: exec, exit, pid reuse, bounds. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "enrich_proc.h"
#include "redact.h"

#define PROC "tests/fixtures/proc"
#define SEC 1000000000ULL

static struct enrich_proc *make(size_t cap, bool cmdline, struct redact *r)
{
	struct enrich_proc_opts o = {
		.proc_root = PROC, .capacity = cap, .cmdline = cmdline, .redact = r,
		.mono_to_boot_set = true, .mono_to_boot_ns = 0, .clk_tck = 100,
	};
	struct enrich_proc *e;

	ck_assert_int_eq(enrich_proc_new(&o, &e), 0);
	return e;
}

static void exec_rec(struct riptel_record *r, uint32_t tgid, uint64_t ts, const char *comm)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = RIPTEL_REC_EXEC;
	r->hdr.pid = r->hdr.tgid = tgid;
	r->hdr.ts_ns = ts;
	r->exec.cgroup_id = 77;
	r->exec.uid = 1234;
	r->exec.gid = 1234;
	r->exec.ppid = 9;
	strncpy(r->exec.comm, comm, sizeof(r->exec.comm) - 1);
	strcpy(r->exec.filename, "/opt/bin/");
	strcat(r->exec.filename, comm);
}

static const char *str(const struct enrich_proc_entry *p, const char *key)
{
	const struct model_value *v = model_attrs_get(&p->attrs, key);

	return v && v->type == MODEL_VALUE_STRING ? v->s : NULL;
}

START_TEST(test_exec_resolves_from_proc)
{
	struct enrich_proc *e = make(8, false, NULL);
	struct enrich_proc_hint h = { .tgid = 300, .ts_ns = 30 * SEC };
	struct riptel_record r;
	struct enrich_proc_entry *p;
	struct enrich_proc_stats st;

	exec_rec(&r, 300, 30 * SEC, "server");
	ck_assert_int_eq(enrich_proc_exec(e, &r), 0);
	p = enrich_proc_lookup(e, &h);
	ck_assert_ptr_nonnull(p);
	ck_assert(!p->from_record);
	ck_assert_str_eq(p->exe_name, "server");
	ck_assert_str_eq(str(p, "process.executable.path"), "/app/server");
	ck_assert_str_eq(str(p, "container.id"),
			 "9a8b7c6d5e4f30211234567890abcdef1234567890abcdef1234567890abcdef");
	ck_assert_str_eq(str(p, "k8s.pod.uid"), "0b5e3a1c-7f2d-4c9b-8e6a-1d2c3b4a5f60");
	ck_assert_str_eq(str(p, "process.user.name"), "root");
	ck_assert_str_eq(str(p, "process.creation.time"), "2023-11-14T22:13:38.000Z");
	ck_assert_int_eq(model_attrs_get(&p->attrs, "process.parent_pid")->i, 290);
	ck_assert_ptr_null(model_attrs_get(&p->attrs, "process.command_line"));
	enrich_proc_put(p);
	enrich_proc_stats(e, &st);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.resolved, 1);
	ck_assert_uint_eq(st.misses, 0);
	enrich_proc_free(e);
}
END_TEST

START_TEST(test_cmdline_redacted)
{
	struct redact *rd;
	struct enrich_proc *e;
	struct enrich_proc_hint h = { .tgid = 100, .ts_ns = 30 * SEC };
	struct enrich_proc_entry *p;
	const char *cl;

	ck_assert_int_eq(redact_new(NULL, &rd, NULL, 0), 0);
	e = make(8, true, rd);
	p = enrich_proc_lookup(e, &h);
	cl = str(p, "process.command_line");
	ck_assert_ptr_nonnull(cl);
	ck_assert_ptr_null(strstr(cl, "s3cr3t"));
	ck_assert_ptr_nonnull(strstr(cl, "--password ***"));
	enrich_proc_put(p);
	enrich_proc_free(e);
	redact_free(rd);
}
END_TEST

/*
 * pid 400 in the fixture started at 50 s.  A record written at 20 s for
 * pid 400 is about the pid's previous owner: it must resolve to what the
 * record carried, never to the newcomer.
 */
START_TEST(test_pid_reuse_never_a_stranger)
{
	struct enrich_proc *e = make(8, false, NULL);
	struct enrich_proc_hint old = { .tgid = 400, .ts_ns = 20 * SEC, .comm = "oldproc",
					.cgroup_id = 5 };
	struct enrich_proc_hint now = { .tgid = 400, .ts_ns = 60 * SEC };
	struct enrich_proc_entry *p;
	struct enrich_proc_stats st;

	p = enrich_proc_lookup(e, &old);
	ck_assert(p->from_record);
	ck_assert_str_eq(p->comm, "oldproc");
	ck_assert_ptr_null(str(p, "process.executable.path"));
	enrich_proc_put(p);
	/* the newcomer itself resolves, and is cached */
	p = enrich_proc_lookup(e, &now);
	ck_assert(!p->from_record);
	ck_assert_str_eq(p->comm, "newcomer");
	enrich_proc_put(p);
	/* a late record of the old owner, after the newcomer is cached */
	p = enrich_proc_lookup(e, &old);
	ck_assert(p->from_record);
	ck_assert_str_eq(p->comm, "oldproc");
	enrich_proc_put(p);
	enrich_proc_stats(e, &st);
	ck_assert_uint_eq(st.strangers, 2);
	enrich_proc_free(e);
}
END_TEST

START_TEST(test_exit_and_fork_drop)
{
	struct enrich_proc *e = make(8, false, NULL);
	struct enrich_proc_hint h = { .tgid = 100, .ts_ns = 30 * SEC };
	struct riptel_record r;
	struct enrich_proc_entry *p, *held;
	struct enrich_proc_stats st;

	held = enrich_proc_lookup(e, &h);
	enrich_proc_stats(e, &st);
	ck_assert_uint_eq(st.cached, 1);
	/* a thread's exit keeps the process */
	memset(&r, 0, sizeof(r));
	r.hdr.type = RIPTEL_REC_EXIT;
	r.hdr.pid = 101;
	r.hdr.tgid = 100;
	enrich_proc_exit(e, &r);
	enrich_proc_stats(e, &st);
	ck_assert_uint_eq(st.cached, 1);
	r.hdr.pid = 100;
	enrich_proc_exit(e, &r);
	enrich_proc_stats(e, &st);
	ck_assert_uint_eq(st.cached, 0);
	/* a reference taken before the exit stays valid */
	ck_assert_str_eq(held->comm, "curl");
	enrich_proc_put(held);
	/* a fork naming 100 as a new child also drops a cached 100 */
	p = enrich_proc_lookup(e, &h);
	enrich_proc_put(p);
	memset(&r, 0, sizeof(r));
	r.hdr.type = RIPTEL_REC_FORK;
	r.fork.child_pid = r.fork.child_tgid = 100;
	enrich_proc_fork(e, &r);
	enrich_proc_stats(e, &st);
	ck_assert_uint_eq(st.cached, 0);
	enrich_proc_free(e);
}
END_TEST

START_TEST(test_gone_process_uses_exec_record)
{
	struct enrich_proc *e = make(8, false, NULL);
	struct enrich_proc_hint h = { .tgid = 5555, .ts_ns = 31 * SEC };
	struct riptel_record r;
	struct enrich_proc_entry *p;

	/* not in the fixture: exited before we looked */
	exec_rec(&r, 5555, 30 * SEC, "shortlived");
	ck_assert_int_eq(enrich_proc_exec(e, &r), 0);
	p = enrich_proc_lookup(e, &h);
	ck_assert(p->from_record);
	ck_assert_str_eq(p->comm, "shortlived");
	ck_assert_str_eq(p->exe_name, "shortlived");
	ck_assert_str_eq(str(p, "process.executable.path"), "/opt/bin/shortlived");
	ck_assert_int_eq(model_attrs_get(&p->attrs, "process.user.id")->i, 1234);
	ck_assert_int_eq(model_attrs_get(&p->attrs, "riptides.cgroup.id")->i, 77);
	enrich_proc_put(p);
	enrich_proc_free(e);
}
END_TEST

START_TEST(test_bounded)
{
	struct enrich_proc *e = make(4, false, NULL);
	struct riptel_record r;
	struct enrich_proc_stats st;

	for (uint32_t pid = 10000; pid < 10100; pid++) {
		exec_rec(&r, pid, 30 * SEC, "p");
		ck_assert_int_eq(enrich_proc_exec(e, &r), 0);
	}
	enrich_proc_stats(e, &st);
	ck_assert_uint_eq(st.cached, 4);
	ck_assert_uint_eq(st.evictions, 96);
	enrich_proc_free(e);
	enrich_proc_free(NULL);
	enrich_proc_put(NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("enrich_proc");
	TCase *tc = tcase_create("enrich_proc");

	tcase_add_test(tc, test_exec_resolves_from_proc);
	tcase_add_test(tc, test_cmdline_redacted);
	tcase_add_test(tc, test_pid_reuse_never_a_stranger);
	tcase_add_test(tc, test_exit_and_fork_drop);
	tcase_add_test(tc, test_gone_process_uses_exec_record);
	tcase_add_test(tc, test_bounded);
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
