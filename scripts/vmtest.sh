#!/usr/bin/env bash
# vmtest.sh [6.1] [6.12] - the kernel tests, in qemu, on each kernel given
# (default both), as one TAP stream.
#
# Per kernel: build riptel.ko and the test modules once (build-kmod.sh),
# then run every tests/vm/test_*.sh.  A test is a host-side bash script that
# boots the guest through scripts/vm-run.sh with its own guest script and
# asserts on the files that come back, printing TAP (tests/lib.sh).  It gets:
#   RIPTEL_ROOT       repo root
#   KVER              6.1 or 6.12 (what vm-run.sh --kver takes)
#   RELEASE           the full kernel release
#   RIPTEL_KMOD_DIR   the built module dir (vm-run.sh uses it, no rebuild)
#   VM_RUN            scripts/vm-run.sh
#   VM_OUT            an empty dir for this test's results on this kernel
# TESTS="test_a test_b" runs only those.  The agent is built first
# (make agent).  Exit 1 if anything failed.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD
# shellcheck source=../tests/lib.sh
. "$ROOT/tests/lib.sh"

kvers=("$@")
[ ${#kvers[@]} -gt 0 ] || kvers=(6.1 6.12)

agent_log=$(mktemp)
if [ -n "${RIPTEL_AGENT_BUILT:-}" ]; then
	ok "build agent (done by the caller)"
elif make -C "$ROOT" -j2 agent >"$agent_log" 2>&1; then
	ok "build agent"
else
	not_ok "build agent" "$(tail -n 40 "$agent_log")"
fi
rm -f "$agent_log"

tests=()
for t in "$ROOT"/tests/vm/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ -n "${TESTS:-}" ] && [[ " $TESTS " != *" $name "* ]]; then
		continue
	fi
	tests+=("$t")
done

for kver in "${kvers[@]}"; do
	if ! release=$("$ROOT/scripts/kernels.sh" release "$kver" 2>&1); then
		not_ok "$kver: kernel" "$release"
		continue
	fi
	log=$BUILD/vmtest/$release/build-kmod.log
	mkdir -p "$(dirname "$log")"
	if kmod_dir=$("$ROOT/scripts/build-kmod.sh" --kver "$kver" 2>"$log" | tail -n1) &&
	   [ -f "$kmod_dir/riptel.ko" ]; then
		ok "$kver: build riptel.ko for $release"
	else
		not_ok "$kver: build riptel.ko for $release" "$(tail -n 40 "$log")"
		continue
	fi
	for t in "${tests[@]}"; do
		name=$(basename "$t" .sh)
		vm_out=$BUILD/vmtest/$release/$name
		rm -rf "$vm_out"
		mkdir -p "$vm_out"
		diag "$kver: $name"
		start=$SECONDS
		tap_merge "$kver $name" env RIPTEL_ROOT="$ROOT" KVER="$kver" \
			RELEASE="$release" RIPTEL_KMOD_DIR="$kmod_dir" \
			VM_RUN="$ROOT/scripts/vm-run.sh" VM_OUT="$vm_out" \
			bash "$t"
		diag "$kver: $name took $((SECONDS - start))s"
	done
done
done_testing
