#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sec-escape: nothing done through the mount reaches outside SOURCE.
#
# A sentinel tree sits next to SOURCE on the same tmpfs, owned by on-disk
# uid 0, i.e. by pod root as far as the daemon's map goes: any operation
# the daemon performed on it on a pod's behalf would succeed.  From the
# host's point of view it belongs to host root, so a pod reaching it by its
# own path walk (following an absolute link) is refused by the kernel.
# After each part the sentinel must be bit-for-bit unchanged: contents,
# owners, modes, link counts, times, xattrs, no new names.
#
#   1. static links: absolute, "..", deep "..", to directories, dangling;
#      every no-follow call (lchown, lutimens, l*xattr, link, rename,
#      unlink) acts on the link; following calls never create or change
#      anything outside; links read back as links with their text;
#   2. "..": the mount root's parent is the mountpoint's parent;
#   3. race: the host swaps a directory with a symlink to the sentinel
#      (RENAME_EXCHANGE, directly in SOURCE) while pod root and host root
#      hammer paths below it through the mount, entry/attr caching off.
#
# Options: --race SECONDS (default 15); --mode kernel: uidmapfs without a
# map under the kernel's ID-mapped mount.
set -euo pipefail
PROG=sec-escape
# shellcheck source=seclib.sh
. "$(dirname "$0")/seclib.sh"

RACE=15
while [ $# -gt 0 ]; do
	case $1 in
	--race) RACE=$2; shift 2 ;;
	--mode) set_mode "$2"; shift 2 ;;
	*) fail "unknown option $1" ;;
	esac
done

require_helpers SECOP
require_machine getfattr sha256sum
sec_workdir
SRC=$W/back/src
OUT=$W/back/outside
MNT=$W/mnt

# The sentinel: names the race's directory also holds (f, g, sub/f), so a
# swapped-in link would land on them.
mkdir -p "$OUT/sub" "$W/outside"
for f in sentinel f g sub/f; do
	printf 'sentinel %s\n' "$f" >"$OUT/$f"
	chmod 0644 "$OUT/$f"
	setfattr -n user.sentinel -v keep "$OUT/$f"
	setfattr -n trusted.sentinel -v keep "$OUT/$f"
done
chmod 0755 "$OUT" "$OUT/sub"

