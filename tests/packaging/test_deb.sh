#!/usr/bin/env bash
# test_deb.sh - make deb's two packages lint clean, install on this host
# (DKMS builds both modules for the Debian kernels' headers), put every file
# where Debian puts it, and purge without a trace.
#
#   tests/packaging/test_deb.sh     (root; prints TAP; make test's suite "packaging")
#
#  1. scripts/deb.sh builds riptel-dkms and riptel-agent into build/deb/.
#  2. lintian on both: no E: and no W: tag (I: tags are shown, not failed).
#  3. apt-get install ./riptel-dkms_*.deb ./riptel-agent_*.deb.  A DKMS
#     registration of riptel left by the developer path (make dkms-install,
#     tests/vm/test_dkms.sh) is removed first: the package takes the same
#     /usr/src/riptel-<VERSION> and DKMS name over, and the purge check
#     below needs a clean start.
#  4. For the two kernels the project tests (scripts/kernels.sh release 6.1
#     and 6.12, whose headers scripts/deps.sh installs): DKMS has riptel.ko
#     and riptides_ref.ko installed under /lib/modules/<release>/updates/dkms,
#     with that release's vermagic (riptel.ko also with the VERSION file's
#     version and DKMS's MOK signature), and modinfo -k finds them there.
#     DKMS's postinst builds for the running kernel and the newest one, or,
#     when the running kernel is not installed (a container, a chroot, the
#     machine this was written on), for every /lib/modules entry; a kernel it skipped is built here
#     with dkms install, and the output says so.
#  5. The packages hold exactly the expected files; the module tree is what
#     scripts/dkms-tree.sh writes; the unit, udev rule, sysusers and
#     modules-load files are packaging/'s, byte for byte; the group riptel
#     exists; the unit is enabled; riptelctl is on an unprivileged user's
#     login PATH and runs for them; both manual pages are found by man and name
#     every long option (and riptelctl every command) the --help texts do.
#  6. systemd-analyze verify on the installed unit: no output at all (it
#     checks ExecStart exists and is executable).
#  7. apt-get purge both (after creating what systemd would at run time:
#     /var/lib/riptel with a capture, /etc/riptel with agent.conf), then
#     nothing of either is left: /usr/src/riptel-*, /var/lib/dkms/riptel,
#     /lib/modules/*/updates/dkms/{riptel,riptides_ref}.ko*, the unit and its
#     enablement, the udev rule, the sysusers and modules-load files,
#     binaries, manual pages, docs, /etc/riptel, /var/lib/riptel.  The group
#     riptel stays, as Debian does for system groups: adduser's README
#     advises against deleting them on purge (files may still carry the
#     GID, and a reused GID would inherit them), dh_installsysusers adds no
#     removal and Policy 9.2 asks for none.
#
# DKMS keeps one tree per module name and version for the whole host: the
# test holds /tmp/riptel-dkms.lock (the lock test_dkms.sh takes around its
# builds) from start to end.  Whatever happens, an EXIT trap purges both
# packages.  Logs: build/packaging/.  Cost: one DKMS build of both modules
# per installed kernel with headers (two on CI), plus the package build.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$ROOT/tests/lib.sh"
cd "$ROOT" || exit 1

VERSION=$(cat VERSION)
DEBS=$ROOT/build/deb
LOGS=$ROOT/build/packaging
SRC=/usr/src/riptel-$VERSION
UNIT=/lib/systemd/system/riptel-agent.service
WANTS=/etc/systemd/system/multi-user.target.wants/riptel-agent.service
APT=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
export DEBIAN_FRONTEND=noninteractive

[ "$(id -u)" = 0 ] || bail "needs root (dpkg, DKMS)"
for tool in dpkg-buildpackage dh_dkms lintian dkms apt-get systemd-analyze \
	    modinfo runuser flock man; do
	command -v "$tool" >/dev/null || bail "$tool not installed (make deps)"
done
mkdir -p "$LOGS"

exec 9>/tmp/riptel-dkms.lock
flock -w 3600 9 || bail "another DKMS user holds /tmp/riptel-dkms.lock"

