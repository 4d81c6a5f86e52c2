/* runner.h - the agent's two loops: ring drain thread and pipeline. */
#ifndef RIPTEL_RUNNER_H
#define RIPTEL_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "pipeline.h"
#include "queue.h"
#include "reader.h"

/*
 * runner_run() starts a drain thread and runs the pipeline loop in the
 * calling thread until a stop condition, then returns:
 *
 *   drain thread:  reader_drain() in batches -> queue_push_many(); when the
 *                  rings are empty, poll(wait_fd, stop_fd) for at most
 *                  poll_ms.  It never waits on the pipeline: a full queue
 *                  drops (and counts) records instead.
 *   pipeline:      queue_pop_many() -> pipeline_record() with the Unix time;
 *                  pipeline_tick() every tick_ns; pipeline_flush() whenever
 *                  the queue runs dry and once at the end.
 *
 * Stop conditions: stop_fd readable (a signalfd, or any fd a test pokes)
 * or duration_ns elapsed: the drain thread then drains what is left in the
 * rings (bounded by final_drain_budget records, since producers may not
 * stop) and the pipeline empties the queue.  max_records handed to the
 * sinks: stop at once, without the final drain.  A sink returning -EPIPE
 * (its reader went away) also stops at once.
 */
struct runner_cfg {
	struct reader *rd;
	struct queue *q;
	struct pipeline *pl;
	struct clock_conv *clk;
	int wait_fd;			/* POLLIN: records to drain; -1 none */
	/*
	 * POLLPRI on wait_fd: rings were created (a CPU came online), called
	 * on the drain thread to map them and add them to rd; 0 or -errno
	 * (which ends the run as a drain error).  NULL: POLLPRI not asked.
	 */
	int (*new_rings)(void *arg);
	void *new_rings_arg;
	int stop_fd;			/* POLLIN: stop; -1 none */
	unsigned int poll_ms;		/* longest wait; 0: 100 */
	uint64_t tick_ns;		/* 0: one second */
	uint64_t duration_ns;		/* 0: no limit */
	uint64_t max_records;		/* 0: no limit */
	uint64_t final_drain_budget;	/* records; 0: no final drain */
	unsigned int batch;		/* records per drain/pop; 0: 256 */
};

struct runner_result {
	uint64_t records;	/* handed to the sinks */
	bool max_reached;
	bool duration_reached;
	int drain_err;		/* 0 or -errno: the drain thread's failure */
	unsigned int rings_added;	/* by new_rings() during the run */
	int pipe_err;		/* 0 or -errno: -EPIPE, or a setup failure */
};

/* 0, or -errno if it could not start (nothing ran). */
int runner_run(const struct runner_cfg *cfg, struct runner_result *res);

#endif /* RIPTEL_RUNNER_H */
