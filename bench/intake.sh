#!/bin/sh
# intake.sh - event intake throughput: hookd.fcgi (nosync, sync) against a
# do-nothing FastCGI responder, behind lighttpd with 2 processes, via wrk.
#   sh bench/intake.sh [SECONDS] [CONNECTIONS]     (from the source root)
#   sh bench/intake.sh --memory 100000             (flat-memory run)
set -eu
cd "$(dirname "$0")/.."
O=${O:-.}
make -s all "$O/bench/responder" "$O/bench/store_bench" >/dev/null
HOOKD_FCGI=$(pwd)/$O/cgi/hookd.fcgi HOOKD_SEND=$(pwd)/$O/sender/hookd-send \
HOOKD_BUILD=$(pwd)/$O exec /usr/bin/python3 bench/intake.py "$@"
