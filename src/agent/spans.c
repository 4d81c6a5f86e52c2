/* spans.c - assemble one span per connection from out-of-order records. */
#include "spans.h"
#include "clock.h"
#include "record.h"
#include "enrich_proc.h"
#include "lru.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#define DEFAULT_MAX_OPEN	65536
#define DEFAULT_MAX_PENDING	8192
#define DEFAULT_WINDOW_NS	500000000ULL
#define RECENT_SLOTS		16384	/* power of two */
#define RAND_BUF		4096

/*
 * Connections are assembled from records that arrive in per-CPU order but
 * interleaved across CPUs, so any record may come first: whichever does
 * creates the connection, and the others fill it in.  A connection is only
 * finished once it is closed (or denied) and the newest record seen is a
 * reorder window past the close: by then every CPU's records up to the
 * close have been drained.  Cookies of finished connections are remembered
 * for a while so a straggler is counted as late rather than opening a new,
 * bogus connection.
 */
struct spans {
	struct spans_opts o;
	struct lru *open;		/* cookie -> struct spans_conn */
	/* finished cookies, direct-mapped: a slot reused by a newer cookie
	 * only forgets (a straggler then opens a span that is later evicted),
	 * it never matches a wrong cookie */
	uint64_t recent[RECENT_SLOTS];
	struct spans_conn *closed_head;	/* closed, in close order (roughly) */
	struct spans_conn *closed_tail;
	struct model_span_batch pending;
	uint64_t watermark;		/* newest record ts */
	size_t active;
	struct spans_stats st;
	uint8_t rand[RAND_BUF];
	size_t rand_pos;
};

static void closed_unlink(struct spans *s, struct spans_conn *c)
{
	if (!(c->have & SPANS_QUEUED))
		return;
	if (c->prev_closed)
		c->prev_closed->next_closed = c->next_closed;
	else
		s->closed_head = c->next_closed;
	if (c->next_closed)
		c->next_closed->prev_closed = c->prev_closed;
	else
		s->closed_tail = c->prev_closed;
	c->next_closed = c->prev_closed = NULL;
	c->have &= ~SPANS_QUEUED;
}

static void conn_free(struct spans *s, struct spans_conn *c)
{
	closed_unlink(s, c);
	if (!(c->have & (SPANS_HAVE_CLOSE | SPANS_HAVE_TCP_CLOSE)) && s->active)
		s->active--;
	enrich_proc_put(c->proc);
	free(c);
}

static void evict_open(void *ctx, uint64_t key, void *value)
{
	(void)key;
	conn_free(ctx, value);
}

int spans_new(const struct spans_opts *o, struct spans **out)
{
	struct spans *s;

	if (!o || !out)
		return -EINVAL;
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->o = *o;
	if (!s->o.max_open)
		s->o.max_open = DEFAULT_MAX_OPEN;
	if (!s->o.max_pending)
		s->o.max_pending = DEFAULT_MAX_PENDING;
	if (!s->o.reorder_window_ns)
		s->o.reorder_window_ns = DEFAULT_WINDOW_NS;
	s->open = lru_new(s->o.max_open, evict_open, s);
	if (!s->open) {
		spans_free(s);
		return -ENOMEM;
	}
	s->rand_pos = RAND_BUF;
	*out = s;
	return 0;
}

void spans_free(struct spans *s)
{
	if (!s)
		return;
	lru_free(s->open);
	for (size_t i = 0; i < s->pending.n; i++)
		model_span_clear(&s->pending.v[i]);
	free(s->pending.v);
	free(s);
}

