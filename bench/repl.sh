#!/bin/sh
# repl.sh - intake throughput of one replication group (3 sites, quorum
# acknowledgements) against a single site, both nosync and sync, via wrk
# against the master's lighttpd (bench/repl.py).
#   sh bench/repl.sh [SECONDS] [CONNECTIONS]      (from the source root)
set -eu
cd "$(dirname "$0")/.."
O=${O:-.}
make -s all >/dev/null
HOOKD_FCGI=$(pwd)/$O/cgi/hookd.fcgi HOOKD_SEND=$(pwd)/$O/sender/hookd-send \
HOOKD_BUILD=$(pwd)/$O exec /usr/bin/python3 bench/repl.py "$@"
