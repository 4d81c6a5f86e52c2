/* main.c - riptel-agent: drain the kernel rings, hand records to sinks. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"
#include "device.h"
#include "json_sink.h"
#include "jsonw.h"
#include "pipeline.h"
#include "queue.h"
#include "reader.h"

#define PROG			"riptel-agent"
#define BATCH			256	/* records per drain / pop */
#define DEFAULT_QUEUE		65536	/* records (8 MiB) */
#define DRAIN_POLL_MS		100	/* upper bound on a poll() wait */
#define TICK_NS			1000000000ULL

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
	int sig_fd;		/* SIGINT/SIGTERM, read by the drain thread */
	int data_fd;		/* eventfd: drain -> pipeline, records queued */
	int stop_fd;		/* eventfd: pipeline -> drain, stop now */
	bool stop;		/* atomic: stop draining */
	bool skip_final_drain;	/* atomic: --max-records reached */
	bool drain_done;	/* atomic: nothing more will be queued */
	int drain_err;		/* 0 or -errno, drain thread's */
	int pipe_err;		/* 0 or -errno, pipeline thread's */
	int stop_signal;	/* the signal that stopped us, or 0 */
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
"once drained), seq_gaps (missing sequence numbers the agent saw),\n"
"invalid (malformed records skipped), consumer_errors (bad tails the\n"
"kernel rejected: should stay 0).\n"
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

static bool load_flag(const bool *b)
{
	return __atomic_load_n(b, __ATOMIC_ACQUIRE);
}

static void set_flag(bool *b)
{
	__atomic_store_n(b, true, __ATOMIC_RELEASE);
}

static void poke(int fd)
{
	uint64_t one = 1;

	/* a full counter already means "wake up": EAGAIN is fine */
	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

static void unpoke(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		return;	/* EAGAIN: nothing pending */
}

static void request_stop(struct agent *a)
{
	set_flag(&a->stop);
	poke(a->stop_fd);
}

/* Push a drained batch; never waits (full queue: dropped and counted). */
static void hand_over(struct agent *a, const struct riptel_record *b,
		      size_t n)
{
	if (!n)
		return;
	queue_push_many(a->q, b, n);
	poke(a->data_fd);
}

static void final_drain(struct agent *a, struct riptel_record *batch)
{
	uint64_t budget = 0;
	size_t i, n;

	/*
	 * Everything already in the rings, and a little more: producers may
	 * keep writing, so stop after about one full ring per CPU.
	 */
	for (i = 0; i < a->dev->nr_rings; i++)
		budget += a->dev->info.data_size / RIPTEL_RECORD_SIZE;
	while (budget) {
		n = reader_drain(a->rd, batch, BATCH);
		hand_over(a, batch, n);
		if (!n && !reader_pending(a->rd))
			break;
		budget -= n < budget ? (n ? n : 1) : budget;
	}
}

static void *drain_main(void *arg)
{
	struct agent *a = arg;
	struct riptel_record *batch;
	uint64_t deadline = 0, now;
	struct pollfd pfd[3];
	int timeout, ret;
	size_t n;

	batch = malloc(BATCH * sizeof(*batch));
	if (!batch) {
		a->drain_err = -ENOMEM;
		goto out;
	}
	if (a->opt.duration > 0)
		deadline = clock_mono_ns(&a->clk) +
			   (uint64_t)(a->opt.duration * 1e9);
	pfd[0] = (struct pollfd){ .fd = a->dev->fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = a->sig_fd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = a->stop_fd, .events = POLLIN };
	while (!load_flag(&a->stop)) {
		n = reader_drain(a->rd, batch, BATCH);
		hand_over(a, batch, n);
		if (n == BATCH)
			continue;	/* more is likely waiting */

		timeout = DRAIN_POLL_MS;
		if (a->dev->info.flush_ms && a->dev->info.flush_ms < DRAIN_POLL_MS)
			timeout = (int)a->dev->info.flush_ms;
		if (deadline) {
			now = clock_mono_ns(&a->clk);
			if (now >= deadline)
				break;
			if ((deadline - now) / 1000000 < (uint64_t)timeout)
				timeout = (int)((deadline - now) / 1000000) + 1;
		}
		ret = poll(pfd, 3, timeout);
		if (ret < 0 && errno != EINTR) {
			a->drain_err = -errno;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(a->sig_fd, &si, sizeof(si)) == sizeof(si))
				a->stop_signal = (int)si.ssi_signo;
			break;
		}
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			a->drain_err = -EIO;
			break;
		}
	}
	if (!load_flag(&a->skip_final_drain))
		final_drain(a, batch);
out:
	free(batch);
	set_flag(&a->drain_done);
	poke(a->data_fd);
	return NULL;
}