/* Random bytes for ids, from a buffer refilled through getrandom(). */
static void random_id(struct spans *s, uint8_t *id, size_t n)
{
	bool zero = true;

	do {
		for (size_t i = 0; i < n; i++) {
			if (s->rand_pos == RAND_BUF) {
				size_t got = 0;

				while (got < RAND_BUF) {
					ssize_t r = getrandom(s->rand + got, RAND_BUF - got, 0);

					if (r <= 0)
						break;
					got += (size_t)r;
				}
				/* getrandom cannot fail once the pool is up;
				 * should it, still never hand out zero ids */
				for (size_t j = got; j < RAND_BUF; j++)
					s->rand[j] = (uint8_t)(j * 131 + 7);
				s->rand_pos = 0;
			}
			id[i] = s->rand[s->rand_pos++];
			if (id[i])
				zero = false;
		}
	} while (zero);	/* all-zero ids are invalid in OTLP */
}

const char *spans_tls_version_name(uint16_t v, char *buf)
{
	if (v == 0)
		return "";
	if (v >= 0x0301 && v <= 0x0304)		/* TLS 1.0 .. 1.3 */
		snprintf(buf, 16, "1.%u", (unsigned int)(v - 0x0301));
	else if (v == 0x0300)
		snprintf(buf, 16, "ssl3");
	else
		snprintf(buf, 16, "0x%04x", v);
	return buf;
}

const char *spans_spiffe(const struct spans *s, struct riptel_spiffe_ref ref)
{
	const char *id;

	if (ref.id == 0 && ref.gen == 0)
		return NULL;
	id = s && s->o.resolve ? s->o.resolve(s->o.resolve_ctx, ref.id, ref.gen) : NULL;
	return id ? id : "unknown";
}

static size_t recent_slot(uint64_t cookie)
{
	return (size_t)((cookie * 0x9e3779b97f4a7c15ULL) >> 40) & (RECENT_SLOTS - 1);
}

