/* pipeline.h - the sink interface records flow into, and its fan-out. */
#ifndef RIPTEL_PIPELINE_H
#define RIPTEL_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "riptel.h"

/*
 * A sink consumes decoded records on the pipeline thread (never the drain
 * thread), so it may take its time: a slow sink costs queue drops, which
 * are counted, never kernel ring overflow.
 *
 *   record: one valid record; @unix_ns is hdr.ts_ns converted to Unix ns.
 *           @r is only valid during the call: copy what you keep.
 *   tick:   called about once a second and when the pipeline goes idle,
 *           with CLOCK_MONOTONIC ns: time-based work (metric intervals,
 *           span timeouts, export batching).
 *   flush:  push out whatever is buffered (idle, and once at shutdown
 *           before the sinks are destroyed).
 *   destroy: free ctx; called once, after the final flush.
 *
 * record and tick return 0 or -errno; an error is counted per sink and
 * the record still goes to the other sinks.  Any callback may be NULL.
 */
struct sink {
	const char *name;
	int (*record)(void *ctx, const struct riptel_record *r,
		      uint64_t unix_ns);
	int (*tick)(void *ctx, uint64_t now_ns);
	void (*flush)(void *ctx);
	void (*destroy)(void *ctx);
	void *ctx;
};

#define PIPELINE_MAX_SINKS 8

struct pipeline {
	size_t nr_sinks;
	struct sink sinks[PIPELINE_MAX_SINKS];
	uint64_t errors[PIPELINE_MAX_SINKS];	/* failed record/tick calls */
	int last_error[PIPELINE_MAX_SINKS];	/* most recent -errno */
	uint64_t records;			/* records handed to sinks */
};

void pipeline_init(struct pipeline *p);
/* The pipeline takes ownership of @s (its destroy runs in fini). */
int pipeline_add(struct pipeline *p, const struct sink *s);
/* 0, or the first sink's -errno (the others still got the record). */
int pipeline_record(struct pipeline *p, const struct riptel_record *r,
		    uint64_t unix_ns);
int pipeline_tick(struct pipeline *p, uint64_t now_ns);
void pipeline_flush(struct pipeline *p);
/* flush, then destroy every sink; accepts a never-initialised-by-add p. */
void pipeline_fini(struct pipeline *p);

#endif /* RIPTEL_PIPELINE_H */
