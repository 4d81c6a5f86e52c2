/* test_record.c - record decoding: name tables, addresses, JSON lines. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "jsonw.h"
#include "record.h"

static struct jsonw w;
static struct riptel_record rec;

static void setup(void)
{
	jsonw_init(&w);
	memset(&rec, 0, sizeof(rec));
	rec.hdr.size = RIPTEL_RECORD_SIZE;
	rec.hdr.cpu = 3;
	rec.hdr.flags = RIPTEL_RF_TRUNCATED;
	rec.hdr.pid = 1234;
	rec.hdr.tgid = 1200;
	rec.hdr.seq = 42;
	rec.hdr.ts_ns = 5000;
}

static void teardown(void)
{
	jsonw_fini(&w);
}

static const char *to_json(int want)
{
	jsonw_reset(&w);
	ck_assert_int_eq(record_to_json(&w, &rec, 1700000000000000000ULL),
			 want);
	return jsonw_str(&w);
}

#define COMMON "\"cpu\":3,\"seq\":42,\"ts_ns\":5000," \
	"\"time_unix_nano\":1700000000000000000,\"pid\":1234,\"tgid\":1200," \
	"\"flags\":4"

START_TEST(test_type_names)
{
	ck_assert_str_eq(record_type_name(RIPTEL_REC_EXEC), "exec");
	ck_assert_str_eq(record_type_name(RIPTEL_REC_FORK), "fork");
	ck_assert_str_eq(record_type_name(RIPTEL_REC_EXIT), "exit");
	ck_assert_str_eq(record_type_name(RIPTEL_REC_TCP_STATE), "tcp_state");
	ck_assert_str_eq(record_type_name(RIPTEL_REC_CONN_INTERCEPT),
			 "conn_intercept");
	ck_assert_str_eq(record_type_name(RIPTEL_REC_POLICY_DECISION),
			 "policy_decision");
	ck_assert_str_eq(record_type_name(RIPTEL_REC_HANDSHAKE_START),
			 "handshake_start");
	ck_assert_str_eq(record_type_name(RIPTEL_REC_HANDSHAKE_DONE),
			 "handshake_done");
	ck_assert_str_eq(record_type_name(RIPTEL_REC_CONN_CLOSE),
			 "conn_close");
	ck_assert_str_eq(record_type_name(RIPTEL_REC_IDENTITY), "identity");
	ck_assert_str_eq(record_type_name(RIPTEL_REC_PROVIDER), "provider");
	ck_assert_str_eq(record_type_name(RIPTEL_REC_TEST), "test");
	ck_assert_ptr_null(record_type_name(RIPTEL_REC_NONE));
	ck_assert_ptr_null(record_type_name(13));
	ck_assert_ptr_null(record_type_name(RIPTEL_REC_TYPE_MAX));
	ck_assert_ptr_null(record_type_name(0xffff));
	ck_assert(record_type_known(RIPTEL_REC_EXEC));
	ck_assert(!record_type_known(RIPTEL_REC_NONE));
}
END_TEST

START_TEST(test_tcp_state_names)
{
	static const char *const want[] = {
		NULL, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
		"FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
		"LISTEN", "CLOSING", "NEW_SYN_RECV",
	};
	unsigned int i;

	for (i = 1; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_str_eq(record_tcp_state_name((uint8_t)i), want[i]);
	ck_assert_ptr_null(record_tcp_state_name(0));
	ck_assert_ptr_null(record_tcp_state_name(13));
	ck_assert_ptr_null(record_tcp_state_name(255));
}
END_TEST

START_TEST(test_addr)
{
	uint8_t a[16] = { 0 };
	char buf[RECORD_ADDR_STRLEN];

	inet_pton(AF_INET, "127.0.0.1", a);
	ck_assert_int_eq(record_format_addr(buf, sizeof(buf), AF_INET, a), 0);
	ck_assert_str_eq(buf, "127.0.0.1");
	inet_pton(AF_INET6, "::1", a);
	ck_assert_int_eq(record_format_addr(buf, sizeof(buf), AF_INET6, a), 0);
	ck_assert_str_eq(buf, "::1");
	inet_pton(AF_INET6, "2001:db8:0:0:1:0:0:1", a);
	ck_assert_int_eq(record_format_addr(buf, sizeof(buf), AF_INET6, a), 0);
	ck_assert_str_eq(buf, "2001:db8::1:0:0:1");
	inet_pton(AF_INET6, "::ffff:10.1.2.3", a);
	ck_assert_int_eq(record_format_addr(buf, sizeof(buf), AF_INET6, a), 0);
	ck_assert_str_eq(buf, "::ffff:10.1.2.3");
	memset(a, 0xff, sizeof(a));
	ck_assert_int_eq(record_format_addr(buf, sizeof(buf), AF_INET6, a), 0);
	ck_assert_str_eq(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert_int_eq(record_format_addr(buf, sizeof(buf), AF_UNIX, a),
			 -EAFNOSUPPORT);
	ck_assert_int_eq(record_format_addr(buf, 8, AF_INET, a), -ENOSPC);
}
END_TEST

START_TEST(test_exec)
{
	rec.hdr.type = RIPTEL_REC_EXEC;
	rec.exec.uid = 1000;
	rec.exec.gid = 100;
	rec.exec.ppid = 1;
	rec.exec.old_pid = 1234;
	rec.exec.cgroup_id = 77;
	strcpy(rec.exec.comm, "true");
	strcpy(rec.exec.filename, "/bin/true");
	ck_assert_str_eq(to_json(0),
		"{\"type\":\"exec\"," COMMON ",\"uid\":1000,\"gid\":100,"
		"\"ppid\":1,\"old_pid\":1234,\"cgroup_id\":77,"
		"\"comm\":\"true\",\"filename\":\"/bin/true\"}");
}
END_TEST

START_TEST(test_exec_unterminated_and_binary)
{
	rec.hdr.type = RIPTEL_REC_EXEC;
	/* a full comm with no NUL must not run into filename */
	memset(rec.exec.comm, 'c', sizeof(rec.exec.comm));
	memset(rec.exec.filename, 'f', sizeof(rec.exec.filename));
	rec.exec.filename[0] = '\n';
	rec.exec.filename[1] = (char)0xff;
	to_json(0);
	ck_assert_ptr_nonnull(strstr(jsonw_str(&w),
				     "\"comm\":\"cccccccccccccccc\","));
	ck_assert_ptr_nonnull(strstr(jsonw_str(&w),
				     "\"filename\":\"\\n\\\\xfffff"));
	/* 54 'f' then the closing quote: bounded by the field */
	ck_assert_ptr_nonnull(strstr(jsonw_str(&w), "ffff\"}"));
}
END_TEST

