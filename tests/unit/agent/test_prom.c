/* test_prom.c - the Prometheus endpoint, served on loopback, fetched with libcurl. */
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "prom.h"
#include "prom_text.h"

struct reply {
	long status;
	char body[8192];
	size_t len;
	char type[128];
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	size_t k = size * n;

	if (r->len + k >= sizeof(r->body))
		return 0;
	memcpy(r->body + r->len, data, k);
	r->len += k;
	r->body[r->len] = '\0';
	return k;
}

/* method NULL: GET.  Returns curl's result. */
static CURLcode fetch(uint16_t port, const char *path, const char *method, struct reply *r)
{
	char url[128];
	char *type = NULL;
	CURLcode rc;
	CURL *c;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (method && strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (method && strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
	else if (method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
		snprintf(r->type, sizeof(r->type), "%s", type);
	curl_easy_cleanup(c);
	return rc;
}

static struct prom *start(void)
{
	struct prom *p = NULL;
	char err[256] = "";

	ck_assert_msg(prom_new("127.0.0.1:0", &p, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_ne(prom_port(p), 0);
	return p;
}

static struct model_metric_batch *sample_batch(int64_t value)
{
	struct model_metric_batch *b = model_metric_batch_new();
	struct model_metric *m;
	struct model_point *pt;

	m = model_metric_batch_add(b, "riptides.connections", "Connections", "{connection}",
				   MODEL_METRIC_SUM, MODEL_TEMPORALITY_CUMULATIVE, true);
	pt = model_metric_add_point(m);
	model_attrs_set_str(&pt->attrs, "dir", "out");
	pt->as_int = value;
	return b;
}

START_TEST(test_metrics_served)
{
	struct prom *p = start();
	struct model_metric_batch *b = sample_batch(42);
	struct model_resource res = { 0 };
	struct reply r;

	/* before the first publish: an empty exposition, still 200 */
	ck_assert_int_eq(fetch(prom_port(p), "/metrics", NULL, &r), CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_str_eq(r.type, PROM_TEXT_CONTENT_TYPE);

	model_attrs_set_str(&res.attrs, "service.name", "svc");
	ck_assert_int_eq(prom_publish(p, b, &res), 0);
	ck_assert_int_eq(fetch(prom_port(p), "/metrics", NULL, &r), CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.type, PROM_TEXT_CONTENT_TYPE);
	ck_assert_str_eq(r.body,
		"# HELP target_info Target metadata\n"
		"# TYPE target_info gauge\n"
		"target_info{service_name=\"svc\"} 1\n"
		"# HELP riptides_connections_total Connections\n"
		"# TYPE riptides_connections_total counter\n"
		"riptides_connections_total{dir=\"out\"} 42\n");

	/* the batch is not kept: the caller may free it right away */
	model_metric_batch_free(b);
	model_resource_clear(&res);
	ck_assert_int_eq(fetch(prom_port(p), "/metrics", NULL, &r), CURLE_OK);
	ck_assert_ptr_nonnull(strstr(r.body, "} 42\n"));

	ck_assert_int_eq(prom_publish_text(p, "x 1\n", 4), 0);
	ck_assert_int_eq(fetch(prom_port(p), "/metrics", NULL, &r), CURLE_OK);
	ck_assert_str_eq(r.body, "x 1\n");

	/* HEAD: headers only */
	ck_assert_int_eq(fetch(prom_port(p), "/metrics", "HEAD", &r), CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.len, 0);
	prom_free(p);
}
END_TEST

START_TEST(test_healthz)
{
	struct prom *p = start();
	struct reply r;

	/* never checked in */
	ck_assert_int_eq(fetch(prom_port(p), "/healthz", NULL, &r), CURLE_OK);
	ck_assert_int_eq(r.status, 503);
	prom_heartbeat(p);
	ck_assert_int_eq(fetch(prom_port(p), "/healthz", NULL, &r), CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "ok\n");
	/* a short window, then silence: stale */
	prom_set_health_window(p, 50);
	usleep(200 * 1000);
	ck_assert_int_eq(fetch(prom_port(p), "/healthz", NULL, &r), CURLE_OK);
	ck_assert_int_eq(r.status, 503);
	prom_heartbeat(p);
	prom_set_health_window(p, 0);	/* back to the default, 30 s */
	ck_assert_int_eq(fetch(prom_port(p), "/healthz", NULL, &r), CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	prom_free(p);
}
END_TEST

START_TEST(test_other_requests)
{
	struct prom *p = start();
	struct reply r;

	ck_assert_int_eq(fetch(prom_port(p), "/", NULL, &r), CURLE_OK);
	ck_assert_int_eq(r.status, 404);
	ck_assert_int_eq(fetch(prom_port(p), "/metrics/x", NULL, &r), CURLE_OK);
	ck_assert_int_eq(r.status, 404);
	ck_assert_int_eq(fetch(prom_port(p), "/metrics", "POST", &r), CURLE_OK);
	ck_assert_int_eq(r.status, 405);
	ck_assert_int_eq(fetch(prom_port(p), "/healthz", "DELETE", &r), CURLE_OK);
	ck_assert_int_eq(r.status, 405);
	/* still serving after those */
	ck_assert_int_eq(fetch(prom_port(p), "/metrics", NULL, &r), CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	prom_free(p);
}
END_TEST

START_TEST(test_idle_connection_does_not_block)
{
	struct prom *p = start();
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct reply r;
	int fd;

	/* a client that connects and says nothing */
	sa.sin_port = htons(prom_port(p));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(fetch(prom_port(p), "/metrics", NULL, &r), CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	prom_free(p);
	close(fd);
}
END_TEST

static void bad_address(const char *addr, int want)
{
	struct prom *p = (struct prom *)1;
	char err[256] = "";

	ck_assert_int_eq(prom_new(addr, &p, err, sizeof(err)), want);
	ck_assert_ptr_null(p);
	ck_assert_msg(err[0] != '\0', "no error text for '%s'", addr ? addr : "(null)");
}

START_TEST(test_bad_addresses)
{
	bad_address(NULL, -EINVAL);
	bad_address("", -EINVAL);
	bad_address("nonsense", -EINVAL);
	bad_address("127.0.0.1:", -EINVAL);
	bad_address("127.0.0.1:99999", -EINVAL);
	bad_address("127.0.0.1:-1", -EINVAL);
	bad_address("127.0.0.1:80x", -EINVAL);
	bad_address("::1:80", -EINVAL);
	bad_address("[::1", -EINVAL);
	bad_address("[::1]80", -EINVAL);
	bad_address("999.1.1.1:80", -EINVAL);
	bad_address("no-such-host.invalid:80", -EINVAL);
}
END_TEST

START_TEST(test_port_in_use)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct prom *p = start(), *q = NULL;
	char addr[64], err[256] = "";
	int fd;

	/* held by someone else */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.sin_port));
	ck_assert_int_eq(prom_new(addr, &q, err, sizeof(err)), -EADDRINUSE);
	ck_assert_ptr_null(q);
	ck_assert_msg(strstr(err, addr) && strstr(err, "in use"), "%s", err);
	close(fd);

	/* held by another endpoint */
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", prom_port(p));
	ck_assert_int_eq(prom_new(addr, &q, err, sizeof(err)), -EADDRINUSE);
	prom_free(p);
	prom_free(NULL);
}
END_TEST

START_TEST(test_ipv6_loopback)
{
	struct prom *p = NULL;
	char err[256] = "";
	int rc = prom_new("[::1]:0", &p, err, sizeof(err));

	/* a host without IPv6 cannot bind ::1: then the error must say so */
	if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT) {
		ck_assert(err[0] != '\0');
		return;
	}
	ck_assert_msg(rc == 0, "%d %s", rc, err);
	ck_assert_uint_ne(prom_port(p), 0);
	prom_free(p);
}
END_TEST

/* ---- publishing while being scraped ------------------------------------------ */

struct publisher {
	struct prom *p;
	int rounds;
};

static void *publish_loop(void *arg)
{
	struct publisher *pub = arg;

	for (int i = 0; i < pub->rounds; i++) {
		struct model_metric_batch *b = sample_batch(i);

		prom_publish(pub->p, b, NULL);
		model_metric_batch_free(b);
	}
	return NULL;
}

START_TEST(test_publish_while_scraped)
{
	struct publisher pub = { .p = start(), .rounds = 300 };
	const char *head = "# HELP riptides_connections_total Connections\n"
			   "# TYPE riptides_connections_total counter\n"
			   "riptides_connections_total{dir=\"out\"} ";
	struct reply r;
	pthread_t t;

	prom_publish_text(pub.p, head, strlen(head));
	ck_assert_int_eq(pthread_create(&t, NULL, publish_loop, &pub), 0);
	for (int i = 0; i < 30; i++) {
		ck_assert_int_eq(fetch(prom_port(pub.p), "/metrics", NULL, &r), CURLE_OK);
		ck_assert_int_eq(r.status, 200);
		/* always one whole version, never a torn one */
		ck_assert_int_eq(strncmp(r.body, head, strlen(head)), 0);
	}
	pthread_join(t, NULL);
	ck_assert_int_eq(fetch(prom_port(pub.p), "/metrics", NULL, &r), CURLE_OK);
	ck_assert_ptr_nonnull(strstr(r.body, "} 299\n"));
	prom_free(pub.p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("prom");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_metrics_served);
	tcase_add_test(tc, test_healthz);
	tcase_add_test(tc, test_other_requests);
	tcase_add_test(tc, test_idle_connection_does_not_block);
	tcase_add_test(tc, test_bad_addresses);
	tcase_add_test(tc, test_port_in_use);
	tcase_add_test(tc, test_ipv6_loopback);
	tcase_add_test(tc, test_publish_while_scraped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
