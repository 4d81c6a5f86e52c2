#!/usr/bin/env bash
# test_cpu_online.sh - rings appear when a CPU first comes online, on its
# memory node, and the running agent picks them up.
#
#   test_cpu_online.sh [KVER]      (default $KVER, else 6.1)
#
# One VM with 4 vCPUs in two NUMA nodes (one socket each) booted with maxcpus=2
# (tests/vm/guest/cpu_online.sh): at load only the online CPUs have rings
# (tests/vm/ringnode.c reads each ring's node from numa_maps); a CPU
# onlined after the agent started gets its ring, the agent maps it on
# EPOLLPRI and its records arrive with exact accounting (check_stream);
# a ring stays when its CPU goes offline.  Prints TAP.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"
# shellcheck source=guest-progs.sh
. "$ROOT/tests/vm/guest-progs.sh"

kver=${1:-${KVER:-6.1}}
out=${VM_OUT:-${BUILD:-$ROOT/build}/vmtest/$kver/cpu_online}
mkdir -p "$out"

guest_progs_build || bail "cannot build the guest programs"
numa="-object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M"
numa="$numa -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,cpus=2-3,memdev=m1"
rc=0
bash "${VM_RUN:-$ROOT/scripts/vm-run.sh}" --kver "$kver" --smp 4,sockets=2,cores=2 --mem 1G \
	--qemu "$numa" --append " maxcpus=2" --timeout 400 \
	--out "$out" --guest "$ROOT/tests/vm/guest/cpu_online.sh" \
	--file "$(guest_prog ringnode)" --file "$(guest_prog check_stream)" \
	>"$out.log" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	ok "$kver: VM run clean (no oops, warning or taint)"
else
	not_ok "$kver: VM run clean (no oops, warning or taint)" "$(tail -n 60 "$out.log")"
fi
if [ -s "$out/cpu_online.txt" ]; then
	tap_merge "cpu_online" cat "$out/cpu_online.txt"
else
	not_ok "cpu_online: the guest reported results"
fi
for f in "$out"/nodes_*.txt; do
	[ -f "$f" ] && diag "$(basename "$f" .txt): $(tr '\n' ' ' <"$f")"
done
done_testing
