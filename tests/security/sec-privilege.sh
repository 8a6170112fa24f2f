#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sec-privilege: nothing on the volume raises anyone's privileges.
#
# The differential suite (tests/integration/diff-kernel.sh) already pins
# the kernel's answer for every pod/host operation on mapped and unmapped
# files, set-id clearing, capabilities and trusted.* xattrs.  This test
# adds what a differential run cannot see, executing and opening things:
#
#   1. default mount: nodev,nosuid.  A setuid and a setgid copy of id(1)
#      owned by on-disk 1000 run with the caller's ids, from the host and
#      from a pod; a copy of cat(1) with a file capability gains nothing;
#      a /dev/zero node on the volume cannot be opened, even by host root;
#      and the pod-side rows of the threat model, pinned: pod user 1000
#      cannot read root's 0600 file, give a file away, set trusted.*,
#      security.* or a capability, or make a device node; pod root cannot
#      make a device node or touch a host-owned 0600 file;
#   2. -o allow_dev,allow_suid: the same binaries do gain (proving part 1
#      can see a gain), the device node opens; still no mknod from a pod.
#
# Options: --mode kernel: uidmapfs without a map under the kernel's
# ID-mapped mount (the mount flags are cloned into it); the same claims.
set -euo pipefail
PROG=sec-privilege
# shellcheck source=seclib.sh
. "$(dirname "$0")/seclib.sh"
mode_options "$@"

require_helpers SECOP
require_machine findmnt
sec_workdir
SRC=$W/back/src
MNT=$W/mnt

mkdir -p "$SRC/u1000"
chmod 0755 "$SRC"
chown 1000:1000 "$SRC/u1000"
echo secret >"$SRC/secret"
chmod 0600 "$SRC/secret"
echo host >"$SRC/host-secret"
chown 70000:70000 "$SRC/host-secret"
chmod 0600 "$SRC/host-secret"
echo mine >"$SRC/u1000/mine"
chown 1000:1000 "$SRC/u1000/mine"
cp /usr/bin/id "$SRC/suid-id"
cp /usr/bin/id "$SRC/sgid-id"
chown 1000:1000 "$SRC/suid-id" "$SRC/sgid-id"
chmod 4755 "$SRC/suid-id"
chmod 2755 "$SRC/sgid-id"
cp /usr/bin/cat "$SRC/cap-cat"
# CAP_DAC_READ_SEARCH, permitted and effective; written by host root, so
# stored as v2 and shown to the pod as its own root's capability.
setcap cap_dac_read_search+ep "$SRC/cap-cat"
mknod -m 0666 "$SRC/zero" c 1 5

# What a binary run from the volume ends up with.
run_from_host() { setpriv --reuid 2000 --regid 2000 --clear-groups "$@"; }
run_from_pod() { pod_as 1001 1001 "$@"; }
cap_eff() { "$@" /proc/self/status | awk '/^CapEff:/ { print $2 }'; }

pod_rows() {
	cat >"$W/pod1000.ops" <<-'OPS'
	read secret => EACCES
	read host-secret => EACCES
	chown u1000/mine 1001 -1 => EPERM
	chown u1000/mine -1 0 => EPERM
	setxattr u1000/mine trusted.x 41 => EPERM
	setxattr u1000/mine security.x 41 => EPERM
	setcap u1000/mine v2 0x2000 eff => EPERM
	mknod_chr u1000/dev 0666 1 5 => EPERM
	OPS
	cat >"$W/pod0.ops" <<-'OPS'
	read host-secret => EACCES
	chmod host-secret 0644 => EOVERFLOW
	chown host-secret 0 0 => EPERM
	mknod_chr dev 0666 1 5 => EPERM
	setxattr secret trusted.x 41 => EPERM
	OPS
	pod_as 1000 1000 "$FSOP" -C "$MNT" <"$W/pod1000.ops" >"$W/pod1000.log" ||
		fail "$1: pod user 1000: $(cat "$W/pod1000.log")"
	pod_as 0 0 "$FSOP" -C "$MNT" <"$W/pod0.ops" >"$W/pod0.log" ||
		fail "$1: pod root: $(cat "$W/pod0.log")"
}

# ---- 1. the default: nodev, nosuid ----
mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" ""
opts=$(findmnt -n -o OPTIONS --mountpoint "$MNT")
case ",$opts," in
*,nosuid,*nodev,* | *,nodev,*nosuid,*) ;;
*) fail "default mount options are '$opts', not nodev,nosuid" ;;
esac
[ "$(run_from_host "$MNT/suid-id" -u)" = 2000 ] ||
	fail "nosuid: the setuid binary changed a host user's euid"
[ "$(run_from_host "$MNT/sgid-id" -g)" = 2000 ] ||
	fail "nosuid: the setgid binary changed a host user's egid"
[ "$(run_from_pod "$MNT/suid-id" -u)" = 1001 ] ||
	fail "nosuid: the setuid binary changed a pod user's euid"
[ "$(cap_eff run_from_pod "$MNT/cap-cat")" = 0000000000000000 ] ||
	fail "nosuid: the file capability was granted to a pod user"
if head -c 4 "$MNT/zero" >/dev/null 2>&1; then
	fail "nodev: host root could open a device node on the volume"
fi
pod_rows "default mount"
note "default: nodev,nosuid hold; pod rows pinned"

# ---- 2. allow_dev, allow_suid ----
unmount_daemon "$MNT"
mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" "allow_dev,allow_suid"
opts=$(findmnt -n -o OPTIONS --mountpoint "$MNT")
case ",$opts," in
*,nosuid,* | *,nodev,*) fail "allow_dev,allow_suid mount has '$opts'" ;;
esac
[ "$(run_from_host "$MNT/suid-id" -u)" = 525288 ] ||
	fail "allow_suid: the setuid binary did not give its (mapped) owner"
[ "$(run_from_host "$MNT/sgid-id" -g)" = 525288 ] ||
	fail "allow_suid: the setgid binary did not give its (mapped) group"
[ "$(run_from_pod "$MNT/suid-id" -u)" = 1000 ] ||
	fail "allow_suid: the setuid binary did not give the pod user its owner"
[ "$(cap_eff run_from_pod "$MNT/cap-cat")" = 0000000000000004 ] ||
	fail "allow_suid: the file capability was not granted in the pod"
[ "$(head -c 4 "$MNT/zero" | od -An -tx1 | tr -d ' ')" = 00000000 ] ||
	fail "allow_dev: the device node did not open"
pod_rows "allow_dev,allow_suid"
note "allow_dev,allow_suid lift exactly nodev and nosuid"
note "PASS"
