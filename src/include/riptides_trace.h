/* SPDX-License-Identifier: GPL-2.0 */
/*
 * riptides_trace.h - the "riptides" tracepoint ABI of an identity
 * enforcement point (a "provider" module).
 *
 * A provider includes this header, and exactly one of its .c files defines
 * CREATE_TRACE_POINTS before including it (with -I pointing at this
 * directory).  It then fires trace_<event>() at each step below.  Observers
 * such as riptel.ko find the events by name inside the provider module when
 * it loads, and never link against it, so either may load first.
 *
 * Versioning: the set of events and every TP_PROTO below form version
 * RIPTIDES_TRACE_ABI_VERSION.  A provider carries the marker tracepoint
 * riptides_abi_v<N> (never fired); an observer attaches only to providers
 * carrying the marker of the version it was built for, because a probe
 * whose prototype differs from the event's would read garbage.  Any change
 * to a prototype, a structure or a constant's meaning adds a new version
 * and a new marker.
 *
 * Conventions for every event:
 *  - SPIFFE IDs are NUL-terminated strings of at most RIPTIDES_SPIFFE_MAX
 *    bytes (excluding the NUL), never NULL: "" means "no identity known".
 *    They are valid only for the duration of the call.
 *  - cookie is the socket cookie (the value SO_COOKIE reports), non-zero,
 *    and ties the per-connection events together.
 *  - Events may fire in process or softirq context, never in hard
 *    interrupt or NMI context.  Probes must not sleep.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM riptides

#if !defined(_RIPTIDES_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RIPTIDES_TRACE_H

#include <linux/tracepoint.h>
#include <linux/types.h>

#ifndef _RIPTIDES_TRACE_TYPES
#define _RIPTIDES_TRACE_TYPES

#define RIPTIDES_TRACE_ABI_VERSION	1
/* name of the marker tracepoint of this version */
#define RIPTIDES_TRACE_ABI_MARKER	"riptides_abi_v1"

/* longest SPIFFE ID, in bytes, excluding the terminating NUL */
#define RIPTIDES_SPIFFE_MAX		2048
/* longest certificate serial number, in bytes (RFC 5280) */
#define RIPTIDES_SERIAL_MAX		20

/* riptides_conn.direction */
#define RIPTIDES_DIR_OUT		1	/* local workload connects */
#define RIPTIDES_DIR_IN			2	/* local workload accepts */

/* policy_decision: decision */
#define RIPTIDES_ALLOW			1
#define RIPTIDES_DENY			2

/* policy_decision: tls_mode */
#define RIPTIDES_TLS_MUTUAL		1	/* both ends have identities */
#define RIPTIDES_TLS_SIMPLE		2	/* only the local end has one */
#define RIPTIDES_TLS_PERMISSIVE		3	/* denials logged, not enforced */
#define RIPTIDES_TLS_PASSTHROUGH	4	/* unmanaged, not intercepted */

/* policy_decision: reason */
#define RIPTIDES_REASON_RULE_PORT	1	/* allow: rule on the peer port */
#define RIPTIDES_REASON_RULE_PEER	2	/* allow: rule on the peer ID */
#define RIPTIDES_REASON_NO_RULE		3	/* deny: no rule matched */
#define RIPTIDES_REASON_UNMANAGED	4	/* allow: workload has no ID */
#define RIPTIDES_REASON_HANDSHAKE	5	/* deny: handshake failed */
#define RIPTIDES_REASON_EXPIRED		6	/* deny: local ID expired */
#define RIPTIDES_REASON_PERMISSIVE	7	/* allow: would deny, permissive */
#define RIPTIDES_REASON_NOT_YET_VALID	8	/* deny: local ID not valid yet */
#define RIPTIDES_REASON_OVERLOAD	9	/* deny: could not be tracked */
/*
 * Reason codes may be added within a version (observers pass an unknown
 * one through as its number); an existing code never changes meaning.
 */

/* policy_decision: rule when no rule matched */
#define RIPTIDES_NO_RULE_INDEX		0xffffffffU

/*
 * What conn_intercept reports about a new connection.  Ports are in host
 * byte order; addresses in network byte order, IPv4 in the first 4 bytes
 * and the remaining 12 bytes zero.  pid/tgid/uid/cgroup_id describe the
 * owning workload (the task that connected or the listener's owner), uid in
 * the initial user namespace, cgroup_id the cgroup v2 id of the socket.
 */
struct riptides_conn {
	__u64 cookie;
	__u64 cgroup_id;
	__u32 pid;
	__u32 tgid;
	__u32 uid;
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 lport;
	__u16 rport;
	__u8 direction;		/* RIPTIDES_DIR_* */
	__u8 reserved;		/* zero */
	__u8 laddr[16];
	__u8 raddr[16];
};

/* never NULL inside the events below */
#define RIPTIDES_STR(s)		((s) ? (s) : "")

