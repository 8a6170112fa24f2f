#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# opts-docs.sh UIDMAPFS README MANPAGE: every option `uidmapfs --help`
# shows (fuse/opts.c's one table) is in README.md's options table and in
# the OPTIONS section of uidmapfs(1), and every option those two list is
# in --help: an option added to the table but not to the docs, or dropped
# from the table but not from the docs, fails the unit suite.
#
# Shown to fail: with `nodev` deleted from README.md's mount flag row it
# reports "README.md lacks: nodev"; with "clone_fd" renamed "clone_fds" in
# opts.c's table it reports clone_fds missing from both documents and
# clone_fd listed by them but not by --help.
set -euo pipefail
uidmapfs=$1
readme=$2
man=$3

# One option name per line: "-o name=VALUE" becomes "name=", "-o name"
# "name"; flags (-f, --help) stay as they are.
normalize() {
	sed -E -e 's/^-o //' -e 's/^([^-][^=]*=).*/\1/' -e '/^$/d' | sort -u
}

# --help: option lines ("  -o name  help...", name column up to two
# spaces) and list lines ("  ro, rw, ..."), both indented by exactly two.
help_names() {
	"$uidmapfs" --help | grep -E '^  [^ ]' |
		sed -E -e 's/^  //' -e 's/  .*//' -e 's/,$//' |
		sed -E 's/, /\n/g' | normalize
}

# README.md: the backquoted names in the first column of the table after
# "### Options".
# shellcheck disable=SC2016 # the backquotes are Markdown's, not expansions
readme_names() {
	awk '/^### Options/ { on = 1; next }
	     on && /^\|/ { print; seen = 1; next }
	     on && seen { exit }' "$readme" |
		awk -F'|' '{ print $2 }' | grep -o '`[^`]*`' | tr -d '`' |
		normalize
}

# uidmapfs(1): the tag line after each .TP in OPTIONS, without font
# macros, quotes and metavariables (MAP, SECS, ...).
man_names() {
	awk '/^\.SH OPTIONS/ { on = 1; next }
	     on && /^\.SH/ { exit }
	     on && tag { print; tag = 0 }
	     on && /^\.TP/ { tag = 1 }' "$man" |
		sed -E -e 's/^\.[A-Z]+ //' -e 's/\\-/-/g' -e 's/"//g' |
		tr ' ,' '\n' | grep -v -E '^(-o|[A-Z]+)$' | normalize
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
help_names >"$tmp/help"
readme_names >"$tmp/readme"
man_names >"$tmp/man"

# A broken extraction must not pass as "nothing to compare".
for f in help readme man; do
	n=$(wc -l <"$tmp/$f")
	if [ "$n" -lt 40 ]; then
		echo "FAIL: only $n option names found in $f: extraction broken" >&2
		exit 1
	fi
done

status=0
compare() { # compare NAME FILE
	local missing extra
	missing=$(comm -23 "$tmp/help" "$2" | tr '\n' ' ')
	extra=$(comm -13 "$tmp/help" "$2" | tr '\n' ' ')
	if [ -n "$missing" ]; then
		echo "FAIL: $1 lacks: $missing" >&2
		status=1
	fi
	if [ -n "$extra" ]; then
		echo "FAIL: $1 lists what --help does not: $extra" >&2
		status=1
	fi
}
compare README.md "$tmp/readme"
compare uidmapfs.1 "$tmp/man"
[ "$status" = 0 ] && echo "ok: $(wc -l <"$tmp/help") options agree in --help, README.md and uidmapfs(1)"
exit "$status"
