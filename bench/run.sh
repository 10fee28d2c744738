#!/bin/sh
# run.sh - `make bench`: every benchmark in one run, then one table of
# absolute rates next to baselines measured in the same run, the ratio, the
# target and PASS/BELOW.  The work is in bench/run.py (it calls the other
# bench/* programs and scripts; see its header for what each row means).
#
#   sh bench/run.sh                  full run (about 5 min on a quiet 2-core box)
#   BENCH_QUICK=1 sh bench/run.sh    smoke run (short runs, small stores, ~1.5 min)
#   BENCH_PERF=1 sh bench/run.sh     also perf-record the FastCGI processes
#                                    and the sender, print the top symbols
#   BENCH_DIR=/path                  scratch dir (default: a new /tmp dir,
#                                    removed at the end)
# O=DIR if the build is elsewhere (as for the Makefile).
set -eu
cd "$(dirname "$0")/.."
O=${O:-.}
HOOKD_FCGI=$(pwd)/$O/cgi/hookd.fcgi
HOOKD_SEND=$(pwd)/$O/sender/hookd-send
HOOKD_BUILD=$(pwd)/$O
export HOOKD_FCGI HOOKD_SEND HOOKD_BUILD O
exec /usr/bin/python3 bench/run.py "$@"
