#!/usr/bin/env bash
# test_records.sh - the first records, end to end, on one Debian kernel.
#
# Guest (guest_records.sh): insmod riptel.ko; riptel-agent --output=json in
# the background; the workload (tests/vm/progs/workload.c) execs /bin/true
# N times and makes K TCP connections on 127.0.0.1; SIGTERM the agent;
# rmmod.  Host (check_records.py): exactly N exec records with the
# children's pids and comm "true" (with their fork and exit records), each
# connection's TCP transitions on both sockets with the right ports, a
# summary with no drops; plus clean insmod/agent/rmmod and no kernel
# warning or unexpected taint (vm-run.sh).
#
# Run by scripts/vmtest.sh; alone: KVER=6.12 tests/vm/test_records.sh
set -uo pipefail

ROOT=${RIPTEL_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"
KVER=${KVER:-6.1}
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VM_RUN=${VM_RUN:-$ROOT/scripts/vm-run.sh}
VM_OUT=${VM_OUT:-$BUILD/vmtest/manual-$KVER/test_records}
N=${N:-7}
K=${K:-4}

mkdir -p "$VM_OUT" "$BUILD/vmprogs"
workload=$BUILD/vmprogs/workload
if ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes \
	-o "$workload" "$ROOT/tests/vm/progs/workload.c" 2>"$VM_OUT/cc.log"; then
	ok "build workload"
else
	not_ok "build workload" "$(cat "$VM_OUT/cc.log")"
	done_testing
	exit 1
fi

agent=$BUILD/release/bin/riptel-agent
if [ ! -x "$agent" ]; then
	not_ok "riptel-agent built" "no $agent (make agent)"
	done_testing
	exit 1
fi

cat >"$VM_OUT/params.sh" <<PARAMS
N=$N
K=$K
PARAMS

out=$VM_OUT/out
"$VM_RUN" --kver "$KVER" --guest "$ROOT/tests/vm/guest_records.sh" \
	--file "$workload:/bin/workload" --file "$VM_OUT/params.sh:/etc/test-params.sh" \
	--out "$out" --timeout 240 2>"$VM_OUT/vm-run.log"
rc=$?
if [ "$rc" -eq 0 ]; then
	ok "guest ran clean: no kernel warning, oops or unexpected taint"
else
	not_ok "guest ran clean: no kernel warning, oops or unexpected taint" \
		"vm-run.sh exit $rc; $(tail -n 60 "$VM_OUT/vm-run.log")"
fi
diag "$(grep 'guest exit' "$VM_OUT/vm-run.log")"

for step in insmod workload agent rmmod; do
	got=$(cat "$out/$step.rc" 2>/dev/null || echo missing)
	if [ "$step" = agent ] && [ "$got" != 0 ] && [ -s "$out/agent.err" ]; then
		is "$got" 0 "$step exited 0"
		diag "agent stderr: $(head -n 20 "$out/agent.err")"
	else
		is "$got" 0 "$step exited 0"
	fi
done

if [ ! -f "$out/records.json" ] || [ ! -f "$out/workload.txt" ]; then
	not_ok "records and workload report came back" "missing in $out"
	done_testing
	exit 1
fi

# check_records.py prints "PASS name" / "FAIL name<TAB>why" lines.
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*)
		rest=${line#FAIL }
		not_ok "${rest%%$'\t'*}" "${rest#*$'\t'}"
		;;
	"#"*) echo "$line" ;;
	*) diag "$line" ;;
	esac
done < <(python3 "$ROOT/tests/vm/check_records.py" --n "$N" --k "$K" \
	"$out/records.json" "$out/workload.txt" 2>&1 || echo "FAIL check_records.py ran	exit $?")

done_testing
