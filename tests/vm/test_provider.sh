#!/usr/bin/env bash
# test_provider.sh - riptel's record control on provider records, and the
# reference provider's policy edges, in one VM per kernel.
#
#   test_provider.sh [KVER]      (default $KVER, else 6.1)
#
# Guest side tests/vm/guest/provider.sh, judged by check_provider.py:
# records about no process (provider attach, identity) pass a pid filter;
# a connection's intercept is filtered on the provider's subject (tgid,
# the socket's cgroup), not on whichever task fired it; riptides_ref.ko
# denies a certificate not valid yet with its own reason, finds a
# dual-stack listener's identity, fails closed when its tracking table is
# full and counts listeners past its table.  Prints TAP.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"

kver=${1:-${KVER:-6.1}}
BUILD=${BUILD:-$ROOT/build}
out=${VM_OUT:-$BUILD/vmtest/$kver/provider}
mkdir -p "$out"

kmod_dir=${RIPTEL_KMOD_DIR:-}
if [ -z "$kmod_dir" ]; then
	kmod_dir=$("$ROOT/scripts/build-kmod.sh" --kver "$kver" 2>"$out.build.log" | tail -n1) ||
		bail "cannot build the modules: $(tail -n 20 "$out.build.log")"
fi

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

rc=0
RIPTEL_KMOD_DIR=$kmod_dir bash "$ROOT/scripts/vm-run.sh" --kver "$kver" \
	--timeout 400 --out "$out" --guest "$ROOT/tests/vm/guest/provider.sh" \
	--file "$idtool" \
	--file "$kmod_dir/riptides_ref.ko:/modules/riptides_ref.ko" >"$out.log" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	ok "$kver: VM run clean (no oops, warning or taint)"
else
	not_ok "$kver: VM run clean (no oops, warning or taint)" "$(tail -n 60 "$out.log")"
fi
guest_tap "$out/guest.tap" "$kver" "$out/cmd.log"
tap_merge "$kver" python3 "$ROOT/tests/vm/check_provider.py" "$out"
done_testing
