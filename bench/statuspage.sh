#!/bin/sh
# statuspage.sh - time statuspage_write on a store of many deliveries.
#
#   sh bench/statuspage.sh [DELIVERIES]        default 1000000
#
# Fills a fresh store in a temp dir (about 1-2 min for 1,000,000 on 2
# cores), writes the status page 5 times, prints one line of figures and
# removes the temp dir.  Needs bench/statuspage_bench (make bench builds it;
# O=DIR if the build is elsewhere).
set -eu
n=${1:-1000000}
bin=${O:-.}/bench/statuspage_bench
[ -x "$bin" ] || { echo "statuspage.sh: $bin not built (make bench/statuspage_bench)" >&2; exit 1; }
dir=$(mktemp -d /tmp/hookd-bench-statuspage-XXXXXX)
trap 'rm -rf "$dir"' EXIT INT TERM
"$bin" "$dir" "$n"
