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

# Like lib.sh's mount_uidmapfs, with extra -o options in $4 (may be
# empty).  Sets DAEMON_PID to the new daemon's pid.
mount_uidmapfs_opts() {
	local src=$1 dir=$2 map=$3 extra=${4:-} log opts
	log=$WORKDIR/uidmapfs-$(basename "$dir").log
	opts="uidmap=$map,gidmap=$map${extra:+,$extra}"
	mkdir -p "$dir"
	MOUNTS+=("$dir")
	"$UIDMAPFS" "$src" "$dir" -o "$opts" -f >"$log" 2>&1 &
	DAEMON_PID=$!
	DAEMONS+=("$DAEMON_PID")
	DAEMON_LOGS+=("$log")
	wait_for_fuse_mount "$DAEMON_PID" "$dir" "$log"
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
