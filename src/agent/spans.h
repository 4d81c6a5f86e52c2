/* spans.h - assemble one span per connection from out-of-order records. */
#ifndef RIPTEL_SPANS_H
#define RIPTEL_SPANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "clock.h"
#include "riptel.h"

struct enrich_proc_entry;

/* Resolves an interned SPIFFE ID; NULL when unknown or stale. */
typedef const char *(*spans_resolve_fn)(void *ctx, uint32_t id, uint32_t gen);

/* What the records said about one connection, keyed by socket cookie. */
struct spans_conn {
	uint64_t cookie;
	uint32_t have;			/* SPANS_HAVE_* */
	uint64_t first_ts;		/* earliest record, CLOCK_MONOTONIC ns */
	uint64_t start_ts;		/* intercept or SYN; 0 unknown */
	uint64_t end_ts;		/* close; 0 open */
	uint8_t direction;		/* RIPTEL_DIR_*, 0 unknown */
	uint8_t decision;		/* RIPTEL_DECISION_*, 0 none */
	uint8_t tls_mode;
	uint8_t tcp_last_state;
	uint16_t family;
	uint16_t lport, rport;
	uint8_t laddr[16], raddr[16];
	uint16_t reason;
	uint16_t tls_version;
	uint32_t rule;
	int32_t hs_result;
	uint32_t tgid;
	uint64_t cgroup_id;
	struct riptel_spiffe_ref local_id, peer_id;
	uint64_t decision_ts;
	uint64_t hs_start_ts, hs_done_ts, hs_duration_ns;
	uint64_t bytes_sent, bytes_received, close_duration_ns;
	uint8_t trace_id[MODEL_TRACE_ID_LEN];
	uint8_t span_id[MODEL_SPAN_ID_LEN];
	uint8_t hs_span_id[MODEL_SPAN_ID_LEN];
	struct enrich_proc_entry *proc;	/* referenced; NULL unknown */
	bool ignored;			/* the agent's own: never reported */
	struct spans_conn *next_closed;	/* internal: close queue */
	struct spans_conn *prev_closed;
};

#define SPANS_HAVE_INTERCEPT	(1U << 0)
#define SPANS_HAVE_TCP_START	(1U << 1)
#define SPANS_HAVE_DECISION	(1U << 2)
#define SPANS_HAVE_HS_START	(1U << 3)
#define SPANS_HAVE_HS_DONE	(1U << 4)
#define SPANS_HAVE_CLOSE	(1U << 5)	/* conn_close record */
#define SPANS_HAVE_TCP_CLOSE	(1U << 6)
#define SPANS_HAVE_RESET	(1U << 7)	/* closed without FIN handshake */
#define SPANS_HAVE_CONNECT_FAIL	(1U << 8)	/* SYN_SENT -> CLOSE */
#define SPANS_QUEUED		(1U << 31)	/* internal */

/*
 * Called once per finished connection, before its span is queued, with the
 * connection's attributes as the span carries them (valid for the call).
 * unfinished: flushed at shutdown, never closed.
 */
typedef void (*spans_finish_fn)(void *ctx, const struct spans_conn *c,
				const struct model_attrs *attrs, bool unfinished);

struct spans_opts {
	size_t max_open;		/* 0: 65536 */
	size_t max_pending;		/* finished spans awaiting collect; 0: 8192 */
	uint64_t reorder_window_ns;	/* 0: 500 ms */
	bool flush_unfinished;		/* spans_flush() emits open connections */
	bool tcp_spans;			/* connections seen only through TCP state */
	bool process_detail;		/* every process attribute, not the brief set */
	/* connections this process opens (the agent's own exports) are
	 * tracked to their end but never reported; 0: none */
	uint32_t ignore_tgid;
	/* Unix ns = clock_to_unix_ns(clock, record ts), converted when the
	 * span or record is made, so a wall clock step is followed; NULL:
	 * record ts + mono_to_real_ns, fixed */
	const struct clock_conv *clock;
	int64_t mono_to_real_ns;
	spans_resolve_fn resolve;	/* NULL: every ID "unknown" */
	void *resolve_ctx;
	spans_finish_fn on_finish;	/* may be NULL */
	void *finish_ctx;
};

struct spans_stats {
	uint64_t finished;
	uint64_t evicted;		/* open connections pushed out */
	uint64_t dropped;		/* finished spans over max_pending */
	uint64_t late;			/* records after their span was finished */
	size_t open;			/* connections tracked */
	size_t active;			/* of which not yet closed */
};

struct spans;

int spans_new(const struct spans_opts *o, struct spans **out);
/* Frees everything, flushing nothing. */
void spans_free(struct spans *s);

/*
 * Feed one record (connection and TCP types; others are ignored).  proc is
 * the subject process for intercept or connect records (a reference is
 * taken), a cgroup-only entry for an intercept written outside any task,
 * or NULL.  Finishes every connection closed more than the reorder
 * window before the newest record seen.  0 or -ENOMEM.
 */
int spans_record(struct spans *s, const struct riptel_record *r,
		 struct enrich_proc_entry *proc);
/* Finish connections closed before now_mono - window (idle periods). */
void spans_advance(struct spans *s, uint64_t now_mono);
/* Shutdown: finish everything closed; with flush_unfinished also emit the
 * open ones, ended at now_mono and marked riptides.span.unfinished. */
void spans_flush(struct spans *s, uint64_t now_mono);
/* Move the finished spans into out (appended).  0 or -ENOMEM. */
int spans_collect(struct spans *s, struct model_span_batch *out);
void spans_stats(const struct spans *s, struct spans_stats *st);

/* Connection attributes as a span would carry them (tests, logs). */
int spans_conn_attrs(const struct spans *s, const struct spans_conn *c,
		     struct model_attrs *out);
const struct spans_conn *spans_find(const struct spans *s, uint64_t cookie);

/* Value names shared with metrics and logs. */
/* "1.3" for 0x0304, "" for 0; buf needs 16 bytes. */
const char *spans_tls_version_name(uint16_t v, char *buf);
/* The SPIFFE ID string or "unknown"; ref {0,0} gives NULL.  The string
 * may only live until the next call (the resolver's rule): copy it. */
const char *spans_spiffe(const struct spans *s, struct riptel_spiffe_ref ref);

#endif /* RIPTEL_SPANS_H */
