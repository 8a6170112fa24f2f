#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cli.sh: the ways uidmapfs is started and stopped, each checked on a real
# mount: daemonized (the mount is up when the command returns), SIGTERM and
# SIGINT (clean unmount, exit 0), mount -t fuse.uidmapfs and an fstab line
# through mount.fuse3, userns=PID copying a running pod's maps, and the
# default nodev,nosuid with the allow_dev/allow_suid opt-ins.
set -euo pipefail
PROG=cli
. "$(dirname "$0")/lib.sh"

require_helpers UIDMAPFS
require_machine mount.fuse3

make_workdir
src=$WORKDIR/src
mnt=$WORKDIR/mnt
mkdir -p "$src" "$mnt"
echo data >"$src/file"
chown 1000:1000 "$src/file"

# The owner the pod sees for $mnt/file, through a pod with map $1.
pod_owner() {
	"$POD" --map "$1" -- stat -c %u:%g "$mnt/file"
}

expect_unmounted() {
	! mountpoint -q "$mnt" || fail "$1: $mnt is still mounted"
}

fstype_options() {
	findmnt -n -o FSTYPE,VFS-OPTIONS --mountpoint "$mnt"
}

# Every case mounts at $mnt again.  A daemonized daemon is still exiting
# when umount returns, and an exiting uidmapfs unmounts its mountpoint
# path, which by then may hold the next case's mount: unmount_daemon waits
# (bounded) until the old daemon is gone before anything reuses $mnt.
# (Proved: a daemon stopped with SIGSTOP before the umount and continued
# after a tmpfs was mounted at $mnt removed the tmpfs; with the daemon
# kept stopped for 12 s after the umount, unmount_daemon fails "still ran
# 10 s after it was told to stop".)

# 1. Daemonized: usable as soon as the command returns.
start_daemonized "$mnt" "$UIDMAPFS" "$src" "$mnt" -o "uidmap=$MAP,gidmap=$MAP"
[ "$(pod_owner "$MAP")" = 1000:1000 ] || fail "daemonized: wrong owner"
unmount_daemon "$mnt"
expect_unmounted "umount"
note "ok: daemonized mount is ready on return; umount works, the daemon exits"

# 2. SIGTERM and SIGINT in the foreground: clean unmount, exit status 0.
for sig in TERM INT; do
	# start_daemon restores SIGINT's default for the daemon (a script's
	# background jobs start with it ignored).
	mount_uidmapfs "$src" "$mnt" "$MAP"
	kill "-$sig" "$DAEMON_PID"
	status=0
	reap_daemon "$DAEMON_PID" || status=$?
	[ "$status" = 0 ] || fail "SIG$sig: exit status $status"
	expect_unmounted "SIG$sig"
	note "ok: SIG$sig unmounts cleanly and exits 0"
done

# 3. mount -t fuse.uidmapfs and fstab go through mount.fuse3, which runs
# "uidmapfs" from a PATH that mount(8) resets (/usr/local/bin among it).
# In a private mount namespace a tmpfs over /usr/local/bin holds a link to
# the binary under test, and nothing on the host changes.
printf '%s %s fuse.uidmapfs uidmap=%s,gidmap=%s,noauto,nofail,x-test 0 0\n' \
	"$src" "$mnt" "$MAP" "$MAP" >"$WORKDIR/fstab"
