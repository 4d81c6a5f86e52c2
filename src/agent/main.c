/* main.c - riptel-agent: drain the kernel rings, turn records into telemetry, export it. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "capture.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "config_check.h"
#include "device.h"
#include "export.h"
#include "export_otlp.h"
#include "json_sink.h"
#include "jsonw.h"
#include "model_json.h"
#include "notify.h"
#include "otel_env.h"
#include "pipeline.h"
#include "prom.h"
#include "queue.h"
#include "reader.h"
#include "resource.h"
#include "runner.h"
#include "spiffe.h"
#include "telemetry.h"

#define PROG			CLI_PROG
#define DEFAULT_CONFIG		CLI_DEFAULT_CONFIG
#define DRAIN_POLL_MS		100	/* upper bound on a poll() wait */
#define SPIFFE_CACHE		4096	/* resolved SPIFFE IDs kept */

extern char **environ;

/* The exporter and what its options point into; swapped on SIGHUP. */
struct exporter {
	struct export *exp;
	struct otel_env env;
};

struct agent {
	struct cli_options opt;
	struct config cfg;
	struct device *dev;
	struct reader *rd;
	struct queue *q;
	struct pipeline pl;
	struct clock_conv clk;
	struct runner_result res;
	int sig_fd;			/* SIGINT/SIGTERM: the runner's stop_fd */
	struct capture_reader *replay;
	struct capture_writer *rec;	/* owned by its sink once added */
	struct spiffe_resolver *spiffe;
	struct prom *prom;
	struct telemetry *tm;		/* owned by its sink once added */
	struct jsonw jw;		/* telemetry lines, pipeline thread only */
	pthread_mutex_t exp_lock;	/* guards ex, old_ex, retired */
	struct exporter *ex;
	/* at SIGHUP: the exporter being replaced, still counted while it
	 * delivers what it holds, and the counters of those gone before */
	struct exporter *old_ex;
	struct export_signal_stats retired[OTLP_SIGNALS];
	pthread_t reload_thread;
	bool reload_started;
	atomic_bool stopping;		/* the reload thread: exit, reload nothing */
	uint64_t partial_seen[OTLP_SIGNALS];	/* partial successes logged */
	uint64_t partial_logged_ns;
};

static void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

/* config_warn_fn: ctx is a prefix for the line ("" or "SIGHUP: "). */
static void log_warning(void *ctx, const char *msg)
{
	log_msg("%swarning: %s", (const char *)ctx, msg);
}

/*
 * Defaults < file < environment < flags, into @c, then the checks startup
 * makes (config_check(): the same for --check-config, startup and
 * SIGHUP).  0 or -errno with @err; warnings are logged with @prefix.
 */
static int load_config(const struct cli_options *o, struct config *c,
		       const char *prefix, char *err, size_t errlen)
{
	const char *path = o->config_path;
	int ret;

	config_defaults(c);
	if (!path) {
		path = getenv("RIPTEL_CONFIG");
		if (!path && access(DEFAULT_CONFIG, F_OK) == 0)
			path = DEFAULT_CONFIG;
	}
	if (path) {
		ret = config_load_file(c, path, err, errlen);
		if (ret)
			return ret;
	}
	ret = config_load_env(c, env_get, log_warning, (void *)prefix, err,
			      errlen);
	if (ret)
		return ret;
	for (size_t i = 0; i < o->nsets; i++) {
		ret = config_set(c, o->sets[i][0], o->sets[i][1], err, errlen);
		if (ret)
			return ret;
	}
	return config_check(c, environ, log_warning, (void *)prefix, err, errlen);
}

static void exporter_free(struct exporter *x)
{
	if (!x)
		return;
	export_free(x->exp);
	otel_env_clear(&x->env);
	free(x);
}

/*
 * An exporter for @c, or NULL with *ret = 0 when nothing is to be exported
 * (output is not otlp, or OTEL_SDK_DISABLED).  On failure NULL, *ret < 0.
 */
