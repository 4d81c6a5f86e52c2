#!/usr/bin/env bash
# bench.sh - what `make bench` runs (after `make all benches`).
#
#   bench.sh [KVER...]            default: 6.1 6.12
#
# 1. The native benchmarks build/release/bench/* run on the host; their
#    "BENCH ..." lines are passed through.
# 2. For each kernel, ONE VM run (scripts/vm-run.sh, booted with
#    clocksource=tsc tsc=reliable) of tests/bench/guest-bench.sh measures
#    ns per getppid() call, raw_syscalls:sys_enter firing on every call,
#    with: no probe; an empty probe (tests/kmod/bench_probe.ko); riptel's
#    real record path (riptel.ko bench_sys_enter=1, drained by
#    riptel_drain); a BPF ring buffer (tests/bench/bpf, drained by
#    ringbuf_drain); ftrace (the event enabled in tracefs, trace_pipe_raw
#    drained).  Rounds interleave the variants; each keeps its fastest.
#    A round in which a probe saw fewer events than calls is discarded
#    (BENCHNOTE; qemu TCG can keep running code translated before a
#    tracepoint was switched on).
#
# Prints a table per kernel with the added cost per event (variant - no
# probe) and the ratios riptel/bpf_ringbuf, riptel/ftrace and
# riptel/empty_probe, then each figure as "BENCH <kernel> <key> <value>".
# Absolute times under TCG mean little; the ratios within one run are the
# result.  Exits non-zero if a variant could not be measured.
#
# Environment: BENCH_CALLS (getppid calls per timed loop, 2000: shorter
# than a host time slice, so some loops run undisturbed on a busy host),
# BENCH_REPS (loops per variant per round, 60), BENCH_ROUNDS (8),
# BENCH_RING_MB (ring size for riptel per CPU, the BPF ring and ftrace per
# CPU, 64), BENCH_SMP (vCPUs, 2), BENCH_TIMEOUT (seconds per VM, 900),
# BENCH_NATIVE (0 skips the native benchmarks, 1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# Single-threaded TCG, as the tests boot: with multi-threaded TCG a vCPU
# can keep running a stale translation of kernel text another vCPU has
# just patched, and attaching the BPF program once left both vCPUs in a
# soft lockup in syscall_trace_enter.  The readers sleep between drains
# and each variant keeps its fastest loop, so time-slicing the vCPUs on
# one host thread does not reach the figures.  RIPTEL_QEMU_ACCEL overrides.
export RIPTEL_QEMU_ACCEL=${RIPTEL_QEMU_ACCEL:-tcg,thread=single}
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
# shellcheck source=tests/vm/guest-progs.sh
. "$ROOT/tests/vm/guest-progs.sh"

CALLS=${BENCH_CALLS:-2000}
REPS=${BENCH_REPS:-60}
ROUNDS=${BENCH_ROUNDS:-8}
RING_MB=${BENCH_RING_MB:-64}
SMP=${BENCH_SMP:-2}
TIMEOUT=${BENCH_TIMEOUT:-900}
VARIANTS="none empty_probe riptel bpf_ringbuf ftrace"

