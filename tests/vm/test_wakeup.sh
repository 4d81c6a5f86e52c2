#!/usr/bin/env bash
# test_wakeup.sh - every kind of reader is woken, and nothing runs idle.
#
#   test_wakeup.sh [KVER]      (default $KVER, else 6.1)
#
# tests/vm/wakeup.c in a VM (tests/vm/guest/wakeup.sh): an edge-triggered
# epoll reader, an io_uring multishot poll reader and a poll(2) reader,
# each draining fully after every wake-up while records keep coming, are
# woken again every time by the record that crosses the watermark (the
# flush is set too slow to help); no flush work runs while a reader sleeps
# on empty rings, and the first record afterwards still reaches a sleeping
# reader; RINGS reports a caught-up reader's tail (FILL 0).  Only generous
# timeouts, no timing assertion.  Prints TAP.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"
# shellcheck source=guest-progs.sh
. "$ROOT/tests/vm/guest-progs.sh"

kver=${1:-${KVER:-6.1}}
out=${VM_OUT:-${BUILD:-$ROOT/build}/vmtest/$kver/wakeup}
mkdir -p "$out"

guest_progs_build || bail "cannot build the guest programs"
rc=0
bash "${VM_RUN:-$ROOT/scripts/vm-run.sh}" --kver "$kver" --smp 2 --timeout 400 \
	--out "$out" --guest "$ROOT/tests/vm/guest/wakeup.sh" \
	--file "$(guest_prog wakeup)" >"$out.log" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	ok "$kver: VM run clean (no oops, warning or taint)"
else
	not_ok "$kver: VM run clean (no oops, warning or taint)" "$(tail -n 60 "$out.log")"
fi
if [ -s "$out/wakeup.txt" ]; then
	tap_merge "wakeup" cat "$out/wakeup.txt"
else
	not_ok "wakeup: the guest reported results"
fi
for f in "$out"/*.kv; do
	[ -f "$f" ] && diag "$(basename "$f" .kv): $(tr '\n' ' ' <"$f")"
done
done_testing
