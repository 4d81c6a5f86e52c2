#!/usr/bin/env bash
# vm-run.sh - boot a Debian kernel in qemu (TCG), run one guest script, bring
# its files back.  Used by every kernel test (tests/vm/), `make demo` and
# `make bench`.
#
#   vm-run.sh --kver 6.1|6.12|<release> --guest SCRIPT [options]
#
#   --kver K         kernel to boot (scripts/kernels.sh resolves it)   [6.1]
#   --guest SCRIPT   shell script run in the guest (busybox sh) as /guest.sh
#   --file SRC[:DST] extra file for the guest (repeatable).  DST defaults to
#                    /bin/NAME for executables, /files/NAME otherwise; an ELF
#                    program brings its shared libraries (ldd) along.
#   --out DIR        where the guest's files land [build/vm/<release>]; the
#                    dir is emptied first
#   --timeout SECS   kill the guest after this long and fail          [180]
#   --append ARGS    extra kernel command line
#   --smp N          vCPUs                                            [4]
#   --mem SIZE       guest memory                                     [1G]
#   --qemu ARGS      extra qemu arguments, split on spaces (e.g. NUMA nodes)
#   --kmod-dir DIR   take riptel.ko and tests/*.ko from DIR instead of
#                    running scripts/build-kmod.sh (env RIPTEL_KMOD_DIR too)
#   --no-kmod        put no module in the guest
#   --verbose        stream the guest console to stderr while it runs
#
# The guest (an initramfs, gzip'd cpio) holds static busybox (every applet in
# /bin), every module built in the kmod dir and its tests/ in /modules/,
# build/release/bin/* and the --file programs in /bin with their shared
# libraries and the dynamic loader.  /init mounts proc, sys, devtmpfs, devpts, tmpfs on /tmp and /run,
# cgroup2, tracefs and debugfs, sets lo up, then runs /guest.sh in /tmp with
# KVER, RELEASE, OUT=/out and PATH=/bin exported.  Whatever the script writes
# under /out comes back to the host, plus /out/dmesg.log (the whole kernel
# log) and, host side, console.log.
#
# How files come back: over the serial console, framed.  /init tars and
# gzips /out, prints "RIPTEL-OUT-BEGIN <md5>", the archive in base64 with
# every line prefixed "RIPTEL-OUT:", then "RIPTEL-OUT-END".  The host
# decodes those lines and checks the md5.  Then it prints
# "RIPTEL-TAINTED <n>" (/proc/sys/kernel/tainted) and
# "RIPTEL-RESULT <exit code>" and powers off.  No disk, no 9p, no network
# device: nothing to set up and nothing in the guest kernel beyond built-ins.
#
# The kernel boots with console=ttyS0 loglevel=5 (warnings and worse reach
# the console), panic=-1 oops=panic panic_on_warn=1 (a WARN ends the run)
# and clocksource=tsc tsc=reliable (the default hpet makes every timestamp
# an emulated device access); PREEMPT_RT kernels also with noirqdebug (see
# below).
#
# Failure, with the kernel log printed to stderr: a timeout (exit 124), no
# result marker (exit 125), a kernel problem in the log (WARNING/BUG/Oops/
# Call Trace/general protection/KASAN/UBSAN/panic) or a taint bit other than
# O (out-of-tree) and E (unsigned module) (exit 99).  Otherwise the exit code
# is the guest script's.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

die() {
	echo "vm-run.sh: $*" >&2
	exit 2
}

kver=6.1 guest= out= timeout=180 append= smp=4 mem=1G verbose=0 qemu_extra=
kmod_dir=${RIPTEL_KMOD_DIR:-} no_kmod=0
files=()
while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=${2:?}; shift 2 ;;
	--guest) guest=${2:?}; shift 2 ;;
	--file) files+=("${2:?}"); shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--append) append="$append ${2:?}"; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--qemu) qemu_extra="$qemu_extra ${2:?}"; shift 2 ;;
	--kmod-dir) kmod_dir=${2:?}; shift 2 ;;
	--no-kmod) no_kmod=1; shift ;;
	--verbose) verbose=1; shift ;;
	-h | --help) sed -n '2,50p' "$0"; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
[ -n "$guest" ] || die "--guest SCRIPT is required"
[ -f "$guest" ] || die "no guest script $guest"

release=$("$ROOT/scripts/kernels.sh" release "$kver")
vmlinuz=$("$ROOT/scripts/kernels.sh" vmlinuz "$kver")
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: run make deps"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox missing: run make deps"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamic; install busybox-static (make deps)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/riptel-vm.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

if [ "$no_kmod" = 0 ] && [ -z "$kmod_dir" ]; then
	if [ -f "$ROOT/src/Kbuild" ]; then
		if ! kmod_dir=$("$ROOT/scripts/build-kmod.sh" --kver "$kver" 2>"$work/build.log" | tail -n1); then
			cat "$work/build.log" >&2
			die "module build failed"
		fi
	else
		echo "vm-run.sh: src/Kbuild missing, booting without riptel.ko" >&2
		no_kmod=1
	fi
