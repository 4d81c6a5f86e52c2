/* bench_otlp.c - OTLP encode and gzip throughput on one core, and loopback export rate. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "export_gzip.h"
#include "export_otlp.h"
#include "otlp_encode.h"
#include "../unit/otlp_sample.h"

/*
 * Prints "BENCH <key> <value>" lines.  The baseline, measured in the same
 * run, is memcpy of the encoded bytes: encode_mb_per_s / memcpy_mb_per_s
 * says how far encoding is from moving the same bytes.  Each figure is the
 * best of ROUNDS timed loops of at least MIN_NS.
 */

#define ROUNDS	3
#define MIN_NS	300000000ULL
#define BATCH	512

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static volatile size_t sink;

/* 20 sums x 500 series, 3 attributes each. */
static struct model_metric_batch *many_points(void)
{
	struct model_metric_batch *b = model_metric_batch_new();
	char name[64], val[32];
	int m, p;

	for (m = 0; m < 20; m++) {
		struct model_metric *mm;

		snprintf(name, sizeof(name), "riptel.bench.metric%d", m);
		mm = model_metric_batch_add(b, name, "a benchmark metric", "{connection}",
					    MODEL_METRIC_SUM, MODEL_TEMPORALITY_CUMULATIVE,
					    true);
		for (p = 0; p < 500; p++) {
			struct model_point *pt = model_metric_add_point(mm);

			snprintf(val, sizeof(val), "spiffe://d/w%d", p);
			if (!pt || model_attrs_set_str(&pt->attrs, "riptides.peer.id", val) ||
			    model_attrs_set_str(&pt->attrs, "riptides.decision", "allow") ||
			    model_attrs_set_int(&pt->attrs, "server.port", 443))
				abort();
			pt->start_time_ns = SAMPLE_START_NS;
			pt->time_ns = SAMPLE_TIME_NS;
			pt->as_int = p;
		}
	}
	return b;
}

typedef int (*encode_fn)(const void *batch, const struct model_resource *res,
			 struct otlp_buf *out);

static int enc_metrics(const void *b, const struct model_resource *res,
		       struct otlp_buf *out)
{
	return otlp_encode_metrics(res, b, 0, SIZE_MAX, 0, out);
}

static int enc_spans(const void *b, const struct model_resource *res,
		     struct otlp_buf *out)
{
	return otlp_encode_spans(res, b, 0, BATCH, 0, out);
}

static int enc_logs(const void *b, const struct model_resource *res,
		    struct otlp_buf *out)
{
	return otlp_encode_logs(res, b, 0, BATCH, 0, out);
}

/* Items per second encoding, best of ROUNDS; *bytes the request size. */
static double bench_encode(encode_fn fn, const void *b,
			   const struct model_resource *res, size_t items,
			   size_t *bytes)
{
	double best = 0;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns(), t, n = 0;
		struct otlp_buf buf;

		do {
			if (fn(b, res, &buf))
				abort();
			*bytes = buf.len;
			sink += buf.len;
			otlp_buf_free(&buf);
			n++;
			t = now_ns() - t0;
		} while (t < MIN_NS);
		if ((double)(n * items) * 1e9 / (double)t > best)
			best = (double)(n * items) * 1e9 / (double)t;
	}
	return best;
}

/* MB/s of f over buf; gzip when gz, else memcpy (the baseline). */
static double bench_bytes(const uint8_t *data, size_t len, bool gz, size_t *zlen)
{
	uint8_t *out = NULL;
	size_t cap = 0;
	double best = 0;
	int r;

	if (!gz) {
		cap = len;
		out = malloc(len);
	}
	for (r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns(), t, n = 0;

		do {
			if (gz) {
				if (export_gzip(data, len, &out, &cap, zlen))
					abort();
			} else {
				memcpy(out, data, len);
				sink += out[len / 2];
			}
			n++;
			t = now_ns() - t0;
		} while (t < MIN_NS);
		if ((double)(n * len) * 1e3 / (double)t > best)
			best = (double)(n * len) * 1e3 / (double)t;
	}
	free(out);
	return best;
}

