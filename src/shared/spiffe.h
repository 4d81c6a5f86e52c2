/*
 * spiffe.h - resolve the SPIFFE ID references in identity records
 * ({id, gen}, see struct riptel_spiffe_ref) to strings, through riptel's
 * generic netlink family, with a bounded cache.
 *
 * Correctness rule: a reference resolves to the string the kernel interned
 * under exactly that {id, gen}, or to nothing ("unknown"), never to another
 * string.  The kernel never gives one {id, gen} to two strings, so cached
 * answers stay right; a recycled id has a new gen and misses the cache.
 *
 * Not thread-safe: one resolver per thread.
 */
#ifndef RIPTEL_SPIFFE_H
#define RIPTEL_SPIFFE_H

#include <stddef.h>
#include <stdint.h>

#define SPIFFE_UNKNOWN "unknown"

/*
 * Where answers come from: copy the string of {id, gen} into buf (len
 * bytes, room for RIPTEL_SPIFFE_MAX + 1) and return 0, or return -ENOENT
 * (no such id), -ESTALE (id recycled), or another -errno.
 */
typedef int (*spiffe_fetch_fn)(void *ctx, uint32_t id, uint32_t gen,
			       char *buf, size_t len);

struct spiffe_stats {
	uint64_t hits;		/* answered from the cache */
	uint64_t fetches;	/* asked the kernel */
	uint64_t unknown;	/* resolved to nothing */
	uint64_t errors;	/* transport errors (also unknown) */
};

struct spiffe_resolver;

/*
 * A resolver over riptel's genl family with @cache_entries cache slots
 * (at least 1).  Returns NULL with errno set: ENOENT when the family is
 * not registered (riptel not loaded), others from the netlink socket.
 */
struct spiffe_resolver *spiffe_resolver_new(size_t cache_entries);

/* The same with another source of answers (tests). */
struct spiffe_resolver *spiffe_resolver_new_fetch(size_t cache_entries,
						  spiffe_fetch_fn fetch,
						  void *ctx);

/* Accepts NULL. */
void spiffe_resolver_free(struct spiffe_resolver *r);

/*
 * The string of {id, gen}, or NULL when it is unknown (never interned,
 * recycled, or not reachable); {0, 0} is "no identity" and gives NULL
 * without asking.  The pointer stays valid until the next call on @r.
 * Its signature fits spans_resolve_fn (agent/spans.h).
 */
const char *spiffe_resolve(void *r, uint32_t id, uint32_t gen);

/* spiffe_resolve(), with SPIFFE_UNKNOWN instead of NULL. */
const char *spiffe_resolve_name(struct spiffe_resolver *r, uint32_t id,
				uint32_t gen);

void spiffe_stats(const struct spiffe_resolver *r, struct spiffe_stats *st);

#endif /* RIPTEL_SPIFFE_H */
