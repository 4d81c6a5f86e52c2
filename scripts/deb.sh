#!/usr/bin/env bash
# deb.sh - build the riptel-dkms and riptel-agent Debian packages.
#
#   scripts/deb.sh          (make deb)
#
# Stages the git-tracked files of this tree, as they are in the work tree
# (uncommitted edits included, untracked files and build/ never), into
# build/deb/riptel-<VERSION>/, puts packaging/debian/ there as debian/
# (symlinks resolved: the unit, udev rule and sysusers file are the ones in
# packaging/), and runs dpkg-buildpackage -b -us -uc in it.  The .debs
# (and the .buildinfo and .changes) land in build/deb/, the build's output
# in build/deb/build.log; the agent's debug symbols (riptel-agent-dbgsym)
# in build/deb/dbgsym/, so that `apt install ./build/deb/riptel-*.deb`
# installs the two packages and only them.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
out=$top/build/deb
stage=$out/riptel-$version

die() { echo "deb.sh: $*" >&2; exit 1; }

for tool in git dpkg-buildpackage dpkg-parsechangelog dh dh_dkms; do
	command -v "$tool" >/dev/null || die "$tool is not installed (run: make deps)"
done

# One version: the VERSION file feeds the module, the agent and DKMS; the
# changelog must say the same or the packages would disagree with them.
clver=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
[ "$clver" = "$version" ] ||
	die "packaging/debian/changelog is at $clver but VERSION says $version: add a changelog entry for $version"

rm -rf "$out"
mkdir -p "$stage"
# tracked files that still exist (a deleted, uncommitted file is skipped)
(cd "$top" && git ls-files -z | while IFS= read -r -d '' f; do
	[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf -) | tar -xf - -C "$stage"
cp -rL "$top/packaging/debian" "$stage/debian"

echo "deb.sh: building riptel $version in $stage" >&2
(cd "$stage" && dpkg-buildpackage -b -us -uc -jauto) >"$out/build.log" 2>&1 ||
	die "dpkg-buildpackage failed; the last lines of $out/build.log:
$(tail -n 30 "$out/build.log")"

mkdir -p "$out/dbgsym"
mv "$out"/*-dbgsym_*.deb "$out/dbgsym/"
ls "$out"/riptel-dkms_"$version"_all.deb "$out"/riptel-agent_"$version"_*.deb