# true while dpkg has anything of package $1 (installed, config-files, ...)
installed() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != not-installed ]
}

purge_packages() {
	local p todo=()
	for p in riptel-agent riptel-dkms; do
		installed "$p" && todo+=("$p")
	done
	[ ${#todo[@]} -eq 0 ] && return 0
	"${APT[@]}" purge "${todo[@]}" >>"$LOGS/purge.log" 2>&1
}
trap 'purge_packages || true' EXIT

# ---- 1. build ------------------------------------------------------------
start=$SECONDS
if scripts/deb.sh >"$LOGS/deb.log" 2>&1; then
	ok "make deb builds the packages ($((SECONDS - start)) s)"
else
	not_ok "make deb builds the packages" "$(tail -n 30 "$LOGS/deb.log")"
	done_testing
	exit 1
fi
dkms_deb=$DEBS/riptel-dkms_${VERSION}_all.deb
agent_deb=$(compgen -G "$DEBS/riptel-agent_${VERSION}_*.deb" | head -n 1)
is "$(cd "$DEBS" && compgen -G 'riptel-*.deb' | sort | tr '\n' ' ')" \
	"$(basename "$agent_deb") riptel-dkms_${VERSION}_all.deb " \
	"build/deb/riptel-*.deb is the two packages (debug symbols apart)"

# ---- 2. lintian ----------------------------------------------------------
out=$(lintian --fail-on error,warning --display-info "$dkms_deb" "$agent_deb" 2>&1) && rc=0 || rc=$?
out=$(grep -v '^running with root privileges' <<<"$out")
echo "$out" >"$LOGS/lintian.txt"
if [ "$rc" -eq 0 ] && ! grep -qE '^[EW]: ' <<<"$out"; then
	ok "lintian: no error or warning"
	[ -n "$out" ] && diag "lintian, informational only:
$out"
else
	not_ok "lintian: no error or warning" "exit $rc
$out"
fi

# ---- 3. install ------------------------------------------------------------
purge_packages || true
# (dkms's output captured first: under pipefail, grep -q's early exit can
# fail the pipe)
st=$(dkms status -m riptel 2>/dev/null)
if [[ $st == *riptel* ]] || compgen -G '/usr/src/riptel-*' >/dev/null; then
	diag "removing a DKMS registration of riptel that no package owns (developer path)"
	for v in $(sed -n 's#^riptel/\([^,:]*\).*#\1#p' <<<"$st" | sort -u); do
		dkms remove -m riptel -v "$v" --all >>"$LOGS/preclean.log" 2>&1
	done
	rm -rf /usr/src/riptel-*
fi
start=$SECONDS
if "${APT[@]}" install "$dkms_deb" "$agent_deb" >"$LOGS/install.log" 2>&1; then
	ok "apt-get install of both packages ($((SECONDS - start)) s)"
else
	not_ok "apt-get install of both packages" "$(tail -n 30 "$LOGS/install.log")"
fi
for p in riptel-dkms riptel-agent; do
	is "$(dpkg-query -W -f='${Status}' "$p" 2>&1)" "install ok installed" "$p is installed"
done
diag "$(grep -E '^(Building for|It is likely)' "$LOGS/install.log")"

# ---- 4. DKMS built both modules for the tested kernels ---------------------
for kver in 6.1 6.12; do
	if ! rel=$(scripts/kernels.sh release "$kver" 2>&1); then
		not_ok "headers of a $kver kernel are installed" "$rel"
		continue
	fi
	st=$(dkms status -m riptel -v "$VERSION" -k "$rel" 2>/dev/null)
	if [[ $st != *": installed"* ]]; then
		diag "DKMS's postinst did not build for $rel: building it explicitly"
		# (/etc/dkms/no-autoinstall makes the postinst skip even dkms add)
		[[ $(dkms status -m riptel -v "$VERSION" 2>/dev/null) == *riptel* ]] ||
			dkms add -m riptel -v "$VERSION" >>"$LOGS/dkms-explicit.log" 2>&1
		dkms install -m riptel -v "$VERSION" -k "$rel" >>"$LOGS/dkms-explicit.log" 2>&1
	fi
	like "$(dkms status -m riptel -v "$VERSION" -k "$rel" 2>&1)" ": installed" \
		"dkms: riptel $VERSION installed for $rel"
	for m in riptel riptides_ref; do
		ko=
		for f in /lib/modules/"$rel"/updates/dkms/"$m".ko{,.xz,.zst}; do
			[ -f "$f" ] && ko=$f
		done
		if [ -z "$ko" ]; then
			not_ok "$m.ko for $rel in /lib/modules/$rel/updates/dkms" \
				"$(ls -l "/lib/modules/$rel/updates/dkms" 2>&1)"
			continue
		fi
		ok "$m.ko for $rel in /lib/modules/$rel/updates/dkms"
		# riptides_ref.ko carries no MODULE_VERSION of its own
		if [ "$m" = riptel ]; then
			is "$(modinfo -F version "$ko" 2>&1)" "$VERSION" "$m.ko ($rel): version $VERSION"
			# Secure Boot: Debian's DKMS signs with its MOK key (docs/install.md §3)
			is "$(modinfo -F signer "$ko" 2>&1)" "DKMS module signing key" \
				"$m.ko ($rel): signed by DKMS's MOK key"
		fi
		is "$(modinfo -F vermagic "$ko" 2>&1 | cut -d' ' -f1)" "$rel" "$m.ko ($rel): vermagic $rel"
		is "$(modinfo -k "$rel" -F filename "$m" 2>&1)" "$ko" "$m ($rel): modinfo -k finds the DKMS build"
	done
done

# ---- 5. files --------------------------------------------------------------
# regular files and symlinks a package installed
pkg_files() {
	dpkg -L "$1" 2>/dev/null | while IFS= read -r p; do
		# -d follows symlinks: also skips /lib on a merged-/usr host
		[ -d "$p" ] && continue
		if [ -f "$p" ] || [ -L "$p" ]; then
			echo "$p"
		fi
	done | sort
}

want_agent=$(sort <<EOF
$UNIT
/lib/udev/rules.d/99-riptel.rules
/usr/bin/riptelctl
/usr/lib/modules-load.d/riptel.conf
/usr/lib/sysusers.d/riptel.conf
/usr/sbin/riptel-agent
/usr/share/doc/riptel-agent/README.md
/usr/share/doc/riptel-agent/changelog.gz
/usr/share/doc/riptel-agent/copyright
/usr/share/doc/riptel-agent/install.md
/usr/share/doc/riptel-agent/reference.md
/usr/share/doc/riptel-agent/riptelctl.md
/usr/share/man/man8/riptel-agent.8.gz
/usr/share/man/man8/riptelctl.8.gz
EOF
)
got=$(pkg_files riptel-agent)
is "$got" "$want_agent" "riptel-agent holds exactly the expected files"
tree=$(mktemp -d /tmp/riptel-dkms-tree.XXXXXX)
scripts/dkms-tree.sh "$tree/riptel-$VERSION"
want_dkms=$( { printf '%s\n' /usr/share/doc/riptel-dkms/changelog.gz /usr/share/doc/riptel-dkms/copyright
	(cd "$tree" && find "riptel-$VERSION" -type f | sed 's#^#/usr/src/#'); } | sort)
is "$(pkg_files riptel-dkms)" "$want_dkms" "riptel-dkms holds exactly the expected files"
check "$SRC is what scripts/dkms-tree.sh writes" diff -r "$tree/riptel-$VERSION" "$SRC"
rm -rf "$tree"

check "unit is packaging/riptel-agent.service" cmp packaging/riptel-agent.service "$UNIT"
check "udev rule is packaging/99-riptel.rules" cmp packaging/99-riptel.rules /lib/udev/rules.d/99-riptel.rules
check "sysusers file is packaging/sysusers-riptel.conf" cmp packaging/sysusers-riptel.conf /usr/lib/sysusers.d/riptel.conf
check "modules-load file is packaging/modules-load-riptel.conf" cmp packaging/modules-load-riptel.conf /usr/lib/modules-load.d/riptel.conf
check "the postinst created the group riptel (sysusers)" getent group riptel
is "$(readlink "$WANTS" 2>&1)" "$UNIT" "the unit is enabled (multi-user.target.wants)"
like "$(/usr/sbin/riptel-agent --version 2>&1)" "^riptel-agent $VERSION " "/usr/sbin/riptel-agent --version"
# a login shell's PATH (login.defs ENV_PATH), not root's
is "$(cd / && su -l -s /bin/sh nobody -c 'command -v riptelctl' 2>/dev/null)" /usr/bin/riptelctl \
	"riptelctl is on an unprivileged user's login PATH"
check "riptelctl --help runs as an unprivileged user" runuser -u nobody -- riptelctl --help

# rendered page, plain ASCII, one paragraph a line
man_text() { LC_ALL=C MANWIDTH=1000 man --no-hyphenation --no-justification -P cat "$1" 2>/dev/null; }
for prog in riptel-agent riptelctl; do
	is "$(man -w "$prog" 2>&1)" "/usr/share/man/man8/$prog.8.gz" "man $prog finds section 8"
	page=$(man_text "$prog")
	missing=
	for o in $("$prog" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		grep -qF -- "$o" <<<"$page" || missing+=" $o"
	done
	is "$missing" "" "man $prog names every long option of $prog --help"
done
page=$(man_text riptelctl)
missing=
for c in $(riptelctl --help 2>/dev/null | sed -n 's/^ *riptelctl \([a-z]*\).*/\1/p' | sort -u); do
	grep -qE "^ +$c( |$)" <<<"$page" || missing+=" $c"
done
is "$missing" "" "man riptelctl describes every command of riptelctl --help"

# ---- 6. systemd-analyze verify on the installed unit ------------------------
# in a private mount namespace with its own /run: verify writes scratch
# files there (tests/integration/test_systemd.sh does the same)
out=$(unshare -m --propagation private sh -c \
	'mount -n -t tmpfs tmpfs /run && systemd-analyze verify "$1" 2>&1; echo "rc=$?"' sh "$UNIT" 2>&1)
is "$out" "rc=0" "systemd-analyze verify $UNIT: no output, exit 0"

# ---- 7. purge --------------------------------------------------------------
# what systemd makes at run time (StateDirectory=, ConfigurationDirectory=)
# and an administrator adds
mkdir -p /var/lib/riptel /etc/riptel
: >/var/lib/riptel/capture.rcap
printf '[agent]\noutput = none\n' >/etc/riptel/agent.conf
start=$SECONDS
if "${APT[@]}" purge riptel-agent riptel-dkms >"$LOGS/purge.log" 2>&1; then
	ok "apt-get purge of both packages ($((SECONDS - start)) s)"
else
	not_ok "apt-get purge of both packages" "$(tail -n 30 "$LOGS/purge.log")"
fi
for p in riptel-dkms riptel-agent; do
	if installed "$p"; then
		not_ok "$p is gone from dpkg's database" "$(dpkg-query -W -f='${Status}' "$p" 2>&1)"
	else
		ok "$p is gone from dpkg's database"
	fi
done
left=$(ls -d /usr/src/riptel-* /var/lib/dkms/riptel \
	/lib/modules/*/updates/dkms/riptel.ko* /lib/modules/*/updates/dkms/riptides_ref.ko* \
	"$UNIT" "$WANTS" /var/lib/systemd/deb-systemd-helper-enabled/riptel-agent.service* \
	/var/lib/systemd/deb-systemd-helper-enabled/*/riptel-agent.service \
	/lib/udev/rules.d/99-riptel.rules /usr/lib/sysusers.d/riptel.conf \
	/usr/lib/modules-load.d/riptel.conf /usr/sbin/riptel-agent /usr/bin/riptelctl \
	/usr/share/man/man8/riptel-agent.8.gz /usr/share/man/man8/riptelctl.8.gz \
	/usr/share/doc/riptel-agent /usr/share/doc/riptel-dkms \
	/etc/riptel /var/lib/riptel 2>/dev/null)
is "$left" "" "purge leaves nothing behind"
is "$(dkms status -m riptel 2>&1)" "" "dkms knows no riptel after purge"
check "purge keeps the group riptel (Debian keeps system groups)" getent group riptel

done_testing
