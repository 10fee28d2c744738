#!/bin/sh
# slowdisk.sh - hookd-send --once on a simulated slow disk: every fdatasync
# or fsync of a file written since its last sync sleeps SLOW_US
# microseconds first (tests/integration/fsyncshim.c, an LD_PRELOAD shim
# built here; clean files return at once, as on ext4).  Prints the pass
# line and the process's wall time.
#
#   bench/slowdisk.sh [BIN] [SLOW_US] [sync|nosync] [N]
#   (defaults ./sender/hookd-send 20000 sync 20000; concurrency 64)
#
# docs/performance.md, "Issue 13, sender: the ratio on a slow disk".
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-./sender/hookd-send}; US=${2:-20000}; DUR=${3:-sync}; N=${4:-20000}
B=$(mktemp -d /tmp/hookd-bench-slow.XXXXXX)
make -s bench/sender_rx bench/sender_seed
cc -shared -fPIC -O2 -o "$B/slow.so" tests/integration/fsyncshim.c -ldl
./bench/sender_rx > "$B/rx.out" &
RXPID=$!
trap 'kill $RXPID 2>/dev/null || true; rm -rf "$B"' EXIT
while [ ! -s "$B/rx.out" ]; do sleep 0.05; done
URL="http://127.0.0.1:$(head -1 "$B/rx.out")/hook"
cat > "$B/hookd.conf" <<EOC
data_dir = $B/data
admin_token = bench
status_dir = $B/www
allow_private_targets = yes
durability = $DUR
concurrency = 64
per_webhook_concurrency = 64
EOC
mkdir -p "$B/www"
./bench/sender_seed -d "$B/data" -u "$URL" -n "$N" -s 1024 >/dev/null
t0=$(date +%s.%N)
LD_PRELOAD="$B/slow.so" SLOW_US="$US" "$BIN" -c "$B/hookd.conf" --once 2>"$B/send.log"
t1=$(date +%s.%N)
grep 'pass done' "$B/send.log" | sed 's/.*info: /  /'
awk -v a="$t0" -v b="$t1" -v us="$US" -v d="$DUR" 'BEGIN {
	printf "hookd-send --once (%s, fsync +%d us): %.2f s in all\n", d, us, b - a }'
