/* export_retry.c - the retry policy: which HTTP statuses to retry, and when. */
#include "export_retry.h"

#include <errno.h>
#include <math.h>

bool export_retry_retryable(long status)
{
	return status == 0 || status == 429 || status == 502 ||
	       status == 503 || status == 504;
}

enum export_verdict export_retry_classify(long status)
{
	if (status >= 200 && status < 300)
		return EXPORT_VERDICT_DONE;
	if (export_retry_retryable(status))
		return EXPORT_VERDICT_RETRY;
	return EXPORT_VERDICT_DROP;
}

void export_retry_policy_default(struct export_retry_policy *p)
{
	p->initial_ms = EXPORT_RETRY_INITIAL_MS;
	p->multiplier = EXPORT_RETRY_MULTIPLIER;
	p->max_interval_ms = EXPORT_RETRY_MAX_INTERVAL_MS;
	p->max_elapsed_ms = EXPORT_RETRY_MAX_ELAPSED_MS;
	p->jitter = EXPORT_RETRY_JITTER;
}

int export_retry_policy_check(const struct export_retry_policy *p)
{
	if (!p->initial_ms || p->max_interval_ms < p->initial_ms ||
	    !(p->multiplier >= 1.0) || !(p->jitter >= 0.0 && p->jitter <= 1.0))
		return -EINVAL;
	return 0;
}

uint64_t export_retry_backoff_ms(const struct export_retry_policy *p,
				 unsigned int retry, double rnd)
{
	double base = (double)p->initial_ms, d;

	if (retry > 1)
		base *= pow(p->multiplier, (double)(retry - 1));
	if (!(base <= (double)p->max_interval_ms))	/* also catches inf */
		base = (double)p->max_interval_ms;
	if (rnd < 0.0)
		rnd = 0.0;
	if (rnd >= 1.0)
		rnd = 0.999999;
	d = base * (1.0 - p->jitter + 2.0 * p->jitter * rnd);
	if (d > (double)p->max_interval_ms)
		d = (double)p->max_interval_ms;
	if (d < 1.0)
		d = 1.0;
	return (uint64_t)d;
}

int export_retry_next(const struct export_retry_policy *p, unsigned int retry,
		      uint64_t elapsed_ms, uint64_t retry_after_ms, double rnd,
		      uint64_t *delay_ms)
{
	uint64_t d = export_retry_backoff_ms(p, retry, rnd);

	if (retry_after_ms > d)
		d = retry_after_ms;
	if (elapsed_ms >= p->max_elapsed_ms || d > p->max_elapsed_ms - elapsed_ms)
		return -ETIMEDOUT;
	*delay_ms = d;
	return 0;
}
