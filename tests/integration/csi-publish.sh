#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# csi-publish.sh: packaging/uidmapfs-publish and uidmapfs-unpublish, what a
# CSI node plugin calls from NodePublishVolume/NodeUnpublishVolume:
#
#  - shift mode (--uidmap/--gidmap): a pod sees the on-disk owners;
#  - kernel mode (no map): the host sees the on-disk ids, and an ID-mapped
#    bind mount on top (what the container runtime makes) shows them to
#    the pod;
#  - idempotent: publishing a healthy mount again does nothing (same mount,
#    nothing stacked); other options, another source or another mode at
#    the same target is an error that leaves the mount alone;
#  - stale-mount recovery: SIGKILL the daemon, the target answers ENOTCONN,
#    publish again lazily unmounts it and mounts afresh;
#  - unpublish unmounts and removes the target, and succeeds again when
#    there is nothing left; it also clears a stale mount;
#  - a mount of another kind at the target: publish and unpublish refuse
#    and leave it alone;
#  - usage and daemon errors: exit 2 / exit 1 with one line, nothing mounted;
#  - the systemd path with stand-ins for systemd-run and systemctl (this
#    machine has no systemd as PID 1; the real one is untested here): the
#    transient unit's name and command line, no second unit for a healthy
#    mount, the stale unit stopped and replaced, stop on unpublish.
set -euo pipefail
PROG=csi-publish
. "$(dirname "$0")/lib.sh"

PUBLISH_SCRIPT=${PUBLISH_SCRIPT:-$LIB_DIR/../../packaging/uidmapfs-publish}

require_helpers UIDMAPFS
require_machine pgrep setsid
[ -r "$PUBLISH_SCRIPT" ] || fail "no publish script at $PUBLISH_SCRIPT"
command -v systemd-escape >/dev/null ||
	fail "systemd-escape is not installed (Debian package: systemd)"

make_workdir

bin=$WORKDIR/bin
mkdir -p "$bin"
ln -s "$(cd "$(dirname "$PUBLISH_SCRIPT")" && pwd)/$(basename "$PUBLISH_SCRIPT")" \
	"$bin/uidmapfs-publish"
ln -s uidmapfs-publish "$bin/uidmapfs-unpublish"
export UIDMAPFS UIDMAPFS_STATE_DIR=$WORKDIR/state UIDMAPFS_SYSTEMD=no

staging=$WORKDIR/staging
other=$WORKDIR/other-staging
target=$WORKDIR/pods/pod-a/volumes/vol/mount
mkdir -p "$staging" "$other"
chmod 0777 "$staging"
echo root >"$staging/rootfile"
echo user >"$staging/userfile"
chown 1000:1000 "$staging/userfile"
MOUNTS+=("$target")

maps=(--uidmap "$MAP" --gidmap "$MAP")

# run NAME CMD...: run a script command, keeping its status and stderr.
RC=0
run() {
	RC=0
	"$bin/$1" "${@:2}" 2>"$WORKDIR/err" || RC=$?
}
expect_rc() {
	[ "$RC" = "$1" ] || {
		sed 's/^/  | /' "$WORKDIR/err" >&2
		fail "$2: exit status $RC, want $1"
	}
}
stderr_has() {
	grep -q -- "$1" "$WORKDIR/err" || {
		sed 's/^/  | /' "$WORKDIR/err" >&2
		fail "$2: stderr does not say '$1'"
	}
}

mounts_at() { findmnt -n -o ID --mountpoint "$1" 2>/dev/null | awk 'END { print NR }'; }
mount_id() { findmnt -n -o ID --mountpoint "$1" | tail -n 1; }
fstype_at() { findmnt -n -o FSTYPE --mountpoint "$1" | tail -n 1; }
pod_owner() { "$POD" --map "$MAP" -- stat -c %u:%g "$1"; }

expect_healthy() {
	[ "$(fstype_at "$target")" = fuse.uidmapfs ] ||
		fail "$1: $target is not a uidmapfs mount"
	[ "$(mounts_at "$target")" = 1 ] ||
		fail "$1: $(mounts_at "$target") mounts stacked at $target, want 1"
	stat "$target" >/dev/null || fail "$1: $target does not answer"
}

expect_gone() {
	[ "$(mounts_at "$target")" = 0 ] || fail "$1: $target is still mounted"
	[ ! -e "$target" ] || fail "$1: $target was not removed"
}

kill_daemon() {
	local pid
	pid=$(daemonized_pid "$target")
	[ -n "$pid" ] || fail "$1: cannot find the daemon serving $target"
	kill -KILL "$pid"
	wait_gone "$pid" || fail "$1: daemon survived SIGKILL"
	wait_stale "$target" ||
		fail "$1: $target is not stale (ENOTCONN) but: $(LC_ALL=C stat "$target" 2>&1 >/dev/null)"
}

# 1. Shift mode: publish, and a pod sees the on-disk owners.
run uidmapfs-publish "$staging" "$target" "${maps[@]}"
expect_rc 0 "publish (shift)"
expect_healthy "publish (shift)"
[ "$(pod_owner "$target/userfile")" = 1000:1000 ] || fail "shift: the pod does not see 1000:1000"
note "ok: publish in shift mode; the pod sees 1000:1000"

