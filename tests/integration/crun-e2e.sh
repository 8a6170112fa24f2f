#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# crun-e2e.sh: a real OCI container (Debian's crun, a busybox-static rootfs,
# no registry) in a user namespace with uid_map/gid_map "0 524288 65536",
# the map of a Kubernetes hostUsers: false pod, using a uidmapfs volume:
#
#   shift   uidmapfs -o uidmap=,gidmap= translates; crun does not ID-map
#           the volume (how podman/LXC/manual mounts use it).
#   kernel  uidmapfs without a map (kernel mode, FUSE_ALLOW_IDMAP) and crun
#           ID-maps the volume itself, once with the OCI 1.1 mount fields
#           uidMappings/gidMappings (what containerd asks runc for a
#           hostUsers: false pod) and once with crun's "idmap" option.
#
# Inside: id is 0:0, ls -ln shows the volume's files owned by 0 and 1000 as
# on disk (and an unmapped 70000 as 65534), a new file lands on disk as 0,
# chown 1000:1000 lands as 1000:1000.
#
# And the failure uidmapfs exists to fix: the same container with an
# ID-mapped plain FUSE volume (bindfs) must fail to start with crun's
# "mount_setattr ...: Invalid argument"; so must a shift-mode uidmapfs
# volume (it does not offer ID mapping: no double translation).  Two
# controls on a tmpfs prove the runtime really ID-maps: without the mount
# idmap the pod sees 65534, with it 1000.
#
# crun refuses this host's hybrid cgroup layout, so each run happens in a
# private mount namespace with /sys/fs/cgroup/unified unmounted and
# --cgroup-manager=disabled.  Needs: crun, busybox-static, bindfs.
set -euo pipefail
PROG=crun-e2e
. "$(dirname "$0")/lib.sh"

RUN_TIMEOUT=60		# seconds one container run may take (~20 ms normally)
BUSYBOX=${BUSYBOX:-/bin/busybox}
HOSTMAP=524288		# the pod's uid/gid 0 on the host
CONTAINERS=()		# ids to delete -f on exit (a run killed by timeout)

require_helpers UIDMAPFS
require_machine unshare
command -v crun >/dev/null || fail "crun is not installed (Debian package: crun)"
command -v bindfs >/dev/null || fail "bindfs is not installed (Debian package: bindfs)"
# The rootfs has no libraries: the busybox must be the static one.
if [ ! -x "$BUSYBOX" ] || ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null |
	grep -q 'ok installed'; then
	fail "no static busybox at $BUSYBOX (Debian package: busybox-static)"
fi

make_workdir
CRUN_ROOT=$WORKDIR/crun-state

delete_containers() {
	local id
	for id in "${CONTAINERS[@]}"; do
		crun --root "$CRUN_ROOT" delete -f "$id" >/dev/null 2>&1 || true
	done
}
# lib.sh's cleanup unmounts and removes the work directory; containers go
# first, and cleanup must still see the script's exit status (set +e: a
# trap runs under errexit, and "(exit 1)" would end it there).
trap 'rc=$?; set +e; delete_containers; (exit "$rc"); cleanup' EXIT

# The rootfs (lib.sh's write_bundle takes it from $ROOTFS): a static
# busybox and the applets the check uses, read-only in the container;
# /check.sh is what every container runs.
ROOTFS=$WORKDIR/rootfs
mkdir -p "$ROOTFS"/{bin,proc,dev,tmp,vol}
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
for applet in sh id ls touch chown stat cat echo; do
	ln -s busybox "$ROOTFS/bin/$applet"
done
cat >"$ROOTFS/check.sh" <<'SCRIPT'
# $1: a name unique to this run; the files it creates carry it.
set -e
echo "id $(id -u):$(id -g)"
ls -ln /vol | while read -r mode links uid gid size m d t name; do
	echo "ls $name $uid:$gid"
done
touch "/vol/new-$1"
touch "/vol/chown-$1"
chown 1000:1000 "/vol/chown-$1"
echo "created"
SCRIPT

# The volume's content on disk: owners 0, 1000 and the unmapped 70000.
populate() {
	populate_volume "$1"
	echo far >"$1/farfile"
	chown 70000:70000 "$1/farfile"
}

