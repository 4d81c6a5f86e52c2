/* telemetry.c - the sink turning records into metrics, spans and logs. */
#include "telemetry.h"
#include "clock.h"
#include "record.h"
#include "enrich_cgroup.h"
#include "enrich_proc.h"
#include "logs.h"
#include "metrics.h"
#include "redact.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_METRIC_INTERVAL	60000000000ULL
#define DEFAULT_TRACE_INTERVAL	5000000000ULL

enum {
	M_CONNECTIONS, M_DENIALS, M_HANDSHAKES, M_CONN_DURATION, M_HS_DURATION,
	M_CONN_BYTES, M_EXECS, M_ACTIVE, M_RECORDS, M_RING_DROPS, M_SEQ_GAPS,
	M_QUEUE_DROPS, M_ENRICH_MISSES, M_EXPORT_DEPTH, M_EXPORT_FAILURES,
	M_SPANS_EVICTED, M_COUNT
};

static const double duration_bounds[] = {
	0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600
};
static const double hs_bounds[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
};
static const double bytes_bounds[] = {
	0, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216,
	67108864, 268435456, 1073741824
};
#define NB(a) (sizeof(a) / sizeof((a)[0]))

/* The metric table; the README's metric table mirrors it. */
static const struct metrics_desc metric_table[M_COUNT] = {
	[M_CONNECTIONS] = { "riptides.connections", "Connections finished, by identities, direction and decision", "{connection}", MODEL_METRIC_SUM, true, NULL, 0 },
	[M_DENIALS] = { "riptides.connection.denials", "Connections denied by policy, by reason", "{connection}", MODEL_METRIC_SUM, true, NULL, 0 },
	[M_HANDSHAKES] = { "riptides.handshakes", "TLS handshakes completed, by TLS version and result", "{handshake}", MODEL_METRIC_SUM, true, NULL, 0 },
	[M_CONN_DURATION] = { "riptides.connection.duration", "Connection lifetime", "s", MODEL_METRIC_HISTOGRAM, false, duration_bounds, NB(duration_bounds) },
	[M_HS_DURATION] = { "riptides.handshake.duration", "TLS handshake duration", "s", MODEL_METRIC_HISTOGRAM, false, hs_bounds, NB(hs_bounds) },
	[M_CONN_BYTES] = { "riptides.connection.io", "Bytes per connection, by I/O direction", "By", MODEL_METRIC_HISTOGRAM, false, bytes_bounds, NB(bytes_bounds) },
	[M_EXECS] = { "riptides.process.execs", "Process executions, by executable and identity", "{exec}", MODEL_METRIC_SUM, true, NULL, 0 },
	[M_ACTIVE] = { "riptides.connections.active", "Connections open now", "{connection}", MODEL_METRIC_GAUGE, false, NULL, 0 },
	[M_RECORDS] = { "riptides.agent.records", "Records read from the kernel rings", "{record}", MODEL_METRIC_SUM, true, NULL, 0 },
	[M_RING_DROPS] = { "riptides.agent.ring.drops", "Records the kernel dropped, by record type", "{record}", MODEL_METRIC_SUM, true, NULL, 0 },
	[M_SEQ_GAPS] = { "riptides.agent.seq_gaps", "Records missing from the per-CPU sequence", "{record}", MODEL_METRIC_SUM, true, NULL, 0 },
	[M_QUEUE_DROPS] = { "riptides.agent.queue.drops", "Records dropped between ring drain and pipeline", "{record}", MODEL_METRIC_SUM, true, NULL, 0 },
	[M_ENRICH_MISSES] = { "riptides.agent.enrichment.misses", "Process lookups answered only from the record", "{lookup}", MODEL_METRIC_SUM, true, NULL, 0 },
	[M_EXPORT_DEPTH] = { "riptides.agent.export.queue_depth", "Export requests waiting, in flight included", "{request}", MODEL_METRIC_GAUGE, false, NULL, 0 },
	[M_EXPORT_FAILURES] = { "riptides.agent.export.failures", "Telemetry items (points, spans, log records) the exporter dropped, for any reason", "{item}", MODEL_METRIC_SUM, true, NULL, 0 },
	[M_SPANS_EVICTED] = { "riptides.agent.spans.evicted", "Open connections evicted before they closed", "{connection}", MODEL_METRIC_SUM, true, NULL, 0 },
};

