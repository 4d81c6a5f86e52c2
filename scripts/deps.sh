#!/usr/bin/env bash
# deps.sh - install everything riptel needs to build and test, on Debian 12.
#
# Idempotent and non-interactive; run as root (or through sudo).  What it does:
#   1. apt-get update, then install the build/test packages (qemu without
#      recommends, so no GUI).
#   2. Resolve, from the apt lists (never a hard-coded ABI number), the six
#      Debian bookworm kernels riptel is built and tested on: 6.1 and 6.12,
#      each in the amd64, rt-amd64 (PREEMPT_RT) and cloud-amd64 flavours
#      (scripts/kernels.sh names them 6.1, 6.1-rt, 6.1-cloud, 6.12, ...):
#      for each the newest linux-headers-<release> that has a matching
#      linux-image (signed or -unsigned).  Install their headers (for
#      kbuild) and unpack their images into build/cache/kernels/<release>/
#      (vmlinuz and lib/modules for the VM tests).  The images are not
#      installed on the host, except that the 6.12 headers packages depend
#      on their images, so apt installs those too; the VM harness still
#      boots from the cache.
#   3. Extract checkpatch.pl (+ spelling.txt, const_structs.checkpatch) from
#      Debian's linux-source-6.1 into build/cache/checkpatch/.
# Steps 2 and 3 skip whatever is already in the cache.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${RIPTEL_CACHE:-$ROOT/build/cache}
export DEBIAN_FRONTEND=noninteractive

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo -E"
fi
# another apt or dpkg at work (a second deps.sh, unattended-upgrades): wait
# for its lock rather than fail
APT_LOCK="-o DPkg::Lock::Timeout=600"
APT_INSTALL="$SUDO apt-get install $APT_LOCK -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"

log() { printf 'deps: %s\n' "$*" >&2; }

PACKAGES=(
	# build
	build-essential kmod pkg-config
	# VM harness
	busybox-static cpio xz-utils zstd python3 iproute2
	# agent libraries
	libprotobuf-c-dev protobuf-c-compiler libnl-3-dev libnl-genl-3-dev
	libcurl4-openssl-dev zlib1g-dev libmicrohttpd-dev libsystemd-dev
	libglib2.0-dev openssl systemd
	# tests, lint, benchmarks
	check sparse clang llvm libbpf-dev bpftool prometheus
	# packaging: DKMS, and make deb (debhelper with dh_dkms, lintian, and
	# man for the packaging test's manual-page checks)
	dkms debhelper dh-dkms lintian man-db
	# integration tests: Prometheus API queries, udev rule check
	jq curl udev
	# ---- later issues: add Debian packages below this line ----
	# the VM wake-up test's io_uring reader
	liburing-dev
)
# Installed with --no-install-recommends.
PACKAGES_NORECOMMENDS=(
	qemu-system-x86
	# ---- later issues: add no-recommends packages below this line ----
)

log "apt-get update"
$SUDO apt-get update $APT_LOCK -q >&2

log "installing packages"
$APT_INSTALL "${PACKAGES[@]}" >&2
$APT_INSTALL --no-install-recommends "${PACKAGES_NORECOMMENDS[@]}" >&2

# ---- npm: the OpenTelemetry project's own OTLP decoders for the interop
# tests (@opentelemetry/otlp-transformer, pinned by tests/interop's lock
# file), into build/node_modules.  Node comes with the machine image; when
# it is missing, Debian's nodejs and npm serve. ----
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	log "installing nodejs and npm"
	$APT_INSTALL nodejs npm >&2
fi
mkdir -p "$ROOT/build"
if ! cmp -s "$ROOT/tests/interop/package-lock.json" "$ROOT/build/package-lock.json" ||
	[ ! -d "$ROOT/build/node_modules/@opentelemetry/otlp-transformer" ]; then
	log "installing the OTLP interop decoders (npm ci)"
	cp "$ROOT/tests/interop/package.json" "$ROOT/tests/interop/package-lock.json" "$ROOT/build/"
	npm ci --prefix "$ROOT/build" --no-audit --no-fund --ignore-scripts >&2
fi

# True when apt knows an installable version of package $1.
have_candidate() {
	local c
	c=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[ -n "$c" ] && [ "$c" != "(none)" ]
}

