/* test_telemetry.c - the telemetry sink end to end on synthetic records. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "clock.h"
#include "telemetry.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

static const char *resolve(void *ctx, uint32_t id, uint32_t gen)
{
	(void)ctx;
	(void)gen;
	return id == 1 ? "spiffe://td/server" : id == 2 ? "spiffe://td/client" : NULL;
}

static void health(void *ctx, struct telemetry_health *h)
{
	const uint64_t *n = ctx;

	h->records_read = *n;
	h->ring_dropped[RIPTEL_REC_TCP_STATE] = 3;
	h->seq_gaps = 3;
	h->export_queue_depth = 2;
}

struct exported {
	int calls;
	size_t spans, logs, metrics;
};

static void export(void *ctx, const struct model_resource *res, struct telemetry_batches *b)
{
	struct exported *e = ctx;

	ck_assert_ptr_nonnull(model_attrs_get(&res->attrs, "service.name"));
	e->calls++;
	e->spans += b->spans ? b->spans->n : 0;
	e->logs += b->logs ? b->logs->n : 0;
	e->metrics += b->metrics ? b->metrics->n : 0;
}

static struct telemetry *make(struct telemetry_opts *o)
{
	struct telemetry *t;
	char err[128];

	o->proc_root = "tests/fixtures/proc";
	o->cgroup_root = "tests/fixtures/cgroup";
	o->resolve = resolve;
	o->clock_set = true;
	o->mono_to_real_ns = 0;
	o->mono_to_boot_ns = 0;
	o->reorder_window_ns = 100 * MS;
	if (!o->idle_lag_ns)
		o->idle_lag_ns = 1;	/* these tests step the clock by hand */
	o->resource.host_name = "test-host";
	o->resource.machine_id_path = "tests/fixtures/machine-id";
	ck_assert_int_eq(telemetry_new(o, &t, err, sizeof(err)), 0);
	return t;
}

static struct riptel_record rec(uint16_t type, uint32_t tgid, uint64_t ts)
{
	struct riptel_record r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = type;
	r.hdr.pid = r.hdr.tgid = tgid;
	r.hdr.ts_ns = ts;
	return r;
}

/* pid 300 (a k8s container in the fixture) accepts, is denied. */
static void feed_denied_inbound(struct telemetry *t, uint64_t cookie, uint64_t t0)
{
	struct riptel_record r = rec(RIPTEL_REC_CONN_INTERCEPT, 300, t0);

	r.conn.sock_cookie = cookie;
	r.conn.direction = RIPTEL_DIR_IN;
	r.conn.family = AF_INET;
	r.conn.lport = 8080;
	r.conn.rport = 50000;
	r.conn.local_id = (struct riptel_spiffe_ref){ 1, 1 };
	ck_assert_int_eq(telemetry_record(t, &r, 0), 0);
	r = rec(RIPTEL_REC_POLICY_DECISION, 0, t0 + MS);
	r.hdr.flags = RIPTEL_RF_SOFTIRQ | RIPTEL_RF_NO_TASK;
	r.decision.sock_cookie = cookie;
	r.decision.local_id = (struct riptel_spiffe_ref){ 1, 1 };
	r.decision.peer_id = (struct riptel_spiffe_ref){ 2, 1 };
	r.decision.decision = RIPTEL_DECISION_DENY;
	r.decision.reason = 4;
	ck_assert_int_eq(telemetry_record(t, &r, 0), 0);
}

static const struct model_metric *metric(const struct model_metric_batch *b, const char *n)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->v[i].name, n) == 0)
			return &b->v[i];
	return NULL;
}

static const char *sattr(const struct model_attrs *a, const char *k)
{
	const struct model_value *v = model_attrs_get(a, k);

	return v && v->type == MODEL_VALUE_STRING ? v->s : NULL;
}

