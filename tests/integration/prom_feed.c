/* prom_feed.c - serve a known metric batch through prom.c for test_prometheus.sh. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "prom.h"

/*
 * usage: prom_feed LISTEN PORTFILE [SECONDS]
 * Listens on LISTEN (port 0: any free port), writes the port to PORTFILE
 * once serving, then publishes and heartbeats every 200 ms until SIGTERM,
 * SIGINT or SECONDS (default 300) have passed.  Exit 0 on a clean stop.
 * The values are the ones test_prometheus.sh expects: keep them in step.
 */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int build(struct model_metric_batch *b, struct model_resource *res)
{
	static const double bounds[] = { 0.01, 0.1, 1 };
	static const double seen[] = { 0.0078125, 0.0625, 0.0625, 4 };
	struct model_metric *m;
	struct model_point *p;

	if (model_attrs_set_str(&res->attrs, "service.name", "riptel-feed") ||
	    model_attrs_set_str(&res->attrs, "host.name", "itest"))
		return -ENOMEM;

	m = model_metric_batch_add(b, "riptides.connections", "Connections finished",
				   "{connection}", MODEL_METRIC_SUM,
				   MODEL_TEMPORALITY_CUMULATIVE, true);
	if (!m || !(p = model_metric_add_point(m)))
		return -ENOMEM;
	p->as_int = 42;
	if (model_attrs_set_str(&p->attrs, "riptides.direction", "out") ||
	    model_attrs_set_str(&p->attrs, "peer", "a\"b\\c\nd"))
		return -ENOMEM;
	if (!(p = model_metric_add_point(m)))
		return -ENOMEM;
	p->as_int = 7;
	if (model_attrs_set_str(&p->attrs, "riptides.direction", "in"))
		return -ENOMEM;

	m = model_metric_batch_add(b, "riptides.connection.duration", "Connection lifetime",
				   "s", MODEL_METRIC_HISTOGRAM,
				   MODEL_TEMPORALITY_CUMULATIVE, false);
	if (!m || !(p = model_metric_add_point(m)))
		return -ENOMEM;
	if (model_hist_init(&p->hist, bounds, 3))
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		model_hist_record(&p->hist, seen[i]);

	m = model_metric_batch_add(b, "riptides.agent.memory", "Resident memory", "By",
				   MODEL_METRIC_GAUGE, 0, false);
	if (!m || !(p = model_metric_add_point(m)))
		return -ENOMEM;
	p->as_int = 1048576;

	m = model_metric_batch_add(b, "riptides.agent.export.queue_depth", "Export batches waiting",
				   "{batch}", MODEL_METRIC_SUM,
				   MODEL_TEMPORALITY_CUMULATIVE, false);
	if (!m || !(p = model_metric_add_point(m)))
		return -ENOMEM;
	p->as_int = 5;
	return 0;
}

static int write_port(const char *path, unsigned int port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		return -EIO;
	return rename(tmp, path) ? -errno : 0;
}

int main(int argc, char **argv)
{
	struct model_metric_batch *b = NULL;
	struct model_resource res = { 0 };
	struct timespec tick = { 0, 200 * 1000 * 1000 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct prom *p = NULL;
	long seconds = argc > 3 ? strtol(argv[3], NULL, 10) : 300;
	char err[256];
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s LISTEN PORTFILE [SECONDS]\n", argv[0]);
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	b = model_metric_batch_new();
	if (!b || build(b, &res)) {
		fprintf(stderr, "prom_feed: out of memory\n");
		goto out;
	}
	if (prom_new(argv[1], &p, err, sizeof(err))) {
		fprintf(stderr, "prom_feed: %s\n", err);
		goto out;
	}
	if (prom_publish(p, b, &res) || write_port(argv[2], prom_port(p))) {
		fprintf(stderr, "prom_feed: cannot publish or write %s\n", argv[2]);
		goto out;
	}
	for (long i = 0; !stop && i < seconds * 5; i++) {
		prom_heartbeat(p);
		prom_publish(p, b, &res);
		nanosleep(&tick, NULL);
	}
	rc = 0;
out:
	prom_free(p);
	model_metric_batch_free(b);
	model_resource_clear(&res);
	return rc;
}
