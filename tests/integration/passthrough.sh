#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# passthrough.sh: proof that file data does not cross the daemon.
#
# A pod writes 32 MiB with fsync and reads it back cold through uidmapfs,
# in shift mode and in kernel mode (with the kernel's ID-mapped mount on
# top), while the daemon logs every request (-d).  With kernel passthrough
# no READ or WRITE request may reach the daemon; FSYNC must (fsync reaches
# the backing file), and the bytes on disk must be the bytes written.  The
# same run with -o nopassthrough must show READ and WRITE requests: that
# proves the count can see them.
set -euo pipefail
PROG=passthrough
. "$(dirname "$0")/lib.sh"

require_helpers UIDMAPFS
require_machine sha256sum

make_workdir
back=$WORKDIR/back
mount_backing tmpfs "$back"
chmod 0777 "$back"
SIZE_MB=32

# count LOG OPCODE: requests of that opcode in a -d log.
count() {
	grep -c "opcode: $2 (" "$1" || true
}

# run_case NAME MODE EXTRA_OPTS: mount, copy through a pod, unmount; sets
# READS, WRITES and FSYNCS to the request counts.  (Not in a subshell: the
# cleanup trap must see the mounts and daemons it registers.)
run_case() {
	local name=$1 mode=$2 extra=$3 src=$back/$1 fusedir=$WORKDIR/fuse-$1
	local dir=$WORKDIR/mnt-$1 log
	mkdir -p "$src"
	chmod 0777 "$src"
	# -d: every request in the log, to be counted.
	if [ "$mode" = shift ]; then
		dir=$fusedir
		mount_uidmapfs "$src" "$dir" "$MAP" ${extra:+-o "$extra"} -d
	else
		mount_uidmapfs_kernel "$src" "$fusedir" "$dir" "$MAP" ${extra:+-o "$extra"} -d
	fi
	log=$DAEMON_LOG
	"$POD" --map "$MAP" -- dd if="$WORKDIR/data" of="$dir/big" bs=1M \
		conv=fsync status=none
	echo 3 >/proc/sys/vm/drop_caches
	"$POD" --map "$MAP" -- sha256sum "$dir/big" |
		awk '{ print $1 }' >"$WORKDIR/$name.readback"
	unmount_daemon "$dir"
	cmp -s "$WORKDIR/$name.readback" "$WORKDIR/data.sum" ||
		fail "$name: the pod read back other bytes than it wrote"
	sha256sum "$src/big" | awk '{ print $1 }' | cmp -s - "$WORKDIR/data.sum" ||
		fail "$name: the backing file holds other bytes than were written"
	[ "$(stat -c %u:%g "$src/big")" = 0:0 ] ||
		fail "$name: the pod's file is owned by $(stat -c %u:%g "$src/big") on disk"
	rm -f "$src/big" # the backing tmpfs holds one copy at a time
	READS=$(count "$log" READ)
	WRITES=$(count "$log" WRITE)
	FSYNCS=$(count "$log" FSYNC)
}

head -c $((SIZE_MB << 20)) /dev/urandom >"$WORKDIR/data"
sha256sum "$WORKDIR/data" | awk '{ print $1 }' >"$WORKDIR/data.sum"
chmod 0644 "$WORKDIR/data"

for mode in shift kernel; do
	run_case "$mode" "$mode" ""
	note "$mode mode, passthrough: READ=$READS WRITE=$WRITES FSYNC=$FSYNCS"
	[ "$READS" = 0 ] && [ "$WRITES" = 0 ] ||
		fail "$mode mode: $READS READ and $WRITES WRITE requests reached the daemon during a ${SIZE_MB} MiB copy"
	[ "$FSYNCS" -gt 0 ] || fail "$mode mode: fsync never reached the daemon"

	run_case "$mode-nopt" "$mode" nopassthrough
	note "$mode mode, nopassthrough: READ=$READS WRITE=$WRITES FSYNC=$FSYNCS"
	[ "$READS" -gt 0 ] && [ "$WRITES" -gt 0 ] ||
		fail "$mode mode, nopassthrough: the request count saw no READ/WRITE; it cannot prove anything"
done
note "ok: with passthrough no READ/WRITE request reaches the daemon in either mode"