static const char *const temporality_names[TELEMETRY_TEMPORALITIES] = {
	[TELEMETRY_TEMPORALITY_CUMULATIVE] = "cumulative",
	[TELEMETRY_TEMPORALITY_DELTA] = "delta",
	[TELEMETRY_TEMPORALITY_LOWMEMORY] = "lowmemory",
};

const char *telemetry_temporality_name(enum telemetry_temporality t)
{
	return (unsigned int)t < TELEMETRY_TEMPORALITIES ? temporality_names[t] : NULL;
}

bool telemetry_temporality_parse(const char *s, enum telemetry_temporality *t)
{
	for (unsigned int i = 0; s && i < TELEMETRY_TEMPORALITIES; i++) {
		if (!strcasecmp(s, temporality_names[i])) {
			*t = (enum telemetry_temporality)i;
			return true;
		}
	}
	return false;
}

/* The pipeline's own counters are totals observed at each collection. */
#define OBSERVED_PREFIX "riptides.agent."

/* The temporality metric d gets under preference p (0 for gauges). */
static enum model_temporality instrument_temporality(enum telemetry_temporality p,
						     const struct metrics_desc *d)
{
	bool observed = !strncmp(d->name, OBSERVED_PREFIX, strlen(OBSERVED_PREFIX));

	if (d->kind == MODEL_METRIC_GAUGE)
		return 0;
	switch (p) {
	case TELEMETRY_TEMPORALITY_DELTA:
		return MODEL_TEMPORALITY_DELTA;
	case TELEMETRY_TEMPORALITY_LOWMEMORY:
		return observed && d->kind == MODEL_METRIC_SUM ?
		       MODEL_TEMPORALITY_CUMULATIVE : MODEL_TEMPORALITY_DELTA;
	default:
		return MODEL_TEMPORALITY_CUMULATIVE;
	}
}

struct telemetry {
	struct telemetry_opts o;
	struct redact *redact;
	struct enrich_proc *procs;
	struct enrich_cgroup *cgroups;
	struct metrics *metrics;
	struct spans *spans;
	struct logs *logs;
	struct model_resource resource;
	int mid[M_COUNT];
	struct clock_conv own_clock;	/* when no clock is given */
	const struct clock_conv *clk;	/* every conversion to Unix time */
	bool refresh_own;		/* own_clock follows the wall clock */
	uint64_t last_mono;		/* newest time seen (record or tick) */
	uint64_t idle_lag_ns;		/* see telemetry_collect() */
	uint64_t last_metrics;
	uint64_t last_traces;
	struct telemetry_health prev;	/* health totals already counted */
	uint64_t prev_misses;
	uint64_t prev_evicted;
	struct telemetry_stats st;
};

/*
 * Metrics, spans and logs keep CLOCK_MONOTONIC times and are converted
 * here, when they are exported, with the clock as it is now: a wall clock
 * stepped after start shows in the next export.
 */
