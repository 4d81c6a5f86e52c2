/* cli.c - riptel-agent's command line: options, --help, parsing. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "uapi/riptel.h"

void cli_usage(FILE *f)
{
	fprintf(f,
"Usage: " CLI_PROG " [OPTION]...\n"
"Drain riptel's per-CPU kernel rings (/dev/riptel), enrich the records\n"
"(process, user, container, pod, SPIFFE ID, host), aggregate them into\n"
"metrics, connection spans and logs, and export them as OTLP/HTTP protobuf\n"
"(or JSON lines on stdout, or a Prometheus endpoint).  Runs until\n"
"SIGINT/SIGTERM, --duration or --max-records; then it drains what is left,\n"
"flushes telemetry within agent.shutdown_timeout_ms and exits 0.\n"
"SIGHUP reloads the configuration; a bad one is refused and the running\n"
"one kept.\n"
"\n"
"Configuration, lowest precedence first: built-in defaults, the config file,\n"
"the environment (OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME, RIPTEL_*), then\n"
"these flags.  `--check-config` prints the effective result.\n"
"\n"
"  -c, --config=FILE     config file (default " CLI_DEFAULT_CONFIG " if it\n"
"                        exists; a missing explicit file is an error)\n"
"      --check-config    validate everything, print the effective\n"
"                        configuration as INI and exit (0 ok, 2 invalid)\n"
"  -s, --set=SEC.KEY=VAL set one key, e.g. --set export.compression=gzip\n"
"                        (repeatable; --help-config lists every key)\n"
"      --help-config     the table of keys, variables and defaults\n"
"  -o, --output=FORMAT   otlp (default): export to the collector;\n"
"                        json: one JSON object per line on stdout: every\n"
"                        record, then spans, logs and metric snapshots\n"
"                        (\"type\":\"span\"|\"log\"|\"metric\"), and a last\n"
"                        {\"type\":\"summary\",...} line; none: nothing\n"
"  -d, --device=PATH     the riptel device (agent.device)\n"
"  -q, --queue-size=N    records buffered between the ring drain and the\n"
"                        pipeline (agent.queue_records); when the pipeline\n"
"                        falls behind, records are dropped and counted as\n"
"                        queue_dropped, never stalling the kernel rings\n"
"      --prometheus=ADDR serve /metrics and /healthz on host:port\n"
"                        (prometheus.listen)\n"
"  -t, --duration=SEC    stop after SEC seconds (decimals allowed)\n"
"  -n, --max-records=N   stop after N records reached the pipeline\n"
"      --record=FILE     also write every drained record (and the SPIFFE IDs\n"
"                        they reference) to a capture file, mode 0600\n"
"      --replay=FILE     run the whole pipeline from a capture file instead\n"
"                        of /dev/riptel, as fast as possible\n"
"      --pace            with --replay: at the recorded pace\n"
"                        (with --prometheus, a replay keeps serving its final\n"
"                        metrics until SIGTERM, so they can be scraped)\n"
"  -h, --help            this text\n"
"  -V, --version         print the version and exit\n"
"\n"
"Summary counters, per CPU: written (records the kernel offered), consumed\n"
"(taken off the ring), dropped (ring full; written == consumed + dropped\n"
"once drained), seq_gaps (missing sequence numbers the agent saw: drops),\n"
"invalid (malformed records skipped), seq_errors (a sequence number going\n"
"backwards), head_errors (implausible ring heads, ring skipped to the\n"
"head), consumer_errors (bad tails the kernel rejected), dropped_nested\n"
"(of dropped: a probe that fired in an interrupt while another record\n"
"was being written on that CPU), dropped_nmi (events lost in NMI context).  All but written, consumed and dropped\n"
"should stay 0.\n"
"\n"
"Examples:\n"
"  riptel-agent --check-config\n"
"  OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318 riptel-agent\n"
"  riptel-agent --output=json --duration=10 > telemetry.json\n"
"  riptel-agent --record=/tmp/bug.rcap --duration=30   # for a bug report\n"
"  riptel-agent --replay=/tmp/bug.rcap --output=json   # anywhere\n"
"\n"
"Exit status: 0 on a clean stop, 1 on a runtime error (device missing,\n"
"ABI mismatch, collector URL invalid, ...: the message says what to do),\n"
"2 on bad usage or an invalid configuration.\n");
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

static enum cli_result add_set(struct cli_options *o, const char *key,
				const char *val, char *err, size_t errlen)
{
	if (o->nsets == CLI_MAX_SETS) {
		snprintf(err, errlen, "too many --set options (at most %d)",
			 CLI_MAX_SETS);
		return CLI_USAGE;
	}
	o->sets[o->nsets][0] = key;
	o->sets[o->nsets][1] = val;
	o->nsets++;
	return CLI_RUN;
}

enum { OPT_CHECK = 256, OPT_HELP_CONFIG, OPT_PROM, OPT_RECORD, OPT_REPLAY,
       OPT_PACE };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "set", required_argument, NULL, 's' },
	{ "help-config", no_argument, NULL, OPT_HELP_CONFIG },
	{ "output", required_argument, NULL, 'o' },
	{ "device", required_argument, NULL, 'd' },
	{ "queue-size", required_argument, NULL, 'q' },
	{ "prometheus", required_argument, NULL, OPT_PROM },
	{ "duration", required_argument, NULL, 't' },
	{ "max-records", required_argument, NULL, 'n' },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "pace", no_argument, NULL, OPT_PACE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* Flags that only set a configuration key, and the key each sets. */
