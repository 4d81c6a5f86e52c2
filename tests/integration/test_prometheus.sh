#!/usr/bin/env bash
# test_prometheus.sh - a real Prometheus scrapes riptel's /metrics endpoint;
# its HTTP API must show riptel's series with the right names and values.
#
# Builds tests/integration/prom_feed.c against the agent's libraries
# (made first if out of date), serves a known batch through src/agent/prom.c,
# starts the Debian `prometheus` on loopback with its own storage in a
# temporary directory, scraping every second, then asserts through
# /api/v1/query and /api/v1/metadata.  Prints TAP (tests/lib.sh); every wait
# is bounded; everything started is stopped on exit.
#   BUILD=build  PROMETHEUS=prometheus  WAIT=90 (seconds per wait)
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"

BUILD=${BUILD:-build}
PROMETHEUS=${PROMETHEUS:-prometheus}
WAIT=${WAIT:-90}
LIBS=("$ROOT/$BUILD/release/libriptel-agent.a" "$ROOT/$BUILD/release/libriptel-shared.a")
PKGS="libprotobuf-c libcurl zlib libnl-3.0 libnl-genl-3.0 libsystemd libmicrohttpd glib-2.0"

TMP=$(mktemp -d /tmp/riptel-prom.XXXXXX) || bail "mktemp failed"
FEED_PID=
PROM_PID=

stop_pid() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	stop_pid "${AGENT_PID:-}"
	stop_pid "$FEED_PID"
	stop_pid "$PROM_PID"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for tool in "$PROMETHEUS" curl jq cc pkg-config; do
	command -v "$tool" >/dev/null || bail "$tool is not installed (make deps)"
done

# ---- build the feeder ---------------------------------------------------------
make -s -C "$ROOT" -j2 BUILD="$BUILD" "$BUILD/release/libriptel-agent.a" "$BUILD/release/libriptel-shared.a" >"$TMP/make.log" 2>&1 ||
	bail "building the agent libraries failed: $(tail -5 "$TMP/make.log")"
# shellcheck disable=SC2046,SC2086
if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 \
	-I"$ROOT/src/agent" -I"$ROOT/src/shared" -I"$ROOT/src/include/uapi" -I"$ROOT/src/include" \
	-o "$TMP/prom_feed" "$ROOT/tests/integration/prom_feed.c" "${LIBS[@]}" \
	$(pkg-config --libs $PKGS) -lpthread -lm >"$TMP/cc.log" 2>&1; then
	not_ok "prom_feed builds" "$(cat "$TMP/cc.log")"
	bail "no feeder"
fi
ok "prom_feed builds against the agent libraries"

# ---- start the feeder on a free port -------------------------------------------
"$TMP/prom_feed" 127.0.0.1:0 "$TMP/feed.port" 300 2>"$TMP/feed.err" &
FEED_PID=$!
for _ in $(seq 1 $((WAIT * 10))); do
	[ -s "$TMP/feed.port" ] && break
	kill -0 "$FEED_PID" 2>/dev/null || break
	sleep 0.1
done
[ -s "$TMP/feed.port" ] || bail "feeder did not start: $(cat "$TMP/feed.err")"
FEED_PORT=$(cat "$TMP/feed.port")
ok "feeder serving on 127.0.0.1:$FEED_PORT"

health=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$FEED_PORT/healthz")
is "$health" 200 "feeder /healthz answers 200 while heartbeating"

# ---- start prometheus ------------------------------------------------------------
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ---- the agent itself: it replays the capture of a real VM run (make demo)
# and keeps serving the resulting metrics until SIGTERM -------------------------
AGENT=${AGENT:-$ROOT/$BUILD/release/bin/riptel-agent}
AGENT_PORT=
for _ in 1 2 3 4 5; do
	p=$((20000 + RANDOM % 40000))
	port_free "$p" && AGENT_PORT=$p && break
done
"$AGENT" --replay "$ROOT/tests/fixtures/vm-demo-6.12.rcap" --output=none \
	--prometheus="127.0.0.1:$AGENT_PORT" 2>"$TMP/agent.err" &
AGENT_PID=$!
for _ in $(seq 1 $((WAIT * 10))); do
	grep -q "serving its metrics" "$TMP/agent.err" && break
	kill -0 "$AGENT_PID" 2>/dev/null || break
	sleep 0.1
