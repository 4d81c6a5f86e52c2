/* export_retry.h - OTLP/HTTP retry policy: what to retry, when, and Retry-After. */
#ifndef RIPTEL_EXPORT_RETRY_H
#define RIPTEL_EXPORT_RETRY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/*
 * Pure functions, no clock and no randomness of their own: callers pass
 * the time and a uniform random number, so tests can pin both.
 *
 * The OTLP specification: retry 429, 502, 503, 504 and transport failures
 * (connection refused or reset, timeouts) with exponential backoff and
 * jitter, honouring Retry-After; every other non-2xx status is dropped.
 */

enum export_verdict {
	EXPORT_VERDICT_DONE,	/* 2xx: delivered (maybe partially) */
	EXPORT_VERDICT_RETRY,	/* try again later */
	EXPORT_VERDICT_DROP,	/* never retry: drop and count */
};

/* status: the HTTP status, or 0 when no answer came (transport failure). */
enum export_verdict export_retry_classify(long status);
bool export_retry_retryable(long status);

/*
 * Delays in milliseconds.  The n-th retry (n >= 1) waits
 * initial * multiplier^(n-1), at most max_interval, spread uniformly by
 * +-jitter of itself and then capped at max_interval again.  Nothing is
 * retried once max_elapsed has passed since the first attempt.
 */
struct export_retry_policy {
	uint64_t initial_ms;		/* default 1000 */
	double multiplier;		/* default 1.5, >= 1 */
	uint64_t max_interval_ms;	/* default 30000 */
	uint64_t max_elapsed_ms;	/* default 300000 */
	double jitter;			/* default 0.5, in [0, 1] */
};

#define EXPORT_RETRY_INITIAL_MS		1000
#define EXPORT_RETRY_MULTIPLIER		1.5
#define EXPORT_RETRY_MAX_INTERVAL_MS	30000
#define EXPORT_RETRY_MAX_ELAPSED_MS	300000
#define EXPORT_RETRY_JITTER		0.5

void export_retry_policy_default(struct export_retry_policy *p);
/* 0, or -EINVAL for a policy that makes no sense (zero initial, max below
 * initial, multiplier below 1, jitter outside [0, 1]). */
int export_retry_policy_check(const struct export_retry_policy *p);

/* rnd uniform in [0, 1). */
uint64_t export_retry_backoff_ms(const struct export_retry_policy *p,
				 unsigned int retry, double rnd);

/*
 * The wait before retry number `retry`, elapsed_ms after the first
 * attempt.  retry_after_ms >= 0 (a Retry-After the receiver sent) replaces
 * the backoff.  0 with *delay_ms set, or -ETIMEDOUT: give up, the wait
 * would end past max_elapsed.
 */
int export_retry_next(const struct export_retry_policy *p, unsigned int retry,
		      uint64_t elapsed_ms, int64_t retry_after_ms, double rnd,
		      uint64_t *delay_ms);

/*
 * A Retry-After value: delta-seconds ("120") or an HTTP-date (IMF-fixdate
 * "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 or asctime form), relative to
 * now (Unix seconds).  Dates in the past give 0.  Surrounding blanks are
 * allowed.  0, or -EINVAL for anything else.
 */
int export_retry_after_parse(const char *value, time_t now, uint64_t *delay_ms);

#endif /* RIPTEL_EXPORT_RETRY_H */
