/*
 * idtool.c - guest-side helper of the identity VM tests (test_identity*.sh):
 * loads riptides_ref.ko's policy over its generic netlink family, queries
 * and exercises riptel's family, and runs the TCP workloads.
 *
 *   idtool [-u UID] workload uid N|exe PATH|cgroup N SPIFFE_ID [nb S] [na S]
 *                                  nb/na: not_before/not_after, S seconds
 *                                  from now (may be negative)
 *   idtool [-u UID] unworkload uid N|exe PATH|cgroup N
 *   idtool [-u UID] rule LOCAL_ID port N | peer PEER_ID
 *   idtool flush | status | rstatus | list
 *   idtool config [tls V] [fail PERMILLE] [permissive 0|1]
 *   idtool resolve ID GEN          through src/shared/spiffe.c: string or unknown
 *   idtool intern-test N CACHE     intern N distinct IDs, resolve them all
 *   idtool bad                     malformed requests, TAP on stdout
 *   idtool [-u UID] serve PORT REPLY_BYTES COUNT READY_FILE
 *   idtool [-u UID] serve6 PORT REPLY_BYTES COUNT READY_FILE   on [::],
 *                                  dual-stack (IPv4 connects reach it)
 *   idtool [-u UID] connect PORT SEND_BYTES
 *   idtool [-u UID] connect-cg PORT SEND_BYTES CGROUP_DIR   the socket is
 *                                  made, then the process moves to
 *                                  CGROUP_DIR, then it connects
 *   idtool listen PORT N READY_FILE   N listeners on PORT.., never accept
 *   idtool hold PORT N READY_FILE  N connections to PORT held open; prints
 *                                  each one's result line
 *
 * -u UID runs the command as that uid (and gid), without capabilities.
 * Exit status: 0 ok, 1 failure, 3 connection refused (connect).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "riptel.h"
#include "riptides_ref.h"
#include "spiffe.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

static void die(const char *what)
{
	fprintf(stderr, "idtool: %s\n", what);
	exit(1);
}

/* ---- netlink plumbing ---- */

struct txn {
	nl_recvmsg_msg_cb_t valid;
	void *arg;
	int err;
	bool done;
};

static int txn_valid(struct nl_msg *msg, void *arg)
{
	struct txn *t = arg;

	return t->valid ? t->valid(msg, t->arg) : NL_OK;
}

static int txn_done(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct txn *)arg)->done = true;
	return NL_STOP;
}

static int txn_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct txn *t = arg;

	(void)nla;
	t->err = e->error;
	t->done = true;
	return NL_STOP;
}

static struct nl_sock *nl_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk || genl_connect(sk) < 0)
		die("cannot open a generic netlink socket");
	return sk;
}

static int family(struct nl_sock *sk, const char *name)
{
	int id = genl_ctrl_resolve(sk, name);

	if (id < 0) {
		fprintf(stderr, "idtool: genl family %s not found\n", name);
		exit(1);
	}
	return id;
}

static struct nl_msg *msg_new(int fam, uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc_size(16384);

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0, flags,
			       cmd, 1))
		die("out of memory");
	return m;
}