done
like "$(cat "$TMP/agent.err")" "serving its metrics on 127.0.0.1:$AGENT_PORT" \
	"riptel-agent replays the VM capture and serves /metrics"

cat >"$TMP/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: riptel
    static_configs:
      - targets: ['127.0.0.1:$FEED_PORT']
  - job_name: riptel-agent
    static_configs:
      - targets: ['127.0.0.1:$AGENT_PORT']
    # the agent serves the same metric names as the feeder: prefix its
    # series so the feeder's exact-count queries above see only the feeder
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: '(riptides_.*)'
        target_label: __name__
        replacement: 'agent_\${1}'
YAML

PROM_PORT=
for _ in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	port_free "$port" || continue
	"$PROMETHEUS" --config.file="$TMP/prometheus.yml" \
		--storage.tsdb.path="$TMP/tsdb" \
		--web.listen-address="127.0.0.1:$port" \
		--log.level=warn >"$TMP/prometheus.log" 2>&1 &
	PROM_PID=$!
	ready=0
	for _ in $(seq 1 $((WAIT * 2))); do
		if curl -sf --max-time 2 "http://127.0.0.1:$port/-/ready" >/dev/null; then
			ready=1
			break
		fi
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.5
	done
	if [ "$ready" = 1 ]; then
		PROM_PORT=$port
		break
	fi
	stop_pid "$PROM_PID"
	PROM_PID=
done
[ -n "$PROM_PORT" ] || bail "prometheus did not become ready: $(tail -5 "$TMP/prometheus.log")"
ok "prometheus ready on 127.0.0.1:$PROM_PORT"

API=http://127.0.0.1:$PROM_PORT/api/v1

# query EXPR: the JSON result array of an instant query
query() {
	curl -s --max-time 10 -G "$API/query" --data-urlencode "query=$1" | jq -c '.data.result // []'
}

# value EXPR: the value of the single series EXPR selects, or "" when not one
value() {
	query "$1" | jq -r 'if length == 1 then .[0].value[1] else "" end'
}

# ---- wait for scrapes ----------------------------------------------------------------
up=
for _ in $(seq 1 $((WAIT * 2))); do
	up=$(value 'up{job="riptel"}')
	# two scrapes at least: the data is settled, not half ingested
	scrapes=$(value 'count_over_time(up{job="riptel"}[1m])')
	[ "$up" = 1 ] && [ "${scrapes:-0}" -ge 2 ] 2>/dev/null && break
	sleep 0.5
done
is "$up" 1 "prometheus scrapes the endpoint (up == 1)"
health=$(curl -s --max-time 10 "$API/targets" | jq -r '.data.activeTargets[0].health')
is "$health" up "the target is healthy (no parse error)"

# ---- counters: _total, labels, escaping --------------------------------------------
is "$(value 'riptides_connections_total{riptides_direction="out"}')" 42 \
	"counter gets _total, dots become _ (out = 42)"
is "$(value 'riptides_connections_total{riptides_direction="in"}')" 7 \
	"second series of the counter (in = 7)"
is "$(query 'riptides_connections_total' | jq length)" 2 "the counter has exactly two series"
is "$(query '{__name__="riptides_connections"}' | jq length)" 0 \
	"no series under the name without _total"
peer=$(query 'riptides_connections_total{riptides_direction="out"}' | jq -r '.[0].metric.peer')
is "$peer" $'a"b\\c\nd' "escaped label value arrives intact (quote, backslash, newline)"
is "$(query 'riptides_connections_total{riptides_direction="out"}' | jq -r '.[0].metric.job')" riptel \
	"scrape labels are added"
# metadata of the feeder's target only (the agent's target serves the same
# metric names with its own HELP; metadata is not relabelled)
feeder_meta() {
	curl -s --max-time 10 -G "$API/targets/metadata" \
		--data-urlencode 'match_target={job="riptel"}' \
		--data-urlencode metric=riptides_connections_total | jq -r ".data[0].$1"
}
is "$(feeder_meta type)" counter "TYPE counter"
is "$(feeder_meta help)" "Connections finished" "HELP text"