static const char *shorthand_key(int c)
{
	switch (c) {
	case 'o':
		return "agent.output";
	case 'd':
		return "agent.device";
	case 'q':
		return "agent.queue_records";
	case OPT_PROM:
		return "prometheus.listen";
	}
	return NULL;
}

/* One option; @arg is its argument (writable: --set is split in place). */
static enum cli_result one_opt(struct cli_options *o, int c, char *arg,
			       FILE *out, char *err, size_t errlen)
{
	static char table[8192];
	const char *key = shorthand_key(c);
	char *end, *eq;

	if (key)
		return add_set(o, key, arg, err, errlen);
	switch (c) {
	case 'c':
		o->config_path = arg;
		o->config_explicit = true;
		return CLI_RUN;
	case OPT_CHECK:
		o->check_config = true;
		return CLI_RUN;
	case 's':
		eq = strchr(arg, '=');
		if (!eq) {
			snprintf(err, errlen,
				 "--set wants section.key=value, got '%s'", arg);
			return CLI_USAGE;
		}
		*eq = '\0';
		return add_set(o, arg, eq + 1, err, errlen);
	case OPT_HELP_CONFIG:
		config_format_table(table, sizeof(table));
		fputs(table, out);
		return CLI_DONE;
	case 't':
		errno = 0;
		o->duration = strtod(arg, &end);
		if (errno || *end || !(o->duration > 0) || o->duration > 1e9) {
			snprintf(err, errlen,
				 "--duration wants seconds > 0, got '%s'", arg);
			return CLI_USAGE;
		}
		return CLI_RUN;
	case 'n':
		if (parse_u64(arg, &o->max_records) || !o->max_records) {
			snprintf(err, errlen,
				 "--max-records wants a count > 0, got '%s'", arg);
			return CLI_USAGE;
		}
		return CLI_RUN;
	case OPT_RECORD:
		o->record_path = arg;
		return CLI_RUN;
	case OPT_REPLAY:
		o->replay_path = arg;
		return CLI_RUN;
	case OPT_PACE:
		o->replay_pace = true;
		return CLI_RUN;
	case 'h':
		cli_usage(out);
		return CLI_DONE;
	case 'V':
		fprintf(out, CLI_PROG " %s (ABI %d)\n", RIPTEL_VERSION,
			RIPTEL_ABI_VERSION);
		return CLI_DONE;
	}
	snprintf(err, errlen, "unknown option; try '" CLI_PROG " --help'");
	return CLI_USAGE;
}

/* Options that only make sense together, checked once all are read. */
static enum cli_result check_combination(const struct cli_options *o,
					 char *err, size_t errlen)
{
	if (o->replay_pace && !o->replay_path) {
		snprintf(err, errlen, "--pace goes with --replay");
		return CLI_USAGE;
	}
	if (o->replay_path && o->record_path) {
		snprintf(err, errlen, "--record and --replay cannot be combined");
		return CLI_USAGE;
	}
	return CLI_RUN;
}

enum cli_result cli_parse(int argc, char **argv, struct cli_options *o,
			  FILE *out, char *err, size_t errlen)
{
	enum cli_result r;
	int c;

	memset(o, 0, sizeof(*o));
	err[0] = '\0';
	optind = 0;	/* glibc: start over, as for a new argv */
	while ((c = getopt_long(argc, argv, "c:s:o:d:q:t:n:hV", longopts,
				NULL)) != -1) {
		r = one_opt(o, c, optarg, out, err, errlen);
		if (r != CLI_RUN)
			return r;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'; try --help",
			 argv[optind]);
		return CLI_USAGE;
	}
	return check_combination(o, err, errlen);
}
