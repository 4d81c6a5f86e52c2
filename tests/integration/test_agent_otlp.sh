#!/usr/bin/env bash
# test_agent_otlp.sh - the real agent's OTLP exports, decoded by the
# OpenTelemetry project's own generated decoders.
#
# riptel-agent --replay tests/fixtures/sample.rcap exports to
# tests/interop/receiver.js (Node 20, @opentelemetry/otlp-transformer
# 0.52.1's protobufjs root, installed by scripts/deps.sh), with gzip on;
# check_agent_otlp.py then asserts the decoded requests field by field:
# resource, span kinds, parent/child ids, SPIFFE attributes, status,
# metric kinds/temporality/units, histogram bucket counts, logs tied to
# their connection's trace.  Then a collector that is down: the agent still
# exits 0 within its shutdown bound and counts what it dropped.
set -uo pipefail

ROOT=${RIPTEL_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"
BUILD=${BUILD:-$ROOT/build}
AGENT=${AGENT:-$BUILD/release/bin/riptel-agent}
MODULES=${RIPTEL_INTEROP_MODULES:-$BUILD/node_modules}
tmp=$(mktemp -d)
recv_pid=
cleanup() {
	[ -n "$recv_pid" ] && kill "$recv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x "$AGENT" ] || [ ! -d "$MODULES/@opentelemetry/otlp-transformer" ]; then
	not_ok "prerequisites" "need $AGENT (make agent) and $MODULES (scripts/deps.sh)"
	done_testing
	exit 1
fi

# Each capture: a fresh receiver, the agent replaying it, the decoded check.
# sample.rcap is synthetic (tests/fixtures/make_sample_capture.c);
# vm-demo-6.12.rcap was recorded by the agent in a real VM run (make demo).
for cap in sample.rcap vm-demo-6.12.rcap; do
	rm -f "$tmp/recv.jsonl" "$tmp/recv.out"
	node "$ROOT/tests/interop/receiver.js" --out "$tmp/recv.jsonl" \
		--modules "$MODULES" >"$tmp/recv.out" 2>"$tmp/recv.err" &
	recv_pid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$tmp/recv.out")
		[ -n "$port" ] && break
		sleep 0.1
	done
	if [ -z "$port" ]; then
		not_ok "$cap: receiver.js listening" "$(cat "$tmp/recv.err")"
		continue
	fi
	ok "$cap: receiver.js listening on $port"
	timeout 60 "$AGENT" --replay "$ROOT/tests/fixtures/$cap" \
		--set export.endpoint="http://127.0.0.1:$port" \
		--set export.compression=gzip \
		--set resource.attributes=deployment.environment=test \
		>"$tmp/agent.out" 2>"$tmp/agent.err"
	rc=$?
	is "$rc" 0 "$cap: agent replays and exports, exit 0"
	diag "$(cat "$tmp/agent.err")"
	python3 "$ROOT/tests/integration/check_agent_otlp.py" "$tmp/recv.jsonl" \
		>"$tmp/check.tap" 2>&1
	tap_merge "$cap: decoded exports" cat "$tmp/check.tap"
	kill "$recv_pid" 2>/dev/null
	wait "$recv_pid" 2>/dev/null
	recv_pid=
done

# a collector that is down: bounded shutdown, drops counted, exit 0
start=$(date +%s)
timeout 60 "$AGENT" --replay "$ROOT/tests/fixtures/sample.rcap" \
	--set export.endpoint=http://127.0.0.1:9 \
	--set agent.shutdown_timeout_ms=2000 \
	>"$tmp/down.out" 2>"$tmp/down.err"
rc=$?
took=$(($(date +%s) - start))
is "$rc" 0 "collector down: agent still exits 0"
cmp_num "$took" -le 15 "collector down: shutdown bounded (took ${took}s, bound 2 s + retry wait)"
like "$(cat "$tmp/down.err")" "export (metrics|traces|logs): 0 sent, 0 rejected, [1-9][0-9]* dropped" \
	"collector down: undelivered items counted as dropped"
done_testing
