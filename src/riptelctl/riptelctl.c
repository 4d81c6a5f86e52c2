/*
 * riptelctl.c - look at and change what riptel.ko records: status, record
 * types, sampling, pid/cgroup filters, identities, and a live record view.
 *
 * Exit status: 0 done, 1 the request failed (module not loaded, permission,
 * kernel error), 2 bad arguments.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_args.h"
#include "ctl_fmt.h"
#include "ctl_nl.h"
#include "ctl_tail.h"
#include "jsonw.h"
#include "record.h"

#define EXIT_USAGE 2

struct opts {
	bool json;
	enum ctl_color color;
	bool help;
	/* tail only */
	uint64_t count;
	bool backlog;
	const char *device;
};

struct cmd {
	const char *name;
	const char *usage;
	const char *help;
	int (*run)(const struct opts *o, int argc, char **argv);
};

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("riptelctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (riptelctl --help)\n", stderr);
	return EXIT_USAGE;
}

__attribute__((format(printf, 1, 2)))
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("riptelctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* A failed request, said the way an operator can act on. */
static int nl_fail(int err, bool change)
{
	switch (-err) {
	case ENOENT:
		return fail("the riptel module is not loaded (no \"%s\" generic netlink family): modprobe riptel",
			    RIPTEL_GENL_NAME);
	case EPERM:
	case EACCES:
		if (change)
			return fail("permission denied: changing riptel's configuration needs CAP_NET_ADMIN (run as root)");
		return fail("permission denied: this needs CAP_NET_ADMIN (run as root)");
	case EOPNOTSUPP:
		return fail("the loaded riptel module does not know this request: load riptel.ko from the same release as riptelctl %s",
			    RIPTEL_VERSION);
	default:
		return fail("request to the riptel module failed: %s",
			    strerror(-err));
	}
}

static int connect_nl(struct ctl_nl **c)
{
	int ret = ctl_nl_open(c);

	return ret ? nl_fail(ret, false) : 0;
}

static int send_set(const struct opts *o, const struct ctl_set *req,
		    const char *done)
{
	struct ctl_nl *c;
	int ret;

	ret = connect_nl(&c);
	if (ret)
		return ret;
	ret = ctl_nl_set(c, req);
	ctl_nl_close(c);
	if (ret == -ENOSPC)
		return fail("the filter is full: it holds at most %d entries",
			    RIPTEL_FILTER_MAX);
	if (ret == -ENOENT && (req->pid_del || req->cgroup_del))
		return fail("%s %" PRIu64 " is not in the filter",
			    req->pid_del ? "pid" : "cgroup",
			    req->pid_del ? (uint64_t)req->pid_del :
			    req->cgroup_del);
	if (ret)
		return nl_fail(ret, true);
	if (o->json)
		printf("{\"ok\":true}\n");
	else
		printf("%s\n", done);
	return 0;
}

/* ---- status ---- */

static int cmd_status(const struct opts *o, int argc, char **argv)
{
	struct ctl_status st;
	struct ctl_config cfg;
	struct ctl_ring *rings = NULL;
	struct ctl_report rep;
	struct ctl_nl *c;
	size_t n = 0;
	struct jsonw w;
	int ret;

	(void)argv;
	if (argc > 0)
		return usage_error("status takes no arguments");
	ret = connect_nl(&c);
	if (ret)
		return ret;
	ret = ctl_nl_status(c, &st);
	if (!ret)
		ret = ctl_nl_get(c, &cfg);
	if (!ret)
		ret = ctl_nl_rings(c, &rings, &n);
	ctl_nl_close(c);
	if (ret) {
		free(rings);
		return nl_fail(ret, false);
	}
	rep = (struct ctl_report){ &st, &cfg, rings, n };
	if (o->json) {
		jsonw_init(&w);
		ret = ctl_fmt_status_json(&w, &rep);
		if (!ret)
			printf("%s\n", jsonw_str(&w));
		jsonw_fini(&w);
	} else {
		ret = ctl_fmt_status_text(stdout, &rep);
	}
	free(rings);
	return ret ? fail("cannot write the status: %s", strerror(-ret)) : 0;
}

/* ---- enable / disable / sample ---- */

static int set_types(const struct opts *o, int argc, char **argv, bool on)
{
	struct ctl_set req = { 0 };
	const char *bad;
	char names[256];
	uint32_t mask;

	if (argc == 0)
		return usage_error("%s needs at least one record type",
				   on ? "enable" : "disable");
	if (ctl_parse_types(argv, (size_t)argc, &mask, &bad)) {
		ctl_type_list(names, sizeof(names));
		return usage_error("'%s' is not a record type; types: %s all",
				   bad, names);
	}
	if (on)
		req.types_on = mask;
	else
		req.types_off = mask;
	return send_set(o, &req, on ? "enabled" : "disabled");
}

static int cmd_enable(const struct opts *o, int argc, char **argv)
{
	return set_types(o, argc, argv, true);
}

static int cmd_disable(const struct opts *o, int argc, char **argv)
{
	return set_types(o, argc, argv, false);
}

static int cmd_sample(const struct opts *o, int argc, char **argv)
{
	struct ctl_set req = { 0 };
	char names[256], done[64];
	uint16_t type;

	if (argc != 2)
		return usage_error("sample needs a record type and N (keep 1 in N)");
	if (ctl_parse_type(argv[0], &type)) {
		ctl_type_list(names, sizeof(names));
		return usage_error("'%s' is not a record type; types: %s",
				   argv[0], names);
	}
	if (ctl_parse_u32(argv[1], 1, RIPTEL_SAMPLE_MAX, &req.sample_rate))
		return usage_error("sample rate '%s' must be a whole number in 1..%d",
				   argv[1], RIPTEL_SAMPLE_MAX);
	req.type = type;
	snprintf(done, sizeof(done), "%s: keeping 1 in %" PRIu32,
		 record_type_name(type), req.sample_rate);
	return send_set(o, &req, done);
}

/* ---- filter ---- */

static int cmd_filter(const struct opts *o, int argc, char **argv)
{
	struct ctl_set req = { 0 };
	bool pid, add;
	char done[96];
	uint64_t id;
	int ret;

	if (argc < 2)
		return usage_error("filter needs 'pid' or 'cgroup' and add, del or clear");
	if (!strcmp(argv[0], "pid"))
		pid = true;
	else if (!strcmp(argv[0], "cgroup"))
		pid = false;
	else
		return usage_error("filter '%s': the filters are 'pid' and 'cgroup'",
				   argv[0]);
	if (!strcmp(argv[1], "clear")) {
		if (argc != 2)
			return usage_error("filter %s clear takes no more arguments",
					   argv[0]);
		req.clear = pid ? RIPTEL_CLEAR_PIDS : RIPTEL_CLEAR_CGROUPS;
		snprintf(done, sizeof(done), "%s filter cleared", argv[0]);
		return send_set(o, &req, done);
	}
	if (!strcmp(argv[1], "add"))
		add = true;
	else if (!strcmp(argv[1], "del"))
		add = false;
	else
		return usage_error("filter %s '%s': use add, del or clear",
				   argv[0], argv[1]);
	if (argc != 3)
		return usage_error("filter %s %s needs exactly one %s", argv[0],
				   argv[1], pid ? "PID" : "cgroup ID or path");
	if (pid) {
		uint32_t p;

		if (ctl_parse_u32(argv[2], 1, UINT32_MAX, &p))
			return usage_error("'%s' is not a process id (a whole number above 0)",
					   argv[2]);
		if (add)
			req.pid_add = p;
		else
			req.pid_del = p;
		id = p;
	} else {
		ret = ctl_parse_cgroup(argv[2], CTL_CGROUP_ROOT, &id);
		if (ret == -EINVAL)
			return usage_error("'%s' is not a cgroup id or a path under %s",
					   argv[2], CTL_CGROUP_ROOT);
		if (ret)
			return usage_error("cgroup '%s' (under %s): %s", argv[2],
					   CTL_CGROUP_ROOT, strerror(-ret));
		if (add)
			req.cgroup_add = id;
		else
			req.cgroup_del = id;
	}
	snprintf(done, sizeof(done), "%s %" PRIu64 " %s the filter", argv[0],
		 id, add ? "added to" : "removed from");
	return send_set(o, &req, done);
}

/* ---- identities ---- */

struct ident_out {
	const struct opts *o;
	struct jsonw w;
	size_t n;
};

static int print_identity(void *arg, uint32_t id, uint32_t gen,
			  const char *s)
{
	struct ident_out *io = arg;

	io->n++;
	if (io->o->json) {
		jsonw_obj_begin(&io->w);
		jsonw_kv_u64(&io->w, "id", id);
		jsonw_kv_u64(&io->w, "gen", gen);
		jsonw_kv_string(&io->w, "spiffe_id", s);
		jsonw_obj_end(&io->w);
	} else {
		printf("%8" PRIu32 " %8" PRIu32 "  %s\n", id, gen, s);
	}
	return 0;
}

static int cmd_identities(const struct opts *o, int argc, char **argv)
{
	struct ident_out io = { .o = o };
	struct ctl_nl *c;
	int ret;

	(void)argv;
	if (argc > 0)
		return usage_error("identities takes no arguments");
	ret = connect_nl(&c);
	if (ret)
		return ret;
	jsonw_init(&io.w);
	jsonw_arr_begin(&io.w);
	if (!o->json)
		printf("%8s %8s  %s\n", "ID", "GEN", "SPIFFE_ID");
	ret = ctl_nl_identities(c, print_identity, &io);
	ctl_nl_close(c);
	jsonw_arr_end(&io.w);
	if (!ret && o->json)
		printf("%s\n", jsonw_str(&io.w));
	jsonw_fini(&io.w);
	if (ret == -EPERM || ret == -EACCES)
		return fail("permission denied: reading riptel's identity table needs CAP_NET_ADMIN (run as root)");
	if (ret)
		return nl_fail(ret, false);
	return 0;
}

/* ---- tail ---- */

static volatile sig_atomic_t tail_stop;

static void on_signal(int sig)
{
	(void)sig;
	tail_stop = 1;
}

static int cmd_tail(const struct opts *o, int argc, char **argv)
{
	struct ctl_tail_opts to = {
		.device = o->device,
		.json = o->json,
		.color = ctl_use_color(o->color, isatty(STDOUT_FILENO)),
		.backlog = o->backlog,
		.count = o->count,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512] = "";
	int ret;

	(void)argv;
	if (argc > 0)
		return usage_error("tail takes no arguments but its options");
	/* no SA_RESTART: poll() returns at once on Ctrl-C */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = ctl_tail_run(&to, stdout, &tail_stop, err, sizeof(err));
	if (ret == -EPIPE)
		return 0;		/* e.g. riptelctl tail | head */
	return ret ? fail("%s", err) : 0;
}

/* ---- help and options ---- */

static const struct cmd cmds[] = {
	{ "status", "status",
	  "Show the module and ABI version, the tracepoints and identity\n"
	  "providers it is attached to, every CPU ring's size, fill and\n"
	  "counters (written, dropped when full, consumer errors, lost in NMI),\n"
	  "the SPIFFE ID table's counters, the filters, and per record type\n"
	  "whether it is enabled, its sample rate and how many records were\n"
	  "stopped before the ring: DISABLED (type off), FILTERED (pid/cgroup\n"
	  "filter) and SAMPLED_OUT.  Those are not drops: they never take a\n"
	  "sequence number.  Any user may run it.",
	  cmd_status },
	{ "enable", "enable TYPE... | all",
	  "Write records of these types again.  Needs CAP_NET_ADMIN.",
	  cmd_enable },
	{ "disable", "disable TYPE... | all",
	  "Stop writing records of these types; the probes still count them\n"
	  "(status: DISABLED).  Needs CAP_NET_ADMIN.",
	  cmd_disable },
	{ "sample", "sample TYPE N",
	  "Keep 1 in N records of TYPE, counted per CPU (N=1 keeps all; at\n"
	  "most 1000000).  The others are counted as SAMPLED_OUT.  Needs\n"
	  "CAP_NET_ADMIN.",
	  cmd_sample },
	{ "filter", "filter pid add|del PID | filter pid clear |\n"
	  "            filter cgroup add|del ID|PATH | filter cgroup clear",
	  "Only write records about these processes (tgid) or cgroups (v2 id,\n"
	  "or a path under /sys/fs/cgroup, resolved to its id); at most 16 of\n"
	  "each.  An empty list lets everything through; with both lists set a\n"
	  "record must match both.  The subject: exec and exit the process,\n"
	  "fork the parent, tcp_state the socket's cgroup and, outside\n"
	  "interrupts, the current process; a record with no known subject\n"
	  "fails an active filter.  Children are not added automatically.\n"
	  "Needs CAP_NET_ADMIN.",
	  cmd_filter },
	{ "identities", "identities",
	  "List the SPIFFE IDs the module has interned: ID, generation and\n"
	  "string (what identity records refer to).  Needs CAP_NET_ADMIN.",
	  cmd_identities },
	{ "tail", "tail [--count N] [--all] [--device PATH]",
	  "Print records live, one line each, until Ctrl-C (or N records).\n"
	  "Reads /dev/riptel itself, so it works without riptel-agent, but\n"
	  "the device has one reader at a time: stop the agent first.  New\n"
	  "records only, unless --all also prints what the rings hold.  Lines\n"
	  "are coloured on a terminal (--color=always|never to choose); --json\n"
	  "prints the agent's JSON record objects instead.  Needs root (or\n"
	  "read-write access to /dev/riptel).",
	  cmd_tail },
};

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void print_help(void)
{
	char names[256];
	size_t i;

	ctl_type_list(names, sizeof(names));
	printf("usage: riptelctl [--json] [--color=auto|always|never] COMMAND [ARGS]\n\n"
	       "Look at and change what the riptel kernel module records.\n\n"
	       "commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  riptelctl %s\n", cmds[i].usage);
	printf("\nrecord types: %s\n"
	       "riptelctl COMMAND --help explains one command.\n"
	       "--json: machine-readable output.  Exit status: 0 done, 1 failed,\n"
	       "2 bad arguments.  riptelctl %s, ABI %d.\n",
	       names, RIPTEL_VERSION, RIPTEL_ABI_VERSION);
}

static void print_cmd_help(const struct cmd *c)
{
	char names[256];

	ctl_type_list(names, sizeof(names));
	printf("usage: riptelctl [--json] %s\n\n%s\n", c->usage, c->help);
	if (!strcmp(c->name, "enable") || !strcmp(c->name, "disable") ||
	    !strcmp(c->name, "sample"))
		printf("\nrecord types: %s\n", names);
}

/*
 * Take the options out of argv wherever they are, leaving the positional
 * words in order.  Returns 0 or EXIT_USAGE (message printed).
 */
static int parse_opts(int *argc, char **argv, struct opts *o)
{
	int i, n = 0;
	const char *v;

	for (i = 1; i < *argc; i++) {
		char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (++i < *argc)
				argv[++n] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			argv[++n] = a;
			continue;
		}
		if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
		} else if (!strcmp(a, "--all")) {
			o->backlog = true;
		} else if (!strncmp(a, "--color=", 8) ||
			   !strcmp(a, "--color")) {
			v = a[7] == '=' ? a + 8 : "always";
			if (ctl_parse_color(v, &o->color))
				return usage_error("--color=%s: use auto, always or never",
						   v);
		} else if (!strcmp(a, "--count") || !strcmp(a, "--device")) {
			if (i + 1 >= *argc)
				return usage_error("%s needs a value", a);
			v = argv[++i];
			if (a[2] == 'd')
				o->device = v;
			else if (ctl_parse_u64(v, 1, UINT64_MAX, &o->count))
				return usage_error("--count %s: must be a whole number above 0",
						   v);
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	*argc = n + 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .color = CTL_COLOR_AUTO };
	const struct cmd *c;
	int ret;

	ret = parse_opts(&argc, argv, &o);
	if (ret)
		return ret;
	if (argc < 2) {
		if (o.help) {
			print_help();
			return 0;
		}
		print_help();
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help")) {
		c = argc > 2 ? find_cmd(argv[2]) : NULL;
		if (c)
			print_cmd_help(c);
		else
			print_help();
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return usage_error("unknown command '%s'", argv[1]);
	if (o.help) {
		print_cmd_help(c);
		return 0;
	}
	if ((o.count || o.backlog || o.device) && strcmp(c->name, "tail"))
		return usage_error("--count, --all and --device are for tail only");
	return c->run(&o, argc - 2, argv + 2);
}
