// SPDX-License-Identifier: GPL-2.0
/*
 * check_stream.c - judge what riptel-agent --output=json printed.
 *
 *   riptel-agent --output=json | check_stream [OPTIONS]
 *
 * Reads one JSON object per line: records (and the agent's telemetry lines,
 * metric/span/log/resource, which are counted and otherwise skipped), then
 * the agent's summary.  Prints one line per assertion, "ok - NAME" or
 * "not ok - NAME: why", plus "# " notes, for the tests/vm/test_*.sh scripts
 * to turn into TAP; exits 1 if anything failed.
 *
 * Checked, per CPU: the sequence of every record (any type) strictly rises;
 * written == consumed + dropped; the records printed are the records
 * consumed; the sequence numbers missing (before the first, between, after
 * the last) are exactly the drops; the agent's own gap count agrees; no
 * invalid record, sequence or head error and no consumer error.  For test
 * records: every pattern_ok is true and the context flags match the source.
 *
 * Options:
 *   --expect FILE   read after the stream ends (the generator finishes
 *       while the agent runs): lines "offered N", "stored N", "dropped N",
 *       what riptel_stress reported.  Then test records printed == stored,
 *       dropped test records == dropped, stored + dropped == offered
 *   --expect-drops      the run must have dropped records (overload)
 *   --sources           each source (process, softirq, hardirq) appears
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CPUS	256
#define SRC_PROCESS	1
#define SRC_SOFTIRQ	2
#define SRC_HARDIRQ	3
#define RF_HARDIRQ	(1U << 0)
#define RF_SOFTIRQ	(1U << 1)

struct cpu_seen {
	uint64_t records;
	uint64_t first_seq;
	uint64_t last_seq;
	uint64_t gaps;		/* missing between first and last */
	uint64_t backwards;	/* seq not above the previous one */
	uint64_t tests;
};

static struct cpu_seen seen[MAX_CPUS];
static int failures;

