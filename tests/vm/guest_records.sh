# guest_records.sh - guest side of tests/vm/test_records.sh (busybox sh).
#
# insmod riptel.ko, start riptel-agent --output=json, run the workload
# (N execs of /bin/true, K loopback TCP connections), give the agent 300 ms,
# SIGTERM it (it drains and prints its summary), rmmod.  Every step's exit
# code goes to /out/<step>.rc for the host to assert on; the agent's stdout
# is /out/records.json.  N and K come from /etc/test-params.sh.
. /etc/test-params.sh

step() {
	name=$1
	shift
	"$@"
	rc=$?
	echo "$rc" >"$OUT/$name.rc"
	echo "guest: $name -> $rc"
	return $rc
}

step insmod insmod /modules/riptel.ko || exit 1

riptel-agent --output=json >"$OUT/records.json" 2>"$OUT/agent.err" &
apid=$!

# Ready when the agent holds /dev/riptel open (records written before that
# wait in the rings anyway); give up after 10 s.
i=0
while [ $i -lt 100 ]; do
	if ls -l /proc/$apid/fd 2>/dev/null | grep -q /dev/riptel; then
		break
	fi
	if ! kill -0 $apid 2>/dev/null; then
		break
	fi
	usleep 100000
	i=$((i + 1))
done
echo "guest: agent ready after ${i}00 ms"

step workload /bin/workload "$N" "$K" "$OUT/workload.txt"

usleep 300000
kill -TERM $apid
# a watchdog, so a hung agent fails this step instead of the whole run
(sleep 15; kill -KILL $apid 2>/dev/null) &
wdog=$!
wait $apid
echo $? >"$OUT/agent.rc"
kill $wdog 2>/dev/null
echo "guest: agent -> $(cat "$OUT/agent.rc")"
cat "$OUT/agent.err"

step rmmod rmmod riptel
exit 0
