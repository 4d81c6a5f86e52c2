/* runner.c - the agent's two loops: ring drain thread and pipeline. */
#include "runner.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define RUNNER_BATCH	256
#define RUNNER_POLL_MS	100
#define RUNNER_TICK_NS	1000000000ULL
#define RUNNER_SETTLE_NS 250000000ULL	/* final drain: wait for in-flight */

struct run {
	struct runner_cfg cfg;
	struct runner_result *res;
	int data_fd;		/* eventfd: drain -> pipeline, records queued */
	int wake_fd;		/* eventfd: pipeline -> drain, stop now */
	bool stop;		/* atomic: the drain loop ends */
	bool skip_final;	/* atomic: ... without the final drain */
	bool drain_done;	/* atomic: nothing more will be queued */
};

static bool flag(const bool *b)
{
	return __atomic_load_n(b, __ATOMIC_ACQUIRE);
}

static void set(bool *b)
{
	__atomic_store_n(b, true, __ATOMIC_RELEASE);
}

static void poke(int fd)
{
	uint64_t one = 1;
	ssize_t r;

	/* EAGAIN: the counter is already non-zero, the wake-up is pending */
	r = write(fd, &one, sizeof(one));
	(void)r;
}

static void unpoke(int fd)
{
	uint64_t v;
	ssize_t r;

	r = read(fd, &v, sizeof(v));	/* EAGAIN: nothing was pending */
	(void)r;
}

static void hand_over(struct run *run, const struct riptel_record *b,
		      size_t n)
{
	if (!n)
		return;
	queue_push_many(run->cfg.q, b, n);	/* full: dropped, counted */
	poke(run->data_fd);
}

static void final_drain(struct run *run, struct riptel_record *batch)
{
	const struct timespec pause = { .tv_nsec = 100000 };	/* 100 us */
	uint64_t budget = run->cfg.final_drain_budget;
	uint64_t give_up = clock_mono_ns(run->cfg.clk) + RUNNER_SETTLE_NS;
	size_t n;

	while (budget && !flag(&run->skip_final)) {
		n = reader_drain(run->cfg.rd, batch, run->cfg.batch);
		hand_over(run, batch, n);
		/* at least 1 per pass: invalid-only passes end too */
		budget -= n >= budget ? budget : (n ? n : 1);
		if (n || reader_pending(run->cfg.rd))
			continue;
		/*
		 * Empty: freeze the rings' counters here, so that records
		 * written after this (our own threads' exits) neither get
		 * read nor spoil written == consumed + dropped.  A ring with a
		 * record in flight settles a moment later.
		 */
		if (!reader_freeze(run->cfg.rd) ||
		    clock_mono_ns(run->cfg.clk) > give_up)
			break;
		nanosleep(&pause, NULL);
	}
}

static int wait_timeout(struct run *run, uint64_t deadline)
{
	int timeout = (int)run->cfg.poll_ms;
	uint64_t now, left_ms;

	if (!deadline)
		return timeout;
	now = clock_mono_ns(run->cfg.clk);
	if (now >= deadline)
		return -1;
	left_ms = (deadline - now + 999999) / 1000000;
	return left_ms < (uint64_t)timeout ? (int)left_ms : timeout;
}

static void *drain_main(void *arg)
{
	struct run *run = arg;
	struct riptel_record *batch;
	struct pollfd pfd[3];
	uint64_t deadline = 0;
	int timeout, ret;
	size_t n;

	batch = malloc(run->cfg.batch * sizeof(*batch));
	if (!batch) {
		run->res->drain_err = -ENOMEM;
		goto out;
	}
	if (run->cfg.duration_ns)
		deadline = clock_mono_ns(run->cfg.clk) + run->cfg.duration_ns;
	/* poll() ignores negative fds: a missing wait/stop fd is fine */
	pfd[0] = (struct pollfd){ .fd = run->cfg.wait_fd,
				  .events = POLLIN |
					    (run->cfg.new_rings ? POLLPRI : 0) };
	pfd[1] = (struct pollfd){ .fd = run->cfg.stop_fd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = run->wake_fd, .events = POLLIN };
	while (!flag(&run->stop)) {
		n = reader_drain(run->cfg.rd, batch, run->cfg.batch);
		hand_over(run, batch, n);
		if (n == run->cfg.batch)
			continue;	/* more is likely waiting */
		timeout = wait_timeout(run, deadline);
		if (timeout < 0) {
			run->res->duration_reached = true;
			break;
		}
		ret = poll(pfd, 3, timeout);
		if (ret < 0 && errno != EINTR) {
			run->res->drain_err = -errno;
			break;
		}
		if (ret > 0 && (pfd[1].revents & POLLIN))
			break;
		if (ret > 0 && (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))) {
			run->res->drain_err = -EIO;
			break;
		}
		if (ret > 0 && (pfd[0].revents & POLLPRI)) {
			ret = run->cfg.new_rings(run->cfg.new_rings_arg);
			if (ret < 0) {
				run->res->drain_err = ret;
				break;
			}
			run->res->rings_added += (unsigned int)ret;
		}
	}
	final_drain(run, batch);