#endif /* _RIPTIDES_TRACE_TYPES */

/*
 * riptides_abi_v1: version marker, never fired.  Its presence in a module
 * says every event below is defined there with exactly these prototypes.
 */
DECLARE_TRACE(riptides_abi_v1,
	TP_PROTO(u32 version),
	TP_ARGS(version));

/*
 * conn_intercept: the enforcement point saw a new TCP connection of a local
 * workload, before any policy applied.  local_id: the workload's SPIFFE ID,
 * "" if it has none.
 */
TRACE_EVENT(conn_intercept,

	TP_PROTO(const struct riptides_conn *c, const char *local_id),

	TP_ARGS(c, local_id),

	TP_STRUCT__entry(
		__field(u64, cookie)
		__field(u64, cgroup_id)
		__field(u32, pid)
		__field(u32, tgid)
		__field(u32, uid)
		__field(u16, family)
		__field(u16, lport)
		__field(u16, rport)
		__field(u8, direction)
		__array(u8, laddr, 16)
		__array(u8, raddr, 16)
		__string(local_id, RIPTIDES_STR(local_id))
	),

	TP_fast_assign(
		__entry->cookie = c->cookie;
		__entry->cgroup_id = c->cgroup_id;
		__entry->pid = c->pid;
		__entry->tgid = c->tgid;
		__entry->uid = c->uid;
		__entry->family = c->family;
		__entry->lport = c->lport;
		__entry->rport = c->rport;
		__entry->direction = c->direction;
		memcpy(__entry->laddr, c->laddr, 16);
		memcpy(__entry->raddr, c->raddr, 16);
		memcpy(__get_str(local_id), RIPTIDES_STR(local_id),
		       __get_dynamic_array_len(local_id));
	),

	TP_printk("cookie=%llu dir=%u family=%u lport=%u rport=%u uid=%u pid=%u cgroup=%llu local_id=%s",
		  __entry->cookie, __entry->direction, __entry->family,
		  __entry->lport, __entry->rport, __entry->uid, __entry->pid,
		  __entry->cgroup_id, __get_str(local_id))
);

/*
 * policy_decision: the verdict on connection cookie.  peer_id is "" when
 * the peer's identity is unknown.  rule is the index of the rule that
 * decided, or RIPTIDES_NO_RULE_INDEX.  A RIPTIDES_DENY connection is
 * refused by the enforcement point.
 */
TRACE_EVENT(policy_decision,

	TP_PROTO(u64 cookie, const char *local_id, const char *peer_id,
		 u8 decision, u8 tls_mode, u16 reason, u32 rule),

	TP_ARGS(cookie, local_id, peer_id, decision, tls_mode, reason, rule),

	TP_STRUCT__entry(
		__field(u64, cookie)
		__field(u32, rule)
		__field(u16, reason)
		__field(u8, decision)
		__field(u8, tls_mode)
		__string(local_id, RIPTIDES_STR(local_id))
		__string(peer_id, RIPTIDES_STR(peer_id))
	),

	TP_fast_assign(
		__entry->cookie = cookie;
		__entry->rule = rule;
		__entry->reason = reason;
		__entry->decision = decision;
		__entry->tls_mode = tls_mode;
		memcpy(__get_str(local_id), RIPTIDES_STR(local_id),
		       __get_dynamic_array_len(local_id));
		memcpy(__get_str(peer_id), RIPTIDES_STR(peer_id),
		       __get_dynamic_array_len(peer_id));
	),

	TP_printk("cookie=%llu decision=%u tls_mode=%u reason=%u rule=%d local_id=%s peer_id=%s",
		  __entry->cookie, __entry->decision, __entry->tls_mode,
		  __entry->reason, (int)__entry->rule, __get_str(local_id),
		  __get_str(peer_id))
);

/* handshake_start: a TLS handshake of version tls_version (0x0304 = 1.3) */
TRACE_EVENT(handshake_start,

	TP_PROTO(u64 cookie, u16 tls_version),

	TP_ARGS(cookie, tls_version),

	TP_STRUCT__entry(
		__field(u64, cookie)
		__field(u16, tls_version)
	),

	TP_fast_assign(
		__entry->cookie = cookie;
		__entry->tls_version = tls_version;
	),

	TP_printk("cookie=%llu tls_version=0x%04x", __entry->cookie,
		  __entry->tls_version)
);

/*
 * handshake_done: the handshake that handshake_start began ended with
 * result (0 or -errno) after duration_ns; peer_id is the identity the peer
 * proved, "" on failure.
 */
