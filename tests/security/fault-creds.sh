#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fault-creds: a failed credential switch fails the operation, changes
# nothing and leaves the daemon serving; a failed switch back to the
# daemon's own credentials ends the daemon rather than serve as the wrong
# user (DESIGN.md §3 "Fail closed").
#
# The daemon (shift mode, map 0:524288:65536) runs under
# tests/integration/seccomp-fail, a seccomp filter that makes one step of the
# per-request switch fail while start-up and everything else work:
#
#   0. control, the filter with no fault: pod user 1000 (groups 1000,3000)
#      makes every kind of change below, and each succeeds;
#   1. each switch fault (setgroups, setfsuid, setfsgid: the calls to a
#      caller's ids; unshare, umask: the creator's umask): the same pod
#      user attempts every kind of change — create, mkdir, symlink, link,
#      rename (to a new name and over an old one), unlink, rmdir, chmod,
#      chown, truncate, write, setxattr, removexattr, utimens, mknod —
#      each fails with EPERM, the backing tree is unchanged byte for byte
#      (tree dump, link counts, mtimes, ctimes, file hashes), the daemon
#      is alive and still answers a stat and a read; pod root with primary
#      group 1000 (on-disk 0:1000, a switch of the gid only) too, where the
#      fault hits it.  The umask faults only hit the creating calls
#      (rename included: it switches as a creator first).
#   2. each restore fault (setfsuid(0), setfsgid(0) take no effect): the
#      first switched request makes the daemon log one line and exit 1;
#      the mount then answers ENOTCONN;
#   3. kernel mode (uidmapfs without a map, the kernel's ID-mapped mount on
#      top), capset failing: the capabilities a kernel-mode switch raises
#      again cannot be had, so the creating calls, the ones that switch
#      there, fail with EPERM and change nothing.
#
# Proved able to fail: with the old creds.c (setfsuid/setfsgid results
# ignored) and entry.c (entry_rename_creds taking any result but
# -EOVERFLOW for success), step 1 fails at once: under the setgroups
# fault "rename u1000/f-rename u1000/renamed -> OK" (done as root), and
# under the setfsuid and setfsgid faults every change succeeds (as
# on-disk uid 0, or gid 0).  With only the entry.c fix reverted, the
# setgroups renames succeed again; with creds_restore() not ending the
# daemon, step 2 fails: "the daemon still serves after it could not
# switch back".
set -euo pipefail
PROG="fault-creds"
# shellcheck source=seclib.sh
. "$(dirname "$0")/seclib.sh"

require_helpers SECCOMP_FAIL
require_machine stat
make_workdir
W=$WORKDIR
mount_backing tmpfs "$W/back"
SRC=$W/back/src

