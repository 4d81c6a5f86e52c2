#!/usr/bin/env bash
# test_systemd.sh - the unit verifies, the udev rule applies, the agent speaks sd_notify.
#
#   tests/integration/test_systemd.sh     (from anywhere; prints TAP)
#
# 1. systemd-analyze verify on packaging/riptel-agent.service, with
#    ExecStart pointed at the agent built in this tree (verify checks that
#    the binary exists and is executable), and no warning allowed: verify
#    exits 0 even on a misspelt key, so its output must be empty.  A copy
#    with a typo must produce a warning (the check can fail).
# 2. systemd-sysusers --dry-run creates the riptel group from
#    packaging/sysusers-riptel.conf.
# 3. The udev rule, through udevadm test (systemd 252 has no udevadm
#    verify): in a private mount namespace with a tmpfs /dev and /run and an
#    /etc/group that has riptel - udevadm test really applies permissions and
#    writes /dev and /run, so it must never run on the host's - the rule,
#    retargeted at a misc device that exists, must parse without a
#    diagnostic and give a fake node mode 0660 and group riptel.  Needs
#    root (unshare -m); skipped otherwise.
# 4. riptel-agent --replay tests/fixtures/sample.rcap with NOTIFY_SOCKET at
#    a test socket and WATCHDOG_USEC=200000 (--output=none, no config
#    file: nothing else is involved): READY=1, then WATCHDOG=1, then
#    STOPPING=1; without WATCHDOG_USEC: no WATCHDOG=1.
#
# AGENT=path overrides build/release/bin/riptel-agent.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"

AGENT=${AGENT:-$ROOT/build/release/bin/riptel-agent}
UNIT=$ROOT/packaging/riptel-agent.service
RULE=$ROOT/packaging/99-riptel.rules
SYSUSERS=$ROOT/packaging/sysusers-riptel.conf
SAMPLE=$ROOT/tests/fixtures/sample.rcap

tmp=$(mktemp -d /tmp/riptel-systemd.XXXXXX) || bail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

for tool in systemd-analyze systemd-sysusers udevadm python3; do
	command -v "$tool" >/dev/null || bail "$tool not installed (make deps)"
done
[ -x "$AGENT" ] || bail "no agent at $AGENT (make agent)"

# Root can keep verify's and udevadm's scratch files off the host's /run.
private=0
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
	private=1
fi

# verify UNITFILE: verify's output (empty when clean), then "rc=N".
verify() {
	if [ "$private" = 1 ]; then
		unshare -m --propagation private sh -ec \
			'mount -n -t tmpfs tmpfs /run; systemd-analyze verify "$1" 2>&1; echo "rc=$?"' \
			sh "$1"
	else
		{ systemd-analyze verify "$1" 2>&1; echo "rc=$?"; }
	fi
}

# ---- 1. the unit ----------------------------------------------------------
mkdir -p "$tmp/unit"
u=$tmp/unit/riptel-agent.service
sed "s#^ExecStart=/usr/sbin/riptel-agent\( \|$\)#ExecStart=$AGENT\1#" "$UNIT" >"$u"
like "$(grep '^ExecStart=' "$u")" "^ExecStart=$AGENT( |$)" "unit: ExecStart retargeted to the built agent"
out=$(verify "$u")
is "$out" "rc=0" "unit: systemd-analyze verify passes without a warning"

sed 's/^WatchdogSec=/WatchdoggSec=/' "$u" >"$tmp/unit/typo.service"
out=$(verify "$tmp/unit/typo.service")
like "$out" "Unknown key 'WatchdoggSec'" "unit: verify catches a misspelt key (negative control)"

sed "s#^ExecStart=[^ ]*#ExecStart=$tmp/nonexistent#" "$u" >"$tmp/unit/noexec.service"
out=$(verify "$tmp/unit/noexec.service")
like "$out" "is not executable" "unit: verify catches a missing ExecStart binary (negative control)"