static struct spans_conn *get_conn(struct spans *s, uint64_t cookie, uint64_t ts,
				   bool *late)
{
	struct spans_conn *c = lru_get(s->open, cookie);

	*late = false;
	if (c)
		return c;
	if (cookie && s->recent[recent_slot(cookie)] == cookie) {
		*late = true;
		s->st.late++;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cookie = cookie;
	c->first_ts = ts;
	random_id(s, c->trace_id, sizeof(c->trace_id));
	random_id(s, c->span_id, sizeof(c->span_id));
	random_id(s, c->hs_span_id, sizeof(c->hs_span_id));
	if (lru_size(s->open) == lru_capacity(s->open))
		s->st.evicted++;
	lru_put(s->open, cookie, c);	/* cannot fail: key is new */
	s->active++;
	return c;
}

/* The connection is over: queue it to finish after the reorder window. */
static void mark_closed(struct spans *s, struct spans_conn *c, uint64_t ts)
{
	if (!c->end_ts || ts > c->end_ts)
		c->end_ts = ts;
	if (c->have & SPANS_QUEUED)
		return;
	c->have |= SPANS_QUEUED;
	c->prev_closed = s->closed_tail;
	c->next_closed = NULL;
	if (s->closed_tail)
		s->closed_tail->next_closed = c;
	else
		s->closed_head = c;
	s->closed_tail = c;
}

static void set_start(struct spans_conn *c, uint64_t ts)
{
	if (!c->start_ts || ts < c->start_ts)
		c->start_ts = ts;
}

static void take_proc(struct spans_conn *c, struct enrich_proc_entry *proc)
{
	if (!proc || c->proc)
		return;
	enrich_proc_get(proc);
	c->proc = proc;
}

static void on_tcp(struct spans *s, const struct riptel_record *r,
		   struct enrich_proc_entry *proc)
{
	const struct riptel_rec_tcp_state *t = &r->tcp;
	struct spans_conn *c;
	bool late, start, end;

	if (t->oldstate == TCP_LISTEN || t->newstate == TCP_LISTEN)
		return;
	start = t->newstate == TCP_SYN_SENT || t->newstate == TCP_SYN_RECV;
	end = t->newstate == TCP_CLOSE || t->newstate == TCP_TIME_WAIT;
	c = lru_get(s->open, t->sock_cookie);
	if (!c) {
		/* without tcp_spans, TCP state only adds to known connections;
		 * mid-life transitions never start one */
		if (!s->o.tcp_spans || (!start && !end))
			return;
		c = get_conn(s, t->sock_cookie, r->hdr.ts_ns, &late);
		if (!c)
			return;
	}
	if (!(c->have & SPANS_HAVE_INTERCEPT)) {
		c->family = t->family;
		c->lport = t->sport;
		c->rport = t->dport;
		memcpy(c->laddr, t->saddr, 16);
		memcpy(c->raddr, t->daddr, 16);
	}
	if (start) {
		c->have |= SPANS_HAVE_TCP_START;
		set_start(c, r->hdr.ts_ns);
		if (!c->direction)
			c->direction = t->newstate == TCP_SYN_SENT ? RIPTEL_DIR_OUT : RIPTEL_DIR_IN;
		if (t->newstate == TCP_SYN_SENT && !(r->hdr.flags & RIPTEL_RF_NO_TASK)) {
			if (s->o.ignore_tgid && r->hdr.tgid == s->o.ignore_tgid)
				c->ignored = true;
			c->tgid = r->hdr.tgid;
			take_proc(c, proc);
		}
	}
	if (end) {
		if (t->newstate == TCP_CLOSE) {
			if (t->oldstate == TCP_SYN_SENT)
				c->have |= SPANS_HAVE_CONNECT_FAIL;
			else if (t->oldstate == TCP_ESTABLISHED ||
				 t->oldstate == TCP_CLOSE_WAIT || t->oldstate == TCP_SYN_RECV)
				c->have |= SPANS_HAVE_RESET;
		}
		c->tcp_last_state = t->newstate;
		if (!(c->have & (SPANS_HAVE_CLOSE | SPANS_HAVE_TCP_CLOSE)) && s->active)
			s->active--;
		c->have |= SPANS_HAVE_TCP_CLOSE;
		mark_closed(s, c, r->hdr.ts_ns);
	}
}

static void on_close(struct spans *s, struct spans_conn *c, const struct riptel_record *r)
{
	if (!(c->have & (SPANS_HAVE_CLOSE | SPANS_HAVE_TCP_CLOSE)) && s->active)
		s->active--;
	c->have |= SPANS_HAVE_CLOSE;
	c->bytes_sent = r->close.bytes_sent;
	c->bytes_received = r->close.bytes_received;
	c->close_duration_ns = r->close.duration_ns;
	/* the provider's close is authoritative over a TCP TIME_WAIT seen earlier */
	c->end_ts = r->hdr.ts_ns;
	mark_closed(s, c, r->hdr.ts_ns);
}

static void finish(struct spans *s, struct spans_conn *c, bool unfinished,
		   uint64_t now_mono);

static void finish_due(struct spans *s, uint64_t now)
{
	while (s->closed_head &&
	       s->closed_head->end_ts + s->o.reorder_window_ns <= now) {
		struct spans_conn *c = s->closed_head;

		closed_unlink(s, c);
		finish(s, c, false, now);
	}
}

int spans_record(struct spans *s, const struct riptel_record *r,
		 struct enrich_proc_entry *proc)
{
	struct spans_conn *c;
	uint64_t cookie;
	bool late;

	if (!s || !r)
		return -EINVAL;
	switch (r->hdr.type) {
	case RIPTEL_REC_TCP_STATE:
		on_tcp(s, r, proc);
		goto advance;
	case RIPTEL_REC_CONN_INTERCEPT:
		cookie = r->conn.sock_cookie;
		break;
	case RIPTEL_REC_POLICY_DECISION:
		cookie = r->decision.sock_cookie;
		break;
	case RIPTEL_REC_HANDSHAKE_START:
	case RIPTEL_REC_HANDSHAKE_DONE:
		cookie = r->handshake.sock_cookie;
		break;
	case RIPTEL_REC_CONN_CLOSE:
		cookie = r->close.sock_cookie;
		break;
	default:
		return 0;
	}
	c = get_conn(s, cookie, r->hdr.ts_ns, &late);
	if (!c) {
		if (late)
			goto advance;
		return -ENOMEM;
	}
	if (r->hdr.ts_ns < c->first_ts)
		c->first_ts = r->hdr.ts_ns;
	switch (r->hdr.type) {
	case RIPTEL_REC_CONN_INTERCEPT:
		c->have |= SPANS_HAVE_INTERCEPT;
		set_start(c, r->hdr.ts_ns);
		c->direction = r->conn.direction;
		c->family = r->conn.family;
		c->lport = r->conn.lport;
		c->rport = r->conn.rport;
		memcpy(c->laddr, r->conn.laddr, 16);
		memcpy(c->raddr, r->conn.raddr, 16);
		c->cgroup_id = r->conn.cgroup_id;
		if (!c->local_id.id && !c->local_id.gen)
			c->local_id = r->conn.local_id;
		if (!(r->hdr.flags & RIPTEL_RF_NO_TASK)) {
			c->tgid = r->hdr.tgid;
			/* the intercept names the owner: it wins over a SYN's guess */
			if (proc && c->proc != proc) {
				enrich_proc_put(c->proc);
				c->proc = NULL;
				take_proc(c, proc);
			}
		} else {
			take_proc(c, proc);	/* a cgroup-only identity, if none yet */
		}
		break;
	case RIPTEL_REC_POLICY_DECISION:
		c->have |= SPANS_HAVE_DECISION;
		c->decision_ts = r->hdr.ts_ns;
		c->decision = r->decision.decision;
		c->tls_mode = r->decision.tls_mode;
		c->reason = r->decision.reason;
		c->rule = r->decision.rule;
		if (r->decision.local_id.id || r->decision.local_id.gen)
			c->local_id = r->decision.local_id;
		if (r->decision.peer_id.id || r->decision.peer_id.gen)
			c->peer_id = r->decision.peer_id;
		/* a denied connection is over once the decision is made */
		if (c->decision == RIPTEL_DECISION_DENY)
			mark_closed(s, c, r->hdr.ts_ns);
		break;
	case RIPTEL_REC_HANDSHAKE_START:
		c->have |= SPANS_HAVE_HS_START;
		c->hs_start_ts = r->hdr.ts_ns;
		if (r->handshake.tls_version)
			c->tls_version = r->handshake.tls_version;
		break;
	case RIPTEL_REC_HANDSHAKE_DONE:
		c->have |= SPANS_HAVE_HS_DONE;
		c->hs_done_ts = r->hdr.ts_ns;
		c->hs_result = r->handshake.result;
		c->hs_duration_ns = r->handshake.duration_ns;
		if (r->handshake.tls_version)
			c->tls_version = r->handshake.tls_version;
		if (r->handshake.peer_id.id || r->handshake.peer_id.gen)
			c->peer_id = r->handshake.peer_id;
		break;
	case RIPTEL_REC_CONN_CLOSE:
		on_close(s, c, r);
		break;
	}
advance:
	if (r->hdr.ts_ns > s->watermark)
		s->watermark = r->hdr.ts_ns;
	finish_due(s, s->watermark);
	return 0;
}

void spans_advance(struct spans *s, uint64_t now_mono)
{
	if (!s)
		return;
	if (now_mono > s->watermark)
		s->watermark = now_mono;
	finish_due(s, s->watermark);
}

/* tls.protocol.version: a literal for the versions that exist. */
static int set_version(struct model_attrs *a, uint16_t v, char *buf)
{
	static const char *const names[] = { "1.0", "1.1", "1.2", "1.3" };

	if (v >= 0x0301 && v <= 0x0304)
		return model_attrs_set_static(a, "tls.protocol.version", names[v - 0x0301]);
	return model_attrs_set_str(a, "tls.protocol.version", spans_tls_version_name(v, buf));
}

static void fmt_addr(uint16_t family, const uint8_t *a, char *buf, size_t len)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		buf[0] = '\0';
}