START_TEST(test_end_to_end)
{
	struct telemetry_opts o = { 0 };
	uint64_t nrec = 10;
	struct telemetry *t;
	struct telemetry_batches b;
	struct riptel_record r;
	const struct model_metric *m;
	const struct model_span *sp;

	o.health = health;
	o.health_ctx = &nrec;
	t = make(&o);
	r = rec(RIPTEL_REC_EXEC, 300, 30 * SEC);
	r.exec.cgroup_id = 55;
	strcpy(r.exec.comm, "server");
	strcpy(r.exec.filename, "/app/server");
	ck_assert_int_eq(telemetry_record(t, &r, 0), 0);
	feed_denied_inbound(t, 42, 31 * SEC);
	ck_assert_int_eq(telemetry_collect(t, 32 * SEC, TELEMETRY_ALL, &b), 0);

	/* the span */
	ck_assert_uint_eq(b.spans->n, 1);
	sp = &b.spans->v[0];
	ck_assert_int_eq(sp->kind, MODEL_SPAN_SERVER);
	ck_assert_str_eq(sp->name, "accept");
	ck_assert_int_eq(sp->status_code, MODEL_STATUS_ERROR);
	ck_assert_str_eq(sattr(&sp->attrs, "container.id"),
			 "9a8b7c6d5e4f30211234567890abcdef1234567890abcdef1234567890abcdef");
	ck_assert_str_eq(sattr(&sp->attrs, "k8s.pod.uid"), "0b5e3a1c-7f2d-4c9b-8e6a-1d2c3b4a5f60");
	ck_assert_str_eq(sattr(&sp->attrs, "process.executable.name"), "server");
	ck_assert_str_eq(sattr(&sp->attrs, "riptides.local.spiffe_id"), "spiffe://td/server");
	ck_assert_str_eq(sattr(&sp->attrs, "riptides.peer.spiffe_id"), "spiffe://td/client");

	/* the denial log, tied to the span */
	ck_assert_uint_eq(b.logs->n, 1);
	ck_assert_str_eq(b.logs->v[0].event_name, "riptides.connection.denied");
	ck_assert_mem_eq(b.logs->v[0].trace_id, sp->trace_id, MODEL_TRACE_ID_LEN);
	ck_assert_mem_eq(b.logs->v[0].span_id, sp->span_id, MODEL_SPAN_ID_LEN);
	ck_assert_str_eq(sattr(&b.logs->v[0].attrs, "container.id"),
			 sattr(&sp->attrs, "container.id"));

	/* the metrics */
	m = metric(b.metrics, "riptides.connections");
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->npoints, 1);
	ck_assert_int_eq(m->points[0].as_int, 1);
	ck_assert_str_eq(sattr(&m->points[0].attrs, "riptides.decision"), "deny");
	ck_assert_str_eq(sattr(&m->points[0].attrs, "riptides.direction"), "inbound");
	ck_assert_str_eq(sattr(&m->points[0].attrs, "riptides.peer.spiffe_id"),
			 "spiffe://td/client");
	m = metric(b.metrics, "riptides.connection.denials");
	ck_assert_int_eq(model_attrs_get(&m->points[0].attrs, "riptides.decision.reason")->i, 4);
	m = metric(b.metrics, "riptides.process.execs");
	ck_assert_str_eq(sattr(&m->points[0].attrs, "process.executable.name"), "server");
	ck_assert_str_eq(sattr(&m->points[0].attrs, "k8s.pod.uid"),
			 "0b5e3a1c-7f2d-4c9b-8e6a-1d2c3b4a5f60");
	m = metric(b.metrics, "riptides.agent.records");
	ck_assert_int_eq(m->points[0].as_int, 10);
	m = metric(b.metrics, "riptides.agent.ring.drops");
	ck_assert_str_eq(sattr(&m->points[0].attrs, "riptides.record.type"), "tcp_state");
	ck_assert_int_eq(m->points[0].as_int, 3);
	m = metric(b.metrics, "riptides.agent.export.queue_depth");
	ck_assert_int_eq(m->kind, MODEL_METRIC_GAUGE);
	ck_assert_int_eq(m->points[0].as_int, 2);
	m = metric(b.metrics, "riptides.connections.active");
	ck_assert_int_eq(m->points[0].as_int, 0);
	ck_assert_ptr_nonnull(metric(b.metrics, "riptides.agent.enrichment.misses"));
	telemetry_batches_free(&b);

	/* the health totals are counted once, not again */
	nrec = 15;
	ck_assert_int_eq(telemetry_collect(t, 33 * SEC, TELEMETRY_METRICS, &b), 0);
	m = metric(b.metrics, "riptides.agent.records");
	ck_assert_int_eq(m->points[0].as_int, 15);
	m = metric(b.metrics, "riptides.agent.ring.drops");
	ck_assert_int_eq(m->points[0].as_int, 3);
	ck_assert_ptr_null(b.spans);
	telemetry_batches_free(&b);
	telemetry_free(t);
}
END_TEST

