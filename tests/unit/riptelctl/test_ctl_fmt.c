/* test_ctl_fmt.c - riptelctl's output: status tables, JSON, record lines. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ctl_fmt.h"
#include "jsonw.h"

/* 2023-11-14 22:13:20.123456789 UTC */
#define T0 1700000000123456789ULL

static struct riptel_record rec;
static char line[512];

static void setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	memset(&rec, 0, sizeof(rec));
	rec.hdr.size = RIPTEL_RECORD_SIZE;
	rec.hdr.cpu = 2;
	rec.hdr.pid = 700;
	rec.hdr.tgid = 700;
}

START_TEST(test_exec_line)
{
	rec.hdr.type = RIPTEL_REC_EXEC;
	strcpy(rec.exec.comm, "true");
	strcpy(rec.exec.filename, "/bin/true");
	rec.exec.ppid = 1;
	rec.exec.uid = 1000;
	rec.exec.cgroup_id = 42;
	ctl_fmt_record(line, sizeof(line), &rec, T0, false);
	ck_assert_str_eq(line, "22:13:20.123456 cpu2  exec            pid=700"
			 " comm=true file=/bin/true ppid=1 uid=1000 cgroup=42");
	rec.hdr.flags = RIPTEL_RF_TRUNCATED;
	rec.hdr.pid = 701;
	ctl_fmt_record(line, sizeof(line), &rec, T0, false);
	ck_assert_ptr_nonnull(strstr(line, " pid=700 tid=701 "));
	ck_assert_ptr_nonnull(strstr(line, " file=.../bin/true "));
}
END_TEST

START_TEST(test_hostile_text_is_escaped)
{
	rec.hdr.type = RIPTEL_REC_EXEC;
	memcpy(rec.exec.comm, "a\033[2Jb\\c\n\xff", 10);
	/* filename not NUL-terminated: stops at the field's end */
	memset(rec.exec.filename, 'x', sizeof(rec.exec.filename));
	ctl_fmt_record(line, sizeof(line), &rec, T0, false);
	ck_assert_ptr_nonnull(strstr(line,
				     " comm=a\\x1b[2Jb\\x5cc\\x0a\\xff file="));
	ck_assert_ptr_null(strchr(line, '\033'));
	ck_assert_ptr_nonnull(strstr(line, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				     "xxxxxxxxxxxxxxxxxx ppid="));
}
END_TEST

START_TEST(test_tcp_lines)
{
	rec.hdr.type = RIPTEL_REC_TCP_STATE;
	rec.hdr.flags = RIPTEL_RF_NO_TASK | RIPTEL_RF_SOFTIRQ;
	rec.tcp.family = AF_INET;
	rec.tcp.sport = 40000;
	rec.tcp.dport = 80;
	inet_pton(AF_INET, "127.0.0.1", rec.tcp.saddr);
	inet_pton(AF_INET, "10.1.2.3", rec.tcp.daddr);
	rec.tcp.oldstate = 2;
	rec.tcp.newstate = 1;
	rec.tcp.sock_cookie = 99;
	ctl_fmt_record(line, sizeof(line), &rec, T0, false);
	ck_assert_str_eq(line, "22:13:20.123456 cpu2  tcp_state       pid=-"
			 " 127.0.0.1:40000 -> 10.1.2.3:80 SYN_SENT ->"
			 " ESTABLISHED cookie=99");
	rec.tcp.family = AF_INET6;
	inet_pton(AF_INET6, "::1", rec.tcp.saddr);
	inet_pton(AF_INET6, "2001:db8::5", rec.tcp.daddr);
	rec.tcp.newstate = 200;
	ctl_fmt_record(line, sizeof(line), &rec, T0, false);
	ck_assert_ptr_nonnull(strstr(line, " [::1]:40000 -> [2001:db8::5]:80"
				     " SYN_SENT -> 200 "));
}
END_TEST

START_TEST(test_color_and_unknown)
{
	size_t want;

	rec.hdr.type = RIPTEL_REC_FORK;
	strcpy(rec.fork.comm, "sh");
	rec.fork.child_pid = 9;
	rec.fork.child_tgid = 9;
	ctl_fmt_record(line, sizeof(line), &rec, T0, true);
	ck_assert_ptr_nonnull(strstr(line, "\033[36mfork"));
	ck_assert_ptr_nonnull(strstr(line, "\033[0m"));
	ctl_fmt_record(line, sizeof(line), &rec, T0, false);
	ck_assert_ptr_null(strchr(line, '\033'));
	ck_assert_ptr_nonnull(strstr(line, " child=9/9 "));

	rec.hdr.type = 14;
	ctl_fmt_record(line, sizeof(line), &rec, T0, false);
	ck_assert_str_eq(line, "22:13:20.123456 cpu2  type14          pid=700");

	/* cut short: NUL-terminated, and the wanted length is returned */
	want = ctl_fmt_record(line, 10, &rec, T0, false);
	ck_assert_uint_eq(want, strlen("22:13:20.123456 cpu2  type14          pid=700"));
	ck_assert_str_eq(line, "22:13:20.");
}
END_TEST

static struct ctl_status st;
static struct ctl_config cfg;
static struct ctl_ring rings[2];
static struct ctl_report rep = { &st, &cfg, rings, 2 };