int spans_conn_attrs(const struct spans *s, const struct spans_conn *c,
		     struct model_attrs *a)
{
	const struct model_attrs *pa;
	char buf[64];
	const char *id;
	int err = 0;

	if (!s || !c || !a)
		return -EINVAL;
	pa = !c->proc ? NULL : s->o.process_detail ? &c->proc->attrs : &c->proc->brief;

	if (model_attrs_reserve(a, a->n + (pa ? pa->n : 0) + 20))
		return -ENOMEM;
	if (pa)
		err |= model_attrs_merge(a, pa);
	else if (c->tgid)
		err |= model_attrs_set_int(a, "process.pid", c->tgid);
	if (c->cgroup_id && !model_attrs_get(a, "riptides.cgroup.id"))
		err |= model_attrs_set_int(a, "riptides.cgroup.id", (int64_t)c->cgroup_id);
	err |= model_attrs_set_static(a, "network.transport", "tcp");
	if (c->family) {
		err |= model_attrs_set_static(a, "network.type",
					      c->family == AF_INET6 ? "ipv6" : "ipv4");
		fmt_addr(c->family, c->laddr, buf, sizeof(buf));
		err |= model_attrs_set_str(a, "network.local.address", buf);
		err |= model_attrs_set_int(a, "network.local.port", c->lport);
		fmt_addr(c->family, c->raddr, buf, sizeof(buf));
		err |= model_attrs_set_str(a, "network.peer.address", buf);
		err |= model_attrs_set_int(a, "network.peer.port", c->rport);
	}
	err |= model_attrs_set_static(a, "riptides.direction", record_or_unknown(record_direction_name(c->direction)));
	id = spans_spiffe(s, c->local_id);
	if (id)
		err |= model_attrs_set_str(a, "riptides.local.spiffe_id", id);
	id = spans_spiffe(s, c->peer_id);
	if (id)
		err |= model_attrs_set_str(a, "riptides.peer.spiffe_id", id);
	if (c->have & SPANS_HAVE_DECISION) {
		err |= model_attrs_set_static(a, "riptides.decision", record_or_unknown(record_decision_name(c->decision)));
		err |= model_attrs_set_int(a, "riptides.decision.reason", c->reason);
		err |= model_attrs_set_static(a, "riptides.tls.mode", record_or_unknown(record_tls_mode_name(c->tls_mode)));
	}
	if (c->tls_version) {
		err |= model_attrs_set_static(a, "tls.protocol.name", "tls");
		err |= set_version(a, c->tls_version, buf);
	}
	if (c->have & SPANS_HAVE_CLOSE) {
		err |= model_attrs_set_int(a, "riptides.bytes.sent", (int64_t)c->bytes_sent);
		err |= model_attrs_set_int(a, "riptides.bytes.received",
					   (int64_t)c->bytes_received);
	}
	return err ? -ENOMEM : 0;
}

