/* test_export_interop.c - real exports decoded by the OpenTelemetry project's own decoders. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "export.h"
#include "export_otlp.h"
#include "otlp_sample.h"

/*
 * tests/interop/receiver.js (Node 20, @opentelemetry/otlp-transformer
 * 0.52.1 installed under build/node_modules by `make deps`) receives the sample
 * through the real exporter on loopback; tests/interop/check.js then checks
 * the decoded requests field by field.  Run from the repository root, as
 * `make check` does; RIPTEL_INTEROP_MODULES overrides the node_modules dir.
 */

#define RECEIVER	"tests/interop/receiver.js"
#define CHECKER		"tests/interop/check.js"
#define MODULES		"build/node_modules"
#define TRANSFORMER	"/@opentelemetry/otlp-transformer/build/src/generated/root.js"

static const char *modules(void)
{
	const char *m = getenv("RIPTEL_INTEROP_MODULES");

	return m && *m ? m : MODULES;
}

/* Start receiver.js writing to out; its pid, and its port via *port.
 * tls: the directory holding srv.pem, srv.key and ca.pem (HTTPS + mTLS). */
static pid_t start_receiver(const char *out, const char *tls, int *port)
{
	char line[64] = "";
	struct pollfd pfd;
	size_t len = 0;
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		if (tls) {
			char cert[256], key[256], ca[256];

			snprintf(cert, sizeof(cert), "%s/srv.pem", tls);
			snprintf(key, sizeof(key), "%s/srv.key", tls);
			snprintf(ca, sizeof(ca), "%s/ca.pem", tls);
			execlp("node", "node", RECEIVER, "--out", out, "--modules",
			       modules(), "--tls-cert", cert, "--tls-key", key,
			       "--client-ca", ca, (char *)NULL);
		}
		execlp("node", "node", RECEIVER, "--out", out, "--modules",
		       modules(), (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (len < sizeof(line) - 1 && !strchr(line, '\n')) {
		ssize_t n;

		ck_assert_msg(poll(&pfd, 1, 20000) == 1, "receiver.js did not start");
		n = read(fds[0], line + len, sizeof(line) - 1 - len);
		ck_assert_msg(n > 0, "receiver.js exited before listening");
		len += (size_t)n;
		line[len] = '\0';
	}
	close(fds[0]);
	ck_assert_int_eq(sscanf(line, "PORT %d", port), 1);
	return pid;
}

START_TEST(test_interop)
{
	static const char *const hdrs[] = { "X-Riptel-Test: yes" };
	char dir[] = "/tmp/riptel-interop-XXXXXX", out[128], url[3][96], cmd[512];
	struct model_metric_batch *mb = sample_metrics();
	struct model_span_batch *sb = sample_spans(2);
	struct model_log_batch *lb = sample_logs(2);
	struct export_signal_stats st;
	struct export_opts o = { 0 };
	struct export_otlp_opts xo = { 0 };
	struct export_exporter x;
	struct model_resource res;
	struct export *e;
	char err[256], path[512];
	struct stat sbuf;
	int port, s, status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s%s", modules(), TRANSFORMER);
	ck_assert_msg(!stat(path, &sbuf),
		      "%s missing: install with `make deps` (npm ci --prefix build)",
		      path);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/requests.jsonl", dir);
	pid = start_receiver(out, NULL, &port);

	for (s = 0; s < OTLP_SIGNALS; s++) {
		snprintf(url[s], sizeof(url[s]), "http://127.0.0.1:%d/v1/%s", port,
			 otlp_signal_name((enum otlp_signal)s));
		xo.http[s].url = url[s];
		xo.http[s].headers = hdrs;
		xo.http[s].nheaders = 1;
		xo.http[s].timeout_ms = 5000;
	}
	xo.http[OTLP_TRACES].gzip = true;
	ck_assert_int_eq(export_otlp_new(&xo, &x, err, sizeof(err)), 0);
	ck_assert_int_eq(export_new(&o, &x, &e, err, sizeof(err)), 0);
	sample_resource(&res);
	ck_assert_int_eq(export_enqueue(e, &res, mb, sb, lb), 0);
	ck_assert_int_eq(export_flush(e, 20000), 0);
	export_stats(e, OTLP_METRICS, &st);
	ck_assert_uint_eq(st.sent, 4);
	ck_assert_uint_eq(st.requests, 1);
	export_stats(e, OTLP_TRACES, &st);
	ck_assert_uint_eq(st.sent, 2);
	export_stats(e, OTLP_LOGS, &st);
	ck_assert_uint_eq(st.sent, 2);
	ck_assert_uint_eq(st.partial_successes, 0);
	export_free(e);

	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	/* check.js's TAP goes to a file: it must not mix into ours. */
	snprintf(cmd, sizeof(cmd), "node " CHECKER " %s > %s/check.tap 2>&1", out, dir);
	status = system(cmd);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' %s/check.tap >&2", dir);
		ck_assert_int_ne(system(cmd), -1);
		ck_abort_msg("check.js found differences (its output is above)");
	}
	snprintf(path, sizeof(path), "%s/check.tap", dir);
	unlink(path);
	unlink(out);
	rmdir(dir);
	model_resource_clear(&res);
	model_metric_batch_free(mb);
	model_span_batch_free(sb);
	model_log_batch_free(lb);
}
END_TEST

/*
 * A throwaway CA issuing the receiver's certificate (for 127.0.0.1) and a
 * client certificate; a second, unrelated CA issuing the wrong client one.
 */
static const char mkcerts[] =
	"set -e\n"
	"cd \"$1\"\n"
	"k='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
	"openssl req -x509 $k -keyout ca.key -out ca.pem -days 2 -subj /CN=riptel-test-ca\n"
	"openssl req -x509 $k -keyout other.key -out other.pem -days 2 -subj /CN=other-ca\n"
	"printf 'subjectAltName=IP:127.0.0.1\\n' > srv.ext\n"
	"openssl req $k -keyout srv.key -out srv.csr -subj /CN=127.0.0.1\n"
	"openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
	" -days 2 -extfile srv.ext -out srv.pem\n"
	"openssl req $k -keyout good.key -out good.csr -subj /CN=spiffe-agent\n"
	"openssl x509 -req -in good.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
	" -days 2 -out good.pem\n"
	"openssl req $k -keyout bad.key -out bad.csr -subj /CN=stranger\n"
	"openssl x509 -req -in bad.csr -CA other.pem -CAkey other.key"
	" -CAcreateserial -days 2 -out bad.pem\n";

/* Send 2 spans over HTTPS with the given trust and client identity. */
static void tls_send(int port, const char *ca, const char *cert,
		     const char *key, struct export_signal_stats *st)
{
	struct model_span_batch *sb = sample_spans(2);
	struct export_opts o = { 0 };
	struct export_otlp_opts xo = { 0 };
	struct export_exporter x;
	struct export *e;
	char url[96], err[256];

	snprintf(url, sizeof(url), "https://127.0.0.1:%d/v1/traces", port);
	xo.http[OTLP_TRACES].url = url;
	xo.http[OTLP_TRACES].timeout_ms = 5000;
	xo.http[OTLP_TRACES].ca_file = ca;
	xo.http[OTLP_TRACES].client_cert = cert;
	xo.http[OTLP_TRACES].client_key = key;
	o.retry.initial_ms = 50;
	o.retry.multiplier = 1;
	o.retry.max_interval_ms = 50;
	o.retry.max_elapsed_ms = 300;
	ck_assert_msg(export_otlp_new(&xo, &x, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(export_new(&o, &x, &e, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(export_enqueue(e, NULL, NULL, sb, NULL), 0);
	ck_assert_int_eq(export_flush(e, 20000), 0);
	export_stats(e, OTLP_TRACES, st);
	export_free(e);
	model_span_batch_free(sb);
}

static size_t count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;
	int c;

	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

START_TEST(test_tls_mtls)
{
	char dir[] = "/tmp/riptel-tls-XXXXXX", out[128], cmd[1400];
	char ca[128], good[128], goodkey[128], bad[128], badkey[128];
	struct export_signal_stats st;
	int port, status;
	FILE *f;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/mkcerts.sh", dir);
	f = fopen(cmd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(mkcerts, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "sh %s/mkcerts.sh %s >%s/mkcerts.log 2>&1", dir, dir, dir);
	ck_assert_msg(system(cmd) == 0, "openssl could not make test certificates (%s/mkcerts.log)", dir);
	snprintf(out, sizeof(out), "%s/requests.jsonl", dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(good, sizeof(good), "%s/good.pem", dir);
	snprintf(goodkey, sizeof(goodkey), "%s/good.key", dir);
	snprintf(bad, sizeof(bad), "%s/bad.pem", dir);
	snprintf(badkey, sizeof(badkey), "%s/bad.key", dir);
	pid = start_receiver(out, dir, &port);

	/* system trust store: the self-signed CA is unknown, never delivered */
	tls_send(port, NULL, good, goodkey, &st);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_uint_ge(st.transport_errors, 1);
	ck_assert_uint_eq(st.dropped[EXPORT_DROP_RETRY_EXHAUSTED], 2);
	/* right CA, client certificate from another CA: refused */
	tls_send(port, ca, bad, badkey, &st);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_uint_ge(st.transport_errors, 1);
	/* right CA, no client certificate: refused */
	tls_send(port, ca, NULL, NULL, &st);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_uint_eq(count_lines(out), 0);
	/* right CA, right client certificate */
	tls_send(port, ca, good, goodkey, &st);
	ck_assert_uint_eq(st.sent, 2);
	ck_assert_uint_eq(st.transport_errors, 0);
	ck_assert_uint_eq(count_lines(out), 1);

	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("export_interop");
	TCase *tc = tcase_create("export_interop");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_interop);
	tcase_add_test(tc, test_tls_mtls);
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