is "$(sed -n 's/^Type=//p' "$UNIT")" "notify" "unit: Type=notify"
like "$(sed -n 's/^WatchdogSec=//p' "$UNIT")" "^[0-9]+s$" "unit: WatchdogSec set"
is "$(sed -n 's/^NotifyAccess=//p' "$UNIT")" "main" "unit: NotifyAccess=main"
like "$(sed -n 's/^After=//p' "$UNIT" | tr '\n' ' ')" "(^| )time-sync\.target( |$)" \
	"unit: starts after time-sync.target (timestamps need the wall clock)"

# ---- 2. the group ---------------------------------------------------------
mkdir -p "$tmp/sysroot/etc"
out=$(systemd-sysusers --root="$tmp/sysroot" --dry-run "$SYSUSERS" 2>&1) && rc=0 || rc=$?
is "$rc" 0 "sysusers: config accepted"
like "$out" "Creating group 'riptel'" "sysusers: creates group riptel"
is "$(sed -n 's/.*GROUP="\([^"]*\)".*/\1/p' "$RULE")" \
	"$(sed -n 's/^g \([^ ]*\).*/\1/p' "$SYSUSERS")" "sysusers: the group the udev rule names"
is "$(sed -n 's/^Group=//p' "$UNIT")" \
	"$(sed -n 's/^g \([^ ]*\).*/\1/p' "$SYSUSERS")" "sysusers: the group the unit names"

# ---- 3. the udev rule -----------------------------------------------------
# udev_apply RULES DEVPATH DEVNAME MAJ:MIN: run udevadm test for DEVPATH in
# a private namespace with RULES as the only local rules file, against a
# fake node; prints udevadm's output and last a line "NODE mode gid".
udev_apply() {
	unshare -m --propagation private sh -ec '
		rules=$1 devpath=$2 devname=$3 majmin=$4 group=$5
		mount -n -t tmpfs tmpfs /run
		mount -n -t tmpfs tmpfs /dev
		# a fresh tmpfs: nothing of the host'"'"'s /dev is reachable here
		[ -z "$(ls -A /dev)" ]
		mkdir -p "/dev/$(dirname "$devname")"
		mknod -m 0600 "/dev/$devname" c "${majmin%%:*}" "${majmin##*:}"
		mount -n --bind "$group" /etc/group
		mkdir -p /run/udev/rules.d
		cp "$rules" /run/udev/rules.d/99-riptel.rules
		udevadm test --action=add "$devpath" 2>&1 || true
		echo "NODE $(stat -c "%a %g" "/dev/$devname")"
	' sh "$@"
}

misc=
for d in tun fuse loop-control; do
	if [ -r "/sys/class/misc/$d/dev" ] && grep -q '^DEVNAME=' "/sys/class/misc/$d/uevent" 2>/dev/null; then
		misc=$d
		break
	fi
done
if [ "$private" != 1 ]; then
	skip "udev: rule applies" "needs root and unshare -m"
	skip "udev: rule parses cleanly" "needs root and unshare -m"
	skip "udev: typo detected (negative control)" "needs root and unshare -m"
elif [ -z "$misc" ]; then
	skip "udev: rule applies" "no misc device to stand in for /dev/riptel"
	skip "udev: rule parses cleanly" "no misc device"
	skip "udev: typo detected (negative control)" "no misc device"
else
	devname=$(sed -n 's/^DEVNAME=//p' "/sys/class/misc/$misc/uevent")
	majmin=$(cat "/sys/class/misc/$misc/dev")
	# the host's own riptel group (riptel-agent's postinst creates it, and
	# purge keeps it) would shadow the test's: leave it out
	{ grep -v '^riptel:' /etc/group; echo "riptel:x:4242:"; } >"$tmp/group"
	# /dev/riptel only exists with the module loaded: change the KERNEL
	# match and nothing else
	sed "s/KERNEL==\"riptel\"/KERNEL==\"$misc\"/" "$RULE" >"$tmp/rule"
	if ! grep -q "KERNEL==\"$misc\"" "$tmp/rule"; then
		not_ok "udev: rule retargeted" "no KERNEL==\"riptel\" in $RULE"
	fi
	out=$(udev_apply "$tmp/rule" "/sys/class/misc/$misc" "$devname" "$majmin" "$tmp/group")
	is "$(tail -n1 <<<"$out")" "NODE 660 4242" "udev: rule gives /dev/riptel mode 0660, group riptel"
	bad=$(grep '99-riptel.rules' <<<"$out" | grep -v '^Reading rules file' |
		grep -Ev '99-riptel.rules:[0-9]+ (OWNER|GROUP|MODE) ' || true)
	is "$bad" "" "udev: rule parses cleanly"
	sed 's/MODE=/MOD=/' "$tmp/rule" >"$tmp/typo"
	out=$(udev_apply "$tmp/typo" "/sys/class/misc/$misc" "$devname" "$majmin" "$tmp/group")
	like "$out" "99-riptel.rules:[0-9]+ Invalid key 'MOD'" "udev: typo detected (negative control)"
fi

# ---- 4. sd_notify from the agent ------------------------------------------
# notify_run WATCHDOG_USEC: run the agent on the sample capture with a
# NOTIFY_SOCKET; prints every datagram on one line ("\n" inside becomes
# "|"), then "EXIT n".  WATCHDOG_PID is the agent's pid, as systemd sets it.
notify_run() {
	python3 - "$tmp/notify.sock" "$1" "$AGENT" "$SAMPLE" <<'EOF'
import os, socket, subprocess, sys
path, wd, agent, sample = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if os.path.exists(path):
    os.unlink(path)
s.bind(path)
env = dict(os.environ, NOTIFY_SOCKET=path)
env.pop("WATCHDOG_USEC", None)
env.pop("WATCHDOG_PID", None)
if wd:
    env["WATCHDOG_USEC"] = wd
for k in list(env):
    if k.startswith(("OTEL_", "RIPTEL_")):
        del env[k]
# hermetic: no host config, no collector to wait for
args = [agent, "--config=/dev/null", "--output=none", "--replay", sample]
# exec keeps the shell's pid, so WATCHDOG_PID names the agent
cmd = ["sh", "-c", 'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$@"', "sh"] \
    + args if wd else args
p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE)
try:
    _, err = p.communicate(timeout=30)
    rc = p.returncode
except subprocess.TimeoutExpired:
    p.kill()
    _, err = p.communicate()
    rc = "timeout"
s.setblocking(False)
while True:
    try:
        print(s.recv(4096).decode(errors="replace").replace("\n", "|"))
    except BlockingIOError:
        break
for line in err.decode(errors="replace").splitlines()[-5:]:
    print("STDERR " + line)
print("EXIT %s" % rc)
EOF
}

# index_of LINES REGEX: 1-based line number of the first match, 0 if none
index_of() {
	local n
	n=$(grep -nE -m1 "$2" <<<"$1" | cut -d: -f1)
	echo "${n:-0}"
}

[ -r "$SAMPLE" ] || bail "no $SAMPLE (see tests/fixtures/make_sample_capture.c)"
out=$(notify_run 200000)
diag "agent with WATCHDOG_USEC=200000 sent:
$out"
is "$(tail -n1 <<<"$out")" "EXIT 0" "notify: agent --replay exits 0"
ready=$(index_of "$out" '^READY=1(\||$)')
wd=$(index_of "$out" '^WATCHDOG=1(\||$)')
stopping=$(index_of "$out" '^STOPPING=1(\||$)')
cmp_num "$ready" -gt 0 "notify: READY=1 sent"
cmp_num "$wd" -gt "$ready" "notify: WATCHDOG=1 sent after READY=1"
cmp_num "$stopping" -gt "$ready" "notify: STOPPING=1 sent after READY=1"

out=$(notify_run "")
is "$(tail -n1 <<<"$out")" "EXIT 0" "notify: agent without a watchdog exits 0"
ready=$(index_of "$out" '^READY=1(\||$)')
cmp_num "$ready" -gt 0 "notify: READY=1 without a watchdog"
if [ "$ready" -gt 0 ]; then
	is "$(index_of "$out" '^WATCHDOG=1')" 0 "notify: no WATCHDOG=1 when systemd wants none"
else
	not_ok "notify: no WATCHDOG=1 when systemd wants none" "the agent never got ready"
fi

done_testing
