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
EXPECT=$((CALLS * REPS))

err() {
	echo "BENCHERR $*"
}

[ -d $T/events ] || err "no tracefs at $T"

# The timed loops; sets $ns.
measure() {
	ns=$("$BIN/getppid_loop" -n "$CALLS" -r "$REPS" -c "$CPU" |
	     awk '$1 == "ns_per_call" { print $2 }')
}

# Report round $1's figure for variant $2 if the probe really saw the
# $EXPECT calls: $3 is the events it counted ("-": no counter).  Under TCG a
# vCPU can go on running code translated before a tracepoint's static key
# flipped, so a probe can miss calls; such a round is discarded.
keep() {
	if [ -z "$ns" ]; then
		err "$2: getppid_loop failed"
	elif [ "$3" != - ] && [ "${3:-0}" -lt "$EXPECT" ]; then
		echo "BENCHNOTE $1 $2 discarded: the probe saw ${3:-0} of $EXPECT calls"
	else
		echo "BENCHRAW $1 $2 $ns"
	fi
}

# Events ftrace took on the benchmark CPU so far (read, buffered or lost).
ftrace_events() {
	awk -F': *' '$1 == "entries" || $1 == "overrun" || $1 == "read events" { s += $2 }
		     END { print s + 0 }' "$T/per_cpu/cpu$CPU/stats"
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

# Attach before a reader starts and detach after it stopped, so no other
# CPU is busy in system calls while the tracepoint's code is patched.
r=1
while [ $r -le "$ROUNDS" ]; do
	measure
	keep $r none -

	if insmod "$KMOD/bench_probe.ko"; then
		h0=$(cat /sys/module/bench_probe/parameters/hits)
		measure
		h1=$(cat /sys/module/bench_probe/parameters/hits)
		rmmod bench_probe
		keep $r empty_probe $((h1 - h0))
	else
		err "empty_probe: insmod failed"
	fi

	if [ -w $HOOK ] && echo 1 >$HOOK &&
	   start_reader /tmp/riptel_drain.out "$BIN/riptel_drain"; then
		measure
		stop_reader
		echo 0 >$HOOK
		set -- $(tail -n1 /tmp/riptel_drain.out)
		echo "BENCHNOTE $r riptel $*"
		keep $r riptel "${2:-0}"
	else
		echo 0 >$HOOK
		err "riptel: no bench hook or no reader"
	fi

	if start_reader /tmp/ringbuf_drain.out "$BIN/ringbuf_drain" \
	   /files/ringbuf.bpf.o "$RING_MB"; then
		measure
		stop_reader
		set -- $(tail -n1 /tmp/ringbuf_drain.out)
		echo "BENCHNOTE $r bpf_ringbuf $*"
		keep $r bpf_ringbuf "${2:-0}"
	else
		err "bpf_ringbuf: loader failed"
	fi

	if [ -d $T/events/raw_syscalls/sys_enter ]; then
		echo $((RING_MB * 1024)) >$T/buffer_size_kb
		echo >$T/trace
		e0=$(ftrace_events)
		echo 1 >$T/events/raw_syscalls/sys_enter/enable
		pids=
		for d in $T/per_cpu/cpu*; do
			cat "$d/trace_pipe_raw" >/dev/null 2>&1 &
			pids="$pids $!"
		done
		measure
		kill $pids 2>/dev/null
		wait $pids 2>/dev/null
		echo 0 >$T/events/raw_syscalls/sys_enter/enable
		e1=$(ftrace_events)
		keep $r ftrace $((e1 - e0))
		echo 1 >$T/buffer_size_kb
	else
		err "ftrace: no raw_syscalls:sys_enter in tracefs"
	fi
	r=$((r + 1))
done
rmmod riptel 2>/dev/null
echo "BENCHDONE"