static struct exporter *exporter_new(const struct config *c, int *ret,
				     char *err, size_t errlen)
{
	struct export_otlp_opts oo = { 0 };
	struct export_opts eo = { 0 };
	struct export_exporter xp;
	struct exporter *x;
	char **envp;

	*ret = 0;
	if (c->output != CONFIG_OUTPUT_OTLP)
		return NULL;
	x = calloc(1, sizeof(*x));
	envp = config_env(c, environ);
	if (!x || !envp) {
		*ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* load_config() checked these and said the warnings once */
	*ret = otel_env_load(&x->env, envp, NULL, NULL, err, errlen);
	if (*ret)
		goto fail;
	if (x->env.sdk_disabled) {
		config_env_free(envp);
		exporter_free(x);
		return NULL;
	}
	otel_env_export_opts(&x->env, &eo, &oo);
	eo.max_request_bytes = c->max_request_bytes;
	*ret = export_otlp_new(&oo, &xp, err, errlen);
	if (!*ret)
		*ret = export_new(&eo, &xp, &x->exp, err, errlen);
	if (*ret)
		goto fail;
	config_env_free(envp);
	return x;
fail:
	config_env_free(envp);
	exporter_free(x);
	return NULL;
}

/* Print a collection as JSON lines (pipeline thread, --output=json). */
static void print_batches(struct agent *a, const struct telemetry_batches *b)
{
	struct jsonw *w = &a->jw;

#define EMIT(call) do {							\
		jsonw_reset(w);						\
		call;							\
		if (!jsonw_error(w))					\
			printf("%s\n", jsonw_str(w));			\
	} while (0)
	for (size_t i = 0; b->spans && i < b->spans->n; i++)
		EMIT(model_json_span(w, &b->spans->v[i]));
	for (size_t i = 0; b->logs && i < b->logs->n; i++)
		EMIT(model_json_log(w, &b->logs->v[i]));
	for (size_t i = 0; b->metrics && i < b->metrics->n; i++)
		EMIT(model_json_metric(w, &b->metrics->v[i]));
#undef EMIT
	fflush(stdout);
}

/* telemetry_export_fn: every collection goes to each configured output. */
static void on_batches(void *ctx, const struct model_resource *res,
		       struct telemetry_batches *b)
{
	struct agent *a = ctx;

	if (a->cfg.output == CONFIG_OUTPUT_JSON)
		print_batches(a, b);
	if (a->prom && b->metrics)
		prom_publish(a->prom, b->metrics, res);
	pthread_mutex_lock(&a->exp_lock);
	if (a->ex)
		export_telemetry_hook(a->ex->exp, res, b);
	pthread_mutex_unlock(&a->exp_lock);
}

/*
 * One signal's export counters over every exporter this run had: the
 * current one, the one a SIGHUP is replacing, those replaced before.
 * Caller holds exp_lock (or is the only thread left).
 */
static bool export_totals(struct agent *a, int s, struct export_signal_stats *es)
{
	struct export_signal_stats st;

	*es = a->retired[s];
	if (a->old_ex) {
		export_stats(a->old_ex->exp, s, &st);
		export_stats_add(es, &st);
		es->queue_requests += st.queue_requests;
	}
	if (a->ex) {
		export_stats(a->ex->exp, s, &st);
		export_stats_add(es, &st);
		es->queue_requests += st.queue_requests;
		es->queue_items = st.queue_items;
	}
	return a->ex || a->old_ex || es->enqueued || es->attempts;
}

/* Items the exporter dropped for one signal, all reasons together. */
static uint64_t export_dropped(const struct export_signal_stats *es)
{
	uint64_t n = 0;

	for (int d = 0; d < EXPORT_DROPS; d++)
		n += es->dropped[d];
	return n;
}

/* telemetry_health_fn: the pipeline's own counters (any thread). */
static void on_health(void *ctx, struct telemetry_health *h)
{
	struct agent *a = ctx;
	struct reader_stats st;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; a->rd && i < reader_nr_rings(a->rd); i++) {
		if (reader_stats(a->rd, i, &st))
			continue;
		h->records_read += st.consumed;
		h->seq_gaps += st.seq_gaps;
		for (int t = 0; t < RIPTEL_REC_TYPE_MAX; t++)
			h->ring_dropped[t] += st.dropped_type[t];
	}
	h->queue_dropped = a->q ? queue_dropped(a->q) : 0;
	pthread_mutex_lock(&a->exp_lock);
	for (int s = 0; s < OTLP_SIGNALS; s++) {
		struct export_signal_stats es;

		if (!export_totals(a, s, &es))
			continue;
		h->export_queue_depth += es.queue_requests;
		h->export_failures += export_dropped(&es);
	}
	pthread_mutex_unlock(&a->exp_lock);
}

