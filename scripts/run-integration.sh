#!/usr/bin/env bash
# run-integration.sh - host-side integration tests (no VM): every
# tests/integration/test_*.sh, merged into one TAP stream.  They run the
# real agent (build/release), a real Prometheus, systemd-analyze and the
# OpenTelemetry project's own decoders (Node) on loopback.
#
# The tests that send the agent signals, reload it and shut it down run a
# second time with the ThreadSanitizer build of the agent
# (build/thread/bin/riptel-agent, `make SAN=thread agent`): main.c, where
# the reload thread meets the shutdown, is linked by no unit test.  A TSan
# report makes the agent exit 66, which those tests catch.  Cost: the TSan
# build (about 80 s on 2 cores, once) and about 35 s of runs.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/lib.sh
. "$ROOT/tests/lib.sh"
cd "$ROOT" || exit 1
if ! make -j2 agent >/dev/null 2>&1; then
	not_ok "build agent" "make agent failed"
	done_testing
	exit 1
fi
for t in tests/integration/test_*.sh; do
	tap_merge "$(basename "$t" .sh)" bash "$t"
done

TSAN_AGENT=$ROOT/build/thread/bin/riptel-agent
if make -j2 SAN=thread agent >"$ROOT/build/tsan-agent.log" 2>&1; then
	export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
	for t in test_signals test_agent_otlp test_systemd test_prometheus; do
		tap_merge "tsan: $t" env AGENT="$TSAN_AGENT" bash "tests/integration/$t.sh"
	done
else
	not_ok "build the ThreadSanitizer agent" "$(tail -5 "$ROOT/build/tsan-agent.log")"
fi
done_testing
