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

echo "$PROG: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