START_TEST(test_fork_exit)
{
	rec.hdr.type = RIPTEL_REC_FORK;
	rec.fork.child_pid = 99;
	rec.fork.child_tgid = 99;
	rec.fork.uid = 0;
	rec.fork.gid = 0;
	rec.fork.cgroup_id = 5;
	strcpy(rec.fork.comm, "sh");
	ck_assert_str_eq(to_json(0),
		"{\"type\":\"fork\"," COMMON ",\"child_pid\":99,"
		"\"child_tgid\":99,\"uid\":0,\"gid\":0,\"cgroup_id\":5,"
		"\"comm\":\"sh\"}");
	memset(&rec.exit, 0, sizeof(rec.exit));
	rec.hdr.type = RIPTEL_REC_EXIT;
	rec.exit.exit_code = 256;
	rec.exit.uid = 1;
	rec.exit.gid = 2;
	rec.exit.cgroup_id = 3;
	strcpy(rec.exit.comm, "sh");
	ck_assert_str_eq(to_json(0),
		"{\"type\":\"exit\"," COMMON ",\"exit_code\":256,\"uid\":1,"
		"\"gid\":2,\"cgroup_id\":3,\"comm\":\"sh\"}");
}
END_TEST

START_TEST(test_tcp4)
{
	rec.hdr.type = RIPTEL_REC_TCP_STATE;
	rec.tcp.sock_cookie = 4096;
	rec.tcp.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", rec.tcp.saddr);
	inet_pton(AF_INET, "10.0.0.2", rec.tcp.daddr);
	rec.tcp.sport = 40000;
	rec.tcp.dport = 8080;
	rec.tcp.oldstate = 2;	/* SYN_SENT */
	rec.tcp.newstate = 1;	/* ESTABLISHED */
	rec.tcp.uid = 1000;
	rec.tcp.netns_ino = 4026531840U;
	ck_assert_str_eq(to_json(0),
		"{\"type\":\"tcp_state\"," COMMON ",\"sock_cookie\":4096,"
		"\"family\":\"inet\",\"saddr\":\"127.0.0.1\",\"sport\":40000,"
		"\"daddr\":\"10.0.0.2\",\"dport\":8080,"
		"\"oldstate\":\"SYN_SENT\",\"newstate\":\"ESTABLISHED\","
		"\"uid\":1000,\"netns_ino\":4026531840}");
}
END_TEST

