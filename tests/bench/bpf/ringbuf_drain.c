// SPDX-License-Identifier: GPL-2.0
/*
 * ringbuf_drain.c - load ringbuf.bpf.o, attach it to raw_syscalls:sys_enter
 * and drain its BPF ring buffer from user space until SIGTERM or SIGINT.
 *
 *   ringbuf_drain OBJECT [RING_MB]
 *
 * Prints "ready" once attached, then on exit "records N" (records drained).
 * The program submits without wake-ups, so this polls every 10 ms, as an
 * agent draining with a latency bound would.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_record(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	(*(unsigned long long *)ctx)++;
	return 0;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	unsigned long long records = 0;
	unsigned long ring_mb = 64;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	struct bpf_prog_info pinfo;
	__u32 plen = sizeof(pinfo);
	struct ring_buffer *rb;
	struct bpf_map *map;
	int err;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s OBJECT [RING_MB]\n", argv[0]);
		return 2;
	}
	if (argc == 3)
		ring_mb = strtoul(argv[2], NULL, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "ringbuf_drain: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	map = bpf_object__find_map_by_name(obj, "rb");
	if (!map || bpf_map__set_max_entries(map, ring_mb << 20)) {
		fprintf(stderr, "ringbuf_drain: cannot size the ring to %lu MiB\n", ring_mb);
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "ringbuf_drain: load: %s\n", strerror(-err));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "bench_sys_enter");
	link = prog ? bpf_program__attach(prog) : NULL;
	if (!link) {
		fprintf(stderr, "ringbuf_drain: attach: %s\n", strerror(errno));
		return 1;
	}
	rb = ring_buffer__new(bpf_map__fd(map), on_record, &records, NULL);
	if (!rb) {
		fprintf(stderr, "ringbuf_drain: ring_buffer__new: %s\n", strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "ringbuf_drain: consume: %s\n", strerror(-err));
			break;
		}
		nanosleep(&tick, NULL);
	}
	memset(&pinfo, 0, sizeof(pinfo));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pinfo, &plen))
		pinfo.recursion_misses = (__u64)-1;
	bpf_link__destroy(link);
	ring_buffer__consume(rb);
	printf("records %llu misses %llu\n", records,
	       (unsigned long long)pinfo.recursion_misses);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return err < 0 && err != -EINTR ? 1 : 0;
}
