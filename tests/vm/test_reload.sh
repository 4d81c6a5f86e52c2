#!/usr/bin/env bash
# test_reload.sh - invalid module parameters fail the load with the reason in
# the kernel log; riptel-agent reloads its configuration on SIGHUP against
# the real module: a bad file is refused (file, line and key named) and the
# running configuration kept, a good one applied, records keep flowing
# throughout, SIGTERM still exits 0.  Guest side: tests/vm/guest/reload.sh.
set -uo pipefail

ROOT=${RIPTEL_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"
KVER=${KVER:-6.1}
BUILD=${BUILD:-$ROOT/build}
out=${VM_OUT:-$BUILD/vmtest/manual-$KVER/test_reload}
mkdir -p "$out"

rc=0
"${VM_RUN:-$ROOT/scripts/vm-run.sh}" --kver "$KVER" \
	--guest "$ROOT/tests/vm/guest/reload.sh" --out "$out/out" \
	--timeout 240 >"$out/vm-run.log" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	ok "$KVER: VM run clean (no oops, warning or taint)"
else
	not_ok "$KVER: VM run clean (no oops, warning or taint)" "$(tail -n 40 "$out/vm-run.log")"
fi
guest_tap "$out/out/guest.tap" "$KVER" "$out/out/agent.err"
done_testing