TRACE_EVENT(handshake_done,

	TP_PROTO(u64 cookie, u16 tls_version, int result, u64 duration_ns,
		 const char *peer_id),

	TP_ARGS(cookie, tls_version, result, duration_ns, peer_id),

	TP_STRUCT__entry(
		__field(u64, cookie)
		__field(u64, duration_ns)
		__field(int, result)
		__field(u16, tls_version)
		__string(peer_id, RIPTIDES_STR(peer_id))
	),

	TP_fast_assign(
		__entry->cookie = cookie;
		__entry->duration_ns = duration_ns;
		__entry->result = result;
		__entry->tls_version = tls_version;
		memcpy(__get_str(peer_id), RIPTIDES_STR(peer_id),
		       __get_dynamic_array_len(peer_id));
	),

	TP_printk("cookie=%llu tls_version=0x%04x result=%d duration_ns=%llu peer_id=%s",
		  __entry->cookie, __entry->tls_version, __entry->result,
		  __entry->duration_ns, __get_str(peer_id))
);

/*
 * conn_close: an intercepted, allowed connection closed.  Byte counts are
 * payload bytes: bytes_sent each byte transmitted once (retransmissions not
 * counted again), bytes_received each byte received in order; SYN and FIN
 * are not counted.  duration_ns runs from conn_intercept.
 */
TRACE_EVENT(conn_close,

	TP_PROTO(u64 cookie, u64 bytes_sent, u64 bytes_received,
		 u64 duration_ns),

	TP_ARGS(cookie, bytes_sent, bytes_received, duration_ns),

	TP_STRUCT__entry(
		__field(u64, cookie)
		__field(u64, bytes_sent)
		__field(u64, bytes_received)
		__field(u64, duration_ns)
	),

	TP_fast_assign(
		__entry->cookie = cookie;
		__entry->bytes_sent = bytes_sent;
		__entry->bytes_received = bytes_received;
		__entry->duration_ns = duration_ns;
	),

	TP_printk("cookie=%llu sent=%llu received=%llu duration_ns=%llu",
		  __entry->cookie, __entry->bytes_sent, __entry->bytes_received,
		  __entry->duration_ns)
);

/*
 * identity_*: a workload identity (an X.509 SVID) changed state.  serial is
 * the certificate serial number, big-endian, serial_len bytes (at most
 * RIPTIDES_SERIAL_MAX); not_before/not_after are Unix seconds.
 */
DECLARE_EVENT_CLASS(riptides_identity,

	TP_PROTO(const char *spiffe_id, const u8 *serial, u8 serial_len,
		 s64 not_before, s64 not_after),

	TP_ARGS(spiffe_id, serial, serial_len, not_before, not_after),

	TP_STRUCT__entry(
		__field(s64, not_before)
		__field(s64, not_after)
		__field(u8, serial_len)
		__array(u8, serial, RIPTIDES_SERIAL_MAX)
		__string(spiffe_id, RIPTIDES_STR(spiffe_id))
	),

	TP_fast_assign(
		__entry->not_before = not_before;
		__entry->not_after = not_after;
		__entry->serial_len = min_t(u8, serial_len,
					    RIPTIDES_SERIAL_MAX);
		memset(__entry->serial, 0, RIPTIDES_SERIAL_MAX);
		memcpy(__entry->serial, serial, __entry->serial_len);
		memcpy(__get_str(spiffe_id), RIPTIDES_STR(spiffe_id),
		       __get_dynamic_array_len(spiffe_id));
	),

	TP_printk("spiffe_id=%s serial=%s not_before=%lld not_after=%lld",
		  __get_str(spiffe_id),
		  __print_hex(__entry->serial, __entry->serial_len),
		  __entry->not_before, __entry->not_after)
);

/* first certificate of a new workload identity */
DEFINE_EVENT(riptides_identity, identity_issued,
	TP_PROTO(const char *spiffe_id, const u8 *serial, u8 serial_len,
		 s64 not_before, s64 not_after),
	TP_ARGS(spiffe_id, serial, serial_len, not_before, not_after));

/* a new certificate replaced the previous one of the same identity */
DEFINE_EVENT(riptides_identity, identity_rotated,
	TP_PROTO(const char *spiffe_id, const u8 *serial, u8 serial_len,
		 s64 not_before, s64 not_after),
	TP_ARGS(spiffe_id, serial, serial_len, not_before, not_after));

/* the certificate's not_after passed while the identity was in use */
DEFINE_EVENT(riptides_identity, identity_expired,
	TP_PROTO(const char *spiffe_id, const u8 *serial, u8 serial_len,
		 s64 not_before, s64 not_after),
	TP_ARGS(spiffe_id, serial, serial_len, not_before, not_after));

/* the identity was withdrawn from the workload */
DEFINE_EVENT(riptides_identity, identity_revoked,
	TP_PROTO(const char *spiffe_id, const u8 *serial, u8 serial_len,
		 s64 not_before, s64 not_after),
	TP_ARGS(spiffe_id, serial, serial_len, not_before, not_after));

#endif /* _RIPTIDES_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE riptides_trace
#include <trace/define_trace.h>
