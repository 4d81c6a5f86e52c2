#!/usr/bin/env bash
# lint-kmod.sh - the kernel code's standards, as TAP (one test per check):
#   - checkpatch.pl --no-tree -f on the modules' sources (src/kmod,
#     src/riptides_ref, src/include) and tests/kmod/*.c, one test per file;
#   - a clean W=1 build (module and test modules) on each Debian kernel
#     that prints no warning, one test per kernel;
#   - on each of those builds, scripts/check-probe-context.py over
#     riptel.o and riptides_ref.o: no function reachable from a probe
#     calls an allocator or a sleeping lock (the PREEMPT_RT builds are the
#     ones where a spinlock_t shows as the sleeping lock it is there).
# checkpatch comes from build/cache/checkpatch/ (scripts/deps.sh).  The W=1
# builds go to build/lint/ so they never disturb the normal build dirs.
# KVERS="6.1 6.12-rt" overrides the kernels (default: every kernel of
# scripts/kernels.sh names, the six Debian flavours).  Exit 1 if anything
# failed.
set -uo pipefail
shopt -s nullglob globstar

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CACHE=${RIPTEL_CACHE:-$BUILD/cache}
# shellcheck source=../tests/lib.sh
. "$ROOT/tests/lib.sh"
cd "$ROOT" || bail "no $ROOT"

checkpatch=$CACHE/checkpatch/checkpatch.pl
files=(src/kmod/*.c src/kmod/*.h src/riptides_ref/*.c src/riptides_ref/*.h
       src/include/**/*.h tests/kmod/*.c tests/kmod/*.h)
if [ ! -x "$checkpatch" ]; then
	not_ok "checkpatch.pl present" "no $checkpatch: run make deps"
elif [ ${#files[@]} -eq 0 ]; then
	not_ok "checkpatch: kernel sources present" "no src/kmod/*.c or src/kmod/*.h"
else
	for f in "${files[@]}"; do
		if out=$(perl "$checkpatch" --no-tree -f --quiet --show-types "$f" 2>&1); then
			ok "checkpatch $f"
		else
			not_ok "checkpatch $f" "$out"
		fi
	done
fi

for kver in ${KVERS:-$(scripts/kernels.sh names)}; do
	if ! release=$(scripts/kernels.sh release "$kver" 2>&1); then
		not_ok "W=1 build on $kver" "$release"
		continue
	fi
	if out=$(BUILD="$BUILD/lint" scripts/build-kmod.sh --kver "$kver" --w1 2>&1); then
		ok "W=1 build on $release, no warnings"
	else
		not_ok "W=1 build on $release, no warnings" \
			"$(echo "$out" | grep -iE -B2 -A4 'warning:|error' | head -n 80)"
		continue
	fi
	tree=$BUILD/lint/kmod/$release/tree
	tap_merge "$release probe context" python3 scripts/check-probe-context.py \
		"$tree/kmod/riptel.o" "$tree/riptides_ref/riptides_ref.o"
done
done_testing