# A fresh tree: pod user 1000 owns u1000 and may write shared/g-write only
# through its supplementary group 3000.
make_tree() {
	local f
	rm -rf "$SRC"
	mkdir -p "$SRC/u1000/d-rmdir" "$SRC/shared"
	chmod 0755 "$SRC"
	for f in chmod chown truncate write setxattr removexattr utimens \
		unlink rename replace-src replace-dst link; do
		printf 'data-%s\n' "$f" >"$SRC/u1000/f-$f"
	done
	setfattr -n user.old -v 1 "$SRC/u1000/f-removexattr"
	chown -R 1000:1000 "$SRC/u1000"
	chmod 0755 "$SRC/u1000"
	printf 'group data\n' >"$SRC/shared/g-write"
	chown 2000:3000 "$SRC/shared" "$SRC/shared/g-write"
	chmod 2770 "$SRC/shared"
	chmod 0660 "$SRC/shared/g-write"
	touch -d @1000000000 "$SRC"/u1000/* "$SRC/shared/g-write"
}

# Every kind of change; $1 is the expected result of each.
creating_ops() {
	cat <<OPS
create u1000/new 0644 => $1
mkdir u1000/newdir 0755 => $1
symlink target u1000/newsym => $1
link u1000/f-link u1000/newlink => $1
mknod_fifo u1000/newfifo 0644 => $1
rename u1000/f-rename u1000/renamed => $1
rename u1000/f-replace-src u1000/f-replace-dst => $1
create shared/new 0660 => $1
OPS
}
changing_ops() {
	cat <<OPS
unlink u1000/f-unlink => $1
rmdir u1000/d-rmdir => $1
chmod u1000/f-chmod 0600 => $1
chown u1000/f-chown -1 3000 => $1
truncate u1000/f-truncate 1 => $1
write u1000/f-write XYZ => $1
setxattr u1000/f-setxattr user.k 41 => $1
removexattr u1000/f-removexattr user.old => $1
utimens u1000/f-utimens 5 6 => $1
write shared/g-write XYZ => $1
OPS
}
root_ops() {
	cat <<OPS
create u1000/by-root 0644 => $1
mkdir u1000/by-root-dir 0755 => $1
chmod u1000/f-chmod 0600 => $1
OPS
}

# A uidmapfs that runs under seccomp-fail $1 (exec: the same pid); its path.
faulty_uidmapfs() {
	local wrapper=$W/under-$1
	printf '#!/bin/sh\nexec "%s" %s "%s" "$@"\n' \
		"$SECCOMP_FAIL" "$1" "$UIDMAPFS" >"$wrapper"
	chmod 0755 "$wrapper"
	echo "$wrapper"
}

# Mount the daemon under seccomp-fail $1 at $2; sets DAEMON_PID.
mount_faulty() {
	UIDMAPFS=$(faulty_uidmapfs "$1") mount_uidmapfs_opts "$SRC" "$2" "$MAP" ""
}

# Run op script $3 as pod uid $1 with groups $2 on mount $4; fail with
# what fsop printed if an expectation does not hold.
ops_as() {
	local uid=$1 groups=$2 script=$3 mnt=$4 out
	out=$W/$(basename "$script").out
	pod_as "$uid" "$groups" "$FSOP" -C "$mnt" <"$script" >"$out" 2>&1 ||
		fail "$(basename "$script") as pod $uid ($groups): $(cat "$out")"
}

# ---- 0. control: the filter alone lets every change through ----
make_tree
MNT=$W/mnt-none
mount_faulty none "$MNT"
{ creating_ops OK; changing_ops OK; } >"$W/control.ops"
ops_as 1000 1000,3000 "$W/control.ops" "$MNT"
[ "$(stat -c %u:%g "$SRC/u1000/new")" = 1000:1000 ] ||
	fail "control: u1000/new is not 1000:1000 on disk"
[ "$(stat -c %u:%g "$SRC/shared/new")" = 1000:3000 ] ||
	fail "control: shared/new is not 1000:3000 on disk"
timeout 10 umount "$MNT" || fail "control: cannot unmount"
note "control: under the filter without a fault, every change works"

# ---- 1. a failed switch fails the operation, changes nothing ----
for fault in setgroups setfsuid setfsgid unshare umask; do
	make_tree
	MNT=$W/mnt-$fault
	mount_faulty "$fault" "$MNT"
	snapshot "$SRC" >"$W/before-$fault"
	case $fault in
	unshare | umask) creating_ops EPERM >"$W/$fault.ops" ;;
	*) { creating_ops EPERM; changing_ops EPERM; } >"$W/$fault.ops" ;;
	esac
	ops_as 1000 1000,3000 "$W/$fault.ops" "$MNT"
	# Pod root with primary group 1000 switches its gid only.
	case $fault in
	setfsgid | unshare | umask)
		root_ops EPERM >"$W/$fault-root.ops"
		[ "$fault" = setfsgid ] || sed -i '/chmod/d' "$W/$fault-root.ops"
		ops_as 0 1000 "$W/$fault-root.ops" "$MNT"
		;;
	esac
	snapshot "$SRC" >"$W/after-$fault"
	diff -u "$W/before-$fault" "$W/after-$fault" >&2 ||
		fail "[$fault] the backing tree changed"
	alive "$DAEMON_PID" || fail "[$fault] the daemon died"
	printf 'stat u1000/f-write => OK\n' >"$W/$fault-stat.ops"
	ops_as 1000 1000,3000 "$W/$fault-stat.ops" "$MNT"
	printf 'read u1000/f-write => OK\n' >"$W/$fault-read.ops"
	ops_as 0 0 "$W/$fault-read.ops" "$MNT"
	timeout 10 umount "$MNT" || fail "[$fault] cannot unmount"
	note "[$fault] every change failed with EPERM, nothing changed, the daemon serves"
done

# ---- 2. a failed switch back ends the daemon ----
for fault in restore-setfsuid restore-setfsgid; do
	make_tree
	MNT=$W/mnt-$fault
	mount_faulty "$fault" "$MNT"
	# The create itself runs as the caller; its reply is lost with the
	# daemon.
	pod_as 1000 1000,3000 "$FSOP" -C "$MNT" create u1000/new 0644 \
		>"$W/$fault.out" 2>&1 || true
	wait_gone "$DAEMON_PID" ||
		fail "[$fault] the daemon still serves after it could not switch back"
	status=0
	wait "$DAEMON_PID" || status=$?
	unset 'DAEMONS[-1]' 'DAEMON_LOGS[-1]'
	[ "$status" = 1 ] || fail "[$fault] the daemon exited with $status, expected 1"
	log=$W/uidmapfs-mnt-$fault.log
	[ "$(grep -c 'cannot switch back' "$log")" = 1 ] ||
		fail "[$fault] not one log line: $(cat "$log")"
	wait_stale "$MNT" || fail "[$fault] the mount does not answer ENOTCONN"
	# The switch to the caller worked: the file exists, the caller's.
	[ "$(stat -c %u:%g "$SRC/u1000/new")" = 1000:1000 ] ||
		fail "[$fault] u1000/new was not created as the caller"
	umount "$MNT" || umount -l "$MNT" || fail "[$fault] cannot unmount"
	note "[$fault] the daemon exited with one log line instead of serving on"
done
# ---- 3. kernel mode: the capabilities raised after the switch ----
# Through the runtime's ID-mapped mount only the calls that give a new
# inode its owner carry ids (create, mkdir, symlink, mknod) and switch;
# the others (link, rename, all changes) run as the daemon (DESIGN.md §1).
make_tree
MNT=$W/mnt-capset
UIDMAPFS=$(faulty_uidmapfs capset) \
	mount_uidmapfs_kernel "$SRC" "$W/fuse-capset" "$MNT" "$MAP"
DAEMON_PID=${DAEMONS[-1]}
snapshot "$SRC" >"$W/before-capset"
creating_ops EPERM | grep -v -e '^link' -e '^rename' >"$W/capset.ops"
ops_as 1000 1000,3000 "$W/capset.ops" "$MNT"
snapshot "$SRC" >"$W/after-capset"
diff -u "$W/before-capset" "$W/after-capset" >&2 ||
	fail "[capset] the backing tree changed"
alive "$DAEMON_PID" || fail "[capset] the daemon died"
printf 'read u1000/f-write => OK\n' >"$W/capset-read.ops"
ops_as 1000 1000,3000 "$W/capset-read.ops" "$MNT"
note "[capset] kernel mode: every change failed with EPERM, nothing changed"
note "PASS"
