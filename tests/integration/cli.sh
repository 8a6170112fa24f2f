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
# The helper reuses $mnt too, so after each umount it waits (bounded) for
# the daemon to be gone, like unmount_daemon.
cat >"$WORKDIR/mount-helper.sh" <<'SCRIPT'
set -eu
unmount_and_wait() {
	umount "$mnt"
	i=0
	while pgrep -f -- "uidmapfs [^ ]+ $mnt( |\$)" >/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || { echo "$1: the daemon still runs 10 s after umount"; exit 1; }
		sleep 0.05
	done
}
mount --make-rprivate /
mount -t tmpfs tmpfs /usr/local/bin
ln -s "$UIDMAPFS" /usr/local/bin/uidmapfs
mount -t fuse.uidmapfs "$src" "$mnt" -o "uidmap=$MAP,gidmap=$MAP"
echo "mount-t $("$POD" --map "$MAP" -- stat -c %u:%g "$mnt/file")"
echo "mount-t-options $(findmnt -n -o FSTYPE,VFS-OPTIONS --mountpoint "$mnt")"
unmount_and_wait mount-t
mount -T "$fstab" "$mnt"
echo "fstab $("$POD" --map "$MAP" -- stat -c %u:%g "$mnt/file")"
unmount_and_wait fstab
SCRIPT
out=$(src=$src mnt=$mnt fstab=$WORKDIR/fstab MAP=$MAP \
	timeout 60 unshare -m sh "$WORKDIR/mount-helper.sh") ||
	fail "mount -t / fstab in a private mount namespace failed: $out"
grep -qx "mount-t 1000:1000" <<<"$out" || fail "mount -t: wrong owner: $out"
grep -qx "fstab 1000:1000" <<<"$out" || fail "fstab: wrong owner: $out"
opts=$(sed -n 's/^mount-t-options //p' <<<"$out")
case $opts in
fuse.uidmapfs*nosuid*nodev* | fuse.uidmapfs*nodev*nosuid*) ;;
*) fail "mount -t: expected fuse.uidmapfs with nodev,nosuid, got: $opts" ;;
esac
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