/* Send @m (consumed) and wait for the answer: 0 or -errno. */
static int txn_run(struct nl_sock *sk, struct nl_msg *m,
		   nl_recvmsg_msg_cb_t valid, void *arg)
{
	struct txn t = { .valid = valid, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_CUSTOM);
	int rc;

	if (!cb)
		die("out of memory");
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, txn_valid, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, txn_done, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, txn_done, &t);
	nl_cb_err(cb, NL_CB_CUSTOM, txn_err, &t);
	rc = nl_send_auto(sk, m);
	nlmsg_free(m);
	if (rc < 0) {
		nl_cb_put(cb);
		return -EIO;
	}
	while (!t.done) {
		if (nl_recvmsgs(sk, cb) < 0 && !t.done) {
			t.err = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	return t.err;
}

static int parse(struct nl_msg *msg, struct nlattr **tb, int max)
{
	return genlmsg_parse(nlmsg_hdr(msg), 0, tb, max, NULL);
}

/* ---- riptides_ref ---- */

static void put_selector(struct nl_msg *m, char **argv)
{
	if (!strcmp(argv[0], "uid"))
		nla_put_u32(m, RREF_A_SEL_UID, strtoul(argv[1], NULL, 0));
	else if (!strcmp(argv[0], "exe"))
		nla_put_string(m, RREF_A_SEL_EXE, argv[1]);
	else if (!strcmp(argv[0], "cgroup"))
		nla_put_u64(m, RREF_A_SEL_CGROUP, strtoull(argv[1], NULL, 0));
	else
		die("selector: uid|exe|cgroup");
}

struct ref_status {
	uint32_t workloads, rules, permille, listeners, conns;
	uint64_t allowed, denied, listeners_full, conns_full;
	uint16_t tls;
	uint8_t permissive;
};

static int ref_status_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RREF_A_MAX + 1];
	struct ref_status *st = arg;

	if (parse(msg, tb, RREF_A_MAX) < 0 || !tb[RREF_A_WORKLOADS] ||
	    !tb[RREF_A_RULES] || !tb[RREF_A_ALLOWED] || !tb[RREF_A_DENIED] ||
	    !tb[RREF_A_TLS_VERSION] || !tb[RREF_A_FAIL_PERMILLE] ||
	    !tb[RREF_A_PERMISSIVE])
		return NL_SKIP;
	st->workloads = nla_get_u32(tb[RREF_A_WORKLOADS]);
	st->rules = nla_get_u32(tb[RREF_A_RULES]);
	st->allowed = nla_get_u64(tb[RREF_A_ALLOWED]);
	st->denied = nla_get_u64(tb[RREF_A_DENIED]);
	st->tls = nla_get_u16(tb[RREF_A_TLS_VERSION]);
	st->permille = nla_get_u32(tb[RREF_A_FAIL_PERMILLE]);
	st->permissive = nla_get_u8(tb[RREF_A_PERMISSIVE]);
	if (tb[RREF_A_LISTENERS])
		st->listeners = nla_get_u32(tb[RREF_A_LISTENERS]);
	if (tb[RREF_A_LISTENERS_FULL])
		st->listeners_full = nla_get_u64(tb[RREF_A_LISTENERS_FULL]);
	if (tb[RREF_A_CONNS])
		st->conns = nla_get_u32(tb[RREF_A_CONNS]);
	if (tb[RREF_A_CONNS_FULL])
		st->conns_full = nla_get_u64(tb[RREF_A_CONNS_FULL]);
	return NL_OK;
}

static int ref_status(struct nl_sock *sk, int fam, struct ref_status *st)
{
	memset(st, 0xff, sizeof(*st));
	return txn_run(sk, msg_new(fam, RREF_CMD_STATUS, 0), ref_status_cb, st);
}

/* ---- riptel ---- */

struct rstatus {
	uint32_t slots, used, providers;
	uint64_t inserts, evictions, failed;
	char names[256];
};

static int rstatus_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RIPTEL_A_MAX + 1], *pa[RIPTEL_A_MAX + 1], *nest;
	struct rstatus *st = arg;
	int rem;

	if (parse(msg, tb, RIPTEL_A_MAX) < 0 || !tb[RIPTEL_A_INTERN_SLOTS])
		return NL_SKIP;
	st->slots = nla_get_u32(tb[RIPTEL_A_INTERN_SLOTS]);
	st->used = nla_get_u32(tb[RIPTEL_A_INTERN_USED]);
	st->inserts = nla_get_u64(tb[RIPTEL_A_INTERN_INSERTS]);
	st->evictions = nla_get_u64(tb[RIPTEL_A_INTERN_EVICTIONS]);
	st->failed = nla_get_u64(tb[RIPTEL_A_INTERN_FAILED]);
	st->providers = 0;
	st->names[0] = '\0';
	nlmsg_for_each_attr(nest, nlmsg_hdr(msg), GENL_HDRLEN, rem) {
		if (nla_type(nest) != RIPTEL_A_PROVIDER ||
		    nla_parse_nested(pa, RIPTEL_A_MAX, nest, NULL) < 0 ||
		    !pa[RIPTEL_A_PROVIDER_NAME] || !pa[RIPTEL_A_PROVIDER_EVENTS])
			continue;
		st->providers++;
		snprintf(st->names + strlen(st->names),
			 sizeof(st->names) - strlen(st->names), "%s%s:%u",
			 st->names[0] ? "," : "",
			 nla_get_string(pa[RIPTEL_A_PROVIDER_NAME]),
			 nla_get_u32(pa[RIPTEL_A_PROVIDER_EVENTS]));
	}
	return NL_OK;
}

