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
MOUNTS+=("$mnt")

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

# 1. Daemonized: usable as soon as the command returns.
"$UIDMAPFS" "$src" "$mnt" -o "uidmap=$MAP,gidmap=$MAP"
[ "$(pod_owner "$MAP")" = 1000:1000 ] || fail "daemonized: wrong owner"
umount "$mnt"
expect_unmounted "umount"
note "ok: daemonized mount is ready on return; umount works"

# 2. SIGTERM and SIGINT in the foreground: clean unmount, exit status 0.
for sig in TERM INT; do
	log=$WORKDIR/sig-$sig.log
	# A script's background jobs start with SIGINT ignored, and libfuse
	# only handles signals left at their default: restore it.
	env --default-signal=INT "$UIDMAPFS" "$src" "$mnt" \
		-o "uidmap=$MAP,gidmap=$MAP" -f >"$log" 2>&1 &
	pid=$!
	DAEMONS+=("$pid")
	DAEMON_LOGS+=("$log")
	wait_for_fuse_mount "$pid" "$mnt" "$log"
	kill "-$sig" "$pid"
	status=0
	timeout 10 tail --pid="$pid" -f /dev/null || fail "SIG$sig: daemon still running after 10 s"
	wait "$pid" || status=$?
	[ "$status" = 0 ] || fail "SIG$sig: exit status $status"
	expect_unmounted "SIG$sig"
	note "ok: SIG$sig unmounts cleanly and exits 0"
done
# Reaped above, with their status checked: not the cleanup's to wait for.
DAEMONS=()
DAEMON_LOGS=()

# 3. mount -t fuse.uidmapfs and fstab go through mount.fuse3, which runs
# "uidmapfs" from a PATH that mount(8) resets (/usr/local/bin among it).
# In a private mount namespace a tmpfs over /usr/local/bin holds a link to
# the binary under test, and nothing on the host changes.
printf '%s %s fuse.uidmapfs uidmap=%s,gidmap=%s,noauto,nofail,x-test 0 0\n' \
	"$src" "$mnt" "$MAP" "$MAP" >"$WORKDIR/fstab"
cat >"$WORKDIR/mount-helper.sh" <<SCRIPT
set -eu
mount --make-rprivate /
mount -t tmpfs tmpfs /usr/local/bin
ln -s "$UIDMAPFS" /usr/local/bin/uidmapfs
mount -t fuse.uidmapfs "$src" "$mnt" -o "uidmap=$MAP,gidmap=$MAP"
echo "mount-t \$("$POD" --map "$MAP" -- stat -c %u:%g "$mnt/file")"
echo "mount-t-options \$(findmnt -n -o FSTYPE,VFS-OPTIONS --mountpoint "$mnt")"
umount "$mnt"
mount -T "$WORKDIR/fstab" "$mnt"
echo "fstab \$("$POD" --map "$MAP" -- stat -c %u:%g "$mnt/file")"
umount "$mnt"
SCRIPT
out=$(timeout 60 unshare -m sh "$WORKDIR/mount-helper.sh") ||
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
"$UIDMAPFS" "$src" "$mnt" -o "uidmap=$MAP,gidmap=$MAP,allow_dev,allow_suid"
opts=$(fstype_options)
case $opts in
*nodev* | *nosuid*) fail "allow_dev,allow_suid: still restricted: $opts" ;;
esac
umount "$mnt"
note "ok: allow_dev,allow_suid lift nodev,nosuid"

# 5. userns=PID: the maps of a running pod with a two-extent map.
podmap=0:600000:1000:1000:700000:64536
fifo=$WORKDIR/ready
mkfifo -m 0666 "$fifo"
"$POD" --map "$podmap" -- sh -c "echo ready > '$fifo'; exec sleep 60" &
podpid=$!
read -r _ <"$fifo"
# The sleeping process is the pod's child; its maps are the pod's.
sleeper=$(pgrep -P "$podpid" sleep || true)
[ -n "$sleeper" ] || sleeper=$podpid
"$UIDMAPFS" "$src" "$mnt" -o "userns=$sleeper"
kill "$sleeper" "$podpid" 2>/dev/null || true
wait "$podpid" 2>/dev/null || true
# On-disk 1000 is shown as 700000 (second extent), i.e. 1000 in the pod.
[ "$(stat -c %u:%g "$mnt/file")" = 700000:700000 ] ||
	fail "userns=: expected 700000:700000, got $(stat -c %u:%g "$mnt/file")"
[ "$(pod_owner "$podmap")" = 1000:1000 ] || fail "userns=: wrong owner in the pod"
umount "$mnt"
note "ok: userns=PID copies a pod's two-extent maps"

# 6. --help and --version succeed on stdout.
"$UIDMAPFS" --help | grep -q "uidmap=MAP" || fail "--help"
"$UIDMAPFS" --version | grep -q "^uidmapfs " || fail "--version"
note "ok: --help, --version"