static uint64_t unix_of(const struct telemetry *t, uint64_t mono)
{
	return clock_to_unix_ns(t->clk, mono);
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *or_none(const char *s)
{
	return s ? s : "none";
}

/* SPIFFE IDs are at most 2048 bytes; a longer answer is cut, not lost. */
#define SPIFFE_COPY_MAX 2049

static void copy_id(char *dst, const char *id)
{
	size_t n;

	id = or_none(id);
	n = strnlen(id, SPIFFE_COPY_MAX - 1);
	memcpy(dst, id, n);
	dst[n] = '\0';
}

static void count(struct telemetry *t, int rc)
{
	if (rc)
		t->st.metric_errors++;
}

/* Metrics and logs for a connection the span assembler just finished. */
static void on_finish(void *ctx, const struct spans_conn *c,
		      const struct model_attrs *attrs, bool unfinished)
{
	struct telemetry *t = ctx;
	uint64_t now = c->end_ts ? c->end_ts : t->last_mono;	/* monotonic */
	/* a resolver's answer lives until its next call: keep copies */
	char local[SPIFFE_COPY_MAX], peer[SPIFFE_COPY_MAX];
	const char *dir = record_or_unknown(record_direction_name(c->direction));
	const char *decision = record_or_unknown(record_decision_name(c->decision));
	char ver[16];

	if (unfinished)
		goto out;	/* counted when (if) it ends, not at shutdown */
	copy_id(local, spans_spiffe(t->spans, c->local_id));
	copy_id(peer, spans_spiffe(t->spans, c->peer_id));
	{
		struct metrics_kv kv[] = {
			{ "riptides.local.spiffe_id", local, 0 },
			{ "riptides.peer.spiffe_id", peer, 0 },
			{ "riptides.direction", dir, 0 },
			{ "riptides.decision", decision, 0 },
		};
		count(t, metrics_add(t->metrics, t->mid[M_CONNECTIONS], kv, NB(kv), 1, now));
	}
	if (c->decision == RIPTEL_DECISION_DENY) {
		struct metrics_kv kv[] = {
			{ "riptides.decision.reason", NULL, c->reason },
			{ "riptides.direction", dir, 0 },
			{ "riptides.local.spiffe_id", local, 0 },
		};
		count(t, metrics_add(t->metrics, t->mid[M_DENIALS], kv, NB(kv), 1, now));
	}
	if (c->have & SPANS_HAVE_HS_DONE) {
		struct metrics_kv kv[] = {
			{ "tls.protocol.version", c->tls_version ?
			  spans_tls_version_name(c->tls_version, ver) : "unknown", 0 },
			{ "riptides.handshake.outcome", c->hs_result < 0 ? "failure" : "success", 0 },
		};
		uint64_t d = c->hs_duration_ns;

		count(t, metrics_add(t->metrics, t->mid[M_HANDSHAKES], kv, NB(kv), 1, now));
		if (!d && c->hs_start_ts && c->hs_done_ts > c->hs_start_ts)
			d = c->hs_done_ts - c->hs_start_ts;
		count(t, metrics_record(t->metrics, t->mid[M_HS_DURATION], kv, 1,
					(double)d / 1e9, now));
	}
	if (c->end_ts && (c->have & (SPANS_HAVE_CLOSE | SPANS_HAVE_TCP_CLOSE))) {
		struct metrics_kv kv[] = {
			{ "riptides.direction", dir, 0 },
			{ "riptides.decision", decision, 0 },
		};
		uint64_t start = c->start_ts ? c->start_ts : c->first_ts;
		uint64_t d = c->close_duration_ns ? c->close_duration_ns :
			     c->end_ts > start ? c->end_ts - start : 0;

		count(t, metrics_record(t->metrics, t->mid[M_CONN_DURATION], kv, NB(kv),
					(double)d / 1e9, now));
	}
	if (c->have & SPANS_HAVE_CLOSE) {
		struct metrics_kv tx[] = {
			{ "riptides.direction", dir, 0 },
			{ "network.io.direction", "transmit", 0 },
		};
		struct metrics_kv rx[] = {
			{ "riptides.direction", dir, 0 },
			{ "network.io.direction", "receive", 0 },
		};
		count(t, metrics_record(t->metrics, t->mid[M_CONN_BYTES], tx, NB(tx),
					(double)c->bytes_sent, now));
		count(t, metrics_record(t->metrics, t->mid[M_CONN_BYTES], rx, NB(rx),
					(double)c->bytes_received, now));
	}
out:
	logs_conn(t->logs, t->spans, c, attrs, unix_of(t, t->last_mono));
}

void telemetry_free(struct telemetry *t)
{
	if (!t)
		return;
	spans_free(t->spans);	/* before procs: spans hold process references */
	logs_free(t->logs);
	metrics_free(t->metrics);
	enrich_proc_free(t->procs);
	enrich_cgroup_free(t->cgroups);
	redact_free(t->redact);
	model_resource_clear(&t->resource);
	free(t);
}

int telemetry_new(const struct telemetry_opts *o, struct telemetry **out,
		  char *err, size_t errlen)
{
	struct telemetry *t;
	struct enrich_proc_opts po = { 0 };
	struct metrics_opts mo = { 0 };
	struct spans_opts so = { 0 };
	struct logs_opts lo = { 0 };
	int rc;

	if (!o || !out)
		return -EINVAL;
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->o = *o;
	if (!t->o.metric_interval_ns)
		t->o.metric_interval_ns = DEFAULT_METRIC_INTERVAL;
	if (!t->o.trace_interval_ns)
		t->o.trace_interval_ns = DEFAULT_TRACE_INTERVAL;
	t->idle_lag_ns = o->idle_lag_ns ? o->idle_lag_ns : 2000000000ULL;
	if (o->clock) {
		t->clk = o->clock;
	} else if (o->clock_set) {
		clock_init_fixed(&t->own_clock, NULL, o->mono_to_real_ns);
		t->clk = &t->own_clock;
	} else {
		rc = clock_init(&t->own_clock, NULL, 0);
		if (rc)
			goto fail;
		t->clk = &t->own_clock;
		t->refresh_own = true;
	}
	/* the record stream's proc_root pointer is not kept: copy semantics */
	t->o.proc_root = NULL;
	t->o.redact_rules = NULL;

	if (o->cmdline) {
		rc = redact_new(o->redact_rules, &t->redact, err, errlen);
		if (rc)
			goto fail;
	}
	po.proc_root = o->proc_root ? o->proc_root : "/proc";
	po.capacity = o->process_cache;
	po.cmdline = o->cmdline;
	po.redact = t->redact;
	po.mono_to_boot_set = o->clock_set;
	po.mono_to_boot_ns = o->mono_to_boot_ns;
	rc = enrich_proc_new(&po, &t->procs);
	if (rc)
		goto fail;
	{
		struct enrich_cgroup_opts co = { .sys_root = o->cgroup_root };

		rc = enrich_cgroup_new(&co, &t->cgroups);
		if (rc)
			goto fail;
	}
	t->o.cgroup_root = NULL;

	if ((unsigned int)o->temporality >= TELEMETRY_TEMPORALITIES) {
		rc = -EINVAL;
		goto fail;
	}
	mo.cardinality_limit = o->cardinality_limit;
	rc = metrics_new(&mo, &t->metrics);
	if (rc)
		goto fail;
	for (int i = 0; i < M_COUNT; i++) {
		enum model_temporality tp;

		rc = metrics_define(t->metrics, &metric_table[i],
				    (uint64_t)clock_ns(CLOCK_MONOTONIC));
		if (rc < 0)
			goto fail;
		t->mid[i] = rc;
		tp = instrument_temporality(o->temporality, &metric_table[i]);
		rc = tp ? metrics_set_temporality(t->metrics, t->mid[i], tp) : 0;
		if (rc)
			goto fail;
	}

	so.max_open = o->max_open_spans;
	so.max_pending = o->max_pending;
	so.reorder_window_ns = o->reorder_window_ns;
	so.flush_unfinished = o->flush_unfinished;
	so.tcp_spans = !o->no_tcp_spans;
	so.ignore_tgid = o->ignore_tgid;
	so.process_detail = o->span_process_detail;
	so.clock = t->clk;
	so.resolve = o->resolve;
	so.resolve_ctx = o->resolve_ctx;
	so.on_finish = on_finish;
	so.finish_ctx = t;
	rc = spans_new(&so, &t->spans);
	if (rc)
		goto fail;
	lo.max_pending = o->max_pending;
	lo.clock = t->clk;
	rc = logs_new(&lo, &t->logs);
	if (rc)
		goto fail;
	rc = resource_build(&t->resource, &o->resource);
	if (rc)
		goto fail;
	*out = t;
	return 0;
fail:
	if (err && errlen && !err[0])
		snprintf(err, errlen, "telemetry: %s", strerror(-rc));
	telemetry_free(t);
	return rc;
}

static struct enrich_proc_entry *subject(struct telemetry *t, const struct riptel_record *r,
					 uint64_t cgroup_id, uint32_t uid)
{
	struct enrich_proc_hint h = { 0 };

	/* written outside the owner's context: the cgroup is all we know */
	if (r->hdr.flags & RIPTEL_RF_NO_TASK)
		return enrich_cgroup_lookup(t->cgroups, cgroup_id, r->hdr.ts_ns);
	h.ts_ns = r->hdr.ts_ns;
	h.tgid = r->hdr.tgid;
	h.cgroup_id = cgroup_id;
	h.uid = uid;
	return enrich_proc_lookup(t->procs, &h);
}

static void count_exec(struct telemetry *t, const struct riptel_record *r)
{
	struct enrich_proc_hint h = { 0 };
	struct enrich_proc_entry *p;
	const struct model_value *user;

	h.ts_ns = r->hdr.ts_ns;
	h.tgid = r->hdr.tgid;
	h.cgroup_id = r->exec.cgroup_id;
	p = enrich_proc_lookup(t->procs, &h);
	if (!p)
		return;
	user = model_attrs_get(&p->attrs, "process.user.name");
	{
		struct metrics_kv kv[] = {
			{ "process.executable.name", p->exe_name, 0 },
			{ "process.user.name", user ? user->s : "unknown", 0 },
			{ "container.id", p->container_id[0] ? p->container_id : "none", 0 },
			{ "k8s.pod.uid", p->pod_uid[0] ? p->pod_uid : "none", 0 },
		};
		count(t, metrics_add(t->metrics, t->mid[M_EXECS], kv, NB(kv), 1,
				     r->hdr.ts_ns));
	}
	enrich_proc_put(p);
}

int telemetry_record(struct telemetry *t, const struct riptel_record *r,
		     uint64_t unix_ns)
{
	struct enrich_proc_entry *p = NULL;
	int rc = 0;

	if (!t || !r)
		return -EINVAL;
	t->st.records++;
	if (r->hdr.ts_ns > t->last_mono)
		t->last_mono = r->hdr.ts_ns;
	/* metrics keep the record's monotonic time, converted at export */
	(void)unix_ns;
	switch (r->hdr.type) {
	case RIPTEL_REC_EXEC:
		rc = enrich_proc_exec(t->procs, r);
		if (rc == 0)
			count_exec(t, r);
		break;
	case RIPTEL_REC_FORK:
		enrich_proc_fork(t->procs, r);
		break;
	case RIPTEL_REC_EXIT:
		enrich_proc_exit(t->procs, r);
		break;
	case RIPTEL_REC_CONN_INTERCEPT:
		p = subject(t, r, r->conn.cgroup_id, r->conn.uid);
		rc = spans_record(t->spans, r, p);
		break;
	case RIPTEL_REC_TCP_STATE:
		/* only a connect() runs in the owner's context */
		if (!t->o.no_tcp_spans && r->tcp.newstate == TCP_SYN_SENT)
			p = subject(t, r, 0, r->tcp.uid);
		rc = spans_record(t->spans, r, p);
		break;
	case RIPTEL_REC_POLICY_DECISION:
	case RIPTEL_REC_HANDSHAKE_START:
	case RIPTEL_REC_HANDSHAKE_DONE:
	case RIPTEL_REC_CONN_CLOSE:
		rc = spans_record(t->spans, r, NULL);
		break;
	case RIPTEL_REC_IDENTITY: {
		const char *id = t->o.resolve ?
			t->o.resolve(t->o.resolve_ctx, r->identity.id.id, r->identity.id.gen) :
			NULL;

		rc = logs_identity(t->logs, r, id, unix_of(t, t->last_mono));
		if (rc == -ENOBUFS)
			rc = 0;		/* counted as a dropped log record */
		break;
	}
	default:
		t->st.ignored++;
		break;
	}
	enrich_proc_put(p);
	return rc;
}

/* Count the growth of a cumulative input total. */
static void add_growth(struct telemetry *t, int id, const struct metrics_kv *kv,
		       size_t n, uint64_t now_total, uint64_t *prev, uint64_t mono_ns)
{
	/* a total that went down was reset: all of it is new */
	uint64_t d = now_total >= *prev ? now_total - *prev : now_total;

	if (d || now_total == 0)
		count(t, metrics_add(t->metrics, t->mid[id], kv, n, (int64_t)d, mono_ns));
	*prev = now_total;
}

static void update_health(struct telemetry *t, uint64_t mono_ns)
{
	struct enrich_proc_stats ps;
	struct spans_stats ss;
	uint64_t prev;

	spans_stats(t->spans, &ss);
	count(t, metrics_set(t->metrics, t->mid[M_ACTIVE], NULL, 0, (int64_t)ss.active,
			     mono_ns));
	enrich_proc_stats(t->procs, &ps);
	add_growth(t, M_ENRICH_MISSES, NULL, 0, ps.misses, &t->prev_misses, mono_ns);
	add_growth(t, M_SPANS_EVICTED, NULL, 0, ss.evicted, &t->prev_evicted, mono_ns);
	if (t->o.health) {
		struct telemetry_health h = { 0 };

		t->o.health(t->o.health_ctx, &h);
		add_growth(t, M_RECORDS, NULL, 0, h.records_read, &t->prev.records_read, mono_ns);
		for (int i = 0; i < RIPTEL_REC_TYPE_MAX; i++) {
			struct metrics_kv kv[] = {
				{ "riptides.record.type", record_type_name((uint16_t)i) ? record_type_name((uint16_t)i) : "other", 0 },
			};

			if (!h.ring_dropped[i] && !t->prev.ring_dropped[i])
				continue;
			prev = t->prev.ring_dropped[i];
			add_growth(t, M_RING_DROPS, kv, 1, h.ring_dropped[i], &prev, mono_ns);
			t->prev.ring_dropped[i] = prev;
		}
		add_growth(t, M_SEQ_GAPS, NULL, 0, h.seq_gaps, &t->prev.seq_gaps, mono_ns);
		add_growth(t, M_QUEUE_DROPS, NULL, 0, h.queue_dropped, &t->prev.queue_dropped,
			   mono_ns);
		add_growth(t, M_EXPORT_FAILURES, NULL, 0, h.export_failures,
			   &t->prev.export_failures, mono_ns);
		count(t, metrics_set(t->metrics, t->mid[M_EXPORT_DEPTH], NULL, 0,
				     (int64_t)h.export_queue_depth, mono_ns));
	}
}

void telemetry_batches_free(struct telemetry_batches *b)
{
	if (!b)
		return;
	model_metric_batch_free(b->metrics);
	model_span_batch_free(b->spans);
	model_log_batch_free(b->logs);
	b->metrics = NULL;
	b->spans = NULL;
	b->logs = NULL;
}

/*
 * The clock may finish connections whose records stopped coming, but only
 * idle_lag past their reorder window: records of another CPU can still be
 * in its ring or the drain queue, so "now" is not "everything before now
 * was seen".  Newer records finish them sooner (spans_record() goes by
 * record time).
 */
static void advance_idle(struct telemetry *t, uint64_t now_mono_ns)
{
	spans_advance(t->spans, now_mono_ns > t->idle_lag_ns ?
			       now_mono_ns - t->idle_lag_ns : 0);
}

/* metrics aggregate in CLOCK_MONOTONIC time; exports carry Unix time */
static void points_to_unix(const struct telemetry *t, struct model_metric_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		for (size_t j = 0; j < b->v[i].npoints; j++) {
			struct model_point *p = &b->v[i].points[j];

			p->time_ns = unix_of(t, p->time_ns);
			if (p->start_time_ns)
				p->start_time_ns = unix_of(t, p->start_time_ns);
		}
	}
	b->time_ns = unix_of(t, b->time_ns);
}

