/* ctl_fmt.c - riptelctl's output: status tables, JSON, live record lines. */
#include "ctl_fmt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "record.h"

#define C_RESET "\033[0m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"

/* ---- a bounded string builder: counts what it could not store ---- */

struct sb {
	char *buf;
	size_t len;
	size_t pos;		/* wanted length so far */
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	size_t room = b->pos < b->len ? b->len - b->pos : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? b->buf + b->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->pos += (size_t)n;
}

/* At most @n bytes of @s (stopping at NUL), non-printables as \xNN. */
static void sb_safe(struct sb *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			sb_printf(b, "%c", ch);
		else
			sb_printf(b, "\\x%02x", ch);
	}
}

static const char *type_color(uint16_t type)
{
	switch (type) {
	case RIPTEL_REC_EXEC:
		return "\033[32m";		/* green */
	case RIPTEL_REC_FORK:
		return "\033[36m";		/* cyan */
	case RIPTEL_REC_EXIT:
		return "\033[33m";		/* yellow */
	case RIPTEL_REC_TCP_STATE:
		return "\033[34m";		/* blue */
	case RIPTEL_REC_TEST:
		return "";
	default:
		return "\033[35m";		/* magenta: identity fabric */
	}
}

static void sb_endpoint(struct sb *b, uint16_t family, const uint8_t *addr,
			uint16_t port)
{
	char text[RECORD_ADDR_STRLEN];

	if (record_format_addr(text, sizeof(text), family, addr))
		sb_printf(b, "?:%u", port);
	else if (family == AF_INET6)
		sb_printf(b, "[%s]:%u", text, port);
	else
		sb_printf(b, "%s:%u", text, port);
}

static void sb_state(struct sb *b, uint8_t state)
{
	const char *name = record_tcp_state_name(state);

	if (name)
		sb_printf(b, "%s", name);
	else
		sb_printf(b, "%u", state);
}

static void sb_ref(struct sb *b, const char *key,
		  const struct riptel_spiffe_ref *ref)
{
	if (ref->id || ref->gen)
		sb_printf(b, " %s=%" PRIu32 "/%" PRIu32, key, ref->id, ref->gen);
	else
		sb_printf(b, " %s=none", key);
}

