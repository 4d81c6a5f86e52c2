/* test_notify.c - sd_notify wrappers against a test NOTIFY_SOCKET. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

static char dir[] = "/tmp/riptel-notify-XXXXXX";
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static int sock = -1;

static void setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 2 };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/notify", dir);
	memcpy(sa.sun_path, sock_path, sizeof(sa.sun_path));
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(sock, 0);
	ck_assert_int_eq(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* a missing datagram fails the test instead of hanging it */
	ck_assert_int_eq(setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv,
				    sizeof(tv)), 0);
	setenv("NOTIFY_SOCKET", sock_path, 1);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void teardown(void)
{
	close(sock);
	unlink(sock_path);
	rmdir(dir);
	strcpy(dir, "/tmp/riptel-notify-XXXXXX");
	unsetenv("NOTIFY_SOCKET");
}

/* The next datagram, NUL-terminated; "" on timeout. */
static const char *next_msg(void)
{
	static char buf[1024];
	ssize_t n = recv(sock, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static bool queue_empty(void)
{
	char c;

	return recv(sock, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

START_TEST(test_states)
{
	const char *m;

	ck_assert_int_eq(notify_ready(), 0);
	ck_assert_str_eq(next_msg(), "READY=1");
	ck_assert_int_eq(notify_stopping(), 0);
	ck_assert_str_eq(next_msg(), "STOPPING=1");
	ck_assert_int_eq(notify_reloading(), 0);
	m = next_msg();
	ck_assert_msg(!strncmp(m, "RELOADING=1\nMONOTONIC_USEC=", 27), "%s", m);
	ck_assert_uint_gt(strtoull(m + 27, NULL, 10), 0);
	ck_assert(queue_empty());
}
END_TEST

START_TEST(test_status)
{
	char longer[600];

	ck_assert_int_eq(notify_status("draining %d rings, %s", 4, "ok"), 0);
	ck_assert_str_eq(next_msg(), "STATUS=draining 4 rings, ok");
	/* a newline would start a second assignment */
	ck_assert_int_eq(notify_status("two\nlines\rhere"), 0);
	ck_assert_str_eq(next_msg(), "STATUS=two lines here");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ck_assert_int_eq(notify_status("%s", longer), 0);
	ck_assert_uint_eq(strlen(next_msg()), strlen("STATUS=") + 255);
}
END_TEST

START_TEST(test_watchdog)
{
	char pid[32];

	/* off: nothing sent, no interval */
	ck_assert(!notify_watchdog_enabled());
	ck_assert_uint_eq(notify_watchdog_interval_ns(), 0);
	ck_assert_int_eq(notify_watchdog(), 0);
	ck_assert(queue_empty());

	setenv("WATCHDOG_USEC", "200000", 1);
	ck_assert(notify_watchdog_enabled());
	ck_assert_uint_eq(notify_watchdog_interval_ns(), 100000000ULL);
	ck_assert_int_eq(notify_watchdog(), 0);
	ck_assert_str_eq(next_msg(), "WATCHDOG=1");

	/* meant for another process (our parent, say): not ours to ping */
	snprintf(pid, sizeof(pid), "%d", (int)getppid());
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert(!notify_watchdog_enabled());
	ck_assert_int_eq(notify_watchdog(), 0);
	ck_assert(queue_empty());
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_int_eq(notify_watchdog(), 0);
	ck_assert_str_eq(next_msg(), "WATCHDOG=1");
	ck_assert(queue_empty());
}
END_TEST

/* The sink pings on tick, and only when the watchdog is on. */
START_TEST(test_sink)
{
	struct pipeline p;
	struct sink s;

	pipeline_init(&p);
	notify_sink(&s);
	ck_assert_int_eq(pipeline_add(&p, &s), 0);
	ck_assert_int_eq(pipeline_tick(&p, 1), 0);
	ck_assert(queue_empty());
	setenv("WATCHDOG_USEC", "30000000", 1);
	ck_assert_int_eq(pipeline_tick(&p, 2), 0);
	ck_assert_str_eq(next_msg(), "WATCHDOG=1");
	pipeline_fini(&p);
	ck_assert(queue_empty());
}
END_TEST

/* Not under systemd: every wrapper is a quiet no-op. */
START_TEST(test_no_socket)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_ready(), 0);
	ck_assert_int_eq(notify_status("x"), 0);
	ck_assert_int_eq(notify_stopping(), 0);
	ck_assert(queue_empty());
}
END_TEST

/* A socket nobody listens on is an error the caller sees. */
START_TEST(test_dead_socket)
{
	char gone[300];

	snprintf(gone, sizeof(gone), "%s/nobody", dir);
	setenv("NOTIFY_SOCKET", gone, 1);
	ck_assert_int_lt(notify_ready(), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_states);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_watchdog);
	tcase_add_test(tc, test_sink);
	tcase_add_test(tc, test_no_socket);
	tcase_add_test(tc, test_dead_socket);
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
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