/*
 * Partial successes (the collector refused some items of an accepted
 * request) are logged at most once per metric interval per signal, with
 * how many happened since the last report and the latest message.
 */
static void log_partials(struct agent *a, uint64_t now_ns)
{
	if (now_ns - a->partial_logged_ns < (uint64_t)a->cfg.metric_interval_ms * 1000000)
		return;
	a->partial_logged_ns = now_ns;
	pthread_mutex_lock(&a->exp_lock);
	for (int s = 0; s < OTLP_SIGNALS; s++) {
		struct export_signal_stats es;

		if (!export_totals(a, s, &es))
			continue;
		if (es.partial_successes > a->partial_seen[s])
			log_msg("export %s: the collector refused part of %" PRIu64
				" requests (%" PRIu64 " items in all so far): %s",
				otlp_signal_name(s),
				es.partial_successes - a->partial_seen[s],
				es.rejected, es.last_partial);
		a->partial_seen[s] = es.partial_successes;
	}
	pthread_mutex_unlock(&a->exp_lock);
}

static int tick_health(void *ctx, uint64_t now_ns)
{
	struct agent *a = ctx;

	if (a->prom)
		prom_heartbeat(a->prom);
	log_partials(a, now_ns);
	return 0;
}

static int setup_telemetry(struct agent *a, char *err, size_t errlen)
{
	const struct config *c = &a->cfg;
	struct model_attrs extra = { 0 };
	struct telemetry_opts to = { 0 };
	struct sink s;
	int ret;

	ret = resource_parse_kv(c->resource_attributes, &extra);
	if (ret) {
		snprintf(err, errlen, "resource.attributes '%.64s': expected k=v,...",
			 c->resource_attributes);
		return ret;
	}
	to.proc_root = c->proc_root;
	to.process_cache = c->process_cache;
	to.cmdline = c->cmdline;
	to.redact_rules = c->redact;
	to.temporality = (enum telemetry_temporality)c->temporality;
	to.cardinality_limit = c->cardinality_limit;
	to.metric_interval_ns = (uint64_t)c->metric_interval_ms * 1000000;
	to.trace_interval_ns = (uint64_t)c->batch_delay_ms * 1000000;
	to.max_open_spans = c->max_open_spans;
	to.flush_unfinished = c->flush_unfinished;
	/* live only: in a replay, this pid means nothing */
	if (!a->replay)
		to.ignore_tgid = (uint32_t)getpid();
	to.resource.service_name = c->service_name;
	to.resource.extra = &extra;
	to.health = on_health;
	to.health_ctx = a;
	to.export = on_batches;
	to.export_ctx = a;
	if (a->replay) {
		const struct capture_info *ci = capture_reader_info(a->replay);

		to.resolve = capture_resolve;
		to.resolve_ctx = a->replay;
		to.clock_set = true;
		to.mono_to_real_ns = ci->mono_to_real_ns;
	} else {
		/* the pipeline's clock, refreshed every tick: a wall clock
		 * stepped after start (NTP) is followed */
		to.clock = &a->clk;
		if (a->spiffe) {
			to.resolve = spiffe_resolve;
			to.resolve_ctx = a->spiffe;
		}
	}
	ret = telemetry_new(&to, &a->tm, err, errlen);
	model_attrs_clear(&extra);
	if (ret)
		return ret;
	if (c->attribute_filters[0]) {
		char why[256] = "";

		ret = telemetry_metric_filters(a->tm, c->attribute_filters, why,
					       sizeof(why));
		if (ret) {
			snprintf(err, errlen, "metrics.attribute_filters: %s",
				 why);
			telemetry_free(a->tm);
			a->tm = NULL;
			return ret;
		}
	}
	telemetry_as_sink(a->tm, &s);
	ret = pipeline_add(&a->pl, &s);
	if (ret) {
		telemetry_free(a->tm);
		a->tm = NULL;
	}
	return ret;
}

