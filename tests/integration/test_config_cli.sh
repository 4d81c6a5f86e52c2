#!/usr/bin/env bash
# test_config_cli.sh - the agent's configuration as an operator meets it:
# --check-config refuses exactly what startup refuses, with the same
# message; OTEL_* enums in any case, unknown ones warned about and
# ignored; long lines and ';' inside values in the config file.
#
#   tests/integration/test_config_cli.sh      (prints TAP; about 2 s)
#
# Startup is `--replay tests/fixtures/sample.rcap` (no device needed).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"

AGENT=${AGENT:-$ROOT/build/release/bin/riptel-agent}
SAMPLE=$ROOT/tests/fixtures/sample.rcap
tmp=$(mktemp -d /tmp/riptel-config.XXXXXX) || bail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
[ -x "$AGENT" ] || bail "no agent at $AGENT (make agent)"

# agent ARGS...: run hermetically (no host config, no OTEL_*), set rc,
# stdout in $tmp/out, stderr in $tmp/err
agent() {
	env -i PATH="$PATH" ${EXTRA_ENV:+$EXTRA_ENV} timeout 60 "$AGENT" "$@" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# ---- 1. --check-config and startup agree ------------------------------------
# Each: what to set, and a word the refusal must contain.  Before, the
# first two passed --check-config and then failed startup.
while IFS='|' read -r name sets want; do
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086
	agent --config=/dev/null $sets --check-config
	check_rc=$rc
	check_err=$(cat "$tmp/err")
	# shellcheck disable=SC2086
	agent --config=/dev/null --set export.endpoint=http://127.0.0.1:9 \
		--set agent.shutdown_timeout_ms=0 $sets --replay "$SAMPLE"
	is "$check_rc" 2 "$name: --check-config refuses it (exit 2)"
	is "$rc" 2 "$name: startup refuses it (exit 2)"
	like "$check_err" "$want" "$name: --check-config says why"
	is "$(grep -v '^riptel-agent: replaying' "$tmp/err")" "$check_err" \
		"$name: startup says the same"
done <<'EOF'
bad redact rule with cmdline|--set enrich.cmdline=true --set enrich.redact=pass(word=x|enrich.redact: redaction rule 'pass\(word=x'
unclosed IPv6 listen address|--set prometheus.listen=[::1|prometheus.listen: bad listen address '\[::1'
bad redact rule without cmdline|--set enrich.redact=a(b|enrich.redact
unknown metric in a filter|--set metrics.attribute_filters=no.such:deny=x|unknown metric 'no.such'
ftp endpoint|--set export.endpoint=ftp://collector|export settings: .*ftp://collector
EOF

agent --config=/dev/null --check-config
is "$rc" 0 "defaults: --check-config accepts them"

# ---- 2. OTEL_* enums: any case, lowmemory, unknown values ignored ------------
EXTRA_ENV="OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=lowmemory OTEL_EXPORTER_OTLP_COMPRESSION=GZIP"
agent --config=/dev/null --check-config
is "$rc" 0 "lowmemory and GZIP: accepted (before: exit 2)"
like "$(cat "$tmp/out")" "temporality = lowmemory" "lowmemory: the effective temporality"
like "$(cat "$tmp/out")" "compression = gzip" "GZIP: the effective compression"
is "$(cat "$tmp/err")" "" "lowmemory and GZIP: no warning"
EXTRA_ENV="OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=sometimes OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=brotli OTEL_SDK_DISABLED=nope"
agent --config=/dev/null --check-config
is "$rc" 0 "unknown enum values: accepted"
like "$(cat "$tmp/err")" "warning: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE='sometimes'.*ignored" \
	"unknown temporality: warned about, ignored"
like "$(cat "$tmp/err")" "warning: OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=brotli: unknown value, ignored" \
	"unknown per-signal compression: warned about, ignored"
like "$(cat "$tmp/err")" "warning: OTEL_SDK_DISABLED=nope" "non-boolean OTEL_SDK_DISABLED: warned about"
like "$(cat "$tmp/out")" "temporality = cumulative" "unknown temporality: the default stays"
agent --config=/dev/null --output=none --replay "$SAMPLE"
is "$rc" 0 "unknown enum values: startup runs"
like "$(cat "$tmp/err")" "warning: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE" \
	"startup shows the same warning"
EXTRA_ENV="OTEL_EXPORTER_OTLP_PROTOCOL=grpc"
agent --config=/dev/null --check-config
is "$rc" 2 "grpc (known, not spoken): refused"
EXTRA_ENV=

# ---- 3. long lines, ';' in values, the line of an error -----------------------
token=$(head -c 3000 /dev/zero | tr '\0' 'a')
cat >"$tmp/long.conf" <<EOF
; written for the old parser: a ';' comment line
[export]
headers = authorization=Bearer%20$token
[metrics]
attribute_filters = riptides.connections:deny=riptides.peer.spiffe_id ;riptides.process.execs:deny=process.user.name
EOF
agent --config="$tmp/long.conf" --check-config
is "$rc" 0 "a 3 kB line and ' ;' inside a value: accepted"
like "$(cat "$tmp/out")" "headers = authorization=Bearer%20a{3000}" "the long value is whole"
like "$(cat "$tmp/out")" "attribute_filters = riptides.connections:deny=riptides.peer.spiffe_id ;riptides.process.execs:deny=process.user.name" \
	"both filters kept (before: cut at ' ;')"
printf '[agent]\noutput = xml\n' >>"$tmp/long.conf"
sed -i '1i [resource]\nattributes = a=b' "$tmp/long.conf"
agent --config="$tmp/long.conf" --check-config
is "$rc" 2 "a bad value after the long line: refused"
like "$(cat "$tmp/err")" "long.conf:9: agent.output = 'xml'" "the error names its real line (9)"
head -c 9000 /dev/zero | tr '\0' 's' | sed 's/^/[export]\nheaders = k=/' >"$tmp/secret.conf"
agent --config="$tmp/secret.conf" --check-config
is "$rc" 2 "an export.headers value over 8191 bytes: refused"
like "$(cat "$tmp/err")" "secret.conf:2: export.headers = '\(not shown" "the error names the line, not the credential"
if grep -q "sss" "$tmp/err"; then not_ok "no credential in the message" "$(cat "$tmp/err")"; else ok "no credential in the message"; fi

done_testing
