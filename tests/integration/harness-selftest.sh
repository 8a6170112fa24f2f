#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# harness-selftest.sh: the differential harness tested against itself, with
# the kernel oracle on both sides, so it runs before (and without) the
# daemon.  A harness that cannot fail proves nothing, so besides "equal
# mounts compare equal" it checks that a real difference, a wrong pinned
# expectation and a forbidden skip each make diff-kernel.sh fail.
set -euo pipefail
PROG=harness-selftest
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

require_helpers
require_machine
make_workdir

passed=0
failed=0

# expect STATUS PATTERN NAME -- COMMAND...: COMMAND must exit STATUS and,
# if PATTERN is not empty, print a line matching it (grep -E).
expect() {
	local want=$1 pattern=$2 name=$3 rc=0 out=$WORKDIR/$passed-$failed.out
	shift 4
	"$@" >"$out" 2>&1 || rc=$?
	if [ "$rc" = "$want" ] && { [ -z "$pattern" ] || grep -Eq -- "$pattern" "$out"; }; then
		passed=$((passed + 1))
		printf 'ok    %s\n' "$name"
	else
		failed=$((failed + 1))
		printf 'FAIL  %s: exit %s (wanted %s)%s; output:\n' "$name" "$rc" \
			"$want" "${pattern:+, or no line matching /$pattern/}"
		sed 's/^/  | /' "$out"
	fi
}

dk=$HERE/diff-kernel.sh

expect 0 ' 0 failed$' "oracle vs oracle on tmpfs compares equal" -- \
	"$dk" --side-b oracle --fs tmpfs
expect 0 ' 0 failed$' "oracle vs oracle on ext4 compares equal" -- \
	"$dk" --side-b oracle --fs ext4
# The same map cut into two extents is the same map.
expect 0 ' 0 failed$' "a map split into two extents compares equal" -- \
	"$dk" --side-b oracle --side-b-map 0:524288:1000:1000:525288:64536

# A planted difference: side B maps only ids 0..999, so 1000 is unmapped.
expect 1 '^\+stat stat/f1000 -> OK reg 0644 uid=65534 gid=65534' \
	"a different map on side B is reported as a diff" -- \
	"$dk" --side-b oracle --side-b-map 0:524288:1000
expect 1 '^FAIL  on-disk state after all scripts' \
	"a different map on side B changes the on-disk state" -- \
	"$dk" --side-b oracle --side-b-map 0:524288:1000

# A pin the kernel does not honour must fail even with equal sides.
mkdir "$WORKDIR/ops"
printf '#as: pod0\nstat table/fu => OK reg 0644 uid=0\n' >"$WORKDIR/ops/01-wrong.ops"
expect 1 'did not do what 1 script run' "a wrong '=>' expectation fails" -- \
	env OPS_DIR="$WORKDIR/ops" "$dk" --side-b oracle

# No daemon: skip, unless skipping is forbidden.
expect 77 'SKIP' "no \$UIDMAPFS is a skip" -- \
	env -u UIDMAPFS UIDMAPFS_REQUIRE_INTEGRATION=0 "$dk"
expect 1 'FAIL: cannot run' "UIDMAPFS_REQUIRE_INTEGRATION=1 turns the skip into a failure" -- \
	env -u UIDMAPFS UIDMAPFS_REQUIRE_INTEGRATION=1 "$dk"

# lib.sh's daemon lifecycle, with bindfs (a FUSE file system that stays in
# the foreground with -f) standing in for the daemon: a daemon that dies
# before mounting, or exits non-zero once unmounted, must fail the test
# that started it; a clean one must not.
cat >"$WORKDIR/lifecycle.sh" <<'SCRIPT'
set -euo pipefail
PROG=lifecycle
. "$LIB_DIR/lib.sh"
make_workdir
mkdir "$WORKDIR/src"
case $1 in
clean)
	start_daemon "$WORKDIR/mnt" bindfs -f "$WORKDIR/src" "$WORKDIR/mnt"
	require_alive "$DAEMON_PID" "after the mount"
	unmount_daemon "$WORKDIR/mnt"
	;;
dies-first)
	start_daemon "$WORKDIR/mnt" sh -c 'echo "no mount for you"; exit 3'
	;;
bad-exit)
	start_daemon "$WORKDIR/mnt" sh -c 'bindfs -f "$1" "$2"; echo "exiting 3"; exit 3' \
		sh "$WORKDIR/src" "$WORKDIR/mnt"
	;;
bad-exit-unmounted)
	start_daemon "$WORKDIR/mnt" sh -c 'bindfs -f "$1" "$2"; exit 3' \
		sh "$WORKDIR/src" "$WORKDIR/mnt"
	unmount_daemon "$WORKDIR/mnt"
	;;
killed)
	start_daemon "$WORKDIR/mnt" bindfs -f "$WORKDIR/src" "$WORKDIR/mnt"
	kill -KILL "$DAEMON_PID"
	wait_gone "$DAEMON_PID"
	require_alive "$DAEMON_PID" "after SIGKILL"
	;;
esac
SCRIPT
if command -v bindfs >/dev/null; then
	lc=("env" "LIB_DIR=$LIB_DIR" bash "$WORKDIR/lifecycle.sh")
	expect 0 '' "lib.sh: a clean daemon passes" -- "${lc[@]}" clean
	expect 1 'exited with status 3 before mounting' \
		"lib.sh: a daemon that dies before mounting fails" -- "${lc[@]}" dies-first
	expect 1 'exited with status 3' \
		"lib.sh: a daemon exiting non-zero at the cleanup's unmount fails" -- "${lc[@]}" bad-exit
	expect 1 'exited with status 3 after .* was unmounted' \
		"lib.sh: unmount_daemon fails on a non-zero exit" -- "${lc[@]}" bad-exit-unmounted
	expect 1 'after SIGKILL: uidmapfs .* died' \
		"lib.sh: require_alive fails on a dead daemon" -- "${lc[@]}" killed
elif [ "${CI:-}" = true ] || [ "${UIDMAPFS_REQUIRE_INTEGRATION:-0}" = 1 ]; then
	failed=$((failed + 1))
	echo "FAIL  lib.sh's lifecycle: bindfs is not installed"
else
	echo "skip  lib.sh's lifecycle: bindfs is not installed"
fi

echo "$PROG: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
