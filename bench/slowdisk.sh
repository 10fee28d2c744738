#!/bin/sh
# slowdisk.sh - hookd-send --once on a simulated slow disk: every fdatasync
# or fsync of a file written since its last sync sleeps SLOW_US
# microseconds first (an LD_PRELOAD shim built here; clean files return at
# once, as on ext4).  Prints the pass line and the process's wall time.
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
cat > "$B/slow.c" <<'EOC'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#define NFD 4096
static volatile char dirty[NFD];
static void mark(int fd) { if (fd >= 0 && fd < NFD) dirty[fd] = 1; }
static void slow(int fd)
{
	const char *e = getenv("SLOW_US");
	long us = e != NULL ? strtol(e, NULL, 10) : 20000;
	struct timespec ts;

	if (fd < 0 || fd >= NFD || !dirty[fd])
		return;
	dirty[fd] = 0;
	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (us % 1000000) * 1000;
	nanosleep(&ts, NULL);
}
#define REAL(ret, name, args) static ret (*real)args; \
	if (real == NULL) real = (ret (*)args)dlsym(RTLD_NEXT, name)
int fdatasync(int fd) { REAL(int, "fdatasync", (int)); slow(fd); return real(fd); }
int fsync(int fd) { REAL(int, "fsync", (int)); slow(fd); return real(fd); }
ssize_t pwrite(int fd, const void *b, size_t n, off_t o)
{ REAL(ssize_t, "pwrite", (int, const void *, size_t, off_t)); mark(fd); return real(fd, b, n, o); }
ssize_t pwrite64(int fd, const void *b, size_t n, off_t o)
{ REAL(ssize_t, "pwrite64", (int, const void *, size_t, off_t)); mark(fd); return real(fd, b, n, o); }
ssize_t write(int fd, const void *b, size_t n)
{ REAL(ssize_t, "write", (int, const void *, size_t)); mark(fd); return real(fd, b, n); }
EOC
cc -shared -fPIC -O2 -o "$B/slow.so" "$B/slow.c" -ldl
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