static void fmt_payload(struct sb *b, const struct riptel_record *r)
{
	switch (r->hdr.type) {
	case RIPTEL_REC_EXEC:
		sb_printf(b, " comm=");
		sb_safe(b, r->exec.comm, sizeof(r->exec.comm));
		sb_printf(b, " file=%s",
			  r->hdr.flags & RIPTEL_RF_TRUNCATED ? "..." : "");
		sb_safe(b, r->exec.filename, sizeof(r->exec.filename));
		sb_printf(b, " ppid=%" PRIu32 " uid=%" PRIu32 " cgroup=%" PRIu64,
			  r->exec.ppid, r->exec.uid, (uint64_t)(r->exec.cgroup_id));
		break;
	case RIPTEL_REC_FORK:
		sb_printf(b, " comm=");
		sb_safe(b, r->fork.comm, sizeof(r->fork.comm));
		sb_printf(b, " child=%" PRIu32 "/%" PRIu32 " uid=%" PRIu32
			  " cgroup=%" PRIu64, r->fork.child_tgid,
			  r->fork.child_pid, r->fork.uid, (uint64_t)(r->fork.cgroup_id));
		break;
	case RIPTEL_REC_EXIT:
		sb_printf(b, " comm=");
		sb_safe(b, r->exit.comm, sizeof(r->exit.comm));
		if (r->exit.exit_code & 0x7f)
			sb_printf(b, " signal=%" PRIu32,
				  r->exit.exit_code & 0x7f);
		else
			sb_printf(b, " status=%" PRIu32,
				  (r->exit.exit_code >> 8) & 0xff);
		sb_printf(b, " uid=%" PRIu32 " cgroup=%" PRIu64, r->exit.uid,
			  (uint64_t)(r->exit.cgroup_id));
		break;
	case RIPTEL_REC_TCP_STATE:
		sb_printf(b, " ");
		sb_endpoint(b, r->tcp.family, r->tcp.saddr, r->tcp.sport);
		sb_printf(b, " -> ");
		sb_endpoint(b, r->tcp.family, r->tcp.daddr, r->tcp.dport);
		sb_printf(b, " ");
		sb_state(b, r->tcp.oldstate);
		sb_printf(b, " -> ");
		sb_state(b, r->tcp.newstate);
		sb_printf(b, " cookie=%" PRIu64, (uint64_t)(r->tcp.sock_cookie));
		break;
	case RIPTEL_REC_CONN_INTERCEPT:
		sb_printf(b, " %s ", r->conn.direction == RIPTEL_DIR_IN ?
			  "in" : "out");
		sb_endpoint(b, r->conn.family, r->conn.laddr, r->conn.lport);
		sb_printf(b, " -> ");
		sb_endpoint(b, r->conn.family, r->conn.raddr, r->conn.rport);
		sb_printf(b, " cookie=%" PRIu64, (uint64_t)(r->conn.sock_cookie));
		sb_ref(b, "local", &r->conn.local_id);
		break;
	case RIPTEL_REC_POLICY_DECISION:
		sb_printf(b, " %s cookie=%" PRIu64,
			  record_or_unknown(record_decision_name(r->decision.decision)),
			  (uint64_t)(r->decision.sock_cookie));
		sb_ref(b, "local", &r->decision.local_id);
		sb_ref(b, "peer", &r->decision.peer_id);
		sb_printf(b, " reason=%u", r->decision.reason);
		break;
	case RIPTEL_REC_HANDSHAKE_START:
		sb_printf(b, " cookie=%" PRIu64 " tls=%#06x",
			  (uint64_t)(r->handshake.sock_cookie), r->handshake.tls_version);
		break;
	case RIPTEL_REC_HANDSHAKE_DONE:
		sb_printf(b, " cookie=%" PRIu64 " tls=%#06x result=%" PRId32
			  " duration_us=%" PRIu64, (uint64_t)(r->handshake.sock_cookie),
			  r->handshake.tls_version, r->handshake.result,
			  (uint64_t)(r->handshake.duration_ns / 1000));
		sb_ref(b, "peer", &r->handshake.peer_id);
		break;
	case RIPTEL_REC_CONN_CLOSE:
		sb_printf(b, " cookie=%" PRIu64 " sent=%" PRIu64 " received=%"
			  PRIu64 " duration_us=%" PRIu64, (uint64_t)(r->close.sock_cookie),
			  (uint64_t)(r->close.bytes_sent), (uint64_t)(r->close.bytes_received),
			  (uint64_t)(r->close.duration_ns / 1000));
		break;
	case RIPTEL_REC_IDENTITY:
		sb_printf(b, " op=%u", r->identity.op);
		sb_ref(b, "id", &r->identity.id);
		sb_printf(b, " not_after=%" PRId64, (int64_t)r->identity.not_after);
		break;
	case RIPTEL_REC_PROVIDER:
		sb_printf(b, " %s ", r->provider.op == RIPTEL_PROVIDER_ATTACH ?
			  "attach" : "detach");
		sb_safe(b, r->provider.name, sizeof(r->provider.name));
		sb_printf(b, " events=%" PRIu32, r->provider.events);
		break;
	case RIPTEL_REC_TEST:
		sb_printf(b, " source=%" PRIu32, r->test.source);
		break;
	}
}

size_t ctl_fmt_record(char *buf, size_t len, const struct riptel_record *r,
		      uint64_t unix_ns, bool color)
{
	struct sb b = { .buf = buf, .len = len };
	const char *name = record_type_name(r->hdr.type);
	time_t secs = (time_t)(unix_ns / 1000000000ULL);
	struct tm tm;

	if (len)
		buf[0] = '\0';
	if (!localtime_r(&secs, &tm))
		memset(&tm, 0, sizeof(tm));
	sb_printf(&b, "%s%02d:%02d:%02d.%06u%s cpu%-2u ", color ? C_DIM : "",
		  tm.tm_hour, tm.tm_min, tm.tm_sec,
		  (unsigned int)(unix_ns % 1000000000ULL / 1000),
		  color ? C_RESET : "", r->hdr.cpu);
	if (name)
		sb_printf(&b, "%s%-15s%s", color ? type_color(r->hdr.type) : "",
			  name, color ? C_RESET : "");
	else
		sb_printf(&b, "type%-11u", r->hdr.type);
	if (r->hdr.flags & RIPTEL_RF_NO_TASK)
		sb_printf(&b, " pid=-");
	else
		sb_printf(&b, " pid=%s%" PRIu32 "%s", color ? C_BOLD : "",
			  r->hdr.tgid, color ? C_RESET : "");
	if (r->hdr.pid != r->hdr.tgid && !(r->hdr.flags & RIPTEL_RF_NO_TASK))
		sb_printf(&b, " tid=%" PRIu32, r->hdr.pid);
	fmt_payload(&b, r);
	return b.pos;
}

