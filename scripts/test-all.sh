#!/usr/bin/env bash
# test-all.sh - every suite `make test` runs:
#   unit              make check                       (release build)
#   unit-asan-ubsan   make check SAN=address,undefined
#   unit-tsan         make check SAN=thread
#   integration       scripts/run-integration.sh       (agent, OTLP, Prometheus, systemd)
#   lint              scripts/lint-kmod.sh             (checkpatch; W=1 builds and the
#                                                       probe-context check on all six kernels)
#   dkms-6.1-rt       tests/vm/test_dkms.sh on 6.1-rt  (DKMS build, records test with it)
#   dkms-6.1-cloud    tests/vm/test_dkms.sh on 6.1-cloud
#   vmtest-6.1        scripts/vmtest.sh 6.1            (every VM test)
#   vmtest-6.12       scripts/vmtest.sh 6.12
#   vmtest-6.12-rt    scripts/vmtest.sh 6.12-rt        (records, ring stress, identity
#   vmtest-6.12-cloud scripts/vmtest.sh 6.12-cloud      with 20 reloads, lifecycle; rt
#                                                       also the provider test)
#   packaging         tests/packaging/test_deb.sh      (make deb, install, purge)
# The kernel matrix and why it is cut there: README, "The kernel matrix".
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

# (in the order the foreground runs them; the vmtest suites run in lanes).
# packaging comes last: it installs riptel-dkms, and DKMS's riptel tree is
# one per host, which the dkms and VM suites' test_dkms.sh use too
ALL_SUITES="unit unit-asan-ubsan unit-tsan integration lint dkms-6.1-rt dkms-6.1-cloud vmtest-6.1 vmtest-6.12 vmtest-6.12-rt vmtest-6.12-cloud packaging"
# the tests the rt and cloud flavours of 6.12 run (identity with fewer reloads)
FLAVOUR_TESTS="test_records test_ring_stress test_identity test_lifecycle"

suite_cmd() {
	case $1 in
	unit) echo make -j2 check ;;
	unit-asan-ubsan) echo env CK_TIMEOUT_MULTIPLIER=4 make -j2 check SAN=address,undefined ;;
	unit-tsan) echo env CK_TIMEOUT_MULTIPLIER=10 "${norandom[*]}" make -j2 check SAN=thread ;;
	integration) echo scripts/run-integration.sh ;;
	lint) echo scripts/lint-kmod.sh ;;
	vmtest-6.1 | vmtest-6.12) echo scripts/vmtest.sh "${1#vmtest-}" ;;
	# PREEMPT_RT also runs the provider test: its contended interning
	vmtest-6.12-rt)
		echo env TESTS="'$FLAVOUR_TESTS test_provider'" RELOADS=20 scripts/vmtest.sh 6.12-rt ;;
	vmtest-6.12-cloud)
		echo env TESTS="'$FLAVOUR_TESTS'" RELOADS=20 scripts/vmtest.sh 6.12-cloud ;;
	dkms-6.1-rt | dkms-6.1-cloud) echo env KVER="${1#dkms-}" bash tests/vm/test_dkms.sh ;;
	packaging) echo tests/packaging/test_deb.sh ;;
	*) return 1 ;;
	esac
}

# The kernel suites run in two lanes beside the rest: single-threaded TCG
# keeps each guest on one host core, so on 2 cores this halves their wall
# time.  Each lane has its own build dir (guest programs, modules,
# results), sharing the release build, the kernel cache and the node
# modules by symlink; the agent is built once first.  A lane runs its
# suites one after the other, each into its own log and .rc file, which
# the loop below waits for.
# The DKMS suites stay in the foreground: it finishes well before the lanes.
LANE_A="vmtest-6.1 vmtest-6.12-rt"
LANE_B="vmtest-6.12 vmtest-6.12-cloud"
declare -A in_lane=()

run_lane() {
	local d=$1 s cmd abs
	shift
	abs=$(cd "$BUILD" && pwd)
	mkdir -p "$d"
	for l in release cache node_modules; do
		ln -sfn "$abs/$l" "$d/$l"
	done
	for s in "$@"; do
		cmd=$(suite_cmd "$s")
		t0=$SECONDS
		# shellcheck disable=SC2086
		eval BUILD="$d" RIPTEL_AGENT_BUILT=1 $cmd >"$LOGS/$s.log" 2>&1
		echo "$? $((SECONDS - t0))" >"$LOGS/$s.rc.tmp"
		mv "$LOGS/$s.rc.tmp" "$LOGS/$s.rc"
	done
}

start_lanes() {
	local lane want s i=0
	make -j2 agent >"$LOGS/agent-build.log" 2>&1 || return 0
	for lane in "$LANE_A" "$LANE_B"; do
		i=$((i + 1))
		want=()
		for s in $lane; do
			case " ${SUITES:-$ALL_SUITES} " in *" $s "*) ;; *) continue ;; esac
			want+=("$s")
			in_lane[$s]=1
			rm -f "$LOGS/$s.rc"
		done
		[ ${#want[@]} -gt 0 ] || continue
		run_lane "$BUILD/par-$i" "${want[@]}" &
	done
}
[ -z "${RIPTEL_SERIAL_VMTEST:-}" ] && start_lanes

total_pass=0
total_fail=0
summary=()
for suite in ${SUITES:-$ALL_SUITES}; do
	if ! cmd=$(suite_cmd "$suite"); then
		echo "test-all.sh: unknown suite $suite" >&2
		total_fail=$((total_fail + 1))
		summary+=("$(printf '%-18s unknown suite' "$suite")")
		continue
	fi
	log=$LOGS/$suite.log
	echo "==== $suite: $cmd"
	start=$SECONDS
	if [ -n "${in_lane[$suite]:-}" ]; then
		# running in a lane: wait for its exit code, then show its log
		while [ ! -f "$LOGS/$suite.rc" ]; do
			sleep 2
		done
		read -r rc took <"$LOGS/$suite.rc"
		start=$((SECONDS - took))	# report the suite's own time
		cat "$log"
	else
		# shellcheck disable=SC2086
		eval $cmd 2>&1 | tee "$log"
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
	summary+=("$(printf '%-18s ok %4d   not ok %3d   %4ds%s' "$suite" "$pass" "$fail" $((SECONDS - start)) "$note")")
done

echo "==== summary (logs in $LOGS/)"
for line in "${summary[@]}"; do
	echo "$line"
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
