#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# csi-rootsquash: uidmapfs-publish (the CSI helper) on a store that checks
# credentials itself (tests/security/rootsquash, as NFS root_squash).
# Kernel mode would act as root there for every request but creations, so
# pod users would lose their private files; publish asks the store and
# refuses with a line that points at uidmapfs-runtime:
#
#   1. kernel mode on the squashing store (root may not create in it, and
#      a world-writable one where root's probe is squashed to 65534):
#      exit 1, one line naming uidmapfs-runtime, nothing mounted, no probe
#      left behind;
#   2. --no-store-check publishes anyway (the operator's choice);
#   3. shift mode (--uidmap/--gidmap) on the same store: pod user 1000
#      reads its 0600 file, pod root is squashed;
#   4. a local store (tmpfs) passes the check in kernel mode, leaving no
#      probe.
#
# Shown to fail: with store_checks_credentials answering "no", step 1
# fails on "publish mounted"; with the probe's rmdir removed, on "probe
# left".
set -euo pipefail
PROG=csi-rootsquash
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

PUBLISH_SCRIPT=${PUBLISH_SCRIPT:-$LIB_DIR/../../packaging/uidmapfs-publish}
require_helpers UIDMAPFS ROOTSQUASH
require_machine
[ -r "$PUBLISH_SCRIPT" ] || fail "no publish script at $PUBLISH_SCRIPT"
make_workdir
W=$WORKDIR
export UIDMAPFS UIDMAPFS_STATE_DIR=$W/state UIDMAPFS_SYSTEMD=no

STORE=$W/store
SQ=$W/squash
mkdir -p "$STORE/vol" "$SQ"
chmod 0755 "$STORE" "$STORE/vol"
echo secret >"$STORE/vol/private"
chown 1000:1000 "$STORE/vol/private"
chmod 0600 "$STORE/vol/private"
MOUNTS+=("$SQ")
"$ROOTSQUASH" "$STORE" "$SQ" -f -o allow_other,fsname=rootsquash >"$W/rootsquash.log" 2>&1 &
DAEMONS+=("$!")
DAEMON_LOGS+=("$W/rootsquash.log")
wait_for_fuse_mount "$!" "$SQ" "$W/rootsquash.log"

# The script chooses what to do by the name it is run under.
mkdir -p "$W/bin"
ln -s "$(cd "$(dirname "$PUBLISH_SCRIPT")" && pwd)/$(basename "$PUBLISH_SCRIPT")" \
	"$W/bin/uidmapfs-publish"
ln -s uidmapfs-publish "$W/bin/uidmapfs-unpublish"
publish() { bash "$W/bin/uidmapfs-publish" "$@"; }
unpublish() { bash "$W/bin/uidmapfs-unpublish" "$@"; }

# expect_refused NAME STAGING TARGET
expect_refused() {
	local name=$1 staging=$2 target=$3
	MOUNTS+=("$target")
	if publish "$staging" "$target" 2>"$W/$name.err"; then
		fail "$name: publish mounted kernel mode on a root-squashing store"
	fi
	[ "$(wc -l <"$W/$name.err")" = 1 ] || fail "$name: not one line: $(cat "$W/$name.err")"
	grep -q 'uidmapfs-runtime' "$W/$name.err" ||
		fail "$name: the error does not point at uidmapfs-runtime: $(cat "$W/$name.err")"
	[ -z "$(findmnt -n --mountpoint "$target" || true)" ] ||
		fail "$name: something is mounted at $target"
	[ -z "$(ls -A "$STORE/vol" | grep uidmapfs-probe || true)" ] ||
		fail "$name: probe left in the store: $(ls -A "$STORE/vol")"
	note "ok: $name: $(cat "$W/$name.err")"
}

# 1. Kernel mode refused: root may not create; then root is squashed.
expect_refused refused-create "$SQ/vol" "$W/t1"
chmod 0777 "$STORE/vol"
expect_refused refused-squashed "$SQ/vol" "$W/t2"

# 2. The operator may insist.
MOUNTS+=("$W/t3")
publish "$SQ/vol" "$W/t3" --no-store-check || fail "--no-store-check: publish failed"
[ "$(findmnt -n -o FSTYPE --mountpoint "$W/t3")" = fuse.uidmapfs ] ||
	fail "--no-store-check: not mounted"
unpublish "$W/t3" || fail "unpublish failed"
note "ok: --no-store-check publishes kernel mode anyway"

# 3. Shift mode acts as the caller: pod user 1000 reads its 0600 file.
MOUNTS+=("$W/t4")
publish "$SQ/vol" "$W/t4" --uidmap "$MAP" --gidmap "$MAP" || fail "shift: publish failed"
got=$("$POD" --map "$MAP" --uid 1000 --gid 1000 -- cat "$W/t4/private") ||
	fail "shift: pod user 1000 cannot read its 0600 file"
[ "$got" = secret ] || fail "shift: read '$got'"
if "$POD" --map "$MAP" -- cat "$W/t4/private" >/dev/null 2>&1; then
	fail "shift: pod root read 1000's 0600 file on a root-squashing store"
fi
unpublish "$W/t4" || fail "unpublish failed"
note "ok: shift mode on the root-squashing store: pod user 1000 reads its 0600 file, pod root is squashed"

# 4. A local store passes the check.
mount_backing tmpfs "$W/local"
mkdir -p "$W/local/vol"
MOUNTS+=("$W/t5")
publish "$W/local/vol" "$W/t5" || fail "local: publish failed"
[ -z "$(ls -A "$W/local/vol")" ] || fail "local: probe left: $(ls -A "$W/local/vol")"
unpublish "$W/t5" || fail "unpublish failed"
note "ok: a local store passes the check in kernel mode, no probe left"
