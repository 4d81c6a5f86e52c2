#!/usr/bin/env bash
# test_ring_stress.sh - riptel's rings under fire from every context.
#
#   test_ring_stress.sh [KVER]      (default $KVER, else 6.1)
#
# In one VM (4 vCPUs): riptel_stress fires RIPTEL_REC_TEST records from a
# kthread, a tasklet (softirq) and an hrtimer (hardirq) on every CPU at
# once while riptel-agent drains; tests/vm/check_stream.c judges the
# agent's JSON: every test record whole (pattern_ok), per-CPU sequence
# strictly rising with gaps exactly where drops were counted, written ==
# consumed + dropped per CPU, and the generator's own stored/dropped counts
# matching.  Then the same with ring_pages=1, where drops must happen.
# Then tests/vm/clockcheck.c: every record's ts_ns lies between the
# CLOCK_MONOTONIC reads around the system call that made it.
# Prints TAP.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"
# shellcheck source=guest-progs.sh
. "$ROOT/tests/vm/guest-progs.sh"

kver=${1:-${KVER:-6.1}}
# vmtest.sh hands over an empty VM_OUT; standalone runs use build/vmtest/
out=${VM_OUT:-${BUILD:-$ROOT/build}/vmtest/$kver/ring_stress}
mkdir -p "$out"

guest_progs_build || bail "cannot build the guest programs"
env=$(mktemp)
trap 'rm -f "$env"' EXIT
echo "STRESS_RUN_MS=${STRESS_RUN_MS:-3000}" >"$env"

rc=0
bash "${VM_RUN:-$ROOT/scripts/vm-run.sh}" --kver "$kver" --smp 4 --mem 2G --timeout 600 \
	--out "$out" --guest "$ROOT/tests/vm/guest/ring_stress.sh" \
	--file "$(guest_prog check_stream)" --file "$(guest_prog clockcheck)" \
	--file "$env:/files/stress.env" \
	>"$out.log" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	ok "$kver: VM run clean (no oops, warning or taint)"
else
	not_ok "$kver: VM run clean (no oops, warning or taint)" "$(tail -n 60 "$out.log")"
fi

for run in normal overload clock; do
	if [ -s "$out/$run.txt" ]; then
		tap_merge "$run" cat "$out/$run.txt"
	else
		not_ok "$run: the guest reported results"
	fi
	[ -f "$out/$run.stress" ] && diag "$run: $(tr '\n' ' ' <"$out/$run.stress")"
done
done_testing
