/* export_retry.c - OTLP/HTTP retry policy: what to retry, when, and Retry-After. */
#include "export_retry.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
		      uint64_t elapsed_ms, int64_t retry_after_ms, double rnd,
		      uint64_t *delay_ms)
{
	uint64_t d = retry_after_ms >= 0 ? (uint64_t)retry_after_ms
					 : export_retry_backoff_ms(p, retry, rnd);

	if (elapsed_ms >= p->max_elapsed_ms || d > p->max_elapsed_ms - elapsed_ms)
		return -ETIMEDOUT;
	*delay_ms = d;
	return 0;
}

/* The HTTP-date forms RFC 9110 makes recipients accept, all in GMT. */
static const char *const date_formats[] = {
	"%a, %d %b %Y %H:%M:%S GMT",	/* IMF-fixdate */
	"%A, %d-%b-%y %H:%M:%S GMT",	/* RFC 850 */
	"%a %b %e %H:%M:%S %Y",		/* asctime */
};

int export_retry_after_parse(const char *value, time_t now, uint64_t *delay_ms)
{
	char buf[64];
	size_t len, i;
	const char *s;

	if (!value)
		return -EINVAL;
	while (isspace((unsigned char)*value))
		value++;
	len = strlen(value);
	while (len && isspace((unsigned char)value[len - 1]))
		len--;
	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, value, len);
	buf[len] = '\0';

	if (isdigit((unsigned char)buf[0])) {
		unsigned long long secs = 0;

		for (s = buf; *s; s++) {
			if (!isdigit((unsigned char)*s))
				return -EINVAL;
			/* Huge values saturate: a day is as good as forever. */
			if (secs < 10000000ULL)
				secs = secs * 10 + (unsigned long long)(*s - '0');
		}
		*delay_ms = (uint64_t)secs * 1000;
		return 0;
	}

	for (i = 0; i < sizeof(date_formats) / sizeof(date_formats[0]); i++) {
		struct tm tm;
		time_t t;

		memset(&tm, 0, sizeof(tm));
		s = strptime(buf, date_formats[i], &tm);
		if (!s || *s)
			continue;
		t = timegm(&tm);
		if (t == (time_t)-1)
			return -EINVAL;
		*delay_ms = t > now ? (uint64_t)(t - now) * 1000 : 0;
		return 0;
	}
	return -EINVAL;
}
