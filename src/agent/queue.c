/* queue.c - bounded single-producer single-consumer queue of records. */
#include "queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CACHELINE 64

/*
 * head and tail are free-running counts of records pushed and popped; the
 * slot of position p is p & mask.  The producer owns head, the consumer
 * owns tail, each on its own cache line.  Each side keeps a cached copy of
 * the other's index and re-reads it only when the cache says full/empty.
 */
struct queue {
	struct riptel_record *slots;
	size_t mask;
	_Alignas(CACHELINE) uint64_t head;	/* written by producer only */
	uint64_t tail_cache;			/* producer's view of tail */
	uint64_t dropped;			/* producer writes, any reads */
	uint64_t dropped_type[RIPTEL_REC_TYPE_MAX];
	_Alignas(CACHELINE) uint64_t tail;	/* written by consumer only */
	uint64_t head_cache;			/* consumer's view of head */
};

int queue_create(struct queue **out, size_t capacity)
{
	struct queue *q;
	size_t cap = 2;

	*out = NULL;
	if (capacity > (SIZE_MAX / 2) / sizeof(struct riptel_record))
		return -EINVAL;
	while (cap < capacity)
		cap *= 2;
	q = aligned_alloc(CACHELINE, sizeof(*q));
	if (!q)
		return -ENOMEM;
	memset(q, 0, sizeof(*q));
	q->slots = aligned_alloc(CACHELINE, cap * sizeof(struct riptel_record));
	if (!q->slots)
		goto err_free_q;
	q->mask = cap - 1;
	*out = q;
	return 0;

err_free_q:
	free(q);
	return -ENOMEM;
}

void queue_destroy(struct queue *q)
{
	if (!q)
		return;
	free(q->slots);
	free(q);
}

size_t queue_capacity(const struct queue *q)
{
	return q->mask + 1;
}

static void count_drop(struct queue *q, uint16_t type)
{
	unsigned int t = type < RIPTEL_REC_TYPE_MAX ? type : 0;

	/* single writer: relaxed load + store is exact, readers see it whole */
	__atomic_store_n(&q->dropped, q->dropped + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&q->dropped_type[t], q->dropped_type[t] + 1,
			 __ATOMIC_RELAXED);
}

size_t queue_push_many(struct queue *q, const struct riptel_record *recs,
		       size_t n)
{
	uint64_t head = q->head;
	size_t cap = q->mask + 1, room, fit, first, i;

	room = cap - (size_t)(head - q->tail_cache);
	if (room < n) {
		/* Pairs with the release store of tail in queue_pop_many():
		 * the consumer is done reading the slots below tail.
		 */
		q->tail_cache = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
		room = cap - (size_t)(head - q->tail_cache);
	}
	fit = n < room ? n : room;
	first = cap - (size_t)(head & q->mask);
	if (first > fit)
		first = fit;
	memcpy(&q->slots[head & q->mask], recs, first * sizeof(*recs));
	memcpy(&q->slots[0], recs + first, (fit - first) * sizeof(*recs));
	for (i = fit; i < n; i++)
		count_drop(q, recs[i].hdr.type);
	/* Pairs with the acquire load of head in queue_pop_many(): the
	 * records are written before the consumer can see them.
	 */
	__atomic_store_n(&q->head, head + fit, __ATOMIC_RELEASE);
	return fit;
}

int queue_push(struct queue *q, const struct riptel_record *rec)
{
	return queue_push_many(q, rec, 1) == 1 ? 0 : -ENOSPC;
}

size_t queue_pop_many(struct queue *q, struct riptel_record *out, size_t max)
{
	uint64_t tail = q->tail;
	size_t cap = q->mask + 1, avail, take, first;

	avail = (size_t)(q->head_cache - tail);
	if (avail < max) {
		/* Pairs with the release store of head in queue_push_many(). */
		q->head_cache = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
		avail = (size_t)(q->head_cache - tail);
	}
	take = max < avail ? max : avail;
	first = cap - (size_t)(tail & q->mask);
	if (first > take)
		first = take;
	memcpy(out, &q->slots[tail & q->mask], first * sizeof(*out));
	memcpy(out + first, &q->slots[0], (take - first) * sizeof(*out));
	/* Pairs with the acquire load of tail in queue_push_many(): our
	 * reads of the slots are done before the producer reuses them.
	 */
	__atomic_store_n(&q->tail, tail + take, __ATOMIC_RELEASE);
	return take;
}

size_t queue_depth(const struct queue *q)
{
	uint64_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	uint64_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);

	return head >= tail ? (size_t)(head - tail) : 0;
}

bool queue_empty(const struct queue *q)
{
	return queue_depth(q) == 0;
}

uint64_t queue_dropped(const struct queue *q)
{
	return __atomic_load_n(&q->dropped, __ATOMIC_RELAXED);
}

uint64_t queue_dropped_type(const struct queue *q, uint16_t type)
{
	unsigned int t = type < RIPTEL_REC_TYPE_MAX ? type : 0;

	return __atomic_load_n(&q->dropped_type[t], __ATOMIC_RELAXED);
}
