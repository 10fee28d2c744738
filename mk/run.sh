#!/bin/sh
# mk/run.sh - the quick start (`make run`, after deps and the build).
#
# Starts hookd on this machine for a try-out: lighttpd on 127.0.0.1:8080
# with hookd.fcgi (lighttpd's config is etc/lighttpd/hookd-binpath.conf
# with its placeholders filled in) and the status page at /, plus
# `hookd-send --loop` beside it.  Everything lives in ./run/ of the
# checkout: config, admin token, data, status page.  A second run reuses
# them.  Ctrl-C stops what it started.
#
# Environment:
#   HOOKD_PORT         port (default 8080)
#   HOOKD_RUN_DIR      state directory (default ./run of the checkout)
#   HOOKD_FCGI         hookd.fcgi to run (default cgi/hookd.fcgi)
#   HOOKD_SEND         hookd-send to run (default sender/hookd-send)
#   HOOKD_DEMO_PORT    port of the demo receiver in the printed commands (9000)
#
# Stopping: on a terminal, this script runs itself again as a foreground
# job of its own (job control, set -m), so Ctrl-C reaches that job alone:
# make never sees the SIGINT and `make run` ends 0, with no "Interrupt"
# line.  lighttpd and hookd-send each run in a session of their own
# (setsid), so the SIGINT does not reach them either; the script stops
# them itself, with SIGTERM to each one's whole process group.
set -eu

if [ -t 0 ] && [ -z "${HOOKD_RUN_JOB:-}" ]; then
	set -m
	st=0
	HOOKD_RUN_JOB=1 sh "$0" "$@" || st=$?
	exit "$st"
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${HOOKD_PORT:-8080}
RUN=${HOOKD_RUN_DIR:-$ROOT/run}
FCGI=${HOOKD_FCGI:-$ROOT/cgi/hookd.fcgi}
SEND=${HOOKD_SEND:-$ROOT/sender/hookd-send}
DEMO_PORT=${HOOKD_DEMO_PORT:-9000}
LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)

die() {
	echo "run: $*" >&2
	exit 1
}

for p in "$FCGI" "$SEND"; do
	[ -x "$p" ] || die "$p is missing: run 'make' first (or 'make run')"
done
[ -x "$LIGHTTPD" ] || die "lighttpd is missing: apt-get install lighttpd (or 'make deps' as root)"
command -v curl >/dev/null 2>&1 || die "curl is missing: apt-get install curl"
case $PORT in
''|*[!0-9]*) die "HOOKD_PORT must be a number, not '$PORT'" ;;
esac

mkdir -p "$RUN" "$RUN/data" "$RUN/www"
RUN=$(cd "$RUN" && pwd)
CONF=$RUN/hookd.conf

# The admin token: made once, kept for the next runs (the data keeps
# apps and webhooks, so the token that made them stays valid).
if [ ! -s "$RUN/admin_token" ]; then
	(umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' > "$RUN/admin_token")
	echo "run: made a new admin token in $RUN/admin_token"
fi
TOKEN=$(cat "$RUN/admin_token")

# hookd.conf: written once, then yours to edit (a second run keeps it).
if [ ! -f "$CONF" ]; then
	cat > "$CONF" <<EOF
# hookd.conf for the quick start, written by mk/run.sh ('make run').  It is
# kept across runs: edit it freely (hookd.conf(5), etc/hookd.conf has every
# key); delete it to get this one back.

data_dir = $RUN/data
status_dir = $RUN/www
# Relative to this file's directory.
admin_token_file = admin_token

# LOCAL TRY-OUT ONLY: deliveries (and webhook registration) may reach
# loopback and private addresses, so that a receiver on 127.0.0.1 works.
# Never set this on a public service: anyone who can register a webhook
# could make hookd probe your internal network.
allow_private_targets = yes

# One line per delivery attempt on the terminal.
log = stderr
log_level = info
EOF
	echo "run: wrote $CONF"
fi

# lighttpd's config, from the sample, every run (the port may change).
# Everything runs as the user who started this script, so the sample's
# server.username/groupname lines go (lighttpd refuses to "drop" to root).
sed -e "s|@ADDR@|127.0.0.1|g" -e "s|@PORT@|$PORT|g" \
    -e "s|@LIBEXECDIR@/hookd.fcgi|$FCGI|g" \
    -e "s|@LIBEXECDIR@|$(dirname "$FCGI")|g" \
    -e "s|@WWW_USER@|$(id -un)|g" -e "s|@WWW_GROUP@|$(id -gn)|g" \
    -e "s|@HOOKD_CONF@|$CONF|g" -e "s|@STATUS_DIR@|$RUN/www|g" \
    -e "s|@RUNDIR@|$RUN|g" \
    -e '/^server\.username/d' -e '/^server\.groupname/d' \
    "$ROOT/etc/lighttpd/hookd-binpath.conf" > "$RUN/lighttpd.conf"
if grep -n '@[A-Z_]*@' "$RUN/lighttpd.conf" >&2; then
	die "placeholders left in $RUN/lighttpd.conf"
fi

LT_PID=
SEND_PID=
NAP_PID=
STOP_WAIT=20	# s: hookd.conf's timeout (15 s) bounds an attempt in flight

# alive PID: PID, or a process of the group PID leads, is still there (and
# no zombie: an orphan's zombie waits for PID 1, which may be slow to reap).
alive() {
	ps -e -o pid= -o pgid= -o stat= | awk -v p="$1" '($1 == p ||
	    $2 == p) && $3 !~ /^Z/ { found = 1 } END { exit !found }'
}

