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
DAEMONIZED=()		# pids of daemons that forked away (not our children)
declare -gA FUSE_UNDER=()	# kernel mode: ID-mapped mount -> FUSE mount
DAEMON_PID=		# the daemon started last
DAEMON_LOG=		# its output
REAPED_LOG=		# the output of the daemon reap_daemon waited for last

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

# require_ci_tool TOOL...: tools a test runs under (valgrind) that a
# developer's machine may lack: missing, the test skips there, and fails
# in CI (CI=true, or UIDMAPFS_REQUIRE_INTEGRATION=1 through skip).
require_ci_tool() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null && continue
		[ "${CI:-}" = true ] && fail "$tool is not installed (CI=true forbids skipping)"
		skip "$tool is not installed"
	done
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
	# A daemonized daemon is not our child: its status is lost, but it
	# must not outlive its mount.
	for i in "${DAEMONIZED[@]}"; do
		wait_gone "$i" && continue
		kill -KILL "$i" 2>/dev/null
		note "FAIL: uidmapfs (pid $i, daemonized) still ran 10 s after its mount was gone"
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

# The daemon lifecycle.  Every test starts, waits for, checks and stops
# its daemons with these functions, never with a copy of its own:
#   start_daemon DIR CMD...        a daemon that stays in the foreground
#   start_daemonized DIR CMD...    a command that mounts and forks away
#   unmount_daemon DIR [PID]       umount, then the daemon must exit 0
#   reap_daemon PID [SECONDS]      bounded wait for its exit; its status
#   forget_daemon PID              a daemon the test killed on purpose
#   require_alive PID WHAT         fail (with its output) if it died
# mount_uidmapfs and mount_uidmapfs_kernel are the usual cases.  The EXIT
# trap unmounts whatever is left and fails the test if a daemon then exits
# non-zero, must be killed, or (daemonized) outlives its mount.

# Wait, bounded, until $2 is a FUSE mount; fail if daemon $1 dies first
# (showing its output, log $3).
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

# A fresh log file name for a daemon mounted at $1.
new_daemon_log() {
	local base log n=1
	base=$WORKDIR/uidmapfs-$(basename "$1")
	log=$base.log
	while [ -e "$log" ]; do
		n=$((n + 1))
		log=$base.$n.log
	done
	printf '%s\n' "$log"
}

# Show the output of daemon $1 (one we started) on stderr.
show_daemon_log() {
	local i
	for i in "${!DAEMONS[@]}"; do
		if [ "${DAEMONS[i]}" = "$1" ] && [ -n "${DAEMON_LOGS[i]:-}" ]; then
			note "output of daemon $1:"
			sed 's/^/  | /' "${DAEMON_LOGS[i]}" >&2
		fi
	done
}

# start_daemon [--log FILE] DIR CMD...: run CMD, a daemon that mounts at
# DIR and stays in the foreground (-f or -d; CMD may start with env ...),
# in the background with its output in FILE (default: a fresh
# $WORKDIR/uidmapfs-NAME.log); register DIR for unmounting and the daemon
# for the exit-status check; wait, bounded, for the FUSE mount at DIR,
# failing if the daemon dies first.  Sets DAEMON_PID and DAEMON_LOG.
# SIGINT is reset to its default (a script's background jobs start with
# it ignored, and libfuse only handles signals left at their default).
start_daemon() {
	local log='' dir
	if [ "$1" = --log ]; then
		log=$2
		shift 2
	fi
	dir=$1
	shift
	[ -n "$log" ] || log=$(new_daemon_log "$dir")
	mkdir -p "$dir"
	MOUNTS+=("$dir")
	env --default-signal=INT "$@" >"$log" 2>&1 &
	DAEMON_PID=$!
	DAEMON_LOG=$log
	DAEMONS+=("$DAEMON_PID")
	DAEMON_LOGS+=("$log")
	wait_for_fuse_mount "$DAEMON_PID" "$dir" "$log"
}

# The pids of the uidmapfs processes for DIR ($1), found by their command
# line (uidmapfs SOURCE DIR ...): a daemonized one is not our child.
daemonized_pids() {
	pgrep -f -- "uidmapfs [^ ]+ $1( |\$)" || true
}

# The pid of the uidmapfs process serving DIR ($1).
daemonized_pid() {
	daemonized_pids "$1" | head -n 1
}