static int rstatus(struct nl_sock *sk, int fam, struct rstatus *st)
{
	memset(st, 0, sizeof(*st));
	return txn_run(sk, msg_new(fam, RIPTEL_CMD_STATUS, 0), rstatus_cb, st);
}

struct ref_pair {
	uint32_t id, gen;
};

static int intern_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RIPTEL_A_MAX + 1];
	struct ref_pair *p = arg;

	if (parse(msg, tb, RIPTEL_A_MAX) < 0 || !tb[RIPTEL_A_ID] ||
	    !tb[RIPTEL_A_GEN])
		return NL_SKIP;
	p->id = nla_get_u32(tb[RIPTEL_A_ID]);
	p->gen = nla_get_u32(tb[RIPTEL_A_GEN]);
	return NL_OK;
}

static int list_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RIPTEL_A_MAX + 1];

	(void)arg;
	if (parse(msg, tb, RIPTEL_A_MAX) < 0 || !tb[RIPTEL_A_ID] ||
	    !tb[RIPTEL_A_GEN] || !tb[RIPTEL_A_SPIFFE_ID])
		return NL_SKIP;
	printf("%u %u %s\n", nla_get_u32(tb[RIPTEL_A_ID]),
	       nla_get_u32(tb[RIPTEL_A_GEN]),
	       nla_get_string(tb[RIPTEL_A_SPIFFE_ID]));
	return NL_OK;
}

static int cmd_intern_test(unsigned int n, size_t cache)
{
	struct nl_sock *sk = nl_open();
	int fam = family(sk, RIPTEL_GENL_NAME);
	struct spiffe_resolver *r = spiffe_resolver_new(cache);
	struct ref_pair *refs = calloc(n, sizeof(*refs));
	unsigned int i, right = 0, unknown = 0, wrong = 0, fresh = 0;
	char want[128];
	const char *got;
	struct nl_msg *m;

	if (!r || !refs)
		die("resolver");
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want),
			 "spiffe://intern.test/ns/n%u/sa/workload-%u", i % 97, i);
		m = msg_new(fam, RIPTEL_CMD_INTERN, 0);
		nla_put_string(m, RIPTEL_A_SPIFFE_ID, want);
		if (txn_run(sk, m, intern_cb, &refs[i]) || !refs[i].id)
			die("intern failed");
		/* a fresh reference must resolve right away */
		if (i % 10 == 0) {
			got = spiffe_resolve(r, refs[i].id, refs[i].gen);
			if (got && !strcmp(got, want))
				fresh++;
			else
				wrong++;
		}
	}
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want),
			 "spiffe://intern.test/ns/n%u/sa/workload-%u", i % 97, i);
		got = spiffe_resolve(r, refs[i].id, refs[i].gen);
		if (!got)
			unknown++;
		else if (!strcmp(got, want))
			right++;
		else
			wrong++;
	}
	printf("interned=%u fresh_ok=%u right=%u unknown=%u wrong=%u\n", n,
	       fresh, right, unknown, wrong);
	spiffe_resolver_free(r);
	free(refs);
	nl_socket_free(sk);
	return wrong ? 1 : 0;
}

/* ---- bad input ---- */

static int tap_n;
static int tap_failed;

static void tap(bool good, const char *name, int got)
{
	tap_n++;
	if (!good)
		tap_failed++;
	printf("%sok %d - %s (got %d)\n", good ? "" : "not ", tap_n, name, got);
}

/* Expect failure with exactly -want (any error when want is 0). */
static void expect_err(struct nl_sock *sk, struct nl_msg *m, int want,
		       const char *name)
{
	int rc = txn_run(sk, m, NULL, NULL);

	tap(want ? rc == -want : rc < 0, name, rc);
}

static void put_bytes(struct nl_msg *m, int type, size_t n, char fill,
		      bool nul)
{
	char *buf = malloc(n + 1);

	if (!buf)
		die("out of memory");
	memcpy(buf, "spiffe://", 9);
	memset(buf + 9, fill, n - 9);
	buf[n] = '\0';
	nla_put(m, type, nul ? (int)n + 1 : (int)n, buf);
	free(buf);
}

static void as_nobody(void)
{
	if (setgid(65534) || setuid(65534))
		die("cannot drop privileges");
}

