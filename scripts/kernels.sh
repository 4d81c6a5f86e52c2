#!/usr/bin/env bash
# kernels.sh - where the Debian kernels that scripts/deps.sh installed live.
#
#   kernels.sh release 6.1|6.12   full release, e.g. 6.1.0-56-amd64
#   kernels.sh kdir    6.1|6.12   kbuild dir (/usr/src/linux-headers-<release>)
#   kernels.sh vmlinuz 6.1|6.12   cached kernel image for the VM
#   kernels.sh moddir  6.1|6.12   cached lib/modules/<release> (in-tree modules)
#   kernels.sh list               "6.1 <release>" and "6.12 <release>" lines
#
# A full release string is accepted in place of 6.1/6.12.  Among several
# installed headers the newest whose image is also cached wins (else the
# newest headers).  Anything missing is an error that says "run make deps".
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${RIPTEL_CACHE:-$ROOT/build/cache}

die() {
	echo "kernels.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: kernels.sh release|kdir|vmlinuz|moddir 6.1|6.12|<release>; kernels.sh list" >&2
	exit 2
}

pattern() {
	case $1 in
	6.1) echo '6\.1\.0-[0-9]+-amd64' ;;
	6.12) echo '6\.12\.[0-9]+\+deb12-amd64' ;;
	*) return 1 ;;
	esac
}

release() {
	local kver=$1 re rels rel
	if ! re=$(pattern "$kver"); then
		# a full release: take it as given
		[[ $kver == [0-9]*.[0-9]* ]] || die "unknown kernel '$kver' (want 6.1, 6.12 or a release)"
		echo "$kver"
		return 0
	fi
	rels=$(cd /usr/src 2>/dev/null && ls -d linux-headers-* 2>/dev/null |
	       sed 's/^linux-headers-//' | grep -E "^${re}\$" | sort -rV || true)
	[ -n "$rels" ] || die "no linux-headers for $kver installed: run make deps"
	for rel in $rels; do
		if [ -f "$CACHE/kernels/$rel/boot/vmlinuz-$rel" ]; then
			echo "$rel"
			return 0
		fi
	done
	echo "$rels" | head -n1
}

[ $# -ge 1 ] || usage
cmd=$1
case $cmd in
list)
	for k in 6.1 6.12; do
		echo "$k $(release "$k")"
	done
	exit 0
	;;
release | kdir | vmlinuz | moddir) ;;
*) usage ;;
esac
[ $# -eq 2 ] || usage
rel=$(release "$2")

case $cmd in
release)
	echo "$rel"
	;;
kdir)
	d=/usr/src/linux-headers-$rel
	[ -f "$d/Makefile" ] || die "no headers in $d: run make deps"
	echo "$d"
	;;
vmlinuz)
	f=$CACHE/kernels/$rel/boot/vmlinuz-$rel
	[ -f "$f" ] || die "no cached kernel image $f: run make deps"
	echo "$f"
	;;
moddir)
	d=$CACHE/kernels/$rel/lib/modules/$rel
	[ -d "$d" ] || die "no cached modules in $d: run make deps"
	echo "$d"
	;;
esac
