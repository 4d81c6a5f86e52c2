/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * riptel.h - the one user/kernel ABI of riptel: device, ioctls, mmap layout,
 * ring control pages and record formats.
 *
 * Everything user space may rely on is defined here and nowhere else; the
 * module and riptel-agent both include this file.  Change anything below and
 * RIPTEL_ABI_VERSION must go up: the agent refuses a module whose version
 * differs and names both numbers.
 *
 * Types are __u8.._u64 only, every structure carries explicit reserved fields
 * (always zero today), and the sizes are pinned by static asserts at the end.
 *
 * History (what a reader of the previous version must know):
 *   1  first version.
 *   2  Rings exist only for CPUs that have been online: a ring is created
 *      (on its CPU's memory node) when its CPU first comes online and stays
 *      until unload.  riptel_info.nr_rings counts the rings created so far;
 *      poll() reports EPOLLPRI while it is above the value this file last
 *      read through RIPTEL_IOC_INFO, and mmap of a possible CPU without a
 *      ring fails with ENXIO, as an impossible CPU does.  v1 created every
 *      possible CPU's ring at load (nr_rings absent, reserved zero).
 *      riptel_rec_conn carries the provider's pid and tgid (v1: reserved).
 *      Record control: PROVIDER and IDENTITY records (about no process)
 *      pass every pid/cgroup filter; CONN_INTERCEPT is filtered on the
 *      provider's tgid and cgroup id (v1: the current task's).  CTL_GET
 *      sends PIDS and CGROUPS to CAP_NET_ADMIN callers only, NR_PIDS and
 *      NR_CGROUPS to everyone (v1: the lists to everyone).  RINGS: TAIL is
 *      the consumer's tail clamped to [last tail accepted, HEAD] (v1: the
 *      producer's cached tail).  Wake-ups: a sleeping reader is woken by
 *      the record that takes a ring to the watermark whatever kind of
 *      reader it is (poll, epoll edge-triggered, io_uring multishot).
 */
#ifndef _UAPI_RIPTEL_H
#define _UAPI_RIPTEL_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define RIPTEL_ABI_VERSION	2
#define RIPTEL_DEVICE_NAME	"riptel"	/* /dev/riptel */

/*
 * Memory layout, per CPU ring.  A ring exists for every CPU that has been
 * online since the module loaded (created when the CPU first comes up, on
 * its memory node, and kept while it is offline).  Each region is its own
 * mapping, chosen by the mmap offset (never guessed from the length):
 *
 *   offset = (cpu << 32) | (region << 28)
 *
 *   region 0: producer page  (1 page, read-only)   struct riptel_prod_page
 *   region 1: consumer page  (1 page, read-write)  struct riptel_cons_page
 *   region 2: data           (data_size bytes, read-only)
 *
 *   data: data_size is a power of two and a multiple of the record size,
 *   so a record never wraps and position & (data_size - 1) is its offset.
 *
 *   +---------------------------------------------------------------+
 *   | rec | rec | rec | ...                                   | rec |
 *   +---------------------------------------------------------------+
 *     ^ tail & mask (next to read)     ^ head & mask (next to write)
 *
 * head and tail are free-running 64-bit byte positions:
 *   0 <= head - tail <= data_size,  records live in [tail, head).
 *
 * Protocol:
 *   producer (kernel): writes a record at head, then
 *       smp_store_release(&prod->head, head + RIPTEL_RECORD_SIZE)
 *   consumer (user):   h = smp_load_acquire(&prod->head);
 *                      read records in [tail, h);
 *                      smp_store_release(&cons->tail, h)
 *   The producer reads cons->tail with smp_load_acquire and never trusts
 *   it: a tail behind the last tail it accepted, ahead of the published
 *   head, or not record-aligned is ignored (the last accepted tail stays in
 *   force) and counted once in prod->consumer_errors.  A bad tail can only
 *   make the ring look fuller, never make the kernel overwrite unread data
 *   or touch memory outside the ring.  The tail is read when the ring looks
 *   full by the last accepted tail, or to decide a reader's wake-up.
 *
 * Mapping the producer page or the data region writable fails with EPERM
 * (and mprotect cannot add write later).  A wrong length or offset fails
 * with EINVAL, a CPU without a ring (impossible, or never online yet) with
 * ENXIO.
 */
