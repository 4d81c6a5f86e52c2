/* export_retry.h - the retry policy: which HTTP statuses to retry, and when. */
#ifndef RIPTEL_EXPORT_RETRY_H
#define RIPTEL_EXPORT_RETRY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Pure functions, no clock and no randomness of their own: callers pass
 * the time and a uniform random number, so tests can pin both.
 *
 * The OTLP specification: retry 429, 502, 503, 504 and transport failures
 * (connection refused or reset, timeouts) with exponential backoff and
 * jitter, honouring Retry-After; every other non-2xx status is dropped.
 * The same rules serve every HTTP exporter (Prometheus remote write and
 * Zipkin use the same statuses); the Retry-After value itself is parsed
 * by libcurl (export_http.c), not here.
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
 * attempt: the backoff, or the receiver's Retry-After when that is longer
 * (retry_after_ms, 0 when none was sent).  A Retry-After can only lengthen
 * the wait: "0" or a date in the past never turns the backoff off, so a
 * receiver that keeps answering 503 cannot make the exporter spin.
 * 0 with *delay_ms set, or -ETIMEDOUT: give up, the wait would end past
 * max_elapsed.
 */
int export_retry_next(const struct export_retry_policy *p, unsigned int retry,
		      uint64_t elapsed_ms, uint64_t retry_after_ms, double rnd,
		      uint64_t *delay_ms);

#endif /* RIPTEL_EXPORT_RETRY_H */
