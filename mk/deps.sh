#!/bin/sh
# The dependency step: find the Debian packages hookd needs to build, test
# and run, install the missing ones as root, or print the apt-get line.
set -eu
PKGS="build-essential pkg-config libfcgi-dev libdb5.3-dev db5.3-util
libcurl4-openssl-dev libjson-c-dev libssl-dev openssl libpcre2-dev check python3 curl
libjansson-dev
lighttpd apache2 libapache2-mod-fcgid spawn-fcgi wrk valgrind clang
libclang-rt-14-dev chromium cppcheck clang-tidy procps
python3-prometheus-client dpkg-dev debhelper lintian iproute2 gdb"
missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "hookd needs these Debian packages; as root, run:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