# 2. Idempotent: the same publish again changes nothing.
id_before=$(mount_id "$target")
run uidmapfs-publish "$staging" "$target" "${maps[@]}"
expect_rc 0 "second publish"
expect_healthy "second publish"
[ "$(mount_id "$target")" = "$id_before" ] || fail "second publish replaced the mount"
note "ok: a second publish of a healthy mount succeeds and leaves it alone"

# 3. Incompatible publishes at the same target are errors; the mount stays.
run uidmapfs-publish "$staging" "$target" --uidmap 0:600000:65536 --gidmap 0:600000:65536
expect_rc 1 "publish with another map"
stderr_has "other options" "publish with another map"
run uidmapfs-publish "$staging" "$target"
expect_rc 1 "publish in kernel mode over shift mode"
run uidmapfs-publish "$other" "$target" "${maps[@]}"
expect_rc 1 "publish of another source"
stderr_has "not of $other" "publish of another source"
[ "$(mount_id "$target")" = "$id_before" ] || fail "a refused publish touched the mount"
note "ok: another map, mode or source at a published target is refused, the mount untouched"

# 4. Stale-mount recovery.
kill_daemon "stale"
run uidmapfs-publish "$staging" "$target" "${maps[@]}"
expect_rc 0 "publish over a stale mount"
stderr_has "stale" "publish over a stale mount"
expect_healthy "publish over a stale mount"
[ "$(pod_owner "$target/userfile")" = 1000:1000 ] || fail "after recovery: wrong owner"
note "ok: SIGKILL -> ENOTCONN -> publish unmounts lazily and mounts again"

# 5. Unpublish, twice.
run uidmapfs-unpublish "$target"
expect_rc 0 "unpublish"
expect_gone "unpublish"
[ -z "$(ls -A "$UIDMAPFS_STATE_DIR")" ] || fail "unpublish left its record"
run uidmapfs-unpublish "$target"
expect_rc 0 "second unpublish"
note "ok: unpublish unmounts and removes the target; again is a no-op"

# 6. Unpublish of a stale mount.
run uidmapfs-publish "$staging" "$target" "${maps[@]}"
expect_rc 0 "publish before a stale unpublish"
kill_daemon "stale unpublish"
run uidmapfs-unpublish "$target"
expect_rc 0 "unpublish of a stale mount"
expect_gone "unpublish of a stale mount"
note "ok: unpublish clears a stale mount"

# 7. A mount of another kind at the target.
mkdir -p "$target"
mount -t tmpfs -o size=1m csi-publish-other "$target"
run uidmapfs-publish "$staging" "$target" "${maps[@]}"
expect_rc 1 "publish over a tmpfs"
stderr_has "not uidmapfs" "publish over a tmpfs"
run uidmapfs-unpublish "$target"
expect_rc 1 "unpublish of a tmpfs"
if [ "$(fstype_at "$target")" != tmpfs ] || [ "$(mounts_at "$target")" != 1 ]; then
	fail "the tmpfs at $target was touched"
fi
umount "$target"
rmdir "$target"
note "ok: publish and unpublish refuse a mount of another kind and leave it alone"

# 8. Usage and daemon errors.
run uidmapfs-publish "$staging"
expect_rc 2 "publish without a target"
run uidmapfs-publish "$staging" "$target" --uidmap "$MAP"
expect_rc 1 "--uidmap without --gidmap"
run uidmapfs-publish "$staging" "$target" --uidmap 0:1:0 --gidmap 0:1:0
expect_rc 1 "a bad map"
[ "$(awk 'END { print NR }' "$WORKDIR/err")" = 1 ] || fail "a bad map: not one line on stderr"
stderr_has "^uidmapfs-publish: " "a bad map"
[ "$(mounts_at "$target")" = 0 ] || fail "a bad map left a mount"
run uidmapfs-publish "$WORKDIR/missing" "$target"
expect_rc 1 "a missing staging path"
note "ok: usage errors exit 2; a bad map or staging path exits 1 with one line, nothing mounted"

# 9. The systemd path, with stand-ins: systemd-run starts the command in
# the background and records it as the unit's main process; systemctl
# show/stop/reset-failed act on that record.  Tests the script's control
# flow and command lines, not systemd.
fake=$WORKDIR/fake-systemd
mkdir -p "$fake/units"
cat >"$fake/systemd-run" <<'EOF'
#!/bin/bash
set -eu
echo "systemd-run $*" >>"$FAKE/calls"
unit=
while [ "$1" != -- ]; do
	case $1 in --unit) unit=$2; shift ;; esac
	shift
