#!/bin/sh
# provider.sh - guest side of test_provider.sh (busybox sh in the VM).
#
# riptides_ref.ko loaded with max_conns=2 max_listeners=4, riptel-agent
# recording JSON, and riptel's record control:
#   1. with a pid filter on a process that makes none of them, the provider
#      attach record and identity records (about no process) still reach
#      the ring; the connection's intercept (about idtool) is filtered
#   2. a cgroup filter on the cgroup a socket was made in: the intercept of
#      a connection made after the process moved elsewhere passes (the
#      subject is the provider's, the socket's cgroup, not current's)
#   3. a workload whose certificate is not valid yet is denied, with reason
#      RIPTIDES_REASON_NOT_YET_VALID (8); a valid one is allowed through a
#      dual-stack [::] listener whose identity the peer lookup finds
#   4. two connections held open fill the tracking table: a third is
#      refused at once with RIPTIDES_REASON_OVERLOAD (9), one decision per
#      connection, and counted; a listener past max_listeners is counted
#   5. contended interning through a 16-slot table (rotating identities
#      from three processes, connections from two)
# Results: /out/*.txt and the agent's /out/agent.json, for
# check_provider.py; "ok"/"not ok" lines for the steps in /out/guest.tap.
set -u
TAP=/out/guest.tap
: >"$TAP"
A=spiffe://riptel.test/ns/a/sa/client-a
B=spiffe://riptel.test/ns/b/sa/client-b
S=spiffe://riptel.test/ns/s/sa/server

ok() { echo "ok - $*" >>"$TAP"; }
nok() { echo "not ok - $*" >>"$TAP"; }
chk() {
	name=$1
	shift
	echo "+ $*" >>/out/cmd.log
	if "$@" >>/out/cmd.log 2>&1; then ok "$name"; else nok "$name"; fi
}
wait_file() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		usleep 20000
	done
}
# run NAME CMD...: output and exit code to /out/NAME.txt
run() {
	name=$1
	shift
	"$@" >/out/$name.txt 2>&1
	echo "rc=$?" >>/out/$name.txt
}

chk "insmod riptel" insmod /modules/riptel.ko
riptel-agent --output=json >/out/agent.json 2>/out/agent.err &
apid=$!
i=0
while ! grep -q riptel /proc/$apid/maps 2>/dev/null && [ $i -lt 200 ]; do usleep 50000; i=$((i + 1)); done

# ---- 1. a pid filter on a bystander ----
sleep 600 &
bystander=$!
chk "filter pid add the bystander" riptelctl filter pid add $bystander
chk "insmod riptides_ref max_conns=2 max_listeners=4" \
	insmod /modules/riptides_ref.ko max_conns=2 max_listeners=4
chk "workload server" idtool workload uid 2000 "$S"
chk "workload client-a" idtool workload uid 1000 "$A"
chk "rule client-a -> server" idtool rule "$A" peer "$S"
idtool -u 2000 serve6 8080 100 0 /tmp/ready >/out/served.txt 2>&1 &
spid=$!
wait_file /tmp/ready || nok "server listening on [::]"
run conn_filtered idtool -u 1000 connect 8080 10
riptelctl --json status >/out/status_pid.json 2>&1
chk "filter pid clear" riptelctl filter pid clear
kill $bystander

# ---- 2. a cgroup filter on the socket's cgroup ----
mkdir -p /sys/fs/cgroup/made /sys/fs/cgroup/moved
chk "filter cgroup add made" riptelctl filter cgroup add made
run conn_moved sh -c 'echo $$ >/sys/fs/cgroup/made/cgroup.procs && exec idtool connect-cg 8080 10 /sys/fs/cgroup/moved'
echo "made=$(stat -c %i /sys/fs/cgroup/made) moved=$(stat -c %i /sys/fs/cgroup/moved)" >/out/cgroups.txt
riptelctl --json status >/out/status_cg.json 2>&1
chk "filter cgroup clear" riptelctl filter cgroup clear

# ---- 3. validity, and the dual-stack listener ----
run conn_a idtool -u 1000 connect 8080 10
chk "workload client-b, valid only in an hour" idtool workload uid 1001 "$B" nb 3600 na 7200
chk "rule client-b -> server" idtool rule "$B" peer "$S"
run conn_b_early idtool -u 1001 connect 8080 10
chk "workload client-b, valid now" idtool workload uid 1001 "$B" nb -60 na 3600
run conn_b_valid idtool -u 1001 connect 8080 10
sleep 1

# ---- 4. a full tracking table fails closed; listeners past the table ----
idtool listen 9000 1 /tmp/lready >/dev/null 2>&1 &
lpid=$!
wait_file /tmp/lready || nok "backlog listener"
idtool hold 9000 2 /tmp/hready >/out/held.txt 2>&1 &
hpid=$!
wait_file /tmp/hready || nok "two connections held"
run conn_overload idtool connect 9000 0
idtool status >/out/status_full.txt 2>&1
idtool listen 9100 5 /tmp/l2ready >/dev/null 2>&1 &
l2pid=$!
wait_file /tmp/l2ready || nok "five more listeners"
idtool status >/out/status_listen.txt 2>&1
kill $hpid $lpid $l2pid
wait $hpid $lpid $l2pid 2>/dev/null
sleep 1
# the held connections closed: tracking has room again
run conn_after idtool connect 8080 0

kill $spid
wait $spid 2>/dev/null
sleep 1
kill -TERM $apid
wait $apid || nok "agent exited cleanly"
idtool list >/out/intern.txt 2>&1
chk "rmmod riptides_ref" rmmod riptides_ref
chk "rmmod riptel" rmmod riptel

# ---- 5. contended interning through a tiny table ----
# Identities rotating from three processes at once (every ID new, every
# other one too long to live in its slot) and connections interning their
# IDs from two more, with 16 slots and 2 long buffers: lock-free lookups
# race slot reuse all the time.  PREEMPT_RT runs it too.
chk "insmod riptel intern_slots=16 intern_long_slots=2" \
	insmod /modules/riptel.ko intern_slots=16 intern_long_slots=2
chk "insmod riptides_ref (stress)" insmod /modules/riptides_ref.ko
long=spiffe://riptel.test/ns/stress/sa/a-service-account-name-long-enough-that-its-id-does-not-fit-in-an-intern-slot
chk "workload uid 3000" idtool workload uid 3000 "spiffe://riptel.test/stress/c0"
chk "workload uid 3001" idtool workload uid 3001 "$long/c1"
idtool serve 8082 10 0 /tmp/sready >/dev/null 2>&1 &
spid=$!
wait_file /tmp/sready || nok "stress server listening"
pids=
for k in 0 1 2; do
	(i=0; while [ $i -lt 40 ]; do
		if [ $((i % 2)) = 0 ]; then id=spiffe://riptel.test/stress/$k/$i; else id=$long/$k/$i; fi
		idtool workload uid $((3100 + k)) "$id" >/dev/null 2>&1 || echo fail >>/tmp/stress.fail
		i=$((i + 1))
	done) &
	pids="$pids $!"
done
for u in 3000 3001; do
	(i=0; while [ $i -lt 30 ]; do
		idtool -u $u connect 8082 10 >/dev/null 2>&1
		i=$((i + 1))
	done) &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
kill $spid
wait $spid 2>/dev/null
idtool rstatus >/out/rstatus_stress.txt 2>&1
idtool list >/out/intern_stress.txt 2>&1
[ -e /tmp/stress.fail ] && nok "stress: every workload update succeeded"
chk "rmmod riptides_ref (stress)" rmmod riptides_ref
chk "rmmod riptel (stress)" rmmod riptel
exit 0
