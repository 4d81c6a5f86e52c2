/* bench_pipeline.c - decode + enrich + aggregate throughput and peak RSS. */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "record.h"
#include "telemetry.h"

/*
 * A synthetic stream, built once as a chunk and replayed with cookies, pids
 * and times shifted so every replay is new connections: per connection an
 * intercept, a policy decision, handshake start and done, a close and the
 * TCP SYN_SENT and CLOSE transitions (7 records), plus one exec per
 * EXECS_EVERY connections; records are locally shuffled as a multi-CPU
 * drain delivers them.  "Decode" copies each 128-byte record out of the
 * buffer and validates its header, as the ring reader does; the baseline
 * is that loop alone, measured in the same run.
 *
 * Enrichment runs against a proc root with no entries, so processes are
 * identified from their exec records (as for processes that have exited):
 * the bench measures the model, not the kernel's /proc.
 */
#define CONNS_PER_CHUNK	8192
#define EXECS_EVERY	8
#define EXECS_PER_CHUNK	(CONNS_PER_CHUNK / EXECS_EVERY)
#define RECS_PER_CONN	7
#define CHUNK_RECS	(CONNS_PER_CHUNK * RECS_PER_CONN + EXECS_PER_CHUNK)
#define CONN_SPACING_NS	20000ULL	/* 50,000 new connections per second */
#define CHUNK_NS	(CONNS_PER_CHUNK * CONN_SPACING_NS)
#define T0		(1000ULL * 1000000000ULL)

static struct riptel_record *chunk;

static uint64_t clock_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static struct riptel_record mk(uint16_t type, uint16_t cpu, uint64_t ts, uint32_t tgid)
{
	struct riptel_record r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = type;
	r.hdr.size = RIPTEL_RECORD_SIZE;
	r.hdr.cpu = cpu;
	r.hdr.ts_ns = ts;
	r.hdr.pid = r.hdr.tgid = tgid;
	if (!tgid)
		r.hdr.flags = RIPTEL_RF_SOFTIRQ | RIPTEL_RF_NO_TASK;
	return r;
}

/* pids in the chunk are indices; the replay maps them into [100, 100+P). */
static void build_chunk(void)
{
	size_t n = 0;
	unsigned int seed = 1;

	chunk = calloc(CHUNK_RECS, sizeof(*chunk));
	if (!chunk)
		exit(1);
	for (uint32_t c = 0; c < CONNS_PER_CHUNK; c++) {
		uint64_t t = T0 + c * CONN_SPACING_NS;
		uint32_t proc = c / EXECS_EVERY + 1;	/* index, 1-based */
		uint64_t cookie = c + 1;
		struct riptel_record r;

		if (c % EXECS_EVERY == 0) {
			r = mk(RIPTEL_REC_EXEC, 0, t, proc);
			r.exec.cgroup_id = 1000 + proc % 50;
			r.exec.uid = 1000 + proc % 7;
			r.exec.ppid = 1;
			snprintf(r.exec.comm, sizeof(r.exec.comm), "worker%u", proc % 20);
			snprintf(r.exec.filename, sizeof(r.exec.filename), "/usr/bin/worker%u",
				 proc % 20);
			chunk[n++] = r;
		}
		r = mk(RIPTEL_REC_TCP_STATE, 0, t, proc);
		r.tcp.sock_cookie = cookie;
		r.tcp.family = AF_INET;
		r.tcp.sport = (uint16_t)(30000 + c % 20000);
		r.tcp.dport = 443;
		r.tcp.oldstate = 7;	/* CLOSE */
		r.tcp.newstate = 2;	/* SYN_SENT */
		chunk[n++] = r;
		r = mk(RIPTEL_REC_CONN_INTERCEPT, 0, t + 1000, proc);
		r.conn.sock_cookie = cookie;
		r.conn.direction = RIPTEL_DIR_OUT;
		r.conn.family = AF_INET;
		r.conn.lport = (uint16_t)(30000 + c % 20000);
		r.conn.rport = 443;
		r.conn.local_id = (struct riptel_spiffe_ref){ 1 + proc % 10, 1 };
		chunk[n++] = r;
		r = mk(RIPTEL_REC_POLICY_DECISION, 1, t + 5000, 0);
		r.decision.sock_cookie = cookie;
		r.decision.local_id = (struct riptel_spiffe_ref){ 1 + proc % 10, 1 };
		r.decision.peer_id = (struct riptel_spiffe_ref){ 11 + c % 10, 1 };
		r.decision.decision = c % 10 == 0 ? RIPTEL_DECISION_DENY : RIPTEL_DECISION_ALLOW;
		r.decision.tls_mode = RIPTEL_TLS_MODE_MUTUAL;
		r.decision.reason = (uint16_t)(c % 3);
		chunk[n++] = r;
		r = mk(RIPTEL_REC_HANDSHAKE_START, 2, t + 10000, 0);
		r.handshake.sock_cookie = cookie;
		r.handshake.tls_version = 0x0304;
		chunk[n++] = r;
		r = mk(RIPTEL_REC_HANDSHAKE_DONE, 3, t + 400000, 0);
		r.handshake.sock_cookie = cookie;
		r.handshake.tls_version = 0x0304;
		r.handshake.result = c % 50 == 1 ? -ECONNRESET : 0;
		r.handshake.duration_ns = 390000;
		r.handshake.peer_id = (struct riptel_spiffe_ref){ 11 + c % 10, 1 };
		chunk[n++] = r;
		r = mk(RIPTEL_REC_CONN_CLOSE, 0, t + 900000, proc);
		r.close.sock_cookie = cookie;
		r.close.bytes_sent = 100 + c;
		r.close.bytes_received = 5000 + c * 3;
		r.close.duration_ns = 900000;
		chunk[n++] = r;
		r = mk(RIPTEL_REC_TCP_STATE, 1, t + 950000, 0);
		r.tcp.sock_cookie = cookie;
		r.tcp.family = AF_INET;
		r.tcp.oldstate = 4;	/* FIN_WAIT1 */
		r.tcp.newstate = 7;	/* CLOSE */
		chunk[n++] = r;
	}
	/* local shuffle: what per-CPU blocks of a drain look like, roughly */
	for (size_t i = 0; i + 1 < n; i++) {
		size_t j = i + (size_t)rand_r(&seed) % (n - i < 24 ? n - i : 24);
		struct riptel_record t = chunk[i];

		chunk[i] = chunk[j];
		chunk[j] = t;
	}
}

