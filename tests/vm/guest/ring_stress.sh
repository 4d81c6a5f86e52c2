#!/bin/sh
# ring_stress.sh - guest side of test_ring_stress.sh (busybox sh in the VM).
#
# Two runs, each: riptel.ko loaded, riptel-agent --output=json draining
# into check_stream, riptel_stress firing test records from kthreads,
# tasklets and hrtimers on every CPU; then the agent stops, drains what is
# left, prints its summary, and check_stream judges the whole stream
# against the summary and the generator's own counts.
#   normal:   default ring size
#   overload: ring_pages=1 (32 records per CPU), bursts bigger than the
#             ring, so drops must happen and be counted
# Then clockcheck (no agent): record times against user space's clock.
# Results: /out/<run>.txt, "ok - ..."/"not ok - ..." lines.
set -u

[ -f /files/stress.env ] && . /files/stress.env
RUN_MS=${STRESS_RUN_MS:-3000}

# $1 run name, $2 riptel.ko parameters, $3 riptel_stress parameters,
# $4 extra check_stream options
run() {
	name=$1
	res=/out/"$name".txt
	: >"$res"
	if ! insmod /modules/riptel.ko $2; then
		echo "not ok - insmod riptel.ko $2" >>"$res"
		return
	fi
	rm -f /tmp/agent.fifo /tmp/expect /out/"$name".pre
	mkfifo /tmp/agent.fifo
	check_stream --expect /tmp/expect $4 </tmp/agent.fifo >"$res" 2>&1 &
	cpid=$!
	riptel-agent --output=json --queue-size=1048576 >/tmp/agent.fifo \
		2>/out/"$name".agent.err &
	apid=$!
	i=0
	while ! grep -q /dev/riptel /proc/$apid/maps 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 $apid 2>/dev/null; then
			echo "not ok - the agent mapped the rings" >>/out/"$name".pre
			break
		fi
		usleep 50000
	done
	if insmod /modules/riptel_stress.ko run_ms=$RUN_MS $3; then
		p=/sys/module/riptel_stress/parameters
		offered=$(($(cat $p/offered_process) + $(cat $p/offered_softirq) + $(cat $p/offered_hardirq)))
		printf 'offered %s\nstored %s\ndropped %s\n' "$offered" \
			"$(cat $p/stored_total)" "$(cat $p/dropped_total)" >/tmp/expect
		cat /tmp/expect >/out/"$name".stress
		rmmod riptel_stress
	else
		echo "not ok - insmod riptel_stress.ko $3" >>/out/"$name".pre
	fi
	kill -TERM $apid
	wait $apid
	rc=$?
	if [ $rc = 0 ]; then
		echo "ok - agent stopped cleanly on SIGTERM" >>/out/"$name".pre
	else
		echo "not ok - agent stopped cleanly on SIGTERM: exit $rc" >>/out/"$name".pre
	fi
	wait $cpid
	rmmod riptel || echo "not ok - rmmod riptel after the agent exited" >>/out/"$name".pre
	[ -f /out/"$name".pre ] && cat /out/"$name".pre >>"$res"
	cat "$res"
}

run normal "" "process_burst=16 process_gap_us=2000 period_us=2000" "--sources"
run overload "ring_pages=1" "process_burst=128" "--expect-drops"

# clock: record timestamps against user space's CLOCK_MONOTONIC, with a
# test record on every system call and no other reader (clockcheck.c)
if insmod /modules/riptel.ko ring_pages=1024 bench_sys_enter=1; then
	clockcheck -n 5000 -s 200 -c 1 >/out/clock.txt 2>&1 ||
		echo "not ok - clockcheck ran" >>/out/clock.txt
	rmmod riptel || echo "not ok - rmmod riptel after clockcheck" >>/out/clock.txt
else
	echo "not ok - insmod riptel.ko bench_sys_enter=1" >/out/clock.txt
fi
cat /out/clock.txt
