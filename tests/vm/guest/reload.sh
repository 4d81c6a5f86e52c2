#!/bin/sh
# reload.sh - guest side of test_reload.sh: module parameters refused with a
# reason, and riptel-agent's SIGHUP handling.
# Lines "ok - ..." / "not ok - ..." go to /out/guest.tap.
set -u
TAP=/out/guest.tap
: >"$TAP"
ok() { echo "ok - $*" >>"$TAP"; }
nok() { echo "not ok - $*" >>"$TAP"; }
count() { grep -c "\"type\":\"$1\"" /out/agent.json 2>/dev/null || echo 0; }

# invalid module parameters: the load fails, and the kernel log says why
badparam() {
	if insmod /modules/riptel.ko "$1" 2>/dev/null; then
		nok "insmod riptel $1 refused"
		rmmod riptel
	elif dmesg | grep -q "riptel: $2"; then
		ok "insmod riptel $1 refused: '$2' in the kernel log"
	else
		nok "insmod riptel $1 refused: '$2' in the kernel log"
	fi
}
badparam ring_pages=3 "ring_pages=3: must be a power of two"
badparam ring_pages=131072 "ring_pages=131072: must be a power of two"
badparam flush_ms=0 "flush_ms=0: must be in 1..10000"
badparam watermark=999999999 "watermark=999999999: larger than the ring"
[ -e /dev/riptel ] && nok "no device left behind by refused loads" ||
	ok "no device left behind by refused loads"

insmod /modules/riptel.ko || { nok "insmod riptel"; exit 1; }
cat >/tmp/agent.conf <<'CONF'
[agent]
output = json
[export]
metric_interval_ms = 500
CONF
riptel-agent --config /tmp/agent.conf >/out/agent.json 2>/out/agent.err &
apid=$!
sleep 1
for i in 1 2 3; do /bin/true; done
sleep 0.5
before=$(count exec)
[ "$before" -ge 3 ] && ok "records flow before any reload ($before execs)" ||
	nok "records flow before any reload ($before execs)"

# a config with a typo: refused, the agent keeps running as it was
printf '[export]\nendpont = http://x:1\n' >/tmp/agent.conf
kill -HUP $apid
sleep 1
grep -q "SIGHUP: configuration rejected, keeping the running one: /tmp/agent.conf:2: unknown key 'endpont' in \[export\]" /out/agent.err &&
	ok "bad config refused, naming file, line and key" ||
	nok "bad config refused, naming file, line and key"
kill -0 $apid 2>/dev/null && ok "agent alive after a bad reload" ||
	nok "agent alive after a bad reload"
for i in 1 2 3 4; do /bin/true; done
sleep 0.5
mid=$(count exec)
[ "$mid" -ge $((before + 4)) ] && ok "records still flow after the refused reload" ||
	nok "records still flow after the refused reload ($before -> $mid)"

# a good config: applied
printf '[agent]\noutput = json\n[export]\nendpoint = http://127.0.0.1:9\ncompression = gzip\n' >/tmp/agent.conf
kill -HUP $apid
sleep 1
grep -q "SIGHUP: configuration reloaded" /out/agent.err &&
	ok "good config reloaded" || nok "good config reloaded"
for i in 1 2 3 4 5; do /bin/true; done
sleep 0.5
after=$(count exec)
[ "$after" -ge $((mid + 5)) ] && ok "records flow after the reload" ||
	nok "records flow after the reload ($mid -> $after)"

kill -TERM $apid
wait $apid
rc=$?
[ "$rc" = 0 ] && ok "SIGTERM after reloads: exit 0" || nok "SIGTERM after reloads: exit $rc"
grep -q '"type":"summary"' /out/agent.json && ok "summary printed at exit" ||
	nok "summary printed at exit"
rmmod riptel && ok "rmmod riptel" || nok "rmmod riptel"
exit 0