START_TEST(test_tcp6_and_odd_values)
{
	rec.hdr.type = RIPTEL_REC_TCP_STATE;
	rec.tcp.family = AF_INET6;
	inet_pton(AF_INET6, "::1", rec.tcp.saddr);
	inet_pton(AF_INET6, "fe80::1", rec.tcp.daddr);
	rec.tcp.oldstate = 12;
	rec.tcp.newstate = 99;	/* unknown: the number */
	to_json(0);
	ck_assert_ptr_nonnull(strstr(jsonw_str(&w),
		"\"family\":\"inet6\",\"saddr\":\"::1\",\"sport\":0,"
		"\"daddr\":\"fe80::1\""));
	ck_assert_ptr_nonnull(strstr(jsonw_str(&w),
		"\"oldstate\":\"NEW_SYN_RECV\",\"newstate\":99,"));
	rec.tcp.family = 1;	/* neither: null addresses */
	to_json(0);
	ck_assert_ptr_nonnull(strstr(jsonw_str(&w),
		"\"family\":1,\"saddr\":null,\"sport\":0,\"daddr\":null"));
}
END_TEST

START_TEST(test_test_record)
{
	uint32_t i;

	rec.hdr.type = RIPTEL_REC_TEST;
	rec.test.source = 2;
	for (i = 0; i < 11; i++)
		rec.test.words[i] = riptel_test_word(rec.hdr.seq, i);
	ck_assert_str_eq(to_json(0),
		"{\"type\":\"test\"," COMMON ",\"source\":2,"
		"\"pattern_ok\":true}");
	rec.test.words[10] ^= 1;
	ck_assert_str_eq(to_json(0),
		"{\"type\":\"test\"," COMMON ",\"source\":2,"
		"\"pattern_ok\":false}");
	rec.test.words[10] ^= 1;
	rec.hdr.seq++;		/* right words, wrong seq: torn */
	ck_assert_ptr_nonnull(strstr(to_json(0), "\"pattern_ok\":false"));
}
END_TEST

