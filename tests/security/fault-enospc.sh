#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fault-enospc: the backing store fills up.  SOURCE is a 4 MiB tmpfs.  A
# pod writer gets ENOSPC (not EIO, not a hang); meanwhile a file written
# before still reads back intact, names can still be listed, stat'ed and
# created empty; once the big file is removed through the mount, a new
# file is written and read back whole.  Run with the default options
# (kernel passthrough where the kernel has it) and with -o nopassthrough.
set -euo pipefail
PROG=fault-enospc
# shellcheck source=seclib.sh
. "$(dirname "$0")/seclib.sh"

require_helpers SECOP
require_machine dd
make_workdir
W=$WORKDIR
OUT=$W/out	# where pod processes write their reports
mkdir -p "$OUT"
chmod 0777 "$OUT"
SRC=$W/small
mkdir -p "$SRC"
mount -t tmpfs -o size=4m,mode=0777 uidmapfs-enospc "$SRC" || fail "cannot mount tmpfs"
MOUNTS+=("$SRC")

for extra in "" nopassthrough; do
	MNT=$W/mnt-${extra:-default}
	mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" "$extra"
	head -c 100000 /dev/urandom >"$W/keep.data"
	pod_as 0 0 cp "$W/keep.data" "$MNT/keep" || fail "cannot write keep"
	# shellcheck disable=SC2016 # expanded by the inner shell
	pod_as 0 0 bash -c '
		dd if=/dev/zero of="$1/big" bs=64k count=200 conv=fsync 2>"$2/dd.err"
		echo "dd status $?" >>"$2/dd.err"
	' sh "$MNT" "$OUT" || true
	grep -q "No space left on device" "$OUT/dd.err" ||
		fail "[$extra] the writer did not get ENOSPC: $(cat "$OUT/dd.err")"
	require_alive "$DAEMON_PID" "[$extra] ENOSPC"
	cmp -s "$W/keep.data" "$MNT/keep" || fail "[$extra] keep is damaged"
	ls -l "$MNT" >/dev/null || fail "[$extra] cannot list the full volume"
	pod_as 0 0 touch "$MNT/empty" || fail "[$extra] cannot create an empty file"
	pod_as 0 0 rm -f "$MNT/big" "$MNT/empty" || fail "[$extra] cannot remove"
	head -c 1500000 /dev/urandom >"$W/after.data"
	pod_as 0 0 cp "$W/after.data" "$MNT/after" ||
		fail "[$extra] writes do not work again after space was freed"
	cmp -s "$W/after.data" "$SRC/after" || fail "[$extra] after is damaged on disk"
	rm -f "$SRC/after" "$SRC/keep"
	unmount_daemon "$MNT"
	note "[${extra:-default}] ENOSPC reached the writer; the rest kept working"
done
note "PASS"