static void bad_unprivileged(void)
{
	struct nl_sock *sk;
	struct nl_msg *m;
	int ref, rip;
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		as_nobody();
		sk = nl_open();
		ref = family(sk, RIPTIDES_REF_GENL_NAME);
		rip = family(sk, RIPTEL_GENL_NAME);
		m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
		nla_put_u32(m, RREF_A_SEL_UID, 4242);
		nla_put_string(m, RREF_A_SPIFFE_ID, "spiffe://bad.test/x");
		expect_err(sk, m, EPERM, "unprivileged WORKLOAD_SET: EPERM");
		expect_err(sk, msg_new(ref, RREF_CMD_FLUSH, 0), EPERM,
			   "unprivileged FLUSH: EPERM");
		m = msg_new(rip, RIPTEL_CMD_RESOLVE, 0);
		nla_put_u32(m, RIPTEL_A_ID, 1);
		nla_put_u32(m, RIPTEL_A_GEN, 1);
		expect_err(sk, m, EPERM, "unprivileged RESOLVE: EPERM");
		m = msg_new(rip, RIPTEL_CMD_INTERN, 0);
		nla_put_string(m, RIPTEL_A_SPIFFE_ID, "spiffe://bad.test/x");
		expect_err(sk, m, EPERM, "unprivileged INTERN: EPERM");
		expect_err(sk, msg_new(rip, RIPTEL_CMD_LIST, NLM_F_DUMP), EPERM,
			   "unprivileged LIST: EPERM");
		fflush(stdout);
		_exit(tap_failed ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		die("child");
	tap_n += 5;
	if (WEXITSTATUS(status))
		tap_failed++;
}

static int cmd_bad(void)
{
	struct nl_sock *sk = nl_open();
	int ref = family(sk, RIPTIDES_REF_GENL_NAME);
	int rip = family(sk, RIPTEL_GENL_NAME);
	struct ref_status s0, s1;
	struct rstatus r0, r1;
	struct nl_msg *m;
	int rc;

	if (ref_status(sk, ref, &s0) || rstatus(sk, rip, &r0))
		die("status");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_u32(m, RREF_A_SEL_UID, 4242);
	expect_err(sk, m, EINVAL, "WORKLOAD_SET without SPIFFE_ID: EINVAL");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_string(m, RREF_A_SPIFFE_ID, "spiffe://bad.test/x");
	expect_err(sk, m, EINVAL, "WORKLOAD_SET without selector: EINVAL");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_u8(m, RREF_A_SEL_UID, 7);
	nla_put_string(m, RREF_A_SPIFFE_ID, "spiffe://bad.test/x");
	expect_err(sk, m, 0, "WORKLOAD_SET uid as u8: error");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_u32(m, RREF_A_SEL_UID, 4242);
	nla_put_u32(m, RREF_A_SPIFFE_ID, 0x41414141);
	expect_err(sk, m, EINVAL, "WORKLOAD_SET SPIFFE_ID as u32: EINVAL");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_u32(m, RREF_A_SEL_UID, 4242);
	put_bytes(m, RREF_A_SPIFFE_ID, RIPTEL_SPIFFE_MAX + 1, 'a', true);
	expect_err(sk, m, EINVAL, "WORKLOAD_SET 2049-byte SPIFFE_ID: EINVAL");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_u32(m, RREF_A_SEL_UID, 4242);
	put_bytes(m, RREF_A_SPIFFE_ID, 60000, 'a', true);
	expect_err(sk, m, EINVAL, "WORKLOAD_SET 60000-byte SPIFFE_ID: EINVAL");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_u32(m, RREF_A_SEL_UID, 4242);
	put_bytes(m, RREF_A_SPIFFE_ID, 40, 'a', false);
	expect_err(sk, m, EINVAL, "WORKLOAD_SET unterminated SPIFFE_ID: EINVAL");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_u32(m, RREF_A_SEL_UID, 4242);
	nla_put_string(m, RREF_A_SPIFFE_ID, "https://bad.test/x");
	expect_err(sk, m, EINVAL, "WORKLOAD_SET non-spiffe ID: EINVAL");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_u32(m, RREF_A_SEL_UID, 4242);
	nla_put_u64(m, RREF_A_SEL_CGROUP, 1);
	nla_put_string(m, RREF_A_SPIFFE_ID, "spiffe://bad.test/x");
	expect_err(sk, m, EINVAL, "WORKLOAD_SET two selectors: EINVAL");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_string(m, RREF_A_SEL_EXE, "relative/path");
	nla_put_string(m, RREF_A_SPIFFE_ID, "spiffe://bad.test/x");
	expect_err(sk, m, EINVAL, "WORKLOAD_SET relative exe: EINVAL");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_string(m, RREF_A_SEL_EXE, "/no/such/file");
	nla_put_string(m, RREF_A_SPIFFE_ID, "spiffe://bad.test/x");
	expect_err(sk, m, ENOENT, "WORKLOAD_SET missing exe: ENOENT");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_u32(m, RREF_A_SEL_UID, 4242);
	nla_put_string(m, RREF_A_SPIFFE_ID, "spiffe://bad.test/x");
	nla_put(m, RREF_A_SERIAL, 21, "012345678901234567890");
	expect_err(sk, m, 0, "WORKLOAD_SET 21-byte serial: error");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_u32(m, RREF_A_SEL_UID, 4242);
	nla_put_string(m, RREF_A_SPIFFE_ID, "spiffe://bad.test/x");
	nla_put_u32(m, 99, 1);
	expect_err(sk, m, 0, "WORKLOAD_SET unknown attribute: error");

	m = msg_new(ref, RREF_CMD_WORKLOAD_SET, 0);
	nla_put_u32(m, RREF_A_SEL_UID, 4242);
	nla_put_string(m, RREF_A_SPIFFE_ID, "spiffe://bad.test/x");
	nla_put_u32(m, RREF_A_WORKLOADS, 1);
	expect_err(sk, m, 0, "WORKLOAD_SET reply-only attribute: error");

	m = msg_new(ref, RREF_CMD_WORKLOAD_DEL, 0);
	nla_put_u32(m, RREF_A_SEL_UID, 4243);
	expect_err(sk, m, ENOENT, "WORKLOAD_DEL unknown selector: ENOENT");

	m = msg_new(ref, RREF_CMD_RULE_ADD, 0);
	nla_put_string(m, RREF_A_LOCAL_ID, "spiffe://bad.test/x");
	expect_err(sk, m, EINVAL, "RULE_ADD without peer: EINVAL");

	m = msg_new(ref, RREF_CMD_RULE_ADD, 0);
	nla_put_string(m, RREF_A_LOCAL_ID, "spiffe://bad.test/x");
	nla_put_u16(m, RREF_A_PEER_PORT, 80);
	nla_put_string(m, RREF_A_PEER_ID, "spiffe://bad.test/y");
	expect_err(sk, m, EINVAL, "RULE_ADD port and peer: EINVAL");

	m = msg_new(ref, RREF_CMD_RULE_ADD, 0);
	nla_put_string(m, RREF_A_LOCAL_ID, "spiffe://bad.test/x");
	nla_put_u16(m, RREF_A_PEER_PORT, 0);
	expect_err(sk, m, 0, "RULE_ADD port 0: error");

	m = msg_new(ref, RREF_CMD_RULE_ADD, 0);
	nla_put_u16(m, RREF_A_PEER_PORT, 80);
	expect_err(sk, m, EINVAL, "RULE_ADD without LOCAL_ID: EINVAL");

	m = msg_new(ref, RREF_CMD_CONFIG, 0);
	nla_put_u32(m, RREF_A_FAIL_PERMILLE, 1001);
	expect_err(sk, m, 0, "CONFIG fail 1001: error");

	m = msg_new(ref, RREF_CMD_CONFIG, 0);
	nla_put_u16(m, RREF_A_TLS_VERSION, 0x0200);
	expect_err(sk, m, 0, "CONFIG tls 0x0200: error");

	m = msg_new(ref, RREF_CMD_CONFIG, 0);
	nla_put_u8(m, RREF_A_PERMISSIVE, 2);
	expect_err(sk, m, 0, "CONFIG permissive 2: error");

	expect_err(sk, msg_new(ref, RREF_CMD_CONFIG, 0), EINVAL,
		   "CONFIG nothing: EINVAL");
	expect_err(sk, msg_new(ref, 99, 0), EOPNOTSUPP,
		   "unknown command: EOPNOTSUPP");

	m = msg_new(rip, RIPTEL_CMD_RESOLVE, 0);
	nla_put_u32(m, RIPTEL_A_ID, 1);
	expect_err(sk, m, EINVAL, "RESOLVE without GEN: EINVAL");

	m = msg_new(rip, RIPTEL_CMD_RESOLVE, 0);
	nla_put_u32(m, RIPTEL_A_ID, 0);
	nla_put_u32(m, RIPTEL_A_GEN, 1);
	expect_err(sk, m, 0, "RESOLVE id 0: error");

	m = msg_new(rip, RIPTEL_CMD_RESOLVE, 0);
	nla_put_string(m, RIPTEL_A_ID, "1");
	nla_put_u32(m, RIPTEL_A_GEN, 1);
	expect_err(sk, m, 0, "RESOLVE id as string: error");

	m = msg_new(rip, RIPTEL_CMD_RESOLVE, 0);
	nla_put_u32(m, RIPTEL_A_ID, 1000000);
	nla_put_u32(m, RIPTEL_A_GEN, 1);
	expect_err(sk, m, ENOENT, "RESOLVE unknown id: ENOENT");

	m = msg_new(rip, RIPTEL_CMD_INTERN, 0);
	put_bytes(m, RIPTEL_A_SPIFFE_ID, RIPTEL_SPIFFE_MAX + 1, 'b', true);
	expect_err(sk, m, EINVAL, "INTERN 2049-byte string: EINVAL");

	m = msg_new(rip, RIPTEL_CMD_INTERN, 0);
	nla_put_string(m, RIPTEL_A_SPIFFE_ID, "");
	expect_err(sk, m, EINVAL, "INTERN empty string: EINVAL");

	m = msg_new(rip, RIPTEL_CMD_STATUS, 0);
	nla_put_u32(m, RIPTEL_A_INTERN_USED, 0);
	expect_err(sk, m, 0, "STATUS with reply-only attribute: error");

	bad_unprivileged();

	if (ref_status(sk, ref, &s1) || rstatus(sk, rip, &r1))
		die("status");
	tap(s0.workloads == s1.workloads && s0.rules == s1.rules &&
	    s0.tls == s1.tls && s0.permille == s1.permille &&
	    s0.permissive == s1.permissive,
	    "riptides_ref policy and config unchanged", (int)s1.workloads);
	tap(r0.inserts == r1.inserts && r0.used == r1.used,
	    "riptel intern table unchanged", (int)r1.inserts);

	/* the boundary: exactly RIPTEL_SPIFFE_MAX bytes is accepted */
	m = msg_new(rip, RIPTEL_CMD_INTERN, 0);
	put_bytes(m, RIPTEL_A_SPIFFE_ID, RIPTEL_SPIFFE_MAX, 'c', true);
	rc = txn_run(sk, m, NULL, NULL);
	tap(rc == 0, "INTERN 2048-byte string accepted", rc);
	printf("1..%d\n", tap_n);
	nl_socket_free(sk);
	return tap_failed ? 1 : 0;
}

/* ---- TCP workloads ---- */

static void touch(const char *ready)
{
	FILE *f = fopen(ready, "w");

	if (!f)
		die("ready file");
	fclose(f);
}

/* Like serve, on [::] with IPV6_V6ONLY off: IPv4 clients reach it too. */
static int cmd_serve6(int port, size_t reply, int count, const char *ready)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int one = 1, off = 0, ls, c, i;
	char buf[4096];
	size_t left;
	ssize_t n;

	a.sin6_port = htons(port);
	ls = socket(AF_INET6, SOCK_STREAM, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(ls, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 16))
		die("cannot listen on [::]");
	touch(ready);
	for (i = 0; count <= 0 || i < count; i++) {
		c = accept(ls, NULL, NULL);
		if (c < 0)
			die("accept");
		while ((n = read(c, buf, sizeof(buf))) > 0)
			;
		memset(buf, 'r', sizeof(buf));
		for (left = reply; left; left -= n) {
			n = write(c, buf, left < sizeof(buf) ? left : sizeof(buf));
			if (n <= 0)
				break;
		}
		close(c);
	}
	close(ls);
	return 0;
}