START_TEST(test_tick_exports_at_intervals)
{
	struct telemetry_opts o = { 0 };
	struct exported e = { 0 };
	struct telemetry *t;

	o.export = export;
	o.export_ctx = &e;
	o.metric_interval_ns = 10 * SEC;
	o.trace_interval_ns = 1 * SEC;
	t = make(&o);
	ck_assert_int_eq(telemetry_tick(t, 100 * SEC), 0);	/* starts the clocks */
	feed_denied_inbound(t, 1, 100 * SEC);
	ck_assert_int_eq(telemetry_tick(t, 100 * SEC + 500 * MS), 0);
	ck_assert_int_eq(e.calls, 0);
	ck_assert_int_eq(telemetry_tick(t, 101 * SEC), 0);
	ck_assert_int_eq(e.calls, 1);
	ck_assert_uint_eq(e.spans, 1);
	ck_assert_uint_eq(e.logs, 1);
	ck_assert_uint_eq(e.metrics, 0);
	ck_assert_int_eq(telemetry_tick(t, 110 * SEC), 0);
	ck_assert_uint_ge(e.metrics, 5);
	telemetry_free(t);
	telemetry_free(NULL);
}
END_TEST


/*
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE per instrument kind:
 * lowmemory makes event counters and histograms delta and the observed
 * riptides.agent.* totals cumulative; delta makes both kinds of counter
 * delta; gauges have none.
 */
START_TEST(test_temporality_preferences)
{
	static const struct {
		const char *metric;
		enum model_temporality t[TELEMETRY_TEMPORALITIES];
	} want[] = {
		{ "riptides.connections", { MODEL_TEMPORALITY_CUMULATIVE,
		  MODEL_TEMPORALITY_DELTA, MODEL_TEMPORALITY_DELTA } },
		{ "riptides.connection.denials", { MODEL_TEMPORALITY_CUMULATIVE,
		  MODEL_TEMPORALITY_DELTA, MODEL_TEMPORALITY_DELTA } },
		{ "riptides.agent.records", { MODEL_TEMPORALITY_CUMULATIVE,
		  MODEL_TEMPORALITY_DELTA, MODEL_TEMPORALITY_CUMULATIVE } },
		{ "riptides.agent.ring.drops", { MODEL_TEMPORALITY_CUMULATIVE,
		  MODEL_TEMPORALITY_DELTA, MODEL_TEMPORALITY_CUMULATIVE } },
	};
	enum telemetry_temporality p = (enum telemetry_temporality)_i;
	struct telemetry_opts o = { .temporality = p };
	uint64_t nrec = 10;
	struct telemetry_batches b;
	const struct model_metric *m;
	struct telemetry *t;

	o.health = health;
	o.health_ctx = &nrec;
	t = make(&o);
	feed_denied_inbound(t, 1, 10 * SEC);
	ck_assert_int_eq(telemetry_collect(t, 11 * SEC, TELEMETRY_METRICS, &b), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		m = metric(b.metrics, want[i].metric);
		ck_assert_ptr_nonnull(m);
		ck_assert_msg(m->temporality == want[i].t[p], "%s under %s: %d",
			      want[i].metric, telemetry_temporality_name(p), m->temporality);
	}
	/* histograms (recorded at close) follow the counters' rule */
	m = metric(b.metrics, "riptides.connections.active");
	ck_assert_int_eq(m->kind, MODEL_METRIC_GAUGE);
	telemetry_batches_free(&b);
	/* the observed total is cumulative under lowmemory: 15, not 5 */
	nrec = 15;
	ck_assert_int_eq(telemetry_collect(t, 12 * SEC, TELEMETRY_METRICS, &b), 0);
	m = metric(b.metrics, "riptides.agent.records");
	ck_assert_int_eq(m->points[0].as_int, p == TELEMETRY_TEMPORALITY_DELTA ? 5 : 15);
	telemetry_batches_free(&b);
	telemetry_free(t);

	ck_assert_str_eq(telemetry_temporality_name(TELEMETRY_TEMPORALITY_LOWMEMORY),
			 "lowmemory");
	ck_assert(telemetry_temporality_parse("LowMemory", &p));
	ck_assert_int_eq(p, TELEMETRY_TEMPORALITY_LOWMEMORY);
	ck_assert(!telemetry_temporality_parse("low memory", &p));
	ck_assert_ptr_null(telemetry_temporality_name(TELEMETRY_TEMPORALITIES));
}
END_TEST

