#!/bin/sh
# identity.sh - guest side of test_identity.sh (busybox sh in the VM).
#
# Phase "before": riptides_ref.ko loaded before riptel.ko; riptel-agent
# records (JSON) while a policy with three workloads (uid 1000 client-a,
# uid 1001 client-b, uid 2000 server) and one allow rule (client-a -> the
# server's ID) is loaded and client-a, client-b and an unmanaged root client
# connect to the server; then identities are revoked and rotated.
# Then the exe and cgroup selectors, permissive mode and failing (simulated)
# handshakes, each on one more connection.
# Phase "bad": malformed and unprivileged genl requests (idtool bad).
# Phase "intern": riptel with a 256-slot table, 10,000 IDs interned and
# resolved through src/shared/spiffe.c with a 64-entry cache.
# Phase "after": riptel.ko loaded first, then the provider.
# Phase "reload": the provider loaded, configured and unloaded RELOADS
# times with no other load (kmalloc counts sampled at the start, half way
# and the end: the leak check), then RELOADS times while connections run;
# module state is compared across both.
# Results: /out/*.txt; "ok"/"not ok" lines in /out/guest.tap.
set -u

RELOADS=${RELOADS:-100}
# shellcheck disable=SC1091
[ -f /files/identity.env ] && . /files/identity.env
TAP=/out/guest.tap
: >"$TAP"
A=spiffe://riptel.test/ns/a/sa/client-a
B=spiffe://riptel.test/ns/b/sa/client-b
S=spiffe://riptel.test/ns/s/sa/server
E=spiffe://riptel.test/exe/idtool
C=spiffe://riptel.test/cgroup/wl

ok() { echo "ok - $*" >>"$TAP"; }
nok() { echo "not ok - $*" >>"$TAP"; }
# $1 name, rest: command; output appended to /out/cmd.log
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

start_agent() {
	riptel-agent --output=json >"$1" 2>"$1.err" &
	apid=$!
	i=0
	while ! grep -q riptel /proc/$apid/maps 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 $apid 2>/dev/null; then
			nok "agent started ($1)"
			return
		fi
		usleep 50000
	done
}

stop_agent() {
	kill -TERM $apid
	wait $apid || nok "agent exited cleanly"
}

slab_kmalloc() {
	awk '/^kmalloc-[0-9]/ { s += $2 } END { print s }' /proc/slabinfo
}

# kmalloc objects in use whose allocation stack passes through riptel (or
# the provider while loaded): the guest boots with slub_debug=U, so each
# object keeps its allocation stack, and alloc_traces groups them as
# "<count> <caller> ..." followed by the stack's frames.
slab_ours() {
	cat /sys/kernel/debug/slab/kmalloc-*/alloc_traces 2>/dev/null | awk '
		/^ *[0-9]+ / { if (ours) s += n; n = $1; ours = ($0 ~ /\[(riptel|riptides_ref)\]/); next }
		/\[(riptel|riptides_ref)\]/ { ours = 1 }
		END { if (ours) s += n; print s + 0 }'
}

# "<all kmalloc objects> <riptel's>", counted with the connection load
# ($cpid) and the agent ($apid) stopped and every kmalloc cache shrunk
# (which also flushes the per-CPU slabs, whose free objects /proc/slabinfo
# counts as in use), so the same conditions hold at every sample.
slab_quiet() {
	[ -n "${cpid:-}" ] && kill -STOP "$cpid" 2>/dev/null
	kill -STOP "$apid" 2>/dev/null
	sleep 1
	echo 2 >/proc/sys/vm/drop_caches 2>/dev/null
	for s in /sys/kernel/slab/kmalloc-[0-9]*/shrink; do
		[ -w "$s" ] && echo 1 >"$s" 2>/dev/null
	done
	echo "$(slab_kmalloc) $(slab_ours)"
	kill -CONT "$apid" 2>/dev/null
	[ -n "${cpid:-}" ] && kill -CONT "$cpid" 2>/dev/null
}

