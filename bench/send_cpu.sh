#!/bin/sh
# send_cpu.sh - CPU per delivery (user+sys, all threads) of hookd-send --once
# against bench/curlmulti (run before and after), and the wall ratio.
#   bench/send_cpu.sh [BIN] [N] [CONCURRENCY] [sync|nosync]
# (defaults ./sender/hookd-send 20000 64 nosync).  Build the bench programs
# first (make bench/curlmulti bench/sender_rx bench/sender_seed).
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-./sender/hookd-send}
N=${2:-20000}; C=${3:-64}; DUR=${4:-nosync}
B=$(mktemp -d /tmp/hookd-bench-cpu.XXXXXX)
./bench/sender_rx > "$B/rx.out" &
RXPID=$!
trap 'kill $RXPID 2>/dev/null || true; rm -rf "$B"' EXIT
while [ ! -s "$B/rx.out" ]; do sleep 0.05; done
PORT=$(head -1 "$B/rx.out"); URL="http://127.0.0.1:$PORT/hook"
cat > "$B/hookd.conf" <<EOC
data_dir = $B/data
admin_token = bench
status_dir = $B/www
allow_private_targets = yes
durability = $DUR
concurrency = $C
per_webhook_concurrency = $C
EOC
/usr/bin/time -f "%e %U %S" -o "$B/ct0" ./bench/curlmulti "$URL" "$N" "$C" 1024 >/dev/null
./bench/sender_seed -d "$B/data" -u "$URL" -n "$N" -s 1024 >/dev/null
/usr/bin/time -f "%e %U %S" -o "$B/st" $BIN -c "$B/hookd.conf" --once 2>"$B/send.log"
/usr/bin/time -f "%e %U %S" -o "$B/ct1" ./bench/curlmulti "$URL" "$N" "$C" 1024 >/dev/null
sent=$(grep -c ' attempt ' "$B/send.log" || true)
awk -v n=$N -v s=$sent "BEGIN{split(\"$(cat $B/ct0)\",a,\" \");split(\"$(cat $B/st)\",b,\" \");split(\"$(cat $B/ct1)\",c,\" \");
 cw=(a[1]+c[1])/2; cc=(a[2]+a[3]+c[2]+c[3])/2;
 printf \"attempts %d send: %.2fs wall %.1f us/dlv cpu | curl: %.2fs wall %.1f us cpu | wall ratio %.2f cpu ratio %.2f\n\", s, b[1], (b[2]+b[3])*1e6/n, cw, cc*1e6/n, cw/b[1], cc/(b[2]+b[3]) }"
