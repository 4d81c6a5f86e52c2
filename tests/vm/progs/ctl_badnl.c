// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_badnl.c - send malformed record-control requests straight to the
 * "riptel" generic netlink family (as root) and check each is refused
 * with the right error and changes nothing.  Run in the guest by
 * tests/vm/guest/riptelctl.sh; prints "PASS name" / "FAIL name: why" lines
 * and exits 1 if anything failed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ctl_nl.h"
#include "riptel.h"

static struct nl_sock *sk;
static int family;
static int failures;

struct attr {
	int type;
	int len;		/* bytes of val to send */
	uint64_t val;
};

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	(void)nla;
	*(int *)arg = e->error;
	return NL_STOP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	(void)msg;
	*(int *)arg = 0;
	return NL_STOP;
}

/* Send @cmd with @n attributes; the kernel's answer, 0 or -errno. */
static int send_req(uint8_t cmd, int flags, const struct attr *a, int n)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *cb = nl_cb_alloc(NL_CB_CUSTOM);
	int ret = 1, i;

	if (!msg || !cb)
		goto out;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
		    RIPTEL_GENL_VERSION);
	for (i = 0; i < n; i++)
		nla_put(msg, a[i].type, a[i].len, &a[i].val);
	nl_cb_err(cb, NL_CB_CUSTOM, err_cb, &ret);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &ret);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, ack_cb, &ret);
	if (nl_send_auto(sk, msg) < 0) {
		ret = -EIO;
		goto out;
	}
	while (ret == 1)
		if (nl_recvmsgs(sk, cb) < 0 && ret == 1)
			ret = -EIO;
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return ret;
}

static void expect(const char *name, int got, int want)
{
	if (got == want) {
		printf("PASS %s\n", name);
		return;
	}
	printf("FAIL %s: got %d (%s), want %d (%s)\n", name, got,
	       strerror(-got), want, strerror(-want));
	failures++;
}

#define U32(t, v) { (t), 4, (v) }
#define U64(t, v) { (t), 8, (v) }

static void set_case(const char *name, const struct attr *a, int n, int want)
{
	expect(name, send_req(RIPTEL_CMD_CTL_SET, 0, a, n), want);
}

int main(void)
{
	const uint32_t exec = 1U << RIPTEL_REC_EXEC;
	struct ctl_config before, after;
	struct ctl_nl *c;

	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk) < 0 ||
	    (family = genl_ctrl_resolve(sk, RIPTEL_GENL_NAME)) < 0 ||
	    ctl_nl_open(&c) || ctl_nl_get(c, &before)) {
		printf("FAIL setup: cannot talk to the riptel family\n");
		return 1;
	}

	{
		struct attr a[] = { U32(RIPTEL_A_TYPES_ON, 1) };

		set_case("TYPES_ON with bit 0 (no type) is EINVAL", a, 1, -EINVAL);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_TYPES_OFF, 1U << 13) };

		set_case("TYPES_OFF with an unknown type is EINVAL", a, 1, -EINVAL);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_TYPES_ON, exec),
				    U32(RIPTEL_A_TYPES_OFF, exec) };

		set_case("a type both on and off is EINVAL", a, 2, -EINVAL);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_TYPE, 1) };

		set_case("TYPE without SAMPLE_RATE is EINVAL", a, 1, -EINVAL);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_TYPE, 1),
				    U32(RIPTEL_A_SAMPLE_RATE, 0) };

		set_case("SAMPLE_RATE 0 is ERANGE", a, 2, -ERANGE);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_TYPE, 1),
				    U32(RIPTEL_A_SAMPLE_RATE, 1000001) };

		set_case("SAMPLE_RATE above the maximum is ERANGE", a, 2, -ERANGE);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_TYPE, 13),
				    U32(RIPTEL_A_SAMPLE_RATE, 2) };

		set_case("TYPE 13 is ERANGE", a, 2, -ERANGE);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_PID_ADD, 0) };

		set_case("PID_ADD 0 is ERANGE", a, 1, -ERANGE);
	}
	{
		struct attr a[] = { { RIPTEL_A_PID_ADD, 2, 7 } };

		set_case("a 2-byte PID_ADD is EINVAL", a, 1, -EINVAL);
	}
	{
		struct attr a[] = { U64(RIPTEL_A_CGROUP_ADD, 0) };

		set_case("CGROUP_ADD 0 is ERANGE", a, 1, -ERANGE);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_CGROUP_ADD, 5) };

		set_case("a 4-byte CGROUP_ADD is EINVAL", a, 1, -EINVAL);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_FILTER_CLEAR, 4) };

		set_case("FILTER_CLEAR with an unknown bit is EINVAL", a, 1, -EINVAL);
	}
	{
		struct attr a[] = { U64(RIPTEL_A_WRITTEN, 1) };

		set_case("a reply-only attribute is EINVAL", a, 1, -EINVAL);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_MAX + 1, 1) };

		set_case("an attribute past RIPTEL_A_MAX is EINVAL", a, 1, -EINVAL);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_TYPES_OFF, exec),
				    U32(RIPTEL_A_PID_DEL, 4242) };

		set_case("deleting a pid not there is ENOENT", a, 2, -ENOENT);
	}
	{
		struct attr a[] = { U32(RIPTEL_A_TYPE, 1) };

		expect("CTL_GET with an attribute is EINVAL",
		       send_req(RIPTEL_CMD_CTL_GET, 0, a, 1), -EINVAL);
		expect("RINGS with an attribute is EINVAL",
		       send_req(RIPTEL_CMD_RINGS, NLM_F_DUMP, a, 1), -EINVAL);
	}
	if (ctl_nl_get(c, &after)) {
		printf("FAIL read back the configuration\n");
		failures++;
	} else {
		expect("nothing changed: type mask", (int)after.type_mask,
		       (int)before.type_mask);
		expect("nothing changed: pid filter", (int)after.nr_pids,
		       (int)before.nr_pids);
		expect("nothing changed: cgroup filter", (int)after.nr_cgroups,
		       (int)before.nr_cgroups);
		expect("nothing changed: exec sample rate",
		       (int)after.types[RIPTEL_REC_EXEC].sample_rate,
		       (int)before.types[RIPTEL_REC_EXEC].sample_rate);
	}
	ctl_nl_close(c);
	nl_socket_free(sk);
	return failures ? 1 : 0;
}
