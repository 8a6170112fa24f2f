#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# diff-kernel.sh: differential test of uidmapfs against the kernel's own
# ID-mapped bind mount (the oracle).
#
#   diff-kernel.sh [--fs tmpfs|ext4] [--side-b uidmapfs|oracle]
#                  [--mode shift|kernel] [--side-b-map MAP] [--only GLOB]
#                  [--keep]
#
# Two identical backing trees (tree.sh) on one fresh file system; side A is
# the oracle (idmount) on tree a, side B uidmapfs ($UIDMAPFS) on tree b, or
# a second oracle with --side-b oracle (how the harness tests itself), with
# the same map unless --side-b-map says otherwise.  --mode kernel runs
# uidmapfs in kernel mode (no map) with the kernel's ID-mapped mount on top
# of it, as a container runtime stacks them; known-differences (shift mode
# only) then does not apply: every answer must be the oracle's.  Every ops/*.ops script
# runs, in name order, as each actor its "#as:" line names, first on A and
# then on B; the two fsop logs must be equal, and so must the on-disk dumps
# of both trees at the end, except for the entries of known-differences
# (answers the kernel gives before or after asking any FUSE daemon), which
# pin uidmapfs's own answer instead.  Differences are printed as unified diffs and
# the exit status is 1.  Lines ending in "=> RESULT" pin what the oracle
# does; the oracle doing something else is a failure too.
#
# --keep leaves the work directory (logs, dumps) for a look afterwards.
set -euo pipefail
PROG=diff-kernel
. "$(dirname "$0")/lib.sh"

fs=tmpfs
side_b=uidmapfs
mode=shift
map_b=$MAP
only='*'
while [ $# -gt 0 ]; do
	case $1 in
	--fs) fs=$2; shift 2 ;;
	--side-b) side_b=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--side-b-map) map_b=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--keep) KEEP_WORKDIR=1; shift ;;
	*) fail "unknown argument $1 (see the head of $0)" ;;
	esac
done

require_helpers
case $side_b in
uidmapfs)
	[ -n "${UIDMAPFS:-}" ] || skip "\$UIDMAPFS is not set: no daemon to test"
	require_helpers UIDMAPFS
	# The valgrind run: meson sets UIDMAPFS_NEEDS=valgrind.  (Proved:
	# with PATH lacking valgrind the test skips, and fails with CI=true
	# or UIDMAPFS_REQUIRE_INTEGRATION=1.)
	# shellcheck disable=SC2086 # a list of tools
	require_ci_tool ${UIDMAPFS_NEEDS:-}
	;;
oracle) ;;
*) fail "--side-b must be uidmapfs or oracle" ;;
esac
require_machine

make_workdir
back=$WORKDIR/back
mount_backing "$fs" "$back"
mkdir "$back/a" "$back/b"
build_tree "$back/a"
build_tree "$back/b"

"$FSOP" --dump "$back/a" >"$WORKDIR/before.a"
"$FSOP" --dump "$back/b" >"$WORKDIR/before.b"
diff -u "$WORKDIR/before.a" "$WORKDIR/before.b" >&2 ||
	fail "harness bug: the two backing trees differ before any op"

mount_oracle "$back/a" "$WORKDIR/mnt/a" "$MAP"
case $mode in
shift | kernel) ;;
*) fail "--mode must be shift or kernel" ;;
esac
if [ "$side_b" = uidmapfs ] && [ "$mode" = kernel ]; then
	mount_uidmapfs_kernel "$back/b" "$WORKDIR/fuse/b" "$WORKDIR/mnt/b" "$map_b"
elif [ "$side_b" = uidmapfs ]; then
	mount_uidmapfs "$back/b" "$WORKDIR/mnt/b" "$map_b"
else
	mount_oracle "$back/b" "$WORKDIR/mnt/b" "$map_b"
fi

mkdir "$WORKDIR/log"
label_b=$side_b
[ "$side_b" = oracle ] && label_b=oracle-b
passed=0
failed=0
oracle_surprises=0

# expected_b SCRIPT ACTOR FILE_A: what side B must print, FILE_A with the
# known-differences entries for SCRIPT and ACTOR applied.  Fails (status 2)
# if an entry's oracle line is not in FILE_A: the list must not go stale.
expected_b() {
	awk -v script="$1" -v actor="$2" -v list="$LIB_DIR/known-differences" '
	BEGIN {
		while ((getline line < list) > 0) {
			if (line ~ /^@ /) {
				n = split(line, f, " ")
				on = 0
				if (f[2] == script)
					for (i = 3; i <= n; i++)
						if (f[i] == actor)
							on = 1
			} else if (on && line ~ /^- /) {
				want = substr(line, 3)
				order[++nr] = want
			} else if (on && line ~ /^\+ /) {
				repl[want] = substr(line, 3)
			}
		}
	}
	($0 in repl) { used[$0] = 1; print repl[$0]; next }
	{ print }
	END {
		for (i = 1; i <= nr; i++)
			if (!(order[i] in used)) {
				print "known-differences: stale entry for " script " as " actor ": " order[i] > "/dev/stderr"
				exit 2
			}
	}' "$3"
}

