/* test_jsonw.c - the JSON writer: structure, escaping, errors. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

static struct jsonw w;

static void setup(void)
{
	jsonw_init(&w);
}

static void teardown(void)
{
	jsonw_fini(&w);
}

/* The JSON text of one string value. */
static const char *str_json(const char *s, size_t n)
{
	jsonw_reset(&w);
	jsonw_stringn(&w, s, n);
	ck_assert_int_eq(jsonw_error(&w), 0);
	return jsonw_str(&w);
}

START_TEST(test_structure)
{
	jsonw_obj_begin(&w);
	jsonw_kv_string(&w, "a", "x");
	jsonw_kv_u64(&w, "b", UINT64_MAX);
	jsonw_kv_i64(&w, "c", INT64_MIN);
	jsonw_kv_bool(&w, "d", true);
	jsonw_kv_bool(&w, "e", false);
	jsonw_key(&w, "f");
	jsonw_null(&w);
	jsonw_key(&w, "g");
	jsonw_arr_begin(&w);
	jsonw_u64(&w, 1);
	jsonw_obj_begin(&w);
	jsonw_obj_end(&w);
	jsonw_arr_begin(&w);
	jsonw_arr_end(&w);
	jsonw_u64(&w, 2);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	ck_assert_int_eq(jsonw_error(&w), 0);
	ck_assert_str_eq(jsonw_str(&w),
			 "{\"a\":\"x\",\"b\":18446744073709551615,"
			 "\"c\":-9223372036854775808,\"d\":true,\"e\":false,"
			 "\"f\":null,\"g\":[1,{},[],2]}");
	ck_assert_uint_eq(jsonw_len(&w), strlen(jsonw_str(&w)));
}
END_TEST

START_TEST(test_escape_controls)
{
	ck_assert_str_eq(str_json("a\"b\\c", SIZE_MAX), "\"a\\\"b\\\\c\"");
	ck_assert_str_eq(str_json("\n\t\r\b\f", SIZE_MAX),
			 "\"\\n\\t\\r\\b\\f\"");
	ck_assert_str_eq(str_json("\x01x\x1f\x7f", SIZE_MAX),
			 "\"\\u0001x\\u001f\\u007f\"");
	ck_assert_str_eq(str_json("/", SIZE_MAX), "\"/\"");
}
END_TEST

START_TEST(test_utf8_kept)
{
	/* é, €, U+1D11E: well-formed, passed through byte for byte */
	ck_assert_str_eq(str_json("\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e",
				  SIZE_MAX),
			 "\"\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\"");
}
END_TEST

START_TEST(test_utf8_invalid)
{
	/* lone continuation and a byte never valid */
	ck_assert_str_eq(str_json("a\x80z\xff", SIZE_MAX),
			 "\"a\\\\x80z\\\\xff\"");
	/* truncated € at the end of the field */
	ck_assert_str_eq(str_json("\xe2\x82", SIZE_MAX),
			 "\"\\\\xe2\\\\x82\"");
	/* truncated € followed by ASCII */
	ck_assert_str_eq(str_json("\xe2\x82q", SIZE_MAX),
			 "\"\\\\xe2\\\\x82q\"");
	/* overlong '/' */
	ck_assert_str_eq(str_json("\xc0\xaf", SIZE_MAX),
			 "\"\\\\xc0\\\\xaf\"");
	/* overlong 3-byte form */
	ck_assert_str_eq(str_json("\xe0\x80\xaf", SIZE_MAX),
			 "\"\\\\xe0\\\\x80\\\\xaf\"");
	/* UTF-16 surrogate U+D800 */
	ck_assert_str_eq(str_json("\xed\xa0\x80", SIZE_MAX),
			 "\"\\\\xed\\\\xa0\\\\x80\"");
	/* above U+10FFFF */
	ck_assert_str_eq(str_json("\xf4\x90\x80\x80", SIZE_MAX),
			 "\"\\\\xf4\\\\x90\\\\x80\\\\x80\"");
	/* a multi-byte sequence cut by the field length */
	ck_assert_str_eq(str_json("\xc3\xa9", 1), "\"\\\\xc3\"");
}
END_TEST

START_TEST(test_stringn_bounds)
{
	char field[4] = { 'a', 'b', 'c', 'd' };	/* no NUL */

	ck_assert_str_eq(str_json(field, sizeof(field)), "\"abcd\"");
	ck_assert_str_eq(str_json("ab\0cd", 5), "\"ab\"");
	ck_assert_str_eq(str_json("", 0), "\"\"");
}
END_TEST

START_TEST(test_grows)
{
	char *big = malloc(100001);
	size_t i;

	ck_assert_ptr_nonnull(big);
	for (i = 0; i < 100000; i++)
		big[i] = (char)('a' + i % 26);
	big[100000] = '\0';
	jsonw_arr_begin(&w);
	jsonw_string(&w, big);
	jsonw_string(&w, "\x01");
	jsonw_arr_end(&w);
	ck_assert_int_eq(jsonw_error(&w), 0);
	ck_assert_uint_eq(jsonw_len(&w), 100000 + 2 + 1 + 8 + 2);
	ck_assert_int_eq(memcmp(jsonw_str(&w) + 2, big, 100000), 0);
	free(big);
}
END_TEST

START_TEST(test_errors)
{
	jsonw_key(&w, "top");	/* key outside an object */
	ck_assert_int_eq(jsonw_error(&w), -EINVAL);
	jsonw_reset(&w);
	ck_assert_int_eq(jsonw_error(&w), 0);
	jsonw_obj_end(&w);	/* close without open */
	ck_assert_int_eq(jsonw_error(&w), -EINVAL);
	jsonw_reset(&w);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "a");
	jsonw_key(&w, "b");	/* key after key */
	ck_assert_int_eq(jsonw_error(&w), -EINVAL);
	jsonw_reset(&w);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "a");
	jsonw_obj_end(&w);	/* value missing */
	ck_assert_int_eq(jsonw_error(&w), -EINVAL);
	jsonw_reset(&w);
	for (int i = 0; i < JSONW_MAX_DEPTH + 2; i++)
		jsonw_arr_begin(&w);
	ck_assert_int_eq(jsonw_error(&w), -E2BIG);
	/* sticky: nothing more is written */
	{
		size_t len = jsonw_len(&w);

		jsonw_u64(&w, 5);
		ck_assert_uint_eq(jsonw_len(&w), len);
	}
}
END_TEST

START_TEST(test_reset_and_empty)
{
	ck_assert_str_eq(jsonw_str(&w), "");
	jsonw_u64(&w, 7);
	ck_assert_str_eq(jsonw_str(&w), "7");
	jsonw_reset(&w);
	jsonw_obj_begin(&w);
	jsonw_kv_u64(&w, "k\"", 1);	/* keys are escaped too */
	jsonw_obj_end(&w);
	ck_assert_str_eq(jsonw_str(&w), "{\"k\\\"\":1}");
	jsonw_fini(NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("jsonw");
	TCase *tc = tcase_create("jsonw");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_structure);
	tcase_add_test(tc, test_escape_controls);
	tcase_add_test(tc, test_utf8_kept);
	tcase_add_test(tc, test_utf8_invalid);
	tcase_add_test(tc, test_stringn_bounds);
	tcase_add_test(tc, test_grows);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_reset_and_empty);
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
