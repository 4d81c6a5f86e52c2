/* queue.h - bounded single-producer single-consumer queue of records. */
#ifndef RIPTEL_QUEUE_H
#define RIPTEL_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "riptel.h"

/*
 * Between the drain thread (the only producer) and the pipeline thread (the
 * only consumer).  Pushing never blocks and never waits: when the queue is
 * full the record is dropped and counted, so a slow sink shows up as
 * queue drops, never as kernel ring overflow.  No wake-ups either: the
 * caller pairs the queue with its own notification (eventfd, poll timeout).
 */
struct queue;

/* @capacity records, rounded up to a power of two (at least 2). */
int queue_create(struct queue **out, size_t capacity);
void queue_destroy(struct queue *q);

size_t queue_capacity(const struct queue *q);

/* Producer: 0, or -ENOSPC with the record dropped and counted. */
int queue_push(struct queue *q, const struct riptel_record *rec);
/* Producer: pushes what fits, drops and counts the rest; returns pushed. */
size_t queue_push_many(struct queue *q, const struct riptel_record *recs,
		       size_t n);

/* Consumer: copy up to @max records out; returns how many. */
size_t queue_pop_many(struct queue *q, struct riptel_record *out, size_t max);

/* Either side: records waiting (a snapshot). */
size_t queue_depth(const struct queue *q);
bool queue_empty(const struct queue *q);
/* Either side: records dropped because the queue was full. */
uint64_t queue_dropped(const struct queue *q);
/* Drops per record type (type >= RIPTEL_REC_TYPE_MAX counts in 0). */
uint64_t queue_dropped_type(const struct queue *q, uint16_t type);

#endif /* RIPTEL_QUEUE_H */
