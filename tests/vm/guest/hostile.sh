#!/bin/sh
# hostile.sh - guest side of test_hostile.sh (busybox sh in the VM).
#
# riptel.ko with small rings (4 pages per CPU, so they fill in moments),
# riptel_stress firing from every context on every CPU in the background,
# and the hostile consumer (tests/vm/hostile.c) doing everything wrong
# while records flow.  Afterwards the module must still unload.
# Results: /out/hostile.txt, "ok - ..."/"not ok - ..." lines.
set -u
res=/out/hostile.txt
: >$res

if ! insmod /modules/riptel.ko ring_pages=4; then
	echo "not ok - insmod riptel.ko ring_pages=4" >>$res
	exit 0
fi
insmod /modules/riptel_stress.ko run_ms=120000 process_gap_us=200 &
spid=$!
# wait for the generator's sysfs directory: records are flowing
i=0
while [ ! -e /sys/module/riptel_stress/parameters/stop ] && [ $i -lt 100 ]; do
	usleep 50000
	i=$((i + 1))
done

hostile check 20 >>$res 2>&1
echo "# hostile exit $?" >>$res

echo Y >/sys/module/riptel_stress/parameters/stop
if wait $spid; then
	echo "ok - riptel_stress ran alongside" >>$res
else
	echo "not ok - riptel_stress ran alongside" >>$res
fi
rmmod riptel_stress
if rmmod riptel; then
	echo "ok - rmmod riptel after the hostile reader" >>$res
else
	echo "not ok - rmmod riptel after the hostile reader" >>$res
fi
cat $res