/* A fake wall clock: MONOTONIC is fake_mono, REALTIME fake_mono + fake_real. */
static uint64_t fake_mono;
static int64_t fake_real;

static int fake_gettime(clockid_t id, struct timespec *ts)
{
	uint64_t ns = id == CLOCK_MONOTONIC ? fake_mono
					    : (uint64_t)((int64_t)fake_mono + fake_real);

	ts->tv_sec = (time_t)(ns / SEC);
	ts->tv_nsec = (long)(ns % SEC);
	return 0;
}

/*
 * The host booted with its clock at 1970 + 1000 s; NTP then steps it to
 * 2023.  Spans, logs and metrics made after the step carry the stepped
 * time, and cumulative start times move with it (before, the offset was
 * taken once at start and every timestamp stayed in 1970).
 */
START_TEST(test_wall_clock_step_followed)
{
	const int64_t wrong = 1000 * (int64_t)SEC, right = 1700000000 * (int64_t)SEC;
	struct telemetry_opts o = { 0 };
	struct telemetry_batches b;
	const struct model_metric *m;
	struct clock_conv clk;
	struct telemetry *t;

	fake_mono = 5 * SEC;
	fake_real = wrong;
	ck_assert_int_eq(clock_init(&clk, fake_gettime, SEC), 0);
	o.clock = &clk;
	t = make(&o);
	feed_denied_inbound(t, 1, 10 * SEC);
	ck_assert_int_eq(telemetry_collect(t, 11 * SEC, TELEMETRY_ALL, &b), 0);
	ck_assert_uint_eq(b.spans->n, 1);
	ck_assert_uint_eq(b.spans->v[0].start_time_ns, 10 * SEC + wrong);
	ck_assert_uint_eq(b.logs->v[0].time_ns, 10 * SEC + MS + wrong);
	m = metric(b.metrics, "riptides.connections");
	ck_assert_uint_eq(m->points[0].time_ns, 11 * SEC + wrong);
	telemetry_batches_free(&b);

	/* NTP steps the clock; the pipeline refreshes its clock_conv */
	fake_mono = 15 * SEC;
	fake_real = right;
	ck_assert_int_eq(clock_maybe_refresh(&clk, fake_mono), 0);
	ck_assert_uint_eq(clk.steps, 1);
	feed_denied_inbound(t, 2, 20 * SEC);
	ck_assert_int_eq(telemetry_collect(t, 21 * SEC, TELEMETRY_ALL, &b), 0);
	ck_assert_uint_eq(b.spans->n, 1);
	ck_assert_uint_eq(b.spans->v[0].start_time_ns, 20 * SEC + right);
	ck_assert_uint_eq(b.spans->v[0].end_time_ns, 20 * SEC + MS + right);
	ck_assert_uint_eq(b.logs->v[0].time_ns, 20 * SEC + MS + right);
	ck_assert_uint_eq(b.logs->v[0].observed_time_ns, 21 * SEC + right);
	m = metric(b.metrics, "riptides.connections");
	ck_assert_uint_eq(m->points[0].time_ns, 21 * SEC + right);
	/* the series began before the step, at 10 s of the monotonic clock */
	ck_assert_uint_eq(m->points[0].start_time_ns, 10 * SEC + MS + right);
	ck_assert_uint_le(m->points[0].start_time_ns, m->points[0].time_ns);
	telemetry_batches_free(&b);
	telemetry_free(t);
}
END_TEST