/* @n listeners on ports port.. that never accept: until killed. */
static int cmd_listen(int port, int n, const char *ready)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1, i, ls;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		a.sin_port = htons(port + i);
		ls = socket(AF_INET, SOCK_STREAM, 0);
		if (ls < 0 ||
		    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 16))
			die("cannot listen");
	}
	touch(ready);
	for (;;)
		pause();
	return 0;
}

/* @n connections to @port, each left open (a listener's backlog takes them). */
static int cmd_hold(int port, int n, const char *ready)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len;
	uint64_t cookie;
	int i, s;

	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0)
			die("socket");
		cookie = 0;
		len = sizeof(cookie);
		getsockopt(s, SOL_SOCKET, SO_COOKIE, &cookie, &len);
		if (connect(s, (struct sockaddr *)&a, sizeof(a)))
			printf("refused errno=%d cookie=%llu\n", errno,
			       (unsigned long long)cookie);
		else
			printf("connected cookie=%llu\n",
			       (unsigned long long)cookie);
	}
	touch(ready);
	for (;;)
		pause();
	return 0;
}

static int cmd_serve(int port, size_t reply, int count, const char *ready)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1, ls, c, i;
	char buf[4096];
	size_t got, left;
	ssize_t n;
	FILE *f;

	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 16))
		die("cannot listen");
	f = fopen(ready, "w");
	if (!f)
		die("ready file");
	fclose(f);
	memset(buf, 'r', sizeof(buf));
	for (i = 0; count <= 0 || i < count; i++) {
		c = accept(ls, NULL, NULL);
		if (c < 0)
			die("accept");
		got = 0;
		while ((n = read(c, buf, sizeof(buf))) > 0)
			got += n;
		memset(buf, 'r', sizeof(buf));
		for (left = reply; left; left -= n) {
			n = write(c, buf, left < sizeof(buf) ? left : sizeof(buf));
			if (n <= 0)
				break;
		}
		close(c);
		printf("served got=%zu\n", got);
		fflush(stdout);
	}
	close(ls);
	return 0;
}

