#!/bin/sh
# mk/deb.sh - `make deb`: the Debian package into dist/.
#
# dpkg-buildpackage writes its results next to the source directory, so
# the build runs in a copy of the tree in a temp dir (no build outputs, no
# run/ or dist/), and the .deb, .buildinfo and .changes come back to dist/.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for t in dpkg-buildpackage dh; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "deb: $t is missing: apt-get install dpkg-dev debhelper" >&2
		exit 1
	}
done
B=$(mktemp -d "${TMPDIR:-/tmp}/hookd-deb.XXXXXX")
trap 'rm -rf "$B"' EXIT INT TERM
mkdir "$B/hookd"
(cd "$ROOT" && tar -cf - --exclude=./.git --exclude=./dist --exclude=./run \
    --exclude=./build-asan --exclude=./build-tsan --exclude=./build-fuzz --exclude='*.o' \
    --exclude='*.d' --exclude='*.a' .) | tar -xf - -C "$B/hookd"
# The package is built with Debian's flags only: not with a calling make's
# variables (make WERROR=1 check runs this too).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES WERROR SAN FUZZ O CFLAGS \
    LDFLAGS
(cd "$B/hookd" && make -s clean >/dev/null &&
    dpkg-buildpackage -b -us -uc)
mkdir -p "$ROOT/dist"
cp "$B"/*.deb "$B"/*.buildinfo "$B"/*.changes "$ROOT/dist/"
ls -l "$ROOT"/dist/*.deb
