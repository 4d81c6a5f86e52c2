#!/usr/bin/env bash
# test-all.sh - every suite `make test` runs, one after the other:
#   unit            make check                       (release build)
#   unit-asan-ubsan make check SAN=address,undefined
#   unit-tsan       make check SAN=thread
#   integration     scripts/run-integration.sh       (agent, OTLP, Prometheus, systemd)
#   lint            scripts/lint-kmod.sh             (checkpatch, W=1 builds)
#   vmtest-6.1      scripts/vmtest.sh 6.1
#   vmtest-6.12     scripts/vmtest.sh 6.12
#   packaging       tests/packaging/test_deb.sh      (make deb, install, purge)
# Each suite prints TAP; its output goes to the terminal and to
# build/test-logs/<suite>.log.  Lines "ok ..." and "not ok ..." are counted;
# a suite that exits non-zero without any "not ok" counts one more failure.
# Prints per-suite counts and ends with exactly one line "N passed, N failed";
# exits 1 on any failure.  SUITES="unit lint" runs only those.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${BUILD:-build}
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"

# Check's per-test timeouts (4 s by default) are scaled for the sanitizer
# builds below, which run several times slower on a busy 2-core machine.
# Sanitizers: stop at the first report so the test that caused it fails.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

# ThreadSanitizer cannot cope with every ASLR layout (high mmap_rnd_bits):
# run it without randomisation when setarch can do that.
norandom=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
	norandom=(setarch "$(uname -m)" -R)
fi

# packaging comes last: it installs riptel-dkms, and DKMS's riptel tree is
# one per host, which the VM suites' test_dkms.sh uses too
ALL_SUITES="unit unit-asan-ubsan unit-tsan integration lint vmtest-6.1 vmtest-6.12 packaging"

suite_cmd() {
	case $1 in
	unit) echo make -j2 check ;;
	unit-asan-ubsan) echo env CK_TIMEOUT_MULTIPLIER=4 make -j2 check SAN=address,undefined ;;
	unit-tsan) echo env CK_TIMEOUT_MULTIPLIER=10 "${norandom[*]}" make -j2 check SAN=thread ;;
	integration) echo scripts/run-integration.sh ;;
	lint) echo scripts/lint-kmod.sh ;;
	vmtest-6.1) echo scripts/vmtest.sh 6.1 ;;
	vmtest-6.12) echo scripts/vmtest.sh 6.12 ;;
	packaging) echo tests/packaging/test_deb.sh ;;
	*) return 1 ;;
	esac
}

# The two kernels' VM suites run side by side: single-threaded TCG keeps
# each guest on one host core, so on 2 cores this halves their wall time.
# Each gets its own build dir (guest programs, modules, results), sharing
# the release build, the kernel cache and the node modules by symlink; the
# agent is built once first.
start_vm_parallel() {
	local k d abs
	abs=$(cd "$BUILD" && pwd)
	make -j2 agent >"$LOGS/agent-build.log" 2>&1 || return 0
	for k in 6.1 6.12; do
		case " ${SUITES:-$ALL_SUITES} " in *" vmtest-$k "*) ;; *) continue ;; esac
		d=$BUILD/par-$k
		mkdir -p "$d"
		for l in release cache node_modules; do
			ln -sfn "$abs/$l" "$d/$l"
		done
		BUILD=$d RIPTEL_AGENT_BUILT=1 scripts/vmtest.sh "$k" \
			>"$LOGS/vmtest-$k.log" 2>&1 &
		vm_pids[$k]=$!
	done
}
declare -A vm_pids=()
[ -z "${RIPTEL_SERIAL_VMTEST:-}" ] && start_vm_parallel

total_pass=0
total_fail=0
summary=()
for suite in ${SUITES:-$ALL_SUITES}; do
	if ! cmd=$(suite_cmd "$suite"); then
		echo "test-all.sh: unknown suite $suite" >&2
		total_fail=$((total_fail + 1))
		summary+=("$(printf '%-16s unknown suite' "$suite")")
		continue
	fi
	log=$LOGS/$suite.log
	echo "==== $suite: $cmd"
	start=$SECONDS
	k=${suite#vmtest-}
	if [ "$suite" != "$k" ] && [ -n "${vm_pids[$k]:-}" ]; then
		# started in the background above: wait, then show its log
		wait "${vm_pids[$k]}"
		rc=$?
		cat "$log"
	else
		# shellcheck disable=SC2086
		$cmd 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	fi
	pass=$(grep -cE '^ok( |$)' "$log")
	fail=$(grep -cE '^not ok( |$)' "$log")
	note=
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		fail=1
		note=" (exited $rc without a 'not ok')"
	fi
	if [ $((pass + fail)) -eq 0 ]; then
		fail=1
		note=" (ran no test)"
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	summary+=("$(printf '%-16s ok %4d   not ok %3d   %4ds%s' "$suite" "$pass" "$fail" $((SECONDS - start)) "$note")")
done

echo "==== summary (logs in $LOGS/)"
for line in "${summary[@]}"; do
	echo "$line"
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
