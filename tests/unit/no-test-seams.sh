#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# no-test-seams.sh INSTALLED TESTBUILD: the installed daemon reads no test
# hook from its environment (no UIDMAPFS_TEST string in it), and the test
# build, made from the same sources with -DUIDMAPFS_TEST_SEAMS, has one:
# the positive control that shows this check can fail.
set -eu
installed=$1
testbuild=$2
if grep -a -o 'UIDMAPFS_TEST[A-Z_]*' "$installed"; then
	echo "FAIL: $installed contains a test seam (above)" >&2
	exit 1
fi
grep -a -q UIDMAPFS_TEST "$testbuild" || {
	echo "FAIL: $testbuild has no test seam: this check proves nothing" >&2
	exit 1
}
echo "ok: $installed has no UIDMAPFS_TEST string; $testbuild has"
