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

# $1 and every process under it.
proc_tree() {
	local child
	echo "$1"
	for child in $(pgrep -P "$1"); do proc_tree "$child"; done
}

# The CPU time (clock ticks, user + system, all threads) the daemon and the
# load under PID... have used, with what the load's exited children used.
load_ticks() {
	local p q
	{
		awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"
		for p in $(for q in "$@"; do proc_tree "$q"; done); do
			awk '{ print $14 + $15 + $16 + $17 }' "/proc/$p/stat"
		done
	} 2>/dev/null | awk '{ t += $1 } END { print t + 0 }'
}

# Where the daemon's threads and the processes under PID... are, for a
# load that did not end: state, wait channel and kernel stack of each,
# and how many requests the FUSE connection of DIR ($1) has in flight.
show_stuck() {
	local dir=$1 conn t p q
	shift
	# (Only where fusectl is mounted at /sys/fs/fuse/connections.)
	conn=$(findmnt -n -o MAJ:MIN --mountpoint "$dir" | tr -d ' ') || true
	conn=/sys/fs/fuse/connections/${conn#0:}/waiting
	[ ! -r "$conn" ] || note "requests in flight on $dir: $(cat "$conn")"
	for t in /proc/"$DAEMON_PID"/task/*; do
		note "daemon thread ${t##*/}: $(awk '/^State:/ { print $2 }' "$t/status" 2>&1) in $(cat "$t/wchan" 2>&1)"
		sed 's/^/  | /' "$t/stack" >&2 2>/dev/null || true
	done
	for p in $(for q in "$@"; do proc_tree "$q"; done); do
		for t in /proc/"$p"/task/*; do
			note "load $p/${t##*/} ($(cat "$t/comm" 2>&1)): $(awk '/^State:/ { print $2 }' "$t/status" 2>&1) in $(cat "$t/wchan" 2>&1)"
			sed 's/^/  | /' "$t/stack" >&2 2>/dev/null || true
		done
	done
}

# check_serving DIR PID...: the daemon of DIR is serving the load under
# PID..., checked once: it answers, within 30 s, a lookup of a name it
# never saw (a request no cache answers; ENOENT), and it or the load has
# used CPU time since the last check (a deadlock uses none; a load served
# by a daemon, even on a starved machine, seconds).  The probe runs in the
# background: a stat waiting on a request the daemon read and never
# answers cannot be killed.  Returns 1 with the reason in ALIVE_WHY; keeps
# its state in ALIVE_CPU (the ticks at the last check) and ALIVE_N.
check_serving() {
	local dir=$1 probe cpu deadline
	shift
	cpu=$(load_ticks "$@")
	if ((cpu - ALIVE_CPU < 5 && ALIVE_CPU - cpu < 5)); then
		ALIVE_WHY="neither the daemon nor the load used CPU time in 30 s ($ALIVE_CPU, then $cpu ticks)"
		return 1
	fi
	ALIVE_CPU=$cpu
	ALIVE_N=$((ALIVE_N + 1))
	LC_ALL=C stat "$dir/.alive-probe-$ALIVE_N" >"$WORKDIR/probe.out" 2>&1 &
	probe=$!
	deadline=$((SECONDS + 30))
	while alive "$probe" && ((SECONDS < deadline)); do
		sleep 0.1
	done
	if alive "$probe"; then
		ALIVE_WHY="the daemon did not answer a lookup within 30 s"
		return 1
	fi
	if wait "$probe" 2>/dev/null; then
		ALIVE_WHY="a lookup of a name that does not exist succeeded"
		return 1
	fi
	if ! grep -q "No such file" "$WORKDIR/probe.out"; then
		ALIVE_WHY="a lookup failed: $(cat "$WORKDIR/probe.out")"
		return 1
	fi
}

# wait_load LIMIT DIR PID...: wait for every background job PID, a load on
# the mount DIR served by $DAEMON_PID; returns 1 if any exited non-zero.
# How long a load takes depends on what else runs on the machine (stress
# --duration 40 took 45-70 s at load 10-20 on 2 CPUs, and more than 160 s
# twice in full suite runs), so time alone cannot tell a deadlock from a
# slow run.  Every 30 s the daemon must be serving (check_serving); if not,
# that is a hang.  LIMIT seconds bounds a run that keeps moving.  Both
# failures show where the daemon's threads and the load are (show_stuck).
wait_load() {
	local limit=$1 dir=$2 start=$SECONDS next pid status=0
	shift 2
	note "waiting for the load (pids $*), checking every 30 s that it moves"
	ALIVE_N=0
	ALIVE_CPU=$(load_ticks "$@")
	next=$((SECONDS + 30))
	for pid in "$@"; do
		while alive "$pid"; do
			sleep 0.5
			((SECONDS >= next)) || continue
			if ! check_serving "$dir" "$@"; then
				show_stuck "$dir" "$@"
				fail "$ALIVE_WHY while process $pid still ran, $((SECONDS - start)) s into the load: a hang"
			fi
			if ((SECONDS - start >= limit)); then
				show_stuck "$dir" "$@"
				fail "process $pid still runs after $((SECONDS - start)) s, the daemon serving: slower than the $limit s bound, not a deadlock"
			fi
			next=$((SECONDS + 30))
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
