/* test_spans.c - connection spans from out-of-order records across CPUs. */
#include <check.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "spans.h"

#define MS 1000000ULL
#define WINDOW (100 * MS)

static const char *resolve(void *ctx, uint32_t id, uint32_t gen)
{
	(void)ctx;
	if (id == 1 && gen == 1)
		return "spiffe://example.org/client";
	if (id == 2 && gen == 1)
		return "spiffe://example.org/server";
	return NULL;	/* includes {2, 0}: a stale generation */
}

static struct spans *make(size_t max_open, bool flush_unfinished)
{
	struct spans_opts o = {
		.max_open = max_open, .reorder_window_ns = WINDOW,
		.flush_unfinished = flush_unfinished, .tcp_spans = true,
		.mono_to_real_ns = 1000, .resolve = resolve,
	};
	struct spans *s;

	ck_assert_int_eq(spans_new(&o, &s), 0);
	return s;
}

static struct riptel_record rec(uint16_t type, uint16_t cpu, uint64_t ts)
{
	struct riptel_record r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = type;
	r.hdr.cpu = cpu;
	r.hdr.ts_ns = ts;
	r.hdr.pid = r.hdr.tgid = 4242;
	return r;
}

/* The records of one outbound mTLS connection, time-ordered. */
static void conn_records(struct riptel_record *v, uint64_t cookie, uint64_t t0,
			 uint8_t decision, int32_t hs_result)
{
	v[0] = rec(RIPTEL_REC_CONN_INTERCEPT, 0, t0);
	v[0].conn.sock_cookie = cookie;
	v[0].conn.direction = RIPTEL_DIR_OUT;
	v[0].conn.family = AF_INET;
	v[0].conn.lport = 40000;
	v[0].conn.rport = 443;
	memcpy(v[0].conn.laddr, "\x0a\x00\x00\x01", 4);
	memcpy(v[0].conn.raddr, "\x0a\x00\x00\x02", 4);
	v[0].conn.local_id = (struct riptel_spiffe_ref){ 1, 1 };
	v[1] = rec(RIPTEL_REC_POLICY_DECISION, 1, t0 + 1 * MS);
	v[1].decision.sock_cookie = cookie;
	v[1].decision.local_id = (struct riptel_spiffe_ref){ 1, 1 };
	v[1].decision.peer_id = (struct riptel_spiffe_ref){ 2, 1 };
	v[1].decision.decision = decision;
	v[1].decision.tls_mode = RIPTEL_TLS_MODE_MUTUAL;
	v[1].decision.reason = 7;
	v[1].decision.rule = 3;
	v[2] = rec(RIPTEL_REC_HANDSHAKE_START, 2, t0 + 2 * MS);
	v[2].handshake.sock_cookie = cookie;
	v[2].handshake.tls_version = 0x0304;
	v[3] = rec(RIPTEL_REC_HANDSHAKE_DONE, 3, t0 + 5 * MS);
	v[3].handshake.sock_cookie = cookie;
	v[3].handshake.tls_version = 0x0304;
	v[3].handshake.result = hs_result;
	v[3].handshake.duration_ns = 3 * MS;
	v[3].handshake.peer_id = (struct riptel_spiffe_ref){ 2, 1 };
	v[4] = rec(RIPTEL_REC_CONN_CLOSE, 0, t0 + 50 * MS);
	v[4].close.sock_cookie = cookie;
	v[4].close.bytes_sent = 1000;
	v[4].close.bytes_received = 2000;
	v[4].close.duration_ns = 50 * MS;
}

static const char *sattr(const struct model_attrs *a, const char *k)
{
	const struct model_value *v = model_attrs_get(a, k);

	return v && v->type == MODEL_VALUE_STRING ? v->s : NULL;
}

static int64_t iattr(const struct model_attrs *a, const char *k)
{
	const struct model_value *v = model_attrs_get(a, k);

	ck_assert_msg(v && v->type == MODEL_VALUE_INT, "no int %s", k);
	return v->i;
}

