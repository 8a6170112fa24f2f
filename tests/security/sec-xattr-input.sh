#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sec-xattr-input: malformed or untranslatable ACL and capability values
# are refused with EINVAL and never stored, whole or half translated.
#
# A file gets a valid ACL and capability first; then pod root and host
# root write values that are malformed (bad size, version, magic, flag
# bits) or name ids outside the map after mapped ones (the case a
# one-pass translator would store half done).  After every refusal the
# on-disk bytes must be the valid ones, and reading through the mount must
# still show them.  Malformed values from a pod are mostly refused by the
# kernel before the daemon sees them; host root's values with ids outside
# the map reach the daemon's translators.
#
# Options: --mode kernel: uidmapfs without a map under the kernel's
# ID-mapped mount; then the kernel translates every value, and the daemon
# must store exactly what it is given: the same claims.
set -euo pipefail
PROG=sec-xattr-input
# shellcheck source=seclib.sh
. "$(dirname "$0")/seclib.sh"
mode_options "$@"

require_helpers SECOP
require_machine getfattr
sec_workdir
SRC=$W/back/src
MNT=$W/mnt
mkdir -p "$SRC"
echo data >"$SRC/f"
chmod 0755 "$SRC/f"
mount_uidmapfs_opts "$SRC" "$MNT" "$MAP" ""

ACL=system.posix_acl_access
CAP=security.capability
ondisk() {
	getfattr --absolute-names -e hex -n "$1" "$SRC/f" 2>/dev/null |
		sed -n "s/^$1=//p"
}

# Valid values, as pod root writes them (ids in the pod's view).
cat >"$W/valid.ops" <<'OPS'
setacl f access u::rwx,u:1000:r--,g::r-x,g:1001:r--,m::r-x,o::r-x => OK
setcap f v3 0x2000 eff 1000 => OK
OPS
pod_as 0 0 "$FSOP" -C "$MNT" <"$W/valid.ops" >"$W/valid.log" ||
	fail "valid values refused: $(cat "$W/valid.log")"
acl_before=$(ondisk $ACL)
cap_before=$(ondisk $CAP)
if [ -z "$acl_before" ] || [ -z "$cap_before" ]; then fail "valid values not stored"; fi
pod_as 0 0 "$FSOP" -C "$MNT" getacl f access >"$W/acl.shown"

# le32 helper for building values.
le32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
acl_entry() { printf '%02x00%02x00%s' "$1" "$2" "$(le32 "$3")"; }
U=4294967295
# A well-formed ACL: USER_OBJ, USER $1, USER $2, GROUP_OBJ, MASK, OTHER.
acl_two_users() {
	printf '02000000%s%s%s%s%s%s' "$(acl_entry 1 7 $U)" "$(acl_entry 2 4 "$1")" \
		"$(acl_entry 2 4 "$2")" "$(acl_entry 4 5 $U)" \
		"$(acl_entry 16 7 $U)" "$(acl_entry 32 5 $U)"
}
cap_v3() { printf '%s%s000000000000000000000000%s' "$(le32 "$1")" "$(le32 0x2000)" "$(le32 "$2")"; }
cap_v2() { printf '%s%s0000000000000000000000000000' "$(le32 "$1")" "$(le32 0x2000)" | cut -c1-40; }

# pod root's malformed values (ids in the pod's view).
{
	echo "setxattr f $ACL $(acl_two_users 1000 70000) => EINVAL"
	echo "setxattr f $ACL $(acl_two_users 1000 $U) => EINVAL"
	echo "setxattr f $ACL $(acl_two_users 1000 1001)abcdef => EINVAL"
	echo "setxattr f $ACL 01000000$(acl_entry 1 7 $U) => EOPNOTSUPP"
	echo "setxattr f $ACL 020000 => EINVAL"
	echo "setxattr f $CAP $(cap_v3 0x03000001 70000) => EINVAL"
	echo "setxattr f $CAP $(cap_v3 0x03000001 $U) => EINVAL"
	echo "setxattr f $CAP $(cap_v3 0x03000003 1000) => EINVAL"
	echo "setxattr f $CAP $(cap_v3 0x02000001 1000) => EINVAL"
	echo "setxattr f $CAP $(cap_v3 0x01000001 1000) => EINVAL"
	echo "setxattr f $CAP $(cap_v2 0x02000001)00 => EINVAL"
	echo "setxattr f $CAP 0100 => EINVAL"
} >"$W/pod.ops"
pod_as 0 0 "$FSOP" -C "$MNT" <"$W/pod.ops" >"$W/pod.log" ||
	fail "pod root: $(cat "$W/pod.log")"

# host root's values naming host ids: 525288 is mapped (on-disk 1000),
# 2000 and 0 are not.
{
	echo "setxattr f $ACL $(acl_two_users 525288 2000) => EINVAL"
	echo "setxattr f $ACL $(acl_two_users 2000 525288) => EINVAL"
	echo "setxattr f $CAP $(cap_v3 0x03000001 2000) => EINVAL"
	echo "setxattr f $CAP $(cap_v3 0x03000001 0) => EINVAL"
	echo "setxattr f $CAP $(cap_v2 0x02000001) => EINVAL"
} >"$W/host.ops"
"$FSOP" -C "$MNT" <"$W/host.ops" >"$W/host.log" ||
	fail "host root: $(cat "$W/host.log")"

[ "$(ondisk $ACL)" = "$acl_before" ] ||
	fail "the ACL on disk changed: $(ondisk $ACL), was $acl_before"
[ "$(ondisk $CAP)" = "$cap_before" ] ||
	fail "the capability on disk changed: $(ondisk $CAP), was $cap_before"
pod_as 0 0 "$FSOP" -C "$MNT" getacl f access | cmp -s - "$W/acl.shown" ||
	fail "the ACL reads back differently through the mount"
note "$(grep -c . "$W/pod.ops") pod and $(grep -c . "$W/host.ops") host values refused, nothing stored"
note "PASS"
