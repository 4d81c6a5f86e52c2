#!/bin/sh
# wakeup.sh - guest side of test_wakeup.sh (busybox sh in the VM).
#
#   1. riptel with a one-page ring (watermark 8 records) and flush_ms=10000,
#      so only the watermark's irq_work can wake a reader within the
#      waits' 5 s: an EPOLLET reader, an io_uring multishot poll reader and
#      a poll(2) reader each want 20 wake-ups while exec load runs
#   2. default riptel, every record type off: a reader asleep in poll(2)
#      for 3 s with nothing pending sees no flush work run (tracefs
#      workqueue_execute_start); then one exec record (exec enabled) wakes
#      a sleeping reader (the first record after the empty ring arms the
#      flush), and RINGS shows a drained, caught-up reader: FILL 0,
#      TAIL == HEAD on every ring
# Results: /out/wakeup.txt, "ok - ..."/"not ok - ..." lines; the readers'
# figures in /out/*.kv.
set -u
res=/out/wakeup.txt
: >$res

ok() { echo "ok - $1" >>$res; }
not_ok() { echo "not ok - $1${2:+: $2}" >>$res; }
kv() { sed -n "s/^$2=//p" "$1" | head -n1; }

# ---- 1. watermark wake-ups, every kind of reader ----
insmod /modules/riptel.ko ring_pages=1 flush_ms=10000 || not_ok "insmod ring_pages=1 flush_ms=10000"
(while :; do /bin/true; done) &
load=$!
for mode in epollet uring poll; do
	wakeup "$mode" 20 5 >/out/$mode.kv 2>&1
	w=$(kv /out/$mode.kv wakes) t=$(kv /out/$mode.kv timeouts)
	if [ "${w:-0}" -ge 20 ] && [ "${t:-1}" = 0 ]; then
		ok "$mode reader woken 20 times by the watermark, no wait timed out"
	else
		not_ok "$mode reader woken 20 times by the watermark, no wait timed out" \
			"$(tr '\n' ' ' </out/$mode.kv)"
	fi
done
kill $load
wait $load 2>/dev/null
rmmod riptel || not_ok "rmmod after the watermark readers"

# ---- 2. no flush work while idle; a lone record still arrives ----
insmod /modules/riptel.ko || not_ok "insmod (defaults)"
riptelctl disable all >/dev/null || not_ok "riptelctl disable all"
T=/sys/kernel/tracing
echo 1 >$T/events/workqueue/workqueue_execute_start/enable
mkfifo /tmp/idle.in
wakeup idle 3 </tmp/idle.in >/out/idle.kv 2>&1 &
rpid=$!
exec 3>/tmp/idle.in
i=0
while ! grep -q asleep /out/idle.kv && [ $i -lt 100 ]; do usleep 50000; i=$((i + 1)); done
# the reader sleeps 3 s; count flush runs in those 3 s
: >$T/trace
sleep 3
runs=$(grep -c 'ring_flush_fn' $T/trace)
i=0
while ! grep -q holding /out/idle.kv && [ $i -lt 100 ]; do usleep 50000; i=$((i + 1)); done
echo "flush_runs_idle=$runs" >>/out/idle.kv
if [ "$runs" -le 1 ]; then
	ok "no flush work runs while nothing is pending (3 s: $runs runs)"
else
	not_ok "no flush work runs while nothing is pending (3 s: $runs runs)"
fi
# the reader has drained and holds the device: RINGS must show it caught up
riptelctl --json status >/out/status.json 2>&1
bad=$(tr '{' '\n' </out/status.json | grep '"cpu":' | grep '"head"' |
	sed -n 's/.*"head":\([0-9]*\),"tail":\([0-9]*\),"fill":\([0-9]*\).*/\1 \2 \3/p' |
	awk '$1 != $2 || $3 != 0 { n++ } END { print n + 0 }')
nr=$(tr '{' '\n' </out/status.json | grep -c '"head"')
if [ "$nr" -gt 0 ] && [ "$bad" = 0 ]; then
	ok "RINGS: a caught-up reader shows FILL 0 and TAIL = HEAD on all $nr rings"
else
	not_ok "RINGS: a caught-up reader shows FILL 0 and TAIL = HEAD on all $nr rings" \
		"$bad rings differ: $(tr -d '\n' </out/status.json | head -c 600)"
fi
exec 3>&-
wait $rpid
# One lone record wakes a reader that fell asleep with the rings empty:
# every type is still off while the reader starts and sleeps (so nothing
# the guest runs meanwhile is recorded), then exec goes on and one
# /bin/true writes one record, far below the watermark: only the flush,
# armed by that record, can deliver it.
wakeup lone 10 >/out/lone.kv 2>&1 &
rpid=$!
i=0
while ! grep -q asleep /out/lone.kv && [ $i -lt 100 ]; do usleep 50000; i=$((i + 1)); done
: >$T/trace
riptelctl enable exec >/dev/null || not_ok "riptelctl enable exec"
/bin/true
wait $rpid
runs=$(grep -c 'ring_flush_fn' $T/trace)
echo "flush_runs_lone=$runs" >>/out/lone.kv
echo 0 >$T/events/workqueue/workqueue_execute_start/enable
w=$(kv /out/lone.kv wakes) r=$(kv /out/lone.kv records)
if [ "$w" = 1 ] && [ "${r:-0}" -ge 1 ] && [ "$runs" -ge 1 ]; then
	ok "a lone record wakes a reader asleep on empty rings, through the flush it armed"
else
	not_ok "a lone record wakes a reader asleep on empty rings, through the flush it armed" \
		"$(tr '\n' ' ' </out/lone.kv)"
fi
rmmod riptel || not_ok "rmmod at the end"
cat $res