START_TEST(test_delta_and_filter)
{
	struct telemetry_opts o = { .temporality = TELEMETRY_TEMPORALITY_DELTA };
	struct telemetry *t = make(&o);
	struct telemetry_batches b;
	const struct model_metric *m;

	ck_assert_int_eq(telemetry_metric_filter(t, "riptides.connections", NULL,
						 "riptides.peer.spiffe_id"), 0);
	ck_assert_int_eq(telemetry_metric_filter(t, "no.such.metric", NULL, NULL), -ENOENT);
	feed_denied_inbound(t, 1, 10 * SEC);
	ck_assert_int_eq(telemetry_collect(t, 11 * SEC, TELEMETRY_METRICS, &b), 0);
	m = metric(b.metrics, "riptides.connections");
	ck_assert_int_eq(m->temporality, MODEL_TEMPORALITY_DELTA);
	ck_assert_ptr_null(model_attrs_get(&m->points[0].attrs, "riptides.peer.spiffe_id"));
	telemetry_batches_free(&b);
	ck_assert_int_eq(telemetry_collect(t, 12 * SEC, TELEMETRY_METRICS, &b), 0);
	ck_assert_ptr_null(metric(b.metrics, "riptides.connections"));
	telemetry_batches_free(&b);
	telemetry_free(t);
}
END_TEST

/*
 * A connection's close reaches the agent from one CPU's ring before its
 * intercept and decision from another's, and the clock passes the reorder
 * window meanwhile (a drain lagging behind): the late records must still
 * join the span, not make a second, identity-less one.
 */
START_TEST(test_lagging_cpu_joins_span)
{
	struct telemetry_opts o = { .idle_lag_ns = 2 * SEC };
	struct telemetry *t = make(&o);
	struct telemetry_batches b;
	struct riptel_record r = rec(RIPTEL_REC_CONN_CLOSE, 300, 10 * SEC + 50 * MS);

	r.close.sock_cookie = 77;
	r.close.bytes_sent = 5;
	ck_assert_int_eq(telemetry_record(t, &r, 0), 0);
	/* idle tick after the window: the CPU with the intercept is lagging */
	ck_assert_int_eq(telemetry_collect(t, 10 * SEC + 600 * MS, TELEMETRY_SPANS, &b), 0);
	ck_assert_uint_eq(b.spans->n, 0);
	telemetry_batches_free(&b);
	/* and the once-a-second tick does not finish it either */
	ck_assert_int_eq(telemetry_tick(t, 11 * SEC), 0);
	feed_denied_inbound(t, 77, 10 * SEC);
	/* past window + lag: now finished, with the intercept's identity */
	ck_assert_int_eq(telemetry_collect(t, 13 * SEC, TELEMETRY_SPANS, &b), 0);
	ck_assert_uint_eq(b.spans->n, 1);
	ck_assert_str_eq(sattr(&b.spans->v[0].attrs, "riptides.decision"), "deny");
	telemetry_batches_free(&b);
	telemetry_free(t);
}
END_TEST

