// SPDX-License-Identifier: GPL-2.0
/*
 * ringbuf.bpf.c - the benchmark's BPF ring buffer baseline.
 *
 * On raw_syscalls:sys_enter, reserve a record of riptel's size (128 bytes)
 * in a BPF ring buffer, fill it as riptel fills one (type, size, cpu, pid,
 * tgid, sequence, timestamp, payload; every byte written) and submit it
 * without a wake-up, as the original eBPF design did.  ringbuf_drain.c
 * loads it and drains the ring from user space.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define REC_SIZE	128
#define REC_WORDS	((REC_SIZE - 32) / 8)

/* same shape as struct riptel_rec_hdr + an opaque payload */
struct bench_rec {
	__u16 type;
	__u16 size;
	__u16 cpu;
	__u16 flags;
	__u32 pid;
	__u32 tgid;
	__u64 seq;
	__u64 ts_ns;
	__u64 words[REC_WORDS];
};

/* raw_syscalls:sys_enter as the tracepoint's format file lays it out */
struct sys_enter_ctx {
	__u64 common;		/* type, flags, preempt_count, pid */
	long id;
	unsigned long args[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);	/* resized by the loader */
} rb SEC(".maps");

/* per-CPU sequence, as riptel keeps one per ring */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seqs SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int bench_sys_enter(struct sys_enter_ctx *ctx)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&seqs, &zero);
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct bench_rec *r;
	int i;

	if (!seq)
		return 0;
	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (!r) {
		(*seq)++;
		return 0;
	}
	r->type = 12;
	r->size = REC_SIZE;
	r->cpu = bpf_get_smp_processor_id();
	r->flags = 0;
	r->pid = (__u32)pid_tgid;
	r->tgid = pid_tgid >> 32;
	r->seq = (*seq)++;
	r->ts_ns = bpf_ktime_get_ns();
	r->words[0] = ctx->id;
#pragma unroll
	for (i = 0; i < 6; i++)
		r->words[i + 1] = ctx->args[i];
#pragma unroll
	for (i = 7; i < REC_WORDS; i++)
		r->words[i] = 0;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