# The volume mount's options and idmap, as JSON members for lib.sh's
# write_bundle.
IDMAP_NONE='"options": ["rbind", "rw"]'
IDMAP_OCI='"options": ["rbind", "rw"],
      "uidMappings": [{"containerID": 0, "hostID": '$HOSTMAP', "size": 65536}],
      "gidMappings": [{"containerID": 0, "hostID": '$HOSTMAP', "size": 65536}]'
IDMAP_CRUN='"options": ["rbind", "rw", "idmap"]'

# run_container NAME VOLUME IDMAP: run the container (the pod's root runs
# /check.sh NAME) to completion; its stdout goes to $WORKDIR/NAME.out,
# stderr to NAME.err; returns crun's status.
run_container() {
	local name=$1 bundle=$WORKDIR/bundle-$1 rc=0
	write_bundle "$bundle" "$2" 0:0 "exec /bin/sh /check.sh $name" "$3"
	CONTAINERS+=("e2e-$name")
	# shellcheck disable=SC2016 # expanded by the inner sh
	timeout "$RUN_TIMEOUT" unshare -m sh -c '
		mount --make-rprivate / || exit 125
		if mountpoint -q /sys/fs/cgroup/unified; then
			umount /sys/fs/cgroup/unified || exit 125
		fi
		exec crun --cgroup-manager=disabled --root "$1" run --bundle "$2" "$3"
	' sh "$CRUN_ROOT" "$bundle" "e2e-$name" \
		>"$WORKDIR/$name.out" 2>"$WORKDIR/$name.err" </dev/null || rc=$?
	return "$rc"
}

show_run() {
	sed 's/^/  out| /' "$WORKDIR/$1.out" >&2
	sed 's/^/  err| /' "$WORKDIR/$1.err" >&2
}

# The owner the container printed for a file of /vol (from ls -ln).
seen_owner() {
	sed -n "s/^ls $2 //p" "$WORKDIR/$1.out"
}

# expect_pod_view NAME BACKING: the whole contract, inside and on disk.
expect_pod_view() {
	local name=$1 backing=$2 got
	[ "$(sed -n 's/^id //p' "$WORKDIR/$name.out")" = 0:0 ] ||
		{ show_run "$name"; fail "$name: id in the container is not 0:0"; }
	for want in rootfile=0:0 userfile=1000:1000 farfile=65534:65534; do
		got=$(seen_owner "$name" "${want%%=*}")
		[ "$got" = "${want#*=}" ] || {
			show_run "$name"
			fail "$name: ls -ln shows ${want%%=*} as '$got', want ${want#*=}"
		}
	done
	grep -qx created "$WORKDIR/$name.out" ||
		{ show_run "$name"; fail "$name: creating or chowning in the volume failed"; }
	got=$(stat -c %u:%g "$backing/new-$name")
	[ "$got" = 0:0 ] || fail "$name: a file the pod's root created is $got on disk, want 0:0"
	got=$(stat -c %u:%g "$backing/chown-$name")
	[ "$got" = 1000:1000 ] || fail "$name: chown 1000:1000 in the pod is $got on disk, want 1000:1000"
}

# expect_idmap_refused NAME: crun must fail on mount_setattr with EINVAL.
expect_idmap_refused() {
	local name=$1 what=$2
	if run_container "$name" "$3" "$IDMAP_OCI"; then
		show_run "$name"
		fail "$name: the container started although $what cannot be ID-mapped"
	fi
	grep -q 'mount_setattr.*Invalid argument' "$WORKDIR/$name.err" || {
		show_run "$name"
		fail "$name: crun failed, but not with mount_setattr ... Invalid argument"
	}
	[ ! -s "$WORKDIR/$name.out" ] ||
		{ show_run "$name"; fail "$name: the container ran"; }
	note "ok: $name: $what refused as Kubernetes would see it: $(grep -o 'mount_setattr.*' "$WORKDIR/$name.err" | head -n 1)"
}

