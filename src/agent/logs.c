/* logs.c - log records for denials, handshake failures and identity events. */
#include "logs.h"
#include "clock.h"
#include "record.h"
#include "spans.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_PENDING 8192

struct logs {
	struct logs_opts o;
	struct model_log_batch pending;
	struct logs_stats st;
};

int logs_new(const struct logs_opts *o, struct logs **out)
{
	struct logs *l;

	if (!o || !out)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->o = *o;
	if (!l->o.max_pending)
		l->o.max_pending = DEFAULT_MAX_PENDING;
	*out = l;
	return 0;
}

void logs_free(struct logs *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->pending.n; i++)
		model_log_clear(&l->pending.v[i]);
	free(l->pending.v);
	free(l);
}

static uint64_t real(const struct logs *l, uint64_t mono)
{
	return l->o.clock ? clock_to_unix_ns(l->o.clock, mono)
			  : clock_apply_offset(l->o.mono_to_real_ns, mono);
}

static const char *severity_text(int sev)
{
	if (sev >= MODEL_SEV_ERROR)
		return "ERROR";
	if (sev >= MODEL_SEV_WARN)
		return "WARN";
	return "INFO";
}

/* A new pending record, or NULL (counted) when full or out of memory. */
static struct model_log *add(struct logs *l, uint64_t ts, uint64_t observed,
			     int sev, const char *event, const char *body,
			     const struct model_attrs *attrs)
{
	struct model_log *r;

	if (l->pending.n >= l->o.max_pending)
		goto drop;
	r = model_log_batch_add(&l->pending);
	if (!r)
		goto drop;
	r->time_ns = ts;
	r->observed_time_ns = observed;
	r->severity_number = sev;
	if (model_log_set(&r->severity_text, severity_text(sev)) ||
	    model_log_set(&r->event_name, event) || model_log_set(&r->body, body) ||
	    (attrs && model_attrs_copy(&r->attrs, attrs))) {
		model_log_clear(r);
		l->pending.n--;
		goto drop;
	}
	l->st.emitted++;
	return r;
drop:
	l->st.dropped++;
	return NULL;
}

static const char *or_unknown(const char *s)
{
	return s ? s : "unknown";
}

static const char *str_attr(const struct model_attrs *a, const char *key)
{
	const struct model_value *v = model_attrs_get(a, key);

	return v && v->type == MODEL_VALUE_STRING ? v->s : "?";
}

static int64_t int_attr(const struct model_attrs *a, const char *key)
{
	const struct model_value *v = model_attrs_get(a, key);

	return v && v->type == MODEL_VALUE_INT ? v->i : 0;
}

int logs_conn(struct logs *l, const struct spans *s, const struct spans_conn *c,
	      const struct model_attrs *attrs, uint64_t observed_ns)
{
	char body[1024];
	struct model_log *r;
	char *local, *peer;
	int n = 0;

	if (!l || !c || !attrs)
		return -EINVAL;
	if (c->decision != RIPTEL_DECISION_DENY &&
	    !((c->have & SPANS_HAVE_HS_DONE) && c->hs_result < 0))
		return 0;	/* the common case: nothing to say */
	/* a resolver's answer lives until its next call: keep copies */
	local = strdup(or_unknown(spans_spiffe(s, c->local_id)));
	peer = strdup(or_unknown(spans_spiffe(s, c->peer_id)));
	if (!local || !peer) {
		free(local);
		free(peer);
		l->st.dropped++;
		return -ENOMEM;
	}
	if (c->decision == RIPTEL_DECISION_DENY) {
		snprintf(body, sizeof(body),
			 "%s connection denied: %s -> %s (%s:%lld), reason %u, process %s pid %lld",
			 record_or_unknown(record_direction_name(c->direction)),
			 local, peer,
			 str_attr(attrs, "network.peer.address"),
			 (long long)int_attr(attrs, "network.peer.port"), c->reason,
			 str_attr(attrs, "process.executable.name"),
			 (long long)int_attr(attrs, "process.pid"));
		r = add(l, real(l, c->decision_ts ? c->decision_ts : c->first_ts), observed_ns,
			MODEL_SEV_WARN, "riptides.connection.denied", body, attrs);
		if (r) {
			memcpy(r->trace_id, c->trace_id, sizeof(r->trace_id));
			memcpy(r->span_id, c->span_id, sizeof(r->span_id));
			n++;
		}
	}
	if ((c->have & SPANS_HAVE_HS_DONE) && c->hs_result < 0) {
		char ver[16];

		snprintf(body, sizeof(body),
			 "TLS handshake failed: %s; %s -> %s (%s:%lld), TLS %s",
			 strerror(-c->hs_result),
			 local, peer,
			 str_attr(attrs, "network.peer.address"),
			 (long long)int_attr(attrs, "network.peer.port"),
			 c->tls_version ? spans_tls_version_name(c->tls_version, ver) : "?");
		r = add(l, real(l, c->hs_done_ts), observed_ns, MODEL_SEV_ERROR,
			"riptides.handshake.failed", body, attrs);
		if (r) {
			memcpy(r->trace_id, c->trace_id, sizeof(r->trace_id));
			/* the handshake's own span */
			memcpy(r->span_id, c->hs_span_id, sizeof(r->span_id));
			if (model_attrs_set_int(&r->attrs, "riptides.handshake.result",
						c->hs_result) == 0)
				n++;
		}
	}
	free(local);
	free(peer);
	return n;
}