/* "Decode" record i of replay k into out; false if it fails validation. */
static bool decode(size_t i, uint64_t k, uint32_t nproc, struct riptel_record *out)
{
	memcpy(out, &chunk[i], sizeof(*out));
	if (out->hdr.size != RIPTEL_RECORD_SIZE || !record_type_known(out->hdr.type))
		return false;
	out->hdr.ts_ns += k * CHUNK_NS;
	if (out->hdr.tgid) {
		uint32_t pid = 100 + (uint32_t)((k * EXECS_PER_CHUNK + out->hdr.tgid) % nproc);

		out->hdr.pid = out->hdr.tgid = pid;
	}
	switch (out->hdr.type) {
	case RIPTEL_REC_TCP_STATE:
		out->tcp.sock_cookie += k * CONNS_PER_CHUNK;
		break;
	case RIPTEL_REC_CONN_INTERCEPT:
		out->conn.sock_cookie += k * CONNS_PER_CHUNK;
		break;
	case RIPTEL_REC_POLICY_DECISION:
		out->decision.sock_cookie += k * CONNS_PER_CHUNK;
		break;
	case RIPTEL_REC_HANDSHAKE_START:
	case RIPTEL_REC_HANDSHAKE_DONE:
		out->handshake.sock_cookie += k * CONNS_PER_CHUNK;
		break;
	case RIPTEL_REC_CONN_CLOSE:
		out->close.sock_cookie += k * CONNS_PER_CHUNK;
		break;
	}
	return true;
}

/* A resolver answering from a warm cache, as the real one mostly does. */
static char ids[32][64];

static const char *resolve(void *ctx, uint32_t id, uint32_t gen)
{
	(void)ctx;
	(void)gen;
	if (id >= 32)
		return NULL;
	if (!ids[id][0])
		snprintf(ids[id], sizeof(ids[id]), "spiffe://bench.example/workload-%u", id);
	return ids[id];
}

struct run {
	double cpu_secs;		/* this thread's CPU time: robust on a busy host */
	double free_secs;		/* of which freeing exported batches */
	uint64_t records;
	uint64_t spans;
	uint64_t logs;
	uint64_t points;
	double secs;
	struct telemetry_stats st;
};

static volatile uint64_t sink_sum;

