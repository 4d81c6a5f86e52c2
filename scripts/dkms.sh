#!/usr/bin/env bash
# dkms.sh - register riptel's module sources with DKMS, build, install, remove.
#
#   scripts/dkms.sh install [KERNEL_RELEASE...]   add + build + install
#   scripts/dkms.sh build   [KERNEL_RELEASE...]   add + build only (no install)
#   scripts/dkms.sh uninstall                     remove every kernel's build
#                                                 and the /usr/src copy
#   scripts/dkms.sh path KERNEL_RELEASE           print the DKMS-built riptel.ko
#
# With no release, the running kernel's (if it has headers) is used.  The
# tree is copied to /usr/src/riptel-<VERSION>/ with @VERSION@ in dkms.conf
# replaced from the VERSION file, so DKMS's version is the project's.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
src=/usr/src/riptel-$version

die() { echo "dkms.sh: $*" >&2; exit 1; }

command -v dkms >/dev/null || die "dkms is not installed (run: make deps)"
[ "$(id -u)" = 0 ] || die "must run as root (DKMS writes /usr/src and /var/lib/dkms)"

kernels() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@"
	elif [ -d "/lib/modules/$(uname -r)/build" ]; then
		uname -r
	else
		die "no kernel release given and the running kernel ($(uname -r)) has no headers"
	fi
}

# (not `dkms status | grep -q`: under pipefail grep's early exit fails the pipe)
registered() {
	local st
	st=$(dkms status -m riptel -v "$version" 2>/dev/null)
	[[ $st == *riptel* ]]
}

# Copy the sources DKMS needs; refresh them if this tree changed since.
stage() {
	"$top/scripts/dkms-tree.sh" "$src"
	if ! registered; then
		dkms add -m riptel -v "$version"
	fi
}

build() {
	local k
	for k in "$@"; do
		[ -d "/lib/modules/$k/build" ] ||
			die "no headers for $k (apt-get install linux-headers-$k)"
		# rebuild from the freshly staged sources every time
		dkms unbuild -m riptel -v "$version" -k "$k" >/dev/null 2>&1 || true
		dkms build -m riptel -v "$version" -k "$k" ||
			die "dkms build failed for $k; see /var/lib/dkms/riptel/$version/build/make.log"
	done
}

case "${1:-}" in
install)
	shift
	mapfile -t ks < <(kernels "$@")
	stage
	build "${ks[@]}"
	for k in "${ks[@]}"; do
		dkms install -m riptel -v "$version" -k "$k" --force
	done
	;;
build)
	shift
	mapfile -t ks < <(kernels "$@")
	stage
	build "${ks[@]}"
	;;
uninstall)
	if registered; then
		dkms remove -m riptel -v "$version" --all
	fi
	rm -rf "$src"
	;;
path)
	[ $# -eq 2 ] || die "usage: dkms.sh path KERNEL_RELEASE"
	ko=/var/lib/dkms/riptel/$version/$2/$(uname -m)/module/riptel.ko
	for f in "$ko" "$ko.xz" "$ko.zst"; do
		[ -f "$f" ] && { echo "$f"; exit 0; }
	done
	die "no DKMS build of riptel $version for $2 (run: scripts/dkms.sh build $2)"
	;;
*)
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
