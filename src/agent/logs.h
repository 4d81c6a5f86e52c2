/* logs.h - log records for denials, handshake failures and identity events. */
#ifndef RIPTEL_LOGS_H
#define RIPTEL_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "clock.h"
#include "riptel.h"

struct spans;
struct spans_conn;

struct logs_opts {
	size_t max_pending;		/* records awaiting collect; 0: 8192 */
	/* Unix ns = clock_to_unix_ns(clock, record ts), converted when the
	 * span or record is made, so a wall clock step is followed; NULL:
	 * record ts + mono_to_real_ns, fixed */
	const struct clock_conv *clock;
	int64_t mono_to_real_ns;
};

struct logs_stats {
	uint64_t emitted;
	uint64_t dropped;		/* over max_pending or out of memory */
};

struct logs;

int logs_new(const struct logs_opts *o, struct logs **out);
void logs_free(struct logs *l);

/*
 * A finished connection: one record if it was denied (WARN), one if its
 * handshake failed (ERROR), each with the connection's attributes and
 * trace/span ids.  s resolves SPIFFE IDs for the body.  Returns the
 * number of records added, or -errno.
 */
int logs_conn(struct logs *l, const struct spans *s, const struct spans_conn *c,
	      const struct model_attrs *attrs, uint64_t observed_ns);

/*
 * An identity record: issued and rotated are INFO, expired and revoked
 * WARN.  spiffe_id is the resolved ID (NULL: "unknown").  0 or -errno.
 */
int logs_identity(struct logs *l, const struct riptel_record *r,
		  const char *spiffe_id, uint64_t observed_ns);

/* Move the pending records into out (appended).  0 or -ENOMEM. */
int logs_collect(struct logs *l, struct model_log_batch *out);
void logs_stats(const struct logs *l, struct logs_stats *st);

#endif /* RIPTEL_LOGS_H */
