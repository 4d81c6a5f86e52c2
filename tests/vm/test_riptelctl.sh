#!/usr/bin/env bash
# test_riptelctl.sh - riptelctl against riptel.ko on one Debian kernel.
#
# Guest side (tests/vm/guest/riptelctl.sh) runs every command, bad
# arguments (exit 2, nothing changed), an unprivileged caller (uid 65534:
# the permission error, nothing changed), `disable exec` against the ring,
# `sample tcp_state 2` (kept + sampled_out == offered), pid and cgroup
# filters, `tail`, and malformed netlink requests (ctl_badnl: each refused,
# nothing changed), and writes TAP to /out/guest.tap; this script merges it,
# plus a clean VM run (no warning, oops or unexpected taint).
#
#   KVER=6.1|6.12 tests/vm/test_riptelctl.sh      (scripts/vmtest.sh runs it)
set -uo pipefail

ROOT=${RIPTEL_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"
KVER=${KVER:-6.1}
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VM_RUN=${VM_RUN:-$ROOT/scripts/vm-run.sh}
VM_OUT=${VM_OUT:-$BUILD/vmtest/manual-$KVER/test_riptelctl}
mkdir -p "$VM_OUT" "$BUILD/vmprogs"

if [ ! -x "$BUILD/release/bin/riptelctl" ]; then
	not_ok "riptelctl built" "no $BUILD/release/bin/riptelctl (make agent)"
	done_testing
	exit 1
fi
progs=()
for p in workload asuser; do
	if ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow \
		-Wstrict-prototypes -Wmissing-prototypes -o "$BUILD/vmprogs/$p" \
		"$ROOT/tests/vm/progs/$p.c" 2>"$VM_OUT/cc-$p.log"; then
		progs+=(--file "$BUILD/vmprogs/$p:/bin/$p")
	else
		not_ok "build $p" "$(cat "$VM_OUT/cc-$p.log")"
		done_testing
		exit 1
	fi
done

read -ra nl_cflags <<<"$(pkg-config --cflags libnl-genl-3.0)"
read -ra nl_libs <<<"$(pkg-config --libs libnl-genl-3.0)"
if ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -I"$ROOT/src/include/uapi" \
	-I"$ROOT/src/shared" "${nl_cflags[@]}" -o "$BUILD/vmprogs/ctl_badnl" \
	"$ROOT/tests/vm/progs/ctl_badnl.c" "$ROOT/src/shared/ctl_nl.c" \
	"${nl_libs[@]}" 2>"$VM_OUT/cc-ctl_badnl.log"; then
	progs+=(--file "$BUILD/vmprogs/ctl_badnl:/bin/ctl_badnl")
else
	not_ok "build ctl_badnl" "$(cat "$VM_OUT/cc-ctl_badnl.log")"
	done_testing
	exit 1
fi

out=$VM_OUT/out
"$VM_RUN" --kver "$KVER" --guest "$ROOT/tests/vm/guest/riptelctl.sh" \
	"${progs[@]}" --out "$out" --timeout "${VM_TIMEOUT:-300}" \
	>"$VM_OUT/vm-run.log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
	ok "$KVER: guest ran clean: no kernel warning, oops or unexpected taint"
else
	not_ok "$KVER: guest ran clean: no kernel warning, oops or unexpected taint" \
		"vm-run.sh exit $rc; $(tail -n 60 "$VM_OUT/vm-run.log")"
fi

if [ -s "$out/guest.tap" ]; then
	tap_merge "$KVER" cat "$out/guest.tap"
	grep -q '^1\.\.[0-9]' "$out/guest.tap" ||
		not_ok "$KVER: the guest script ran to its end"
else
	not_ok "$KVER: the guest reported results" "no $out/guest.tap"
fi
done_testing
