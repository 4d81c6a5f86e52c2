#!/usr/bin/env bash
# test_signals.sh - SIGHUP reloads while the agent runs and while it shuts
# down, SIGTERM in the middle of a run: nothing races, nothing is lost
# without being counted, the exit report is always printed.
#
#   tests/integration/test_signals.sh      (prints TAP)
#
# The agent replays tests/fixtures/vm-demo-6.12.rcap at its recorded pace
# (about 4 s) with a config file, exporting to a receiver that accepts
# connections and never answers, so every export hangs and the final flush
# runs into agent.shutdown_timeout_ms.  A SIGHUP every 20 ms all along makes
# the reload thread swap exporters during the run and try to during the
# shutdown flush (before the fix it freed the exporter main was flushing:
# a use-after-free, and the exit report showed a fresh exporter's zeros).
#
# run-integration.sh runs this with the release agent and again with the
# ThreadSanitizer build (AGENT=build/thread/bin/riptel-agent): then any
# TSan report fails the run (exit status 66) and is shown.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"

AGENT=${AGENT:-$ROOT/build/release/bin/riptel-agent}
CAPTURE=$ROOT/tests/fixtures/vm-demo-6.12.rcap
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1 exitcode=66 second_deadlock_stack=1}

tmp=$(mktemp -d /tmp/riptel-signals.XXXXXX) || bail "mktemp failed"
recv_pid=
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill -KILL "$agent_pid" 2>/dev/null
	[ -n "$recv_pid" ] && kill "$recv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

[ -x "$AGENT" ] || bail "no agent at $AGENT (make agent)"
command -v python3 >/dev/null || bail "python3 not installed (make deps)"
diag "agent: $AGENT"

# A receiver that accepts and never answers.
python3 - "$tmp/port" <<'EOF' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(128)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
conns = []
s.settimeout(0.5)
end = time.time() + 120
while time.time() < end:
    try:
        conns.append(s.accept()[0])
    except socket.timeout:
        pass
EOF
recv_pid=$!
for _ in $(seq 1 100); do
	[ -s "$tmp/port" ] && break
	sleep 0.05
done
[ -s "$tmp/port" ] || bail "the hung receiver did not start"
port=$(cat "$tmp/port")

cat >"$tmp/agent.conf" <<EOF
[agent]
output = otlp
shutdown_timeout_ms = 1500
[export]
endpoint = http://127.0.0.1:$port
timeout_ms = 20000
metric_interval_ms = 1000
batch_delay_ms = 200
EOF

# run_agent NAME SIGTERM_AFTER: the agent with a SIGHUP every 20 ms until it
# exits; with SIGTERM_AFTER (seconds) non-empty, a SIGTERM then.  Sets rc
# and leaves stderr in $tmp/NAME.err.
run_agent() {
	local name=$1 term_after=$2 start hups=0
	env -u OTEL_EXPORTER_OTLP_ENDPOINT "$AGENT" --config "$tmp/agent.conf" \
		--replay "$CAPTURE" --pace >"$tmp/$name.out" 2>"$tmp/$name.err" &
	agent_pid=$!
	# signals from the moment it runs (before exec, SIGHUP kills env)
	for _ in $(seq 1 200); do
		grep -q "replaying" "$tmp/$name.err" 2>/dev/null && break
		sleep 0.05
	done
	start=$(date +%s%N)
	while kill -0 "$agent_pid" 2>/dev/null; do
		kill -HUP "$agent_pid" 2>/dev/null && hups=$((hups + 1))
		if [ -n "$term_after" ] &&
		   [ $(($(date +%s%N) - start)) -ge $((term_after * 1000000000)) ]; then
			kill -TERM "$agent_pid" 2>/dev/null
			term_after=
		fi
		sleep 0.02
		[ $(($(date +%s%N) - start)) -lt 40000000000 ] || break
	done
	if kill -0 "$agent_pid" 2>/dev/null; then
		diag "$name: still running after 40 s (hung at shutdown?): killed"
		kill -KILL "$agent_pid" 2>/dev/null
	fi
	wait "$agent_pid"
	rc=$?
	agent_pid=
	diag "$name: $hups SIGHUPs sent; the agent said:
$(grep -v 'configuration reloaded' "$tmp/$name.err" | tail -n 40)
($(grep -c 'configuration reloaded' "$tmp/$name.err") reloads)"
}

check_run() {
	local name=$1 err
	err=$(cat "$tmp/$name.err")
	is "$rc" 0 "$name: exits by itself, status 0 (66: a ThreadSanitizer report, 137: hung and killed)"
	if grep -qE "ThreadSanitizer|AddressSanitizer|runtime error" "$tmp/$name.err"; then
		not_ok "$name: no sanitizer report" "$(grep -A30 -E 'ThreadSanitizer|AddressSanitizer|runtime error' "$tmp/$name.err" | head -60)"
	else
		ok "$name: no sanitizer report"
	fi
	like "$err" "SIGHUP: configuration reloaded" "$name: SIGHUP reloaded the exporter during the run"
	# the exit report: what the receiver never took is counted, per signal
	like "$err" "export metrics: 0 sent, 0 rejected, [1-9][0-9]* dropped" \
		"$name: exit report counts the undelivered metric points"
	[ "$name" = hup-storm ] &&	# a SIGTERM'd replay may end before a span does
		like "$err" "export traces: 0 sent, 0 rejected, [1-9][0-9]* dropped" \
			"$name: exit report counts the undelivered spans"
	like "$err" "[0-9]+ records, 0 dropped in the queue" "$name: summary printed"
	like "$err" "shutdown: not everything reached the collector within 1500 ms" \
		"$name: the final flush ran, bounded"
}

# 1. the replay ends by itself; shutdown (1.5 s flush into the hung
#    receiver) under a SIGHUP storm
run_agent hup-storm ""
check_run hup-storm

# 2. SIGTERM half-way through the replay, SIGHUPs before and after
run_agent hup-term 2
check_run hup-term

done_testing
