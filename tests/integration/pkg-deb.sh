#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pkg-deb.sh: the Debian package, from source to removal, on this machine.
#
#  1. packaging/build-deb.sh builds the .deb offline from this source tree;
#  2. dpkg -i installs it: the daemon, both mount helpers, the publish
#     scripts, the man page and the template unit are in place (and the
#     unit passes systemd-analyze verify);
#  3. mount -t fuse.uidmapfs, mount -t uidmapfs and fstab lines of both
#     types mount through the installed helpers; a pod sees the on-disk
#     owners and its new file lands on disk as 0; umount works;
#  4. the installed uidmapfs-publish/unpublish work in shift mode;
#  5. mount -t fuse.uidmapfs without a map is kernel mode: the host sees
#     the on-disk ids and an ID-mapped mount on top shows them to a pod;
#  6. dpkg -r, then dpkg --purge, leave none of the package's files.
#
# The package is purged on exit whatever happens.  If a uidmapfs package
# is installed before the test starts, the test fails rather than remove
# someone's installation.  Needs: dpkg-dev, debhelper and the build
# dependencies in packaging/debian/control.
set -euo pipefail
PROG=pkg-deb
. "$(dirname "$0")/lib.sh"

SRC_TOP=$(cd "$LIB_DIR/../.." && pwd)

require_helpers IDMOUNT
require_machine dpkg-query
command -v dpkg-buildpackage >/dev/null ||
	fail "dpkg-buildpackage is not installed (Debian package: dpkg-dev)"
command -v dh >/dev/null || fail "dh is not installed (Debian package: debhelper)"
command -v systemd-analyze >/dev/null ||
	fail "systemd-analyze is not installed (Debian package: systemd)"
if dpkg-query -W -f='${Status}' uidmapfs 2>/dev/null | grep -q 'ok installed'; then
	fail "a uidmapfs package is already installed; this test installs and removes its own (dpkg --purge uidmapfs first)"
fi

INSTALLED=0
purge_package() {
	[ "$INSTALLED" = 1 ] || return 0
	dpkg --purge uidmapfs >/dev/null 2>&1 ||
		note "could not purge the uidmapfs package: remove it by hand"
}
# Purge first (a running daemon keeps its binary), then lib.sh's cleanup
# unmounts, and must see the script's exit status (set +e: a trap runs
# under errexit, and "(exit 1)" would end it there).
trap 'rc=$?; set +e; purge_package; (exit "$rc"); cleanup' EXIT

make_workdir
src=$WORKDIR/src
mnt=$WORKDIR/mnt
mkdir -p "$src" "$mnt"
chmod 0777 "$src"
echo user >"$src/userfile"
chown 1000:1000 "$src/userfile"
MOUNTS+=("$mnt")

# 1. Build.
log=$WORKDIR/build-deb.log
timeout 900 "$SRC_TOP/packaging/build-deb.sh" "$WORKDIR/debs" >"$log" 2>&1 || {
	tail -n 40 "$log" | sed 's/^/  | /' >&2
	fail "packaging/build-deb.sh failed"
}
deb=$(ls "$WORKDIR"/debs/uidmapfs_*.deb)
note "ok: built $(basename "$deb")"

# 2. Install.
INSTALLED=1
dpkg -i "$deb" >"$WORKDIR/dpkg.log" 2>&1 || {
	sed 's/^/  | /' "$WORKDIR/dpkg.log" >&2
	fail "dpkg -i failed"
}
dpkg -L uidmapfs >"$WORKDIR/files"
for f in /usr/bin/uidmapfs /usr/sbin/mount.uidmapfs /usr/sbin/mount.fuse.uidmapfs \
	/usr/sbin/uidmapfs-publish /usr/sbin/uidmapfs-unpublish \
	/usr/share/man/man1/uidmapfs.1.gz /lib/systemd/system/uidmapfs@.service \
	/usr/bin/uidmapfs-runtime /usr/share/man/man1/uidmapfs-runtime.1.gz \
	/usr/share/doc/uidmapfs/runtime.conf.example; do
	[ -e "$f" ] || fail "the package did not install $f"
done
/usr/bin/uidmapfs --version | grep -q '^uidmapfs ' || fail "the installed uidmapfs does not run"
/usr/bin/uidmapfs-runtime --uidmapfs-version | grep -q '^uidmapfs-runtime ' ||
	fail "the installed uidmapfs-runtime does not run"
# A template is verified through an instance.
mkdir -p "$WORKDIR/units"
ln -s /lib/systemd/system/uidmapfs@.service "$WORKDIR/units/uidmapfs@pkgtest.service"
out=$(systemd-analyze verify --man=no "$WORKDIR/units/uidmapfs@pkgtest.service" 2>&1) ||
	fail "systemd-analyze verify failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify complains: $out"
note "ok: dpkg -i installed the daemon, runtime wrapper, mount helpers, publish scripts, man pages and unit"

pod_owner() { "$POD" --map "$MAP" -- stat -c %u:%g "$1"; }