out:
	free(batch);
	set(&run->drain_done);
	poke(run->data_fd);
	return NULL;
}

/* Stop everything now, no final drain. */
static void stop_now(struct run *run)
{
	set(&run->skip_final);
	set(&run->stop);
	poke(run->wake_fd);
}

static void pipeline_loop(struct run *run, struct riptel_record *buf)
{
	const struct runner_cfg *c = &run->cfg;
	uint64_t last_tick, now, max = c->max_records;
	struct pollfd pfd = { .fd = run->data_fd, .events = POLLIN };
	size_t n, i;
	int ret;

	last_tick = clock_mono_ns(c->clk);
	for (;;) {
		n = queue_pop_many(c->q, buf, c->batch);
		for (i = 0; i < n; i++) {
			if (max && run->res->records >= max)
				break;
			ret = pipeline_record(c->pl, &buf[i],
					      clock_to_unix_ns(c->clk,
							       buf[i].hdr.ts_ns));
			run->res->records++;
			if (ret == -EPIPE) {
				run->res->pipe_err = ret;
				stop_now(run);
				return;
			}
		}
		if (max && run->res->records >= max) {
			run->res->max_reached = true;
			stop_now(run);
			return;
		}
		now = clock_mono_ns(c->clk);
		if (now - last_tick >= c->tick_ns) {
			clock_maybe_refresh(c->clk, now);
			pipeline_tick(c->pl, now);
			last_tick = now;
		}
		if (n)
			continue;
		if (flag(&run->drain_done)) {
			if (queue_empty(c->q))
				return;
			continue;
		}
		pipeline_flush(c->pl);	/* idle: let buffered output out */
		/*
		 * The drain thread pokes data_fd after every push, so a push
		 * between our empty pop and this poll still wakes us.
		 */
		if (poll(&pfd, 1, (int)(c->tick_ns / 1000000) + 1) > 0)
			unpoke(run->data_fd);
	}
}

int runner_run(const struct runner_cfg *cfg, struct runner_result *res)
{
	struct riptel_record *buf;
	struct run run;
	pthread_t th;
	int ret;

	memset(res, 0, sizeof(*res));
	memset(&run, 0, sizeof(run));
	run.cfg = *cfg;
	run.res = res;
	if (!run.cfg.poll_ms)
		run.cfg.poll_ms = RUNNER_POLL_MS;
	if (!run.cfg.tick_ns)
		run.cfg.tick_ns = RUNNER_TICK_NS;
	if (!run.cfg.batch)
		run.cfg.batch = RUNNER_BATCH;
	if (run.cfg.poll_ms > 60000)
		run.cfg.poll_ms = 60000;

	buf = malloc(run.cfg.batch * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	run.data_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (run.data_fd < 0) {
		ret = -errno;
		goto err_free;
	}
	run.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (run.wake_fd < 0) {
		ret = -errno;
		goto err_close_data;
	}
	ret = -pthread_create(&th, NULL, drain_main, &run);
	if (ret)
		goto err_close_wake;

	pipeline_loop(&run, buf);
	stop_now(&run);		/* no-op unless the pipeline ended first */
	pthread_join(th, NULL);
	pipeline_flush(run.cfg.pl);
	ret = 0;

err_close_wake:
	close(run.wake_fd);
err_close_data:
	close(run.data_fd);
err_free:
	free(buf);
	return ret;
}
