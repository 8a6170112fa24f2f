# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# seclib.sh: what the security, fault and stress tests add to the
# integration library (tests/integration/lib.sh, sourced here: its skip
# rules, bounded mount wait and EXIT trap apply unchanged).
#
# Environment, besides lib.sh's: SECOP (tests/security/secop, set by meson).

SEC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../integration/lib.sh
. "$SEC_DIR/../integration/lib.sh"

# The mode the daemon runs in, from a script's --mode option: shift
# (uidmapfs maps, the default) or kernel (uidmapfs without a map, the
# kernel's ID-mapped mount of it on top, as a container runtime stacks
# them; the same claims must hold through that stack).
MODE="shift"
set_mode() {
	case $1 in
	shift | kernel) MODE=$1 ;;
	*) fail "--mode must be shift or kernel, not '$1'" ;;
	esac
}

# mode_options "$@": the options of a script that takes only --mode.
mode_options() {
	while [ $# -gt 0 ]; do
		case $1 in
		--mode) set_mode "$2"; shift 2 ;;
		*) fail "unknown option $1" ;;
		esac
	done
}

# sec_workdir: the work directory $W (lib.sh's WORKDIR), a fresh tmpfs at
# $W/back for the backing tree, and $W/out, where every pod user may write
# its reports.
sec_workdir() {
	make_workdir
	W=$WORKDIR
	mkdir -p "$W/out"
	chmod 0777 "$W/out"
	mount_backing tmpfs "$W/back"
}

# mount_uidmapfs_opts SRC DIR MAP [EXTRA]: uidmapfs of SRC seen at DIR
# with MAP, in $MODE, with extra -o options EXTRA (may be empty).  In
# kernel mode the FUSE mount itself is at fuse-NAME next to DIR.  Sets
# DAEMON_PID; unmount_daemon DIR stops it.
mount_uidmapfs_opts() {
	local src=$1 dir=$2 map=$3 extra=${4:-}
	if [ "$MODE" = kernel ]; then
		mount_uidmapfs_kernel "$src" "$(dirname "$dir")/fuse-$(basename "$dir")" \
			"$dir" "$map" ${extra:+-o "$extra"}
	else
		mount_uidmapfs "$src" "$dir" "$map" ${extra:+-o "$extra"}
	fi
}

# Run a command as a pod user: pod_as UID GROUPS CMD... (GROUPS: a,b,c;
# the first is the primary group).
pod_as() {
	local uid=$1 groups=$2
	shift 2
	"$POD" --map "$MAP" --uid "$uid" --gid "${groups%%,*}" \
		--groups "$groups" -- "$@"
}

# Everything about a tree that an escape could change: fsop's dump (type,
# mode, owner, size, link target, every xattr including trusted.*), plus
# link counts, mtimes, ctimes and a hash of every file.
snapshot() {
	local dir=$1
	"$FSOP" --dump "$dir"
	(cd "$dir" && find . -printf '%p %n %T@ %C@\n' | LC_ALL=C sort)
	(cd "$dir" && find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

# The daemon's open fds and resident memory (KiB).
daemon_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
daemon_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# Run "$@" and fail the test if it takes more than $1 seconds: the
# watchdog for anything that could deadlock.
watchdog() {
	local limit=$1 status=0
	shift
	timeout -k 5 "$limit" "$@" || status=$?
	if [ "$status" = 124 ] || [ "$status" = 137 ]; then
		fail "watchdog: '$*' did not finish within $limit s (deadlock?)"
	fi
	return "$status"
}

# wait_file FILE SECONDS PID: wait, bounded, until FILE exists (a pod
# process saying it is ready); fail if it does not, or if PID (that
# process) exits first.
wait_file() {
	local file=$1 deadline=$((SECONDS + $2)) pid=$3
	until [ -e "$file" ]; do
		alive "$pid" || fail "process $pid exited before it wrote $file"
		((SECONDS < deadline)) || fail "no $file after $2 s"
		sleep 0.05
	done
}

# wait_all SECONDS PID...: wait for every background job PID, all within
# SECONDS (fail: a hang); returns 1 if any exited non-zero.
wait_all() {
	local limit=$1 deadline=$((SECONDS + $1)) pid status=0
	shift
	for pid in "$@"; do
		while alive "$pid"; do
			((SECONDS < deadline)) || fail "process $pid still runs after $limit s (deadlock?)"
			sleep 0.1
		done
		wait "$pid" || status=1
	done
	return "$status"
}

# Wait for background job $2 at most $1 seconds (fail: a hang); returns
# its exit status.
wait_bounded() {
	local limit=$1 pid=$2 deadline=$((SECONDS + $1))
	while alive "$pid"; do
		((SECONDS < deadline)) || fail "process $pid still runs after $limit s (deadlock?)"
		sleep 0.1
	done
	wait "$pid"
}