# ---- histogram: _seconds, cumulative buckets, +Inf, _sum, _count -----------------------
H=riptides_connection_duration_seconds
is "$(value "${H}_bucket{le=\"0.01\"}")" 1 "bucket le=0.01 = 1"
is "$(value "${H}_bucket{le=\"0.1\"}")" 3 "bucket le=0.1 = 3 (cumulative)"
is "$(value "${H}_bucket{le=\"1\"}")" 3 "bucket le=1 = 3"
is "$(value "${H}_bucket{le=\"+Inf\"}")" 4 "bucket le=+Inf = 4"
is "$(query "${H}_bucket" | jq length)" 4 "four buckets in all"
is "$(value "${H}_count")" 4 "_count = 4"
is "$(value "${H}_sum")" 4.1328125 "_sum = 4.1328125"
is "$(value "round(1000 * histogram_quantile(0.5, ${H}_bucket))")" 55 \
	"histogram_quantile works on the buckets (median 0.055)"
is "$(curl -s --max-time 10 -G "$API/metadata" --data-urlencode "metric=$H" |
	jq -r ".data.${H}[0].type")" histogram "TYPE histogram"

# ---- gauges ------------------------------------------------------------------------------
is "$(value riptides_agent_memory_bytes)" 1048576 "gauge with unit By gets _bytes"
is "$(value riptides_agent_export_queue_depth)" 5 \
	"non-monotonic sum is a gauge, {annotation} unit adds nothing"
is "$(curl -s --max-time 10 -G "$API/metadata" --data-urlencode metric=riptides_agent_export_queue_depth |
	jq -r '.data.riptides_agent_export_queue_depth[0].type')" gauge "TYPE gauge"

# ---- resource ------------------------------------------------------------------------------
is "$(value 'target_info{service_name="riptel-feed",host_name="itest"}')" 1 \
	"resource attributes on target_info"

# ---- the agent's own series, from the VM capture: 3 allowed connections
# frontend -> payments, 2 denied batch-job, 1 denied frontend (failed
# handshake), 5 successful and 1 failed TLS 1.3 handshakes -------------------
for _ in $(seq 1 $((WAIT * 2))); do
	[ "$(value 'up{job="riptel-agent"}')" = 1 ] &&
		[ -n "$(value 'agent_riptides_connections_total{job="riptel-agent",riptides_decision="allow"}')" ] && break
	sleep 0.5
done
F=spiffe://demo.riptel.dev/ns/shop/sa/frontend
Bj=spiffe://demo.riptel.dev/ns/batch/sa/batch-job
is "$(value "agent_riptides_connections_total{job=\"riptel-agent\",riptides_decision=\"allow\",riptides_local_spiffe_id=\"$F\"}")" 3 \
	"agent: 3 allowed connections by frontend's SPIFFE ID"
is "$(value "agent_riptides_connections_total{job=\"riptel-agent\",riptides_decision=\"deny\",riptides_local_spiffe_id=\"$Bj\"}")" 2 \
	"agent: 2 denied connections by batch-job's SPIFFE ID"
is "$(value 'agent_riptides_handshakes_total{job="riptel-agent",riptides_handshake_outcome="failure"}')" 1 \
	"agent: 1 failed handshake"
is "$(value 'agent_riptides_handshakes_total{job="riptel-agent",riptides_handshake_outcome="success"}')" 5 \
	"agent: 5 successful handshakes"
is "$(value 'sum(agent_riptides_connection_duration_seconds_count{job="riptel-agent",riptides_decision="allow"})')" 3 \
	"agent: the duration histogram counts the 3 allowed connections"
kill -TERM "$AGENT_PID" 2>/dev/null
wait "$AGENT_PID"
is "$?" 0 "agent stops cleanly on SIGTERM"
AGENT_PID=

# ---- stop ------------------------------------------------------------------------------------
kill -TERM "$FEED_PID" 2>/dev/null
rc=
for _ in $(seq 1 100); do
	if ! kill -0 "$FEED_PID" 2>/dev/null; then
		wait "$FEED_PID"
		rc=$?
		break
	fi
	sleep 0.1
done
FEED_PID=
is "$rc" 0 "feeder stops cleanly on SIGTERM"

done_testing
