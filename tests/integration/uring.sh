#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# uring.sh: FUSE over io_uring (Linux 6.14) and its fallback to /dev/fuse.
# Sets /sys/module/fuse/parameters/enable_uring for its cases and restores
# it on exit (other daemons on the machine do not ask for the ring, so the
# parameter does not change them).
#   1. enable_uring=Y: the log says "transport: io_uring (N queues)", a pod
#      creates, lists and reads files with the right owners on
#      disk, and at unmount the daemon's count of requests served over the
#      ring covers at least one request per file created;
#   2. enable_uring=N: "transport: /dev/fuse (enable_uring is N)", no ring;
#   3. enable_uring=Y with -o nouring: "/dev/fuse (-o nouring)";
#   4. enable_uring=Y, io_uring_setup(2) refused by seccomp (Docker's
#      default profile does this): "/dev/fuse (io_uring set-up failed:
#      ...)", and the mount serves;
#   5. enable_uring=Y, the kernel refuses every REGISTER after INIT granted
#      the ring (test build: buffers one byte short): a refused REGISTER
#      makes the kernel give the ring up for the mount and release the
#      requests it held to /dev/fuse; the log must say "/dev/fuse (the
#      kernel refused ...)" and the pod's work must finish (watchdog).
# Shown to fail, each break tried once: uring_start() skipped after the
# kernel granted the ring (case 1: the pod hangs, the 60 s watchdog fails
# it with status 124); the served counter not incremented (case 1: "only 0
# requests over the ring"); a queue the kernel refused entirely not treated
# as a failed start (case 5: the log says io_uring, not /dev/fuse); the
# io_uring_setup fault of seccomp-fail matching no call (case 4: the log
# says "transport: io_uring (2 queues)").
set -euo pipefail
PROG=uring
. "$(dirname "$0")/lib.sh"

require_helpers UIDMAPFS SECCOMP_FAIL
require_machine

PARAM=/sys/module/fuse/parameters/enable_uring
FILES=200

make_workdir
back=$WORKDIR/back
mount_backing tmpfs "$back"
chmod 0777 "$back"

if [ ! -e "$PARAM" ]; then
	# No ring in this kernel: only the fallback line can be checked.
	mkdir -p "$back/old"
	chmod 0777 "$back/old"
	mount_uidmapfs "$back/old" "$WORKDIR/mnt-old" "$MAP"
	unmount_daemon "$WORKDIR/mnt-old"
	grep -q "transport: /dev/fuse (this kernel has no FUSE over io_uring" \
		"$DAEMON_LOG" || fail "no transport line: $(cat "$DAEMON_LOG")"
	note "ok: no enable_uring parameter: /dev/fuse, and the log says why (nothing else to test here)"
	exit 0
fi

OLD_PARAM=$(cat "$PARAM")
# lib.sh's cleanup, after restoring the parameter.  It reads the exit
# status from $?, so hand it on (without set -e, which would end the trap
# right there on a failure).
restore_param() {
	local rc=$?
	set +e
	echo "$OLD_PARAM" >"$PARAM" || note "could not restore $PARAM to $OLD_PARAM"
	(exit "$rc")
	cleanup
}
trap restore_param EXIT

# The daemon command: the installed build, or it under a wrapper, or the
# test build.
DAEMON_CMD=("$UIDMAPFS")

# start NAME [OPTS]: mount $back/NAME at $WORKDIR/mnt-NAME in shift mode
# with $MAP (and OPTS) by "${DAEMON_CMD[@]}", through lib.sh's
# start_daemon.  Sets LOG to its output.
start() {
	local name=$1 src=$back/$1 dir=$WORKDIR/mnt-$1
	mkdir -p "$src"
	chmod 0777 "$src"
	start_daemon "$dir" "${DAEMON_CMD[@]}" "$src" "$dir" \
		-o "uidmap=$MAP,gidmap=$MAP${2:+,$2}" -f
	LOG=$DAEMON_LOG
}

