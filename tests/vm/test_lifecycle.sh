#!/usr/bin/env bash
# test_lifecycle.sh - unloading and CPU hotplug.
#
#   test_lifecycle.sh [KVER]      (default $KVER, else 6.1)
#
# In one VM (4 vCPUs): rmmod while the agent has the rings mapped, or while
# a process keeps the mappings after closing its fd, is refused; rmmod right
# after the agent exits under exec/fork load works; CPUs 1-3 going offline
# and online through /sys/devices/system/cpu/cpuN/online during a
# riptel_stress run lose nothing silently (tests/vm/check_stream.c: exact
# per-CPU accounting, whole records, the generator's counts).  vm-run.sh
# fails the run on any oops, warning or taint.  Prints TAP.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"
# shellcheck source=guest-progs.sh
. "$ROOT/tests/vm/guest-progs.sh"

kver=${1:-${KVER:-6.1}}
# vmtest.sh hands over an empty VM_OUT; standalone runs use build/vmtest/
out=${VM_OUT:-${BUILD:-$ROOT/build}/vmtest/$kver/lifecycle}
mkdir -p "$out"

guest_progs_build || bail "cannot build the guest programs"
rc=0
bash "${VM_RUN:-$ROOT/scripts/vm-run.sh}" --kver "$kver" --smp 4 --mem 2G --timeout 600 \
	--out "$out" --guest "$ROOT/tests/vm/guest/lifecycle.sh" \
	--file "$(guest_prog hostile)" --file "$(guest_prog check_stream)" \
	>"$out.log" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	ok "$kver: VM run clean (no oops, warning or taint)"
else
	not_ok "$kver: VM run clean (no oops, warning or taint)" "$(tail -n 60 "$out.log")"
fi
if [ -s "$out/lifecycle.txt" ]; then
	tap_merge "lifecycle" cat "$out/lifecycle.txt"
else
	not_ok "lifecycle: the guest reported results"
fi
[ -f "$out/hotplug.stress" ] && diag "hotplug: $(tr '\n' ' ' <"$out/hotplug.stress")"
done_testing
