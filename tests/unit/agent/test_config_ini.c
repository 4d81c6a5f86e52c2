/* test_config_ini.c - INI through GKeyFile: values whole, comments, the line of each error. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config_ini.h"

struct seen {
	char text[16][160];
	int n;
	const char *refuse;	/* key to refuse with -EINVAL */
};

static int record(void *ctx, const char *section, const char *key,
		  const char *value)
{
	struct seen *s = ctx;

	if (s->refuse && !strcmp(key, s->refuse))
		return -EINVAL;
	if (s->n < 16)
		snprintf(s->text[s->n], sizeof(s->text[0]), "%s.%s=%s", section,
			 key, value);
	s->n++;
	return 0;
}

START_TEST(test_values_whole)
{
	struct seen s = { .n = 0 };
	unsigned int line;
	char msg[256];

	ck_assert_int_eq(config_ini_parse(
		"; old-style comment\n"
		"   # new-style comment\n"
		"[a]\n"
		"k1 = x ;b:deny=y   \n"
		"k2=re\\.gex\\s # kept\n"
		"  k3   =   spaced  \r\n"
		"[b]\n"
		"k = 1\n"
		"k = 2\n"
		"[a]\n"
		"k4 =\n", record, &s, &line, msg, sizeof(msg)), 0);
	ck_assert_int_eq(s.n, 5);
	ck_assert_str_eq(s.text[0], "a.k1=x ;b:deny=y");
	ck_assert_str_eq(s.text[1], "a.k2=re\\.gex\\s # kept");
	ck_assert_str_eq(s.text[2], "a.k3=spaced");
	ck_assert_str_eq(s.text[3], "a.k4=");
	ck_assert_str_eq(s.text[4], "b.k=2");	/* the last value wins */
}
END_TEST

START_TEST(test_error_lines)
{
	static const struct {
		const char *text;
		unsigned int line;
		const char *refuse;
	} cases[] = {
		{ "[a]\nk = 1\nnot a pair\n", 3, NULL },
		{ "# c\n\nk = 1\n[a]\n", 3, NULL },		/* before any group */
		{ "[a]\nk = 1\n[b\n", 3, NULL },
		{ "[a]\nk[fr] = 1\n", 2, NULL },		/* localised key */
		{ "[a]\nk = 1\n\n[b]\nbad = 2\n", 5, "bad" },	/* refused by the caller */
		{ "[a]\nbad = 1\n[b]\nx = 1\n[a]\nbad = 2\n", 6, "bad" },	/* the kept one */
		{ "[a]\nk = 1\nno newline at the end", 3, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seen s = { .n = 0, .refuse = cases[i].refuse };
		unsigned int line = 0;
		char msg[256];

		ck_assert_int_eq(config_ini_parse(cases[i].text, record, &s, &line,
						  msg, sizeof(msg)), -EINVAL);
		ck_assert_msg(line == cases[i].line, "case %zu: line %u, want %u (%s)",
			      i, line, cases[i].line, msg);
		if (!cases[i].refuse)
			ck_assert_str_ne(msg, "");
	}
}
END_TEST

/* A 64 KiB value on line 2 and an error on line 4. */
START_TEST(test_long_lines)
{
	static char text[70000];
	struct seen s = { .n = 0 };
	unsigned int line;
	char msg[256];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "[a]\nk = ");
	memset(text + n, 'v', 65536);
	n += 65536;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\n[b]\nbroken\n");
	ck_assert_int_eq(config_ini_parse(text, record, &s, &line, msg, sizeof(msg)),
			 -EINVAL);
	ck_assert_uint_eq(line, 4);
	text[n - strlen("[b]\nbroken\n")] = '\0';
	ck_assert_int_eq(config_ini_parse(text, record, &s, &line, msg, sizeof(msg)), 0);
	ck_assert_int_eq(s.n, 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_ini");
	TCase *tc = tcase_create("config_ini");

	tcase_add_test(tc, test_values_whole);
	tcase_add_test(tc, test_error_lines);
	tcase_add_test(tc, test_long_lines);
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
