# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lib.sh: what the integration scripts share.  Source it from bash after
# setting PROG; it installs the EXIT trap that unmounts and cleans up.
#
# Environment: POD, IDMOUNT, FSOP (helper binaries, set by meson),
# UIDMAPFS (the daemon), OPS_DIR (the op scripts), UIDMAPFS_TEST_MAP
# (default 0:524288:65536), UIDMAPFS_REQUIRE_INTEGRATION=1 (a skip fails).

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MAP=${UIDMAPFS_TEST_MAP:-0:524288:65536}
OPS_DIR=${OPS_DIR:-$LIB_DIR/ops}
MOUNT_TIMEOUT=10	# seconds to wait for a daemon's mount to appear
OP_TIMEOUT=120		# seconds one op script may take

WORKDIR=
MOUNTS=()		# unmounted in reverse order on exit
DAEMONS=()		# pids of daemons we started
DAEMON_LOGS=()		# their output, same order

note() { printf '%s: %s\n' "$PROG" "$*" >&2; }
fail() { note "FAIL: $*"; exit 1; }

# Exit 77 (skip) because the machine cannot run the test at all (not root,
# no /dev/fuse, no user namespaces, no daemon given), or fail when the
# caller insisted on running it.  Anything else missing is a failure.
skip() {
	if [ "${UIDMAPFS_REQUIRE_INTEGRATION:-0}" = 1 ]; then
		note "FAIL: cannot run: $* (UIDMAPFS_REQUIRE_INTEGRATION=1 forbids skipping)"
		exit 1
	fi
	note "SKIP: $*"
	exit 77
}

# The helpers missing is a broken build, not a reason to skip.
require_helpers() {
	local v
	for v in POD IDMOUNT FSOP "$@"; do
		[ -n "${!v:-}" ] || fail "\$$v is not set (run through meson test, or export it)"
		[ -x "${!v}" ] || fail "\$$v=${!v} is not executable"
	done
}

require_root_and_fuse() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -c /dev/fuse ] || skip "no /dev/fuse"
}

require_machine() {
	require_root_and_fuse
	"$POD" -- true 2>/dev/null || skip "cannot create user namespaces"
	local tool
	for tool in setfacl setfattr setcap setpriv mountpoint findmnt timeout "$@"; do
		command -v "$tool" >/dev/null ||
			fail "$tool is not installed (Debian packages: acl attr libcap2-bin util-linux e2fsprogs)"
	done
}

# Is the process alive (not gone, not a zombie waiting for us)?
alive() {
	local state
	state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# Wait, bounded (10 s), until process $1 is gone; polls /proc.
wait_gone() {
	local i
	for ((i = 0; i < 200; i++)); do
		alive "$1" || return 0
		sleep 0.05
	done
	return 1
}

# Wait, bounded (10 s), until mount $1 answers ENOTCONN: a killed daemon's
# connection is aborted when its last thread has closed /dev/fuse, which
# can be a moment after its main thread is a zombie.
wait_stale() {
	local i err
	for ((i = 0; i < 200; i++)); do
		err=$(LC_ALL=C stat "$1" 2>&1 >/dev/null) ||
			case $err in *"not connected"*) return 0 ;; esac
		sleep 0.05
	done
	return 1
}

# Stop a daemon we started: it exits once unmounted; wait for that, bounded.
# Returns its exit status (a daemon that had to be killed fails).
stop_daemon() {
	local pid=$1 i status=0
	for ((i = 0; i < 50; i++)); do
		alive "$pid" || break
		[ "$i" = 20 ] && kill -TERM "$pid" 2>/dev/null
		sleep 0.1
	done
	if alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		status=137
	fi
	wait "$pid" 2>/dev/null || status=$?
	return "$status"
}

cleanup() {
	local rc=$? i m
	trap - EXIT
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${MOUNTS[i]}
		# From the mount table, not stat(): a dead daemon's mount
		# answers ENOTCONN to stat() and must still go.
		findmnt -rn --mountpoint "$m" >/dev/null 2>&1 || continue
		# Bounded: a hung daemon must not hang the cleanup.
		timeout 10 umount "$m" 2>/dev/null || umount -l "$m" ||
			note "could not unmount $m"
	done
	# A daemon that exits non-zero after its mount is gone (a sanitizer
	# report, a crash, a hang) fails the test, whatever the test said.
	for i in "${!DAEMONS[@]}"; do
		local status=0
		stop_daemon "${DAEMONS[i]}" || status=$?
		[ "$status" = 0 ] && continue
		note "FAIL: uidmapfs (pid ${DAEMONS[i]}) exited with status $status; its output:"
		[ -n "${DAEMON_LOGS[i]:-}" ] && sed 's/^/  | /' "${DAEMON_LOGS[i]}" >&2
		[ "$rc" = 0 ] && rc=1
	done
	if [ -n "$WORKDIR" ]; then
		if [ "${KEEP_WORKDIR:-0}" = 1 ]; then
			note "kept $WORKDIR"
		else
			rm -rf --one-file-system "$WORKDIR"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# A work directory everyone (the pod users too) may traverse.
make_workdir() {
	WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/uidmapfs-it.XXXXXX")
	chmod 0755 "$WORKDIR"
}

# Mount a fresh file system of type $1 (tmpfs or ext4) at $2.
mount_backing() {
	local fs=$1 dir=$2
	mkdir -p "$dir"
	case $fs in
	tmpfs)
		mount -t tmpfs -o mode=0755,size=64m uidmapfs-test "$dir" ||
			fail "cannot mount tmpfs"
		;;
	ext4)
		command -v mkfs.ext4 >/dev/null || fail "mkfs.ext4 is not installed (e2fsprogs)"
		truncate -s 64M "$WORKDIR/ext4.img"
		mkfs.ext4 -q -F "$WORKDIR/ext4.img" || fail "mkfs.ext4 failed"
		mount -o loop "$WORKDIR/ext4.img" "$dir" ||
			fail "cannot mount an ext4 loop image"
		chmod 0755 "$dir"
		;;
	*)
		fail "unknown backing file system $fs"
		;;
	esac
	MOUNTS+=("$dir")
}

