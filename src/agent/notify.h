/* notify.h - tell systemd (sd_notify) about readiness, health and state. */
#ifndef RIPTEL_NOTIFY_H
#define RIPTEL_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline.h"

/*
 * Thin wrappers over libsystemd's sd_notify().  Without NOTIFY_SOCKET (not
 * run by systemd with Type=notify) every call does nothing and returns 0.
 * They return 0 or -errno (a socket that cannot be written to); the agent
 * keeps running either way, systemd's timeouts are the consequence.
 *
 * The unit (packaging/riptel-agent.service) expects:
 *   READY=1    once the rings are mapped and the exporter is configured
 *   WATCHDOG=1 every notify_watchdog_interval_ns() from the main loop
 *   RELOADING=1 ... READY=1 around a SIGHUP config reload
 *   STOPPING=1 when shutdown starts (before the final flush)
 */
int notify_ready(void);
int notify_stopping(void);
/* RELOADING=1 with MONOTONIC_USEC (what systemd 253+ wants); send
 * notify_ready() again when the reload is done, good or bad. */
int notify_reloading(void);
/* STATUS=<text>, one line: newlines become spaces; cut at 255 bytes. */
int notify_status(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* true if systemd expects watchdog pings from this process. */
bool notify_watchdog_enabled(void);
/* WATCHDOG=1 if the watchdog is enabled, else nothing.  0 or -errno. */
int notify_watchdog(void);
/*
 * How often to call notify_watchdog(): half of WATCHDOG_USEC, in ns, so a
 * late ping still arrives in time.  0 when the watchdog is off.
 */
uint64_t notify_watchdog_interval_ns(void);

/*
 * A pipeline sink whose tick pings the watchdog, so a stuck pipeline
 * thread stops the pings and systemd restarts the agent.  Set the runner's
 * tick_ns to at most notify_watchdog_interval_ns().
 */
void notify_sink(struct sink *s);

#endif /* RIPTEL_NOTIFY_H */
