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
#      exits 0 (the holder then gets ENOTCONN).
set -euo pipefail
PROG=fault-signals
# shellcheck source=seclib.sh
. "$(dirname "$0")/seclib.sh"

require_helpers SECOP
require_machine stat
make_workdir
W=$WORKDIR
OUT=$W/out
mkdir -p "$OUT"
chmod 0777 "$OUT"
mount_backing tmpfs "$W/back"
SRC=$W/back/src
mkdir -p "$SRC"
chmod 0777 "$SRC"

# The daemon's exit status into $status, waited for at most $2 seconds.
daemon_exit() {
	status=0
	wait_bounded "$2" "$1" || status=$?
}

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
kill -TERM "$DAEMON_PID"
daemon_exit "$DAEMON_PID" 20
[ "$status" = 0 ] || fail "SIGTERM: the daemon exited with $status: $(cat "$W/uidmapfs-mnt1.log")"
if mountpoint -q "$MNT"; then fail "SIGTERM: $MNT is still mounted"; fi
wait_bounded 30 "$writer" || true
wait_bounded 30 "$stress" || true
"$SECOP" fsync-check "$SRC/records" "$OUT/count" ||
	fail "SIGTERM: fsync'd records are missing or damaged"
note "SIGTERM under load: clean exit, $(cat "$OUT/count") fsync'd records intact"

# ---- 2. SIGKILL and recovery ----
MNT=$W/mnt2
mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" ""
echo before >"$OUT/before"
pod_as 0 0 cp "$OUT/before" "$MNT/before" || fail "cannot write before the kill"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
# A killed daemon is this part's point, not a failure of the test.
unset 'DAEMONS[-1]' 'DAEMON_LOGS[-1]'
err=$(timeout 10 stat "$MNT/before" 2>&1 >/dev/null) && fail "SIGKILL: the dead mount still answers"
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
for ((i = 0; i < 100; i++)); do [ -e "$OUT/ready3" ] && break; sleep 0.05; done
if umount "$MNT" 2>/dev/null; then fail "umount with a file open did not say EBUSY"; fi
umount -l "$MNT" || fail "umount -l with a file open failed"
alive "$DAEMON_PID" || fail "the daemon exited while a file was still open"
touch "$OUT/go3"
wait_bounded 20 "$holder" || fail "the holder failed after the detach"
grep -q ok "$OUT/held3.log" || fail "a write through a held fd failed after umount -l"
daemon_exit "$DAEMON_PID" 20
[ "$status" = 0 ] || fail "umount -l: the daemon exited with $status"
unset 'DAEMONS[-1]' 'DAEMON_LOGS[-1]'
[ "$(cat "$SRC/held")" = "first
second" ] || fail "umount -l: the held file lost data"

MNT=$W/mnt3
mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" ""
# shellcheck disable=SC2016 # expanded by the inner shell
pod_as 0 0 bash -c 'exec 3<"$1/held"; echo ready >"$2/ready4"; sleep 5' sh "$MNT" "$OUT" &
holder=$!
for ((i = 0; i < 100; i++)); do [ -e "$OUT/ready4" ] && break; sleep 0.05; done
kill -TERM "$DAEMON_PID"
daemon_exit "$DAEMON_PID" 20
[ "$status" = 0 ] || fail "SIGTERM with a file open: the daemon exited with $status"
unset 'DAEMONS[-1]' 'DAEMON_LOGS[-1]'
wait_bounded 20 "$holder" || true
note "unmount with files open: EBUSY, then a clean detach; SIGTERM exits 0"
note "PASS"
