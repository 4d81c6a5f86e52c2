/* pipeline.c - fan records, ticks and flushes out to the sinks. */
#include "pipeline.h"

#include <errno.h>
#include <string.h>

void pipeline_init(struct pipeline *p)
{
	memset(p, 0, sizeof(*p));
}

int pipeline_add(struct pipeline *p, const struct sink *s)
{
	if (p->nr_sinks >= PIPELINE_MAX_SINKS)
		return -ENOSPC;
	p->sinks[p->nr_sinks++] = *s;
	return 0;
}

static int note(struct pipeline *p, size_t i, int ret, int first)
{
	if (!ret)
		return first;
	p->errors[i]++;
	p->last_error[i] = ret;
	return first ? first : ret;
}

int pipeline_record(struct pipeline *p, const struct riptel_record *r,
		    uint64_t unix_ns)
{
	int first = 0;
	size_t i;

	p->records++;
	for (i = 0; i < p->nr_sinks; i++)
		if (p->sinks[i].record)
			first = note(p, i, p->sinks[i].record(p->sinks[i].ctx,
							      r, unix_ns),
				     first);
	return first;
}

int pipeline_tick(struct pipeline *p, uint64_t now_ns)
{
	int first = 0;
	size_t i;

	for (i = 0; i < p->nr_sinks; i++)
		if (p->sinks[i].tick)
			first = note(p, i,
				     p->sinks[i].tick(p->sinks[i].ctx, now_ns),
				     first);
	return first;
}

void pipeline_flush(struct pipeline *p)
{
	size_t i;

	for (i = 0; i < p->nr_sinks; i++)
		if (p->sinks[i].flush)
			p->sinks[i].flush(p->sinks[i].ctx);
}

void pipeline_fini(struct pipeline *p)
{
	size_t i;

	if (!p)
		return;
	pipeline_flush(p);
	for (i = 0; i < p->nr_sinks; i++)
		if (p->sinks[i].destroy)
			p->sinks[i].destroy(p->sinks[i].ctx);
	p->nr_sinks = 0;
}