static void check_conn_span(const struct model_span_batch *b, uint64_t t0)
{
	const struct model_span *sp = &b->v[0], *hs = &b->v[1];

	ck_assert_uint_eq(b->n, 2);
	ck_assert_str_eq(sp->name, "connect");
	ck_assert_int_eq(sp->kind, MODEL_SPAN_CLIENT);
	ck_assert_uint_eq(sp->start_time_ns, t0 + 1000);
	ck_assert_uint_eq(sp->end_time_ns, t0 + 50 * MS + 1000);
	ck_assert_int_eq(sp->status_code, MODEL_STATUS_UNSET);
	ck_assert_str_eq(sattr(&sp->attrs, "network.transport"), "tcp");
	ck_assert_str_eq(sattr(&sp->attrs, "network.type"), "ipv4");
	ck_assert_str_eq(sattr(&sp->attrs, "network.local.address"), "10.0.0.1");
	ck_assert_str_eq(sattr(&sp->attrs, "network.peer.address"), "10.0.0.2");
	ck_assert_int_eq(iattr(&sp->attrs, "network.peer.port"), 443);
	ck_assert_int_eq(iattr(&sp->attrs, "network.local.port"), 40000);
	ck_assert_str_eq(sattr(&sp->attrs, "riptides.local.spiffe_id"),
			 "spiffe://example.org/client");
	ck_assert_str_eq(sattr(&sp->attrs, "riptides.peer.spiffe_id"),
			 "spiffe://example.org/server");
	ck_assert_str_eq(sattr(&sp->attrs, "riptides.decision"), "allow");
	ck_assert_str_eq(sattr(&sp->attrs, "riptides.tls.mode"), "mutual");
	ck_assert_str_eq(sattr(&sp->attrs, "tls.protocol.version"), "1.3");
	ck_assert_int_eq(iattr(&sp->attrs, "riptides.bytes.sent"), 1000);
	ck_assert_int_eq(iattr(&sp->attrs, "riptides.bytes.received"), 2000);
	ck_assert_uint_eq(sp->nevents, 1);
	ck_assert_str_eq(sp->events[0].name, "riptides.policy.decision");
	ck_assert_uint_eq(sp->events[0].time_ns, t0 + 1 * MS + 1000);
	ck_assert_int_eq(iattr(&sp->events[0].attrs, "riptides.policy.rule"), 3);
	/* the handshake: a child in the same trace */
	ck_assert_str_eq(hs->name, "tls handshake");
	ck_assert_int_eq(hs->kind, MODEL_SPAN_INTERNAL);
	ck_assert_mem_eq(hs->trace_id, sp->trace_id, MODEL_TRACE_ID_LEN);
	ck_assert_mem_eq(hs->parent_span_id, sp->span_id, MODEL_SPAN_ID_LEN);
	ck_assert_mem_ne(hs->span_id, sp->span_id, MODEL_SPAN_ID_LEN);
	ck_assert_uint_eq(hs->start_time_ns, t0 + 2 * MS + 1000);
	ck_assert_uint_eq(hs->end_time_ns, t0 + 5 * MS + 1000);
	ck_assert(!model_span_has_parent(sp));
}

