#!/bin/sh
# send.sh - hookd-send throughput, loop latency and idle cost.
#
#   bench/send.sh [N] [CONCURRENCY]        (defaults 20000, 64)
#
# 1. baseline: bench/curlmulti posts N 1 KiB bodies to bench/sender_rx (a
#    fast C keep-alive receiver answering 204) with CONCURRENCY in flight,
#    before and after each hookd-send run;
# 2. hookd-send --once over N due deliveries (seeded straight into a fresh
#    store by bench/sender_seed) to the same receiver, same concurrency,
#    durability sync and nosync; prints deliveries/s and the ratio;
# 3. idle --once over N not-yet-due deliveries: wall time and peak RSS.
# Loop-mode latency through the API is measured by bench/sender_latency.py.
set -eu
cd "$(dirname "$0")/.."
N=${1:-20000}
C=${2:-64}
B=$(mktemp -d /tmp/hookd-bench-send.XXXXXX)
trap 'kill $RXPID 2>/dev/null || true; rm -rf "$B"' EXIT
make -s sender/hookd-send bench/curlmulti bench/sender_rx bench/sender_seed

./bench/sender_rx > "$B/rx.out" &
RXPID=$!
while [ ! -s "$B/rx.out" ]; do sleep 0.05; done
PORT=$(head -1 "$B/rx.out")
URL="http://127.0.0.1:$PORT/hook"

# The baseline runs before and after each hookd-send run; the ratio uses
# the mean of the two (the machine's load drifts).
curlm() { ./bench/curlmulti "$URL" "$N" "$C" 1024 | sed 's/.*: \([0-9]*\) req\/s/\1/'; }
b0=$(curlm)
base=$b0
echo "curlmulti baseline: $base req/s ($N x 1 KiB, concurrency $C)"

for dur in sync nosync; do
	rm -rf "$B/data"
	cat > "$B/hookd.conf" <<EOC
data_dir = $B/data
admin_token = bench
status_dir = $B/www
allow_private_targets = yes
durability = $dur
concurrency = $C
per_webhook_concurrency = $C
EOC
	./bench/sender_seed -d "$B/data" -u "$URL" -n "$N" -s 1024 >/dev/null
	t0=$(date +%s.%N)
	/usr/bin/time -f "%M" -o "$B/rss" ./sender/hookd-send -c "$B/hookd.conf" --once 2>"$B/send.log"
	t1=$(date +%s.%N)
	b1=$(curlm)
	sent=$(grep -c ' attempt ' "$B/send.log" || true)
	# the pass alone, without open, status page and checkpoint
	grep 'pass done' "$B/send.log" | sed 's/.*info: /  /'
	awk -v n="$N" -v s="$sent" -v a="$t0" -v b="$t1" -v b0="$b0" -v b1="$b1" \
	    -v d="$dur" -v rss="$(cat "$B/rss")" 'BEGIN {
		r = n / (b - a); base = (b0 + b1) / 2;
		printf "hookd-send --once (%s): %d attempts, %.2f s, %.0f deliveries/s, ratio %.2fx (curlmulti before/after %d/%d req/s), peak RSS %d KiB\n",
		    d, s, b - a, r, r / base, b0, b1, rss }'
	b0=$b1
done

rm -rf "$B/data"
./bench/sender_seed -d "$B/data" -u "$URL" -n "$N" -s 1024 -a 3600000 >/dev/null
/usr/bin/time -o "$B/idle" -f "idle --once over $N not-yet-due deliveries: %e s, peak RSS %M KiB" \
    ./sender/hookd-send -c "$B/hookd.conf" --once 2>"$B/idle.log"
cat "$B/idle"
