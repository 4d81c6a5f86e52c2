#!/usr/bin/env bash
# kernels.sh - where the Debian kernels that scripts/deps.sh installed live.
#
#   kernels.sh release K   full release, e.g. 6.1.0-57-amd64, 6.12.118+deb12-rt-amd64
#   kernels.sh kdir    K   kbuild dir (/usr/src/linux-headers-<release>)
#   kernels.sh vmlinuz K   cached kernel image for the VM
#   kernels.sh moddir  K   cached lib/modules/<release> (in-tree modules)
#   kernels.sh list        one "K <release>" line per kernel riptel tests
#   kernels.sh names       the K names of `list`, one per line
#
# K names a Debian bookworm kernel: a series and a flavour,
#   6.1  6.12            the generic flavour (amd64)
#   6.1-rt  6.12-rt      PREEMPT_RT (rt-amd64)
#   6.1-cloud 6.12-cloud the cloud flavour (cloud-amd64)
# or a full release string, taken as given.  Among several installed
# headers of one K the newest whose image is also cached wins (else the
# newest headers).  Anything missing is an error that says "run make deps".
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${RIPTEL_CACHE:-$ROOT/build/cache}

# Every kernel deps.sh resolves and the test matrix names (README, "The
# kernel matrix"), generic ones first.
NAMES="6.1 6.12 6.1-rt 6.12-rt 6.1-cloud 6.12-cloud"

die() {
	echo "kernels.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: kernels.sh release|kdir|vmlinuz|moddir K; kernels.sh list|names" >&2
	echo "       K: one of $NAMES, or a full release" >&2
	exit 2
}

# The release regex of K (series and flavour), e.g. for deps.sh.
pattern() {
	local series=${1%%-*} flavour=amd64
	case $1 in
	*-rt) flavour=rt-amd64 ;;
	*-cloud) flavour=cloud-amd64 ;;
	*-*) return 1 ;;
	esac
	case $series in
	6.1) echo "6\\.1\\.0-[0-9]+-$flavour" ;;
	6.12) echo "6\\.12\\.[0-9]+\\+deb12-$flavour" ;;
	*) return 1 ;;
	esac
}

release() {
	local kver=$1 re rels rel
	if ! re=$(pattern "$kver"); then
		# a full release: take it as given
		[[ $kver == [0-9]*.[0-9]*[.-]* ]] || die "unknown kernel '$kver' (want one of $NAMES, or a release)"
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
	for k in $NAMES; do
		echo "$k $(release "$k")"
	done
	exit 0
	;;
names)
	printf '%s\n' $NAMES
	exit 0
	;;
pattern)
	[ $# -eq 2 ] || usage
	pattern "$2" || die "unknown kernel '$2'"
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