/* The metrics.attribute_filters syntax: all checked before any applies. */
START_TEST(test_filter_spec)
{
	struct telemetry_opts o = { 0 };
	struct telemetry *t = make(&o);
	struct telemetry_batches b;
	const struct model_metric *m;
	char err[256] = "";

	ck_assert_int_eq(telemetry_metric_filters(t,
		"riptides.connections:deny=riptides.peer.spiffe_id;no.such:deny=x",
		err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "unknown metric 'no.such'"), "%s", err);
	ck_assert_int_eq(telemetry_metric_filters(t, "riptides.connections",
						  err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(telemetry_metric_filters(t,
		"riptides.connections:deny=a:deny=b", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(telemetry_metric_filters(t,
		"riptides.connections:permit=a", err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "permit=a"), "%s", err);
	/* nothing applied so far: the peer ID is still there */
	feed_denied_inbound(t, 1, 10 * SEC);
	ck_assert_int_eq(telemetry_collect(t, 11 * SEC, TELEMETRY_METRICS, &b), 0);
	m = metric(b.metrics, "riptides.connections");
	ck_assert_ptr_nonnull(model_attrs_get(&m->points[0].attrs,
					      "riptides.peer.spiffe_id"));
	telemetry_batches_free(&b);
	telemetry_free(t);

	t = make(&o);
	ck_assert_int_eq(telemetry_metric_filters(t,
		" riptides.connections:deny=riptides.peer.spiffe_id;"
		"riptides.handshakes:allow=tls.protocol.version", err,
		sizeof(err)), 0);
	feed_denied_inbound(t, 1, 10 * SEC);
	ck_assert_int_eq(telemetry_collect(t, 11 * SEC, TELEMETRY_METRICS, &b), 0);
	m = metric(b.metrics, "riptides.connections");
	ck_assert_ptr_null(model_attrs_get(&m->points[0].attrs,
					   "riptides.peer.spiffe_id"));
	telemetry_batches_free(&b);
	telemetry_free(t);
}
END_TEST

/* An intercept from softirq: no process, but the cgroup names the container. */
START_TEST(test_taskless_intercept_uses_cgroup)
{
	struct telemetry_opts o = { 0 };
	struct telemetry *t = make(&o);
	struct telemetry_batches b;
	struct riptel_record r = rec(RIPTEL_REC_CONN_INTERCEPT, 7, 5 * SEC);
	struct stat st;

	ck_assert_int_eq(stat("tests/fixtures/cgroup/system.slice/docker-4f3b2a1c9d8e7f6012"
			      "3456789abcdef0123456789abcdef0123456789abcdef0.scope", &st), 0);
	r.hdr.flags = RIPTEL_RF_SOFTIRQ | RIPTEL_RF_NO_TASK;
	r.conn.sock_cookie = 3;
	r.conn.cgroup_id = st.st_ino;
	r.conn.direction = RIPTEL_DIR_IN;
	ck_assert_int_eq(telemetry_record(t, &r, 0), 0);
	r = rec(RIPTEL_REC_CONN_CLOSE, 0, 6 * SEC);
	r.close.sock_cookie = 3;
	ck_assert_int_eq(telemetry_record(t, &r, 0), 0);
	ck_assert_int_eq(telemetry_collect(t, 7 * SEC, TELEMETRY_SPANS, &b), 0);
	ck_assert_uint_eq(b.spans->n, 1);
	ck_assert_str_eq(sattr(&b.spans->v[0].attrs, "container.id"),
			 "4f3b2a1c9d8e7f60123456789abcdef0123456789abcdef0123456789abcdef0");
	ck_assert_ptr_null(model_attrs_get(&b.spans->v[0].attrs, "process.pid"));
	telemetry_batches_free(&b);
	telemetry_free(t);
}
END_TEST

START_TEST(test_bad_options)
{
	struct telemetry_opts o = { .cmdline = true, .redact_rules = "([bad" };
	struct telemetry *t = NULL;
	char err[128] = "";

	ck_assert_int_eq(telemetry_new(&o, &t, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(strstr(err, "([bad"));
}
END_TEST

START_TEST(test_as_sink)
{
	struct telemetry_opts o = { 0 };
	struct exported e = { 0 };
	struct telemetry *t;
	struct sink s;

	o.export = export;
	o.export_ctx = &e;
	t = make(&o);
	telemetry_as_sink(t, &s);
	ck_assert_str_eq(s.name, "telemetry");
	feed_denied_inbound(t, 1, 10 * SEC);
	s.flush(s.ctx);		/* idle flush: finished spans go out */
	ck_assert_uint_eq(e.spans, 1);
	s.destroy(s.ctx);	/* shutdown: metrics too */
	ck_assert_uint_ge(e.metrics, 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("telemetry");
	TCase *tc = tcase_create("telemetry");

	tcase_add_test(tc, test_end_to_end);
	tcase_add_test(tc, test_tick_exports_at_intervals);
	tcase_add_test(tc, test_delta_and_filter);
	tcase_add_loop_test(tc, test_temporality_preferences, 0, TELEMETRY_TEMPORALITIES);
	tcase_add_test(tc, test_wall_clock_step_followed);
	tcase_add_test(tc, test_filter_spec);
	tcase_add_test(tc, test_lagging_cpu_joins_span);
	tcase_add_test(tc, test_taskless_intercept_uses_cgroup);
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_as_sink);
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
