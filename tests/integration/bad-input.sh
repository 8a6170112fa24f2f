#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bad-input.sh: the uidmapfs command line refuses bad input the way
# DESIGN.md section 2 says: exit status 1, exactly one line on stderr that
# names the bad input (the option and its value, the path), nothing
# mounted.  Each case runs twice, daemonizing (the default, where a
# late error would be lost) and in the foreground (-f).  --help and
# --version exit 0 with their text on stdout.
set -euo pipefail
PROG=bad-input
. "$(dirname "$0")/lib.sh"

RUN_TIMEOUT=10	# seconds; a daemon that wrongly starts in -f mode hangs

[ -n "${UIDMAPFS:-}" ] || skip "\$UIDMAPFS is not set: no daemon to test"
[ -x "$UIDMAPFS" ] || fail "\$UIDMAPFS=$UIDMAPFS is not executable"
require_root_and_fuse
command -v findmnt >/dev/null || fail "findmnt is not installed (util-linux)"
make_workdir

src=$WORKDIR/src
mnt=$WORKDIR/mnt
mkdir "$src" "$mnt"
MOUNTS+=("$mnt")
good=0:524288:65536
maps=uidmap=$good,gidmap=$good
passed=0
failed=0

mounts_under_workdir() {
	findmnt -rn -o TARGET | grep -c "^$WORKDIR" || true
}

# Remove whatever a wrongly successful run left mounted under the workdir.
unmount_leftovers() {
	local m
	findmnt -rn -o TARGET | grep "^$WORKDIR" | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
}

result() {
	local name=$1 problem=$2 detail=$3
	if [ -z "$problem" ]; then
		passed=$((passed + 1))
		printf 'ok    %s: %s\n' "$name" "$detail"
	else
		failed=$((failed + 1))
		printf 'FAIL  %s:%s\n' "$name" "$problem"
		sed 's/^/  | /' "$WORKDIR/err" "$WORKDIR/out"
	fi
}

# rejects NAME BAD [--as CMD...] -- ARGS...: uidmapfs ARGS must fail
# cleanly, and its one line must name BAD (a fixed string: the bad option
# with its value, or the bad path).  (Proved able to fail: with the
# "malformed gidmap" case expecting gidmap=0:524288:y it fails "does not
# name".)
rejects() {
	local name=$1 bad=$2 mode rc lines problem before
	local -a wrap=()
	shift 2
	if [ "$1" = --as ]; then
		shift
		while [ "$1" != -- ]; do wrap+=("$1"); shift; done
	fi
	shift
	for mode in daemon foreground; do
		local -a fg=()
		[ "$mode" = foreground ] && fg=(-f)
		before=$(mounts_under_workdir)
		rc=0
		timeout "$RUN_TIMEOUT" "${wrap[@]}" "$UIDMAPFS" "$@" "${fg[@]}" \
			>"$WORKDIR/out" 2>"$WORKDIR/err" </dev/null || rc=$?
		problem=
		[ "$rc" = 1 ] || problem+=" exit status $rc, not 1;"
		lines=$(awk 'END { print NR }' "$WORKDIR/err")
		[ "$lines" = 1 ] || problem+=" $lines lines on stderr, not 1;"
		grep -q '[^[:space:]]' "$WORKDIR/err" || problem+=" nothing said on stderr;"
		grep -qF -- "$bad" "$WORKDIR/err" || problem+=" does not name '$bad';"
		if [ "$(mounts_under_workdir)" != "$before" ]; then
			problem+=" left something mounted;"
			unmount_leftovers
		fi
		result "$name [$mode]" "$problem" "$(head -n 1 "$WORKDIR/err")"
	done
}

# succeeds NAME PATTERN -- ARGS...: exit 0, stdout matching PATTERN.
succeeds() {
	local name=$1 pattern=$2 rc=0 problem=
	shift 3
	timeout "$RUN_TIMEOUT" "$UIDMAPFS" "$@" >"$WORKDIR/out" 2>"$WORKDIR/err" </dev/null || rc=$?
	[ "$rc" = 0 ] || problem+=" exit status $rc, not 0;"
	grep -Eqi -- "$pattern" "$WORKDIR/out" || problem+=" stdout does not match /$pattern/;"
	if [ "$(mounts_under_workdir)" != 0 ]; then
		problem+=" mounted something;"
		unmount_leftovers
	fi
	result "$name" "$problem" "$(head -n 1 "$WORKDIR/out")"
}