static int setup_sinks(struct agent *a, char *err, size_t errlen)
{
	struct json_sink *js;
	struct sink s;
	int ret;

	if (a->rec) {
		if (a->spiffe)
			capture_set_resolver(a->rec, spiffe_resolve, a->spiffe);
		capture_sink(&s, a->rec);
		ret = pipeline_add(&a->pl, &s);
		if (ret) {
			snprintf(err, errlen, "cannot add the capture sink");
			return ret;
		}
	}
	if (a->cfg.output == CONFIG_OUTPUT_JSON) {
		ret = json_sink_create(&js, stdout);
		if (!ret) {
			json_sink_as_sink(js, &s);
			ret = pipeline_add(&a->pl, &s);
			if (ret)
				json_sink_destroy(js);
		}
		if (ret) {
			snprintf(err, errlen, "cannot set up JSON output");
			return ret;
		}
	}
	if (a->cfg.output != CONFIG_OUTPUT_NONE || a->prom) {
		ret = setup_telemetry(a, err, errlen);
		if (ret)
			return ret;
	}
	notify_sink(&s);
	ret = pipeline_add(&a->pl, &s);
	if (!ret) {
		s = (struct sink){ .name = "health", .tick = tick_health,
				   .ctx = a };
		ret = pipeline_add(&a->pl, &s);
	}
	if (ret)
		snprintf(err, errlen, "too many sinks");
	return ret;
}

/* SIGHUP: load the configuration again; swap the exporter if it is good. */
static void reload(struct agent *a)
{
	struct exporter *nx, *old;
	struct config nc;
	char err[512];
	int ret;

	notify_reloading();
	ret = load_config(&a->opt, &nc, "SIGHUP: ", err, sizeof(err));
	if (ret) {
		log_msg("SIGHUP: configuration rejected, keeping the running one: %s",
			err);
		goto out;
	}
	if (nc.output != a->cfg.output) {
		log_msg("SIGHUP: agent.output changes need a restart; keeping '%s'",
			a->cfg.output == CONFIG_OUTPUT_JSON ? "json" :
			a->cfg.output == CONFIG_OUTPUT_NONE ? "none" : "otlp");
		nc.output = a->cfg.output;
	}
	nx = exporter_new(&nc, &ret, err, sizeof(err));
	if (ret) {
		log_msg("SIGHUP: export settings rejected, keeping the running ones: %s",
			err);
		goto out;
	}
	pthread_mutex_lock(&a->exp_lock);
	old = a->ex;
	a->old_ex = old;
	a->ex = nx;
	a->cfg.timeout_ms = nc.timeout_ms;
	pthread_mutex_unlock(&a->exp_lock);
	/* what the old exporter still holds is delivered, not lost */
	if (old && export_flush(old->exp, nc.shutdown_timeout_ms))
		log_msg("SIGHUP: the previous exporter could not deliver everything within %u ms; the rest is counted as dropped",
			nc.shutdown_timeout_ms);
	if (old) {
		/* its drops counted, then its counters join the totals */
		export_stop(old->exp);
		pthread_mutex_lock(&a->exp_lock);
		for (int s = 0; s < OTLP_SIGNALS; s++) {
			struct export_signal_stats st;

			export_stats(old->exp, s, &st);
			export_stats_add(&a->retired[s], &st);
		}
		a->old_ex = NULL;
		pthread_mutex_unlock(&a->exp_lock);
	}
	exporter_free(old);
	log_msg("SIGHUP: configuration reloaded (export settings applied; enrichment and metric limits apply at restart)");
out:
	notify_ready();
}

static void *reload_main(void *arg)
{
	struct agent *a = arg;
	sigset_t hup;
	int sig;

	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	while (!sigwait(&hup, &sig) && !atomic_load(&a->stopping))
		reload(a);
	return NULL;
}

/*
 * Before the final flush: after this, main is the only thread that
 * touches a->ex, so no reload can swap (and free) the exporter under the
 * flush or the exit report.  A reload in progress finishes first (its
 * flush of the old exporter is bounded by shutdown_timeout_ms); SIGHUPs
 * from now on stay pending, blocked, and are never acted on.
 */
static void stop_reload_thread(struct agent *a)
{
	atomic_store(&a->stopping, true);
	if (!a->reload_started)
		return;
	pthread_kill(a->reload_thread, SIGHUP);
	pthread_join(a->reload_thread, NULL);
	a->reload_started = false;
}

