#!/usr/bin/env bash
# test_identity.sh - the identity fabric end to end, in one VM per kernel:
# the riptides tracepoint ABI, riptides_ref.ko (reference provider) loaded
# before and after riptel.ko and reloaded RELOADS (100) times under
# connections, a two-workload policy with one allow rule seen through
# riptel-agent, SPIFFE ID interning through a small table, and bad generic
# netlink input.  Guest side: tests/vm/guest/identity.sh.  Prints TAP.
#
#   test_identity.sh [KVER]      (default $KVER, else 6.1)
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"

kver=${1:-${KVER:-6.1}}
BUILD=${BUILD:-$ROOT/build}
out=${VM_OUT:-$BUILD/vmtest/$kver/identity}
mkdir -p "$out"

kmod_dir=${RIPTEL_KMOD_DIR:-}
if [ -z "$kmod_dir" ]; then
	kmod_dir=$("$ROOT/scripts/build-kmod.sh" --kver "$kver" 2>"$out.build.log" | tail -n1) ||
		bail "cannot build the modules: $(tail -n 20 "$out.build.log")"
fi
[ -f "$kmod_dir/riptides_ref.ko" ] || bail "no riptides_ref.ko in $kmod_dir"

idtool=$BUILD/guest/idtool
mkdir -p "$BUILD/guest"
read -ra nl_cflags <<<"$(pkg-config --cflags libnl-genl-3.0)"
read -ra nl_libs <<<"$(pkg-config --libs libnl-genl-3.0)"
if ! ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes \
	-I"$ROOT/src/include/uapi" -I"$ROOT/src/shared" \
	"${nl_cflags[@]}" -o "$idtool" \
	"$ROOT/tests/vm/idtool.c" "$ROOT/src/shared/spiffe.c" \
	"${nl_libs[@]}" 2>"$out.cc.log"; then
	bail "cannot build idtool: $(cat "$out.cc.log")"
fi

env=$(mktemp)
trap 'rm -f "$env"' EXIT
echo "RELOADS=${RELOADS:-100}" >"$env"

rc=0
RIPTEL_KMOD_DIR=$kmod_dir bash "$ROOT/scripts/vm-run.sh" --kver "$kver" \
	--timeout "${VM_TIMEOUT:-900}" --out "$out" --append " slub_debug=U" \
	--guest "$ROOT/tests/vm/guest/identity.sh" \
	--file "$idtool" \
	--file "$kmod_dir/riptides_ref.ko:/modules/riptides_ref.ko" \
	--file "$env:/files/identity.env" >"$out.log" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	ok "$kver: VM run clean (no oops, warning or taint)"
else
	not_ok "$kver: VM run clean (no oops, warning or taint)" "$(tail -n 60 "$out.log")"
fi

guest_tap "$out/guest.tap" "$kver" "$out/cmd.log"
tap_merge "$kver" python3 "$ROOT/tests/vm/check_identity.py" "$out"
done_testing