# stop [STATUS]: end what this script started and exit.  lighttpd and
# hookd-send each lead a process group of their own (setsid below), and
# SIGTERM goes to the whole group: lighttpd and every hookd.fcgi it
# spawned.  lighttpd signals its FastCGI processes once only; one it
# respawned while stopping never gets it and would stay, holding the data
# environment and this terminal's output.  SIGTERM goes to the PID as well
# (a child just started may not lead its group yet) and again every second:
# a signal that comes between a fork and its exec is lost.  What is still
# there after STOP_WAIT s is killed.
stop() {
	trap - INT TERM HUP EXIT
	echo
	echo "run: stopping lighttpd ($LT_PID) and hookd-send ($SEND_PID)"
	[ -z "$NAP_PID" ] || kill "$NAP_PID" 2>/dev/null || true
	# hookd-send finishes the attempts in flight, records them and exits.
	i=0
	while { [ -n "$SEND_PID" ] && alive "$SEND_PID"; } ||
	    { [ -n "$LT_PID" ] && alive "$LT_PID"; }; do
		if [ "$i" -ge $((STOP_WAIT * 10)) ]; then
			echo "run: still running after $STOP_WAIT s: killing" >&2
			for pid in $SEND_PID $LT_PID; do
				kill -KILL "$pid" "-$pid" 2>/dev/null || true
			done
			break
		fi
		if [ $((i % 10)) -eq 0 ]; then
			for pid in $SEND_PID $LT_PID; do
				kill -TERM "$pid" 2>/dev/null || true
				kill -TERM "-$pid" 2>/dev/null || true
			done
		fi
		i=$((i + 1))
		sleep 0.1
	done
	for pid in $SEND_PID $LT_PID; do
		wait "$pid" 2>/dev/null || true
	done
	echo "run: stopped; the data stays in $RUN (run again to continue)"
	exit "${1:-0}"
}
trap 'stop 0' INT TERM HUP
trap 'for pid in $SEND_PID $LT_PID; do kill -TERM "$pid" "-$pid"; done 2>/dev/null || true' EXIT

HOOKD_CONF=$CONF
export HOOKD_CONF
# setsid: a background child of this script is no group leader, so
# setsid execs at once: $! is lighttpd and the leader of its new group.
setsid "$LIGHTTPD" -D -f "$RUN/lighttpd.conf" &
LT_PID=$!

BASE=http://127.0.0.1:$PORT
i=0
until curl -fsS --max-time 2 -o /dev/null "$BASE/v1/health" 2>/dev/null; do
	kill -0 "$LT_PID" 2>/dev/null ||
	    die "lighttpd exited (is port $PORT in use? try HOOKD_PORT=8081 make run)"
	i=$((i + 1))
	[ "$i" -lt 100 ] || die "no answer from $BASE/v1/health after 10 s"
	sleep 0.1
done

setsid "$SEND" -c "$CONF" --loop &
SEND_PID=$!

cat <<EOF

hookd is running.
  API          $BASE/v1/   (health: $BASE/v1/health)
  status page  $BASE/      (written by hookd-send after each pass)
  admin token  $TOKEN
  config       $CONF
               (allow_private_targets = yes: loopback receivers work)
  data         $RUN/data   (kept across runs)
  logs         here: lighttpd, hookd.fcgi and one line per delivery attempt

Try it.  In another terminal:

  # 1. a receiver on 127.0.0.1:$DEMO_PORT that prints each webhook it gets
  python3 $ROOT/mk/receiver.py $DEMO_PORT

  # 2. in a third terminal: create an app, register a webhook, post an event
  export HOOKD=$BASE TOKEN=$TOKEN
  APP=\$(curl -sS -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -d '{"org_id":"demo-org","name":"demo"}' \$HOOKD/v1/apps | python3 -c 'import json,sys; a=json.load(sys.stdin); print(json.dumps(a), file=sys.stderr); print(a["id"])')
  curl -sS -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -d '{"url":"http://127.0.0.1:$DEMO_PORT/hook","events":["*"]}' \$HOOKD/v1/apps/\$APP/webhooks; echo
  curl -sS -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -d '{"type":"user.signin","org_id":"demo-org","user_id":"user-1","data":{"method":"password"}}' \$HOOKD/v1/events; echo

  # 3. the receiver prints the event; its delivery log:
  curl -sS -H "Authorization: Bearer \$TOKEN" \$HOOKD/v1/apps/\$APP/deliveries; echo

  # To check signatures, start the receiver with the webhook's secret:
  #   python3 $ROOT/mk/receiver.py $DEMO_PORT --secret whsec_...
  # Admin's page: $BASE/  (man docs/man/hookd.conf.5, docs/operations.md)

Ctrl-C here stops lighttpd and hookd-send.
EOF

# Wait until Ctrl-C, or until one of the two exits on its own.  "sleep &
# wait" so that a signal is handled at once, not after the sleep.
while kill -0 "$LT_PID" 2>/dev/null && kill -0 "$SEND_PID" 2>/dev/null; do
	sleep 1 &
	NAP_PID=$!
	wait "$NAP_PID" || true
	NAP_PID=
done
kill -0 "$LT_PID" 2>/dev/null || echo "run: lighttpd exited" >&2
kill -0 "$SEND_PID" 2>/dev/null || echo "run: hookd-send exited" >&2
stop 1