#define RIPTEL_MMAP_CPU_SHIFT		32
#define RIPTEL_MMAP_REGION_SHIFT	28
#define RIPTEL_REGION_PROD		0
#define RIPTEL_REGION_CONS		1
#define RIPTEL_REGION_DATA		2
#define RIPTEL_MMAP_OFFSET(cpu, region)					\
	(((__u64)(cpu) << RIPTEL_MMAP_CPU_SHIFT) |			\
	 ((__u64)(region) << RIPTEL_MMAP_REGION_SHIFT))
/* the data region must fit below the next region's offset */
#define RIPTEL_MAX_DATA_SIZE		(1ULL << RIPTEL_MMAP_REGION_SHIFT)

/* Fixed record size: two 64-byte cache lines. */
#define RIPTEL_RECORD_SIZE	128

/* Record types.  Drop counters are kept per type, indexed by this value. */
enum riptel_rec_type {
	RIPTEL_REC_NONE			= 0,
	RIPTEL_REC_EXEC			= 1,	/* sched:sched_process_exec */
	RIPTEL_REC_FORK			= 2,	/* sched:sched_process_fork */
	RIPTEL_REC_EXIT			= 3,	/* sched:sched_process_exit */
	RIPTEL_REC_TCP_STATE		= 4,	/* sock:inet_sock_set_state */
	RIPTEL_REC_CONN_INTERCEPT	= 5,	/* riptides:conn_intercept */
	RIPTEL_REC_POLICY_DECISION	= 6,	/* riptides:policy_decision */
	RIPTEL_REC_HANDSHAKE_START	= 7,	/* riptides:handshake_start */
	RIPTEL_REC_HANDSHAKE_DONE	= 8,	/* riptides:handshake_done */
	RIPTEL_REC_CONN_CLOSE		= 9,	/* riptides:conn_close */
	RIPTEL_REC_IDENTITY		= 10,	/* riptides:identity_* */
	RIPTEL_REC_PROVIDER		= 11,	/* provider attached/detached */
	RIPTEL_REC_TEST			= 12,	/* test module and benchmark only */
	RIPTEL_REC_TYPE_MAX		= 16	/* size of per-type arrays */
};

/* riptel_rec_hdr.flags: the context the record was written from. */
#define RIPTEL_RF_HARDIRQ	(1U << 0)
#define RIPTEL_RF_SOFTIRQ	(1U << 1)
#define RIPTEL_RF_TRUNCATED	(1U << 2)	/* a string field was cut */
/* pid/tgid describe whatever task the CPU was running, not the subject */
#define RIPTEL_RF_NO_TASK	(1U << 3)

/*
 * Common header, 32 bytes.
 *   seq:   per-CPU sequence number.  Every record a probe tries to write
 *          takes the next number, stored or dropped, so a gap in the
 *          sequence a reader sees is exactly the records dropped there.
 *   ts_ns: CLOCK_MONOTONIC nanoseconds, never falling along one CPU's
 *          seq.  On x86 extrapolated from the TSC off a per-CPU anchor
 *          read from ktime_get_mono_fast_ns() at least every millisecond
 *          (late, never early, by under 1 us plus at most 0.5 us under
 *          the largest NTP slew; typically tens of ns);
 *          elsewhere, or with the TSC marked unstable, read per record.
 *          The agent adds (CLOCK_REALTIME - CLOCK_MONOTONIC) for Unix time.
 */
struct riptel_rec_hdr {
	__u16 type;		/* enum riptel_rec_type */
	__u16 size;		/* RIPTEL_RECORD_SIZE */
	__u16 cpu;
	__u16 flags;		/* RIPTEL_RF_* */
	__u32 pid;		/* current task, kernel pid (thread id) */
	__u32 tgid;		/* current task, kernel tgid (process id) */
	__u64 seq;
	__u64 ts_ns;
};

