#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the mapper's libFuzzer harnesses with clang (ASan + UBSan, every
# report fatal) and run each for a bounded time on a copy of its corpus.
#
#   tests/fuzz/run.sh [--time SECONDS] [--only NAME] [--merge] [--keep]
#
#   --time S   seconds per harness (default 30)
#   --only N   one harness: idmap_parse, idmap_parse_proc, xattr_acl,
#              xattr_cap
#   --merge    add the new coverage-increasing inputs to tests/fuzz/corpus
#              (libFuzzer -merge=1, minimized), to be committed
#   --keep     keep the build and work directory
#
# Exit status: 0 if no harness found a crash, a leak or a broken invariant;
# 1 otherwise (the crashing input is copied to tests/fuzz/crashes/).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
TIME=30
ONLY=
MERGE=0
KEEP=0
NAMES=(idmap_parse idmap_parse_proc xattr_acl xattr_cap spec)

while [ $# -gt 0 ]; do
	case $1 in
	--time) TIME=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--merge) MERGE=1; shift ;;
	--keep) KEEP=1; shift ;;
	*) echo "usage: $0 [--time S] [--only NAME] [--merge] [--keep]" >&2; exit 2 ;;
	esac
done

CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt-get install clang)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/uidmapfs-fuzz.XXXXXX")
cleanup() {
	if [ "$KEEP" = 1 ]; then echo "fuzz: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

CFLAGS=(-std=c17 -g -O1 -Wall -Wextra -Werror
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-I "$TOP/mapper")
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

status=0
for name in "${NAMES[@]}"; do
	[ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
	bin=$WORK/fuzz_$name
	# spec: runtime/spec*.c, the runtime wrapper's config.json reader,
	# on json-c; the others are mapper/ alone.
	extra=()
	[ "$name" = spec ] && extra=(-I "$TOP/runtime" -I "$HERE"
		"$TOP"/runtime/spec*.c $(pkg-config --cflags --libs json-c))
	"$CC" "${CFLAGS[@]}" -o "$bin" "$HERE/fuzz_$name.c" \
		"$TOP/mapper/idmap.c" "$TOP/mapper/xattr_ids.c" "${extra[@]}"
	corpus=$HERE/corpus/$name
	new=$WORK/new-$name
	art=$WORK/art-$name/
	mkdir -p "$new" "$art"
	echo "== fuzz $name: ${TIME}s from $(find "$corpus" -type f | wc -l) seeds"
	# New inputs go to $new (first directory); the stored corpus is
	# only read.  -timeout: one input taking a second is a hang.
	if ! "$bin" -max_total_time="$TIME" -timeout=1 -rss_limit_mb=1024 \
		-max_len=16384 -print_final_stats=1 -artifact_prefix="$art" \
		"$new" "$corpus" >"$WORK/$name.log" 2>&1; then
		tail -n 40 "$WORK/$name.log" >&2
		mkdir -p "$HERE/crashes"
		cp "$art"* "$HERE/crashes/" 2>/dev/null || true
		echo "fuzz: FAIL: $name (input kept in tests/fuzz/crashes/)" >&2
		status=1
		continue
	fi
	grep -E '^(Done|stat::number_of_executed_units)' "$WORK/$name.log" || true
	if [ "$MERGE" = 1 ]; then
		"$bin" -merge=1 "$corpus" "$new" >/dev/null 2>&1
		echo "fuzz: $name corpus now $(find "$corpus" -type f | wc -l) inputs"
	fi
done
[ "$status" = 0 ] && echo "fuzz: all harnesses ran clean"
exit "$status"