# start_daemonized DIR CMD...: CMD (uidmapfs without -f, mount -t ...)
# mounts at DIR and forks the daemon away.  CMD must exit 0 with the mount
# already up: no waiting, that is the daemonizing contract.  Sets
# DAEMON_PID to the daemon's pid; the cleanup (or unmount_daemon) waits,
# bounded, for it to be gone once DIR is unmounted.
start_daemonized() {
	local dir=$1 status=0
	shift
	mkdir -p "$dir"
	MOUNTS+=("$dir")
	"$@" || status=$?
	[ "$status" = 0 ] || fail "'$*' exited with status $status"
	case $(findmnt -n -o FSTYPE --mountpoint "$dir" 2>/dev/null) in
	fuse*) ;;
	*) fail "'$*' returned before $dir was mounted" ;;
	esac
	# Exactly one: a second is an earlier daemon for DIR that was not
	# waited for, and could still unmount DIR on its way out.
	DAEMON_PID=$(daemonized_pids "$dir")
	[ -n "$DAEMON_PID" ] || fail "no uidmapfs process serves $dir"
	[ "$(wc -w <<<"$DAEMON_PID")" = 1 ] ||
		fail "more than one uidmapfs process for $dir: $(tr "\n" " " <<<"$DAEMON_PID")"
	DAEMON_LOG=''	# its output is gone with its stderr
	DAEMONIZED+=("$DAEMON_PID")
}

# forget_daemon PID: the test itself accounts for daemon PID (it killed it
# on purpose, or checked its exit): no check at cleanup.
forget_daemon() {
	local i
	for i in "${!DAEMONS[@]}"; do
		[ "${DAEMONS[i]}" = "$1" ] && unset 'DAEMONS[i]' 'DAEMON_LOGS[i]'
	done
	for i in "${!DAEMONIZED[@]}"; do
		[ "${DAEMONIZED[i]}" = "$1" ] && unset 'DAEMONIZED[i]'
	done
	return 0
}

# reap_daemon PID [SECONDS]: wait, bounded (default 10 s), for daemon PID
# to exit after the test told it to (umount, a signal); return its exit
# status (0 for a daemonized one: not our child, its status is lost) and
# set REAPED_LOG to its output.  A non-zero status is noted on stderr with
# that output, so that a test failing on it explains itself (cli.sh's
# "SIGINT: exit status 1" once did not).  A daemon still running after
# the bound is killed and fails the test.
reap_daemon() {
	local pid=$1 limit=${2:-10} deadline status=0 i
	deadline=$((SECONDS + limit))
	while alive "$pid"; do
		if ((SECONDS >= deadline)); then
			kill -KILL "$pid" 2>/dev/null
			show_daemon_log "$pid"
			fail "uidmapfs (pid $pid) still ran $limit s after it was told to stop"
		fi
		sleep 0.05
	done
	REAPED_LOG=
	for i in "${!DAEMONS[@]}"; do
		[ "${DAEMONS[i]}" = "$pid" ] || continue
		REAPED_LOG=${DAEMON_LOGS[i]:-}
		wait "$pid" || status=$?
	done
	forget_daemon "$pid"
	if [ "$status" != 0 ]; then
		note "uidmapfs (pid $pid) exited with status $status; its output:"
		if [ -s "$REAPED_LOG" ]; then
			sed 's/^/  | /' "$REAPED_LOG" >&2
		else
			note "  (none)"
		fi
	fi
	return "$status"
}

# unmount_daemon DIR [PID]: unmount DIR (and, in kernel mode, the FUSE
# mount under its ID-mapped mount), bounded; then daemon PID (default
# $DAEMON_PID) must exit 0 within 10 s.  A daemonized daemon must be gone,
# so that nothing is left to touch DIR when it is mounted again.
unmount_daemon() {
	local dir=$1 pid=${2:-$DAEMON_PID} status=0 under=${FUSE_UNDER[$1]:-}
	timeout 10 umount "$dir" || fail "cannot unmount $dir"
	if [ -n "$under" ]; then
		timeout 10 umount "$under" || fail "cannot unmount $under"
		unset 'FUSE_UNDER[$dir]'
	fi
	reap_daemon "$pid" || status=$?	# shows the output if non-zero
	[ "$status" = 0 ] && return 0
	fail "uidmapfs (pid $pid) exited with status $status after $dir was unmounted"
}

# require_alive PID WHAT: fail, showing its output, if daemon PID died.
require_alive() {
	alive "$1" && return 0
	show_daemon_log "$1"
	fail "$2: uidmapfs (pid $1) died"
}