static struct reader_ring_desc ring_desc(const struct agent *a, size_t i)
{
	return (struct reader_ring_desc){
		.cpu = a->dev->rings[i].cpu,
		.prod = a->dev->rings[i].prod,
		.cons = a->dev->rings[i].cons,
		.data = a->dev->rings[i].data,
		.data_size = a->dev->info.data_size,
	};
}

/* Room for every CPU's ring: a CPU may come online after the start. */
static int make_ring_descs(struct agent *a)
{
	struct reader_ring_desc *d;
	size_t i;
	int ret;

	d = calloc(a->dev->nr_rings, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < a->dev->nr_rings; i++)
		d[i] = ring_desc(a, i);
	ret = reader_create_cap(&a->rd, d, a->dev->nr_rings,
				a->dev->info.nr_cpus);
	free(d);
	return ret;
}

/*
 * The runner's new_rings callback, on the drain thread: the module created
 * rings (CPUs online for the first time): map them and read them too.
 */
static int add_new_rings(void *arg)
{
	struct agent *a = arg;
	size_t before = a->dev->nr_rings, i;
	struct reader_ring_desc d;
	int ret;

	ret = device_refresh(a->dev, NULL);
	if (ret < 0)
		return ret;
	for (i = before; i < a->dev->nr_rings; i++) {
		d = ring_desc(a, i);
		ret = reader_add_ring(a->rd, &d);
		if (ret)
			return ret;
		log_msg("CPU %u came online: reading its ring too", d.cpu);
	}
	return (int)(a->dev->nr_rings - before);
}

static void print_summary(struct agent *a)
{
	struct reader_stats *st;
	struct json_summary s;
	struct jsonw w;
	size_t i, n = a->rd ? reader_nr_rings(a->rd) : 0;

	st = calloc(n ? n : 1, sizeof(*st));
	if (!st) {
		log_msg("out of memory for the summary");
		return;
	}
	for (i = 0; i < n; i++)
		reader_stats(a->rd, i, &st[i]);
	s = (struct json_summary){ .records = a->res.records, .cpus = st,
				   .nr_cpus = n,
				   .queue_dropped = a->q ? queue_dropped(a->q) : 0 };
	if (a->cfg.output == CONFIG_OUTPUT_JSON) {
		jsonw_init(&w);
		if (json_sink_summary(&w, &s) == 0)
			printf("%s\n", jsonw_str(&w));
		else
			log_msg("out of memory for the summary");
		jsonw_fini(&w);
		fflush(stdout);
	} else {
		fprintf(stderr, PROG ": %" PRIu64 " records, %" PRIu64
			" dropped in the queue\n", s.records, s.queue_dropped);
		if (n)
			fprintf(stderr, "%5s %12s %12s %10s %10s %8s %9s\n",
				"cpu", "written", "consumed", "dropped",
				"seq_gaps", "invalid", "cons_err");
		for (i = 0; i < n; i++)
			fprintf(stderr, "%5u %12" PRIu64 " %12" PRIu64 " %10"
				PRIu64 " %10" PRIu64 " %8" PRIu64 " %9" PRIu64
				"\n", st[i].cpu, st[i].written,
				st[i].consumed, st[i].dropped, st[i].seq_gaps,
				st[i].invalid, st[i].consumer_errors);
	}
	free(st);
}

/* Export counters at exit, one line per signal that did anything. */
static void print_export_stats(struct agent *a)
{
	for (int s = 0; s < OTLP_SIGNALS; s++) {
		struct export_signal_stats es;
		uint64_t dropped;

		if (!export_totals(a, s, &es))
			continue;
		dropped = export_dropped(&es);
		if (!es.enqueued && !dropped)
			continue;
		log_msg("export %s: %" PRIu64 " sent, %" PRIu64 " rejected, %"
			PRIu64 " dropped, %" PRIu64 " retries%s%s",
			otlp_signal_name(s), es.sent, es.rejected, dropped,
			es.retries, es.last_error[0] ? "; last error: " : "",
			es.last_error);
		if (es.last_partial[0])
			log_msg("export %s: collector refused part of a request: %s",
				otlp_signal_name(s), es.last_partial);
	}
}