#define RIPTEL_COMM_LEN		16
#define RIPTEL_PAYLOAD_SIZE	(RIPTEL_RECORD_SIZE - 32)

/* RIPTEL_REC_EXEC: the subject is the header's pid/tgid. */
struct riptel_rec_exec {
	__u64 cgroup_id;	/* cgroup v2 id (inode of the cgroup dir) */
	__u32 uid;		/* real uid, in the initial user namespace */
	__u32 gid;
	__u32 ppid;		/* tgid of the real parent */
	__u32 old_pid;		/* pid before exec (differs for a thread exec) */
	char comm[RIPTEL_COMM_LEN];	/* after exec, NUL-terminated */
	/* last bytes of the path given to exec, NUL-terminated; when the path
	 * is longer, the tail is kept and RIPTEL_RF_TRUNCATED is set
	 */
	char filename[56];
};

/* RIPTEL_REC_FORK: header pid/tgid is the parent. */
struct riptel_rec_fork {
	__u64 cgroup_id;
	__u32 child_pid;
	__u32 child_tgid;	/* == child_pid for a new process */
	__u32 uid;
	__u32 gid;
	char comm[RIPTEL_COMM_LEN];
	__u8 reserved[56];
};

/* RIPTEL_REC_EXIT: one per exiting thread; pid == tgid is the process. */
struct riptel_rec_exit {
	__u64 cgroup_id;
	__u32 uid;
	__u32 gid;
	__u32 exit_code;	/* raw task->exit_code (wait(2) status) */
	__u32 reserved0;
	char comm[RIPTEL_COMM_LEN];
	__u8 reserved[56];
};

/*
 * RIPTEL_REC_TCP_STATE.  Ports in host byte order; addresses in network
 * byte order, IPv4 in the first 4 bytes and the rest zero.  Often fired in
 * softirq context: then RIPTEL_RF_NO_TASK is set in the header.
 */
struct riptel_rec_tcp_state {
	__u64 sock_cookie;	/* socket cookie, as SO_COOKIE reports it */
	__u32 uid;		/* socket owner (sk_uid) */
	__u32 netns_ino;	/* network namespace inode number */
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 sport;
	__u16 dport;
	__u8 oldstate;		/* TCP_ESTABLISHED = 1 ... as in <netinet/tcp.h> */
	__u8 newstate;
	__u8 saddr[16];
	__u8 daddr[16];
	__u8 reserved[40];
};

/* A reference to an interned SPIFFE ID; {0, 0} means "none". */
struct riptel_spiffe_ref {
	__u32 id;
	__u32 gen;
};

#define RIPTEL_DIR_OUT		1
#define RIPTEL_DIR_IN		2

/*
 * RIPTEL_REC_CONN_INTERCEPT.  The subject is the owning workload the
 * provider names (pid/tgid 0: it did not know, e.g. in softirq); the
 * header's pid/tgid are whatever task ran when the event fired.
 */
struct riptel_rec_conn {
	__u64 sock_cookie;
	__u64 cgroup_id;	/* the socket's cgroup v2 id */
	__u32 uid;
	__u8 direction;		/* RIPTEL_DIR_* */
	__u8 reserved0;
	__u16 family;
	__u16 lport;
	__u16 rport;
	__u32 tgid;		/* the workload's process, 0 if unknown */
	__u8 laddr[16];
	__u8 raddr[16];
	struct riptel_spiffe_ref local_id;
	__u32 pid;		/* the workload's thread, 0 if unknown */
	__u8 reserved[20];
};

#define RIPTEL_DECISION_ALLOW	1
#define RIPTEL_DECISION_DENY	2

#define RIPTEL_TLS_MODE_MUTUAL		1
#define RIPTEL_TLS_MODE_SIMPLE		2
#define RIPTEL_TLS_MODE_PERMISSIVE	3
#define RIPTEL_TLS_MODE_PASSTHROUGH	4

