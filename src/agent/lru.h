/* lru.h - a bounded least-recently-used map from 64-bit keys to pointers. */
#ifndef RIPTEL_LRU_H
#define RIPTEL_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * All memory is allocated by lru_new(): capacity entries plus an index of
 * twice that many slots, so a full map never allocates and never exceeds
 * its bound.  Inserting into a full map evicts the least recently used
 * entry through the release callback and counts it.
 *
 * release(ctx, key, value) is called whenever the map lets go of a value it
 * holds: eviction, replacement, lru_remove() and lru_free().  lru_take()
 * hands the value back to the caller instead.
 */
typedef void (*lru_release_fn)(void *ctx, uint64_t key, void *value);

struct lru;

/* NULL on allocation failure or capacity 0. */
struct lru *lru_new(size_t capacity, lru_release_fn release, void *ctx);
void lru_free(struct lru *l);

/* The value for key, made most recently used; NULL when absent. */
void *lru_get(struct lru *l, uint64_t key);
/* The value for key without touching its recency. */
void *lru_peek(const struct lru *l, uint64_t key);
/* Insert or replace; evicts the oldest entry when full.  0 or -EINVAL. */
int lru_put(struct lru *l, uint64_t key, void *value);
/* Remove and release; true when key was present. */
bool lru_remove(struct lru *l, uint64_t key);
/* Remove without releasing; the value, or NULL when absent. */
void *lru_take(struct lru *l, uint64_t key);
/* The least recently used entry (not touched); NULL when empty. */
void *lru_oldest(const struct lru *l, uint64_t *key);

/* Visit entries from oldest to newest.  fn may not modify the map;
 * returning non-zero stops the walk and is returned. */
int lru_walk(const struct lru *l, int (*fn)(void *arg, uint64_t key, void *value),
	     void *arg);

size_t lru_size(const struct lru *l);
size_t lru_capacity(const struct lru *l);
uint64_t lru_evictions(const struct lru *l);

#endif /* RIPTEL_LRU_H */