[ $# -gt 0 ] || set -- 6.1 6.12
status=0

echo "== native benchmarks (host) =="
found=0
[ "${BENCH_NATIVE:-1}" = 0 ] && echo "(skipped: BENCH_NATIVE=0)" && found=1
for b in "$BUILD"/release/bench/*; do
	[ "${BENCH_NATIVE:-1}" = 0 ] && break
	if [ ! -f "$b" ] || [ ! -x "$b" ]; then
		continue
	fi
	found=1
	echo "-- $(basename "$b")"
	if ! "$b" | tee "$BUILD/bench-$(basename "$b").log" | grep '^BENCH '; then
		echo "bench.sh: $(basename "$b") failed or printed no BENCH line" >&2
		status=1
	fi
done
[ "$found" = 1 ] || echo "(none built: make benches)"

guest_progs_build || { echo "bench.sh: building the guest programs failed" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/riptel-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/bench.env" <<EOF
BENCH_CALLS=$CALLS
BENCH_REPS=$REPS
BENCH_ROUNDS=$ROUNDS
BENCH_RING_MB=$RING_MB
BENCH_CPU=$((SMP > 1 ? 1 : 0))
EOF

for kver in "$@"; do
	echo
	echo "== kernel $kver: ns per getppid() with a probe on raw_syscalls:sys_enter =="
	out=$BUILD/bench/$kver
	rc=0
	bash "$ROOT/scripts/vm-run.sh" --kver "$kver" --smp "$SMP" --mem 2G \
		--timeout "$TIMEOUT" --out "$out" \
		--guest "$ROOT/tests/bench/guest-bench.sh" \
		--file "$(guest_prog getppid_loop)" \
		--file "$(guest_prog riptel_drain)" \
		--file "$(guest_prog ringbuf_drain)" \
		--file "$(guest_prog ringbuf.bpf.o)" \
		--file "$work/bench.env" || rc=$?
	log=$out/console.log
	tr -d '\r' <"$log" >"$work/console.txt" 2>/dev/null || : >"$work/console.txt"
	grep -E '^BENCH(ERR|NOTE)' "$work/console.txt" | sed 's/^/  /' || true
	if [ "$rc" != 0 ] || ! grep -q '^BENCHDONE' "$work/console.txt"; then
		echo "bench.sh: $kver: the benchmark VM failed (exit $rc), see $log" >&2
		status=1
		continue
	fi
	# fastest round per variant, then the table and the BENCH lines
	if ! awk -v kver="$kver" -v variants="$VARIANTS" -v calls="$CALLS" \
		-v reps="$REPS" -v rounds="$ROUNDS" '
		$1 == "BENCHRAW" {
			v = $3; ns = $4 + 0
			if (!(v in best) || ns < best[v]) best[v] = ns
		}
		END {
			n = split(variants, vs, " ")
			for (i = 1; i <= n; i++)
				if (!(vs[i] in best)) {
					printf "bench.sh: %s: no figure for %s\n", kver, vs[i] > "/dev/stderr"
					missing = 1
				}
			if (missing) exit 1
			base = best["none"]
			printf "  %-13s %12s %14s\n", "variant", "ns/call", "added ns/event"
			for (i = 1; i <= n; i++) {
				v = vs[i]; add[v] = best[v] - base
				printf "  %-13s %12.1f %14.1f\n", v, best[v], add[v]
			}
			r_bpf = add["bpf_ringbuf"] > 0 ? add["riptel"] / add["bpf_ringbuf"] : -1
			r_ftr = add["ftrace"] > 0 ? add["riptel"] / add["ftrace"] : -1
			r_emp = add["empty_probe"] > 0 ? add["riptel"] / add["empty_probe"] : -1
			printf "  riptel/bpf_ringbuf %.2f   riptel/ftrace %.2f   riptel/empty_probe %.2f\n",
				r_bpf, r_ftr, r_emp
			printf "  (%d rounds x %d loops x %d calls, fastest loop kept; -1: baseline not above no-probe)\n",
				rounds, reps, calls
			printf "BENCH %s ns_per_call_none %.1f\n", kver, base
			for (i = 2; i <= n; i++)
				printf "BENCH %s ns_per_event_%s %.1f\n", kver, vs[i], add[vs[i]]
			printf "BENCH %s ratio_riptel_bpf_ringbuf %.2f\n", kver, r_bpf
			printf "BENCH %s ratio_riptel_ftrace %.2f\n", kver, r_ftr
			printf "BENCH %s ratio_riptel_empty_probe %.2f\n", kver, r_emp
		}' "$work/console.txt"; then
		status=1
	fi
	if grep -q '^BENCHERR' "$work/console.txt"; then
		status=1
	fi
done
exit "$status"