# The helper runs one mount command in its own private mount namespace,
# reports what the pod and findmnt see and the daemon's pid, and unmounts.
# One namespace per command: an exiting daemon cannot touch the next
# command's mount, and outside we wait (bounded) for each daemon to go.
{
	declare -f daemonized_pids daemonized_pid
	cat <<'SCRIPT'
set -eu
mount --make-rprivate /
mount -t tmpfs tmpfs /usr/local/bin
ln -s "$UIDMAPFS" /usr/local/bin/uidmapfs
"$@"
echo "owner $("$POD" --map "$MAP" -- stat -c %u:%g "$mnt/file")"
echo "options $(findmnt -n -o FSTYPE,VFS-OPTIONS --mountpoint "$mnt")"
echo "pid $(daemonized_pid "$mnt")"
umount "$mnt"
SCRIPT
} >"$WORKDIR/mount-helper.sh"
# mount_privately NAME CMD...: run CMD through the helper; sets OWNER and
# OPTIONS, and checks the daemon is gone after the umount.
mount_privately() {
	local name=$1 out pid
	shift
	out=$(mnt=$mnt MAP=$MAP timeout 60 unshare -m bash "$WORKDIR/mount-helper.sh" "$@") ||
		fail "$name in a private mount namespace failed: $out"
	OWNER=$(sed -n 's/^owner //p' <<<"$out")
	OPTIONS=$(sed -n 's/^options //p' <<<"$out")
	pid=$(sed -n 's/^pid //p' <<<"$out")
	[ -n "$pid" ] || fail "$name: no daemon served $mnt: $out"
	wait_gone "$pid" || fail "$name: the daemon still runs 10 s after umount"
}
mount_privately "mount -t" mount -t fuse.uidmapfs "$src" "$mnt" -o "uidmap=$MAP,gidmap=$MAP"
[ "$OWNER" = 1000:1000 ] || fail "mount -t: wrong owner: $OWNER"
case $OPTIONS in
fuse.uidmapfs*nosuid*nodev* | fuse.uidmapfs*nodev*nosuid*) ;;
*) fail "mount -t: expected fuse.uidmapfs with nodev,nosuid, got: $OPTIONS" ;;
esac
mount_privately "fstab" mount -T "$WORKDIR/fstab" "$mnt"
[ "$OWNER" = 1000:1000 ] || fail "fstab: wrong owner: $OWNER"
note "ok: mount -t fuse.uidmapfs and fstab mount, and keep nodev,nosuid although mount.fuse3 adds dev,suid"

# 4. Opting in to devices and set-id bits.
start_daemonized "$mnt" "$UIDMAPFS" "$src" "$mnt" -o "uidmap=$MAP,gidmap=$MAP,allow_dev,allow_suid"
opts=$(fstype_options)
case $opts in
*nodev* | *nosuid*) fail "allow_dev,allow_suid: still restricted: $opts" ;;
esac
unmount_daemon "$mnt"
note "ok: allow_dev,allow_suid lift nodev,nosuid"

# 5. userns=PID: the maps of a running pod with a two-extent map.
podmap=0:600000:1000:1000:700000:64536
fifo=$WORKDIR/ready
mkfifo -m 0666 "$fifo"
# The pod's shell says its own pid (pod makes no pid namespace): that
# process is in the pod's user namespace from its first instruction.
# (Not pgrep for the "sleep" it execs: it may not have exec'd yet, and
# falling back to pod's own pid, outside the namespace, copied the host's
# identity map.)
# shellcheck disable=SC2016 # $$ is the pod shell's
"$POD" --map "$podmap" -- sh -c 'echo $$ >"$1"; exec sleep 60' sh "$fifo" &
podpid=$!
read -r inpod <"$fifo"
[ -n "$inpod" ] || fail "userns=: the pod did not say its pid"
start_daemonized "$mnt" "$UIDMAPFS" "$src" "$mnt" -o "userns=$inpod"
kill "$inpod" 2>/dev/null || true
status=0
wait "$podpid" || status=$?
# sleep killed by SIGTERM: pod passes on 143.
[ "$status" = 143 ] || fail "userns=: the pod exited with $status, not 143 (SIGTERM)"
# On-disk 1000 is shown as 700000 (second extent), i.e. 1000 in the pod.
[ "$(stat -c %u:%g "$mnt/file")" = 700000:700000 ] ||
	fail "userns=: expected 700000:700000, got $(stat -c %u:%g "$mnt/file")"
[ "$(pod_owner "$podmap")" = 1000:1000 ] || fail "userns=: wrong owner in the pod"
unmount_daemon "$mnt"
note "ok: userns=PID copies a pod's two-extent maps"

# 6. --help and --version succeed on stdout.
"$UIDMAPFS" --help | grep -q "uidmap=MAP" || fail "--help"
"$UIDMAPFS" --version | grep -q "^uidmapfs " || fail "--version"
note "ok: --help, --version"