# ---- before: provider first ----
chk "insmod riptides_ref before riptel" insmod /modules/riptides_ref.ko
chk "insmod riptel after the provider" insmod /modules/riptel.ko
idtool rstatus >/out/rstatus_before.txt 2>&1
start_agent /out/agent.json
chk "config tls 1.3" idtool config tls 0x0304 fail 0 permissive 0
chk "workload client-a" idtool workload uid 1000 "$A"
chk "workload client-b" idtool workload uid 1001 "$B"
chk "workload server" idtool workload uid 2000 "$S"
chk "rule client-a -> server" idtool rule "$A" peer "$S"
idtool -u 2000 serve 8080 2000 0 /tmp/ready >/out/served.txt 2>&1 &
spid=$!
wait_file /tmp/ready || nok "server listening"
idtool -u 1000 connect 8080 1000 >/out/conn_a.txt 2>&1
echo "rc=$?" >>/out/conn_a.txt
idtool -u 1001 connect 8080 1000 >/out/conn_b.txt 2>&1
echo "rc=$?" >>/out/conn_b.txt
idtool connect 8080 300 >/out/conn_root.txt 2>&1
echo "rc=$?" >>/out/conn_root.txt
chk "revoke client-b" idtool unworkload uid 1001
chk "rotate client-a" idtool workload uid 1000 "$A"
idtool status >/out/ref_status.txt 2>&1
# the other selectors: exe (wins over uid), then cgroup; no rule for them
chk "workload exe" idtool workload exe /bin/idtool "$E"
idtool -u 1000 connect 8080 10 >/out/conn_exe.txt 2>&1
echo "rc=$?" >>/out/conn_exe.txt
chk "revoke exe" idtool unworkload exe /bin/idtool
mkdir -p /sys/fs/cgroup/wl
chk "workload cgroup" idtool workload cgroup "$(stat -c %i /sys/fs/cgroup/wl)" "$C"
cg_connect() {
	sh -c 'echo $$ >/sys/fs/cgroup/wl/cgroup.procs && exec idtool -u 1001 connect 8080 10' \
		>"$1" 2>&1
	echo "rc=$?" >>"$1"
}
cg_connect /out/conn_cg.txt
# permissive: the same denial is logged, not enforced
chk "config permissive" idtool config permissive 1
cg_connect /out/conn_perm.txt
chk "config enforcing, handshakes fail" idtool config permissive 0 fail 1000
idtool -u 1000 connect 8080 10 >/out/conn_hsfail.txt 2>&1
echo "rc=$?" >>/out/conn_hsfail.txt
chk "config handshakes succeed" idtool config fail 0
chk "revoke cgroup" idtool unworkload cgroup "$(stat -c %i /sys/fs/cgroup/wl)"
sleep 1
kill $spid
wait $spid
stop_agent
idtool list >/out/intern.txt 2>&1
idtool rstatus >/out/rstatus_run.txt 2>&1
# resolve the first reference in the intern list through src/shared/spiffe.c
rid='' rgen='' rname=''
read -r rid rgen rname </out/intern.txt
[ -n "$rname" ] && echo "$rname $(idtool resolve "$rid" "$rgen")" >/out/resolve.txt

# ---- bad input ----
idtool bad >/out/bad.txt 2>&1
echo "rc=$?" >>/out/bad.txt
chk "flush policy" idtool flush
chk "rmmod riptides_ref" rmmod riptides_ref
chk "rmmod riptel" rmmod riptel

# ---- intern: 10,000 IDs through 256 slots ----
chk "insmod riptel intern_slots=256" insmod /modules/riptel.ko intern_slots=256
idtool intern-test 10000 64 >/out/intern_test.txt 2>&1
echo "rc=$?" >>/out/intern_test.txt
idtool rstatus >/out/rstatus_intern.txt 2>&1
if insmod /modules/riptel.ko intern_slots=3 2>/dev/null; then
	nok "intern_slots=3 refused"
else
	ok "intern_slots=3 refused"
fi

# ---- after: riptel first ----
chk "insmod riptides_ref after riptel" insmod /modules/riptides_ref.ko
idtool rstatus >/out/rstatus_after.txt 2>&1
chk "rmmod riptides_ref (after)" rmmod riptides_ref
idtool rstatus >/out/rstatus_gone.txt 2>&1
chk "rmmod riptel (after)" rmmod riptel

# ---- reload: RELOADS times quiet (leak check), RELOADS under connections ----
# One cycle: load the provider, configure it over genl, unload it.
reload_cycle() {
	insmod /modules/riptides_ref.ko || fails=$((fails + 1))
	idtool workload uid 0 spiffe://reload.test/root >/dev/null 2>&1 ||
		fails=$((fails + 1))
	idtool rule spiffe://reload.test/root port 8081 >/dev/null 2>&1 ||
		fails=$((fails + 1))
	usleep 20000
	rmmod riptides_ref || fails=$((fails + 1))
}

chk "insmod riptel (reload)" insmod /modules/riptel.ko
start_agent /out/agent_reload.json
fails=0
# one warm-up cycle, so one-time allocations do not count as leaks
reload_cycle
ref0=$(cat /sys/module/riptel/refcnt)
# The leak check runs before any connection load: sockets in TIME_WAIT
# and the caches behind them grow for a minute after a load starts, by a
# few hundred objects at a time that land in either half of a loaded run.
q=$(slab_quiet)
slab0=${q% *} ours0=${q#* }
i=0
slabh=0 oursh=0
while [ $i -lt "$RELOADS" ]; do
	i=$((i + 1))
	reload_cycle
	if [ $i = $((RELOADS / 2)) ]; then
		q=$(slab_quiet)
		slabh=${q% *} oursh=${q#* }
	fi
done
q=$(slab_quiet)
slab1=${q% *} ours1=${q#* }

idtool serve 8081 100 0 /tmp/ready2 >/dev/null 2>&1 &
spid=$!
wait_file /tmp/ready2 || nok "reload server listening"
(
	n=0
	while [ ! -e /tmp/stop ]; do
		idtool connect 8081 100 >/dev/null 2>&1 && n=$((n + 1))
	done
	echo "$n" >/tmp/conns
) &
cpid=$!
i=0
while [ $i -lt "$RELOADS" ]; do
	i=$((i + 1))
	reload_cycle
done
touch /tmp/stop
wait $cpid
kill $spid
wait $spid
cpid=
ref1=$(cat /sys/module/riptel/refcnt)
idtool rstatus >/out/rstatus_reload.txt 2>&1
stop_agent
echo "reloads=$RELOADS loaded=$RELOADS fails=$fails conns=$(cat /tmp/conns) slab0=$slab0 slabh=$slabh slab1=$slab1 ours0=$ours0 oursh=$oursh ours1=$ours1 ref0=$ref0 ref1=$ref1" \
	>/out/reload.txt
dmesg >/out/dmesg_now.txt
chk "rmmod riptel (end)" rmmod riptel
if lsmod | grep -q riptides_ref; then nok "provider gone"; else ok "provider gone"; fi
exit 0
