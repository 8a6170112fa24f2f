#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# stress: a bounded load run through the mount.
#
#   tests/security/stress.sh [--duration SECONDS]   (default 300; CI: 40)
#
# Four pod users (0, 1000, 1001, 1002; each also in group 2000) run
# secop stress workers concurrently (create, patterned writes read back,
# fsync, rename, hard link, chmod, chgrp, user xattrs, readdir, unlink),
# next to stress-ng's filesystem stressors as pod root.  The run fails as
# a hang as soon as the daemon stops answering a fresh lookup within 30 s
# or nothing (daemon or load) uses CPU for 30 s, and as too slow if the
# load still moves after DURATION + 300 s; either failure shows the
# kernel stacks of the daemon's threads and of the load (seclib.sh
# wait_load).  Afterwards:
#   - every pattern file left verifies, through the mount and on disk;
#   - no on-disk owner or group outside the map (0..65535);
#   - the tree is removed, dentries dropped (vm.drop_caches=2, so the
#     kernel sends FORGETs), and the daemon's open fds return to their
#     baseline (+4) and its RSS to baseline + 32 MiB (not under ASan,
#     whose quarantine keeps memory; LeakSanitizer checks at exit);
#   - the daemon is alive, and exits 0 at unmount (lib.sh's trap; under
#     the ASan/UBSan build a report makes that exit non-zero).
set -euo pipefail
PROG=stress
# shellcheck source=seclib.sh
. "$(dirname "$0")/seclib.sh"

DURATION=300
while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=$2; shift 2 ;;
	*) fail "unknown option $1" ;;
	esac
done

require_helpers SECOP
require_machine stress-ng
make_workdir
W=$WORKDIR
mkdir -p "$W/back"
mount -t tmpfs -o size=1g,mode=0755 uidmapfs-stress "$W/back" || fail "cannot mount tmpfs"
MOUNTS+=("$W/back")
SRC=$W/back/src
MNT=$W/mnt
mkdir -p "$SRC/stress" "$SRC/ng"
chmod 0777 "$SRC/stress" "$SRC/ng"
mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" ""
fds0=$(daemon_fds "$DAEMON_PID")
rss0=$(daemon_rss "$DAEMON_PID")
note "baseline: $fds0 fds, RSS $rss0 KiB; load for ${DURATION}s"

pids=()
for u in 0 1000 1001 1002; do
	pod_as "$u" "$u,2000" "$SECOP" stress "$MNT/stress" "$u" "$DURATION" \
		>"$W/worker-$u.log" 2>&1 &
	pids+=("$!")
done
# Stressors that work on a FUSE mount from a user namespace; each
# bounded by --timeout.
pod_as 0 0 stress-ng --temp-path "$MNT/ng" --timeout "${DURATION}s" \
	--hdd 1 --hdd-bytes 16M --dir 1 --dentry 1 --link 1 --symlink 1 \
	--rename 1 --xattr 1 --chmod 1 --fallocate 1 --fallocate-bytes 16M \
	--utime 1 --getdent 1 --fstat 1 --seek 1 --seek-size 16M \
	--copy-file 1 --metrics-brief \
	>"$W/stress-ng.log" 2>&1 &
pids+=("$!")
# A load that stops moving fails at once as a hang; one that keeps moving
# may take until DURATION + 300 s (stress-short: with the 120 s bound on
# the removal after it, within meson's 600 s).
# Proved able to fail: the daemon stopped (SIGSTOP) 5 s into a
# --duration 20 run failed 67 s into the load, "the daemon did not answer
# a lookup within 30 s ... a hang", showing its threads in do_signal_stop
# and the stressors in request_wait_answer.
if ! wait_load $((DURATION + 300)) "$MNT" "${pids[@]}"; then
	cat "$W"/worker-*.log "$W/stress-ng.log" >&2
	fail "a load process failed (logs above)"
fi
sed "s/^/$PROG: /" "$W"/worker-*.log >&2
grep -E "passed|failed|skipped" "$W/stress-ng.log" | sed "s/^/$PROG: /" >&2 || true
require_alive "$DAEMON_PID" "under load"

"$SECOP" verify "$MNT/stress" || fail "a pattern file is damaged (through the mount)"
"$SECOP" verify "$SRC/stress" || fail "a pattern file is damaged (on disk)"
outside=$(find "$SRC" \( -uid +65535 -o -gid +65535 \) -print | head -5)
[ -z "$outside" ] || fail "on-disk owners outside the map: $outside"

watchdog 120 "$POD" --map "$MAP" -- rm -rf "$MNT/stress" "$MNT/ng"
[ -z "$(ls -A "$SRC/stress" 2>/dev/null)" ] || fail "the tree was not removed"
fds=0 rss=0
for ((i = 0; i < 40; i++)); do
	sync
	echo 2 >/proc/sys/vm/drop_caches
	fds=$(daemon_fds "$DAEMON_PID")
	rss=$(daemon_rss "$DAEMON_PID")
	((fds <= fds0 + 4 && rss <= rss0 + 32768)) && break
	grep -q __asan_init "$UIDMAPFS" && ((fds <= fds0 + 4)) && break
	sleep 0.5
done
note "after: $fds fds (baseline $fds0), RSS $rss KiB (baseline $rss0)"
((fds <= fds0 + 4)) || fail "the daemon holds $fds fds after the tree is gone (baseline $fds0): the inode table did not forget"
# Under ASan the quarantine and shadow memory keep RSS high by design;
# LeakSanitizer at the daemon's exit is the leak check there.
if grep -q __asan_init "$UIDMAPFS"; then
	note "ASan build: RSS not bounded (LeakSanitizer checks at exit)"
elif ((rss > rss0 + 32768)); then
	fail "the daemon's RSS is $rss KiB after the load (baseline $rss0)"
fi
note "PASS"
