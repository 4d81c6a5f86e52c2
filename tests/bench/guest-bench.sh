#!/bin/sh
# guest-bench.sh - runs inside the benchmark VM (busybox sh), driven by
# scripts/bench.sh.  Measures ns per getppid() call with each variant on
# raw_syscalls:sys_enter and prints one line per measurement:
#
#   BENCHRAW <round> <variant> <ns_per_call>
#
# variants: none, empty_probe, riptel, bpf_ringbuf, ftrace.  The rounds
# interleave the variants so a slow spell of the host spreads over all of
# them; scripts/bench.sh keeps each variant's fastest round.  Lines starting
# with "BENCHERR" say a variant could not be measured; "BENCHNOTE" carry
# side facts (records drained, drops).
#
# Settings come from /files/bench.env when scripts/bench.sh ships one:
# BENCH_CALLS, BENCH_REPS, BENCH_ROUNDS, BENCH_RING_MB, BENCH_CPU.  The
# programs are in /bin, the modules in /modules, ringbuf.bpf.o in /files
# (vm-run.sh's layout).
set -u

[ -f /files/bench.env ] && . /files/bench.env
BIN=/bin
KMOD=/modules
CALLS=${BENCH_CALLS:-200000}
REPS=${BENCH_REPS:-3}
ROUNDS=${BENCH_ROUNDS:-3}
RING_MB=${BENCH_RING_MB:-64}
CPU=${BENCH_CPU:-1}
T=/sys/kernel/tracing
PAGES=$((RING_MB * 256))

err() {
	echo "BENCHERR $*"
}

[ -d $T/events ] || err "no tracefs at $T"

measure() {	# $1 round, $2 variant
	ns=$("$BIN/getppid_loop" -n "$CALLS" -r "$REPS" -c "$CPU" |
	     awk '$1 == "ns_per_call" { print $2 }')
	if [ -n "$ns" ]; then
		echo "BENCHRAW $1 $2 $ns"
	else
		err "$2: getppid_loop failed"
	fi
}

# Start a reader in the background and wait for its "ready" line.
start_reader() {	# $1 output file, then the command
	out=$1
	shift
	"$@" >"$out" 2>&1 &
	reader=$!
	i=0
	while ! grep -q '^ready' "$out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 $reader 2>/dev/null; then
			err "reader $1 did not start: $(cat "$out")"
			kill $reader 2>/dev/null
			wait $reader 2>/dev/null
			reader=
			return 1
		fi
		usleep 100000
	done
	return 0
}

stop_reader() {
	[ -n "$reader" ] || return 0
	kill -TERM $reader
	wait $reader
	reader=
}

if ! insmod "$KMOD/riptel.ko" ring_pages=$PAGES; then
	err "riptel: insmod failed"
fi
HOOK=/sys/module/riptel/parameters/bench_sys_enter

r=1
while [ $r -le "$ROUNDS" ]; do
	measure $r none

	if insmod "$KMOD/bench_probe.ko"; then
		measure $r empty_probe
		rmmod bench_probe
	else
		err "empty_probe: insmod failed"
	fi

	if [ -w $HOOK ] && start_reader /tmp/riptel_drain.out "$BIN/riptel_drain"; then
		echo 1 >$HOOK
		measure $r riptel
		echo 0 >$HOOK
		stop_reader
		echo "BENCHNOTE $r riptel $(tail -n1 /tmp/riptel_drain.out)"
	else
		err "riptel: no bench hook or no reader"
	fi

	if start_reader /tmp/ringbuf_drain.out "$BIN/ringbuf_drain" \
	   /files/ringbuf.bpf.o "$RING_MB"; then
		measure $r bpf_ringbuf
		stop_reader
		echo "BENCHNOTE $r bpf_ringbuf $(tail -n1 /tmp/ringbuf_drain.out)"
	else
		err "bpf_ringbuf: loader failed"
	fi

	if [ -d $T/events/raw_syscalls/sys_enter ]; then
		echo $((RING_MB * 1024)) >$T/buffer_size_kb
		echo >$T/trace
		pids=
		for d in $T/per_cpu/cpu*; do
			cat "$d/trace_pipe_raw" >/dev/null 2>&1 &
			pids="$pids $!"
		done
		echo 1 >$T/events/raw_syscalls/sys_enter/enable
		measure $r ftrace
		echo 0 >$T/events/raw_syscalls/sys_enter/enable
		kill $pids 2>/dev/null
		wait $pids 2>/dev/null
		echo "BENCHNOTE $r ftrace overrun $(awk '/^overrun/ { s += $2 } END { print s + 0 }' $T/per_cpu/cpu*/stats)"
		echo 1 >$T/buffer_size_kb
	else
		err "ftrace: no raw_syscalls:sys_enter in tracefs"
	fi
	r=$((r + 1))
done
rmmod riptel 2>/dev/null
echo "BENCHDONE"