/* Replay `chunks` chunks; with t NULL only decode (the baseline). */
static int replay(struct telemetry *t, uint64_t chunks, uint32_t nproc, struct run *out)
{
	struct riptel_record r;

	memset(out, 0, sizeof(*out));
	uint64_t start = clock_of(CLOCK_MONOTONIC);
	uint64_t cpu0 = clock_of(CLOCK_THREAD_CPUTIME_ID);

	for (uint64_t k = 0; k < chunks; k++) {
		for (size_t i = 0; i < CHUNK_RECS; i++) {
			if (!decode(i, k, nproc, &r))
				return -EINVAL;
			if (t)
				telemetry_record(t, &r, 0);
			else
				sink_sum += r.hdr.ts_ns;
			out->records++;
		}
		/* export every chunk (~160 ms of traffic), as a batch processor would */
		if (t) {
			struct telemetry_batches b;

			if (telemetry_collect(t, T0 + (k + 1) * CHUNK_NS,
					      (k % 16 == 15) ? TELEMETRY_ALL :
					      TELEMETRY_SPANS | TELEMETRY_LOGS, &b) == 0) {
				out->spans += b.spans ? b.spans->n : 0;
				out->logs += b.logs ? b.logs->n : 0;
				uint64_t f0 = clock_of(CLOCK_THREAD_CPUTIME_ID);

				out->points += model_metric_batch_points(b.metrics);
				/* the exporter's job, on its own thread in the agent */
				telemetry_batches_free(&b);
				out->free_secs += (double)(clock_of(CLOCK_THREAD_CPUTIME_ID) - f0) / 1e9;
			}
		}
	}
	out->secs = (double)(clock_of(CLOCK_MONOTONIC) - start) / 1e9;
	out->cpu_secs = (double)(clock_of(CLOCK_THREAD_CPUTIME_ID) - cpu0) / 1e9;
	if (t)
		telemetry_stats(t, &out->st);
	return 0;
}

static struct telemetry *make(void)
{
	struct telemetry_opts o = { 0 };
	struct telemetry *t;
	char err[128];

	o.proc_root = "/nonexistent-proc-root";
	o.cgroup_root = "/nonexistent-cgroup-root";
	o.resolve = resolve;
	o.clock_set = true;
	o.max_pending = 1 << 20;	/* collected every chunk anyway */
	if (telemetry_new(&o, &t, err, sizeof(err))) {
		fprintf(stderr, "telemetry_new: %s\n", err);
		exit(1);
	}
	return t;
}

int main(int argc, char **argv)
{
	uint64_t tput_chunks = argc > 1 ? strtoull(argv[1], NULL, 10) : 40;
	uint64_t conns = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	uint32_t procs = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 100000;
	struct run base, run;
	struct telemetry *t;
	cpu_set_t one;
	long rss0;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);	/* one core; best effort */
	build_chunk();

	/* throughput: 1,000 processes, many connections each */
	if (replay(NULL, tput_chunks, 1000, &base))
		return 1;
	t = make();
	if (replay(t, tput_chunks, 1000, &run))
		return 1;
	telemetry_free(t);
	printf("BENCH pipeline_decode_baseline_records_per_sec %.0f\n",
	       base.records / base.cpu_secs);
	printf("BENCH pipeline_records_per_sec %.0f\n",
	       run.records / (run.cpu_secs - run.free_secs));
	printf("BENCH pipeline_records_per_sec_incl_batch_free %.0f\n",
	       run.records / run.cpu_secs);
	printf("BENCH pipeline_records_per_sec_wall %.0f\n", run.records / run.secs);
	printf("BENCH pipeline_ns_per_record %.1f\n",
	       (run.cpu_secs - run.free_secs) * 1e9 / run.records);
	printf("BENCH pipeline_spans %" PRIu64 "\n", run.spans);
	printf("BENCH pipeline_logs %" PRIu64 "\n", run.logs);
	printf("BENCH pipeline_spans_evicted %" PRIu64 "\n", run.st.spans_evicted);

	/* memory: `procs` distinct processes, `conns` connections */
	rss0 = rss_kib();
	t = make();
	if (replay(t, (conns + CONNS_PER_CHUNK - 1) / CONNS_PER_CHUNK, procs, &run))
		return 1;
	printf("BENCH pipeline_rss_baseline_kib %ld\n", rss0);
	printf("BENCH pipeline_peak_rss_kib %ld\n", rss_kib());
	printf("BENCH pipeline_rss_connections %" PRIu64 "\n",
	       (conns + CONNS_PER_CHUNK - 1) / CONNS_PER_CHUNK * CONNS_PER_CHUNK);
	printf("BENCH pipeline_rss_processes %u\n", procs);
	printf("BENCH pipeline_rss_spans %" PRIu64 "\n", run.spans);
	printf("BENCH pipeline_rss_records_per_sec %.0f\n", run.records / run.cpu_secs);
	telemetry_free(t);
	free(chunk);
	return sink_sum == 42 ? 2 : 0;
}
