/* prom.h - the optional Prometheus pull endpoint: /metrics and /healthz. */
#ifndef RIPTEL_PROM_H
#define RIPTEL_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/*
 * A libmicrohttpd server on its own thread.  Scrapes never touch the
 * pipeline: prom_publish() renders a batch to text (prom_text.h) and swaps
 * it in under a mutex; requests serve the last text published.
 *
 *   GET /metrics  200, text/plain; version=0.0.4 (empty before a publish)
 *   GET /healthz  200 "ok" while prom_heartbeat() was called within the
 *                 health window (default PROM_HEALTH_WINDOW_MS), else 503
 *   other paths   404;  methods other than GET and HEAD: 405
 *
 * At most PROM_MAX_CONNECTIONS connections at once; a connection idle
 * for PROM_CONN_TIMEOUT_S seconds is closed.
 */

#define PROM_HEALTH_WINDOW_MS	30000
#define PROM_MAX_CONNECTIONS	32
#define PROM_CONN_TIMEOUT_S	10

struct prom;

/*
 * Listen on "host:port" ("[v6]:port"; an empty host means every address;
 * port 0 picks a free one, see prom_port).  0, or -EINVAL (bad address),
 * -EADDRINUSE, -EACCES, -EADDRNOTAVAIL, -ENOMEM, ... with the reason in err.
 */
int prom_new(const char *listen, struct prom **out, char *err, size_t errlen);
/*
 * What prom_new would refuse in listen without binding anything: the
 * syntax, and a host that does not resolve.  0 or -EINVAL, reason in err.
 */
int prom_listen_check(const char *listen, char *err, size_t errlen);
/* The port actually listened on. */
uint16_t prom_port(const struct prom *p);
/* Serve b (may be NULL) and res (may be NULL) from now on.  Thread-safe.
 * 0 or -ENOMEM (then the previous text stays). */
int prom_publish(struct prom *p, const struct model_metric_batch *b,
		 const struct model_resource *res);
/* Serve a text already rendered (copied).  Thread-safe.  0 or -ENOMEM. */
int prom_publish_text(struct prom *p, const char *text, size_t len);
/* The main loop is alive.  Thread-safe, lock-free. */
void prom_heartbeat(struct prom *p);
/* How long a heartbeat keeps /healthz at 200 (0: PROM_HEALTH_WINDOW_MS). */
void prom_set_health_window(struct prom *p, uint64_t ms);
/* Stop the server (waits for its thread) and free everything. */
void prom_free(struct prom *p);

#endif /* RIPTEL_PROM_H */