static int run_device(struct agent *a)
{
	struct runner_cfg cfg = {
		.rd = a->rd, .q = a->q, .pl = &a->pl, .clk = &a->clk,
		.wait_fd = a->dev->fd, .stop_fd = a->sig_fd,
		.new_rings = add_new_rings, .new_rings_arg = a,
		.poll_ms = DRAIN_POLL_MS,
		.duration_ns = (uint64_t)(a->opt.duration * 1e9),
		.max_records = a->opt.max_records,
	};
	uint64_t wd = notify_watchdog_interval_ns();
	size_t i;

	/*
	 * At a stop, drain what the rings hold and a little more (producers
	 * may keep writing): about one full ring per CPU.
	 */
	for (i = 0; i < a->dev->nr_rings; i++)
		cfg.final_drain_budget +=
			a->dev->info.data_size / RIPTEL_RECORD_SIZE;
	/* the module wakes a waiting reader within flush_ms */
	if (a->dev->info.flush_ms && a->dev->info.flush_ms < cfg.poll_ms)
		cfg.poll_ms = a->dev->info.flush_ms;
	/* the watchdog sink pings on every tick */
	if (wd && wd < 1000000000ULL)
		cfg.tick_ns = wd;
	return runner_run(&cfg, &a->res);
}

/*
 * --replay: the pipeline on this thread, from the capture.  Time, for the
 * telemetry, is the capture's: ticks carry the newest record timestamp.
 */
static int run_replay(struct agent *a)
{
	const struct capture_info *ci = capture_reader_info(a->replay);
	uint64_t start = clock_mono_ns(&a->clk), newest = 0, last_tick = 0;
	uint64_t end_ns = a->opt.duration > 0 ?
			  start + (uint64_t)(a->opt.duration * 1e9) : 0;
	struct capture_item it;
	struct signalfd_siginfo si;
	int ret;

	while ((ret = capture_next(a->replay, &it)) == 1) {
		if (it.type != CAPTURE_ITEM_RECORD)
			continue;
		if (a->opt.replay_pace) {
			struct pollfd pfd = { .fd = a->sig_fd, .events = POLLIN };
			uint64_t due = start + it.pace_ns;
			uint64_t now = clock_mono_ns(&a->clk);

			/* wait for the record's time, or SIGINT/SIGTERM */
			if (due > now &&
			    poll(&pfd, 1, (int)((due - now + 999999) / 1000000)) > 0)
				return 0;
		}
		if (it.rec.hdr.ts_ns > newest)
			newest = it.rec.hdr.ts_ns;
		ret = pipeline_record(&a->pl, &it.rec,
				      clock_apply_offset(ci->mono_to_real_ns,
							 it.rec.hdr.ts_ns));
		if (ret == -EPIPE)
			return 0;
		a->res.records++;
		if (newest - last_tick >= 100000000ULL) {
			pipeline_tick(&a->pl, newest);
			last_tick = newest;
		}
		if (a->opt.max_records && a->res.records >= a->opt.max_records)
			return 0;
		if (!(a->res.records & 1023) &&
		    read(a->sig_fd, &si, sizeof(si)) == sizeof(si))
			return 0;
		if (end_ns && clock_mono_ns(&a->clk) >= end_ns)
			return 0;
	}
	if (ret < 0)
		log_msg("%s: %s (%" PRIu64 " bytes after the last whole item ignored); replayed what came before",
			a->opt.replay_path, capture_error(a->replay),
			capture_bytes_ignored(a->replay));
	pipeline_tick(&a->pl, newest);
	return 0;
}

/*
 * --replay with a Prometheus endpoint: the replay is over and its final
 * metrics are published; keep serving them until SIGINT/SIGTERM (or
 * --duration), so they can be scraped and compared.
 */
static void linger(struct agent *a)
{
	struct pollfd pfd = { .fd = a->sig_fd, .events = POLLIN };
	uint64_t end = a->opt.duration > 0 ?
		       clock_mono_ns(&a->clk) + (uint64_t)(a->opt.duration * 1e9) : 0;

	log_msg("replay done; serving its metrics on %s until SIGTERM",
		a->cfg.prometheus_listen);
	for (;;) {
		prom_heartbeat(a->prom);
		if (poll(&pfd, 1, 1000) > 0 || (end && clock_mono_ns(&a->clk) >= end))
			return;
	}
}

