#!/usr/bin/python3
"""recovery.py - how long the next opener spends in recovery after
hookd.fcgi was killed (kill -9, lighttpd too) in the middle of intake,
against the log written since the last checkpoint.

    HOOKD_FCGI=... HOOKD_BUILD=... bench/recovery.py [EVENTS ...]

For each count N (default 5000 20000 50000): a fresh store (nosync, one
FastCGI process, 1 KiB events, one matching webhook), N events posted
through POST /v1/events/batch (100 per request, 4 clients), then SIGKILL
of every FastCGI process and of lighttpd; then the log since the last
checkpoint (db5.3_stat -t / -l) and the wall time of db5.3_recover -h
(normal recovery: what the next opener's DB_REGISTER | DB_RECOVER runs).
Without volume checkpoints (the build before them) the log since the
checkpoint grows with N; with them it stays under about 32 MiB plus what
is written in one check period.
"""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import intake   # noqa: E402

LOG_FILE_BYTES = 10 * 1024 * 1024   # hookd's log file size (db/dbenv.c)


def post_batches(srv, org, n, clients=4):
    body = intake.batch_body(org, 100).encode()
    left = [n // 100]
    lock = threading.Lock()

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        hdr = {"Authorization": "Bearer " + srv.admin_token,
               "Content-Type": "application/json"}
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            c.request("POST", "/v1/events/batch", body, hdr)
            r = c.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError("batch answered %d" % r.status)

    ts = [threading.Thread(target=worker) for _ in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def stat_num(text, label):
    m = re.search(r"^(\d+)\s+%s$" % re.escape(label), text, re.M)
    return int(m.group(1)) if m else None


def log_since_ckp(data):
    """Bytes of log from the last checkpoint's LSN (or the log's start:
    none yet) to the end of the log."""
    t = subprocess.run(["db5.3_stat", "-h", data, "-t"], capture_output=True,
                       text=True).stdout
    m = re.search(r"^(\d+)/(\d+)\s+File/offset for last checkpoint LSN", t, re.M)
    ckp = (int(m.group(1)), int(m.group(2))) if m else (1, 0)
    lg = subprocess.run(["db5.3_stat", "-h", data, "-l"], capture_output=True,
                        text=True).stdout
    f = stat_num(lg, "Current log file number")
    o = stat_num(lg, "Current log file offset")
    if f is None or o is None:
        return None
    return (f - ckp[0]) * LOG_FILE_BYTES + o - ckp[1]


def one(n):
    srv = harness.Server(config={"durability": "nosync", "validate_events": "yes"},
                         procs=1)
    srv.start()
    try:
        org = "rec"
        app = srv.create_app(org, "rec")
        srv.create_webhook(app, "http://127.0.0.1:9/hook", ["user.app.consent.update"])
        t0 = time.time()
        post_batches(srv, org, n)
        took = time.time() - t0
        pids = srv.fcgi_pids()
        for p in pids + [srv.proc.pid]:
            os.kill(p, signal.SIGKILL)
        srv.proc.wait()
        for p in pids:
            while os.path.exists("/proc/%d" % p):
                time.sleep(0.01)
        since = log_since_ckp(srv.data_dir)
        t1 = time.time()
        r = subprocess.run(["db5.3_recover", "-h", srv.data_dir],
                           capture_output=True, text=True)
        rec = time.time() - t1
        print("%7d events in %5.1f s; log since the last checkpoint %s; "
              "db5.3_recover %.2f s%s" % (
                  n, took, "%.1f MiB" % (since / 1048576.0) if since is not None
                  else "?", rec, "" if r.returncode == 0 else " (exit %d: %s)"
                  % (r.returncode, r.stderr.strip()[:200])), flush=True)
    finally:
        srv.proc = None
        srv.stop()


def main():
    counts = [int(x) for x in sys.argv[1:]] or [5000, 20000, 50000]
    for n in counts:
        one(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
