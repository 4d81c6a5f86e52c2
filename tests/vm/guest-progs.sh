# shellcheck shell=bash
# guest-progs.sh - sourced (bash) by tests/vm/test_ring_stress.sh,
# test_hostile.sh, test_lifecycle.sh, test_wakeup.sh, test_cpu_online.sh
# and scripts/bench.sh: build the small
# C programs they run inside the VM into $GUEST_BIN (build/guest/), each
# only when its sources changed.  vm-run.sh --file ships them with their
# shared libraries.
#
#   guest_progs_build            every program; returns non-zero on failure
#   guest_prog NAME              prints the path of a built program

GUEST_ROOT=${GUEST_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GUEST_BIN=${GUEST_BIN:-${BUILD:-$GUEST_ROOT/build}/guest}
case $GUEST_BIN in /*) ;; *) GUEST_BIN=$GUEST_ROOT/$GUEST_BIN ;; esac

GUEST_CFLAGS=(-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow
	      -Wstrict-prototypes -Wmissing-prototypes
	      -I"$GUEST_ROOT/src/include/uapi" -I"$GUEST_ROOT/src/include")

# $1 output, $2 source, rest: extra compiler arguments.  Rebuilt when the
# source, the ABI headers or this file are newer than the output.
guest_cc() {
	local out=$1 src=$2 dep
	shift 2
	if [ -f "$out" ]; then
		for dep in "$src" "$GUEST_ROOT/src/include/uapi/riptel.h" \
			   "$GUEST_ROOT/src/include/ring_core.h" "${BASH_SOURCE[0]}"; do
			[ "$dep" -nt "$out" ] && break
			dep=
		done
		[ -z "$dep" ] && return 0
	fi
	echo "guest-progs: building $out" >&2
	"${CC:-cc}" "${GUEST_CFLAGS[@]}" -o "$out" "$src" "$@"
}

guest_progs_build() {
	local bpf_inc
	mkdir -p "$GUEST_BIN" || return 1
	guest_cc "$GUEST_BIN/getppid_loop" "$GUEST_ROOT/tests/bench/getppid_loop.c" &&
	guest_cc "$GUEST_BIN/riptel_drain" "$GUEST_ROOT/tests/bench/riptel_drain.c" &&
	guest_cc "$GUEST_BIN/ringbuf_drain" "$GUEST_ROOT/tests/bench/bpf/ringbuf_drain.c" -lbpf &&
	guest_cc "$GUEST_BIN/hostile" "$GUEST_ROOT/tests/vm/hostile.c" &&
	guest_cc "$GUEST_BIN/check_stream" "$GUEST_ROOT/tests/vm/check_stream.c" &&
	guest_cc "$GUEST_BIN/clockcheck" "$GUEST_ROOT/tests/vm/clockcheck.c" &&
	guest_cc "$GUEST_BIN/wakeup" "$GUEST_ROOT/tests/vm/wakeup.c" -luring &&
	guest_cc "$GUEST_BIN/ringnode" "$GUEST_ROOT/tests/vm/ringnode.c" ||
		return 1
	local src=$GUEST_ROOT/tests/bench/bpf/ringbuf.bpf.c obj=$GUEST_BIN/ringbuf.bpf.o
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ]; then
		echo "guest-progs: building $obj" >&2
		bpf_inc=/usr/include/$(${CC:-cc} -dumpmachine)
		clang -O2 -g -Wall -Werror -target bpf -I"$bpf_inc" -c "$src" -o "$obj" ||
			return 1
	fi
}

guest_prog() {
	echo "$GUEST_BIN/$1"
}
