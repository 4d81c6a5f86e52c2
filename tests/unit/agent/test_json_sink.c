/* test_json_sink.c - the --output=json lines and the summary object. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_sink.h"
#include "pipeline.h"

START_TEST(test_record_lines)
{
	struct riptel_record r;
	struct json_sink *js;
	struct sink s;
	struct pipeline p;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(json_sink_create(&js, f), 0);
	json_sink_as_sink(js, &s);
	ck_assert_str_eq(s.name, "json");
	pipeline_init(&p);
	ck_assert_int_eq(pipeline_add(&p, &s), 0);
	memset(&r, 0, sizeof(r));
	r.hdr.type = RIPTEL_REC_EXIT;
	r.hdr.cpu = 1;
	r.hdr.seq = 9;
	strcpy(r.exit.comm, "a\tb");
	ck_assert_int_eq(pipeline_record(&p, &r, 77), 0);
	r.hdr.seq = 10;
	ck_assert_int_eq(pipeline_record(&p, &r, 78), 0);
	pipeline_fini(&p);	/* flushes and destroys the sink */
	fclose(f);
	ck_assert_str_eq(text,
		"{\"type\":\"exit\",\"cpu\":1,\"seq\":9,\"ts_ns\":0,"
		"\"time_unix_nano\":77,\"pid\":0,\"tgid\":0,\"flags\":0,"
		"\"exit_code\":0,\"uid\":0,\"gid\":0,\"cgroup_id\":0,"
		"\"comm\":\"a\\tb\"}\n"
		"{\"type\":\"exit\",\"cpu\":1,\"seq\":10,\"ts_ns\":0,"
		"\"time_unix_nano\":78,\"pid\":0,\"tgid\":0,\"flags\":0,"
		"\"exit_code\":0,\"uid\":0,\"gid\":0,\"cgroup_id\":0,"
		"\"comm\":\"a\\tb\"}\n");
	free(text);
}
END_TEST

START_TEST(test_write_error)
{
	struct riptel_record r;
	struct json_sink *js;
	FILE *f = fopen("/dev/full", "w");

	ck_assert_ptr_nonnull(f);
	setvbuf(f, NULL, _IONBF, 0);
	ck_assert_int_eq(json_sink_create(&js, f), 0);
	memset(&r, 0, sizeof(r));
	r.hdr.type = RIPTEL_REC_FORK;
	ck_assert_int_eq(json_sink_record(js, &r, 0), -ENOSPC);
	json_sink_destroy(js);
	json_sink_destroy(NULL);
	fclose(f);
}
END_TEST

START_TEST(test_summary)
{
	struct reader_stats st[2];
	struct json_summary s;
	struct jsonw w;

	memset(st, 0, sizeof(st));
	st[0] = (struct reader_stats){ .cpu = 0, .written = 10, .consumed = 7,
				       .dropped = 3, .seq_gaps = 2,
				       .invalid = 1, .consumer_errors = 4 };
	st[0].dropped_type[RIPTEL_REC_EXEC] = 2;
	st[0].dropped_type[RIPTEL_REC_TCP_STATE] = 1;
	st[1] = (struct reader_stats){ .cpu = 2, .written = 5, .consumed = 5 };
	st[1].dropped_type[RIPTEL_REC_EXEC] = 1;
	st[1].dropped_type[14] = 6;	/* a type we have no name for */
	st[1].dropped_nmi = 9;
	s = (struct json_summary){ .records = 11, .cpus = st, .nr_cpus = 2,
				   .queue_dropped = 5 };
	jsonw_init(&w);
	ck_assert_int_eq(json_sink_summary(&w, &s), 0);
	ck_assert_str_eq(jsonw_str(&w),
		"{\"type\":\"summary\",\"records\":11,\"cpus\":["
		"{\"cpu\":0,\"written\":10,\"consumed\":7,\"dropped\":3,"
		"\"consumer_errors\":4,\"seq_gaps\":2,\"invalid\":1,"
		"\"seq_errors\":0,\"head_errors\":0,\"dropped_nmi\":0,\"dropped_nested\":0},"
		"{\"cpu\":2,\"written\":5,\"consumed\":5,\"dropped\":0,"
		"\"consumer_errors\":0,\"seq_gaps\":0,\"invalid\":0,"
		"\"seq_errors\":0,\"head_errors\":0,\"dropped_nmi\":9,\"dropped_nested\":0}],"
		"\"dropped_by_type\":{\"exec\":3,\"fork\":0,\"exit\":0,"
		"\"tcp_state\":1,\"conn_intercept\":0,\"policy_decision\":0,"
		"\"handshake_start\":0,\"handshake_done\":0,\"conn_close\":0,"
		"\"identity\":0,\"provider\":0,\"test\":0,\"type_14\":6},"
		"\"queue_dropped\":5}");
	jsonw_fini(&w);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("json_sink");
	TCase *tc = tcase_create("json_sink");

	tcase_add_test(tc, test_record_lines);
	tcase_add_test(tc, test_write_error);
	tcase_add_test(tc, test_summary);
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