/* Move this process into the cgroup v2 directory @dir. */
static void move_to_cgroup(const char *dir)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f))
		die("cannot move to the cgroup");
}

static int cmd_connect(int port, size_t send_bytes, const char *cgroup)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	size_t sent = 0, recvd = 0, left;
	char buf[4096];
	ssize_t n;
	int s;

	alarm(20);
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket");
	getsockopt(s, SOL_SOCKET, SO_COOKIE, &cookie, &len);
	/* the socket keeps the cgroup it was made in */
	if (cgroup)
		move_to_cgroup(cgroup);
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		int err = errno;

		printf("refused errno=%d cookie=%llu\n", err,
		       (unsigned long long)cookie);
		return err == ECONNREFUSED ? 3 : 1;
	}
	memset(buf, 's', sizeof(buf));
	for (left = send_bytes; left; left -= n, sent += n) {
		n = write(s, buf, left < sizeof(buf) ? left : sizeof(buf));
		if (n <= 0)
			die("write");
	}
	shutdown(s, SHUT_WR);
	while ((n = read(s, buf, sizeof(buf))) > 0)
		recvd += n;
	close(s);
	printf("connected cookie=%llu sent=%zu recv=%zu\n",
	       (unsigned long long)cookie, sent, recvd);
	return 0;
}

