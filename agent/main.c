/* main.c - riptel-agent: drain the kernel rings, hand records to sinks. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"
#include "device.h"
#include "json_sink.h"
#include "jsonw.h"
#include "pipeline.h"
#include "queue.h"
#include "reader.h"
#include "runner.h"

#define PROG			"riptel-agent"
#define DEFAULT_QUEUE		65536	/* records (8 MiB) */
#define DRAIN_POLL_MS		100	/* upper bound on a poll() wait */

enum output { OUTPUT_NONE, OUTPUT_JSON };

struct options {
	const char *device;
	enum output output;
	double duration;	/* seconds, 0: until a signal */
	uint64_t max_records;	/* 0: no limit */
	size_t queue_records;
};

struct agent {
	struct options opt;
	struct device *dev;
	struct reader *rd;
	struct queue *q;
	struct pipeline pl;
	struct clock_conv clk;
	struct runner_result res;
	int sig_fd;		/* SIGINT/SIGTERM: the runner's stop_fd */
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

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [OPTION]...\n"
"Drain riptel's per-CPU kernel rings (/dev/riptel) and hand every record to\n"
"the agent's sinks.  Runs until SIGINT/SIGTERM, --duration or --max-records;\n"
"then it drains what is left in the rings, prints a summary and exits 0.\n"
"\n"
"  -o, --output=FORMAT   json: one JSON object per record on stdout, and a\n"
"                        last {\"type\":\"summary\",...} line with per-CPU\n"
"                        counters.  none (default): no record output; the\n"
"                        summary goes to stderr as text.\n"
"  -d, --device=PATH     the riptel device (default " DEVICE_DEFAULT_PATH ")\n"
"  -t, --duration=SEC    stop after SEC seconds (decimals allowed)\n"
"  -n, --max-records=N   stop after N records reached the sinks (the rings\n"
"                        are not drained further)\n"
"  -q, --queue-size=N    records buffered between the drain and the sinks\n"
"                        (default %d, rounded up to a power of two); when\n"
"                        the sinks fall behind, records are dropped and\n"
"                        counted as queue_dropped, never stalling the rings\n"
"  -h, --help            this text\n"
"  -V, --version         print the version and exit\n"
"\n"
"Summary counters, per CPU: written (records the kernel offered), consumed\n"
"(taken off the ring), dropped (ring full; written == consumed + dropped\n"
"once drained; records written after the final drain, such as the agent's\n"
"own thread exits, can make written a little larger), seq_gaps (missing\n"
"sequence numbers the agent saw: drops), invalid (malformed records\n"
"skipped), seq_errors (a sequence number going backwards), head_errors\n"
"(implausible ring heads, ring skipped to the head), consumer_errors (bad\n"
"tails the kernel rejected), dropped_nmi (events lost in NMI context).\n"
"All but written, consumed and dropped should stay 0.\n"
"\n"
"Examples:\n"
"  riptel-agent --output=json --duration=10 > records.json\n"
"  riptel-agent -o json | grep '\"type\":\"exec\"'\n"
"  riptel-agent --max-records=1 -o json   # is anything arriving?\n"
"\n"
"Exit status: 0 on a clean stop, 1 on a runtime error (device missing,\n"
"ABI mismatch, ...: the message says what to do), 2 on bad usage.\n",
		DEFAULT_QUEUE);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* 0 to run, 1 to exit 0 (help/version), 2 on bad usage (already said). */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "device", required_argument, NULL, 'd' },
		{ "duration", required_argument, NULL, 't' },
		{ "max-records", required_argument, NULL, 'n' },
		{ "queue-size", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->device = DEVICE_DEFAULT_PATH;
	o->queue_records = DEFAULT_QUEUE;
	while ((c = getopt_long(argc, argv, "o:d:t:n:q:hV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!strcmp(optarg, "json")) {
				o->output = OUTPUT_JSON;
			} else if (!strcmp(optarg, "none")) {
				o->output = OUTPUT_NONE;
			} else {
				log_msg("unknown --output '%s' (json or none)",
					optarg);
				return 2;
			}
			break;
		case 'd':
			o->device = optarg;
			break;
		case 't':
			errno = 0;
			o->duration = strtod(optarg, &end);
			if (errno || *end || !(o->duration > 0) ||
			    o->duration > 1e9) {
				log_msg("--duration wants seconds > 0, got '%s'",
					optarg);
				return 2;
			}
			break;
		case 'n':
			if (parse_u64(optarg, &o->max_records) ||
			    !o->max_records) {
				log_msg("--max-records wants a count > 0, got '%s'",
					optarg);
				return 2;
			}
			break;
		case 'q':
			if (parse_u64(optarg, &v) || v < 2 || v > (1U << 24)) {
				log_msg("--queue-size wants 2..16777216 records, got '%s'",
					optarg);
				return 2;
			}
			o->queue_records = (size_t)v;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf(PROG " %s (ABI %d)\n", RIPTEL_VERSION,
			       RIPTEL_ABI_VERSION);
			return 1;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		log_msg("unexpected argument '%s'; try --help", argv[optind]);
		return 2;
	}
	return 0;
}

static void print_summary(struct agent *a)
{
	struct reader_stats *st;
	struct json_summary s;
	struct jsonw w;
	size_t i, n = reader_nr_rings(a->rd);

	st = calloc(n, sizeof(*st));
	if (!st) {
		log_msg("out of memory for the summary");
		return;
	}
	for (i = 0; i < n; i++)
		reader_stats(a->rd, i, &st[i]);
	s = (struct json_summary){ .records = a->res.records, .cpus = st,
				   .nr_cpus = n,
				   .queue_dropped = queue_dropped(a->q) };
	if (a->opt.output == OUTPUT_JSON) {
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
		fprintf(stderr, "%5s %12s %12s %10s %10s %8s %9s\n", "cpu",
			"written", "consumed", "dropped", "seq_gaps", "invalid",
			"cons_err");
		for (i = 0; i < n; i++)
			fprintf(stderr, "%5u %12" PRIu64 " %12" PRIu64 " %10"
				PRIu64 " %10" PRIu64 " %8" PRIu64 " %9" PRIu64
				"\n", st[i].cpu, st[i].written,
				st[i].consumed, st[i].dropped, st[i].seq_gaps,
				st[i].invalid, st[i].consumer_errors);
	}
	free(st);
}

static int setup_sinks(struct agent *a)
{
	struct json_sink *js;
	struct sink s;
	int ret;

	if (a->opt.output == OUTPUT_JSON) {
		ret = json_sink_create(&js, stdout);
		if (ret)
			return ret;
		json_sink_as_sink(js, &s);
		ret = pipeline_add(&a->pl, &s);
		if (ret) {
			json_sink_destroy(js);
			return ret;
		}
	}
	/* the telemetry model and the OTLP exporter plug in here */
	return 0;
}

static int make_ring_descs(struct agent *a)
{
	struct reader_ring_desc *d;
	size_t i;
	int ret;

	d = calloc(a->dev->nr_rings, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < a->dev->nr_rings; i++)
		d[i] = (struct reader_ring_desc){
			.cpu = a->dev->rings[i].cpu,
			.prod = a->dev->rings[i].prod,
			.cons = a->dev->rings[i].cons,
			.data = a->dev->rings[i].data,
			.data_size = a->dev->info.data_size,
		};
	ret = reader_create(&a->rd, d, a->dev->nr_rings);
	free(d);
	return ret;
}

static int run(struct agent *a)
{
	struct runner_cfg cfg = {
		.rd = a->rd, .q = a->q, .pl = &a->pl, .clk = &a->clk,
		.wait_fd = a->dev->fd, .stop_fd = a->sig_fd,
		.poll_ms = DRAIN_POLL_MS,
		.duration_ns = (uint64_t)(a->opt.duration * 1e9),
		.max_records = a->opt.max_records,
	};
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
	return runner_run(&cfg, &a->res);
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct agent a = { .sig_fd = -1 };
	struct device_diag diag;
	char msg[512];
	sigset_t sigs;
	size_t i;
	int ret, status = 1;

	ret = parse_args(argc, argv, &a.opt);
	if (ret)
		return ret == 1 ? 0 : 2;
	pipeline_init(&a.pl);
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout is -EPIPE, not death */

	/* block the stop signals in every thread; poll() sees them instead */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	ret = -pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (ret) {
		log_msg("cannot block signals: %s", strerror(-ret));
		return 1;
	}
	a.sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (a.sig_fd < 0) {
		log_msg("cannot create a signalfd: %s", strerror(errno));
		return 1;
	}
	ret = clock_init(&a.clk, NULL, CLOCK_DEFAULT_REFRESH_NS);
	if (ret) {
		log_msg("cannot read the clocks: %s", strerror(-ret));
		goto out_sigfd;
	}

	ret = device_open(&a.dev, a.opt.device, &diag);
	if (ret) {
		device_describe_error(msg, sizeof(msg), a.opt.device, ret,
				      &diag);
		log_msg("%s", msg);
		goto out_sigfd;
	}
	ret = make_ring_descs(&a);
	if (!ret)
		ret = queue_create(&a.q, a.opt.queue_records);
	if (!ret)
		ret = setup_sinks(&a);
	if (ret) {
		log_msg("cannot set up: %s", strerror(-ret));
		goto out_pipeline;
	}
	log_msg("%s: ABI %u, %zu CPU rings of %" PRIu64 " KiB",
		a.opt.device, a.dev->info.abi_version, a.dev->nr_rings,
		(uint64_t)a.dev->info.data_size / 1024);

	ret = run(&a);
	if (ret) {
		log_msg("cannot start: %s", strerror(-ret));
		goto out_pipeline;
	}
	status = 0;
	if (a.res.drain_err) {
		log_msg("reading %s failed: %s", a.opt.device,
			strerror(-a.res.drain_err));
		status = 1;
	}
	for (i = 0; i < a.pl.nr_sinks; i++)
		if (a.pl.errors[i])
			log_msg("sink %s: %" PRIu64 " errors, last: %s",
				a.pl.sinks[i].name, a.pl.errors[i],
				strerror(-a.pl.last_error[i]));
	if (a.res.pipe_err != -EPIPE)	/* nobody is reading stdout */
		print_summary(&a);

out_pipeline:
	pipeline_fini(&a.pl);
	queue_destroy(a.q);
	reader_destroy(a.rd);
	device_close(a.dev);
out_sigfd:
	close(a.sig_fd);
	return status;
}
