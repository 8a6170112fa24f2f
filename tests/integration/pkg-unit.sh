#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pkg-unit.sh: packaging/uidmapfs@.service without systemd as PID 1 (this
# machine has none, so start/stop/restart by systemd itself is untested):
#
#  - systemd-analyze verify accepts an instance of it;
#  - its Exec lines, run the way systemd would run them (the environment
#    file's variables in the environment, %i the instance, ${VAR} one
#    argument, $$ a literal $), mount a volume in shift mode and in kernel
#    mode (OPTIONS empty); SIGTERM to the main process, what "systemctl
#    stop" sends, unmounts cleanly;
#  - after SIGKILL (the mount answers ENOTCONN) the ExecStartPre lines
#    clear the stale mount and ExecStart mounts again: Restart=on-failure
#    can recover;
#  - a configuration without SOURCE fails in ExecStartPre with a message.
set -euo pipefail
PROG=pkg-unit
. "$(dirname "$0")/lib.sh"

UNIT=${UNIT:-$LIB_DIR/../../packaging/uidmapfs@.service}

require_helpers UIDMAPFS
require_machine pgrep
[ -r "$UNIT" ] || fail "no unit file at $UNIT"
command -v systemd-analyze >/dev/null ||
	fail "systemd-analyze is not installed (Debian package: systemd)"

make_workdir

src=$WORKDIR/src
mnt=$WORKDIR/vol/mnt
mkdir -p "$src"
echo user >"$src/userfile"
chown 1000:1000 "$src/userfile"
MOUNTS+=("$mnt")


# The unit as meson configures it, with the daemon under test.
unit=$WORKDIR/units/uidmapfs@.service
mkdir -p "$WORKDIR/units"
sed "s|@BINDIR@/uidmapfs|$UIDMAPFS|g" "$UNIT" >"$unit"
grep -q '@[A-Z]*@' "$unit" && fail "unsubstituted @VAR@ left in the unit"

ln -s uidmapfs@.service "$WORKDIR/units/uidmapfs@unittest.service"
out=$(systemd-analyze verify --man=no "$WORKDIR/units/uidmapfs@unittest.service" 2>&1) ||
	fail "systemd-analyze verify failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify complains: $out"
note "ok: systemd-analyze verify"

# exec_lines KEY: the unit's KEY= lines as sh commands, one per line.
# systemd's ${VAR} (a whole argument) becomes "${VAR}", $$ becomes $, %i
# the instance; a leading "-" (ignore failure) is dropped.
exec_lines() {
	sed -n "s/^$1=//p" "$unit" |
		sed -E 's/^-//; s/(^|[^$])\$\{([A-Za-z_]+)\}/\1"${\2}"/g; s/\$\$/$/g; s/%i/unittest/g'
}

# run_exec KEY CONF: run KEY's lines in order with the environment file
# CONF's variables (only them, like systemd), stop at the first failure.
run_exec() {
	local key=$1 conf=$2 line
	local -a envs=()
	mapfile -t envs < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$conf")
	while IFS= read -r line; do
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${envs[@]}" sh -c "$line" ||
			return 1
	done < <(exec_lines "$key")
}

start_and_check() {
	local what=$1 conf=$2 want=$3
	run_exec ExecStartPre "$conf" || fail "$what: ExecStartPre failed"
	run_exec ExecStart "$conf" || fail "$what: ExecStart failed"
	[ "$(findmnt -n -o FSTYPE --mountpoint "$mnt")" = fuse.uidmapfs ] ||
		fail "$what: not mounted when ExecStart returned (Type=forking)"
	[ "$(stat -c %u:%g "$mnt/userfile")" = "$want" ] ||
		fail "$what: the host sees $(stat -c %u:%g "$mnt/userfile"), want $want"
}

stop_main() {
	local pid
	pid=$(daemonized_pid "$mnt") # Type=forking: the parent exited
	[ -n "$pid" ] || fail "$1: no daemon"
	kill -TERM "$pid"
	wait_gone "$pid" || fail "$1: daemon still running 10 s after SIGTERM"
	! mountpoint -q "$mnt" || fail "$1: still mounted after SIGTERM"
}

shift_conf=$WORKDIR/shift.conf
printf 'SOURCE=%s\nMOUNTPOINT=%s\nOPTIONS=uidmap=%s,gidmap=%s\n' "$src" "$mnt" "$MAP" "$MAP" >"$shift_conf"
kernel_conf=$WORKDIR/kernel.conf
printf 'SOURCE=%s\nMOUNTPOINT=%s\nOPTIONS=\n' "$src" "$mnt" >"$kernel_conf"

# Shift mode: on-disk 1000 is host 525288.
start_and_check "shift" "$shift_conf" 525288:525288
stop_main "shift"
note "ok: shift mode: ExecStartPre + ExecStart mount (mountpoint created), SIGTERM unmounts"

# Kernel mode: OPTIONS empty, ids unchanged.
start_and_check "kernel" "$kernel_conf" 1000:1000
stop_main "kernel"
note "ok: kernel mode (OPTIONS empty)"

# A killed daemon: ENOTCONN, then the restart path recovers.
start_and_check "before SIGKILL" "$shift_conf" 525288:525288
pid=$(daemonized_pid "$mnt")
kill -KILL "$pid"
wait_gone "$pid"
wait_stale "$mnt" || fail "not ENOTCONN after SIGKILL: $(LC_ALL=C stat "$mnt" 2>&1 >/dev/null)"
start_and_check "restart after SIGKILL" "$shift_conf" 525288:525288
[ "$(findmnt -n -o ID --mountpoint "$mnt" | awk 'END { print NR }')" = 1 ] ||
	fail "restart after SIGKILL: the stale mount is still stacked under the new one"
stop_main "restart after SIGKILL"
note "ok: after SIGKILL, ExecStartPre clears the stale mount and ExecStart mounts again"

# A configuration without SOURCE.
printf 'MOUNTPOINT=%s\n' "$mnt" >"$WORKDIR/bad.conf"
out=$(run_exec ExecStartPre "$WORKDIR/bad.conf" 2>&1) && fail "a conf without SOURCE passed ExecStartPre"
grep -q "must be set" <<<"$out" || fail "a conf without SOURCE: no message ($out)"
note "ok: a configuration without SOURCE fails in ExecStartPre: $out"