int telemetry_collect(struct telemetry *t, uint64_t now_mono_ns, unsigned int signals,
		      struct telemetry_batches *out)
{
	if (!t || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (now_mono_ns > t->last_mono)
		t->last_mono = now_mono_ns;
	if (t->refresh_own)
		clock_maybe_refresh(&t->own_clock, now_mono_ns);
	advance_idle(t, now_mono_ns);
	if (signals & TELEMETRY_METRICS) {
		update_health(t, t->last_mono);
		out->metrics = model_metric_batch_new();
		if (!out->metrics ||
		    metrics_collect(t->metrics, t->last_mono, out->metrics))
			goto nomem;
		points_to_unix(t, out->metrics);
	}
	if (signals & TELEMETRY_SPANS) {
		out->spans = model_span_batch_new();
		if (!out->spans || spans_collect(t->spans, out->spans))
			goto nomem;
	}
	if (signals & TELEMETRY_LOGS) {
		out->logs = model_log_batch_new();
		if (!out->logs || logs_collect(t->logs, out->logs))
			goto nomem;
	}
	return 0;
nomem:
	telemetry_batches_free(out);
	return -ENOMEM;
}

static bool batches_empty(const struct telemetry_batches *b)
{
	return (!b->metrics || b->metrics->n == 0) && (!b->spans || b->spans->n == 0) &&
	       (!b->logs || b->logs->n == 0);
}

static int collect_and_export(struct telemetry *t, uint64_t now, unsigned int signals)
{
	struct telemetry_batches b;
	int rc;

	if (!t->o.export)
		return 0;	/* without a hook, data waits for telemetry_collect */
	rc = telemetry_collect(t, now, signals, &b);
	if (rc)
		return rc;
	if (!batches_empty(&b))
		t->o.export(t->o.export_ctx, &t->resource, &b);
	telemetry_batches_free(&b);
	return 0;
}

int telemetry_tick(struct telemetry *t, uint64_t now_mono_ns)
{
	unsigned int signals = 0;

	if (!t)
		return -EINVAL;
	if (!t->last_metrics)
		t->last_metrics = t->last_traces = now_mono_ns;
	/* a clock that went backwards (a test's fake one) restarts the intervals */
	if (now_mono_ns < t->last_metrics)
		t->last_metrics = now_mono_ns;
	if (now_mono_ns < t->last_traces)
		t->last_traces = now_mono_ns;
	advance_idle(t, now_mono_ns);
	if (now_mono_ns - t->last_metrics >= t->o.metric_interval_ns) {
		signals |= TELEMETRY_METRICS;
		t->last_metrics = now_mono_ns;
	}
	if (now_mono_ns - t->last_traces >= t->o.trace_interval_ns) {
		signals |= TELEMETRY_SPANS | TELEMETRY_LOGS;
		t->last_traces = now_mono_ns;
	}
	return signals ? collect_and_export(t, now_mono_ns, signals) : 0;
}

void telemetry_flush(struct telemetry *t)
{
	uint64_t now;

	if (!t)
		return;
	now = (uint64_t)clock_ns(CLOCK_MONOTONIC);
	if (now < t->last_mono)
		now = t->last_mono;
	spans_flush(t->spans, now);
	collect_and_export(t, now, TELEMETRY_ALL);
}

int telemetry_metric_filter(struct telemetry *t, const char *metric,
			    const char *allow, const char *deny)
{
	int id;

	if (!t || !metric)
		return -EINVAL;
	id = metrics_find(t->metrics, metric);
	if (id < 0)
		return id;
	return metrics_filter(t->metrics, id, allow, deny);
}

/*
 * "METRIC:allow=a,b:deny=c;METRIC2:deny=d" -> telemetry_metric_filter()
 * per entry.  Everything is checked before anything is applied.
 */
static int filters_walk(struct metrics *m, const char *spec, bool apply,
			char *err, size_t errlen)
{
	char *copy = strdup(spec ? spec : ""), *entry, *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (entry = strtok_r(copy, ";", &save); entry && !ret;
	     entry = strtok_r(NULL, ";", &save)) {
		char *metric, *part, *save2 = NULL;
		const char *allow = NULL, *deny = NULL;

		while (*entry == ' ')
			entry++;
		if (!*entry)
			continue;
		metric = strtok_r(entry, ":", &save2);
		while ((part = strtok_r(NULL, ":", &save2))) {
			if (!strncmp(part, "allow=", 6) && !allow) {
				allow = part + 6;
			} else if (!strncmp(part, "deny=", 5) && !deny) {
				deny = part + 5;
			} else {
				snprintf(err, errlen,
					 "'%s': expected allow=LIST or deny=LIST, once each",
					 part);
				ret = -EINVAL;
				break;
			}
		}
		if (ret)
			break;
		if (!allow && !deny) {
			snprintf(err, errlen,
				 "'%s': expected METRIC:allow=a,b and/or :deny=c", metric);
			ret = -EINVAL;
		} else if (metrics_find(m, metric) < 0) {
			snprintf(err, errlen, "unknown metric '%s'", metric);
			ret = -ENOENT;
		} else if (apply) {
			ret = metrics_filter(m, metrics_find(m, metric), allow, deny);
			if (ret)
				snprintf(err, errlen, "'%s': cannot apply (%s)",
					 metric, strerror(-ret));
		}
	}
	free(copy);
	return ret;
}

int telemetry_metric_filters(struct telemetry *t, const char *spec, char *err,
			     size_t errlen)
{
	int ret;

	if (!t)
		return -EINVAL;
	ret = filters_walk(t->metrics, spec, false, err, errlen);
	if (!ret)
		ret = filters_walk(t->metrics, spec, true, err, errlen);
	return ret;
}

int telemetry_metric_filters_check(const char *spec, char *err, size_t errlen)
{
	struct metrics_opts mo = { .cardinality_limit = 1 };
	struct metrics *m;
	int ret;

	ret = metrics_new(&mo, &m);
	for (int i = 0; !ret && i < M_COUNT; i++) {
		ret = metrics_define(m, &metric_table[i], 0);
		ret = ret < 0 ? ret : 0;
	}
	if (ret)
		snprintf(err, errlen, "cannot check: %s", strerror(-ret));
	else
		ret = filters_walk(m, spec, false, err, errlen);
	metrics_free(m);
	return ret;
}

const struct model_resource *telemetry_resource(const struct telemetry *t)
{
	return t ? &t->resource : NULL;
}

void telemetry_stats(const struct telemetry *t, struct telemetry_stats *st)
{
	struct enrich_proc_stats ps;
	struct spans_stats ss;
	struct logs_stats ls;

	if (!t || !st)
		return;
	*st = t->st;
	enrich_proc_stats(t->procs, &ps);
	spans_stats(t->spans, &ss);
	logs_stats(t->logs, &ls);
	st->enrich_misses = ps.misses;
	st->spans_evicted = ss.evicted;
	st->spans_dropped = ss.dropped;
	st->spans_late = ss.late;
	st->logs_dropped = ls.dropped;
	st->open_connections = ss.open;
}

static int sink_record(void *ctx, const struct riptel_record *r, uint64_t unix_ns)
{
	return telemetry_record(ctx, r, unix_ns);
}

static int sink_tick(void *ctx, uint64_t now_ns)
{
	return telemetry_tick(ctx, now_ns);
}

/* The pipeline flushes when idle too: only what is finished goes out. */
static void sink_flush(void *ctx)
{
	struct telemetry *t = ctx;
	uint64_t now = (uint64_t)clock_ns(CLOCK_MONOTONIC);

	collect_and_export(t, now > t->last_mono ? now : t->last_mono,
			   TELEMETRY_SPANS | TELEMETRY_LOGS);
}

/* Destroy follows the final flush: that is the shutdown. */
static void sink_destroy(void *ctx)
{
	telemetry_flush(ctx);
	telemetry_free(ctx);
}

void telemetry_as_sink(struct telemetry *t, struct sink *s)
{
	if (!s)
		return;
	memset(s, 0, sizeof(*s));
	s->name = "telemetry";
	s->record = sink_record;
	s->tick = sink_tick;
	s->flush = sink_flush;
	s->destroy = sink_destroy;
	s->ctx = t;
}