static void *pipeline_main(void *arg)
{
	struct agent *a = arg;
	struct riptel_record *buf;
	uint64_t last_tick, now, max = a->opt.max_records;
	struct pollfd pfd;
	size_t n, i;
	int ret;

	buf = malloc(BATCH * sizeof(*buf));
	if (!buf) {
		a->pipe_err = -ENOMEM;
		request_stop(a);
		return NULL;
	}
	pfd = (struct pollfd){ .fd = a->data_fd, .events = POLLIN };
	last_tick = clock_mono_ns(&a->clk);
	for (;;) {
		n = queue_pop_many(a->q, buf, BATCH);
		for (i = 0; i < n; i++) {
			if (max && a->pl.records >= max)
				break;
			ret = pipeline_record(&a->pl, &buf[i],
					      clock_to_unix_ns(&a->clk,
							       buf[i].hdr.ts_ns));
			if (ret == -EPIPE) {	/* reader of stdout went away */
				a->pipe_err = ret;
				goto stop;
			}
		}
		if (max && a->pl.records >= max) {
			set_flag(&a->skip_final_drain);
			goto stop;
		}
		now = clock_mono_ns(&a->clk);
		if (now - last_tick >= TICK_NS) {
			clock_maybe_refresh(&a->clk, now);
			pipeline_tick(&a->pl, now);
			last_tick = now;
		}
		if (n)
			continue;
		if (load_flag(&a->drain_done)) {
			if (queue_empty(a->q))
				break;
			continue;
		}
		pipeline_flush(&a->pl);	/* idle: let the output out */
		if (poll(&pfd, 1, 1000) > 0)
			unpoke(a->data_fd);
	}
	free(buf);
	return NULL;
stop:
	free(buf);
	request_stop(a);
	return NULL;
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
	s = (struct json_summary){ .records = a->pl.records, .cpus = st,
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

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct agent a = { .sig_fd = -1, .data_fd = -1, .stop_fd = -1 };
	struct device_diag diag;
	pthread_t drain_th, pipe_th;
	char msg[512];
	sigset_t sigs;
	int ret, status = 1;

	ret = parse_args(argc, argv, &a.opt);
	if (ret)
		return ret == 1 ? 0 : 2;
	pipeline_init(&a.pl);
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout is -EPIPE, not death */

	/* block the stop signals in every thread; the drain thread reads them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	ret = -pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (ret) {
		log_msg("cannot block signals: %s", strerror(-ret));
		return 1;
	}
	a.sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	a.data_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	a.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a.sig_fd < 0 || a.data_fd < 0 || a.stop_fd < 0) {
		log_msg("cannot create signalfd/eventfd: %s", strerror(errno));
		goto out_fds;
	}
	ret = clock_init(&a.clk, NULL, CLOCK_DEFAULT_REFRESH_NS);
	if (ret) {
		log_msg("cannot read the clocks: %s", strerror(-ret));
		goto out_fds;
	}

	ret = device_open(&a.dev, a.opt.device, &diag);
	if (ret) {
		device_describe_error(msg, sizeof(msg), a.opt.device, ret,
				      &diag);
		log_msg("%s", msg);
		goto out_fds;
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

	ret = -pthread_create(&pipe_th, NULL, pipeline_main, &a);
	if (ret) {
		log_msg("cannot start the pipeline thread: %s", strerror(-ret));
		goto out_pipeline;
	}
	ret = -pthread_create(&drain_th, NULL, drain_main, &a);
	if (ret) {
		log_msg("cannot start the drain thread: %s", strerror(-ret));
		set_flag(&a.drain_done);
		poke(a.data_fd);
		pthread_join(pipe_th, NULL);
		goto out_pipeline;
	}
	pthread_join(drain_th, NULL);
	pthread_join(pipe_th, NULL);
	pipeline_flush(&a.pl);

	status = 0;
	if (a.drain_err) {
		log_msg("reading %s failed: %s", a.opt.device,
			strerror(-a.drain_err));
		status = 1;
	}
	if (a.pipe_err && a.pipe_err != -EPIPE) {
		log_msg("pipeline failed: %s", strerror(-a.pipe_err));
		status = 1;
	}
	for (size_t i = 0; i < a.pl.nr_sinks; i++)
		if (a.pl.errors[i])
			log_msg("sink %s: %" PRIu64 " errors, last: %s",
				a.pl.sinks[i].name, a.pl.errors[i],
				strerror(-a.pl.last_error[i]));
	if (a.pipe_err != -EPIPE)
		print_summary(&a);

out_pipeline:
	pipeline_fini(&a.pl);
	queue_destroy(a.q);
	reader_destroy(a.rd);
	device_close(a.dev);
out_fds:
	if (a.stop_fd >= 0)
		close(a.stop_fd);
	if (a.data_fd >= 0)
		close(a.data_fd);
	if (a.sig_fd >= 0)
		close(a.sig_fd);
	return status;
}