static enum MHD_Result ok_handler(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	static int marker;
	struct MHD_Response *resp;
	enum MHD_Result rc;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	if (!*con_cls) {
		*con_cls = &marker;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	rc = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* Spans through encode, gzip and HTTP to an in-process loopback receiver. */
static void bench_loopback(const struct model_resource *res,
			   const struct model_span_batch *spans, bool gz)
{
	struct MHD_Daemon *d;
	struct export_opts o = { 0 };
	struct export_otlp_opts xo = { 0 };
	struct export_signal_stats st;
	struct export_exporter x;
	struct export *e;
	char url[96], err[256];
	uint64_t t0, c0, t, c;
	int i, iters = 400;

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
			     ok_handler, NULL, MHD_OPTION_END);
	if (!d)
		abort();
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/traces",
		 MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
	xo.http[OTLP_TRACES].url = url;
	xo.http[OTLP_TRACES].gzip = gz;
	o.queue_requests = 100000;
	o.queue_items[OTLP_TRACES] = 1u << 30;
	o.queue_bytes = (size_t)1 << 32;
	if (export_otlp_new(&xo, &x, err, sizeof(err)) ||
	    export_new(&o, &x, &e, err, sizeof(err))) {
		fprintf(stderr, "bench_otlp: %s\n", err);
		abort();
	}
	t0 = now_ns();
	c0 = cpu_ns();
	for (i = 0; i < iters; i++)
		if (export_enqueue(e, res, NULL, spans, NULL))
			abort();
	if (export_flush(e, 120000))
		abort();
	t = now_ns() - t0;
	c = cpu_ns() - c0;
	export_stats(e, OTLP_TRACES, &st);
	if (st.sent != (uint64_t)iters * BATCH)
		abort();
	printf("BENCH otlp_loopback%s_spans_per_s %.0f\n", gz ? "_gzip" : "",
	       (double)st.sent * 1e9 / (double)t);
	/* sender and receiver both, per 100,000 spans */
	printf("BENCH otlp_loopback%s_cpu_ms_per_100k_spans %.1f\n", gz ? "_gzip" : "",
	       (double)c / 1e6 * 100000.0 / (double)st.sent);
	export_free(e);
	MHD_stop_daemon(d);
}

int main(void)
{
	struct model_metric_batch *mb = many_points();
	struct model_span_batch *sb = sample_spans(BATCH);
	struct model_log_batch *lb = sample_logs(BATCH);
	size_t points = model_metric_batch_points(mb), bytes, zlen = 0;
	struct model_resource res;
	struct otlp_buf buf;
	double rate, copy, gz;

	sample_resource(&res);
	rate = bench_encode(enc_metrics, mb, &res, points, &bytes);
	printf("BENCH otlp_encode_points_per_s %.0f\n", rate);
	printf("BENCH otlp_encode_bytes_per_point %.1f\n", (double)bytes / (double)points);
	rate = bench_encode(enc_spans, sb, &res, BATCH, &bytes);
	printf("BENCH otlp_encode_spans_per_s %.0f\n", rate);
	printf("BENCH otlp_encode_bytes_per_span %.1f\n", (double)bytes / BATCH);
	printf("BENCH otlp_encode_spans_mb_per_s %.1f\n", rate * (double)bytes / BATCH / 1e6);
	rate = bench_encode(enc_logs, lb, &res, BATCH, &bytes);
	printf("BENCH otlp_encode_logs_per_s %.0f\n", rate);

	if (otlp_encode_spans(&res, sb, 0, BATCH, 0, &buf))
		abort();
	copy = bench_bytes(buf.data, buf.len, false, &zlen);
	gz = bench_bytes(buf.data, buf.len, true, &zlen);
	printf("BENCH otlp_baseline_memcpy_mb_per_s %.0f\n", copy);
	printf("BENCH otlp_gzip_mb_per_s %.1f\n", gz);
	printf("BENCH otlp_gzip_ratio %.3f\n", (double)zlen / (double)buf.len);
	printf("BENCH otlp_gzip_ns_per_span %.0f\n",
	       (double)buf.len / BATCH / gz * 1e3);
	otlp_buf_free(&buf);

	bench_loopback(&res, sb, false);
	bench_loopback(&res, sb, true);

	model_resource_clear(&res);
	model_metric_batch_free(mb);
	model_span_batch_free(sb);
	model_log_batch_free(lb);
	return 0;
}