fi

[ -n "$out" ] || out=$BUILD/vm/$release
mkdir -p "$out"
out=$(cd "$out" && pwd)
# One run per output dir at a time: a second one would empty it under the
# first.
exec 9>>"$out/.vm-run.lock"
flock -n 9 || die "another vm-run.sh is using $out"
# Empty it, but only when it is empty already or a previous run's output.
if [ -n "$(ls -A "$out" | grep -v '^\.vm-run\.lock$')" ] && [ ! -f "$out/console.log" ]; then
	die "--out $out holds files that are not from a previous run; refusing to empty it"
fi
find "$out" -mindepth 1 ! -name .vm-run.lock -delete

stage=$work/root
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,run,out,root,etc,files,modules,lib64}

# Copy $1 to $stage$2 (dereferencing links), plus, for a dynamic ELF, every
# library ldd names at the same absolute path (the loader included).
add_file() {
	local src=$1 dst=$2 lib
	mkdir -p "$stage$(dirname "$dst")"
	cp -L "$src" "$stage$dst"
	if head -c 4 "$src" | grep -q 'ELF' && ldd "$src" >/dev/null 2>&1; then
		for lib in $(ldd "$src" | awk '/=> \// {print $3} /^[[:space:]]*\// {print $1}'); do
			[ -e "$stage$lib" ] && continue
			mkdir -p "$stage$(dirname "$lib")"
			cp -L "$lib" "$stage$lib"
		done
	fi
}

cp "$busybox" "$stage/bin/busybox"
if [ "$(id -u)" -eq 0 ]; then
	mknod -m 600 "$stage/dev/console" c 5 1
	mknod -m 666 "$stage/dev/null" c 1 3
fi