static void fill_report(void)
{
	memset(&st, 0, sizeof(st));
	memset(&cfg, 0, sizeof(cfg));
	memset(rings, 0, sizeof(rings));
	strcpy(st.module_version, "0.1.0");
	st.abi_version = 1;
	st.ring_pages = 256;
	st.nr_tracepoints = 2;
	strcpy(st.tracepoints[0].name, "sched_process_exec");
	st.tracepoints[0].attached = true;
	strcpy(st.tracepoints[1].name, "sys_enter");
	st.intern_slots = 1024;
	st.intern_used = 3;
	cfg.type_mask = 0x1ffe;
	cfg.filter_pids = 2;
	cfg.lists = true;
	cfg.nr_pids = 2;
	cfg.pids[0] = 10;
	cfg.pids[1] = 20;
	cfg.types[RIPTEL_REC_EXEC].present = true;
	cfg.types[RIPTEL_REC_EXEC].sample_rate = 1;
	cfg.types[RIPTEL_REC_EXEC].disabled = 5;
	cfg.types[RIPTEL_REC_TCP_STATE].present = true;
	cfg.types[RIPTEL_REC_TCP_STATE].sample_rate = 2;
	cfg.types[RIPTEL_REC_TCP_STATE].sampled_out = 17;
	cfg.type_mask &= ~(1U << RIPTEL_REC_EXEC);
	rings[0] = (struct ctl_ring){ .cpu = 0, .data_size = 1048576,
				      .head = 1280, .tail = 1024, .fill = 256,
				      .written = 12, .dropped = 2,
				      .dropped_nested = 1 };
	rings[1] = (struct ctl_ring){ .cpu = 1, .data_size = 1048576,
				      .written = 30, .consumer_errors = 1,
				      .dropped_nmi = 4 };
}

START_TEST(test_status_text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fill_report();
	ck_assert_int_eq(ctl_fmt_status_text(f, &rep), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "module      riptel 0.1.0, ABI 1 "));
	ck_assert_ptr_nonnull(strstr(buf, "rings       2 CPUs x 256 pages (1048576 bytes each)\n"));
	ck_assert_ptr_nonnull(strstr(buf, "tracepoints sched_process_exec sys_enter(off)\n"));
	ck_assert_ptr_nonnull(strstr(buf, "providers   none\n"));
	ck_assert_ptr_nonnull(strstr(buf, "identities  3/1024 interned"));
	ck_assert_ptr_nonnull(strstr(buf, "pid filter  10 20\n"));
	ck_assert_ptr_nonnull(strstr(buf, "cgroups     none (all cgroups)\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\n0       1048576        256           12          2         1         0         0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nall                    256           42          2         1         1         4\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nexec             no        1/1            5            0            0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\ntcp_state        yes       1/2            0            0           17\n"));
	ck_assert_ptr_null(strstr(buf, "\nfork "));	/* not reported */
	free(buf);
}
END_TEST

START_TEST(test_status_json)
{
	struct jsonw w;
	const char *s;

	fill_report();
	jsonw_init(&w);
	ck_assert_int_eq(ctl_fmt_status_json(&w, &rep), 0);
	s = jsonw_str(&w);
	ck_assert_ptr_nonnull(strstr(s, "{\"module_version\":\"0.1.0\",\"abi_version\":1,"));
	ck_assert_ptr_nonnull(strstr(s, "\"ring_pages\":256,\"tracepoints\":[{\"name\":\"sched_process_exec\",\"attached\":true},{\"name\":\"sys_enter\",\"attached\":false}],\"providers\":[],"));
	ck_assert_ptr_nonnull(strstr(s, "\"filter\":{\"nr_pids\":2,\"nr_cgroups\":0,\"lists_visible\":true,\"pids\":[10,20],\"cgroups\":[]}"));
	ck_assert_ptr_nonnull(strstr(s, "\"rings\":[{\"cpu\":0,\"data_size\":1048576,\"head\":1280,\"tail\":1024,\"fill\":256,\"written\":12,\"dropped\":2,\"consumer_errors\":0,\"dropped_nmi\":0,\"dropped_nested\":1},{\"cpu\":1,"));
	ck_assert_ptr_nonnull(strstr(s, "\"types\":{\"exec\":{\"enabled\":false,\"sample_rate\":1,\"disabled\":5,\"filtered\":0,\"sampled_out\":0},\"tcp_state\":{\"enabled\":true,\"sample_rate\":2,\"disabled\":0,\"filtered\":0,\"sampled_out\":17}}}"));
	jsonw_fini(&w);
}
END_TEST

/* An unprivileged caller gets the filters' lengths, not the lists. */
START_TEST(test_status_lists_hidden)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct jsonw w;

	fill_report();
	cfg.lists = false;
	cfg.nr_pids = 0;
	cfg.filter_cgroups = 1;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(ctl_fmt_status_text(f, &rep), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "pid filter  2 entries (the list needs CAP_NET_ADMIN)\n"));
	ck_assert_ptr_nonnull(strstr(buf, "cgroups     1 entries (the list needs CAP_NET_ADMIN)\n"));
	free(buf);
	jsonw_init(&w);
	ck_assert_int_eq(ctl_fmt_status_json(&w, &rep), 0);
	ck_assert_ptr_nonnull(strstr(jsonw_str(&w), "\"filter\":{\"nr_pids\":2,\"nr_cgroups\":1,\"lists_visible\":false,\"pids\":[],\"cgroups\":[]}"));
	jsonw_fini(&w);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctl_fmt");
	TCase *tc = tcase_create("ctl_fmt");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_exec_line);
	tcase_add_test(tc, test_hostile_text_is_escaped);
	tcase_add_test(tc, test_tcp_lines);
	tcase_add_test(tc, test_color_and_unknown);
	tcase_add_test(tc, test_status_text);
	tcase_add_test(tc, test_status_json);
	tcase_add_test(tc, test_status_lists_hidden);
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