# Mount with "$@" (a mount command line), check the pod's view and a
# creation, unmount; the daemon must then be gone before the next case
# mounts at $mnt again (an exiting uidmapfs unmounts its mountpoint path).
check_mount() {
	local what=$1 name
	shift
	start_daemonized "$mnt" "$@"
	[ "$(findmnt -n -o FSTYPE --mountpoint "$mnt")" = fuse.uidmapfs ] ||
		fail "$what: $mnt is not a fuse.uidmapfs mount"
	[ "$(pod_owner "$mnt/userfile")" = 1000:1000 ] || fail "$what: the pod does not see 1000:1000"
	name=new-$(tr -c 'a-z0-9' - <<<"$what")
	"$POD" --map "$MAP" -- touch "$mnt/$name"
	[ "$(stat -c %u:%g "$src/$name")" = 0:0 ] || fail "$what: the pod's file is not 0:0 on disk"
	unmount_daemon "$mnt"
	! mountpoint -q "$mnt" || fail "$what: still mounted after umount"
	note "ok: $what"
}

# 3. The mount helpers, as mount(8) finds them in /sbin.
maps=uidmap=$MAP,gidmap=$MAP
check_mount "mount -t fuse.uidmapfs" mount -t fuse.uidmapfs "$src" "$mnt" -o "$maps"
check_mount "mount -t uidmapfs" mount -t uidmapfs "$src" "$mnt" -o "$maps"
for type in uidmapfs fuse.uidmapfs; do
	printf '%s %s %s %s,noauto,nofail,x-test 0 0\n' "$src" "$mnt" "$type" "$maps" \
		>"$WORKDIR/fstab-$type"
	check_mount "fstab type $type" mount -T "$WORKDIR/fstab-$type" "$mnt"
done

# 4. The installed publish scripts.
target=$WORKDIR/target
MOUNTS+=("$target")
UIDMAPFS_SYSTEMD=no UIDMAPFS_STATE_DIR=$WORKDIR/state \
	uidmapfs-publish "$src" "$target" --uidmap "$MAP" --gidmap "$MAP" ||
	fail "installed uidmapfs-publish failed"
[ "$(pod_owner "$target/userfile")" = 1000:1000 ] || fail "publish: the pod does not see 1000:1000"
UIDMAPFS_SYSTEMD=no UIDMAPFS_STATE_DIR=$WORKDIR/state uidmapfs-unpublish "$target" ||
	fail "installed uidmapfs-unpublish failed"
[ ! -e "$target" ] || fail "unpublish left $target"
note "ok: the installed uidmapfs-publish/unpublish"

# 5. Kernel mode through the helper: no map.  A failure here is reported
# at the end, so that removal is still checked.
kernel_mode() {
	mount -t fuse.uidmapfs "$src" "$mnt" ||
		{ echo "mount -t fuse.uidmapfs without a map failed"; return; }
	if [ "$(stat -c %u:%g "$mnt/userfile")" != 1000:1000 ]; then
		echo "the host does not see the on-disk 1000:1000"
	elif ! "$IDMOUNT" --map "$MAP" "$mnt" "$WORKDIR/idmapped"; then
		echo "the kernel refused to ID-map the mount"
	elif [ "$(pod_owner "$WORKDIR/idmapped/userfile")" != 1000:1000 ]; then
		echo "through the ID-mapped mount the pod does not see 1000:1000"
	fi
	umount "$WORKDIR/idmapped" 2>/dev/null || true
	umount "$mnt"
}
mkdir -p "$WORKDIR/idmapped"
MOUNTS+=("$WORKDIR/idmapped")
kernel_problem=$(kernel_mode 2>&1)
if [ -z "$kernel_problem" ]; then
	note "ok: kernel mode through mount -t fuse.uidmapfs, ID-mapped on top"
else
	note "kernel mode: $kernel_problem (failing after the removal checks)"
fi

# 6. Remove, purge, and nothing of the package is left.
dpkg -r uidmapfs >"$WORKDIR/dpkg.log" 2>&1 || {
	sed 's/^/  | /' "$WORKDIR/dpkg.log" >&2
	fail "dpkg -r failed"
}
dpkg --purge uidmapfs >"$WORKDIR/dpkg.log" 2>&1 || {
	sed 's/^/  | /' "$WORKDIR/dpkg.log" >&2
	fail "dpkg --purge failed"
}
INSTALLED=0
! dpkg-query -W -f='${Status}' uidmapfs 2>/dev/null | grep -q 'installed' ||
	fail "dpkg still lists uidmapfs as installed"
left=
while read -r f; do
	# Directories are shared with other packages; files must all be gone.
	[ -d "$f" ] && continue
	{ [ -e "$f" ] || [ -L "$f" ]; } && left+=" $f"
done <"$WORKDIR/files"
[ -z "$left" ] || fail "left after purge:$left"
[ ! -e /etc/uidmapfs ] || note "note: /etc/uidmapfs exists (not the package's: it ships no files there)"
note "ok: dpkg -r and --purge leave nothing of the package"
[ -z "$kernel_problem" ] || fail "kernel mode: $kernel_problem"