static uint64_t real(const struct spans *s, uint64_t mono)
{
	return s->o.clock ? clock_to_unix_ns(s->o.clock, mono)
			  : clock_apply_offset(s->o.mono_to_real_ns, mono);
}

/* Why the connection failed, or NULL. */
static const char *failure(const struct spans_conn *c, char *buf, size_t len)
{
	if (c->decision == RIPTEL_DECISION_DENY) {
		snprintf(buf, len, "denied by policy (reason %u)", c->reason);
		return buf;
	}
	if ((c->have & SPANS_HAVE_HS_DONE) && c->hs_result < 0) {
		snprintf(buf, len, "TLS handshake failed: %s", strerror(-c->hs_result));
		return buf;
	}
	if (c->have & SPANS_HAVE_CONNECT_FAIL)
		return "connection failed";
	if (c->have & SPANS_HAVE_RESET)
		return "connection reset";
	return NULL;
}

/* Queue c's span(s); takes over *attrs (left empty). */
static int build(struct spans *s, struct spans_conn *c, struct model_attrs *attrs,
		 bool unfinished, uint64_t now_mono)
{
	struct model_span *sp, *hs;
	char buf[128];
	const char *why;
	uint64_t start = c->start_ts ? c->start_ts : c->first_ts;
	uint64_t end = c->end_ts ? c->end_ts : now_mono;

	if (s->pending.n >= s->o.max_pending) {
		s->st.dropped++;
		return 0;
	}
	sp = model_span_batch_add(&s->pending);
	if (!sp)
		return -ENOMEM;
	memcpy(sp->trace_id, c->trace_id, sizeof(sp->trace_id));
	memcpy(sp->span_id, c->span_id, sizeof(sp->span_id));
	sp->kind = c->direction == RIPTEL_DIR_OUT ? MODEL_SPAN_CLIENT :
		   c->direction == RIPTEL_DIR_IN ? MODEL_SPAN_SERVER : MODEL_SPAN_INTERNAL;
	sp->start_time_ns = real(s, start);
	sp->end_time_ns = real(s, end < start ? start : end);
	sp->attrs = *attrs;
	memset(attrs, 0, sizeof(*attrs));
	if (model_span_set_name(sp, c->direction == RIPTEL_DIR_IN ? "accept" : "connect"))
		goto fail;
	if (unfinished && model_attrs_set_bool(&sp->attrs, "riptides.span.unfinished", true))
		goto fail;
	why = failure(c, buf, sizeof(buf));
	if (why && model_span_set_status(sp, MODEL_STATUS_ERROR, why))
		goto fail;
	if (c->have & SPANS_HAVE_DECISION) {
		struct model_span_event *ev =
			model_span_add_event(sp, real(s, c->decision_ts), "riptides.policy.decision");
		int err = 0;

		if (!ev)
			goto fail;
		err |= model_attrs_set_static(&ev->attrs, "riptides.decision",
					      record_or_unknown(record_decision_name(c->decision)));
		err |= model_attrs_set_int(&ev->attrs, "riptides.decision.reason", c->reason);
		if (c->rule != UINT32_MAX)
			err |= model_attrs_set_int(&ev->attrs, "riptides.policy.rule", c->rule);
		/* identities and TLS mode are on the span already */
		if (err)
			goto fail;
	}
	if (c->have & (SPANS_HAVE_HS_START | SPANS_HAVE_HS_DONE)) {
		uint64_t hs_start = c->hs_start_ts, hs_end = c->hs_done_ts;
		const char *id;
		int err = 0;

		if (!hs_start)
			hs_start = hs_end > c->hs_duration_ns ? hs_end - c->hs_duration_ns : hs_end;
		if (!hs_end)
			hs_end = unfinished || !c->end_ts ? end : c->end_ts;
		/* sp may move when the batch grows: remember the parent's index */
		size_t parent = (size_t)(sp - s->pending.v);

		hs = model_span_batch_add(&s->pending);
		if (!hs)
			goto fail;
		sp = &s->pending.v[parent];
		memcpy(hs->trace_id, c->trace_id, sizeof(hs->trace_id));
		memcpy(hs->span_id, c->hs_span_id, sizeof(hs->span_id));
		memcpy(hs->parent_span_id, c->span_id, sizeof(hs->parent_span_id));
		hs->kind = MODEL_SPAN_INTERNAL;
		hs->start_time_ns = real(s, hs_start);
		hs->end_time_ns = real(s, hs_end < hs_start ? hs_start : hs_end);
		err |= model_span_set_name(hs, "tls handshake");
		if (c->tls_version) {
			err |= model_attrs_set_static(&hs->attrs, "tls.protocol.name", "tls");
			err |= set_version(&hs->attrs, c->tls_version, buf);
		}
		id = spans_spiffe(s, c->peer_id);
		if (id)
			err |= model_attrs_set_str(&hs->attrs, "riptides.peer.spiffe_id", id);
		if (c->have & SPANS_HAVE_HS_DONE) {
			err |= model_attrs_set_int(&hs->attrs, "riptides.handshake.result",
						   c->hs_result);
			if (c->hs_result < 0) {
				snprintf(buf, sizeof(buf), "TLS handshake failed: %s",
					 strerror(-c->hs_result));
				err |= model_span_set_status(hs, MODEL_STATUS_ERROR, buf);
			}
		}
		if (err)
			goto fail;
	}
	return 0;
fail:
	/* drop whatever this connection added */
	while (s->pending.n && memcmp(s->pending.v[s->pending.n - 1].trace_id,
				      c->trace_id, MODEL_TRACE_ID_LEN) == 0)
		model_span_clear(&s->pending.v[--s->pending.n]);
	return -ENOMEM;
}

