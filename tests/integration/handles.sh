#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# handles.sh: the inode table's file handles (issue 11), in two parts.
#
# reuse: on ext4 (which reuses a freed inode number at once; tmpfs never
# does), a pod makes the kernel remember file a, the daemon's fd of it is
# evicted (fd_cache=1), and host root deletes a behind the daemon's back
# and creates files until one gets a's number.  The kernel's old inode
# must answer ESTALE or ENOENT, never the new file's owner or data, and the
# new file must show its own.
#   Shown to fail: with inode_get() taking every (dev, ino) match for the
#   same inode (the handle comparison removed), the new file's name
#   resolves to the old entry and answers ESTALE; with the daemon of main
#   (an O_PATH fd per remembered inode) the number is never reused.
#
# shed: the fd cache larger than the daemon's fd limit (fd_cache=100000,
# RLIMIT_NOFILE 256): a walk of 3000 entries must not fail with EMFILE,
# the cache giving way to the fds the lookups need.
#   Shown to fail: with inode_fds_shed() returning 0, find reports "Too
#   many open files".
#
# fuse: a backing FUSE filesystem that encodes handles it cannot decode
# once the kernel has evicted its inode (uidmapfs itself: no export
# support).  The daemon must keep an fd per inode there (and say so once
# in its log): after the kernel drops its caches, every file still reads.
#   Shown to fail: with FUSE mounts trusted with handles, the create in
#   the pod's working directory after the drop answers ESTALE.  (The drop is of the whole machine's dentry
#   and inode caches: a moment of extra work for whoever else runs.)
set -euo pipefail
PROG=handles
. "$(dirname "$0")/lib.sh"

require_helpers
[ -n "${UIDMAPFS:-}" ] || skip "\$UIDMAPFS is not set: no daemon to test"
require_helpers UIDMAPFS
require_machine mkfs.ext4

# Run $1 in the pod (root in it) with the mount $2 as working directory.
in_pod() {
	"$POD" --map "$MAP" -- sh -c "cd '$2' && $1"
}

make_workdir

# --- reuse ----------------------------------------------------------------
back=$WORKDIR/back
mnt=$WORKDIR/mnt
mount_backing ext4 "$back"
mkdir "$back/d"
printf 'old\n' >"$back/d/a"
chown 1000:1000 "$back/d/a"
for i in 1 2 3 4 5; do printf 'other\n' >"$back/d/o$i"; done
# Long entry timeout: the pod's name a keeps naming the old inode; no attr
# cache: every stat asks the daemon.
mount_uidmapfs "$back" "$mnt" "$MAP" \
	-o fd_cache=1,entry_timeout=600,attr_timeout=0

old=$(in_pod "stat -c '%i %u' d/a" "$mnt") || fail "reuse: stat d/a failed"
[ "$old" = "$(stat -c %i "$back/d/a") 1000" ] ||
	fail "reuse: d/a shows '$old'"
# Other inodes take the one cached fd: the daemon no longer pins a.
in_pod "stat d/o1 d/o2 d/o3 d/o4 d/o5 >/dev/null" "$mnt" ||
	fail "reuse: stat of the others failed"

ino=${old% *}
rm "$back/d/a"
new=
for ((i = 0; i < 200; i++)); do
	printf 'new %d\n' "$i" >"$back/d/n$i"
	chown 2000:2000 "$back/d/n$i"
	if [ "$(stat -c %i "$back/d/n$i")" = "$ino" ]; then
		new=n$i
		break
	fi
done
[ -n "$new" ] || fail "reuse: ext4 gave inode $ino to none of 200 new files (is it still held open?)"
note "reuse: inode $ino is now d/$new"

# The new file first, while the kernel still remembers the old inode (a
# failed stat of the old name makes the VFS look it up again and forget
# it): its lookup finds the old entry under the same (dev, ino).
got=$(in_pod "stat -c '%i %u' d/$new && cat d/$new" "$mnt" 2>"$WORKDIR/err") ||
	fail "reuse: the new file d/$new cannot be read: $(cat "$WORKDIR/err")"