mkdir -p "$SRC/deep/a/b"
chmod -R 0777 "$SRC"
ln -s "$OUT/sentinel" "$SRC/abs"
ln -s ../outside/sentinel "$SRC/rel"
ln -s ../../../../outside/sentinel "$SRC/deep/a/b/rel"
ln -s "$OUT" "$SRC/absdir"
ln -s ../outside "$SRC/reldir"
ln -s "$OUT/new" "$SRC/dangling"
ln -s ../outside/new2 "$SRC/dangling-rel"
chown -h 0:0 "$SRC"/* "$SRC/deep/a/b/rel"

snapshot "$OUT" >"$W/sentinel.before"
check_sentinel() {
	snapshot "$OUT" >"$W/sentinel.after"
	if ! diff -u "$W/sentinel.before" "$W/sentinel.after" >&2; then
		fail "$1: the sentinel outside SOURCE changed (diff above)"
	fi
}

mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" \
	"entry_timeout=0,attr_timeout=0,negative_timeout=0"

# ---- 1. static links ----
# Every no-follow call must act on the link and succeed where the kernel
# lets it; a following call walks the link in the caller's own namespace,
# where a pod has no rights on the sentinel.
for link in abs rel deep/a/b/rel absdir reldir dangling dangling-rel; do
	case $link in
	*dir) inner=$link/sentinel ;;
	*) inner=$link ;;
	esac
	cat >"$W/pod.ops" <<-OPS
	lstat $link
	readlink $link
	lchown $link 1000 1000 => OK
	lutimens $link 1 2 => OK
	lsetxattr $link user.x 41 => EPERM
	lsetxattr $link trusted.x 41 => EPERM
	lsetxattr $link security.x 41
	lremovexattr $link user.sentinel
	llistxattr $link
	link $link $link.hard => OK
	rename $link.hard $link.moved => OK
	unlink $link.moved => OK
	rename $link $link.tmp => OK
	rename $link.tmp $link => OK
	open $inner w
	open $inner a
	open $inner w,creat
	open $inner w,creat,excl
	open $inner r,nofollow
	open $inner r,path,nofollow
	create $link.x/new 0666
	mkdir $link 0777 => EEXIST
	mknod_fifo $link 0666 => EEXIST
	symlink / $link => EEXIST
	chmod $inner 4777
	chown $inner 1000 1000
	truncate $inner 0
	utimens $inner 1 1
	setxattr $inner user.pwn 41
	removexattr $inner user.sentinel
	setacl $inner access u::rwx,u:1000:rwx,g::r-x,m::rwx,o::rwx
	setcap $inner v2 1 eff
	OPS
	sed -i 's/^\t//' "$W/pod.ops"
	for actor in pod0 pod1000; do
		run_actor "$actor" "$MNT" "$W/pod.ops" >"$W/$actor.log" ||
			fail "$actor on $link: an expectation failed: $(cat "$W/$actor.log")"
		check_sentinel "$actor: operations on link $link"
	done
	# Host root may do anything through its own path walk, so only the
	# calls that act on the link itself: they reach the daemon with the
	# link's node id.
	cat >"$W/host.ops" <<-OPS
	lchown $link 524288 524288 => OK
	lutimens $link 3 4 => OK
	lsetxattr $link trusted.x 41 => OK
	lgetxattr $link trusted.x => OK 41
	llistxattr $link => OK trusted.x
	lremovexattr $link trusted.x => OK
	lremovexattr $link trusted.sentinel => ENODATA
	lsetxattr $link user.x 41 => EPERM
	link $link $link.hard => EOVERFLOW
	OPS
	sed -i 's/^\t//' "$W/host.ops"
	run_actor host0 "$MNT" "$W/host.ops" >"$W/host0.log" ||
		fail "host root on $link: an expectation failed: $(cat "$W/host0.log")"
	check_sentinel "host root: operations on link $link"
	# Still a link, with its text, on disk and through the mount.
	[ -L "$SRC/$link" ] || fail "$link is no longer a symlink on disk"
	[ "$(readlink "$MNT/$link")" = "$(readlink "$SRC/$link")" ] ||
		fail "$link reads back as '$(readlink "$MNT/$link")'"
done
[ "$(stat -c %u:%g "$SRC/abs")" = 0:0 ] || fail "lchown missed the link"
if [ -e "$OUT/new" ] || [ -e "$OUT/new2" ]; then
	fail "creating through a dangling link created its target"
fi
note "static links: sentinel intact"

# ---- 2. ".." of the root ----
mkdir -p "$W/mnt-parent-marker"
# shellcheck disable=SC2016 # expanded by the inner shell
pod_as 0 0 bash -c '
	set -e
	cd "$1/deep/a"
	cd ../../..
	[ "$(pwd -P)" = "$2" ]
	[ "$(stat -c %d:%i "$1/..")" = "$(stat -c %d:%i "$2")" ]
	[ -d "$1/../mnt-parent-marker" ] && [ ! -e "$1/../src" ]
' sh "$MNT" "$W" || fail "\"..\" of the mount root is not the mountpoint's parent"
note "..: the mount root's parent is the mountpoint's"

# ---- 3. the race ----
# race-abs/l points at the sentinel by absolute path, race-rel/l by a
# "../.." chain that on disk reaches the sentinel and through the mount
# reaches $W/outside (a decoy host root may legitimately touch).
for r in race-abs race-rel; do
	mkdir -p "$SRC/$r/d/sub"
	for f in f g sub/f; do
		echo "inside $f" >"$SRC/$r/d/$f"
		setfattr -n user.sentinel -v keep "$SRC/$r/d/$f"
	done
	chmod -R 0777 "$SRC/$r"
done
ln -s "$OUT" "$SRC/race-abs/l"
ln -s ../../outside "$SRC/race-rel/l"
snapshot "$OUT" >"$W/sentinel.before"

note "race: ${RACE}s of swaps against pod root and host root"
pids=()
for r in race-abs race-rel; do
	"$SECOP" swap "$SRC/$r" d l "$RACE" >"$W/swap-$r.log" 2>&1 &
	pids+=("$!")
done
for i in 1 2; do
	pod_as 0 0 "$SECOP" hammer "$MNT/race-abs" "$RACE" >"$W/hammer-abs-$i.log" 2>&1 &
	pids+=("$!")
done
pod_as 0 0 "$SECOP" hammer "$MNT/race-rel" "$RACE" >"$W/hammer-rel.log" 2>&1 &
pids+=("$!")
"$SECOP" hammer "$MNT/race-rel" "$RACE" nofollow >"$W/hammer-host.log" 2>&1 &
pids+=("$!")
wait_all $((RACE + 60)) "${pids[@]}" ||
	fail "race: a worker failed: $(cat "$W"/swap-*.log "$W"/hammer-*.log)"
cat "$W"/swap-*.log "$W"/hammer-*.log | sed "s/^/$PROG: /" >&2
require_alive "$DAEMON_PID" "race"
check_sentinel "race"
note "race: sentinel intact"
note "PASS"
