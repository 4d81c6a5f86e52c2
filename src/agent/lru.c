/* lru.c - a bounded least-recently-used map from 64-bit keys to pointers. */
#include "lru.h"

#include <errno.h>
#include <stdlib.h>

#define NIL UINT32_MAX

struct lru_node {
	uint64_t key;
	void *value;
	uint32_t prev;		/* towards the oldest */
	uint32_t next;		/* towards the newest */
};

/*
 * Invariants: nodes in use form a doubly linked list from head (oldest) to
 * tail (newest); unused nodes are chained through next from free_list.
 * index is open addressing with linear probing, NIL marks an empty slot,
 * and deletion shifts later entries back so no tombstones accumulate.
 */
struct lru {
	struct lru_node *nodes;
	uint32_t *index;
	size_t capacity;
	size_t mask;		/* index slots - 1 */
	size_t size;
	uint32_t head;
	uint32_t tail;
	uint32_t free_list;
	uint64_t evictions;
	lru_release_fn release;
	void *ctx;
};

static size_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (size_t)k;
}

struct lru *lru_new(size_t capacity, lru_release_fn release, void *ctx)
{
	struct lru *l;
	size_t slots = 4;

	if (capacity == 0 || capacity >= NIL / 2)
		return NULL;
	while (slots < capacity * 2)
		slots <<= 1;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->nodes = calloc(capacity, sizeof(*l->nodes));
	l->index = malloc(slots * sizeof(*l->index));
	if (!l->nodes || !l->index)
		goto free_map;
	for (size_t i = 0; i < slots; i++)
		l->index[i] = NIL;
	for (size_t i = 0; i < capacity; i++)
		l->nodes[i].next = i + 1 < capacity ? (uint32_t)(i + 1) : NIL;
	l->capacity = capacity;
	l->mask = slots - 1;
	l->head = l->tail = NIL;
	l->free_list = 0;
	l->release = release;
	l->ctx = ctx;
	return l;
free_map:
	free(l->index);
	free(l->nodes);
	free(l);
	return NULL;
}

/* Slot holding key, or the empty slot where it would go. */
static size_t find_slot(const struct lru *l, uint64_t key)
{
	size_t s = hash64(key) & l->mask;

	while (l->index[s] != NIL && l->nodes[l->index[s]].key != key)
		s = (s + 1) & l->mask;
	return s;
}

static void unlink_node(struct lru *l, uint32_t n)
{
	struct lru_node *node = &l->nodes[n];

	if (node->prev != NIL)
		l->nodes[node->prev].next = node->next;
	else
		l->head = node->next;
	if (node->next != NIL)
		l->nodes[node->next].prev = node->prev;
	else
		l->tail = node->prev;
}

static void append_node(struct lru *l, uint32_t n)
{
	l->nodes[n].prev = l->tail;
	l->nodes[n].next = NIL;
	if (l->tail != NIL)
		l->nodes[l->tail].next = n;
	else
		l->head = n;
	l->tail = n;
}

/* Empty index slot s, shifting back entries displaced past it. */
static void index_delete(struct lru *l, size_t s)
{
	size_t j = s;

	for (;;) {
		size_t home;

		j = (j + 1) & l->mask;
		if (l->index[j] == NIL)
			break;
		home = hash64(l->nodes[l->index[j]].key) & l->mask;
		/* move j back to s unless its home lies cyclically in (s, j] */
		if ((s < j) ? (home <= s || home > j) : (home <= s && home > j)) {
			l->index[s] = l->index[j];
			s = j;
		}
	}
	l->index[s] = NIL;
}

/* Detach the node in slot s; returns its value. */
static void *detach(struct lru *l, size_t s, uint64_t *key)
{
	uint32_t n = l->index[s];
	void *value = l->nodes[n].value;

	*key = l->nodes[n].key;
	index_delete(l, s);
	unlink_node(l, n);
	l->nodes[n].value = NULL;
	l->nodes[n].next = l->free_list;
	l->free_list = n;
	l->size--;
	return value;
}

void lru_free(struct lru *l)
{
	if (!l)
		return;
	if (l->nodes && l->release)
		for (uint32_t n = l->head; n != NIL; n = l->nodes[n].next)
			l->release(l->ctx, l->nodes[n].key, l->nodes[n].value);
	free(l->index);
	free(l->nodes);
	free(l);
}

void *lru_get(struct lru *l, uint64_t key)
{
	size_t s;
	uint32_t n;

	if (!l)
		return NULL;
	s = find_slot(l, key);
	n = l->index[s];
	if (n == NIL)
		return NULL;
	if (l->tail != n) {
		unlink_node(l, n);
		append_node(l, n);
	}
	return l->nodes[n].value;
}

void *lru_peek(const struct lru *l, uint64_t key)
{
	uint32_t n;

	if (!l)
		return NULL;
	n = l->index[find_slot(l, key)];
	return n == NIL ? NULL : l->nodes[n].value;
}

int lru_put(struct lru *l, uint64_t key, void *value)
{
	size_t s;
	uint32_t n;

	if (!l)
		return -EINVAL;
	s = find_slot(l, key);
	n = l->index[s];
	if (n != NIL) {
		void *old = l->nodes[n].value;

		l->nodes[n].value = value;
		unlink_node(l, n);
		append_node(l, n);
		if (old != value && l->release)
			l->release(l->ctx, key, old);
		return 0;
	}
	if (l->size == l->capacity) {
		uint64_t okey;
		void *old = detach(l, find_slot(l, l->nodes[l->head].key), &okey);

		l->evictions++;
		if (l->release)
			l->release(l->ctx, okey, old);
		s = find_slot(l, key);
	}
	n = l->free_list;
	l->free_list = l->nodes[n].next;
	l->nodes[n].key = key;
	l->nodes[n].value = value;
	append_node(l, n);
	l->index[s] = n;
	l->size++;
	return 0;
}

void *lru_take(struct lru *l, uint64_t key)
{
	size_t s;
	uint64_t k;

	if (!l)
		return NULL;
	s = find_slot(l, key);
	if (l->index[s] == NIL)
		return NULL;
	return detach(l, s, &k);
}

bool lru_remove(struct lru *l, uint64_t key)
{
	size_t s;
	uint64_t k;
	void *v;

	if (!l)
		return false;
	s = find_slot(l, key);
	if (l->index[s] == NIL)
		return false;
	v = detach(l, s, &k);
	if (l->release)
		l->release(l->ctx, k, v);
	return true;
}

void *lru_oldest(const struct lru *l, uint64_t *key)
{
	if (!l || l->head == NIL)
		return NULL;
	if (key)
		*key = l->nodes[l->head].key;
	return l->nodes[l->head].value;
}

int lru_walk(const struct lru *l, int (*fn)(void *arg, uint64_t key, void *value),
	     void *arg)
{
	if (!l || !fn)
		return 0;
	for (uint32_t n = l->head; n != NIL; n = l->nodes[n].next) {
		int r = fn(arg, l->nodes[n].key, l->nodes[n].value);

		if (r)
			return r;
	}
	return 0;
}

size_t lru_size(const struct lru *l)
{
	return l ? l->size : 0;
}

size_t lru_capacity(const struct lru *l)
{
	return l ? l->capacity : 0;
}

uint64_t lru_evictions(const struct lru *l)
{
	return l ? l->evictions : 0;
}