int logs_identity(struct logs *l, const struct riptel_record *r,
		  const char *spiffe_id, uint64_t observed_ns)
{
	static const char *const ops[] = { "", "issued", "rotated", "expired", "revoked" };
	const struct riptel_rec_identity *id;
	struct model_attrs a = { 0 };
	char serial[2 * sizeof(id->serial) + 1], body[512], event[64];
	const char *op;
	size_t slen;
	int sev, err = 0;

	if (!l || !r || r->hdr.type != RIPTEL_REC_IDENTITY)
		return -EINVAL;
	id = &r->identity;
	if (id->op < RIPTEL_ID_ISSUED || id->op > RIPTEL_ID_REVOKED)
		return -EINVAL;
	op = ops[id->op];
	sev = id->op >= RIPTEL_ID_EXPIRED ? MODEL_SEV_WARN : MODEL_SEV_INFO;
	slen = id->serial_len < sizeof(id->serial) ? id->serial_len : sizeof(id->serial);
	for (size_t i = 0; i < slen; i++)
		snprintf(serial + 2 * i, 3, "%02x", id->serial[i]);
	serial[2 * slen] = '\0';
	err |= model_attrs_set_str(&a, "riptides.spiffe_id", or_unknown(spiffe_id));
	err |= model_attrs_set_str(&a, "riptides.identity.event", op);
	if (slen)
		err |= model_attrs_set_str(&a, "riptides.identity.serial", serial);
	err |= model_attrs_set_int(&a, "riptides.identity.not_before", id->not_before);
	err |= model_attrs_set_int(&a, "riptides.identity.not_after", id->not_after);
	if (err) {
		model_attrs_clear(&a);
		l->st.dropped++;
		return -ENOMEM;
	}
	snprintf(body, sizeof(body), "identity %s: %s (serial %s, valid %lld..%lld)", op,
		 or_unknown(spiffe_id), slen ? serial : "none",
		 (long long)id->not_before, (long long)id->not_after);
	snprintf(event, sizeof(event), "riptides.identity.%s", op);
	err = add(l, real(l, r->hdr.ts_ns), observed_ns, sev, event, body, &a) ? 0 : -ENOBUFS;
	model_attrs_clear(&a);
	return err;
}

int logs_collect(struct logs *l, struct model_log_batch *out)
{
	size_t orig;

	if (!l || !out)
		return -EINVAL;
	orig = out->n;
	for (size_t i = 0; i < l->pending.n; i++) {
		struct model_log *r = model_log_batch_add(out);

		if (!r) {
			out->n = orig;	/* shallow copies: pending still owns them */
			return -ENOMEM;
		}
		*r = l->pending.v[i];
	}
	free(l->pending.v);
	memset(&l->pending, 0, sizeof(l->pending));
	return 0;
}

void logs_stats(const struct logs *l, struct logs_stats *st)
{
	if (l && st)
		*st = l->st;
}