/* Emit c (already off the close queue) and forget it. */
static void finish(struct spans *s, struct spans_conn *c, bool unfinished,
		   uint64_t now_mono)
{
	struct model_attrs attrs = { 0 };

	if (c->ignored) {
		/* no span, no metric: reporting the agent's exports would
		 * feed back into more exports */
	} else if (spans_conn_attrs(s, c, &attrs) == 0) {
		if (s->o.on_finish)
			s->o.on_finish(s->o.finish_ctx, c, &attrs, unfinished);
		if (build(s, c, &attrs, unfinished, now_mono) == 0)
			s->st.finished++;
		else
			s->st.dropped++;
	} else {
		s->st.dropped++;
	}
	model_attrs_clear(&attrs);
	s->recent[recent_slot(c->cookie)] = c->cookie;
	c = lru_take(s->open, c->cookie);
	if (c)
		conn_free(s, c);
}

static int collect_open(void *arg, uint64_t key, void *value)
{
	struct spans_conn ***cursor = arg;

	(void)key;
	*(*cursor)++ = value;
	return 0;
}

void spans_flush(struct spans *s, uint64_t now_mono)
{
	struct spans_conn **all, **cursor;
	size_t n;

	if (!s)
		return;
	while (s->closed_head) {
		struct spans_conn *c = s->closed_head;

		closed_unlink(s, c);
		finish(s, c, false, now_mono);
	}
	if (!s->o.flush_unfinished)
		return;
	n = lru_size(s->open);
	all = malloc((n ? n : 1) * sizeof(*all));
	if (!all)
		return;
	cursor = all;
	lru_walk(s->open, collect_open, &cursor);
	for (size_t i = 0; i < n; i++)
		finish(s, all[i], true, now_mono);
	free(all);
}

int spans_collect(struct spans *s, struct model_span_batch *out)
{
	if (!s || !out)
		return -EINVAL;
	if (out->n == 0 && out->v == NULL) {
		*out = s->pending;
		memset(&s->pending, 0, sizeof(s->pending));
		return 0;
	}
	size_t orig = out->n;

	for (size_t i = 0; i < s->pending.n; i++) {
		struct model_span *sp = model_span_batch_add(out);

		if (!sp) {
			out->n = orig;	/* shallow copies: pending still owns them */
			return -ENOMEM;
		}
		*sp = s->pending.v[i];
	}
	free(s->pending.v);
	memset(&s->pending, 0, sizeof(s->pending));
	return 0;
}

void spans_stats(const struct spans *s, struct spans_stats *st)
{
	if (!s || !st)
		return;
	*st = s->st;
	st->open = lru_size(s->open);
	st->active = s->active;
}

const struct spans_conn *spans_find(const struct spans *s, uint64_t cookie)
{
	return s ? lru_peek(s->open, cookie) : NULL;
}
