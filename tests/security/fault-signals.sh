#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fault-signals: the daemon stopped under load, killed, or unmounted with
# files open.
#
#   1. SIGTERM under load (an fsync'ing writer and a stress worker): the
#      daemon unmounts and exits 0 within a bound, and every record the
#      writer had fsync'd is on disk, intact;
#   2. SIGKILL: the mount answers ENOTCONN ("Transport endpoint is not
#      connected"), never hangs; the documented recovery (the README's threat model:
#      umount -l, then mount again) restores service with the data there;
#   3. umount while a pod holds a file open: plain umount is EBUSY, umount
#      -l detaches, the holder keeps writing through its fd, and the daemon
#      exits 0 once the file is closed; SIGTERM with a file open also
#      exits 0 (the holder then reads ENOTCONN, or the data through
#      kernel passthrough, which does not need the daemon).
set -euo pipefail
PROG=fault-signals
# shellcheck source=seclib.sh
. "$(dirname "$0")/seclib.sh"

require_helpers SECOP
require_machine stat
sec_workdir
OUT=$W/out
SRC=$W/back/src
mkdir -p "$SRC"
chmod 0777 "$SRC"

# Every exit status below is checked: the daemon's, and each worker's
# (what it must be when the daemon goes away under it).  Proved able to
# fail: with the daemon's SIGTERM handler removed (kill -KILL instead of
# -TERM in part 1), part 1 fails on the exit status 137.

# ---- 1. SIGTERM under load ----
MNT=$W/mnt1
mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" ""
pod_as 0 0 "$SECOP" fsync-writer "$MNT/records" "$OUT/count" 60 >"$OUT/writer.log" 2>&1 &
writer=$!
pod_as 1000 1000,2000 "$SECOP" stress "$MNT" 1000 60 >"$OUT/stress.log" 2>&1 &
stress=$!
# Under load means: the writer has fsync'd records, and keeps going.
# Polled with a bound (the sanitizer build is slow), never a fixed sleep.
records() { cat "$OUT/count" 2>/dev/null || echo 0; }
deadline=$((SECONDS + 30))
until [ "$(records)" -ge 20 ]; do
	alive "$writer" || fail "SIGTERM: the writer died: $(cat "$OUT/writer.log")"
	((SECONDS < deadline)) || fail "SIGTERM: the writer fsync'd $(records) records in 30 s"
	sleep 0.05
done
alive "$stress" || fail "SIGTERM: the stress worker died before the signal: $(cat "$OUT/stress.log")"
kill -TERM "$DAEMON_PID"
status=0
reap_daemon "$DAEMON_PID" 20 || status=$?
[ "$status" = 0 ] || fail "SIGTERM: the daemon exited with $status"
if mountpoint -q "$MNT"; then fail "SIGTERM: $MNT is still mounted"; fi
# The writer stops at its first failed write or fsync and exits 0 saying
# why; the stress worker exits 1 at its first failed step.  Anything else
# (a crash, a hang, running into the time limit) is a failure.
status=0
wait_bounded 30 "$writer" || status=$?
[ "$status" = 0 ] || fail "SIGTERM: the writer exited with $status: $(cat "$OUT/writer.log")"
if grep -q "time limit" "$OUT/writer.log"; then
	fail "SIGTERM: the writer never saw the daemon go: $(cat "$OUT/writer.log")"
fi
status=0
wait_bounded 30 "$stress" || status=$?
if [ "$status" != 1 ] || ! grep -q "failed at step" "$OUT/stress.log"; then
	fail "SIGTERM: the stress worker exited with $status, not 1 at a failed step: $(cat "$OUT/stress.log")"
fi
"$SECOP" fsync-check "$SRC/records" "$OUT/count" ||
	fail "SIGTERM: fsync'd records are missing or damaged"
note "SIGTERM under load: clean exit, $(cat "$OUT/count") fsync'd records intact ($(cat "$OUT/writer.log"))"