/* RIPTEL_REC_POLICY_DECISION */
struct riptel_rec_decision {
	__u64 sock_cookie;
	struct riptel_spiffe_ref local_id;
	struct riptel_spiffe_ref peer_id;
	__u8 decision;		/* RIPTEL_DECISION_* */
	__u8 tls_mode;		/* RIPTEL_TLS_MODE_* */
	__u16 reason;		/* provider's reason code, see riptides trace ABI */
	__u32 rule;		/* index of the rule that matched, or ~0 */
	__u8 reserved[64];
};

/* RIPTEL_REC_HANDSHAKE_START and RIPTEL_REC_HANDSHAKE_DONE */
struct riptel_rec_handshake {
	__u64 sock_cookie;
	struct riptel_spiffe_ref peer_id;	/* DONE only */
	__u16 tls_version;	/* e.g. 0x0304 for TLS 1.3 */
	__u16 reserved0;
	__s32 result;		/* DONE: 0 or -errno */
	__u64 duration_ns;	/* DONE: since the matching START */
	__u8 reserved[64];
};

/* RIPTEL_REC_CONN_CLOSE */
struct riptel_rec_close {
	__u64 sock_cookie;
	__u64 bytes_sent;
	__u64 bytes_received;
	__u64 duration_ns;
	__u8 reserved[64];
};

#define RIPTEL_ID_ISSUED	1
#define RIPTEL_ID_ROTATED	2
#define RIPTEL_ID_EXPIRED	3
#define RIPTEL_ID_REVOKED	4

/* RIPTEL_REC_IDENTITY */
struct riptel_rec_identity {
	struct riptel_spiffe_ref id;
	__u8 op;		/* RIPTEL_ID_* */
	__u8 serial_len;	/* bytes used in serial */
	__u16 reserved0;
	__u32 reserved1;
	__u8 serial[20];	/* X.509 serial number, big-endian */
	__u32 reserved2;
	__s64 not_before;	/* Unix seconds */
	__s64 not_after;
	__u8 reserved[40];
};

#define RIPTEL_PROVIDER_ATTACH	1
#define RIPTEL_PROVIDER_DETACH	2

/* RIPTEL_REC_PROVIDER */
struct riptel_rec_provider {
	__u32 op;		/* RIPTEL_PROVIDER_* */
	__u32 events;		/* tracepoints attached */
	char name[56];		/* providing module, NUL-terminated */
	__u8 reserved[32];
};

/* RIPTEL_REC_TEST: words[i] == riptel_test_word(seq, i) (see below) */
struct riptel_rec_test {
	__u32 source;		/* generator-defined: process/softirq/hardirq */
	__u32 reserved0;
	__u64 words[11];
};

/* The pattern a test record carries, so a reader can prove it is whole. */
static inline __u64 riptel_test_word(__u64 seq, __u32 i)
{
	return (seq * 0x9e3779b97f4a7c15ULL) ^ ((__u64)(i + 1) << 56);
}

struct riptel_record {
	struct riptel_rec_hdr hdr;
	union {
		struct riptel_rec_exec exec;
		struct riptel_rec_fork fork;
		struct riptel_rec_exit exit;
		struct riptel_rec_tcp_state tcp;
		struct riptel_rec_conn conn;
		struct riptel_rec_decision decision;
		struct riptel_rec_handshake handshake;
		struct riptel_rec_close close;
		struct riptel_rec_identity identity;
		struct riptel_rec_provider provider;
		struct riptel_rec_test test;
		__u8 raw[RIPTEL_PAYLOAD_SIZE];
	};
};

/*
 * Producer page (read-only to user space).  Only the owning CPU writes it.
 * Counters are exact: once the reader has drained and no probe runs,
 *   written == records consumed + dropped
 *   sum(dropped_type[]) == dropped
 */
