#!/bin/sh
# valgrind.sh - memcheck over hookd.fcgi (behind lighttpd, a few thousand
# mixed requests, then SIGTERM) and hookd-send --once (a few hundred
# deliveries): no error, no definite leak, clean exit.  See
# tests/integration/test_valgrind.py.
#
#   make check-valgrind                 (builds first, sets the paths)
#   HOOKD_FCGI=... HOOKD_SEND=... sh tests/valgrind.sh
#
# HOOKD_VG_REQUESTS (3000) and HOOKD_VG_DELIVERIES (300) set the sizes.
# Exit status: 0 when both runs are clean.
set -e
cd "$(dirname "$0")/.."
: "${HOOKD_FCGI:=$(pwd)/cgi/hookd.fcgi}"
: "${HOOKD_SEND:=$(pwd)/sender/hookd-send}"
: "${HOOKD_BUILD:=$(pwd)}"
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 2; }
export HOOKD_FCGI HOOKD_SEND HOOKD_BUILD HOOKD_VALGRIND=1
start=$(date +%s)
${PYTHON:-/usr/bin/python3} -m unittest discover -s tests/integration \
    -t tests/integration -p test_valgrind.py -v
echo "valgrind.sh: clean in $(( $(date +%s) - start )) s"
