#!/bin/sh
# cpu_online.sh - guest side of test_cpu_online.sh (busybox sh in the VM).
#
# Booted with 4 vCPUs in two NUMA nodes (CPUs 0-1 node 0, 2-3 node 1) and
# maxcpus=2: CPUs 2 and 3 are possible but offline.
#   1. after insmod only CPUs 0 and 1 have rings (nr_rings 2; mmap of CPU
#      2's ring gets ENXIO), each on its CPU's node
#   2. the agent runs; CPU 2 comes online for the first time: the agent
#      learns of the new ring (EPOLLPRI), maps it and reads the records
#      written on CPU 2; check_stream judges the whole run's accounting
#   3. CPU 2's ring sits on node 1; CPU 3 online makes the 4th ring
# Results: /out/cpu_online.txt, "ok - ..."/"not ok - ..." lines.
set -u
res=/out/cpu_online.txt
: >$res

ok() { echo "ok - $1" >>$res; }
not_ok() { echo "not ok - $1${2:+: $2}" >>$res; }
# check "name" CMD...: ok if CMD succeeds
check() {
	name=$1
	shift
	if "$@" >/tmp/run.out 2>&1; then ok "$name"; else not_ok "$name" "$(tr '\n' ' ' </tmp/run.out)"; fi
}

node_of() {	# the node of CPU $1, from sysfs
	basename "$(ls -d /sys/devices/system/cpu/cpu$1/node* 2>/dev/null | head -n1)" | sed 's/node//'
}

# ring_on FILE CPU: CPU's ring, all of its pages on CPU's node
ring_on() {
	n=$(node_of "$2")
	line=$(grep "^cpu=$2 " "$1")
	case $line in
	*ring=yes*) ;;
	*) echo "CPU $2 has no ring: $line"; return 1 ;;
	esac
	nodes=${line#*nodes=}
	[ "$nodes" = "N$n=$pages" ] || { echo "CPU $2 (node $n): $nodes, want N$n=$pages"; return 1; }
}

check "CPUs 2 and 3 are offline at boot" test "$(cat /sys/devices/system/cpu/online)" = "0-1"
check "two NUMA nodes" test "$(node_of 0)/$(node_of 2)" = "0/1"
check "insmod riptel.ko" insmod /modules/riptel.ko
pages=$(cat /sys/module/riptel/parameters/ring_pages)
ringnode >/out/nodes_load.txt 2>&1
check "at load: 2 rings, for the online CPUs" grep -qx 'nr_rings=2' /out/nodes_load.txt
check "at load: no ring for possible CPU 2 (mmap ENXIO)" grep -q '^cpu=2 ring=no errno=6$' /out/nodes_load.txt
check "CPU 0's ring on its node" ring_on /out/nodes_load.txt 0
check "CPU 1's ring on its node" ring_on /out/nodes_load.txt 1
riptelctl --json status >/out/status_load.json 2>&1
check "RINGS lists the 2 rings" test "$(tr '{' '\n' </out/status_load.json | grep -c '"head"')" = 2

# ---- the agent runs while CPU 2 comes online ----
mkfifo /tmp/agent.fifo
check_stream --expect /tmp/expect </tmp/agent.fifo >/tmp/stream.txt 2>&1 &
cpid=$!
riptel-agent --output=json --queue-size=1048576 >/tmp/agent.fifo 2>/out/agent.err &
apid=$!
i=0
while ! grep -q /dev/riptel /proc/$apid/maps 2>/dev/null && [ $i -lt 200 ]; do usleep 50000; i=$((i + 1)); done
check "CPU 2 online, after the agent started" sh -c 'echo 1 >/sys/devices/system/cpu/cpu2/online'
i=0
while ! grep -q "CPU 2 came online" /out/agent.err && [ $i -lt 200 ]; do usleep 50000; i=$((i + 1)); done
check "the agent learned of CPU 2's ring and maps it" grep -q "CPU 2 came online: reading its ring too" /out/agent.err
taskset -c 2 sh -c 'i=0; while [ $i -lt 30 ]; do /bin/true; i=$((i + 1)); done'
# test records from every online CPU, CPU 2 included, counted by the generator
check "riptel_stress on the online CPUs" insmod /modules/riptel_stress.ko run_ms=1500 process_burst=16 process_gap_us=2000 period_us=2000
p=/sys/module/riptel_stress/parameters
printf 'offered %s\nstored %s\ndropped %s\n' \
	"$(($(cat $p/offered_process) + $(cat $p/offered_softirq) + $(cat $p/offered_hardirq)))" \
	"$(cat $p/stored_total)" "$(cat $p/dropped_total)" >/tmp/expect
rmmod riptel_stress
usleep 500000
kill -TERM $apid
wait $apid
check "agent exits 0" test $? = 0
wait $cpid
sed 's/^\(not \)*ok - /&stream: /' /tmp/stream.txt >>$res
cp /tmp/stream.txt /out/stream.txt
check "CPU 2's records reached the agent, every one printed" \
	grep -q '^ok - cpu 2: every consumed record printed' /tmp/stream.txt
ringnode >/out/nodes_online.txt 2>&1
check "CPU 2's ring, created at its first online, on its node (1)" ring_on /out/nodes_online.txt 2
check "3 rings now" grep -qx 'nr_rings=3' /out/nodes_online.txt
check "CPU 3 online" sh -c 'echo 1 >/sys/devices/system/cpu/cpu3/online'
ringnode >/out/nodes_all.txt 2>&1
check "4 rings once every CPU has been online" grep -qx 'nr_rings=4' /out/nodes_all.txt
check "CPU 3's ring on its node (1)" ring_on /out/nodes_all.txt 3
check "CPU 2 offline again" sh -c 'echo 0 >/sys/devices/system/cpu/cpu2/online'
ringnode >/out/nodes_off.txt 2>&1
check "CPU 2's ring stays while it is offline" grep -q '^cpu=2 ring=yes' /out/nodes_off.txt
check "rmmod riptel" rmmod riptel
cat $res
