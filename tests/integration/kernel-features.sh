#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# kernel-features.sh: uidmapfs on kernels without the FUSE features it
# asks for.  This kernel has them; UIDMAPFS_TEST_HIDE_FEATURES makes the
# test build of the daemon ($UIDMAPFS_SEAMS, uidmapfs-test) treat the
# kernel's INIT offer as lacking them.  5. The installed daemon has no
# such seam: the variable changes nothing.
#   1. kernel mode without FUSE ID-mapping: one line, exit 1, nothing
#      mounted;
#   2. the same with -o idmap_optional: a plain passthrough, a warning in
#      the log, and the kernel refuses an ID-mapped mount on top of it;
#   3. with the ID-mapping offered, the kernel accepts that mount;
#   4. without passthrough: the daemon's own read/write path carries the
#      data (READ/WRITE requests seen, bytes intact).
set -euo pipefail
PROG=kernel-features
. "$(dirname "$0")/lib.sh"

require_helpers UIDMAPFS UIDMAPFS_SEAMS
require_machine sha256sum

make_workdir
src=$WORKDIR/src
mnt=$WORKDIR/mnt
top=$WORKDIR/top
mkdir -p "$src" "$mnt" "$top"
chmod 0777 "$src"
MOUNTS+=("$top")

# 1.
err=$WORKDIR/err
status=0
UIDMAPFS_TEST_HIDE_FEATURES=idmap "$UIDMAPFS_SEAMS" "$src" "$mnt" 2>"$err" || status=$?
[ "$status" = 1 ] || fail "kernel mode without FUSE idmap: exit status $status, want 1"
[ "$(wc -l <"$err")" = 1 ] || fail "kernel mode without FUSE idmap: want one line on stderr, got: $(cat "$err")"
grep -q "kernel mode needs FUSE ID-mapped mount support" "$err" ||
	fail "unclear error: $(cat "$err")"
! mountpoint -q "$mnt" || fail "kernel mode without FUSE idmap left a mount"
note "ok: kernel mode on a kernel without FUSE idmap fails: $(cat "$err")"

# 2.
log=$WORKDIR/optional.log
start_daemon --log "$log" "$mnt" env UIDMAPFS_TEST_HIDE_FEATURES=idmap \
	"$UIDMAPFS_SEAMS" "$src" "$mnt" -o idmap_optional -f
grep -q "plain passthrough (idmap_optional)" "$log" ||
	fail "idmap_optional: no warning in the log: $(cat "$log")"
if "$IDMOUNT" --map "$MAP" "$mnt" "$top" 2>/dev/null; then
	fail "idmap_optional: the kernel accepted an ID-mapped mount of a mount that did not ask for it"
fi
echo hi >"$mnt/plain"
[ "$(stat -c %u "$src/plain")" = 0 ] || fail "idmap_optional: ids are not passed unchanged"
unmount_daemon "$mnt"
note "ok: -o idmap_optional serves a plain passthrough and says so"

# 3. (daemonized, as a runtime's volume plugin would start it)
start_daemonized "$mnt" "$UIDMAPFS" "$src" "$mnt"
"$IDMOUNT" --map "$MAP" "$mnt" "$top" || fail "kernel mode: the kernel refused the ID-mapped mount"
"$POD" --map "$MAP" -- sh -c "echo pod > '$top/from-pod'"
owner=$(stat -c %u:%g "$src/from-pod")
[ "$owner" = 0:0 ] || fail "kernel mode: the pod's file is $owner on disk, not 0:0"
umount "$top"
unmount_daemon "$mnt"
note "ok: kernel mode accepts the kernel's ID-mapped mount on top"

# 4.
log=$WORKDIR/nopt.log
head -c $((8 << 20)) /dev/urandom >"$WORKDIR/data"
chmod 0644 "$WORKDIR/data"
start_daemon --log "$log" "$mnt" env UIDMAPFS_TEST_HIDE_FEATURES=passthrough \
	"$UIDMAPFS_SEAMS" "$src" "$mnt" -o "uidmap=$MAP,gidmap=$MAP" -d
"$POD" --map "$MAP" -- cp "$WORKDIR/data" "$mnt/data"
echo 3 >/proc/sys/vm/drop_caches
cmp "$WORKDIR/data" "$mnt/data" || fail "no passthrough: read back other bytes"
cmp "$WORKDIR/data" "$src/data" || fail "no passthrough: other bytes on disk"
reads=$(grep -c "opcode: READ (" "$log" || true)
writes=$(grep -c "opcode: WRITE (" "$log" || true)
[ "$reads" -gt 0 ] && [ "$writes" -gt 0 ] ||
	fail "no passthrough: READ=$reads WRITE=$writes, the daemon did not serve the data"
note "ok: without kernel passthrough the daemon serves the data (READ=$reads WRITE=$writes)"
umount "$mnt"

# 5.  Proved to fail by building uidmapfs with -DUIDMAPFS_TEST_SEAMS: the
# hidden ID-mapping makes it refuse kernel mode.
UIDMAPFS_TEST_HIDE_FEATURES=idmap,passthrough "$UIDMAPFS" "$src" "$mnt" ||
	fail "the installed daemon obeyed UIDMAPFS_TEST_HIDE_FEATURES"
"$IDMOUNT" --map "$MAP" "$mnt" "$top" ||
	fail "the installed daemon hid FUSE ID-mapping when told so by its environment"
umount "$top"
umount "$mnt"
note "ok: the installed daemon ignores UIDMAPFS_TEST_HIDE_FEATURES"