# Unmount $WORKDIR/mnt-$1; the daemon must exit 0 (lib.sh).
finish() {
	unmount_daemon "$WORKDIR/mnt-$1"
}

# A pod's metadata work on mount $1, bounded: creates, lists, reads and
# removes $FILES files.  A transport that lost a request hangs here.
pod_work() {
	local dir=$1
	timeout -k 5 60 "$POD" --map "$MAP" -- sh -c '
		set -e
		cd "$1"
		mkdir d
		i=0
		while [ "$i" -lt "$2" ]; do
			echo "$i" >"d/f$i"
			i=$((i + 1))
		done
		[ "$(ls d | wc -l)" = "$2" ]
		[ "$(cat d/f7)" = 7 ]
		stat -c %u d/f0
	' sh "$dir" "$FILES" || fail "the pod's work on $dir failed or hung (status $?)"
}

# transport LOG TEXT: the log has (within 5 s) exactly one transport
# line, and it is TEXT (a prefix).
transport() {
	local lines i
	# The line comes after INIT, a moment after the mount appears.
	for ((i = 0; i < 100; i++)); do
		grep -q "transport: " "$1" && break
		sleep 0.05
	done
	lines=$(grep -c "transport: " "$1" || true)
	[ "$lines" = 1 ] || fail "want one transport line in $1, got $lines: $(cat "$1")"
	grep -q "transport: $2" "$1" || fail "want 'transport: $2' in $1: $(cat "$1")"
}

# 1.
echo Y >"$PARAM"
start ring
transport "$LOG" "io_uring ("
owner=$(pod_work "$WORKDIR/mnt-ring")
[ "$owner" = 0 ] || fail "ring: the pod sees its file owned by $owner, want 0"
# Pod root is host 524288, which the map stores on disk as 0.
[ "$(stat -c %u "$back/ring/d/f0")" = 0 ] ||
	fail "ring: on disk the file is owned by $(stat -c %u "$back/ring/d/f0"), want 0"
finish ring
served=$(sed -n 's/.*io_uring served \([0-9]*\) requests.*/\1/p' "$LOG")
[ -n "$served" ] || fail "ring: no served count at unmount: $(cat "$LOG")"
((served >= FILES)) || fail "ring: only $served requests over the ring for $FILES files"
note "ok: enable_uring=Y: $(grep -o 'transport: .*' "$LOG"), $served requests over the ring"

# 2.
echo N >"$PARAM"
start off
transport "$LOG" "/dev/fuse (enable_uring is N)"
pod_work "$WORKDIR/mnt-off" >/dev/null
finish off
! grep -q "io_uring served" "$LOG" || fail "off: a ring served requests: $(cat "$LOG")"
note "ok: enable_uring=N: /dev/fuse, and the log says why"

# 3.
echo Y >"$PARAM"
start nouring nouring
transport "$LOG" "/dev/fuse (-o nouring)"
pod_work "$WORKDIR/mnt-nouring" >/dev/null
finish nouring
note "ok: -o nouring keeps /dev/fuse"

# 4.
DAEMON_CMD=("$SECCOMP_FAIL" io_uring_setup "$UIDMAPFS")
start seccomp
transport "$LOG" "/dev/fuse (io_uring set-up failed: Operation not permitted)"
pod_work "$WORKDIR/mnt-seccomp" >/dev/null
finish seccomp
note "ok: io_uring_setup refused: /dev/fuse, and the log says why"

# 5.
[ -n "${UIDMAPFS_SEAMS:-}" ] || fail "\$UIDMAPFS_SEAMS (the test build) is not set"
DAEMON_CMD=(env UIDMAPFS_TEST_FAIL=uring-register "$UIDMAPFS_SEAMS")
start refused
transport "$LOG" "/dev/fuse (the kernel refused the io_uring registration"
pod_work "$WORKDIR/mnt-refused" >/dev/null
finish refused
! grep -q "io_uring served" "$LOG" || fail "refused: a ring served requests: $(cat "$LOG")"
note "ok: REGISTER refused after INIT: the kernel released the held requests to /dev/fuse"
