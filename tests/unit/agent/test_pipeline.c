/* test_pipeline.c - fan-out of records, ticks and flushes to the sinks. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "pipeline.h"

/* pipeline fan-out, on a few fake sinks */
struct fake {
	int records, ticks, flushes, destroyed;
	int ret;
};

static int f_record(void *ctx, const struct riptel_record *r, uint64_t t)
{
	struct fake *f = ctx;

	(void)r;
	(void)t;
	f->records++;
	return f->ret;
}

static int f_tick(void *ctx, uint64_t now)
{
	struct fake *f = ctx;

	(void)now;
	f->ticks++;
	return f->ret;
}

static void f_flush(void *ctx)
{
	((struct fake *)ctx)->flushes++;
}

static void f_destroy(void *ctx)
{
	((struct fake *)ctx)->destroyed++;
}

START_TEST(test_pipeline_fanout)
{
	struct fake a = { 0 }, b = { .ret = -EIO };
	struct sink sa = { "a", f_record, f_tick, f_flush, f_destroy, &a };
	struct sink sb = { "b", f_record, f_tick, f_flush, f_destroy, &b };
	struct sink none = { "none", NULL, NULL, NULL, NULL, NULL };
	struct riptel_record r;
	struct pipeline p;
	int i;

	memset(&r, 0, sizeof(r));
	pipeline_init(&p);
	ck_assert_int_eq(pipeline_add(&p, &sb), 0);
	ck_assert_int_eq(pipeline_add(&p, &sa), 0);
	ck_assert_int_eq(pipeline_add(&p, &none), 0);
	/* a failing sink does not keep the record from the others */
	ck_assert_int_eq(pipeline_record(&p, &r, 1), -EIO);
	ck_assert_int_eq(pipeline_tick(&p, 1), -EIO);
	ck_assert_int_eq(a.records, 1);
	ck_assert_int_eq(b.records, 1);
	ck_assert_int_eq(a.ticks, 1);
	ck_assert_uint_eq(p.errors[0], 2);
	ck_assert_int_eq(p.last_error[0], -EIO);
	ck_assert_uint_eq(p.errors[1], 0);
	ck_assert_uint_eq(p.records, 1);
	pipeline_fini(&p);
	ck_assert_int_eq(a.flushes, 1);
	ck_assert_int_eq(a.destroyed, 1);
	ck_assert_int_eq(b.destroyed, 1);
	pipeline_fini(&p);	/* twice: nothing left to destroy */
	ck_assert_int_eq(a.destroyed, 1);
	pipeline_fini(NULL);
	pipeline_init(&p);
	for (i = 0; i < PIPELINE_MAX_SINKS; i++)
		ck_assert_int_eq(pipeline_add(&p, &none), 0);
	ck_assert_int_eq(pipeline_add(&p, &none), -ENOSPC);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("pipeline");

	tcase_add_test(tc, test_pipeline_fanout);
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