# Maps the kernel would refuse in uid_map, and plain garbage.
rejects "malformed map: letters" "uidmap=abc" -- "$src" "$mnt" -o "uidmap=abc,gidmap=$good"
rejects "malformed map: two fields" "uidmap=0:524288" -- "$src" "$mnt" -o "uidmap=0:524288,gidmap=$good"
rejects "malformed map: partial second extent" "uidmap=$good:1" -- "$src" "$mnt" -o "uidmap=$good:1,gidmap=$good"
rejects "malformed map: trailing colon" "uidmap=$good:" -- "$src" "$mnt" -o "uidmap=$good:,gidmap=$good"
rejects "malformed map: empty field" "uidmap=0::65536" -- "$src" "$mnt" -o "uidmap=0::65536,gidmap=$good"
rejects "malformed map: negative" "uidmap=-1:524288:65536" -- "$src" "$mnt" -o "uidmap=-1:524288:65536,gidmap=$good"
rejects "malformed map: hex" "uidmap=0x0:524288:65536" -- "$src" "$mnt" -o "uidmap=0x0:524288:65536,gidmap=$good"
rejects "malformed map: blank inside" "uidmap=0: 524288:65536" -- "$src" "$mnt" -o "uidmap=0: 524288:65536,gidmap=$good"
rejects "malformed map: count 0" "uidmap=0:524288:0" -- "$src" "$mnt" -o "uidmap=0:524288:0,gidmap=$good"
rejects "malformed map: number above u32" "uidmap=0:4294967296:1" -- "$src" "$mnt" -o "uidmap=0:4294967296:1,gidmap=$good"
rejects "malformed gidmap" "gidmap=0:524288:x" -- "$src" "$mnt" -o "uidmap=$good,gidmap=0:524288:x"
rejects "overlapping extents (inside)" "uidmap=0:524288:100:50:700000:100" -- "$src" "$mnt" -o "uidmap=0:524288:100:50:700000:100,gidmap=$good"
rejects "overlapping extents (outside)" "uidmap=0:524288:100:200:524300:100" -- "$src" "$mnt" -o "uidmap=0:524288:100:200:524300:100,gidmap=$good"
rejects "overlapping extents (gidmap)" "gidmap=0:0:10:5:100:10" -- "$src" "$mnt" -o "uidmap=$good,gidmap=0:0:10:5:100:10"
rejects "empty map" "uidmap=" -- "$src" "$mnt" -o "uidmap=,gidmap=$good"
rejects "empty maps" "uidmap=" -- "$src" "$mnt" -o "uidmap=,gidmap="
many=0:1000000:1
for ((i = 1; i < 341; i++)); do many+=":$i:$((1000000 + i)):1"; done
rejects "341 extents" "uidmap=0:1000000:1:1:1000001:1" -- "$src" "$mnt" -o "uidmap=$many,gidmap=$good"
rejects "u32 overflow: outside + count" "uidmap=0:4294967295:2" -- "$src" "$mnt" -o "uidmap=0:4294967295:2,gidmap=$good"
rejects "u32 overflow: inside + count" "uidmap=4294967200:0:100" -- "$src" "$mnt" -o "uidmap=4294967200:0:100,gidmap=$good"
rejects "u32 overflow: count alone" "uidmap=1:1:4294967295" -- "$src" "$mnt" -o "uidmap=1:1:4294967295,gidmap=$good"

# userns= must name a live process (pid_max is at most 4194304).
rejects "userns= no such process" "userns=2147483647" -- "$src" "$mnt" -o userns=2147483647
rejects "userns= not a number" "userns=pod" -- "$src" "$mnt" -o userns=pod

# The directories.
rejects "missing SOURCE" "$WORKDIR/no-source" -- "$WORKDIR/no-source" "$mnt" -o "$maps"
printf 'x' >"$WORKDIR/file"
rejects "SOURCE is a regular file" "$WORKDIR/file" -- "$WORKDIR/file" "$mnt" -o "$maps"
# Root reads any mode-000 directory; the daemon is made unable to by
# running it without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH in front of a
# directory it cannot traverse (it keeps CAP_SYS_ADMIN to mount).
mkdir -p "$WORKDIR/locked/src"
chown 2000:2000 "$WORKDIR/locked"
chmod 0700 "$WORKDIR/locked"
rejects "unreadable SOURCE" "$WORKDIR/locked/src" --as setpriv --bounding-set=-dac_override,-dac_read_search -- \
	"$WORKDIR/locked/src" "$mnt" -o "$maps"
rejects "missing MOUNTPOINT" "$WORKDIR/no-mountpoint" -- "$src" "$WORKDIR/no-mountpoint" -o "$maps"

# Options nobody knows.
rejects "unknown -o option" "bogus=1" -- "$src" "$mnt" -o "$maps,bogus=1"
rejects "unknown long option" "--bogus" -- "$src" "$mnt" -o "$maps" --bogus

succeeds "--help" 'usage' -- --help
succeeds "--version" '[0-9]+\.[0-9]+' -- --version

echo "$PROG: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