# The oracle: the kernel's ID-mapped bind mount of $1 at $2 with map $3.
mount_oracle() {
	mkdir -p "$2"
	"$IDMOUNT" --map "$3" "$1" "$2" ||
		fail "the kernel refused an ID-mapped mount of $1"
	MOUNTS+=("$2")
}

# Wait, bounded, until $2 is a FUSE mount; fail if daemon $1 dies first.
wait_for_fuse_mount() {
	local pid=$1 dir=$2 log=$3 deadline=$((SECONDS + MOUNT_TIMEOUT))
	while ((SECONDS <= deadline)); do
		if ! alive "$pid"; then
			local status=0
			wait "$pid" || status=$?
			note "uidmapfs exited with status $status before mounting; its output:"
			sed 's/^/  | /' "$log" >&2
			fail "uidmapfs did not mount $dir"
		fi
		case $(findmnt -n -o FSTYPE --mountpoint "$dir" 2>/dev/null) in
		fuse*) return 0 ;;
		esac
		sleep 0.05
	done
	fail "uidmapfs did not mount $dir within $MOUNT_TIMEOUT s"
}

# The daemon under test, in the foreground (-f) so we hold its pid.
mount_uidmapfs() {
	local src=$1 dir=$2 map=$3 log
	log=$WORKDIR/uidmapfs-$(basename "$2").log
	mkdir -p "$dir"
	MOUNTS+=("$dir")
	"$UIDMAPFS" "$src" "$dir" -o "uidmap=$map,gidmap=$map${UIDMAPFS_OPTS:+,$UIDMAPFS_OPTS}" -f >"$log" 2>&1 &
	DAEMONS+=("$!")
	DAEMON_LOGS+=("$log")
	wait_for_fuse_mount "$!" "$dir" "$log"
}

# Kernel mode: uidmapfs without a map at $2, and the kernel's own ID-mapped
# mount of that with map $4 at $3 (what a container runtime puts on top).
mount_uidmapfs_kernel() {
	local src=$1 fusedir=$2 dir=$3 map=$4
	local log=$WORKDIR/uidmapfs-$(basename "$3").log
	mkdir -p "$fusedir"
	MOUNTS+=("$fusedir")
	"$UIDMAPFS" "$src" "$fusedir" ${UIDMAPFS_OPTS:+-o "$UIDMAPFS_OPTS"} -f >"$log" 2>&1 &
	DAEMONS+=("$!")
	DAEMON_LOGS+=("$log")
	wait_for_fuse_mount "$!" "$fusedir" "$log"
	mount_oracle "$fusedir" "$dir" "$map"
}

# Run op script $3 with fsop as actor $1 with the mount $2 as its root:
#   pod0     root in a pod (user namespace with $MAP)
#   pod1000  uid 1000, gid 1000, groups 1000,1001 in that pod
#   host0    host root, outside the map
#   host2000 an unprivileged host user outside the map
run_actor() {
	local actor=$1 root=$2 script=$3
	local -a cmd
	case $actor in
	pod0) cmd=("$POD" --map "$MAP" --) ;;
	pod1000) cmd=("$POD" --map "$MAP" --uid 1000 --gid 1000 --groups "1000,1001" --) ;;
	host0) cmd=() ;;
	host2000) cmd=(setpriv --reuid 2000 --regid 2000 --clear-groups) ;;
	*) fail "unknown actor $actor in $script" ;;
	esac
	timeout "$OP_TIMEOUT" "${cmd[@]}" "$FSOP" -C "$root" <"$script"
}

# The actors an op script is for, from its "#as:" line.
script_actors() {
	sed -n 's/^#as:[[:space:]]*//p' "$1" | head -n 1
}

# shellcheck source=tree.sh
. "$LIB_DIR/tree.sh"