# start_uidmapfs SRC MNT [ARGS...]: the daemon in the foreground, tracked
# by lib.sh's cleanup (unmounted, then its exit status checked).
start_uidmapfs() {
	local src=$1 dir=$2
	shift 2
	start_daemon "$dir" "$UIDMAPFS" "$src" "$dir" "$@" -f
}

# 0. Controls on a tmpfs: the runtime's ID mapping is what makes 1000 show.
tmp=$WORKDIR/tmpfs
mkdir -p "$tmp"
mount -t tmpfs -o mode=0755,size=16m uidmapfs-e2e "$tmp"
MOUNTS+=("$tmp")
populate "$tmp/vol"
run_container control-plain "$tmp/vol" "$IDMAP_NONE" ||
	{ show_run control-plain; fail "control-plain: crun failed"; }
[ "$(seen_owner control-plain userfile)" = 65534:65534 ] ||
	{ show_run control-plain; fail "control-plain: without a mount idmap the pod should see 65534"; }
run_container control-idmap "$tmp/vol" "$IDMAP_OCI" ||
	{ show_run control-idmap; fail "control-idmap: crun failed on an ID-mapped tmpfs"; }
expect_pod_view control-idmap "$tmp/vol"
note "ok: controls: tmpfs unmapped shows 65534; crun's ID-mapped tmpfs shows 0 and 1000"

# 1. The failure this project fixes: a plain FUSE volume cannot be ID-mapped.
populate "$WORKDIR/bindfs-src"
mkdir -p "$WORKDIR/bindfs-mnt"
MOUNTS+=("$WORKDIR/bindfs-mnt")
bindfs "$WORKDIR/bindfs-src" "$WORKDIR/bindfs-mnt" ||
	fail "bindfs could not mount"
expect_idmap_refused negative-bindfs "a bindfs (plain FUSE) volume" "$WORKDIR/bindfs-mnt"
umount "$WORKDIR/bindfs-mnt"

# 2. Shift mode: uidmapfs translates, the runtime does not.
populate "$WORKDIR/shift-src"
start_uidmapfs "$WORKDIR/shift-src" "$WORKDIR/shift-mnt" \
	-o "uidmap=0:$HOSTMAP:65536,gidmap=0:$HOSTMAP:65536"
run_container shift "$WORKDIR/shift-mnt" "$IDMAP_NONE" ||
	{ show_run shift; fail "shift: crun failed"; }
expect_pod_view shift "$WORKDIR/shift-src"
note "ok: shift mode: the pod is root, sees 0/1000/65534, creates as 0, chowns to 1000"

# A shift-mode volume must not be ID-mapped again: the kernel refuses.
expect_idmap_refused shift-idmapped "a shift-mode uidmapfs volume" "$WORKDIR/shift-mnt"

# 3. Kernel mode: the runtime ID-maps uidmapfs, in both syntaxes.
populate "$WORKDIR/kernel-src"
start_uidmapfs "$WORKDIR/kernel-src" "$WORKDIR/kernel-mnt"
for syntax in oci crun; do
	case $syntax in
	oci) idmap=$IDMAP_OCI ;;
	crun) idmap=$IDMAP_CRUN ;;
	esac
	run_container "kernel-$syntax" "$WORKDIR/kernel-mnt" "$idmap" ||
		{ show_run "kernel-$syntax"; fail "kernel-$syntax: crun failed"; }
	expect_pod_view "kernel-$syntax" "$WORKDIR/kernel-src"
	note "ok: kernel mode, $syntax idmap syntax: the pod is root, sees 0/1000/65534, creates as 0, chowns to 1000"
done
# Without the runtime's ID mapping a kernel-mode volume shows the host's
# view, unmapped for the pod: the mapping really is the runtime's.
run_container kernel-plain "$WORKDIR/kernel-mnt" "$IDMAP_NONE" ||
	{ show_run kernel-plain; fail "kernel-plain: crun failed"; }
[ "$(seen_owner kernel-plain userfile)" = 65534:65534 ] ||
	{ show_run kernel-plain; fail "kernel-plain: without the runtime's idmap the pod should see 65534"; }
note "ok: kernel mode without a runtime idmap shows 65534: the runtime does the mapping"