# ---- 2. SIGKILL and recovery ----
MNT=$W/mnt2
mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" ""
echo before >"$OUT/before"
pod_as 0 0 cp "$OUT/before" "$MNT/before" || fail "cannot write before the kill"
kill -KILL "$DAEMON_PID"
# A killed daemon is this part's point: its status is checked here, not
# by the cleanup.
status=0
reap_daemon "$DAEMON_PID" || status=$?
[ "$status" = 137 ] || fail "SIGKILL: the daemon exited with $status, not 137"
wait_stale "$MNT" ||
	fail "SIGKILL: stat said '$(LC_ALL=C timeout 10 stat "$MNT/before" 2>&1 >/dev/null)', not ENOTCONN"
err=$(LC_ALL=C timeout 10 stat "$MNT/before" 2>&1 >/dev/null) && fail "SIGKILL: the dead mount still answers"
case $err in
*"not connected"*) ;;
# Over FUSE io_uring the kernel ends the connection only once the dead
# daemon's rings are torn down, a moment later: a request in that moment
# fails at once with ECANCELED or ECONNABORTED, every later one with
# ENOTCONN (bounded wait, 10 s).
*"Operation canceled"* | *"connection abort"*)
	wait_stale "$MNT" || fail "SIGKILL: stat said '$err', then never ENOTCONN" ;;
*) fail "SIGKILL: stat said '$err', not ENOTCONN" ;;
esac
# Recovery, as the README's threat model documents it.
umount -l "$MNT" || fail "SIGKILL: umount -l failed"
mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" ""
[ "$(pod_as 0 0 cat "$MNT/before")" = before ] || fail "SIGKILL: data not back after recovery"
pod_as 0 0 cp "$OUT/before" "$MNT/after" || fail "SIGKILL: cannot write after recovery"
note "SIGKILL: ENOTCONN; umount -l and remount restore service"

# ---- 3. unmount with files open ----
# shellcheck disable=SC2016 # expanded by the inner shell
pod_as 0 0 bash -c '
	exec 3>>"$1/held"
	echo first >&3
	echo ready >"$2/ready3"
	while [ ! -e "$2/go3" ]; do sleep 0.05; done
	echo second >&3 && echo "write after detach: ok" >"$2/held3.log"
' sh "$MNT" "$OUT" &
holder=$!
wait_file "$OUT/ready3" 10 "$holder"
if umount "$MNT" 2>/dev/null; then fail "umount with a file open did not say EBUSY"; fi
umount -l "$MNT" || fail "umount -l with a file open failed"
require_alive "$DAEMON_PID" "umount -l with a file still open"
touch "$OUT/go3"
wait_bounded 20 "$holder" || fail "the holder failed after the detach"
grep -q ok "$OUT/held3.log" || fail "a write through a held fd failed after umount -l"
status=0
reap_daemon "$DAEMON_PID" 20 || status=$?
[ "$status" = 0 ] || fail "umount -l: the daemon exited with $status"
[ "$(cat "$SRC/held")" = "first
second" ] || fail "umount -l: the held file lost data"

MNT=$W/mnt3
mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" ""
# The holder keeps the file open until told, then reads through its fd
# with the daemon gone: ENOTCONN, or the file's bytes where the kernel
# reads the backing file itself (passthrough) - never EIO or a hang.
# shellcheck disable=SC2016 # expanded by the inner shell
pod_as 0 0 bash -c '
	exec 3<"$1/held"
	echo ready >"$2/ready4"
	while [ ! -e "$2/go4" ]; do sleep 0.05; done
	if LC_ALL=C cat <&3 >"$2/held4.log" 2>&1; then
		[ "$(cat "$2/held4.log")" = "first
second" ]
	else
		grep -q "not connected" "$2/held4.log"
	fi
' sh "$MNT" "$OUT" &
holder=$!
wait_file "$OUT/ready4" 10 "$holder"
kill -TERM "$DAEMON_PID"
status=0
reap_daemon "$DAEMON_PID" 20 || status=$?
[ "$status" = 0 ] || fail "SIGTERM with a file open: the daemon exited with $status"
touch "$OUT/go4"
status=0
wait_bounded 20 "$holder" || status=$?
[ "$status" = 0 ] ||
	fail "SIGTERM with a file open: a read through the held fd said neither ENOTCONN nor the data: $(cat "$OUT/held4.log")"
note "unmount with files open: EBUSY, then a clean detach; SIGTERM exits 0; the held fd reads: $(head -c 60 "$OUT/held4.log" | tr '\n' ' ')"
note "PASS"
