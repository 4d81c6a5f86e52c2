#!/bin/sh
# lifecycle.sh - guest side of test_lifecycle.sh (busybox sh in the VM).
#
#   1. rmmod while the rings are mapped (the agent running; a process that
#      closed its fd but keeps the mappings) is refused, and the mappings
#      stay readable
#   2. rmmod right after the agent exits, with exec/fork load running, works
#   3. CPUs go offline and online during a riptel_stress run while the
#      agent drains: check_stream's accounting must still be exact
# Results: /out/lifecycle.txt, "ok - ..."/"not ok - ..." lines.
set -u
res=/out/lifecycle.txt
: >$res

ok() {
	echo "ok - $1" >>$res
}

not_ok() {
	echo "not ok - $1${2:+: $2}" >>$res
}

# run "name" CMD...: ok if CMD succeeds
run() {
	name=$1
	shift
	if "$@" >/tmp/run.out 2>&1; then
		ok "$name"
	else
		not_ok "$name" "$(tr '\n' ' ' </tmp/run.out)"
	fi
}

# refused "name" CMD...: ok if CMD fails
refused() {
	name=$1
	shift
	if "$@" >/tmp/run.out 2>&1; then
		not_ok "$name" "it succeeded"
	else
		ok "$name"
	fi
}

# wait_for PID PATTERN FILE: until FILE matches PATTERN, PID dies or ~10 s
wait_for() {
	i=0
	while ! grep -q "$2" "$3" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		kill -0 "$1" 2>/dev/null || return 1
		usleep 50000
	done
}

agent_start() {	# $1 output
	riptel-agent --output=json --queue-size=1048576 >"$1" 2>>/out/agent.err &
	apid=$!
	wait_for $apid /dev/riptel /proc/$apid/maps
}

agent_stop() {
	kill -TERM $apid
	wait $apid
}

# -- 1. mapped: refused --
run "insmod riptel.ko" insmod /modules/riptel.ko
if agent_start /dev/null; then
	ok "agent maps the rings"
	refused "rmmod refused while the agent has the rings mapped" rmmod riptel
	run "agent still drains after the refused rmmod" kill -0 $apid
	agent_stop
	run "agent exits 0 on SIGTERM" test $? = 0
else
	not_ok "agent maps the rings" "$(tail -n 3 /out/agent.err)"
fi
hostile hold >/tmp/hold.out 2>&1 &
hpid=$!
if wait_for $hpid holding /tmp/hold.out; then
	refused "rmmod refused while a closed fd's mappings remain" rmmod riptel
	kill -TERM $hpid
	wait $hpid
	run "the mappings stayed readable until unmapped" test $? = 0
	run "mapping holder reported the counters" grep -q '^released written' /tmp/hold.out
else
	not_ok "hostile hold maps the rings" "$(cat /tmp/hold.out)"
	kill $hpid 2>/dev/null
fi

# -- 2. agent exits under load, rmmod at once --
(while :; do /bin/true; done) &
lpid=$!
if agent_start /dev/null; then
	usleep 500000
	agent_stop
	run "rmmod right after the agent exits, under exec/fork load" rmmod riptel
else
	not_ok "agent maps the rings under load" "$(tail -n 3 /out/agent.err)"
	rmmod riptel
fi
run "insmod again under load" insmod /modules/riptel.ko
usleep 300000
run "rmmod again under load, no reader ever attached" rmmod riptel
kill $lpid
wait $lpid 2>/dev/null

# -- 3. CPU hotplug during a run --
run "insmod riptel.ko for the hotplug run" insmod /modules/riptel.ko
rm -f /tmp/agent.fifo /tmp/expect
mkfifo /tmp/agent.fifo
check_stream --expect /tmp/expect </tmp/agent.fifo >/tmp/hotplug.txt 2>&1 &
cpid=$!
if agent_start /tmp/agent.fifo; then
	insmod /modules/riptel_stress.ko run_ms=60000 process_burst=16 process_gap_us=2000 period_us=2000 &
	spid=$!
	usleep 500000
	for step in 3:0 2:0 3:1 1:0 2:1 1:1; do
		cpu=${step%:*}
		on=${step#*:}
		run "cpu$cpu online=$on during the run" \
			sh -c "echo $on >/sys/devices/system/cpu/cpu$cpu/online"
		usleep 700000
	done
	run "all CPUs back online" test "$(cat /sys/devices/system/cpu/online)" = "0-3"
	echo Y >/sys/module/riptel_stress/parameters/stop
	if wait $spid; then
		p=/sys/module/riptel_stress/parameters
		offered=$(($(cat $p/offered_process) + $(cat $p/offered_softirq) + $(cat $p/offered_hardirq)))
		printf 'offered %s\nstored %s\ndropped %s\n' "$offered" \
			"$(cat $p/stored_total)" "$(cat $p/dropped_total)" >/tmp/expect
		cat /tmp/expect >/out/hotplug.stress
		rmmod riptel_stress
	else
		not_ok "riptel_stress ran through the hotplug"
	fi
	agent_stop
	run "agent exits 0 after the hotplug run" test $? = 0
else
	not_ok "agent maps the rings for the hotplug run" "$(tail -n 3 /out/agent.err)"
	kill $cpid
fi
wait $cpid
sed 's/^\(not \)*ok - /&hotplug: /' /tmp/hotplug.txt >>$res
run "rmmod after the hotplug run" rmmod riptel
cat $res
