/*
 * test_spiffe.c - the SPIFFE ID resolver's cache against a fake kernel
 * intern table with the kernel's rules: slots reused with a new generation
 * when full, -ESTALE for a recycled id, -ENOENT for one never issued.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spiffe.h"

#define FAKE_SLOTS 64

/* A model of src/kmod/intern.c: round-robin reuse is enough for the rules. */
struct fake {
	char str[FAKE_SLOTS][64];
	uint32_t gen[FAKE_SLOTS];
	unsigned int next;
	unsigned int calls;
	int fail;		/* non-zero: every fetch returns this */
};

static struct fake fk;

static void fake_intern(const char *s, uint32_t *id, uint32_t *gen)
{
	unsigned int i = fk.next++ % FAKE_SLOTS;

	snprintf(fk.str[i], sizeof(fk.str[i]), "%s", s);
	fk.gen[i]++;
	*id = i + 1;
	*gen = fk.gen[i];
}

static int fake_fetch(void *ctx, uint32_t id, uint32_t gen, char *buf,
		      size_t len)
{
	(void)ctx;
	fk.calls++;
	if (fk.fail)
		return fk.fail;
	if (id == 0 || id > FAKE_SLOTS || gen == 0 || gen > fk.gen[id - 1])
		return -ENOENT;
	if (gen != fk.gen[id - 1])
		return -ESTALE;
	snprintf(buf, len, "%s", fk.str[id - 1]);
	return 0;
}

static void setup(void)
{
	memset(&fk, 0, sizeof(fk));
}

START_TEST(test_resolve_and_cache)
{
	struct spiffe_resolver *r = spiffe_resolver_new_fetch(16, fake_fetch, NULL);
	struct spiffe_stats st;
	uint32_t id, gen;

	ck_assert_ptr_nonnull(r);
	fake_intern("spiffe://example.org/a", &id, &gen);
	ck_assert_str_eq(spiffe_resolve(r, id, gen), "spiffe://example.org/a");
	ck_assert_str_eq(spiffe_resolve(r, id, gen), "spiffe://example.org/a");
	ck_assert_uint_eq(fk.calls, 1);
	spiffe_stats(r, &st);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.fetches, 1);
	spiffe_resolver_free(r);
}
END_TEST

START_TEST(test_none_and_unknown)
{
	struct spiffe_resolver *r = spiffe_resolver_new_fetch(4, fake_fetch, NULL);

	ck_assert_ptr_null(spiffe_resolve(r, 0, 0));
	ck_assert_uint_eq(fk.calls, 0);
	ck_assert_ptr_null(spiffe_resolve(r, 5, 1));	/* never issued */
	ck_assert_str_eq(spiffe_resolve_name(r, 5, 1), SPIFFE_UNKNOWN);
	ck_assert_uint_eq(fk.calls, 2);			/* ENOENT not cached */
	ck_assert_ptr_null(spiffe_resolve(r, 0, 7));
	ck_assert_ptr_null(spiffe_resolve(r, 7, 0));
	ck_assert_ptr_null(spiffe_resolve(NULL, 1, 1));
	spiffe_resolver_free(r);
	spiffe_resolver_free(NULL);
}
END_TEST

START_TEST(test_stale_never_wrong)
{
	struct spiffe_resolver *r = spiffe_resolver_new_fetch(8, fake_fetch, NULL);
	uint32_t id1, gen1, id2, gen2;
	unsigned int i, calls;
	char name[64];

	fake_intern("spiffe://example.org/old", &id1, &gen1);
	ck_assert_str_eq(spiffe_resolve(r, id1, gen1), "spiffe://example.org/old");
	/* wrap the table: slot of id1 gets a new string and generation */
	for (i = 1; i <= FAKE_SLOTS; i++) {
		snprintf(name, sizeof(name), "spiffe://example.org/n%u", i);
		fake_intern(name, &id2, &gen2);
	}
	ck_assert_uint_eq(id2, id1);
	ck_assert_uint_ne(gen2, gen1);
	/* the old reference still answers from the cache, correctly */
	ck_assert_str_eq(spiffe_resolve(r, id1, gen1), "spiffe://example.org/old");
	ck_assert_str_eq(spiffe_resolve(r, id2, gen2), name);
	spiffe_resolver_free(r);

	/* a fresh cache: the old reference is stale, and that is cached */
	r = spiffe_resolver_new_fetch(8, fake_fetch, NULL);
	calls = fk.calls;
	ck_assert_ptr_null(spiffe_resolve(r, id1, gen1));
	ck_assert_ptr_null(spiffe_resolve(r, id1, gen1));
	ck_assert_uint_eq(fk.calls, calls + 1);
	ck_assert_str_eq(spiffe_resolve(r, id2, gen2), name);
	spiffe_resolver_free(r);
}
END_TEST

/* 10,000 IDs through 64 kernel slots and a 16-slot cache. */
START_TEST(test_many_right_or_unknown)
{
	struct spiffe_resolver *r = spiffe_resolver_new_fetch(16, fake_fetch, NULL);
	static uint32_t ids[10000], gens[10000];
	unsigned int i, right = 0, unknown = 0;
	char want[64];
	const char *got;

	for (i = 0; i < 10000; i++) {
		snprintf(want, sizeof(want), "spiffe://t/%u", i);
		fake_intern(want, &ids[i], &gens[i]);
		if (i % 7 == 0)	/* resolve some while fresh, to fill the cache */
			ck_assert_str_eq(spiffe_resolve(r, ids[i], gens[i]), want);
	}
	for (i = 0; i < 10000; i++) {
		snprintf(want, sizeof(want), "spiffe://t/%u", i);
		got = spiffe_resolve(r, ids[i], gens[i]);
		if (!got) {
			unknown++;
			continue;
		}
		ck_assert_str_eq(got, want);
		right++;
	}
	ck_assert_uint_ge(right, FAKE_SLOTS);
	ck_assert_uint_gt(unknown, 0);
	ck_assert_uint_eq(right + unknown, 10000);
	spiffe_resolver_free(r);
}
END_TEST

START_TEST(test_transport_error)
{
	struct spiffe_resolver *r = spiffe_resolver_new_fetch(4, fake_fetch, NULL);
	struct spiffe_stats st;
	uint32_t id, gen;

	fake_intern("spiffe://example.org/a", &id, &gen);
	fk.fail = -EIO;
	ck_assert_ptr_null(spiffe_resolve(r, id, gen));
	fk.fail = 0;	/* errors are not cached: the next try succeeds */
	ck_assert_str_eq(spiffe_resolve(r, id, gen), "spiffe://example.org/a");
	spiffe_stats(r, &st);
	ck_assert_uint_eq(st.errors, 1);
	spiffe_resolver_free(r);
}
END_TEST

START_TEST(test_bad_args)
{
	errno = 0;
	ck_assert_ptr_null(spiffe_resolver_new_fetch(0, fake_fetch, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(spiffe_resolver_new_fetch(4, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("spiffe");
	TCase *tc = tcase_create("spiffe");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_resolve_and_cache);
	tcase_add_test(tc, test_none_and_unknown);
	tcase_add_test(tc, test_stale_never_wrong);
	tcase_add_test(tc, test_many_right_or_unknown);
	tcase_add_test(tc, test_transport_error);
	tcase_add_test(tc, test_bad_args);
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