/* ---- status ---- */

static const char *yes_no(bool v, const char *yes, const char *no)
{
	return v ? yes : no;
}

int ctl_fmt_status_text(FILE *f, const struct ctl_report *r)
{
	const struct ctl_status *st = r->status;
	const struct ctl_config *cfg = r->config;
	uint64_t w = 0, d = 0, ce = 0, nmi = 0, fill = 0, nest = 0;
	size_t i;
	uint16_t t;

	fprintf(f, "module      riptel %s, ABI %" PRIu32
		" (riptelctl %s, ABI %d)\n",
		st->module_version[0] ? st->module_version : "?",
		st->abi_version, RIPTEL_VERSION, RIPTEL_ABI_VERSION);
	fprintf(f, "rings       %zu CPUs x %" PRIu32 " pages (%" PRIu64
		" bytes each)\n", r->nr_rings, st->ring_pages,
		r->nr_rings ? r->rings[0].data_size : 0);
	fprintf(f, "tracepoints");
	for (i = 0; i < st->nr_tracepoints; i++)
		fprintf(f, " %s%s", st->tracepoints[i].name,
			yes_no(st->tracepoints[i].attached, "", "(off)"));
	fprintf(f, "\nproviders  ");
	if (!st->nr_providers)
		fprintf(f, " none");
	for (i = 0; i < st->nr_providers; i++)
		fprintf(f, " %s(%" PRIu32 " events)", st->providers[i].name,
			st->providers[i].events);
	fprintf(f, "\nidentities  %" PRIu32 "/%" PRIu32 " interned, %" PRIu64
		" inserts, %" PRIu64 " evictions, %" PRIu64 " failed\n",
		st->intern_used, st->intern_slots, st->intern_inserts,
		st->intern_evictions, st->intern_failed);
	fprintf(f, "pid filter ");
	if (!cfg->filter_pids)
		fprintf(f, " none (all processes)");
	else if (!cfg->lists)
		fprintf(f, " %" PRIu32 " entries (the list needs CAP_NET_ADMIN)",
			cfg->filter_pids);
	for (i = 0; i < cfg->nr_pids; i++)
		fprintf(f, " %" PRIu32, cfg->pids[i]);
	fprintf(f, "\ncgroups    ");
	if (!cfg->filter_cgroups)
		fprintf(f, " none (all cgroups)");
	else if (!cfg->lists)
		fprintf(f, " %" PRIu32 " entries (the list needs CAP_NET_ADMIN)",
			cfg->filter_cgroups);
	for (i = 0; i < cfg->nr_cgroups; i++)
		fprintf(f, " %" PRIu64, cfg->cgroups[i]);

	fprintf(f, "\n\n%-4s %10s %10s %12s %10s %9s %9s %9s\n", "CPU", "SIZE",
		"FILL", "WRITTEN", "DROPPED", "NESTED", "CONS_ERR", "NMI_LOST");
	for (i = 0; i < r->nr_rings; i++) {
		const struct ctl_ring *g = &r->rings[i];

		fprintf(f, "%-4" PRIu32 " %10" PRIu64 " %10" PRIu64 " %12"
			PRIu64 " %10" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9"
			PRIu64 "\n", g->cpu, g->data_size, g->fill, g->written,
			g->dropped, g->dropped_nested, g->consumer_errors,
			g->dropped_nmi);
		w += g->written;
		d += g->dropped;
		ce += g->consumer_errors;
		nmi += g->dropped_nmi;
		nest += g->dropped_nested;
		fill += g->fill;
	}
	fprintf(f, "%-4s %10s %10" PRIu64 " %12" PRIu64 " %10" PRIu64 " %9"
		PRIu64 " %9" PRIu64 " %9" PRIu64 "\n", "all", "", fill, w, d,
		nest, ce, nmi);

	fprintf(f, "\n%-16s %-4s %8s %12s %12s %12s\n", "TYPE", "ON", "SAMPLE",
		"DISABLED", "FILTERED", "SAMPLED_OUT");
	for (t = RIPTEL_REC_EXEC; t <= RIPTEL_REC_TEST; t++) {
		const struct ctl_type_stats *ts = &cfg->types[t];
		char rate[16];

		if (!ts->present)
			continue;
		snprintf(rate, sizeof(rate), "1/%" PRIu32, ts->sample_rate);
		fprintf(f, "%-16s %-4s %8s %12" PRIu64 " %12" PRIu64 " %12"
			PRIu64 "\n", record_type_name(t),
			yes_no(cfg->type_mask & (1U << t), "yes", "no"), rate,
			ts->disabled, ts->filtered, ts->sampled_out);
	}
	return ferror(f) ? -EIO : 0;
}

