#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# runtime-systemd: uidmapfs-runtime's systemd path (systemd = yes), where
# each daemon runs as a transient unit that outlives the runtime call and
# the shim.  systemd is not PID 1 on this machine, so systemd-run,
# systemctl and journalctl are stand-ins on PATH that do what systemd
# would: run the command detached, report its MainPID, stop it with
# SIGTERM, and keep its output as the "journal".  The real systemd is
# untested here.
#
#   1. crun through the wrapper: the daemon is started as
#      uidmapfs-runtime-KEY.service with Type=exec, KillMode=mixed and the
#      stop timeout; the pod sees its files; after the run the unit was
#      stopped and nothing is left;
#   2. a daemon that fails to mount: the wrapper's error is the daemon's
#      own last journal line, and nothing is left.
#
# Shown to fail: with daemon_stop() skipping `systemctl stop`, step 1
# fails on "daemons left"; without daemon_journal(), step 2's error names
# no bad option.
set -euo pipefail
PROG=runtime-systemd
# shellcheck source=rtlib.sh
. "$(dirname "$0")/rtlib.sh"
rt_enter_namespace "$@"
rt_setup
W=$WORKDIR
echo "systemd = yes" >>"$RT_CONF"

# The stand-ins keep their state in $W/units.
UNITS=$W/units
mkdir -p "$W/bin" "$UNITS"
cat >"$W/bin/systemd-run" <<SH
#!/bin/bash
unit=
props=()
while [ \$# -gt 0 ]; do
	case \$1 in
	--unit) unit=\$2; shift 2 ;;
	--) shift; break ;;
	*) props+=("\$1"); shift ;;
	esac
done
echo "run \$unit \${props[*]} -- \$*" >>"$UNITS/calls"
setsid "\$@" >"$UNITS/\$unit.journal" 2>&1 </dev/null &
echo \$! >"$UNITS/\$unit.pid"
SH
cat >"$W/bin/systemctl" <<SH
#!/bin/bash
unit=\${@: -1}
case \$1 in
show) cat "$UNITS/\$unit.pid" 2>/dev/null || echo 0 ;;
stop)
	echo "stop \$unit" >>"$UNITS/calls"
	pid=\$(cat "$UNITS/\$unit.pid" 2>/dev/null) || exit 0
	kill -TERM "\$pid" 2>/dev/null || exit 0
	for i in \$(seq 100); do kill -0 "\$pid" 2>/dev/null || exit 0; sleep 0.05; done
	kill -KILL "\$pid"
	;;
*) exit 1 ;;
esac
SH
cat >"$W/bin/journalctl" <<SH
#!/bin/bash
tail -n 1 "$UNITS/\${@: -1}.journal"
SH
chmod +x "$W/bin/"*
export PATH=$W/bin:$PATH

populate "$W/src"
mkdir -p "$W/fuse"
MOUNTS+=("$W/fuse")
bindfs "$W/src" "$W/fuse" || fail "bindfs could not mount"

# 1. A transient unit per volume, stopped with the last container.
write_bundle "$W/b-run" "$W/fuse" 0:0 'id; ls -ln /vol'
wrapped run --bundle "$W/b-run" unit-run >"$W/run.out" 2>"$W/run.err" </dev/null ||
	fail "run: $(cat "$W/run.err")"
awk '$NF == "userfile" { print $3 ":" $4 }' "$W/run.out" | grep -qx 1000:1000 ||
	fail "run: the pod does not see userfile as 1000: $(cat "$W/run.out")"
grep -Eq '^run uidmapfs-runtime-[0-9a-f]{16}\.service .*--property=Type=exec --property=KillMode=mixed --property=TimeoutStopSec=10 -- .*/uidmapfs .* -o uidmap=0:524288:65536,gidmap=0:524288:65536 -f$' "$UNITS/calls" ||
	fail "run: not started as the expected transient unit: $(cat "$UNITS/calls")"
unit=$(sed -n 's/^run \([^ ]*\) .*/\1/p' "$UNITS/calls")
grep -qx "stop $unit" "$UNITS/calls" || fail "run: $unit was not stopped: $(cat "$UNITS/calls")"
rt_expect_clean "run"
note "ok: the daemon ran as $unit and was stopped after the run"

# 2. A daemon that cannot mount: its own error, through the journal.
echo "options = no_such_option" >>"$RT_CONF"
write_bundle "$W/b-bad" "$W/fuse" 0:0 'true'
if wrapped run --bundle "$W/b-bad" unit-bad >"$W/bad.out" 2>"$W/bad.err" </dev/null; then
	fail "a daemon with a bad option mounted"
fi
grep -q 'uidmapfs-runtime: mount /vol: .*no_such_option' "$W/bad.err" ||
	fail "the error does not carry the daemon's own line: $(cat "$W/bad.err")"
rt_expect_clean "bad option"
note "ok: a daemon that cannot mount: $(cat "$W/bad.err")"