int main(int argc, char **argv)
{
	struct nl_sock *sk;
	struct nl_msg *m;
	int fam, rc, i;

	if (argc > 2 && !strcmp(argv[1], "-u")) {
		uid_t uid = strtoul(argv[2], NULL, 0);

		if (setgid(uid) || setuid(uid))
			die("cannot change uid");
		argc -= 2;
		argv += 2;
	}
	if (argc < 2)
		die("usage: see the comment at the top of tests/vm/idtool.c");
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(argv[1], "serve") && argc == 6)
		return cmd_serve(atoi(argv[2]), strtoul(argv[3], NULL, 0),
				 atoi(argv[4]), argv[5]);
	if (!strcmp(argv[1], "serve6") && argc == 6)
		return cmd_serve6(atoi(argv[2]), strtoul(argv[3], NULL, 0),
				  atoi(argv[4]), argv[5]);
	if (!strcmp(argv[1], "connect") && argc == 4)
		return cmd_connect(atoi(argv[2]), strtoul(argv[3], NULL, 0),
				   NULL);
	if (!strcmp(argv[1], "connect-cg") && argc == 5)
		return cmd_connect(atoi(argv[2]), strtoul(argv[3], NULL, 0),
				   argv[4]);
	if (!strcmp(argv[1], "listen") && argc == 5)
		return cmd_listen(atoi(argv[2]), atoi(argv[3]), argv[4]);
	if (!strcmp(argv[1], "hold") && argc == 5)
		return cmd_hold(atoi(argv[2]), atoi(argv[3]), argv[4]);
	if (!strcmp(argv[1], "bad"))
		return cmd_bad();
	if (!strcmp(argv[1], "intern-test") && argc == 4)
		return cmd_intern_test(strtoul(argv[2], NULL, 0),
				       strtoul(argv[3], NULL, 0));
	if (!strcmp(argv[1], "resolve") && argc == 4) {
		struct spiffe_resolver *r = spiffe_resolver_new(16);

		if (!r)
			die("resolver");
		printf("%s\n", spiffe_resolve_name(r, strtoul(argv[2], NULL, 0),
						   strtoul(argv[3], NULL, 0)));
		spiffe_resolver_free(r);
		return 0;
	}

	sk = nl_open();
	if (!strcmp(argv[1], "rstatus") || !strcmp(argv[1], "list")) {
		struct rstatus st;

		fam = family(sk, RIPTEL_GENL_NAME);
		if (!strcmp(argv[1], "list"))
			return txn_run(sk, msg_new(fam, RIPTEL_CMD_LIST, NLM_F_DUMP),
				       list_cb, NULL) ? 1 : 0;
		if (rstatus(sk, fam, &st))
			die("riptel status failed");
		printf("slots=%u used=%u inserts=%llu evictions=%llu failed=%llu providers=%u names=%s\n",
		       st.slots, st.used, (unsigned long long)st.inserts,
		       (unsigned long long)st.evictions,
		       (unsigned long long)st.failed, st.providers, st.names);
		return 0;
	}

	fam = family(sk, RIPTIDES_REF_GENL_NAME);
	if (!strcmp(argv[1], "status")) {
		struct ref_status st;

		if (ref_status(sk, fam, &st))
			die("status failed");
		printf("workloads=%u rules=%u allowed=%llu denied=%llu tls=0x%04x fail=%u permissive=%u listeners=%u listeners_full=%llu conns=%u conns_full=%llu\n",
		       st.workloads, st.rules, (unsigned long long)st.allowed,
		       (unsigned long long)st.denied, st.tls, st.permille,
		       st.permissive, st.listeners,
		       (unsigned long long)st.listeners_full, st.conns,
		       (unsigned long long)st.conns_full);
		return 0;
	}
	if (!strcmp(argv[1], "workload") && argc >= 5 && argc % 2) {
		m = msg_new(fam, RREF_CMD_WORKLOAD_SET, 0);
		put_selector(m, argv + 2);
		nla_put_string(m, RREF_A_SPIFFE_ID, argv[4]);
		for (i = 5; i + 1 < argc; i += 2) {
			int64_t t = (int64_t)time(NULL) + strtoll(argv[i + 1], NULL, 0);

			if (!strcmp(argv[i], "nb"))
				nla_put_s64(m, RREF_A_NOT_BEFORE, t);
			else if (!strcmp(argv[i], "na"))
				nla_put_s64(m, RREF_A_NOT_AFTER, t);
			else
				die("workload: nb|na SECONDS");
		}
	} else if (!strcmp(argv[1], "unworkload") && argc == 4) {
		m = msg_new(fam, RREF_CMD_WORKLOAD_DEL, 0);
		put_selector(m, argv + 2);
	} else if (!strcmp(argv[1], "rule") && argc == 5) {
		m = msg_new(fam, RREF_CMD_RULE_ADD, 0);
		nla_put_string(m, RREF_A_LOCAL_ID, argv[2]);
		if (!strcmp(argv[3], "port"))
			nla_put_u16(m, RREF_A_PEER_PORT, atoi(argv[4]));
		else
			nla_put_string(m, RREF_A_PEER_ID, argv[4]);
	} else if (!strcmp(argv[1], "flush")) {
		m = msg_new(fam, RREF_CMD_FLUSH, 0);
	} else if (!strcmp(argv[1], "config") && argc % 2 == 0) {
		m = msg_new(fam, RREF_CMD_CONFIG, 0);
		for (i = 2; i + 1 < argc; i += 2) {
			if (!strcmp(argv[i], "tls"))
				nla_put_u16(m, RREF_A_TLS_VERSION,
					    strtoul(argv[i + 1], NULL, 0));
			else if (!strcmp(argv[i], "fail"))
				nla_put_u32(m, RREF_A_FAIL_PERMILLE,
					    strtoul(argv[i + 1], NULL, 0));
			else if (!strcmp(argv[i], "permissive"))
				nla_put_u8(m, RREF_A_PERMISSIVE,
					   strtoul(argv[i + 1], NULL, 0));
			else
				die("config: tls|fail|permissive");
		}
	} else {
		die("unknown command or wrong arguments");
	}
	rc = txn_run(sk, m, NULL, NULL);
	if (rc) {
		fprintf(stderr, "idtool %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	nl_socket_free(sk);
	return 0;
}