struct riptel_prod_page {
	__u64 head;		/* published byte position, store-release */
	__u64 written;		/* records offered; also the next seq */
	__u64 dropped;		/* records not stored (ring full or nested) */
	__u64 consumer_errors;	/* bad tails rejected */
	__u64 data_size;	/* bytes in the data region */
	__u32 cpu;
	__u32 record_size;
	__u32 abi_version;
	__u32 reserved0;
	__u64 dropped_type[RIPTEL_REC_TYPE_MAX];
	/* events lost in NMI context: never offered, so they take no sequence
	 * number and are not in written or dropped
	 */
	__u64 dropped_nmi;
	/* of dropped: records whose writer interrupted another riptel writer
	 * on this CPU (a softirq or hardirq probe firing mid-record)
	 */
	__u64 dropped_nested;
	__u64 reserved[7];
};

/* Consumer page (read-write): the only thing user space writes. */
struct riptel_cons_page {
	__u64 tail;		/* consumed byte position, store-release */
	__u64 reserved[7];
};

/* RIPTEL_IOC_INFO */
struct riptel_info {
	__u32 abi_version;
	__u32 record_size;
	__u32 nr_cpus;		/* rings may exist for CPUs < nr_cpus */
	__u32 page_size;
	__u64 data_size;	/* per-CPU data region bytes */
	__u32 watermark;	/* bytes pending that trigger a wake-up */
	__u32 flush_ms;		/* a waiting reader is woken within this */
	/*
	 * Rings created so far; only grows (a CPU's first online).  Reading
	 * it here acknowledges it: poll() reports EPOLLPRI while nr_rings is
	 * above the value this file last read, so a reader that mapped every
	 * ring at start learns of a new one and maps it (mmap ENXIO: not yet).
	 */
	__u32 nr_rings;
	__u32 reserved0;
	__u64 reserved[5];
};

/*
 * ioctls on /dev/riptel.  RIPTEL_IOC_ABI_VERSION never changes shape, so an
 * agent can always ask it first and report a mismatch by number.  Unknown
 * commands return -ENOTTY.
 */
#define RIPTEL_IOC_MAGIC	0xB7
#define RIPTEL_IOC_ABI_VERSION	_IOR(RIPTEL_IOC_MAGIC, 0, __u32)
#define RIPTEL_IOC_INFO		_IOR(RIPTEL_IOC_MAGIC, 1, struct riptel_info)

/*
 * Generic netlink family "riptel": resolves the SPIFFE IDs that identity
 * records carry as struct riptel_spiffe_ref, and reports the intern table
 * and the attached identity providers.  Every attribute is validated by
 * the family's policy; unknown attributes are rejected.
 *
 *   RESOLVE (CAP_NET_ADMIN)  ID, GEN -> ID, GEN, SPIFFE_ID; errors:
 *                            ENOENT (never issued or freed), ESTALE (the id
 *                            was recycled: GEN is not the current one)
 *   LIST    (CAP_NET_ADMIN)  dump: one message per live entry, ID GEN SPIFFE_ID
 *   INTERN  (CAP_NET_ADMIN)  SPIFFE_ID -> ID, GEN (tests and tools)
 *   STATUS                   the INTERN_* counters and one nested PROVIDER
 *                            (PROVIDER_NAME, PROVIDER_EVENTS) per provider;
 *                            MODULE_VERSION, ABI_VERSION, RING_PAGES and one
 *                            nested TRACEPOINT (TP_NAME, TP_ATTACHED) per
 *                            tracepoint riptel probes
 *
 * Record control (kmod/ctl.c).  A record is offered to the ring only if its
 * type is enabled, its subject passes the filters and it survives sampling;
 * records stopped here take no sequence number and are not ring drops: they
 * are counted per type as DISABLED, FILTERED or SAMPLED_OUT.  The subject is
 * the process (tgid) and cgroup a record is about: exec/exit the task, fork
 * the parent, tcp_state the socket's cgroup and, in task context only, the
 * current process; conn_intercept the tgid and cgroup id the provider
 * gives; policy_decision, handshake_* and conn_close the current process
 * and its cgroup in task context only.  A record about a process whose
 * subject is not known fails an active filter.  Records about no process
 * (PROVIDER, IDENTITY) are not subject to the pid and cgroup filters.
 * With both lists set a record must match both.
 *
 *   CTL_GET                  TYPE_MASK, NR_PIDS, NR_CGROUPS, and PIDS and
 *                            CGROUPS to CAP_NET_ADMIN callers only (which
 *                            processes the administrator watches is theirs
 *                            to know), and one nested TYPE_STATS (TYPE,
 *                            SAMPLE_RATE, DISABLED, FILTERED, SAMPLED_OUT)
 *                            per known type
 *   CTL_SET (CAP_NET_ADMIN)  any of: TYPES_ON, TYPES_OFF (u32 masks, bit t =
 *                            type t, 1..RIPTEL_REC_TEST; a type in both is
 *                            EINVAL), TYPE + SAMPLE_RATE (keep 1 in N per
 *                            CPU, 1..RIPTEL_SAMPLE_MAX), FILTER_CLEAR
 *                            (RIPTEL_CLEAR_*), PID_DEL, CGROUP_DEL, PID_ADD,
 *                            CGROUP_ADD, applied in that order.  All or
 *                            nothing: an error changes nothing.  ENOSPC:
 *                            list full; ENOENT: deleting an entry that is
 *                            not there; adding one twice is not an error.
 *   RINGS                    dump: one message per CPU ring (CPUs that
 *                            have been online), CPU DATA_SIZE HEAD TAIL
 *                            FILL WRITTEN DROPPED CONSUMER_ERRORS
 *                            DROPPED_NMI DROPPED_NESTED; TAIL is the
 *                            consumer's tail clamped to [the last tail the
 *                            producer accepted, HEAD], FILL = HEAD - TAIL
 *
 * CTL_GET and RINGS are open to every user: they show counters and type
 * settings, never record contents, identities or the filter lists.
 */
