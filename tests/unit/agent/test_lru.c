/* test_lru.c - the bounded LRU map: bounds, recency, release, churn. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "lru.h"

struct tally {
	size_t released;
	uint64_t last_key;
};

static void rel(void *ctx, uint64_t key, void *value)
{
	struct tally *t = ctx;

	(void)value;
	t->released++;
	t->last_key = key;
}

#define V(k) ((void *)(uintptr_t)((k) + 1))

START_TEST(test_bound_and_recency)
{
	struct tally t = { 0 };
	struct lru *l = lru_new(3, rel, &t);

	ck_assert_ptr_nonnull(l);
	for (uint64_t k = 1; k <= 3; k++)
		ck_assert_int_eq(lru_put(l, k, V(k)), 0);
	ck_assert_ptr_eq(lru_get(l, 1), V(1));	/* 1 is now newest */
	ck_assert_int_eq(lru_put(l, 4, V(4)), 0);	/* evicts 2 */
	ck_assert_uint_eq(t.released, 1);
	ck_assert_uint_eq(t.last_key, 2);
	ck_assert_ptr_null(lru_peek(l, 2));
	ck_assert_uint_eq(lru_size(l), 3);
	ck_assert_uint_eq(lru_evictions(l), 1);
	uint64_t k;
	ck_assert_ptr_eq(lru_oldest(l, &k), V(3));
	ck_assert_uint_eq(k, 3);
	/* replace releases the old value, not counted as eviction */
	ck_assert_int_eq(lru_put(l, 3, V(30)), 0);
	ck_assert_uint_eq(t.released, 2);
	ck_assert_uint_eq(lru_evictions(l), 1);
	ck_assert_ptr_eq(lru_take(l, 3), V(30));
	ck_assert_uint_eq(t.released, 2);
	ck_assert(lru_remove(l, 4));
	ck_assert(!lru_remove(l, 4));
	ck_assert_uint_eq(lru_size(l), 1);
	lru_free(l);
	ck_assert_uint_eq(t.released, 4);	/* 1 left, released by free */
	lru_free(NULL);
	ck_assert_ptr_null(lru_new(0, NULL, NULL));
}
END_TEST

/* Random churn against a reference model: the map never loses a key it
 * should hold, never exceeds its capacity, and evicts exactly the oldest. */
START_TEST(test_churn_matches_model)
{
	enum { CAP = 64, KEYS = 200, OPS = 200000 };
	static uint64_t stamp[KEYS];	/* 0 absent, else last use */
	struct lru *l = lru_new(CAP, NULL, NULL);
	uint64_t clock = 0;
	unsigned int seed = 7;

	for (int op = 0; op < OPS; op++) {
		uint64_t key = (uint64_t)(rand_r(&seed) % KEYS);
		int what = rand_r(&seed) % 4;

		clock++;
		if (what == 0) {
			lru_remove(l, key * 977);
			stamp[key] = 0;
		} else if (what == 1) {
			void *v = lru_get(l, key * 977);

			ck_assert_int_eq(v != NULL, stamp[key] != 0);
			if (v)
				stamp[key] = clock;
		} else {
			size_t present = 0, oldest = KEYS;

			for (size_t i = 0; i < KEYS; i++)
				if (stamp[i]) {
					present++;
					if (oldest == KEYS || stamp[i] < stamp[oldest])
						oldest = i;
				}
			if (!stamp[key] && present == CAP)
				stamp[oldest] = 0;	/* the model evicts the oldest */
			lru_put(l, key * 977, V(key));
			stamp[key] = clock;
		}
		ck_assert_uint_le(lru_size(l), CAP);
	}
	for (size_t i = 0; i < KEYS; i++)
		ck_assert_int_eq(lru_peek(l, i * 977) != NULL, stamp[i] != 0);
	lru_free(l);
}
END_TEST

static int count_walk(void *arg, uint64_t key, void *value)
{
	uint64_t *prev = arg;

	(void)value;
	ck_assert_uint_gt(key, *prev);
	*prev = key;
	return 0;
}

START_TEST(test_walk_order)
{
	struct lru *l = lru_new(10, NULL, NULL);
	uint64_t prev = 0;

	for (uint64_t k = 1; k <= 15; k++)
		lru_put(l, k, V(k));
	ck_assert_int_eq(lru_walk(l, count_walk, &prev), 0);
	ck_assert_uint_eq(prev, 15);
	lru_free(l);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("lru");
	TCase *tc = tcase_create("lru");

	tcase_add_test(tc, test_bound_and_recency);
	tcase_add_test(tc, test_churn_matches_model);
	tcase_add_test(tc, test_walk_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
