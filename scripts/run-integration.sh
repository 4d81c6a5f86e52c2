#!/usr/bin/env bash
# run-integration.sh - host-side integration tests (no VM): every
# tests/integration/test_*.sh, merged into one TAP stream.  They run the
# real agent (build/release), a real Prometheus, systemd-analyze and the
# OpenTelemetry project's own decoders (Node) on loopback.
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
done_testing