#define RIPTEL_GENL_NAME	"riptel"
#define RIPTEL_GENL_VERSION	1
#define RIPTEL_SPIFFE_MAX	2048	/* bytes, excluding the NUL */

enum riptel_genl_cmd {
	RIPTEL_CMD_UNSPEC,
	RIPTEL_CMD_RESOLVE,
	RIPTEL_CMD_LIST,
	RIPTEL_CMD_INTERN,
	RIPTEL_CMD_STATUS,
	RIPTEL_CMD_CTL_GET,
	RIPTEL_CMD_CTL_SET,
	RIPTEL_CMD_RINGS,
	__RIPTEL_CMD_MAX,
};
#define RIPTEL_CMD_MAX (__RIPTEL_CMD_MAX - 1)

enum riptel_genl_attr {
	RIPTEL_A_UNSPEC,
	RIPTEL_A_ID,			/* u32, non-zero */
	RIPTEL_A_GEN,			/* u32, non-zero */
	RIPTEL_A_SPIFFE_ID,		/* NUL-terminated string */
	RIPTEL_A_INTERN_SLOTS,		/* u32: table size */
	RIPTEL_A_INTERN_USED,		/* u32: live entries */
	RIPTEL_A_INTERN_INSERTS,	/* u64: strings added */
	RIPTEL_A_INTERN_EVICTIONS,	/* u64: entries evicted to make room */
	RIPTEL_A_INTERN_FAILED,		/* u64: not interned (too long, no memory) */
	RIPTEL_A_PROVIDER,		/* nested, repeated */
	RIPTEL_A_PROVIDER_NAME,		/* string: module name */
	RIPTEL_A_PROVIDER_EVENTS,	/* u32: tracepoints attached */
	RIPTEL_A_PAD,
	RIPTEL_A_MODULE_VERSION,	/* string */
	RIPTEL_A_ABI_VERSION,		/* u32: RIPTEL_ABI_VERSION */
	RIPTEL_A_RING_PAGES,		/* u32: data pages per CPU ring */
	RIPTEL_A_TRACEPOINT,		/* nested, repeated */
	RIPTEL_A_TP_NAME,		/* string: tracepoint name */
	RIPTEL_A_TP_ATTACHED,		/* u8: 1 if riptel's probe is on it */
	RIPTEL_A_TYPE_MASK,		/* u32: bit t set = type t enabled */
	RIPTEL_A_TYPES_ON,		/* u32: types to enable */
	RIPTEL_A_TYPES_OFF,		/* u32: types to disable */
	RIPTEL_A_TYPE,			/* u32: enum riptel_rec_type, 1..15 */
	RIPTEL_A_SAMPLE_RATE,		/* u32: keep 1 in N */
	RIPTEL_A_PID_ADD,		/* u32: tgid, non-zero */
	RIPTEL_A_PID_DEL,		/* u32 */
	RIPTEL_A_CGROUP_ADD,		/* u64: cgroup v2 id, non-zero */
	RIPTEL_A_CGROUP_DEL,		/* u64 */
	RIPTEL_A_FILTER_CLEAR,		/* u32: RIPTEL_CLEAR_* */
	RIPTEL_A_PIDS,			/* binary: __u32 array, the pid filter */
	RIPTEL_A_CGROUPS,		/* binary: __u64 array, the cgroup filter */
	RIPTEL_A_TYPE_STATS,		/* nested, repeated */
	RIPTEL_A_DISABLED,		/* u64: stopped, type disabled */
	RIPTEL_A_FILTERED,		/* u64: stopped by the pid/cgroup filter */
	RIPTEL_A_SAMPLED_OUT,		/* u64: stopped by sampling */
	RIPTEL_A_CPU,			/* u32 */
	RIPTEL_A_DATA_SIZE,		/* u64: bytes */
	RIPTEL_A_HEAD,			/* u64: byte position */
	RIPTEL_A_TAIL,			/* u64: consumer tail, clamped (see RINGS) */
	RIPTEL_A_FILL,			/* u64: bytes pending (HEAD - TAIL) */
	RIPTEL_A_WRITTEN,		/* u64 */
	RIPTEL_A_DROPPED,		/* u64 */
	RIPTEL_A_CONSUMER_ERRORS,	/* u64 */
	RIPTEL_A_DROPPED_NMI,		/* u64 */
	RIPTEL_A_DROPPED_NESTED,	/* u64: of DROPPED, nested writers */
	RIPTEL_A_NR_PIDS,		/* u32: entries in the pid filter */
	RIPTEL_A_NR_CGROUPS,		/* u32: entries in the cgroup filter */
	__RIPTEL_A_MAX,
};
#define RIPTEL_A_MAX (__RIPTEL_A_MAX - 1)