static int open_source(struct agent *a, char *err, size_t errlen)
{
	struct device_diag diag;
	int ret;

	if (a->opt.replay_path)
		return capture_open_read(a->opt.replay_path, &a->replay, err,
					 errlen);
	ret = device_open(&a->dev, a->cfg.device, &diag);
	if (ret) {
		device_describe_error(err, errlen, a->cfg.device, ret, &diag);
		return ret;
	}
	ret = make_ring_descs(a);
	if (!ret)
		ret = queue_create(&a->q, a->cfg.queue_records);
	if (ret) {
		snprintf(err, errlen, "cannot set up the reader: %s",
			 strerror(-ret));
		return ret;
	}
	/* identities resolve over generic netlink; without it, "unknown" */
	a->spiffe = spiffe_resolver_new(SPIFFE_CACHE);
	if (!a->spiffe)
		log_msg("SPIFFE IDs will show as \"unknown\": cannot reach riptel's generic netlink family (%s)",
			strerror(errno));
	if (!a->opt.record_path && a->cfg.record_file[0])
		a->opt.record_path = a->cfg.record_file;
	if (a->opt.record_path) {
		struct capture_info ci;

		ret = capture_info_local(&ci);
		if (!ret) {
			ci.nr_cpus = a->dev->info.nr_cpus;
			ret = capture_open_write(a->opt.record_path, &ci,
						 &a->rec);
		}
		if (ret) {
			snprintf(err, errlen, "--record %s: %s",
				 a->opt.record_path, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* The clean end of a capture: per-CPU counters in the trailer. */
static void finish_capture(struct agent *a)
{
	struct capture_cpu_counters *cc;
	struct reader_stats st;
	size_t n;

	if (!a->rec || !a->rd)
		return;
	n = reader_nr_rings(a->rd);
	cc = calloc(n ? n : 1, sizeof(*cc));
	if (!cc)
		return;
	for (size_t i = 0; i < n; i++) {
		reader_stats(a->rd, i, &st);
		cc[i] = (struct capture_cpu_counters){ .cpu = st.cpu,
			.written = st.written, .dropped = st.dropped };
	}
	if (capture_write_trailer(a->rec, cc, n))
		log_msg("--record %s: could not finish the capture file",
			a->opt.record_path);
	free(cc);
}

/*
 * --check-config: load_config() already ran config_check(), the checks
 * startup and SIGHUP run too; here the effective configuration as INI.
 * Exit status 0 (the refusals exit 2 in main()).
 */
static int check_config(struct agent *a)
{
	size_t len = config_format(&a->cfg, NULL, 0) + 1;
	char *text = malloc(len);

	if (!text) {
		log_msg("out of memory");
		return 1;
	}
	config_format(&a->cfg, text, len);
	fputs(text, stdout);
	free(text);
	return 0;
}

/*
 * Signals are blocked in every thread: SIGINT/SIGTERM are read from a
 * signalfd by the loops, SIGHUP by the reload thread.
 */
static int setup_signals(struct agent *a)
{
	sigset_t sigs;
	int ret;

	signal(SIGPIPE, SIG_IGN);	/* a closed stdout is -EPIPE, not death */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	ret = -pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (ret) {
		log_msg("cannot block signals: %s", strerror(-ret));
		return ret;
	}
	sigdelset(&sigs, SIGHUP);
	a->sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (a->sig_fd < 0) {
		log_msg("cannot create a signalfd: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Everything the agent needs before the first record: clocks, the source
 * (device or capture), exporter, Prometheus endpoint, sinks, the reload
 * thread.  Returns the exit status to give on failure (said), 0 if ready.
 */
static int setup(struct agent *a)
{
	char msg[1024];
	int ret;

	pipeline_init(&a->pl);
	pthread_mutex_init(&a->exp_lock, NULL);
	jsonw_init(&a->jw);
	if (setup_signals(a))
		return 1;
	ret = clock_init(&a->clk, NULL, CLOCK_DEFAULT_REFRESH_NS);
	if (ret) {
		log_msg("cannot read the clocks: %s", strerror(-ret));
		return 1;
	}
	ret = open_source(a, msg, sizeof(msg));
	if (ret) {
		log_msg("%s", msg);
		return 1;
	}
	a->ex = exporter_new(&a->cfg, &ret, msg, sizeof(msg));
	if (ret) {
		log_msg("invalid export settings: %s", msg);
		return 2;
	}
	if (a->cfg.prometheus_listen[0]) {
		ret = prom_new(a->cfg.prometheus_listen, &a->prom, msg,
			       sizeof(msg));
		if (ret) {
			log_msg("prometheus.listen: %s", msg);
			return 1;
		}
	}
	ret = setup_sinks(a, msg, sizeof(msg));
	if (ret) {
		log_msg("cannot set up: %s", msg);
		a->rec = NULL;	/* the pipeline owns it, or nobody opened it */
		return 1;
	}
	ret = -pthread_create(&a->reload_thread, NULL, reload_main, a);
	if (ret) {
		log_msg("cannot start the reload thread: %s", strerror(-ret));
		return 1;
	}
	a->reload_started = true;
	return 0;
}

/* Drain the device, or replay the capture, until told to stop. */
static int run(struct agent *a)
{
	int ret;

	if (a->replay) {
		log_msg("replaying %s", a->opt.replay_path);
		notify_ready();
		ret = run_replay(a);
	} else {
		log_msg("%s: ABI %u, %zu CPU rings of %" PRIu64 " KiB",
			a->cfg.device, a->dev->info.abi_version,
			a->dev->nr_rings,
			(uint64_t)a->dev->info.data_size / 1024);
		notify_status("draining %zu CPU rings", a->dev->nr_rings);
		notify_ready();
		ret = run_device(a);
	}
	if (ret) {
		log_msg("cannot start: %s", strerror(-ret));
		return 1;
	}
	return 0;
}

/*
 * The clean end: the capture's trailer, everything the pipeline holds
 * flushed within the bound, then what was sent and what was lost.
 */
static int shutdown_agent(struct agent *a)
{
	int status = 0;

	notify_stopping();
	stop_reload_thread(a);
	if (a->res.drain_err) {
		log_msg("reading %s failed: %s", a->cfg.device,
			strerror(-a->res.drain_err));
		status = 1;
	}
	finish_capture(a);
	pipeline_flush(&a->pl);
	if (a->tm)
		telemetry_flush(a->tm);
	if (a->ex && export_flush(a->ex->exp, a->cfg.shutdown_timeout_ms))
		log_msg("shutdown: not everything reached the collector within %u ms; the rest is counted as dropped",
			a->cfg.shutdown_timeout_ms);
	for (size_t i = 0; i < a->pl.nr_sinks; i++)
		if (a->pl.errors[i])
			log_msg("sink %s: %" PRIu64 " errors, last: %s",
				a->pl.sinks[i].name, a->pl.errors[i],
				strerror(-a->pl.last_error[i]));
	if (a->replay && a->prom)
		linger(a);
	/* what is still queued is now dropped and counted (shutdown) */
	if (a->ex)
		export_stop(a->ex->exp);
	print_export_stats(a);
	if (a->res.pipe_err != -EPIPE)	/* nobody is reading stdout */
		print_summary(a);
	return status;
}

/* Accepts an agent that setup() left half-built. */
static void teardown(struct agent *a)
{
	stop_reload_thread(a);
	pipeline_fini(&a->pl);	/* destroys the sinks: telemetry, capture */
	exporter_free(a->ex);
	prom_free(a->prom);
	spiffe_resolver_free(a->spiffe);
	capture_close_read(a->replay);
	queue_destroy(a->q);
	reader_destroy(a->rd);
	device_close(a->dev);
	jsonw_fini(&a->jw);
	if (a->sig_fd >= 0)
		close(a->sig_fd);
	pthread_mutex_destroy(&a->exp_lock);
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct agent a = { .sig_fd = -1 };
	char msg[1024];
	sigset_t hup;
	int status;

	/* A reload asked for before the reload thread runs waits for it
	 * (pending) instead of killing the agent, SIGHUP's default. */
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &hup, NULL);
	atomic_init(&a.stopping, false);
	switch (cli_parse(argc, argv, &a.opt, stdout, msg, sizeof(msg))) {
	case CLI_DONE:
		return 0;
	case CLI_USAGE:
		log_msg("%s", msg);
		return 2;
	case CLI_RUN:
		break;
	}
	if (load_config(&a.opt, &a.cfg, "", msg, sizeof(msg))) {
		log_msg("invalid configuration: %s", msg);
		return 2;
	}
	if (a.opt.check_config)
		return check_config(&a);
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	status = setup(&a);
	if (!status)
		status = run(&a);
	if (!status)
		status = shutdown_agent(&a);
	teardown(&a);
	return status;
}
