#!/bin/sh
# demo-guest.sh - inside the demo VM: an identity fabric at work.
#
# riptel.ko and the reference enforcement provider riptides_ref.ko; three
# workloads by uid (frontend 1000, batch-job 1001, payments 2000) with one
# allow rule frontend -> payments; riptel-agent records JSON telemetry and a
# capture while frontend connects (allowed), batch-job connects (denied by
# policy, the SYN is dropped), a handshake fails, and batch-job's identity is
# revoked.  Everything lands in /out for scripts/demo-report.py.
set -u
F=spiffe://demo.riptel.dev/ns/shop/sa/frontend
B=spiffe://demo.riptel.dev/ns/batch/sa/batch-job
P=spiffe://demo.riptel.dev/ns/shop/sa/payments

step() { echo "demo: $*"; }

insmod /modules/riptel.ko || exit 1
insmod /modules/riptides_ref.ko || exit 1
step "riptel.ko and riptides_ref.ko loaded"

riptel-agent --output=json --record=/out/demo.rcap \
	--set export.metric_interval_ms=500 --set export.batch_delay_ms=200 \
	>/out/agent.json 2>/out/agent.err &
apid=$!
sleep 1

idtool config tls 0x0304 fail 0 permissive 0
idtool workload uid 1000 "$F"
idtool workload uid 1001 "$B"
idtool workload uid 2000 "$P"
idtool rule "$F" peer "$P"
step "policy: frontend -> payments allowed, nothing else"

idtool -u 2000 serve 8443 4096 0 /tmp/ready >/out/server.txt 2>&1 &
spid=$!
i=0
while [ ! -f /tmp/ready ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

for n in 1 2 3; do
	idtool -u 1000 connect 8443 $((n * 700)) >/dev/null 2>&1
	step "frontend -> payments #$n: exit $?"
done
for n in 1 2; do
	idtool -u 1001 connect 8443 500 >/dev/null 2>&1
	step "batch-job -> payments #$n: exit $? (3 = refused)"
done
idtool config fail 1000
idtool -u 1000 connect 8443 100 >/dev/null 2>&1
step "frontend -> payments with a failing handshake: exit $?"
idtool config fail 0
idtool unworkload uid 1001
step "batch-job's identity revoked"
sleep 1

kill $spid 2>/dev/null
kill -TERM $apid
wait $apid
step "agent stopped"
rmmod riptides_ref
rmmod riptel
exit 0