/* Every order of the five records gives the same span. */
START_TEST(test_all_orders)
{
	static const int perms[][5] = {
		{ 0, 1, 2, 3, 4 }, { 4, 3, 2, 1, 0 }, { 4, 0, 1, 2, 3 }, { 1, 0, 4, 3, 2 },
		{ 3, 4, 1, 2, 0 }, { 2, 4, 0, 3, 1 }, { 1, 3, 0, 4, 2 }, { 0, 4, 3, 1, 2 },
	};
	struct riptel_record v[5], tick;
	struct spans *s = make(0, false);
	struct model_span_batch b = { 0 };
	struct spans_stats st;
	const int *p = perms[_i];

	conn_records(v, 77, 1000 * MS, RIPTEL_DECISION_ALLOW, 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(spans_record(s, &v[p[i]], NULL), 0);
	/* closed but inside the reorder window: not yet finished */
	ck_assert_int_eq(spans_collect(s, &b), 0);
	ck_assert_uint_eq(b.n, 0);
	/* a record from another connection moves time past the window */
	tick = rec(RIPTEL_REC_HANDSHAKE_START, 5, 1000 * MS + 50 * MS + WINDOW);
	tick.handshake.sock_cookie = 999;
	spans_record(s, &tick, NULL);
	ck_assert_int_eq(spans_collect(s, &b), 0);
	check_conn_span(&b, 1000 * MS);
	spans_stats(s, &st);
	ck_assert_uint_eq(st.finished, 1);
	ck_assert_uint_eq(st.open, 1);		/* cookie 999 */
	ck_assert_uint_eq(st.active, 1);
	for (size_t i = 0; i < b.n; i++)
		model_span_clear(&b.v[i]);
	free(b.v);
	spans_free(s);
}
END_TEST

/* Two CPUs' streams interleaved in blocks, as the drain reads them. */
START_TEST(test_interleaved_cpus_many)
{
	enum { N = 200 };
	static struct riptel_record cpu0[N * 5], cpu1[N * 5];
	struct spans *s = make(0, false);
	struct model_span_batch b = { 0 };
	size_t n0 = 0, n1 = 0, i0 = 0, i1 = 0;
	struct spans_stats st;

	for (int c = 0; c < N; c++) {
		struct riptel_record v[5];

		conn_records(v, 1000 + c, (uint64_t)c * 10 * MS, RIPTEL_DECISION_ALLOW, 0);
		/* intercept and close on CPU 0, the rest on CPU 1 */
		cpu0[n0++] = v[0];
		cpu1[n1++] = v[1];
		cpu1[n1++] = v[2];
		cpu1[n1++] = v[3];
		cpu0[n0++] = v[4];
	}
	/* drain 37 records of CPU 1, then 23 of CPU 0, and so on */
	while (i0 < n0 || i1 < n1) {
		for (int k = 0; k < 37 && i1 < n1; k++)
			spans_record(s, &cpu1[i1++], NULL);
		for (int k = 0; k < 23 && i0 < n0; k++)
			spans_record(s, &cpu0[i0++], NULL);
	}
	spans_advance(s, (uint64_t)N * 10 * MS + 60 * MS + WINDOW);
	spans_collect(s, &b);
	ck_assert_uint_eq(b.n, 2 * N);
	for (size_t i = 0; i < b.n; i++) {
		const struct model_span *sp = &b.v[i];

		if (model_span_has_parent(sp))
			continue;
		ck_assert_str_eq(sattr(&sp->attrs, "riptides.decision"), "allow");
		ck_assert_int_eq(iattr(&sp->attrs, "riptides.bytes.sent"), 1000);
		ck_assert_int_eq(iattr(&sp->attrs, "network.peer.port"), 443);
		ck_assert_int_eq(sp->kind, MODEL_SPAN_CLIENT);
	}
	spans_stats(s, &st);
	ck_assert_uint_eq(st.late, 0);
	ck_assert_uint_eq(st.open, 0);
	for (size_t i = 0; i < b.n; i++)
		model_span_clear(&b.v[i]);
	free(b.v);
	spans_free(s);
}
END_TEST

START_TEST(test_deny_is_error)
{
	struct riptel_record v[5];
	struct spans *s = make(0, false);
	struct model_span_batch b = { 0 };

	conn_records(v, 5, 0, RIPTEL_DECISION_DENY, 0);
	spans_record(s, &v[1], NULL);	/* decision first */
	spans_record(s, &v[0], NULL);
	/* no close ever comes: the deny ends it */
	spans_advance(s, 1 * MS + WINDOW);
	spans_collect(s, &b);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_int_eq(b.v[0].status_code, MODEL_STATUS_ERROR);
	ck_assert_ptr_nonnull(strstr(b.v[0].status_message, "denied"));
	ck_assert_str_eq(sattr(&b.v[0].attrs, "riptides.decision"), "deny");
	model_span_clear(&b.v[0]);
	free(b.v);
	spans_free(s);
}
END_TEST

START_TEST(test_handshake_failure_and_unknown_id)
{
	struct riptel_record v[5];
	struct spans *s = make(0, false);
	struct model_span_batch b = { 0 };

	conn_records(v, 6, 0, RIPTEL_DECISION_ALLOW, -ECONNRESET);
	v[3].handshake.peer_id = (struct riptel_spiffe_ref){ 2, 0 };	/* stale */
	v[1].decision.peer_id = (struct riptel_spiffe_ref){ 2, 0 };
	for (int i = 0; i < 5; i++)
		spans_record(s, &v[i], NULL);
	spans_advance(s, 50 * MS + WINDOW);
	spans_collect(s, &b);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_int_eq(b.v[0].status_code, MODEL_STATUS_ERROR);
	ck_assert_ptr_nonnull(strstr(b.v[0].status_message, "handshake"));
	ck_assert_int_eq(b.v[1].status_code, MODEL_STATUS_ERROR);
	ck_assert_str_eq(sattr(&b.v[0].attrs, "riptides.peer.spiffe_id"), "unknown");
	for (size_t i = 0; i < b.n; i++)
		model_span_clear(&b.v[i]);
	free(b.v);
	spans_free(s);
}
END_TEST

START_TEST(test_tcp_only_and_reset)
{
	struct spans *s = make(0, false);
	struct model_span_batch b = { 0 };
	struct riptel_record r;

	r = rec(RIPTEL_REC_TCP_STATE, 0, 10 * MS);
	r.tcp.sock_cookie = 9;
	r.tcp.family = AF_INET6;
	r.tcp.sport = 5555;
	r.tcp.dport = 80;
	r.tcp.daddr[15] = 1;	/* ::1 */
	r.tcp.oldstate = TCP_CLOSE;
	r.tcp.newstate = TCP_SYN_SENT;
	spans_record(s, &r, NULL);
	r.hdr.ts_ns = 11 * MS;
	r.tcp.oldstate = TCP_SYN_SENT;
	r.tcp.newstate = TCP_ESTABLISHED;
	spans_record(s, &r, NULL);
	r.hdr.ts_ns = 20 * MS;
	r.tcp.oldstate = TCP_ESTABLISHED;
	r.tcp.newstate = TCP_CLOSE;	/* no FIN exchange: a reset */
	spans_record(s, &r, NULL);
	/* listening sockets are not connections */
	r.tcp.sock_cookie = 10;
	r.tcp.oldstate = TCP_CLOSE;
	r.tcp.newstate = TCP_LISTEN;
	spans_record(s, &r, NULL);
	spans_advance(s, 20 * MS + WINDOW);
	spans_collect(s, &b);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_int_eq(b.v[0].kind, MODEL_SPAN_CLIENT);
	ck_assert_str_eq(sattr(&b.v[0].attrs, "network.type"), "ipv6");
	ck_assert_str_eq(sattr(&b.v[0].attrs, "network.peer.address"), "::1");
	ck_assert_int_eq(b.v[0].status_code, MODEL_STATUS_ERROR);
	ck_assert_str_eq(b.v[0].status_message, "connection reset");
	ck_assert_uint_eq(b.v[0].end_time_ns - b.v[0].start_time_ns, 10 * MS);
	model_span_clear(&b.v[0]);
	free(b.v);
	spans_free(s);
}
END_TEST

/* One TCP-only connection by @tgid: connect, established, closed by softirq. */
static void tcp_conn(struct spans *s, uint64_t cookie, uint32_t tgid)
{
	struct riptel_record r = rec(RIPTEL_REC_TCP_STATE, 0, 10 * MS);

	r.hdr.pid = r.hdr.tgid = tgid;
	r.tcp.sock_cookie = cookie;
	r.tcp.family = AF_INET;
	r.tcp.oldstate = TCP_CLOSE;
	r.tcp.newstate = TCP_SYN_SENT;
	spans_record(s, &r, NULL);
	r.hdr.flags = RIPTEL_RF_SOFTIRQ | RIPTEL_RF_NO_TASK;
	r.hdr.pid = r.hdr.tgid = 0;
	r.hdr.ts_ns = 11 * MS;
	r.tcp.oldstate = TCP_SYN_SENT;
	r.tcp.newstate = TCP_ESTABLISHED;
	spans_record(s, &r, NULL);
	r.hdr.ts_ns = 20 * MS;
	r.tcp.oldstate = TCP_LAST_ACK;
	r.tcp.newstate = TCP_CLOSE;
	spans_record(s, &r, NULL);
}

START_TEST(test_ignore_own_connections)
{
	struct spans_opts o = {
		.reorder_window_ns = WINDOW, .tcp_spans = true,
		.mono_to_real_ns = 1000, .resolve = resolve, .ignore_tgid = 777,
	};
	struct model_span_batch b = { 0 };
	struct spans *s;

	ck_assert_int_eq(spans_new(&o, &s), 0);
	tcp_conn(s, 31, 777);	/* the agent's own export connection */
	tcp_conn(s, 32, 778);	/* somebody else's */
	spans_advance(s, 20 * MS + WINDOW);
	spans_collect(s, &b);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_int_eq(iattr(&b.v[0].attrs, "process.pid"), 778);
	model_span_clear(&b.v[0]);
	free(b.v);
	spans_free(s);
}
END_TEST

START_TEST(test_bounded_late_and_flush)
{
	struct spans *s = make(4, true);
	struct model_span_batch b = { 0 };
	struct spans_stats st;
	struct riptel_record v[5];

	for (uint64_t c = 1; c <= 10; c++) {
		conn_records(v, c, c * MS, RIPTEL_DECISION_ALLOW, 0);
		spans_record(s, &v[0], NULL);	/* intercept only: stays open */
	}
	spans_stats(s, &st);
	ck_assert_uint_eq(st.open, 4);
	ck_assert_uint_eq(st.evicted, 6);
	ck_assert_uint_eq(st.active, 4);
	/* finish cookie 10, then a straggler for it is late, not a new span */
	conn_records(v, 10, 10 * MS, RIPTEL_DECISION_ALLOW, 0);
	spans_record(s, &v[4], NULL);
	spans_advance(s, 10 * MS + 50 * MS + WINDOW);
	spans_record(s, &v[2], NULL);
	spans_stats(s, &st);
	ck_assert_uint_eq(st.late, 1);
	ck_assert_uint_eq(st.open, 3);
	/* shutdown with flush_unfinished: the 3 open ones come out marked */
	spans_flush(s, 1000 * MS);
	spans_collect(s, &b);
	ck_assert_uint_eq(b.n, 4);
	for (size_t i = 1; i < b.n; i++) {
		const struct model_value *u = model_attrs_get(&b.v[i].attrs,
							      "riptides.span.unfinished");

		ck_assert_ptr_nonnull(u);
		ck_assert(u->b);
		ck_assert_uint_eq(b.v[i].end_time_ns, 1000 * MS + 1000);
	}
	for (size_t i = 0; i < b.n; i++)
		model_span_clear(&b.v[i]);
	free(b.v);
	spans_stats(s, &st);
	ck_assert_uint_eq(st.open, 0);
	ck_assert_uint_eq(st.active, 0);
	spans_free(s);
	spans_free(NULL);
}
END_TEST

START_TEST(test_no_flush_unfinished)
{
	struct spans *s = make(0, false);
	struct model_span_batch b = { 0 };
	struct riptel_record v[5];

	conn_records(v, 1, MS, RIPTEL_DECISION_ALLOW, 0);
	spans_record(s, &v[0], NULL);
	spans_flush(s, 1000 * MS);
	spans_collect(s, &b);
	ck_assert_uint_eq(b.n, 0);
	free(b.v);
	spans_free(s);
}
END_TEST

START_TEST(test_names)
{
	char buf[16];

	ck_assert_str_eq(spans_tls_version_name(0x0303, buf), "1.2");
	ck_assert_str_eq(spans_tls_version_name(0x7f1c, buf), "0x7f1c");
	ck_assert_str_eq(spans_tls_version_name(0, buf), "");
	ck_assert_ptr_null(spans_spiffe(NULL, (struct riptel_spiffe_ref){ 0, 0 }));
	ck_assert_str_eq(spans_spiffe(NULL, (struct riptel_spiffe_ref){ 3, 1 }), "unknown");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("spans");
	TCase *tc = tcase_create("spans");

	tcase_add_loop_test(tc, test_all_orders, 0, 8);
	tcase_add_test(tc, test_interleaved_cpus_many);
	tcase_add_test(tc, test_deny_is_error);
	tcase_add_test(tc, test_handshake_failure_and_unknown_id);
	tcase_add_test(tc, test_tcp_only_and_reset);
	tcase_add_test(tc, test_ignore_own_connections);
	tcase_add_test(tc, test_bounded_late_and_flush);
	tcase_add_test(tc, test_no_flush_unfinished);
	tcase_add_test(tc, test_names);
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
