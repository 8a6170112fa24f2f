#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# with-uring.sh TEST [ARGS...]: run an integration or security test with
# FUSE over io_uring on: /sys/module/fuse/parameters/enable_uring is set to
# Y for the run and restored on exit.  Every daemon the test starts is run
# through this script again (as $UIDMAPFS, the real one in $UIDMAPFS_REAL),
# which copies its stderr into a log here; afterwards each daemon must have
# said "transport: io_uring" and served requests over the ring, else the
# run proved nothing about the ring and fails.  A daemon started with
# --version, --help or a bad option (the tests' negative cases) says
# nothing and is not counted.
set -euo pipefail

PARAM=/sys/module/fuse/parameters/enable_uring

if [ -n "${WITH_URING_LOG:-}" ]; then
	# The daemon side: stderr to the caller's and to our log.
	exec "$UIDMAPFS_REAL" "$@" 2> >(tee -a "$WITH_URING_LOG" >&2)
fi

note() { printf 'with-uring: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { note "SKIP: needs root"; exit 77; }
[ -e "$PARAM" ] || {
	note "FAIL: this kernel has no FUSE over io_uring ($PARAM)"
	exit 1
}
[ -n "${UIDMAPFS:-}" ] || { note "FAIL: \$UIDMAPFS is not set"; exit 1; }

old=$(cat "$PARAM")
WITH_URING_LOG=$(mktemp "${TMPDIR:-/tmp}/with-uring.XXXXXX")
restore() {
	echo "$old" >"$PARAM" || note "could not restore $PARAM to $old"
	rm -f "$WITH_URING_LOG"
}
trap restore EXIT
trap 'exit 130' INT TERM HUP
echo Y >"$PARAM"

export WITH_URING_LOG
export UIDMAPFS_REAL=$UIDMAPFS
UIDMAPFS=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
export UIDMAPFS
status=0
"$@" || status=$?
[ "$status" = 0 ] || exit "$status"

# Each daemon writes its served count at exit; tee may copy it a moment
# after the test returns.  Wait (bounded) for one count per ring daemon.
for ((i = 0; i < 100; i++)); do
	ring=$(grep -c "transport: io_uring" "$WITH_URING_LOG" || true)
	counted=$(grep -c "io_uring served" "$WITH_URING_LOG" || true)
	[ "$counted" -ge "$ring" ] && break
	sleep 0.05
done
other=$(grep "transport: /dev/fuse" "$WITH_URING_LOG" || true)
served=$(grep -c "io_uring served [1-9]" "$WITH_URING_LOG" || true)
[ -z "$other" ] || { note "FAIL: a daemon did not use the ring: $other"; exit 1; }
[ "$ring" -gt 0 ] || { note "FAIL: no daemon used the ring"; exit 1; }
[ "$served" -gt 0 ] || { note "FAIL: the ring served no request"; exit 1; }
note "ok: $ring daemons on io_uring, $served of them served requests over it"