# The image package for release $1: signed first, then -unsigned.
image_pkg() {
	local p
	for p in "linux-image-$1" "linux-image-$1-unsigned"; do
		if have_candidate "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Newest release whose headers package name matches regex $1 (applied to the
# release part) and that has an image package too.
resolve_release() {
	local re=$1 rel
	for rel in $(apt-cache pkgnames linux-headers- | sed -n 's/^linux-headers-//p' |
		     grep -E "^${re}\$" | sort -rV); do
		if have_candidate "linux-headers-$rel" && image_pkg "$rel" >/dev/null; then
			echo "$rel"
			return 0
		fi
	done
	return 1
}

# apt-get download runs as the _apt user when it can; give it a writable dir.
download() {
	local pkg=$1 dir=$2 ver f
	ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
	# Reuse apt's own cache when the exact version is already there.
	for f in /var/cache/apt/archives/"${pkg}"_*.deb; do
		[ -e "$f" ] || continue
		if [ "$(dpkg-deb -f "$f" Version)" = "$ver" ]; then
			cp "$f" "$dir/"
			return 0
		fi
	done
	(cd "$dir" && apt-get download -q "$pkg=$ver" >&2)
}

fetch_kernel() {
	local rel=$1 dest=$CACHE/kernels/$1 pkg tmp deb
	if [ -f "$dest/.complete" ] && [ -f "$dest/boot/vmlinuz-$rel" ]; then
		log "kernel $rel: cached in $dest"
		return 0
	fi
	pkg=$(image_pkg "$rel")
	log "kernel $rel: downloading $pkg"
	tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
	chmod 0777 "$tmp"
	download "$pkg" "$tmp"
	deb=$(ls "$tmp"/*.deb)
	rm -rf "$dest"
	mkdir -p "$dest"
	dpkg-deb -x "$deb" "$dest"
	rm -rf "$tmp"
	if [ ! -f "$dest/boot/vmlinuz-$rel" ]; then
		log "kernel $rel: $pkg has no boot/vmlinuz-$rel"
		exit 1
	fi
	echo "$pkg" >"$dest/.complete"
}

fetch_checkpatch() {
	local dest=$CACHE/checkpatch tmp deb
	if [ -x "$dest/checkpatch.pl" ] && [ -f "$dest/spelling.txt" ] &&
	   [ -f "$dest/const_structs.checkpatch" ]; then
		log "checkpatch: cached in $dest"
		return 0
	fi
	log "checkpatch: downloading linux-source-6.1"
	tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
	chmod 0777 "$tmp"
	download linux-source-6.1 "$tmp"
	deb=$(ls "$tmp"/*.deb)
	mkdir -p "$dest"
	# The .deb holds usr/src/linux-source-6.1.tar.xz; take three files out
	# of that tarball without unpacking the rest.
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO --wildcards '*/usr/src/linux-source-6.1.tar.xz' |
		tar -xJ -C "$tmp" --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch'
	cp "$tmp"/*/scripts/checkpatch.pl "$tmp"/*/scripts/spelling.txt \
	   "$tmp"/*/scripts/const_structs.checkpatch "$dest/"
	chmod +x "$dest/checkpatch.pl"
	rm -rf "$tmp"
}

mkdir -p "$CACHE/kernels"
rm -rf "$CACHE"/tmp.*

# Every kernel of the matrix, by its scripts/kernels.sh name.
RELEASES=()
for k in $("$ROOT/scripts/kernels.sh" names); do
	re=$("$ROOT/scripts/kernels.sh" pattern "$k")
	rel=$(resolve_release "$re") || {
		log "no linux-headers matching $re ($k) with a matching image in the apt lists (bookworm-security enabled?)"
		exit 1
	}
	RELEASES+=("$rel")
done
log "kernels: ${RELEASES[*]}"
HEADERS=()
for rel in "${RELEASES[@]}"; do
	HEADERS+=("linux-headers-$rel")
done
$APT_INSTALL "${HEADERS[@]}" >&2
for rel in "${RELEASES[@]}"; do
	fetch_kernel "$rel"
done
# Images of releases the archive has moved past are dead weight.
for d in "$CACHE"/kernels/*/; do
	rel=$(basename "$d")
	if [[ " ${RELEASES[*]} " != *" $rel "* ]]; then
		log "kernel $rel: superseded, removing its cache"
		rm -rf "$d"
	fi
done
fetch_checkpatch

log "done"