int ctl_fmt_status_json(struct jsonw *w, const struct ctl_report *r)
{
	const struct ctl_status *st = r->status;
	const struct ctl_config *cfg = r->config;
	size_t i;
	uint16_t t;

	jsonw_obj_begin(w);
	jsonw_kv_string(w, "module_version", st->module_version);
	jsonw_kv_u64(w, "abi_version", st->abi_version);
	jsonw_kv_string(w, "riptelctl_version", RIPTEL_VERSION);
	jsonw_kv_u64(w, "riptelctl_abi_version", RIPTEL_ABI_VERSION);
	jsonw_kv_u64(w, "ring_pages", st->ring_pages);
	jsonw_key(w, "tracepoints");
	jsonw_arr_begin(w);
	for (i = 0; i < st->nr_tracepoints; i++) {
		jsonw_obj_begin(w);
		jsonw_kv_string(w, "name", st->tracepoints[i].name);
		jsonw_kv_bool(w, "attached", st->tracepoints[i].attached);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_key(w, "providers");
	jsonw_arr_begin(w);
	for (i = 0; i < st->nr_providers; i++) {
		jsonw_obj_begin(w);
		jsonw_kv_string(w, "name", st->providers[i].name);
		jsonw_kv_u64(w, "events", st->providers[i].events);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_key(w, "intern");
	jsonw_obj_begin(w);
	jsonw_kv_u64(w, "slots", st->intern_slots);
	jsonw_kv_u64(w, "used", st->intern_used);
	jsonw_kv_u64(w, "inserts", st->intern_inserts);
	jsonw_kv_u64(w, "evictions", st->intern_evictions);
	jsonw_kv_u64(w, "failed", st->intern_failed);
	jsonw_obj_end(w);
	jsonw_key(w, "filter");
	jsonw_obj_begin(w);
	jsonw_kv_u64(w, "nr_pids", cfg->filter_pids);
	jsonw_kv_u64(w, "nr_cgroups", cfg->filter_cgroups);
	/* false: the lists below are empty for want of CAP_NET_ADMIN */
	jsonw_kv_bool(w, "lists_visible", cfg->lists);
	jsonw_key(w, "pids");
	jsonw_arr_begin(w);
	for (i = 0; i < cfg->nr_pids; i++)
		jsonw_u64(w, cfg->pids[i]);
	jsonw_arr_end(w);
	jsonw_key(w, "cgroups");
	jsonw_arr_begin(w);
	for (i = 0; i < cfg->nr_cgroups; i++)
		jsonw_u64(w, cfg->cgroups[i]);
	jsonw_arr_end(w);
	jsonw_obj_end(w);
	jsonw_key(w, "rings");
	jsonw_arr_begin(w);
	for (i = 0; i < r->nr_rings; i++) {
		const struct ctl_ring *g = &r->rings[i];

		jsonw_obj_begin(w);
		jsonw_kv_u64(w, "cpu", g->cpu);
		jsonw_kv_u64(w, "data_size", g->data_size);
		jsonw_kv_u64(w, "head", g->head);
		jsonw_kv_u64(w, "tail", g->tail);
		jsonw_kv_u64(w, "fill", g->fill);
		jsonw_kv_u64(w, "written", g->written);
		jsonw_kv_u64(w, "dropped", g->dropped);
		jsonw_kv_u64(w, "consumer_errors", g->consumer_errors);
		jsonw_kv_u64(w, "dropped_nmi", g->dropped_nmi);
		jsonw_kv_u64(w, "dropped_nested", g->dropped_nested);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_key(w, "types");
	jsonw_obj_begin(w);
	for (t = RIPTEL_REC_EXEC; t <= RIPTEL_REC_TEST; t++) {
		const struct ctl_type_stats *ts = &cfg->types[t];

		if (!ts->present)
			continue;
		jsonw_key(w, record_type_name(t));
		jsonw_obj_begin(w);
		jsonw_kv_bool(w, "enabled", cfg->type_mask & (1U << t));
		jsonw_kv_u64(w, "sample_rate", ts->sample_rate);
		jsonw_kv_u64(w, "disabled", ts->disabled);
		jsonw_kv_u64(w, "filtered", ts->filtered);
		jsonw_kv_u64(w, "sampled_out", ts->sampled_out);
		jsonw_obj_end(w);
	}
	jsonw_obj_end(w);
	jsonw_obj_end(w);
	return jsonw_error(w);
}
