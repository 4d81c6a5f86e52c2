/* test_logs.c - log records for denials, handshake failures, identities. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "logs.h"
#include "spans.h"

static const char *resolve(void *ctx, uint32_t id, uint32_t gen)
{
	static char buf[64];

	(void)ctx;
	if (gen != 1)
		return NULL;
	/* one buffer, overwritten per call, as the real resolver does */
	snprintf(buf, sizeof(buf), "spiffe://td/w%u", id);
	return buf;
}

static struct spans *spans_for_names(void)
{
	struct spans_opts o = { .resolve = resolve };
	struct spans *s;

	ck_assert_int_eq(spans_new(&o, &s), 0);
	return s;
}

START_TEST(test_denial_and_handshake_failure)
{
	struct logs_opts o = { .mono_to_real_ns = 5 };
	struct spans *s = spans_for_names();
	struct logs *l;
	struct spans_conn c = { 0 };
	struct model_attrs a = { 0 };
	struct model_log_batch b = { 0 };

	ck_assert_int_eq(logs_new(&o, &l), 0);
	c.decision = RIPTEL_DECISION_DENY;
	c.direction = RIPTEL_DIR_OUT;
	c.reason = 12;
	c.decision_ts = 100;
	c.local_id = (struct riptel_spiffe_ref){ 1, 1 };
	c.peer_id = (struct riptel_spiffe_ref){ 2, 1 };
	c.have = SPANS_HAVE_DECISION | SPANS_HAVE_HS_DONE;
	c.hs_result = -EACCES;
	c.hs_done_ts = 200;
	c.tls_version = 0x0304;
	memset(c.trace_id, 0xab, sizeof(c.trace_id));
	memset(c.span_id, 0xcd, sizeof(c.span_id));
	memset(c.hs_span_id, 0xef, sizeof(c.hs_span_id));
	model_attrs_set_str(&a, "network.peer.address", "10.0.0.2");
	model_attrs_set_int(&a, "network.peer.port", 443);
	ck_assert_int_eq(logs_conn(l, s, &c, &a, 999), 2);
	ck_assert_int_eq(logs_collect(l, &b), 0);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_int_eq(b.v[0].severity_number, MODEL_SEV_WARN);
	ck_assert_str_eq(b.v[0].severity_text, "WARN");
	ck_assert_str_eq(b.v[0].event_name, "riptides.connection.denied");
	ck_assert_uint_eq(b.v[0].time_ns, 105);
	ck_assert_uint_eq(b.v[0].observed_time_ns, 999);
	/* both identities survive the resolver's shared buffer */
	ck_assert_ptr_nonnull(strstr(b.v[0].body, "spiffe://td/w1 -> spiffe://td/w2"));
	ck_assert_ptr_nonnull(strstr(b.v[0].body, "10.0.0.2:443"));
	ck_assert_ptr_nonnull(strstr(b.v[0].body, "reason 12"));
	ck_assert_uint_eq(b.v[0].trace_id[0], 0xab);
	ck_assert_uint_eq(b.v[0].span_id[0], 0xcd);
	ck_assert_str_eq(model_attrs_get(&b.v[0].attrs, "network.peer.address")->s, "10.0.0.2");
	ck_assert_int_eq(b.v[1].severity_number, MODEL_SEV_ERROR);
	ck_assert_str_eq(b.v[1].event_name, "riptides.handshake.failed");
	ck_assert_uint_eq(b.v[1].span_id[0], 0xef);	/* the handshake's span */
	ck_assert_ptr_nonnull(strstr(b.v[1].body, "TLS 1.3"));
	for (size_t i = 0; i < b.n; i++)
		model_log_clear(&b.v[i]);
	free(b.v);
	/* an allowed, healthy connection logs nothing */
	c.decision = RIPTEL_DECISION_ALLOW;
	c.hs_result = 0;
	ck_assert_int_eq(logs_conn(l, s, &c, &a, 999), 0);
	model_attrs_clear(&a);
	logs_free(l);
	spans_free(s);
}
END_TEST

START_TEST(test_identity_events)
{
	struct logs_opts o = { 0 };
	struct logs *l;
	struct riptel_record r;
	struct model_log_batch b = { 0 };
	static const int sev[] = { 0, MODEL_SEV_INFO, MODEL_SEV_INFO, MODEL_SEV_WARN,
				   MODEL_SEV_WARN };

	ck_assert_int_eq(logs_new(&o, &l), 0);
	memset(&r, 0, sizeof(r));
	r.hdr.type = RIPTEL_REC_IDENTITY;
	r.identity.serial_len = 3;
	memcpy(r.identity.serial, "\x01\xab\xff", 3);
	r.identity.not_before = 1700000000;
	r.identity.not_after = 1700003600;
	for (uint8_t op = RIPTEL_ID_ISSUED; op <= RIPTEL_ID_REVOKED; op++) {
		r.identity.op = op;
		ck_assert_int_eq(logs_identity(l, &r, op == 2 ? NULL : "spiffe://td/a", 1), 0);
	}
	r.identity.op = 9;
	ck_assert_int_eq(logs_identity(l, &r, "x", 1), -EINVAL);
	ck_assert_int_eq(logs_collect(l, &b), 0);
	ck_assert_uint_eq(b.n, 4);
	for (size_t i = 0; i < b.n; i++)
		ck_assert_int_eq(b.v[i].severity_number, sev[i + 1]);
	ck_assert_str_eq(b.v[3].event_name, "riptides.identity.revoked");
	ck_assert_str_eq(model_attrs_get(&b.v[0].attrs, "riptides.identity.serial")->s, "01abff");
	ck_assert_str_eq(model_attrs_get(&b.v[1].attrs, "riptides.spiffe_id")->s, "unknown");
	ck_assert(!model_log_has_trace(&b.v[0]));
	for (size_t i = 0; i < b.n; i++)
		model_log_clear(&b.v[i]);
	free(b.v);
	logs_free(l);
}
END_TEST

START_TEST(test_bounded)
{
	struct logs_opts o = { .max_pending = 2 };
	struct logs *l;
	struct riptel_record r;
	struct logs_stats st;
	struct model_log_batch b = { 0 };

	ck_assert_int_eq(logs_new(&o, &l), 0);
	memset(&r, 0, sizeof(r));
	r.hdr.type = RIPTEL_REC_IDENTITY;
	r.identity.op = RIPTEL_ID_ISSUED;
	ck_assert_int_eq(logs_identity(l, &r, "a", 1), 0);
	ck_assert_int_eq(logs_identity(l, &r, "a", 1), 0);
	ck_assert_int_eq(logs_identity(l, &r, "a", 1), -ENOBUFS);
	logs_stats(l, &st);
	ck_assert_uint_eq(st.emitted, 2);
	ck_assert_uint_eq(st.dropped, 1);
	/* collecting makes room again */
	logs_collect(l, &b);
	ck_assert_int_eq(logs_identity(l, &r, "a", 1), 0);
	for (size_t i = 0; i < b.n; i++)
		model_log_clear(&b.v[i]);
	free(b.v);
	logs_free(l);
	logs_free(NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("logs");
	TCase *tc = tcase_create("logs");

	tcase_add_test(tc, test_denial_and_handshake_failure);
	tcase_add_test(tc, test_identity_events);
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