# check NAME FILE_A FILE_B: count and show a difference.
check() {
	if diff -u --label "oracle/$1" --label "$label_b/$1" "$2" "$3"; then
		passed=$((passed + 1))
		printf 'ok    %s\n' "$1"
	else
		failed=$((failed + 1))
		printf 'FAIL  %s (above: - oracle, + %s)\n' "$1" "$label_b"
	fi
}

shopt -s nullglob
# shellcheck disable=SC2206 # $only is a glob on purpose
scripts=("$OPS_DIR"/$only.ops)
[ ${#scripts[@]} -gt 0 ] || fail "no op scripts match $OPS_DIR/$only.ops"
for script in "${scripts[@]}"; do
	name=$(basename "$script" .ops)
	actors=$(script_actors "$script")
	[ -n "$actors" ] || fail "$script has no #as: line"
	for actor in $actors; do
		base=$WORKDIR/log/$name.$actor
		for side in a b; do
			rc=0
			run_actor "$actor" "$WORKDIR/mnt/$side" "$script" \
				>"$base.$side.log" 2>"$base.$side.err" || rc=$?
			case $side.$rc in
			*.0) ;;
			a.1)
				# The oracle broke a pinned expectation.
				oracle_surprises=$((oracle_surprises + 1))
				sed "s|^|oracle $name as $actor: |" "$base.a.err" >&2
				;;
			b.1) ;; # shows up in the diff
			*)
				cat "$base.$side.err" >&2
				fail "$name as $actor on side $side: fsop exited $rc"
				;;
			esac
		done
		expect=$base.a.log
		if [ "$side_b" = uidmapfs ] && [ "$mode" = shift ]; then
			expect=$base.expected-b.log
			expected_b "$name" "$actor" "$base.a.log" >"$expect" ||
				failed=$((failed + 1))
		fi
		check "$name as $actor" "$expect" "$base.b.log"
	done
	if [ "$side_b" = uidmapfs ]; then require_alive "$DAEMON_PID" "during $name"; fi
done

"$FSOP" --dump "$back/a" >"$WORKDIR/after.a"
"$FSOP" --dump "$back/b" >"$WORKDIR/after.b"
check "on-disk state after all scripts" "$WORKDIR/after.a" "$WORKDIR/after.b"

# No operation may leave an owner on disk that the map does not allow: for
# every on-disk (uid, gid) outside the map's inside ranges, side B must
# hold no more entries after the scripts than before (renames keep the
# count, unlinks lower it; a create or chown to such an owner raises it).
unmapped_owners() {
	awk -v map="$map_b" '
	function mapped(id,    i) {
		for (i = 1; i <= nr; i++)
			if (id >= lo[i] && id < lo[i] + cnt[i])
				return 1
		return 0
	}
	BEGIN {
		n = split(map, f, ":")
		for (i = 1; i + 2 <= n; i += 3) {
			lo[++nr] = f[i] + 0
			cnt[nr] = f[i + 2] + 0
		}
	}
	{
		uid = gid = ""
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^uid=/) uid = substr($i, 5) + 0
			if ($i ~ /^gid=/) gid = substr($i, 5) + 0
		}
		if (uid == "" || gid == "")
			next
		if (!mapped(uid) || !mapped(gid))
			count[uid ":" gid]++
	}
	END { for (k in count) print k, count[k] }' "$1" | sort
}
owners_before=$(unmapped_owners "$WORKDIR/before.b")
owners_after=$(unmapped_owners "$WORKDIR/after.b")
grown=$(join -a 2 -e 0 -o 0,1.2,2.2 <(echo "$owners_before") <(echo "$owners_after") |
	awk '$3 > $2 { print "  on-disk owner " $1 ": " $2 " entries before, " $3 " after" }')
if [ -n "$grown" ]; then
	printf 'FAIL  an operation left an owner outside the map on disk (side B):\n%s\n' "$grown"
	failed=$((failed + 1))
else
	printf 'ok    no new on-disk owner outside the map\n'
	passed=$((passed + 1))
fi

if [ "$oracle_surprises" -gt 0 ]; then
	note "the kernel oracle did not do what $oracle_surprises script run(s) pin with '=>' (see above)"
	failed=$((failed + oracle_surprises))
fi
echo "$PROG ($fs, side B: $side_b, $mode mode): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
