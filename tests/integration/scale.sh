#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scale.sh: a volume with far more files than the daemon may open (issue 11).
#
#   scale.sh [--entries N] [--nofile N] [--keep]
#
# A 50,000-entry tree (200 directories of 249 files) on ext4, uidmapfs
# started with RLIMIT_NOFILE 1024 (so its fd cache holds 896), and a pod
# that walks it twice, cold (fresh mount) and warm (the kernel remembers
# every inode, the daemon has an fd for a few hundred): find, ls -lR, stat
# of every entry, read of every file.  Every phase must finish without an
# error, with the counts and contents the backing tree has, and the daemon
# must be alive with no more open fds than its cache bound plus a margin,
# at the end of every phase and at every sample taken meanwhile.  Nothing
# is timed.
#
# Shown to fail: with the daemon of main before file handles (one O_PATH
# fd per inode) the daemon reaches its 1024 fds during the cold find, and
# the cold ls -lR fails with EMFILE ("Too many open files").
set -euo pipefail
PROG=scale
. "$(dirname "$0")/lib.sh"

ENTRIES=50000
NOFILE=1024
while [ $# -gt 0 ]; do
	case $1 in
	--entries) ENTRIES=$2; shift 2 ;;
	--nofile) NOFILE=$2; shift 2 ;;
	--keep) KEEP_WORKDIR=1; shift ;;
	*) fail "unknown argument $1 (see the head of $0)" ;;
	esac
done
DIRS=200
FILES=$((ENTRIES / DIRS - 1))	# per directory, beside the directory itself
# The daemon's default: the hard limit less an eighth, at least 128.
FD_CACHE=$((NOFILE - (NOFILE / 8 > 128 ? NOFILE / 8 : 128)))
# Beside the cache: /proc, SOURCE and its mount, /dev/fuse (one per
# worker with clone_fd), the log, open files and directories in flight.
SLACK=64

require_helpers
[ -n "${UIDMAPFS:-}" ] || skip "\$UIDMAPFS is not set: no daemon to test"
require_helpers UIDMAPFS
require_machine prlimit mkfs.ext4 md5sum

make_workdir
back=$WORKDIR/back
mnt=$WORKDIR/mnt
mkdir -p "$back" "$mnt"
# inline_data keeps each small file inside its inode: 50,000 files in a
# sparse image of a few tens of MB.
truncate -s 512M "$WORKDIR/ext4.img"
mkfs.ext4 -q -F -N $((ENTRIES + 10000)) -I 256 -O inline_data \
	"$WORKDIR/ext4.img" || fail "mkfs.ext4 failed"
mount -o loop "$WORKDIR/ext4.img" "$back" || fail "cannot mount ext4 image"
MOUNTS+=("$back")
chmod 0755 "$back"

note "building $((DIRS * (FILES + 1))) entries"
for ((d = 0; d < DIRS; d++)); do
	mkdir "$back/d$d"
	for ((f = 0; f < FILES; f++)); do
		printf 'd%d/f%d\n' "$d" "$f" >"$back/d$d/f$f"
	done
done
# What the pod must see: pod root is on-disk 0, so ids read the same.
want_entries=$(cd "$back" && find . -path ./lost+found -prune -o -print | wc -l)
want_files=$((DIRS * FILES))
want_stat=$(cd "$back" && find . -path ./lost+found -prune -o \
	-printf '%y %m %U %G %s %n %p\n' | sort | md5sum)
want_data=$(cd "$back" && find . -path ./lost+found -prune -o -type f \
	-print0 | sort -z | xargs -0 cat | md5sum)

log=$WORKDIR/uidmapfs.log
prlimit --nofile="$NOFILE:$NOFILE" \
	"$UIDMAPFS" "$back" "$mnt" -o "uidmap=$MAP,gidmap=$MAP" -f >"$log" 2>&1 &
pid=$!
DAEMONS+=("$pid")
DAEMON_LOGS+=("$log")
MOUNTS+=("$mnt")
wait_for_fuse_mount "$pid" "$mnt" "$log"

# The daemon's open fds, sampled every 0.2 s into $WORKDIR/fds while the
# walks run; ends with the daemon or when told.
sampler() {
	while alive "$pid" && [ ! -e "$WORKDIR/stop-sampler" ]; do
		ls "/proc/$pid/fd" 2>/dev/null | wc -l >>"$WORKDIR/fds"
		sleep 0.2
	done
}
sampler &
sampler_pid=$!

check_fds() {
	local phase=$1 n max
	alive "$pid" || fail "$phase: the daemon died"
	n=$(ls "/proc/$pid/fd" | wc -l)
	max=$( (cat "$WORKDIR/fds" 2>/dev/null; echo "$n") | sort -n | tail -n 1)
	((max <= FD_CACHE + SLACK)) ||
		fail "$phase: the daemon had $max fds open, more than $FD_CACHE + $SLACK"
	note "ok    $phase (daemon fds now $n, at most $max)"
}

# Run $2 in the pod with the mount as its working directory; its stdout
# must be $3, and it must write nothing on stderr.
pod_phase() {
	local phase=$1 cmd=$2 want=$3 got
	got=$("$POD" --map "$MAP" -- sh -c "cd '$mnt' && $cmd" \
		2>"$WORKDIR/err") || fail "$phase: exit status $?: $(head -n 3 "$WORKDIR/err")"
	[ -s "$WORKDIR/err" ] && fail "$phase: $(head -n 3 "$WORKDIR/err")"
	[ "$got" = "$want" ] || fail "$phase: got '$got', want '$want'"
	check_fds "$phase"
}

for pass in cold warm; do
	pod_phase "$pass find" \
		"find . -path ./lost+found -prune -o -print | wc -l" "$want_entries"
	pod_phase "$pass ls -lR" \
		"ls -lR . | grep -c '^-'" "$want_files"
	pod_phase "$pass stat" \
		"find . -path ./lost+found -prune -o -printf '%y %m %U %G %s %n %p\n' | sort | md5sum" \
		"$want_stat"
	pod_phase "$pass read" \
		"find . -path ./lost+found -prune -o -type f -print0 | sort -z | xargs -0 cat | md5sum" \
		"$want_data"
done
touch "$WORKDIR/stop-sampler"
wait "$sampler_pid" || true
note "daemon VmRSS: $(awk '/^VmRSS/ { print $2, $3 }' "/proc/$pid/status")"
if grep -qi 'too many open files\|error' "$log"; then
	sed 's/^/  | /' "$log" >&2
	fail "the daemon logged errors"
fi
# Unmount here rather than in the trap: forgetting 50,000 inodes may take
# the daemon more than the trap's 2 s on a loaded machine; allow 60.
umount "$mnt" || fail "cannot unmount $mnt"
for ((i = 0; i < 600; i++)); do
	alive "$pid" || break
	sleep 0.1
done
alive "$pid" && fail "the daemon did not exit within 60 s of the unmount"
status=0
wait "$pid" || status=$?
DAEMONS=()
DAEMON_LOGS=()
[ "$status" = 0 ] || fail "the daemon exited with status $status"
note "ok    $want_entries entries, the daemon within $((FD_CACHE + SLACK)) fds, exit 0 after $((i / 10)) s"