[ "$got" = "$ino 2000
new ${new#n}" ] || fail "reuse: d/$new shows '$got'"
for op in "stat -c '%i %u' d/a" "cat d/a" "ls -ln d/a"; do
	if out=$(in_pod "$op" "$mnt" 2>"$WORKDIR/err"); then
		fail "reuse: '$op' on the old inode succeeded: '$out'"
	fi
	grep -qE 'Stale file handle|No such file' "$WORKDIR/err" ||
		fail "reuse: '$op' on the old inode: $(cat "$WORKDIR/err")"
	case $out in *new* | *2000*) fail "reuse: '$op' showed the new file: '$out'" ;; esac
done
note "ok    reuse: the old inode answers ESTALE/ENOENT, d/$new its own"

# --- shed -----------------------------------------------------------------
sback=$WORKDIR/sback
smnt=$WORKDIR/smnt
mount_backing tmpfs "$sback"
for ((d = 0; d < 10; d++)); do
	mkdir "$sback/d$d"
	for ((f = 0; f < 300; f++)); do : >"$sback/d$d/f$f"; done
done
slog=$WORKDIR/uidmapfs-shed.log
mkdir -p "$smnt"
MOUNTS+=("$smnt")
prlimit --nofile=256:256 "$UIDMAPFS" "$sback" "$smnt" \
	-o "uidmap=$MAP,gidmap=$MAP,fd_cache=100000" -f >"$slog" 2>&1 &
DAEMONS+=("$!")
DAEMON_LOGS+=("$slog")
wait_for_fuse_mount "$!" "$smnt" "$slog"
got=$(in_pod "find . -printf '%i %U %s\n' | wc -l" "$smnt" 2>"$WORKDIR/err") ||
	fail "shed: find failed: $(head -n 3 "$WORKDIR/err")"
[ -s "$WORKDIR/err" ] && fail "shed: $(head -n 3 "$WORKDIR/err")"
[ "$got" = 3011 ] || fail "shed: find saw $got entries, want 3011"
note "ok    shed: a cache above the fd limit gives way"

# --- fuse -----------------------------------------------------------------
fback=$WORKDIR/fback
inner=$WORKDIR/inner
outer=$WORKDIR/outer
mount_backing tmpfs "$fback"
for i in $(seq 1 20); do printf 'f%d\n' "$i" >"$fback/f$i"; done
mkdir "$fback/sub"
printf 'deep\n' >"$fback/sub/g"
# The inner daemon shows ids unchanged; the outer one maps for the pod.
mount_uidmapfs "$fback" "$inner" 0:0:4294967295
mount_uidmapfs "$inner" "$outer" "$MAP" -o fd_cache=1,attr_timeout=0
outer_log=${DAEMON_LOGS[${#DAEMON_LOGS[@]} - 1]}

want=$(cd "$fback" && find . -type f | sort | xargs cat | md5sum)
read_all="find . -type f | sort | xargs cat | md5sum"
got=$(in_pod "$read_all" "$outer") || fail "fuse: the first read failed"
[ "$got" = "$want" ] || fail "fuse: the first read differs"
in_pod "echo made >sub/new && mv sub/new sub/moved && cat sub/moved" "$outer" |
	grep -qx made || fail "fuse: create and rename failed"
# The pod sits in sub while the kernel drops its caches: the inner
# mount's inode of sub is evicted unless the outer daemon holds an fd of
# it, and creating a name in the pod's cwd needs that inode (no path
# lookup, so no retry, reaches it afresh).  Two fifos order the steps.
mkfifo "$WORKDIR/ready" "$WORKDIR/go"
chmod 0666 "$WORKDIR/ready" "$WORKDIR/go"
in_pod "cd sub && cat ../f1 >/dev/null && echo >'$WORKDIR/ready' &&
	read x <'$WORKDIR/go' && echo made >new2 && cat new2 g" "$outer" \
	>"$WORKDIR/out" 2>"$WORKDIR/err" &
pod_pid=$!
timeout 30 cat "$WORKDIR/ready" >/dev/null || fail "fuse: the pod never got ready"
sync
echo 2 >/proc/sys/vm/drop_caches
timeout 30 sh -c "echo >'$WORKDIR/go'" || fail "fuse: the pod never read on"
wait "$pod_pid" || fail "fuse: after the drop: $(head -n 3 "$WORKDIR/err")"
[ "$(cat "$WORKDIR/out")" = "made
deep" ] || fail "fuse: after the drop the pod read '$(cat "$WORKDIR/out")'"
want=$(cd "$fback" && find . -type f | sort | xargs cat | md5sum)
got=$(in_pod "$read_all" "$outer" 2>"$WORKDIR/err") ||
	fail "fuse: the read after the drop failed: $(head -n 3 "$WORKDIR/err")"
[ "$got" = "$want" ] || fail "fuse: the read after the drop differs"
n=$(grep -c 'no file handles' "$outer_log" || true)
[ "$n" = 1 ] || fail "fuse: the daemon said 'no file handles' $n times, want once"
note "ok    fuse: a FUSE backing keeps its fds, and says so once"
