#!/usr/bin/env bash
# dkms-tree.sh DEST - write the module source tree DKMS builds from into
# DEST (created, or emptied first): src/Kbuild, src/kmod/, src/riptides_ref/,
# src/include/, VERSION and dkms.conf with @VERSION@ filled in.  Sources
# only, never a developer's build products.  Used by scripts/dkms.sh (into
# /usr/src/riptel-<VERSION>) and by the riptel-dkms package (make deb).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: dkms-tree.sh DEST}
version=$(cat "$top/VERSION")

rm -rf "$dest"
mkdir -p "$dest"
cp "$top/src/Kbuild" "$dest/Kbuild"
for d in kmod riptides_ref include; do
	cp -r "$top/src/$d" "$dest/$d"
done
find "$dest" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
	-o -name '*.mod.c' -o -name '.*.cmd' -o -name 'modules.order' \
	-o -name 'Module.symvers' -o -name '.*.d' \) -delete
cp "$top/VERSION" "$dest/VERSION"
sed "s/@VERSION@/$version/" "$top/packaging/dkms.conf" >"$dest/dkms.conf"
