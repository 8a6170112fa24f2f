#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# inode-mem.sh: what the daemon holds per inode the kernel remembers.
#
#   inode-mem.sh UIDMAPFS [FILES [NOFILE [-o OPTS]]]
#
# FILES empty files in 100 directories on a fresh tmpfs; uidmapfs (shift
# mode) over it with RLIMIT_NOFILE NOFILE (default 20000, this machine's
# hard limit); host root stats every entry through the mount (entry and
# attr timeouts of an hour keep them all remembered; %U makes find stat
# each, so every entry is looked up).  Prints the daemon's
# RSS and open fds before and after, and the growth per inode.  Untimed;
# not part of any suite (run by hand, as root).
set -euo pipefail
bin=${1:?usage: inode-mem.sh UIDMAPFS [FILES [NOFILE [-o OPTS]]]}
files=${2:-50000}
nofile=${3:-20000}
opts="uidmap=0:524288:65536,gidmap=0:524288:65536,entry_timeout=3600,attr_timeout=3600"
[ "${4:-}" = -o ] && opts="$opts,$5"

work=$(mktemp -d /tmp/inode-mem.XXXXXX)
back=$work/back
mnt=$work/mnt
pid=
cleanup() {
	umount "$mnt" 2>/dev/null || true
	[ -n "$pid" ] && wait "$pid" 2>/dev/null || true
	umount "$back" 2>/dev/null || true
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mkdir -p "$back" "$mnt"
mount -t tmpfs -o size=16m,nr_inodes=$((files + 1000)) inode-mem "$back"
per=$((files / 100))
for ((d = 0; d < 100; d++)); do
	mkdir "$back/d$d"
	(cd "$back/d$d" && for ((f = 0; f < per; f++)); do : >"f$f"; done)
done

prlimit --nofile="$nofile:$nofile" "$bin" "$back" "$mnt" -o "$opts" -f \
	2>"$work/log" &
pid=$!
for ((i = 0; i < 100; i++)); do
	[ "$(findmnt -n -o FSTYPE --mountpoint "$mnt" 2>/dev/null)" = fuse.uidmapfs ] && break
	sleep 0.1
done
stat "$mnt" >/dev/null
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
fds() { ls "/proc/$pid/fd" | wc -l; }
rss0=$(rss)
fds0=$(fds)
n=$( (find "$mnt" -printf '%i %U\n' 2>"$work/find.err" || true) | wc -l)
errs=$(wc -l <"$work/find.err")
rss1=$(rss)
fds1=$(fds)
echo "entries stat'ed: $n, errors: $errs"
echo "daemon RSS: ${rss0} kB -> ${rss1} kB; open fds: $fds0 -> $fds1"
awk -v a="$rss0" -v b="$rss1" -v n="$n" \
	'BEGIN { printf "RSS per remembered inode: %.0f bytes\n", (b - a) * 1024 / n }'
[ "$errs" = 0 ] || head -n 3 "$work/find.err"
if [ -n "${KEEP_LOG:-}" ]; then cp "$work/log" "$KEEP_LOG"; fi
