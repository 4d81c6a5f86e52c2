// SPDX-License-Identifier: GPL-2.0
/*
 * rref_main.c - riptides_ref.ko, the reference identity enforcement point:
 * a stand-in for a production identity driver, used for development, tests
 * and the demo.  Nothing loads it unless asked (no aliases).
 *
 * For every new outgoing IPv4 TCP connection it finds the owning
 * workload's SPIFFE ID in a policy table loaded over generic netlink
 * (uapi/riptides_ref.h), the peer's ID when the peer is a local listener,
 * applies the allow rules and really refuses a denied connection
 * (rref_enforce.c).  It fires the riptides tracepoints (riptides_trace.h)
 * at each step, conn_close with the socket's own byte counters, and
 * identity_* when the table changes.  Its TLS handshake is SIMULATED.
 *
 * This file: load and unload, the tracepoints, and the probe on
 * sock:inet_sock_set_state that keeps the listener table (rref_listen.c)
 * and reports closes of tracked connections (rref_conn.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>
#include <trace/events/sock.h>

#include "rref.h"
/* the riptides events themselves live in this module: define them here */
#define CREATE_TRACE_POINTS
#include "riptides_trace.h"

static struct tracepoint *rref_tp_state;

/*
 * sock:inet_sock_set_state, with preemption off.  A listener enters the
 * table when it starts listening (listen(), in its owner's context) and
 * leaves it on the way out of TCP_LISTEN, which every listener passes
 * before it is freed: so a listed sk is always a live socket.
 */
static void rref_probe_state(void *data, const struct sock *sk,
			     const int oldstate, const int newstate)
{
	u64 cookie, start, sent, received;
	const struct tcp_sock *tp;

	if (sk->sk_protocol != IPPROTO_TCP)
		return;
	if (newstate == TCP_LISTEN && oldstate != TCP_LISTEN)
		rref_listen_add(sk);
	else if (oldstate == TCP_LISTEN && newstate != TCP_LISTEN)
		rref_listen_del(sk);

	if (newstate != TCP_CLOSE)
		return;
	cookie = atomic64_read(&sk->sk_cookie);
	if (!cookie || !rref_conn_untrack(cookie, &start))
		return;
	tp = tcp_sk(sk);
	/*
	 * Payload only: bytes_sent counts data as transmitted, retransmissions
	 * again (they are in bytes_retrans); bytes_received counts sequence
	 * space delivered in order, which includes a received FIN.
	 */
	sent = tp->bytes_sent - tp->bytes_retrans;
	received = tp->bytes_received;
	if (received && (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
		received--;
	trace_conn_close(cookie, sent, received, ktime_get_ns() - start);
}
RREF_PROBE_CONTEXT(rref_probe_state);

static void rref_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "inet_sock_set_state"))
		rref_tp_state = tp;
}

static void rref_probe_detach(void)
{
	tracepoint_probe_unregister(rref_tp_state, rref_probe_state, NULL);
	/* no probe of ours runs past this point */
	tracepoint_synchronize_unregister();
}

/*
 * The tables first, then what feeds them (hooks, the state probe), the
 * control family user space reaches last; unload in reverse.
 */
static int __init rref_init(void)
{
	int err;

	/* type-check the probe against the event without referencing it */
	(void)sizeof(register_trace_inet_sock_set_state(rref_probe_state,
							NULL));
	for_each_kernel_tracepoint(rref_find_tp, NULL);
	if (!rref_tp_state)
		return -ENOENT;
	err = rref_conn_init();
	if (err)
		return err;
	err = rref_listen_init();
	if (err)
		goto exit_conn;
	err = rref_enforce_init();
	if (err)
		goto exit_listen;
	err = tracepoint_probe_register(rref_tp_state, rref_probe_state, NULL);
	if (err)
		goto exit_enforce;
	err = rref_policy_init();
	if (err)
		goto detach_probe;
	pr_info("loaded: enforcing IPv4 TCP connects, handshakes SIMULATED\n");
	return 0;

detach_probe:
	rref_probe_detach();
exit_enforce:
	rref_enforce_exit();
exit_listen:
	rref_listen_exit();
exit_conn:
	rref_policy_free();
	rref_conn_exit();
	return err;
}

static void __exit rref_exit(void)
{
	rref_policy_exit();		/* no command changes the tables now */
	rref_probe_detach();		/* nor does the state probe */
	/* waits out hooks in flight: nf_unregister_net_hooks() does not */
	rref_enforce_exit();
	rref_listen_exit();
	rref_policy_free();
	rref_conn_exit();
}

module_init(rref_init);
module_exit(rref_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("riptides reference identity enforcement point (development and tests)");
MODULE_AUTHOR("riptel developers");
