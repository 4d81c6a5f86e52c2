#!/usr/bin/env bash
# test_hostile.sh - a consumer that breaks every rule gets errors, and the
# kernel neither crashes nor overwrites unread data.
#
#   test_hostile.sh [KVER]      (default $KVER, else 6.1)
#
# tests/vm/hostile.c in a VM while riptel_stress fires records: mmaps with
# wrong offsets, lengths and protections (EINVAL/EPERM/ENXIO), mprotect
# adding write to read-only regions, garbage ioctls (ENOTTY), a second open
# (EBUSY), and garbage tails (behind, ahead of head, unaligned, huge) that
# must be counted in consumer_errors while the ring fills only up to the
# last good tail.  vm-run.sh fails the run on any oops, warning or taint.
# Prints TAP.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"
# shellcheck source=guest-progs.sh
. "$ROOT/tests/vm/guest-progs.sh"

kver=${1:-${KVER:-6.1}}
# vmtest.sh hands over an empty VM_OUT; standalone runs use build/vmtest/
out=${VM_OUT:-${BUILD:-$ROOT/build}/vmtest/$kver/hostile}
mkdir -p "$out"

guest_progs_build || bail "cannot build the guest programs"
rc=0
bash "${VM_RUN:-$ROOT/scripts/vm-run.sh}" --kver "$kver" --smp 4 --timeout 600 \
	--out "$out" --guest "$ROOT/tests/vm/guest/hostile.sh" \
	--file "$(guest_prog hostile)" >"$out.log" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	ok "$kver: VM run clean (no oops, warning or taint)"
else
	not_ok "$kver: VM run clean (no oops, warning or taint)" "$(tail -n 60 "$out.log")"
fi
if [ -s "$out/hostile.txt" ]; then
	tap_merge "hostile" cat "$out/hostile.txt"
else
	not_ok "hostile: the guest reported results"
fi
done_testing