static void report(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok - %s\n", name);
		return;
	}
	failures++;
	printf("not ok - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The text right after the first "key": in @s, or NULL. */
static const char *find_val(const char *s, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(s, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (isspace((unsigned char)*p))
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

static bool get_u64(const char *s, const char *key, uint64_t *v)
{
	const char *p = find_val(s, key);
	char *end;

	if (!p || !isdigit((unsigned char)*p))
		return false;
	*v = strtoull(p, &end, 10);
	return end != p;
}

static bool is_type(const char *line, const char *type)
{
	const char *p = find_val(line, "type");
	size_t n = strlen(type);

	return p && *p == '"' && !strncmp(p + 1, type, n) && p[1 + n] == '"';
}

struct totals {
	uint64_t tests, bad_pattern, bad_flags, by_source[4], no_seq;
	uint64_t telemetry;
};

static void take_record(const char *line, struct totals *t)
{
	uint64_t cpu, seq, src, flags = 0;
	struct cpu_seen *c;

	if (!get_u64(line, "cpu", &cpu) || !get_u64(line, "seq", &seq) ||
	    cpu >= MAX_CPUS) {
		t->no_seq++;
		return;
	}
	c = &seen[cpu];
	if (!c->records) {
		c->first_seq = seq;
	} else if (seq <= c->last_seq) {
		c->backwards++;
	} else {
		c->gaps += seq - c->last_seq - 1;
	}
	if (!c->records || seq > c->last_seq)
		c->last_seq = seq;
	c->records++;

	if (!is_type(line, "test"))
		return;
	t->tests++;
	c->tests++;
	if (!strstr(line, "\"pattern_ok\":true"))
		t->bad_pattern++;
	get_u64(line, "flags", &flags);
	if (get_u64(line, "source", &src) && src >= SRC_PROCESS &&
	    src <= SRC_HARDIRQ) {
		t->by_source[src]++;
		if ((src == SRC_HARDIRQ && !(flags & RF_HARDIRQ)) ||
		    (src == SRC_SOFTIRQ && !(flags & RF_SOFTIRQ)) ||
		    (src == SRC_PROCESS && (flags & (RF_HARDIRQ | RF_SOFTIRQ))))
			t->bad_flags++;
	}
}

/* Check the summary against what was seen; *test_drops: test records dropped. */
static void check_summary(const char *line, const struct totals *t,
			  bool expect_drops, uint64_t *test_drops)
{
	uint64_t queue_dropped = 0, total_dropped = 0, printed = 0;
	const char *p = find_val(line, "cpus");
	const char *dt = find_val(line, "dropped_by_type");
	const char *arr_end = p ? strchr(p, ']') : NULL;
	char name[96];
	unsigned int ncpus = 0;

	get_u64(line, "queue_dropped", &queue_dropped);
	report(queue_dropped == 0, "agent queue dropped nothing",
	       "queue_dropped %llu", (unsigned long long)queue_dropped);
	*test_drops = 0;
	if (dt)
		get_u64(dt, "test", test_drops);

	while (p && (p = strstr(p, "{")) != NULL) {
		uint64_t cpu, w, cons, drop, cerr, gaps, inval, serr, herr;
		struct cpu_seen *c;
		uint64_t missing;
		const char *end = strchr(p, '}');

		if (!end || !arr_end || p > arr_end)
			break;
		if (!get_u64(p, "cpu", &cpu) || !get_u64(p, "written", &w) ||
		    !get_u64(p, "consumed", &cons) ||
		    !get_u64(p, "dropped", &drop) ||
		    !get_u64(p, "consumer_errors", &cerr) ||
		    !get_u64(p, "seq_gaps", &gaps) ||
		    !get_u64(p, "invalid", &inval) ||
		    !get_u64(p, "seq_errors", &serr) ||
		    !get_u64(p, "head_errors", &herr) || cpu >= MAX_CPUS) {
			report(false, "summary per-CPU entry parses", "%.120s", p);
			break;
		}
		p = end + 1;
		c = &seen[cpu];
		ncpus++;
		total_dropped += drop;
		printed += c->records;
		printf("# cpu %llu written %llu consumed %llu dropped %llu seq_gaps %llu consumer_errors %llu printed %llu tests %llu\n",
		       (unsigned long long)cpu, (unsigned long long)w,
		       (unsigned long long)cons, (unsigned long long)drop,
		       (unsigned long long)gaps, (unsigned long long)cerr,
		       (unsigned long long)c->records,
		       (unsigned long long)c->tests);
		if (!w)
			continue;	/* a ring nothing ever wrote to */

		snprintf(name, sizeof(name), "cpu %llu: written == consumed + dropped",
			 (unsigned long long)cpu);
		report(w == cons + drop, name, "%llu != %llu + %llu",
		       (unsigned long long)w, (unsigned long long)cons,
		       (unsigned long long)drop);
		snprintf(name, sizeof(name), "cpu %llu: seq strictly increasing",
			 (unsigned long long)cpu);
		report(!c->backwards, name, "%llu records not above their predecessor",
		       (unsigned long long)c->backwards);
		snprintf(name, sizeof(name), "cpu %llu: no invalid records, seq or head errors, consumer errors",
			 (unsigned long long)cpu);
		report(!inval && !serr && !herr && !cerr, name,
		       "invalid %llu seq_errors %llu head_errors %llu consumer_errors %llu",
		       (unsigned long long)inval, (unsigned long long)serr,
		       (unsigned long long)herr, (unsigned long long)cerr);
		if (queue_dropped)
			continue;	/* printed records are a subset */
		snprintf(name, sizeof(name), "cpu %llu: every consumed record printed",
			 (unsigned long long)cpu);
		report(c->records == cons, name, "printed %llu consumed %llu",
		       (unsigned long long)c->records, (unsigned long long)cons);
		if (!c->records) {
			missing = w;
		} else {
			missing = c->first_seq + c->gaps;
			if (w >= c->last_seq + 1)
				missing += w - 1 - c->last_seq;
			else
				missing = UINT64_MAX;	/* seq beyond written */
		}
		snprintf(name, sizeof(name), "cpu %llu: missing seqs are exactly the drops",
			 (unsigned long long)cpu);
		report(missing == drop, name, "missing %llu dropped %llu",
		       (unsigned long long)missing, (unsigned long long)drop);
		snprintf(name, sizeof(name), "cpu %llu: agent's seq_gaps match the gaps seen",
			 (unsigned long long)cpu);
		report(gaps == c->gaps, name, "seq_gaps %llu seen %llu",
		       (unsigned long long)gaps, (unsigned long long)c->gaps);
	}
	report(ncpus > 0, "summary lists the rings", "no per-CPU entries");
	if (expect_drops)
		report(total_dropped > 0, "overload: drops happened and were counted",
		       "no record was dropped: the overload did not overload");
	printf("# records printed %llu dropped %llu test %llu test_dropped %llu\n",
	       (unsigned long long)printed, (unsigned long long)total_dropped,
	       (unsigned long long)t->tests, (unsigned long long)*test_drops);
}

/* The generator's counts; false if @path is unreadable or incomplete. */
static bool read_expect(const char *path, uint64_t *offered, uint64_t *stored,
			uint64_t *dropped)
{
	unsigned long long v;
	unsigned int got = 0;
	char key[32];
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (fscanf(f, "%31s %llu", key, &v) == 2) {
		if (!strcmp(key, "offered")) {
			*offered = v;
			got |= 1;
		} else if (!strcmp(key, "stored")) {
			*stored = v;
			got |= 2;
		} else if (!strcmp(key, "dropped")) {
			*dropped = v;
			got |= 4;
		}
	}
	fclose(f);
	return got == 7;
}

int main(int argc, char **argv)
{
	uint64_t offered = 0, stored = 0, sdropped = 0, test_drops = 0;
	bool expect_drops = false, sources = false, have_summary = false;
	const char *expect = NULL;
	struct totals t = { 0 };
	size_t cap = 0;
	char *line = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--expect-drops")) {
			expect_drops = true;
		} else if (!strcmp(argv[i], "--sources")) {
			sources = true;
		} else if (i + 1 < argc && !strcmp(argv[i], "--expect")) {
			expect = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--expect FILE] [--expect-drops] [--sources]\n",
				argv[0]);
			return 2;
		}
	}

	while (getline(&line, &cap, stdin) > 0) {
		if (line[0] != '{')
			continue;
		if (is_type(line, "summary")) {
			check_summary(line, &t, expect_drops, &test_drops);
			have_summary = true;
		} else if (is_type(line, "metric") || is_type(line, "span") ||
			   is_type(line, "log") || is_type(line, "resource")) {
			t.telemetry++;	/* the agent's derived output */
		} else {
			take_record(line, &t);
		}
	}
	free(line);

	report(have_summary, "agent printed its summary", "no summary line");
	report(!t.no_seq, "every record has cpu and seq", "%llu without",
	       (unsigned long long)t.no_seq);
	report(t.tests > 0, "test records arrived", "none");
	report(!t.bad_pattern, "every test record's pattern_ok",
	       "%llu of %llu torn", (unsigned long long)t.bad_pattern,
	       (unsigned long long)t.tests);
	report(!t.bad_flags, "context flags match each test record's source",
	       "%llu mismatched", (unsigned long long)t.bad_flags);
	printf("# telemetry lines skipped: %llu\n",
	       (unsigned long long)t.telemetry);
	printf("# test records by source: process %llu softirq %llu hardirq %llu\n",
	       (unsigned long long)t.by_source[SRC_PROCESS],
	       (unsigned long long)t.by_source[SRC_SOFTIRQ],
	       (unsigned long long)t.by_source[SRC_HARDIRQ]);
	if (sources)
		report(t.by_source[SRC_PROCESS] && t.by_source[SRC_SOFTIRQ] &&
		       t.by_source[SRC_HARDIRQ],
		       "test records from process, softirq and hardirq context",
		       "a context is missing");
	if (expect) {
		report(read_expect(expect, &offered, &stored, &sdropped),
		       "riptel_stress reported its counts", "%s unreadable", expect);
		printf("# riptel_stress: offered %llu stored %llu dropped %llu\n",
		       (unsigned long long)offered, (unsigned long long)stored,
		       (unsigned long long)sdropped);
		report(offered == stored + sdropped && offered > 0,
		       "riptel_stress: offered == stored + dropped",
		       "%llu != %llu + %llu", (unsigned long long)offered,
		       (unsigned long long)stored, (unsigned long long)sdropped);
		report(t.tests == stored, "every stored test record was printed",
		       "printed %llu stored %llu", (unsigned long long)t.tests,
		       (unsigned long long)stored);
		report(test_drops == sdropped,
		       "dropped test records counted per type",
		       "dropped_by_type.test %llu, generator saw %llu",
		       (unsigned long long)test_drops,
		       (unsigned long long)sdropped);
	}
	return failures ? 1 : 0;
}
