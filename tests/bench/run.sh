#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The uidmapfs benchmark suite, one command (see README.md here):
#
#   tests/bench/run.sh [--quick] [--reps N] [--only WORKLOADS]
#       [--configs LIST] [--backings tmpfs,ext4] [--build DIR] [--out FILE]
#       [--install-deps] [--no-request-counts] [--keep-workdir]
#
# Runs as root; needs python3 (standard library only).  Everything the run
# mounts is unmounted again on exit, error or signal.
here=$(dirname "$0")
command -v python3 >/dev/null 2>&1 || {
	echo "run.sh: python3 is missing (Debian package python3-minimal)" >&2
	exit 1
}
exec python3 "$here/bench.py" "$@"