if [ "$no_kmod" = 0 ]; then
	[ -f "$kmod_dir/riptel.ko" ] || die "no riptel.ko in $kmod_dir"
	magic=$(modinfo -F vermagic "$kmod_dir/riptel.ko" 2>/dev/null | awk '{print $1}')
	[ "$magic" = "$release" ] ||
		die "$kmod_dir/riptel.ko is built for '$magic', not $release"
	for ko in "$kmod_dir"/*.ko "$kmod_dir"/tests/*.ko; do
		if [ -e "$ko" ]; then cp "$ko" "$stage/modules/"; fi
	done
fi

for prog in "$BUILD"/release/bin/*; do
	if [ -f "$prog" ] && [ -x "$prog" ]; then
		add_file "$prog" "/bin/$(basename "$prog")"
	fi
done

for spec in "${files[@]}"; do
	src=${spec%%:*}
	dst=
	[[ $spec == *:* ]] && dst=${spec#*:}
	[ -e "$src" ] || die "--file: no such file $src"
	if [ -z "$dst" ]; then
		if [ -x "$src" ] && [ ! -d "$src" ]; then
			dst=/bin/$(basename "$src")
		else
			dst=/files/$(basename "$src")
		fi
	fi
	if [ -d "$src" ]; then
		mkdir -p "$stage$dst"
		cp -rL "$src/." "$stage$dst/"
	else
		add_file "$src" "$dst"
	fi
done

cp "$guest" "$stage/guest.sh"
chmod +x "$stage/guest.sh"
cat >"$stage/etc/riptel-vm.env" <<EOF
export KVER='$kver'
export RELEASE='$release'
EOF

cat >"$stage/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin HOME=/root OUT=/out
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ip link set lo up
. /etc/riptel-vm.env
echo "RIPTEL-GUEST-START $RELEASE $(nproc) cpus"
cd /tmp
sh /guest.sh
rc=$?
echo "RIPTEL-GUEST-END $rc"
dmesg >/out/dmesg.log
echo "RIPTEL-TAINTED $(cat /proc/sys/kernel/tainted)"
(cd /out && tar -cf - .) | gzip -c >/tmp/.riptel-out.tgz
set -- $(md5sum /tmp/.riptel-out.tgz)
echo "RIPTEL-OUT-BEGIN $1"
base64 /tmp/.riptel-out.tgz | sed 's/^/RIPTEL-OUT:/'
echo "RIPTEL-OUT-END"
echo "RIPTEL-RESULT $rc"
poweroff -f
EOF
chmod +x "$stage/init"

(cd "$stage" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$work/initrd.gz"

cmdline="console=ttyS0 loglevel=5 panic=-1 oops=panic panic_on_warn=1"
cmdline="$cmdline clocksource=tsc tsc=reliable$append"
# PREEMPT_RT threads the serial port's interrupt; under TCG, streaming the
# results out (megabytes of base64) lets interrupts pile up while the
# thread runs, which the spurious-interrupt detector reports as "nobody
# cared" with a backtrace and then disables the console's IRQ.  That
# detector judges the emulated UART, not the code under test: off on rt.
case $release in *-rt-*) cmdline="$cmdline noirqdebug" ;; esac

# One TCG thread for all vCPUs by default: with multi-threaded TCG, a vCPU
# can keep executing a stale translation of kernel text that another vCPU
# has just patched (static keys, tracepoint enabling use int3-based text
# poking), which showed up as a spurious "Oops: int3" in
# syscall_trace_enter.  Single-threaded TCG keeps code patching coherent.
# RIPTEL_QEMU_ACCEL=tcg,thread=multi restores the faster, racier mode.
accel=${RIPTEL_QEMU_ACCEL:-tcg,thread=single}

console=$out/console.log
start=$(date +%s.%N)
set +e
if [ "$verbose" = 1 ]; then
	# shellcheck disable=SC2086 # qemu_extra: split on purpose
	timeout -k 5 "$timeout" qemu-system-x86_64 -accel "$accel" -nographic -no-reboot \
		-nic none -m "$mem" -smp "$smp" $qemu_extra -kernel "$vmlinuz" \
		-initrd "$work/initrd.gz" -append "$cmdline" </dev/null 2>&1 |
		tee "$console" >&2
	qrc=${PIPESTATUS[0]}
else
	# shellcheck disable=SC2086 # qemu_extra: split on purpose
	timeout -k 5 "$timeout" qemu-system-x86_64 -accel "$accel" -nographic -no-reboot \
		-nic none -m "$mem" -smp "$smp" $qemu_extra -kernel "$vmlinuz" \
		-initrd "$work/initrd.gz" -append "$cmdline" </dev/null >"$console" 2>&1
	qrc=$?
fi
set -e
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

clean=$work/console.txt
tr -d '\r' <"$console" >"$clean"

show_log() {
	echo "vm-run.sh: ---- kernel log ($release) ----" >&2
	if [ -s "$out/dmesg.log" ]; then
		cat "$out/dmesg.log" >&2
		echo "vm-run.sh: ---- console ----" >&2
	fi
	grep -v '^RIPTEL-OUT:' "$clean" | tail -n 200 >&2
	echo "vm-run.sh: ---- end ----" >&2
}

# Bring /out back, whatever else happened.
if grep -q '^RIPTEL-OUT-END$' "$clean"; then
	want=$(sed -n 's/^RIPTEL-OUT-BEGIN \([0-9a-f]*\)$/\1/p' "$clean" | tail -n1)
	sed -n 's/^RIPTEL-OUT://p' "$clean" | base64 -d >"$work/out.tgz" 2>/dev/null || true
	got=$(md5sum <"$work/out.tgz" | cut -d' ' -f1)
	if [ "$got" = "$want" ]; then
		tar -xzf "$work/out.tgz" -C "$out"
	else
		echo "vm-run.sh: files from the guest are corrupt (md5 $got, want $want)" >&2
		qrc=126
	fi
fi

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "vm-run.sh: $release: guest timed out after ${timeout}s" >&2
	show_log
	exit 124
fi

problem=
# Kernel lines carry a printk timestamp on the console; dmesg.log is all kernel.
pat='WARNING: CPU|WARNING: at|BUG:|kernel BUG|Oops|Call Trace|general protection|KASAN|UBSAN|Kernel panic|RIP: '
if grep -E '^\[ *[0-9]+\.[0-9]+\]' "$clean" | grep -qE "$pat"; then
	problem="kernel problem on the console"
elif [ -f "$out/dmesg.log" ] && grep -qE "$pat" "$out/dmesg.log"; then
	problem="kernel problem in dmesg"
fi

taint=$(sed -n 's/^RIPTEL-TAINTED \([0-9]*\)$/\1/p' "$clean" | tail -n1)
if [ -z "$problem" ] && [ -n "$taint" ]; then
	# O (out-of-tree, bit 12) and E (unsigned, bit 13) are expected.
	bad=$((taint & ~((1 << 12) | (1 << 13))))
	if [ "$bad" -ne 0 ]; then
		bits=
		for i in $(seq 0 31); do
			if [ $(((bad >> i) & 1)) = 1 ]; then bits="$bits $i"; fi
		done
		problem="kernel tainted $taint (unexpected bits:$bits)"
	fi
fi

result=$(sed -n 's/^RIPTEL-RESULT \([0-9]*\)$/\1/p' "$clean" | tail -n1)
if [ -n "$problem" ]; then
	echo "vm-run.sh: $release: $problem (guest exit ${result:-none})" >&2
	show_log
	exit 99
fi
if [ -z "$result" ] || [ -z "$taint" ]; then
	echo "vm-run.sh: $release: guest ended without a result (qemu exit $qrc)" >&2
	show_log
	exit 125
fi
if [ "$qrc" = 126 ]; then
	show_log
	exit 126
fi
echo "vm-run.sh: $release: guest exit $result in ${secs}s, files in $out" >&2
exit "$result"
