/* notify.c - sd_notify wrappers for Type=notify and the watchdog (notify.h). */
#include "notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#define STATUS_MAX 256

/* sd_notify: >0 sent, 0 no NOTIFY_SOCKET, <0 -errno. */
static int notify_send(const char *msg)
{
	int ret = sd_notify(0, msg);

	return ret < 0 ? ret : 0;
}

int notify_ready(void)
{
	return notify_send("READY=1");
}

int notify_stopping(void)
{
	return notify_send("STOPPING=1");
}

int notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL +
		 (unsigned long long)ts.tv_nsec / 1000);
	return notify_send(msg);
}

int notify_status(const char *fmt, ...)
{
	char msg[sizeof("STATUS=") - 1 + STATUS_MAX];
	size_t off = sizeof("STATUS=") - 1;
	va_list ap;
	char *p;

	memcpy(msg, "STATUS=", off);
	va_start(ap, fmt);
	vsnprintf(msg + off, sizeof(msg) - off, fmt, ap);
	va_end(ap);
	/* one assignment per line: a newline would start another one */
	for (p = msg + off; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return notify_send(msg);
}

static uint64_t watchdog_usec(void)
{
	uint64_t usec = 0;

	/* checks WATCHDOG_PID too: a ping request meant for our parent is
	 * not ours */
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}

bool notify_watchdog_enabled(void)
{
	return watchdog_usec() != 0;
}

int notify_watchdog(void)
{
	if (!notify_watchdog_enabled())
		return 0;
	return notify_send("WATCHDOG=1");
}

uint64_t notify_watchdog_interval_ns(void)
{
	return watchdog_usec() * 1000 / 2;
}

static int sink_tick(void *ctx, uint64_t now_ns)
{
	(void)ctx;
	(void)now_ns;
	return notify_watchdog();
}

void notify_sink(struct sink *s)
{
	*s = (struct sink){ .name = "watchdog", .tick = sink_tick };
}