START_TEST(test_identity_types)
{
	rec.hdr.type = RIPTEL_REC_CONN_INTERCEPT;
	rec.conn.sock_cookie = 9;
	rec.conn.direction = RIPTEL_DIR_OUT;
	rec.conn.family = AF_INET;
	rec.conn.lport = 1;
	rec.conn.rport = 443;
	rec.conn.local_id.id = 7;
	rec.conn.local_id.gen = 2;
	rec.conn.tgid = 41;
	rec.conn.pid = 42;
	ck_assert_ptr_nonnull(strstr(to_json(0),
		"\"sock_cookie\":9,\"cgroup_id\":0,\"uid\":0,"
		"\"direction\":\"outbound\",\"family\":\"inet\","
		"\"laddr\":\"0.0.0.0\",\"lport\":1,\"raddr\":\"0.0.0.0\","
		"\"rport\":443,\"subject_tgid\":41,\"subject_pid\":42,"
		"\"local_id\":{\"id\":7,\"gen\":2}}"));

	memset(rec.raw, 0, sizeof(rec.raw));
	rec.hdr.type = RIPTEL_REC_POLICY_DECISION;
	rec.decision.decision = RIPTEL_DECISION_DENY;
	rec.decision.tls_mode = RIPTEL_TLS_MODE_MUTUAL;
	rec.decision.reason = 3;
	rec.decision.rule = UINT32_MAX;
	ck_assert_ptr_nonnull(strstr(to_json(0),
		"\"decision\":\"deny\",\"tls_mode\":\"mutual\",\"reason\":3,"
		"\"rule\":-1}"));

	memset(rec.raw, 0, sizeof(rec.raw));
	rec.hdr.type = RIPTEL_REC_HANDSHAKE_START;
	rec.handshake.tls_version = 0x0304;
	ck_assert_ptr_nonnull(strstr(to_json(0),
		"\"sock_cookie\":0,\"tls_version\":772}"));
	rec.hdr.type = RIPTEL_REC_HANDSHAKE_DONE;
	rec.handshake.result = -104;
	rec.handshake.duration_ns = 1500;
	ck_assert_ptr_nonnull(strstr(to_json(0),
		"\"tls_version\":772,\"peer_id\":{\"id\":0,\"gen\":0},"
		"\"result\":-104,\"duration_ns\":1500}"));

	memset(rec.raw, 0, sizeof(rec.raw));
	rec.hdr.type = RIPTEL_REC_CONN_CLOSE;
	rec.close.bytes_sent = 10;
	rec.close.bytes_received = 20;
	ck_assert_ptr_nonnull(strstr(to_json(0),
		"\"bytes_sent\":10,\"bytes_received\":20,\"duration_ns\":0}"));

	memset(rec.raw, 0, sizeof(rec.raw));
	rec.hdr.type = RIPTEL_REC_IDENTITY;
	rec.identity.op = RIPTEL_ID_ROTATED;
	rec.identity.serial_len = 3;
	rec.identity.serial[0] = 0x0a;
	rec.identity.serial[1] = 0xbc;
	rec.identity.serial[2] = 0xff;
	rec.identity.not_after = -1;
	ck_assert_ptr_nonnull(strstr(to_json(0),
		"\"op\":\"rotated\",\"serial\":\"0abcff\",\"not_before\":0,"
		"\"not_after\":-1}"));
	rec.identity.serial_len = 200;	/* bounded by the field */
	ck_assert_ptr_nonnull(strstr(to_json(0),
		"\"serial\":\"0abcff0000000000000000000000000000000000\""));

	memset(rec.raw, 0, sizeof(rec.raw));
	rec.hdr.type = RIPTEL_REC_PROVIDER;
	rec.provider.op = RIPTEL_PROVIDER_ATTACH;
	rec.provider.events = 5;
	strcpy(rec.provider.name, "riptides");
	ck_assert_ptr_nonnull(strstr(to_json(0),
		"\"op\":\"attach\",\"events\":5,\"name\":\"riptides\"}"));
}
END_TEST

START_TEST(test_unknown_type)
{
	rec.hdr.type = 13;
	ck_assert_str_eq(to_json(-EINVAL), "{\"type\":13," COMMON "}");
	rec.hdr.type = RIPTEL_REC_NONE;
	ck_assert_str_eq(to_json(-EINVAL), "{\"type\":0," COMMON "}");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_type_names);
	tcase_add_test(tc, test_tcp_state_names);
	tcase_add_test(tc, test_addr);
	tcase_add_test(tc, test_exec);
	tcase_add_test(tc, test_exec_unterminated_and_binary);
	tcase_add_test(tc, test_fork_exit);
	tcase_add_test(tc, test_tcp4);
	tcase_add_test(tc, test_tcp6_and_odd_values);
	tcase_add_test(tc, test_test_record);
	tcase_add_test(tc, test_identity_types);
	tcase_add_test(tc, test_unknown_type);
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