#define RIPTEL_FILTER_MAX	16	/* entries in each filter list */
#define RIPTEL_SAMPLE_MAX	1000000	/* largest SAMPLE_RATE */
#define RIPTEL_CLEAR_PIDS	(1U << 0)
#define RIPTEL_CLEAR_CGROUPS	(1U << 1)

#if defined(__KERNEL__) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L)
#define RIPTEL_ABI_ASSERT(c, msg) _Static_assert(c, msg)
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_hdr) == 32, "rec hdr");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_exec) == RIPTEL_PAYLOAD_SIZE, "exec");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_fork) == RIPTEL_PAYLOAD_SIZE, "fork");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_exit) == RIPTEL_PAYLOAD_SIZE, "exit");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_tcp_state) == RIPTEL_PAYLOAD_SIZE, "tcp");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_conn) == RIPTEL_PAYLOAD_SIZE, "conn");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_decision) == RIPTEL_PAYLOAD_SIZE, "decision");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_handshake) == RIPTEL_PAYLOAD_SIZE, "handshake");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_close) == RIPTEL_PAYLOAD_SIZE, "close");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_identity) == RIPTEL_PAYLOAD_SIZE, "identity");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_provider) == RIPTEL_PAYLOAD_SIZE, "provider");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_rec_test) == RIPTEL_PAYLOAD_SIZE, "test");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_record) == RIPTEL_RECORD_SIZE, "record");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_prod_page) == 256, "prod page");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_cons_page) == 64, "cons page");
RIPTEL_ABI_ASSERT(sizeof(struct riptel_info) == 80, "info");
#undef RIPTEL_ABI_ASSERT
#endif

#endif /* _UAPI_RIPTEL_H */