done
shift
[ -n "$unit" ] || { echo "fake systemd-run: no --unit" >&2; exit 1; }
[ ! -e "$FAKE/units/$unit" ] || { echo "Unit $unit already loaded" >&2; exit 1; }
setsid "$@" </dev/null >>"$FAKE/$unit.log" 2>&1 &
echo "$!" >"$FAKE/units/$unit"
EOF
cat >"$fake/systemctl" <<'EOF'
#!/bin/bash
set -eu
echo "systemctl $*" >>"$FAKE/calls"
alive() { [ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }
case $1 in
show)
	unit=${*: -1}
	pid=$(cat "$FAKE/units/$unit" 2>/dev/null || true)
	if alive "$pid"; then echo active; else echo inactive; fi ;;
stop)
	unit=${*: -1}
	pid=$(cat "$FAKE/units/$unit" 2>/dev/null || true)
	if alive "$pid"; then
		kill -TERM "$pid"
		for _ in $(seq 200); do alive "$pid" || break; sleep 0.05; done
	fi
	rm -f "$FAKE/units/$unit" ;;
reset-failed)
	rm -f "$FAKE/units/${*: -1}" ;;
*) echo "fake systemctl: $1 unsupported" >&2; exit 1 ;;
esac
EOF
chmod +x "$fake/systemd-run" "$fake/systemctl"
unit=uidmapfs-$(systemd-escape --path "$target").service
fake_calls() { grep -c "^systemd-run" "$fake/calls" 2>/dev/null || true; }
fake_pid() { cat "$fake/units/$unit"; }
export FAKE=$fake

PATH=$fake:$PATH UIDMAPFS_SYSTEMD=yes run uidmapfs-publish "$staging" "$target" "${maps[@]}"
expect_rc 0 "publish (systemd)"
expect_healthy "publish (systemd)"
grep -qF -- "--unit $unit" "$fake/calls" || fail "systemd: unit not named $unit: $(cat "$fake/calls")"
grep -qF -- "-- $UIDMAPFS $staging $target -o uidmap=$MAP,gidmap=$MAP -f" "$fake/calls" ||
	fail "systemd: unexpected command line: $(grep systemd-run "$fake/calls")"
first=$(fake_pid)
PATH=$fake:$PATH UIDMAPFS_SYSTEMD=yes run uidmapfs-publish "$staging" "$target" "${maps[@]}"
expect_rc 0 "second publish (systemd)"
[ "$(fake_calls)" = 1 ] || fail "systemd: a healthy mount got a second unit"
kill -KILL "$first"
wait_gone "$first"
wait_stale "$target" || fail "systemd: no ENOTCONN after SIGKILL"
PATH=$fake:$PATH UIDMAPFS_SYSTEMD=yes run uidmapfs-publish "$staging" "$target" "${maps[@]}"
expect_rc 0 "publish over a stale mount (systemd)"
expect_healthy "publish over a stale mount (systemd)"
[ "$(fake_calls)" = 2 ] || fail "systemd: the stale unit was not replaced"
[ "$(fake_pid)" != "$first" ] || fail "systemd: the dead daemon is still the unit's"
second=$(fake_pid)
PATH=$fake:$PATH UIDMAPFS_SYSTEMD=yes run uidmapfs-unpublish "$target"
expect_rc 0 "unpublish (systemd)"
expect_gone "unpublish (systemd)"
grep -qF "systemctl stop -- $unit" "$fake/calls" || fail "systemd: unpublish did not stop $unit"
! alive "$second" || fail "systemd: the daemon survived unpublish"
note "ok: systemd path (stand-ins): unit $unit, no second unit when healthy, stale unit replaced, stopped on unpublish"

# 10. Kernel mode: ids unchanged on the host; the runtime's ID-mapped
# mount on top (idmount, as crun/runc make it) shows them to the pod.
run uidmapfs-publish "$staging" "$target"
expect_rc 0 "publish (kernel)"
expect_healthy "publish (kernel)"
[ "$(stat -c %u:%g "$target/userfile")" = 1000:1000 ] ||
	fail "kernel mode: the host does not see the on-disk 1000:1000"
idmapped=$WORKDIR/idmapped
mkdir -p "$idmapped"
MOUNTS+=("$idmapped")
"$IDMOUNT" --map "$MAP" "$target" "$idmapped" ||
	fail "kernel mode: the kernel refused to ID-map the uidmapfs mount"
[ "$(pod_owner "$idmapped/userfile")" = 1000:1000 ] ||
	fail "kernel mode: through the ID-mapped mount the pod does not see 1000:1000"
"$POD" --map "$MAP" -- touch "$idmapped/new"
[ "$(stat -c %u:%g "$staging/new")" = 0:0 ] || fail "kernel mode: the pod's new file is not 0:0 on disk"
umount "$idmapped"
id_before=$(mount_id "$target")
run uidmapfs-publish "$staging" "$target"
expect_rc 0 "second publish (kernel)"
[ "$(mount_id "$target")" = "$id_before" ] || fail "second kernel-mode publish replaced the mount"
run uidmapfs-publish "$staging" "$target" "${maps[@]}"
expect_rc 1 "publish in shift mode over kernel mode"
run uidmapfs-unpublish "$target"
expect_rc 0 "unpublish (kernel)"
expect_gone "unpublish (kernel)"
note "ok: kernel mode: host sees on-disk ids, an ID-mapped mount on top gives the pod 1000 and creates 0; idempotent"
