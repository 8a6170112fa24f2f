#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-deb.sh [OUTDIR]: build the uidmapfs Debian package, offline.
#
#	packaging/build-deb.sh            # -> ./build-deb/uidmapfs_VERSION_ARCH.deb
#
# The repository's top level is fixed, so debian/ lives in packaging/debian:
# this copies the source tree (the files git tracks, as they are in the
# working tree; everything but build directories outside a git checkout)
# to a temporary directory, puts packaging/debian at its top and runs
# dpkg-buildpackage -us -uc -b there.  Needs the build dependencies of
# packaging/debian/control (apt-get install dpkg-dev debhelper meson
# ninja-build pkg-config libfuse3-dev libcmocka-dev systemd); nothing is
# downloaded.  The .deb, .buildinfo and .changes land in OUTDIR.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$PWD/build-deb}

die() {
	echo "build-deb.sh: $*" >&2
	exit 1
}

command -v dpkg-buildpackage >/dev/null ||
	die "dpkg-buildpackage is not installed (Debian package: dpkg-dev)"
command -v dh >/dev/null || die "dh is not installed (Debian package: debhelper)"

# The package version must be the project's: bump both together.
version=$(sed -n "s/^[[:space:]]*version[[:space:]]*:[[:space:]]*'\([^']*\)'.*/\1/p" \
	"$top/meson.build" | head -n 1)
deb_version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$top/packaging/debian/changelog")
[ -n "$version" ] || die "cannot read the project version from meson.build"
[ "${deb_version%%-*}" = "$version" ] ||
	die "packaging/debian/changelog is at $deb_version, meson.build at $version: add a changelog entry"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/uidmapfs-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
src=$tmp/uidmapfs-$version
mkdir "$src"

if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Tracked files that still exist (a deletion not yet committed is gone).
	git -C "$top" ls-files -z | (cd "$top" && xargs -0 -r sh -c '
		for f; do [ -e "$f" ] || [ -L "$f" ] && printf "%s\n" "$f"; done' sh) |
		tar -C "$top" -cf - --no-recursion -T - | tar -C "$src" -xf -
else
	tar -C "$top" -cf - --exclude='./build*' --exclude=./.git . | tar -C "$src" -xf -
fi
[ ! -e "$src/debian" ] || die "the source tree has a debian/ of its own"
cp -a "$src/packaging/debian" "$src/debian"

(cd "$src" && dpkg-buildpackage -us -uc -b) ||
	die "dpkg-buildpackage failed (build dependencies: see the dpkg-checkbuilddeps line above)"

mkdir -p "$out"
set -- "$tmp"/*.deb
[ -e "$1" ] || die "dpkg-buildpackage made no .deb"
cp "$tmp"/*.deb "$tmp"/*.buildinfo "$tmp"/*.changes "$out"/
for deb; do
	echo "$out/${deb##*/}"
done