# The daemon under test, in the foreground (-f) so we hold its pid; extra
# arguments go to uidmapfs.  Sets DAEMON_PID.
mount_uidmapfs() {
	local src=$1 dir=$2 map=$3
	shift 3
	start_daemon "$dir" \
		"$UIDMAPFS" "$src" "$dir" -o "uidmap=$map,gidmap=$map" -f "$@"
}

# Kernel mode: uidmapfs without a map at $2, and the kernel's own ID-mapped
# mount of that with map $4 at $3 (what a container runtime puts on top);
# extra arguments go to uidmapfs.  Sets DAEMON_PID; unmount_daemon $3
# unmounts both.
mount_uidmapfs_kernel() {
	local src=$1 fusedir=$2 dir=$3 map=$4
	shift 4
	start_daemon --log "$(new_daemon_log "$dir")" "$fusedir" \
		"$UIDMAPFS" "$src" "$fusedir" -f "$@"
	mount_oracle "$fusedir" "$dir" "$map"
	FUSE_UNDER[$dir]=$fusedir
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

# populate_volume DIR: the part of a container volume's content on disk
# that the container tests share: DIR (mode 0777) with rootfile (0:0) and
# userfile (1000:1000).  crun-e2e.sh and tests/runtime add their own files.
populate_volume() {
	mkdir -p "$1"
	chmod 0777 "$1"
	echo root >"$1/rootfile"
	echo user >"$1/userfile"
	chown 1000:1000 "$1/userfile"
}

# write_bundle DIR VOLUME USER SCRIPT [MOUNT-IDMAP]: an OCI bundle shaped
# like the config.json containerd 2.x writes for a hostUsers: false pod:
# user, mount, pid, ipc, uts and network namespaces, the pod's map
# (uid/gid 0 is host $HOSTMAP, 65536 ids) in linux.uidMappings, a pod
# root's CAP_CHOWN/DAC_OVERRIDE/FOWNER, no terminal, $ROOTFS read-only as
# the root, and VOLUME bind-mounted at /vol with, by default, the same map
# on the mount (OCI 1.1 mount uidMappings/gidMappings).  USER is uid:gid;
# SCRIPT is what /bin/sh -c runs; MOUNT-IDMAP replaces the mount's
# "options" and mapping members (e.g. '"options": ["rbind", "rw",
# "idmap"]').  The hostname names files runtime-crun.sh looks for; an
# annotation and an unknown member are there for uidmapfs-runtime to pass
# through untouched.  Used by crun-e2e.sh and tests/runtime; the caller
# sets HOSTMAP and ROOTFS (with /bin/sh in it).
write_bundle() {
	local dir=$1 volume=$2 user=$3 script=$4
	: "${HOSTMAP:?write_bundle needs HOSTMAP}" "${ROOTFS:?write_bundle needs ROOTFS}"
	local idmap=${5:-'"options": ["rbind", "rprivate", "rw"],
       "uidMappings": [{"containerID": 0, "hostID": '$HOSTMAP', "size": 65536}],
       "gidMappings": [{"containerID": 0, "hostID": '$HOSTMAP', "size": 65536}]'}
	local caps='"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"'
	mkdir -p "$dir"
	cat >"$dir/config.json" <<JSON
{
  "ociVersion": "1.1.0",
  "process": {
    "terminal": false,
    "user": {"uid": ${user%%:*}, "gid": ${user#*:}},
    "args": ["/bin/sh", "-c", $(printf '%s' "$script" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/')],
    "env": ["PATH=/bin"],
    "cwd": "/",
    "capabilities": {"bounding": [$caps], "effective": [$caps], "permitted": [$caps]},
    "noNewPrivileges": true
  },
  "root": {"path": "$ROOTFS", "readonly": true},
  "hostname": "uidmapfs-runtime-test",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "nodev", "mode=1777", "size=1m"]},
    {"destination": "/vol", "type": "bind", "source": "$volume",
       $idmap
    }
  ],
  "annotations": {"io.kubernetes.cri.container-type": "container"},
  "org.example.unknown": {"kept": [1, 2.50, true, null, 18446744073709551615]},
  "linux": {
    "uidMappings": [{"containerID": 0, "hostID": $HOSTMAP, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": $HOSTMAP, "size": 65536}],
    "namespaces": [{"type": "user"}, {"type": "mount"}, {"type": "pid"},
                   {"type": "ipc"}, {"type": "uts"}, {"type": "network"}],
    "maskedPaths": ["/proc/kcore"],
    "readonlyPaths": ["/proc/sys"]
  }
}
JSON
}

# shellcheck source=tree.sh
. "$LIB_DIR/tree.sh"
