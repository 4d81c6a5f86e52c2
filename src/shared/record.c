/* record.c - decoding riptel records: names, addresses, the JSON line. */
#include "record.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const char *const type_names[RIPTEL_REC_TYPE_MAX] = {
	[RIPTEL_REC_EXEC] = "exec",
	[RIPTEL_REC_FORK] = "fork",
	[RIPTEL_REC_EXIT] = "exit",
	[RIPTEL_REC_TCP_STATE] = "tcp_state",
	[RIPTEL_REC_CONN_INTERCEPT] = "conn_intercept",
	[RIPTEL_REC_POLICY_DECISION] = "policy_decision",
	[RIPTEL_REC_HANDSHAKE_START] = "handshake_start",
	[RIPTEL_REC_HANDSHAKE_DONE] = "handshake_done",
	[RIPTEL_REC_CONN_CLOSE] = "conn_close",
	[RIPTEL_REC_IDENTITY] = "identity",
	[RIPTEL_REC_PROVIDER] = "provider",
	[RIPTEL_REC_TEST] = "test",
};

/* Indexed by the kernel's TCP state numbers (include/net/tcp_states.h). */
static const char *const tcp_state_names[] = {
	[1] = "ESTABLISHED",
	[2] = "SYN_SENT",
	[3] = "SYN_RECV",
	[4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2",
	[6] = "TIME_WAIT",
	[7] = "CLOSE",
	[8] = "CLOSE_WAIT",
	[9] = "LAST_ACK",
	[10] = "LISTEN",
	[11] = "CLOSING",
	[12] = "NEW_SYN_RECV",
};

/* The ABI's enumerations in words, one table each (see record.h). */
static const char *const direction_names[] = {
	[RIPTEL_DIR_OUT] = "outbound",
	[RIPTEL_DIR_IN] = "inbound",
};

static const char *const decision_names[] = {
	[0] = "none",
	[RIPTEL_DECISION_ALLOW] = "allow",
	[RIPTEL_DECISION_DENY] = "deny",
};

static const char *const tls_mode_names[] = {
	[0] = "none",
	[RIPTEL_TLS_MODE_MUTUAL] = "mutual",
	[RIPTEL_TLS_MODE_SIMPLE] = "simple",
	[RIPTEL_TLS_MODE_PERMISSIVE] = "permissive",
	[RIPTEL_TLS_MODE_PASSTHROUGH] = "passthrough",
};

#define NAME_IN(table, v) \
	((size_t)(v) < sizeof(table) / sizeof((table)[0]) ? (table)[v] : NULL)

const char *record_direction_name(uint8_t dir)
{
	return NAME_IN(direction_names, dir);
}

const char *record_decision_name(uint8_t decision)
{
	return NAME_IN(decision_names, decision);
}

const char *record_tls_mode_name(uint8_t mode)
{
	return NAME_IN(tls_mode_names, mode);
}

const char *record_or_unknown(const char *word)
{
	return word ? word : "unknown";
}

const char *record_type_name(uint16_t type)
{
	return type < RIPTEL_REC_TYPE_MAX ? type_names[type] : NULL;
}

bool record_type_known(uint16_t type)
{
	return record_type_name(type) != NULL;
}

const char *record_tcp_state_name(uint8_t state)
{
	return NAME_IN(tcp_state_names, state);
}

int record_format_addr(char *buf, size_t len, uint16_t family,
		       const uint8_t addr[16])
{
	int af;

	if (family == AF_INET)
		af = AF_INET;
	else if (family == AF_INET6)
		af = AF_INET6;
	else
		return -EAFNOSUPPORT;
	if (len < RECORD_ADDR_STRLEN)
		return -ENOSPC;
	if (!inet_ntop(af, addr, buf, (socklen_t)len))
		return -errno;
	return 0;
}

/* A value in words when known, else as its number. */
static void kv_word(struct jsonw *w, const char *key, const char *word,
		    uint64_t v)
{
	if (word)
		jsonw_kv_string(w, key, word);
	else
		jsonw_kv_u64(w, key, v);
}

static void kv_state(struct jsonw *w, const char *key, uint8_t state)
{
	const char *name = record_tcp_state_name(state);

	if (name)
		jsonw_kv_string(w, key, name);
	else
		jsonw_kv_u64(w, key, state);	/* a state newer than us */
}

static void kv_addr(struct jsonw *w, const char *key, uint16_t family,
		    const uint8_t addr[16])
{
	char text[RECORD_ADDR_STRLEN];

	if (record_format_addr(text, sizeof(text), family, addr) == 0) {
		jsonw_kv_string(w, key, text);
		return;
	}
	jsonw_key(w, key);
	jsonw_null(w);
}

static void kv_family(struct jsonw *w, uint16_t family)
{
	if (family == AF_INET)
		jsonw_kv_string(w, "family", "inet");
	else if (family == AF_INET6)
		jsonw_kv_string(w, "family", "inet6");
	else
		jsonw_kv_u64(w, "family", family);
}

static void kv_spiffe(struct jsonw *w, const char *key,
		      const struct riptel_spiffe_ref *ref)
{
	jsonw_key(w, key);
	jsonw_obj_begin(w);
	jsonw_kv_u64(w, "id", ref->id);
	jsonw_kv_u64(w, "gen", ref->gen);
	jsonw_obj_end(w);
}

static void kv_hex(struct jsonw *w, const char *key, const uint8_t *p,
		   size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char text[2 * 32 + 1];
	size_t i;

	if (n > 32)
		n = 32;
	for (i = 0; i < n; i++) {
		text[2 * i] = hex[p[i] >> 4];
		text[2 * i + 1] = hex[p[i] & 15];
	}
	text[2 * n] = '\0';
	jsonw_kv_string(w, key, text);
}

static void put_exec(struct jsonw *w, const struct riptel_rec_exec *e)
{
	jsonw_kv_u64(w, "uid", e->uid);
	jsonw_kv_u64(w, "gid", e->gid);
	jsonw_kv_u64(w, "ppid", e->ppid);
	jsonw_kv_u64(w, "old_pid", e->old_pid);
	jsonw_kv_u64(w, "cgroup_id", e->cgroup_id);
	jsonw_kv_stringn(w, "comm", e->comm, sizeof(e->comm));
	jsonw_kv_stringn(w, "filename", e->filename, sizeof(e->filename));
}

static void put_fork(struct jsonw *w, const struct riptel_rec_fork *f)
{
	jsonw_kv_u64(w, "child_pid", f->child_pid);
	jsonw_kv_u64(w, "child_tgid", f->child_tgid);
	jsonw_kv_u64(w, "uid", f->uid);
	jsonw_kv_u64(w, "gid", f->gid);
	jsonw_kv_u64(w, "cgroup_id", f->cgroup_id);
	jsonw_kv_stringn(w, "comm", f->comm, sizeof(f->comm));
}

static void put_exit(struct jsonw *w, const struct riptel_rec_exit *e)
{
	jsonw_kv_u64(w, "exit_code", e->exit_code);
	jsonw_kv_u64(w, "uid", e->uid);
	jsonw_kv_u64(w, "gid", e->gid);
	jsonw_kv_u64(w, "cgroup_id", e->cgroup_id);
	jsonw_kv_stringn(w, "comm", e->comm, sizeof(e->comm));
}

static void put_tcp(struct jsonw *w, const struct riptel_rec_tcp_state *t)
{
	jsonw_kv_u64(w, "sock_cookie", t->sock_cookie);
	kv_family(w, t->family);
	kv_addr(w, "saddr", t->family, t->saddr);
	jsonw_kv_u64(w, "sport", t->sport);
	kv_addr(w, "daddr", t->family, t->daddr);
	jsonw_kv_u64(w, "dport", t->dport);
	kv_state(w, "oldstate", t->oldstate);
	kv_state(w, "newstate", t->newstate);
	jsonw_kv_u64(w, "uid", t->uid);
	jsonw_kv_u64(w, "netns_ino", t->netns_ino);
}

static void put_conn(struct jsonw *w, const struct riptel_rec_conn *c)
{
	jsonw_kv_u64(w, "sock_cookie", c->sock_cookie);
	jsonw_kv_u64(w, "cgroup_id", c->cgroup_id);
	jsonw_kv_u64(w, "uid", c->uid);
	kv_word(w, "direction", record_direction_name(c->direction),
		c->direction);
	kv_family(w, c->family);
	kv_addr(w, "laddr", c->family, c->laddr);
	jsonw_kv_u64(w, "lport", c->lport);
	kv_addr(w, "raddr", c->family, c->raddr);
	jsonw_kv_u64(w, "rport", c->rport);
	/* the workload the provider names; 0: it did not know */
	jsonw_kv_u64(w, "subject_tgid", c->tgid);
	jsonw_kv_u64(w, "subject_pid", c->pid);
	kv_spiffe(w, "local_id", &c->local_id);
}

static void put_decision(struct jsonw *w, const struct riptel_rec_decision *d)
{
	jsonw_kv_u64(w, "sock_cookie", d->sock_cookie);
	kv_spiffe(w, "local_id", &d->local_id);
	kv_spiffe(w, "peer_id", &d->peer_id);
	kv_word(w, "decision", record_decision_name(d->decision), d->decision);
	kv_word(w, "tls_mode", record_tls_mode_name(d->tls_mode), d->tls_mode);
	jsonw_kv_u64(w, "reason", d->reason);
	if (d->rule == UINT32_MAX)
		jsonw_kv_i64(w, "rule", -1);
	else
		jsonw_kv_u64(w, "rule", d->rule);
}

static void put_handshake(struct jsonw *w, const struct riptel_record *r)
{
	const struct riptel_rec_handshake *h = &r->handshake;

	jsonw_kv_u64(w, "sock_cookie", h->sock_cookie);
	jsonw_kv_u64(w, "tls_version", h->tls_version);
	if (r->hdr.type == RIPTEL_REC_HANDSHAKE_DONE) {
		kv_spiffe(w, "peer_id", &h->peer_id);
		jsonw_kv_i64(w, "result", h->result);
		jsonw_kv_u64(w, "duration_ns", h->duration_ns);
	}
}

static void put_close(struct jsonw *w, const struct riptel_rec_close *c)
{
	jsonw_kv_u64(w, "sock_cookie", c->sock_cookie);
	jsonw_kv_u64(w, "bytes_sent", c->bytes_sent);
	jsonw_kv_u64(w, "bytes_received", c->bytes_received);
	jsonw_kv_u64(w, "duration_ns", c->duration_ns);
}

static void put_identity(struct jsonw *w, const struct riptel_rec_identity *i)
{
	static const char *const ops[] = {
		[RIPTEL_ID_ISSUED] = "issued",
		[RIPTEL_ID_ROTATED] = "rotated",
		[RIPTEL_ID_EXPIRED] = "expired",
		[RIPTEL_ID_REVOKED] = "revoked",
	};
	size_t n = i->serial_len;

	kv_spiffe(w, "id", &i->id);
	if (i->op < sizeof(ops) / sizeof(ops[0]) && ops[i->op])
		jsonw_kv_string(w, "op", ops[i->op]);
	else
		jsonw_kv_u64(w, "op", i->op);
	if (n > sizeof(i->serial))
		n = sizeof(i->serial);
	kv_hex(w, "serial", i->serial, n);
	jsonw_kv_i64(w, "not_before", i->not_before);
	jsonw_kv_i64(w, "not_after", i->not_after);
}

static void put_provider(struct jsonw *w, const struct riptel_rec_provider *p)
{
	if (p->op == RIPTEL_PROVIDER_ATTACH)
		jsonw_kv_string(w, "op", "attach");
	else if (p->op == RIPTEL_PROVIDER_DETACH)
		jsonw_kv_string(w, "op", "detach");
	else
		jsonw_kv_u64(w, "op", p->op);
	jsonw_kv_u64(w, "events", p->events);
	jsonw_kv_stringn(w, "name", p->name, sizeof(p->name));
}

static void put_test(struct jsonw *w, const struct riptel_record *r)
{
	bool ok = true;
	uint32_t i;

	for (i = 0; i < 11; i++)
		if (r->test.words[i] != riptel_test_word(r->hdr.seq, i))
			ok = false;
	jsonw_kv_u64(w, "source", r->test.source);
	jsonw_kv_bool(w, "pattern_ok", ok);
}

int record_to_json(struct jsonw *w, const struct riptel_record *r,
		   uint64_t unix_ns)
{
	const char *name = record_type_name(r->hdr.type);
	int ret = 0;

	jsonw_obj_begin(w);
	if (name)
		jsonw_kv_string(w, "type", name);
	else
		jsonw_kv_u64(w, "type", r->hdr.type);
	jsonw_kv_u64(w, "cpu", r->hdr.cpu);
	jsonw_kv_u64(w, "seq", r->hdr.seq);
	jsonw_kv_u64(w, "ts_ns", r->hdr.ts_ns);
	jsonw_kv_u64(w, "time_unix_nano", unix_ns);
	jsonw_kv_u64(w, "pid", r->hdr.pid);
	jsonw_kv_u64(w, "tgid", r->hdr.tgid);
	jsonw_kv_u64(w, "flags", r->hdr.flags);
	switch (r->hdr.type) {
	case RIPTEL_REC_EXEC:
		put_exec(w, &r->exec);
		break;
	case RIPTEL_REC_FORK:
		put_fork(w, &r->fork);
		break;
	case RIPTEL_REC_EXIT:
		put_exit(w, &r->exit);
		break;
	case RIPTEL_REC_TCP_STATE:
		put_tcp(w, &r->tcp);
		break;
	case RIPTEL_REC_CONN_INTERCEPT:
		put_conn(w, &r->conn);
		break;
	case RIPTEL_REC_POLICY_DECISION:
		put_decision(w, &r->decision);
		break;
	case RIPTEL_REC_HANDSHAKE_START:
	case RIPTEL_REC_HANDSHAKE_DONE:
		put_handshake(w, r);
		break;
	case RIPTEL_REC_CONN_CLOSE:
		put_close(w, &r->close);
		break;
	case RIPTEL_REC_IDENTITY:
		put_identity(w, &r->identity);
		break;
	case RIPTEL_REC_PROVIDER:
		put_provider(w, &r->provider);
		break;
	case RIPTEL_REC_TEST:
		put_test(w, r);
		break;
	default:
		ret = -EINVAL;
	}
	jsonw_obj_end(w);
	return jsonw_error(w) ? jsonw_error(w) : ret;
}
