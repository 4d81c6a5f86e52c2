/* test_export_http.c - one HTTP endpoint through libcurl: headers, Retry-After, limits, abort. */
#include <check.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "export_http.h"
#include "http_receiver.h"

static char url[96];

static struct export_http *endpoint(struct server *s, struct export_http_opts *ho)
{
	struct export_http *h;
	char err[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/x", s->port);
	ho->url = url;
	ck_assert_msg(export_http_new(ho, &h, err, sizeof(err)) == 0, "%s", err);
	return h;
}

/* Retry-After as libcurl reads it: seconds, a future date, and 0 for a
 * past date, "0", garbage and none. */
START_TEST(test_retry_after)
{
	struct export_http_opts ho = { 0 };
	struct export_http_result r;
	struct server *s = server_new();
	struct export_http *h;
	char future[64], past[64];
	size_t i;

	http_date(future, sizeof(future), 3);
	http_date(past, sizeof(past), -3600);
	s->script[0] = (struct answer){ 503, "7", NULL, 0 };
	s->script[1] = (struct answer){ 429, future, NULL, 0 };
	s->script[2] = (struct answer){ 503, past, NULL, 0 };
	s->script[3] = (struct answer){ 503, "0", NULL, 0 };
	s->script[4] = (struct answer){ 429, "soon", NULL, 0 };
	s->script[5] = (struct answer){ 429, NULL, NULL, 0 };
	s->script[6] = (struct answer){ 503, "99999999", NULL, 0 };
	s->nscript = 7;
	h = endpoint(s, &ho);
	for (i = 0; i < 7; i++) {
		ck_assert_int_eq(export_http_send(h, (const uint8_t *)"x", 1, NULL, &r), 0);
		ck_assert_int_eq(r.status, s->script[i].status);
		switch (i) {
		case 0:
			ck_assert_uint_eq(r.retry_after_ms, 7000);
			break;
		case 1:
			ck_assert_uint_ge(r.retry_after_ms, 1000);
			ck_assert_uint_le(r.retry_after_ms, 3000);
			break;
		case 6:	/* capped at a day */
			ck_assert_uint_eq(r.retry_after_ms, 86400000);
			break;
		default:
			ck_assert_msg(r.retry_after_ms == 0, "case %zu: %llu ms", i,
				      (unsigned long long)r.retry_after_ms);
		}
	}
	ck_assert_uint_eq(server_hits(s), 7);
	export_http_free(h);
	server_free(s);
}
END_TEST

START_TEST(test_headers_and_limit)
{
	static const char *const hdrs[] = { "X-Custom: v1" };
	struct export_http_opts ho = { 0 };
	struct export_http_result r;
	struct server *s = server_new();
	struct export_http *h;

	ho.content_type = "application/x-protobuf";
	ho.headers = hdrs;
	ho.nheaders = 1;
	h = endpoint(s, &ho);
	ck_assert_int_eq(export_http_send(h, (const uint8_t *)"abc", 3, NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.wire_bytes, 3);
	ck_assert_str_eq(s->seen[0].type, "application/x-protobuf");
	ck_assert_str_eq(s->seen[0].custom, "v1");
	ck_assert_uint_eq(s->seen[0].len, 3);
	ck_assert_int_eq(export_http_send(h, NULL, EXPORT_HTTP_MAX_REQUEST + 1, NULL, &r),
			 -E2BIG);
	ck_assert_uint_eq(server_hits(s), 1);
	export_http_free(h);
	export_http_free(NULL);
	server_free(s);

	/* no content type given: a neutral one, never OTLP's by accident */
	s = server_new();
	memset(&ho, 0, sizeof(ho));
	h = endpoint(s, &ho);
	ck_assert_int_eq(export_http_send(h, (const uint8_t *)"abc", 3, NULL, &r), 0);
	ck_assert_str_eq(s->seen[0].type, "application/octet-stream");
	export_http_free(h);
	server_free(s);
}
END_TEST

/* A hung endpoint: the abort flag ends the exchange long before the
 * timeout. */
START_TEST(test_abort)
{
	struct export_http_opts ho = { 0 };
	struct export_http_result r;
	struct export_http *h;
	atomic_bool stop;
	char err[128];
	int port, fd = silent_listener(&port);
	uint64_t t0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/x", port);
	ho.url = url;
	ho.timeout_ms = 30000;
	ck_assert_int_eq(export_http_new(&ho, &h, err, sizeof(err)), 0);
	atomic_init(&stop, true);
	t0 = mono_ms();
	ck_assert_int_eq(export_http_send(h, (const uint8_t *)"x", 1, &stop, &r), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_ne(r.error, "");
	ck_assert_uint_lt(mono_ms() - t0, 5000);
	export_http_free(h);
	close(fd);
}
END_TEST

START_TEST(test_bad_options)
{
	static const char *const bad[] = { "X-A: 1\r\nX-B: 2" };
	struct export_http_opts ho = { 0 };
	struct export_http *h;
	char err[128];

	ho.url = "ftp://x/";
	ck_assert_int_eq(export_http_new(&ho, &h, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "ftp://x/"));
	ho.url = "http://x/";
	ho.client_cert = "/c.pem";
	ck_assert_int_eq(export_http_new(&ho, &h, err, sizeof(err)), -EINVAL);
	ho.client_cert = NULL;
	ho.headers = bad;
	ho.nheaders = 1;
	ck_assert_int_eq(export_http_new(&ho, &h, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("export_http");
	TCase *tc = tcase_create("export_http");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_retry_after);
	tcase_add_test(tc, test_headers_and_limit);
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_bad_options);
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
