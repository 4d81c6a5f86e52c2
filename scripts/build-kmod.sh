#!/usr/bin/env bash
# build-kmod.sh - build riptel.ko (and the test modules) for one kernel.
#
#   build-kmod.sh [--kver 6.1|6.12|<release> | --kdir DIR] [--w1]
#
# The kernel side of src/ (Kbuild, kmod/, riptides_ref/, include/) and
# VERSION are copied into build/kmod/<release>/tree/, the same shape as the
# DKMS source tree, and kbuild runs there (make -C KDIR M=.../tree modules),
# so the Debian kernels build side by side and the source tree stays clean.
# tests/kmod/ is copied to tree/tests/ and built against riptel's
# Module.symvers.  The modules are then copied to build/kmod/<release>/:
# riptel.ko, riptides_ref.ko and tests/*.ko, the layout vm-run.sh reads.
#
# Without --kver/--kdir: the running kernel's /lib/modules/$(uname -r)/build
# if it exists, else the newest installed Debian headers.
#
# --w1: clean rebuild with W=1; fails if the compiler prints any warning.
#
# kbuild's output goes to stderr; the last (only) line on stdout is the
# output directory.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
JOBS=${JOBS:-2}

die() {
	echo "build-kmod.sh: $*" >&2
	exit 1
}

kver= kdir= w1=0
while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=${2:?--kver needs a value}; shift 2 ;;
	--kver=*) kver=${1#--kver=}; shift ;;
	--kdir) kdir=${2:?--kdir needs a value}; shift 2 ;;
	--kdir=*) kdir=${1#--kdir=}; shift ;;
	--w1) w1=1; shift ;;
	-h | --help) sed -n '2,20p' "$0"; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done

if [ -n "$kver" ] && [ -n "$kdir" ]; then
	die "give --kver or --kdir, not both"
fi
if [ -n "$kver" ]; then
	kdir=$("$ROOT/scripts/kernels.sh" kdir "$kver")
elif [ -z "$kdir" ]; then
	if [ -d "/lib/modules/$(uname -r)/build" ]; then
		kdir=/lib/modules/$(uname -r)/build
	else
		newest=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null |
			 grep -Ev -- '-(cloud|rt)-amd64$' | sort -V | tail -n1 || true)
		[ -n "$newest" ] || die "no kernel headers found: run make deps, or give --kdir"
		kdir=$newest
	fi
fi
[ -f "$kdir/Makefile" ] || die "$kdir is not a kernel build dir"
kdir=$(cd "$kdir" && pwd -P)

# utsrelease.h is what the module's vermagic carries (Debian's 6.1 headers
# put the upstream version in kernel.release instead).
uts=$kdir/include/generated/utsrelease.h
if [ -f "$uts" ]; then
	release=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$uts")
elif [ -f "$kdir/include/config/kernel.release" ]; then
	release=$(cat "$kdir/include/config/kernel.release")
else
	release=$(make -s -C "$kdir" kernelrelease 2>/dev/null) || release=$(basename "$kdir")
fi
[ -n "$release" ] || die "cannot tell the release of $kdir"

out=$BUILD/kmod/$release
mkdir -p "$out"

# Mirror a source tree into a build dir: a file is copied only when its
# content changed (so kbuild rebuilds incrementally), sources removed from
# the tree are removed from the copy, build products are left alone.
# $3: a subdir of $1 to skip (copied separately), or empty.
is_product() {
	case ${1##*/} in
	*.o | *.ko | *.mod | *.mod.c | .*.cmd | *.order | Module.symvers | .*.d | *.a | *.dwo | .tmp* | VERSION) return 0 ;;
	esac
	return 1
}

sync_tree() {
	local src=$1 dst=$2 skip=${3:-} f
	mkdir -p "$dst"
	while IFS= read -r -d '' f; do
		f=${f#./}
		[ -n "$skip" ] && [[ $f == "$skip"/* ]] && continue
		is_product "$f" && continue
		if ! cmp -s "$src/$f" "$dst/$f"; then
			mkdir -p "$dst/$(dirname "$f")"
			cp "$src/$f" "$dst/$f"
		fi
	done < <(cd "$src" && find . -type f -print0)
	while IFS= read -r -d '' f; do
		f=${f#./}
		[ -n "$skip" ] && [[ $f == "$skip"/* ]] && continue
		is_product "$f" && continue
		[ -e "$src/$f" ] || rm -f "$dst/$f"
	done < <(cd "$dst" && find . -type f -print0)
}

[ -f "$ROOT/src/Kbuild" ] || die "src/Kbuild is missing"
tree=$out/tree
for d in kmod riptides_ref include; do
	sync_tree "$ROOT/src/$d" "$tree/$d"
done
cmp -s "$ROOT/src/Kbuild" "$tree/Kbuild" || cp "$ROOT/src/Kbuild" "$tree/Kbuild"
# VERSION at the top of the tree, as in the DKMS tree.
cmp -s "$ROOT/VERSION" "$tree/VERSION" || cp "$ROOT/VERSION" "$tree/VERSION"

mk() {
	local dir=$1
	shift
	local args=(-C "$kdir" M="$dir" -j"$JOBS")
	[ "$w1" = 1 ] && args+=(W=1)
	make "${args[@]}" "$@"
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_build() {
	local dir=$1
	shift
	if [ "$w1" = 1 ]; then
		make -C "$kdir" M="$dir" clean >/dev/null 2>&1 || true
	fi
	echo "build-kmod.sh: building $dir against $kdir$([ "$w1" = 1 ] && echo ' (W=1)')" >&2
	if ! mk "$dir" "$@" modules >"$log" 2>&1; then
		cat "$log" >&2
		die "build failed in $dir"
	fi
	cat "$log" >&2
	if [ "$w1" = 1 ] && grep -qiE 'warning:' "$log"; then
		die "W=1 build of $dir printed warnings"
	fi
}

run_build "$tree"
cp "$tree/kmod/riptel.ko" "$tree/riptides_ref/riptides_ref.ko" "$out/"

rm -rf "$out/tests"
if [ -f "$ROOT/tests/kmod/Kbuild" ]; then
	sync_tree "$ROOT/tests/kmod" "$tree/tests"
	run_build "$tree/tests" KBUILD_EXTRA_SYMBOLS="$tree/Module.symvers"
	mkdir -p "$out/tests"
	cp "$tree"/tests/*.ko "$out/tests/"
fi

echo "$out"
