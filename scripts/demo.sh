#!/usr/bin/env bash
# demo.sh - riptel end to end: a real Debian kernel in a VM, the module and
# a reference identity-enforcement provider, real connections allowed and
# denied by SPIFFE identity, and the telemetry arriving, first as the
# agent's JSON in the VM, then as OTLP decoded by the OpenTelemetry
# project's own decoders on the host (the VM's capture replayed).
#
#   make demo                 (DEMO_KVER=6.1 for the other kernel)
#
# Works from any state of build/ (none, an old one, a previous demo's).
# Exits non-zero, saying why, when the VM produced no agent output, when
# no connection span arrived, or when the host-side receiver decoded
# nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
KVER=${DEMO_KVER:-6.12}
out=$BUILD/demo/$KVER

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { printf '\ndemo FAILED: %s\n' "$*" >&2; exit 1; }

mkdir -p "$BUILD"

say "installing what the demo needs (scripts/deps.sh)"
"$ROOT/scripts/deps.sh" >"$BUILD/demo-deps.log" 2>&1 ||
	{ tail -n 30 "$BUILD/demo-deps.log"; fail "scripts/deps.sh failed (log: $BUILD/demo-deps.log)"; }
mkdir -p "$out" "$BUILD/guest"

say "building riptel-agent and the modules for Debian's $KVER kernel"
make -C "$ROOT" -j2 agent >/dev/null
kmod_dir=$("$ROOT/scripts/build-kmod.sh" --kver "$KVER" | tail -n1)
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
	-I"$ROOT/src/include/uapi" -I"$ROOT/src/shared" \
	$(pkg-config --cflags libnl-genl-3.0) -o "$BUILD/guest/idtool" \
	"$ROOT/tests/vm/idtool.c" "$ROOT/src/shared/spiffe.c" \
	$(pkg-config --libs libnl-genl-3.0)

say "booting Debian $KVER in qemu: riptel.ko + riptides_ref.ko, policy, connections"
RIPTEL_KMOD_DIR=$kmod_dir "$ROOT/scripts/vm-run.sh" --kver "$KVER" \
	--guest "$ROOT/scripts/demo-guest.sh" --out "$out" --timeout 300 \
	--file "$BUILD/guest/idtool" \
	--file "$kmod_dir/riptides_ref.ko:/modules/riptides_ref.ko" \
	2>"$out.log" | grep '^demo:' || true
[ -s "$out/agent.json" ] ||
	{ tail -n 40 "$out.log"; fail "the VM produced no agent output (console: $out/console.log)"; }

say "what riptel-agent saw in the VM (--output=json)"
python3 "$ROOT/scripts/demo-report.py" "$out/agent.json" ||
	fail "no connection span in the agent's output ($out/agent.json)"

say "the VM's capture replayed on the host, exported as OTLP/HTTP to a receiver decoding with OpenTelemetry's own code"
recv=$out/otlp.jsonl
rm -f "$recv"
node "$ROOT/tests/interop/receiver.js" --out "$recv" \
	--modules "$BUILD/node_modules" >"$out/recv.out" 2>&1 &
rpid=$!
trap 'kill $rpid 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q '^PORT' "$out/recv.out" && break; sleep 0.1; done
port=$(sed -n 's/^PORT //p' "$out/recv.out")
"$BUILD/release/bin/riptel-agent" --replay "$out/demo.rcap" \
	--set export.endpoint="http://127.0.0.1:$port" --set export.compression=gzip
python3 - "$recv" <<'PY' || fail "the host-side OTLP receiver decoded nothing ($recv, $out/recv.out)"
import json, sys
n = {"/v1/metrics": 0, "/v1/traces": 0, "/v1/logs": 0}
items = {"points": 0, "spans": 0, "logs": 0}
for line in open(sys.argv[1]):
    r = json.loads(line)
    n[r["path"]] += 1
    q = r["request"]
    for rm in q.get("resourceMetrics", []):
        for sm in rm["scopeMetrics"]:
            for m in sm["metrics"]:
                for k in ("sum", "gauge", "histogram"):
                    items["points"] += len(m.get(k, {}).get("dataPoints", []))
    for rs in q.get("resourceSpans", []):
        for ss in rs["scopeSpans"]:
            items["spans"] += len(ss["spans"])
    for rl in q.get("resourceLogs", []):
        for sl in rl["scopeLogs"]:
            items["logs"] += len(sl["logRecords"])
print("collector received: %d metrics requests (%d points), %d traces requests (%d spans), %d logs requests (%d log records)" % (
    n["/v1/metrics"], items["points"], n["/v1/traces"], items["spans"], n["/v1/logs"], items["logs"]))
sys.exit(0 if items["points"] and items["spans"] and items["logs"] else 1)
PY
say "done: raw output in $out (agent.json, demo.rcap, otlp.jsonl, console.log)"
