#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The README's demonstration: mount a generated sample volume with the map
# of a Kubernetes hostUsers: false pod (0:524288:65536), then look at it and
# write to it from inside a user namespace with that map.
#
#   tests/demo.sh [BUILD_DIR]          (run as root; BUILD_DIR default: build)
set -eu

build=${1:-build}
uidmapfs=$build/fuse/uidmapfs
pod=$build/tests/integration/pod
demo=/tmp/uidmapfs-demo
src=$demo/volume
mnt=$demo/mnt
map=0:524288:65536

for exe in "$uidmapfs" "$pod"; do
	[ -x "$exe" ] || { echo "demo: $exe not built (run: ninja -C $build)" >&2; exit 1; }
done
if mountpoint -q "$mnt" 2>/dev/null; then
	umount "$mnt"
fi
rm -rf "$demo"
mkdir -p "$src" "$mnt"

# The volume as a pod left it on an NFS export: owners are the pod's own
# ids (root 0 and an application user 1000), not the host's.
echo "hello from the volume" >"$src/readme.txt"
mkdir "$src/app-data"
echo "rows" >"$src/app-data/table.db"
chown -R 1000:1000 "$src/app-data"

echo "== on disk (host view of $src):"
ls -ln "$src"

"$uidmapfs" "$src" "$mnt" -o uidmap=$map,gidmap=$map

echo
echo "== inside a pod (user namespace with uid_map/gid_map \"0 524288 65536\"):"
"$pod" --map $map -- sh -c "
	id
	ls -ln '$mnt' '$mnt/app-data'
	echo 'written by the pod' > '$mnt/created-by-pod.txt'
	ls -ln '$mnt/created-by-pod.txt'"

echo
echo "== the pod's new file, on disk:"
stat -c '%u:%g %n' "$src/created-by-pod.txt"
echo
echo "uidmapfs is mounted on $mnt; unmount with: umount $mnt"
