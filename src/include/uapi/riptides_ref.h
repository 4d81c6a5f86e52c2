/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * riptides_ref.h - generic netlink API of riptides_ref.ko, the reference
 * identity enforcement module (development, tests and demo only).
 *
 * Family RIPTIDES_REF_GENL_NAME, version RIPTIDES_REF_GENL_VERSION.  Every
 * command that changes state needs CAP_NET_ADMIN (GENL_ADMIN_PERM); every
 * attribute is validated by the family's policy, and a request that fails
 * validation changes nothing.
 *
 * The policy table:
 *   workloads: selector -> SPIFFE ID (+ certificate serial and validity).
 *     A selector is exactly one of: uid, executable (path, resolved to the
 *     file's device and inode when loaded), cgroup v2 id.  A connection's
 *     workload is the first match in the order exe, cgroup, uid.
 *   rules: local SPIFFE ID -> peer port, or local SPIFFE ID -> peer ID.
 *     A connection of a workload with an ID is allowed only if a rule
 *     matches; workloads without an ID are not managed (passthrough).
 *     A workload whose certificate is not valid yet (NOT_BEFORE in the
 *     future) or any more (NOT_AFTER past) is denied.  An allowed
 *     connection the module cannot track (max_conns of them open) is
 *     refused, so that its retransmitted SYN is never decided again.
 */
#ifndef _UAPI_RIPTIDES_REF_H
#define _UAPI_RIPTIDES_REF_H

#define RIPTIDES_REF_GENL_NAME		"riptides_ref"
#define RIPTIDES_REF_GENL_VERSION	1

#define RIPTIDES_REF_MAX_WORKLOADS	256
#define RIPTIDES_REF_MAX_RULES		256

enum riptides_ref_cmd {
	RREF_CMD_UNSPEC,
	RREF_CMD_WORKLOAD_SET,	/* selector + SPIFFE_ID [+ SERIAL, NOT_*] */
	RREF_CMD_WORKLOAD_DEL,	/* selector */
	RREF_CMD_RULE_ADD,	/* LOCAL_ID + (PEER_PORT | PEER_ID) */
	RREF_CMD_FLUSH,		/* drop every workload and rule */
	RREF_CMD_CONFIG,	/* any of TLS_VERSION, FAIL_PERMILLE, PERMISSIVE */
	RREF_CMD_STATUS,	/* reply: counts and configuration */
	__RREF_CMD_MAX,
};
#define RREF_CMD_MAX (__RREF_CMD_MAX - 1)

enum riptides_ref_attr {
	RREF_A_UNSPEC,
	RREF_A_SEL_UID,		/* u32 */
	RREF_A_SEL_EXE,		/* NUL-terminated absolute path */
	RREF_A_SEL_CGROUP,	/* u64 cgroup v2 id */
	RREF_A_SPIFFE_ID,	/* NUL-terminated "spiffe://..." */
	RREF_A_SERIAL,		/* binary, 1..20 bytes */
	RREF_A_NOT_BEFORE,	/* s64 Unix seconds */
	RREF_A_NOT_AFTER,	/* s64 Unix seconds */
	RREF_A_LOCAL_ID,	/* NUL-terminated SPIFFE ID */
	RREF_A_PEER_PORT,	/* u16, 1..65535 */
	RREF_A_PEER_ID,		/* NUL-terminated SPIFFE ID */
	/*
	 * SIMULATED handshake: no TLS happens.  The module only pretends a
	 * handshake of this version took place and fails one in
	 * FAIL_PERMILLE/1000 of them, to exercise the handshake events.
	 */
	RREF_A_TLS_VERSION,	/* u16, 0x0301..0x0304 */
	RREF_A_FAIL_PERMILLE,	/* u32, 0..1000 */
	RREF_A_PERMISSIVE,	/* u8, 0 or 1: log denials, do not enforce */
	RREF_A_WORKLOADS,	/* u32, STATUS reply */
	RREF_A_RULES,		/* u32, STATUS reply */
	RREF_A_DENIED,		/* u64, STATUS reply: connections refused */
	RREF_A_ALLOWED,		/* u64, STATUS reply: connections allowed */
	RREF_A_LISTENERS,	/* u32, STATUS reply: listener entries in use
				 * (as RREF_A_CONNS)
				 */
	RREF_A_LISTENERS_FULL,	/* u64, STATUS reply: listeners not recorded,
				 * the table (max_listeners) was full: their
				 * peers' identities are unknown
				 */
	RREF_A_CONNS,		/* u32, STATUS reply: tracking entries in use
				 * (open connections, and closed ones for a
				 * grace period before their entry is reused)
				 */
	RREF_A_CONNS_FULL,	/* u64, STATUS reply: connections refused
				 * because the tracking table (max_conns) was
				 * full (RIPTIDES_REASON_OVERLOAD)
				 */
	__RREF_A_MAX,
};
#define RREF_A_MAX (__RREF_A_MAX - 1)

#endif /* _UAPI_RIPTIDES_REF_H */
