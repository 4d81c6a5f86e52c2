// SPDX-License-Identifier: GPL-2.0
/*
 * workload.c - the load of tests/vm/test_records.sh, run in the guest.
 *
 *   workload N K OUTFILE
 *
 * Forks and execs /bin/true exactly N times (one at a time, each waited
 * for), then makes exactly K TCP connections over 127.0.0.1 to a listener
 * it opens itself.  Each connection: connect, accept, client closes first,
 * the server reads the EOF and closes.  OUTFILE gets what the host needs to
 * match the agent's records against:
 *   pid P                       this process
 *   exec PID                    one per child that exec'd /bin/true
 *   listen PORT
 *   conn CPORT LPORT CCOOKIE SCOOKIE   client port, server port, and the
 *                                      client's and accepted socket's
 *                                      SO_COOKIE
 * Exit 0 when everything worked, 1 (with a message) otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

static int fail(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	return 1;
}

static int run_true(FILE *out)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return fail("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "workload: /bin/true ended with status %#x\n", status);
		return 1;
	}
	fprintf(out, "exec %d\n", (int)pid);
	return 0;
}

static int port_of(int fd, unsigned int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return 0;
}

static int cookie_of(int fd, uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);

	return getsockopt(fd, SOL_SOCKET, SO_COOKIE, cookie, &len);
}

static int one_conn(int lfd, const struct sockaddr_in *addr, FILE *out)
{
	unsigned int cport, lport;
	uint64_t ccookie, scookie;
	char c;
	ssize_t n;
	int cfd, sfd;

	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0)
		return fail("socket");
	if (connect(cfd, (const struct sockaddr *)addr, sizeof(*addr)) < 0)
		return fail("connect");
	sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (sfd < 0)
		return fail("accept");
	if (port_of(cfd, &cport) < 0 || port_of(sfd, &lport) < 0)
		return fail("getsockname");
	if (cookie_of(cfd, &ccookie) < 0 || cookie_of(sfd, &scookie) < 0)
		return fail("SO_COOKIE");
	/* client closes first, the server sees EOF, then closes */
	close(cfd);
	n = read(sfd, &c, 1);
	if (n != 0) {
		fprintf(stderr, "workload: server read %zd, want EOF\n", n);
		return 1;
	}
	close(sfd);
	fprintf(out, "conn %u %u %llu %llu\n", cport, lport,
		(unsigned long long)ccookie, (unsigned long long)scookie);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	unsigned int lport;
	long n, k, i;
	FILE *out;
	int lfd;

	if (argc != 4) {
		fprintf(stderr, "usage: workload N K OUTFILE\n");
		return 2;
	}
	n = strtol(argv[1], NULL, 10);
	k = strtol(argv[2], NULL, 10);
	out = fopen(argv[3], "w");
	if (!out)
		return fail(argv[3]);
	setvbuf(out, NULL, _IOLBF, 0);
	fprintf(out, "pid %d\n", (int)getpid());

	for (i = 0; i < n; i++)
		if (run_true(out))
			return 1;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return fail("socket");
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return fail("bind");
	if (listen(lfd, 16) < 0)
		return fail("listen");
	if (getsockname(lfd, (struct sockaddr *)&addr, &len) < 0)
		return fail("getsockname");
	lport = ntohs(addr.sin_port);
	fprintf(out, "listen %u\n", lport);

	for (i = 0; i < k; i++)
		if (one_conn(lfd, &addr, out))
			return 1;
	close(lfd);
	if (fclose(out) != 0)
		return fail("fclose");
	return 0;
}
