"""sender_latency.py - loop-mode latency: from POST /v1/events to the
receiver, through the real API (lighttpd + hookd.fcgi) and hookd-send --loop.

    HOOKD_FCGI=... HOOKD_SEND=... python3 bench/sender_latency.py [RATE] [SECONDS] [DURABILITY]

Posts RATE events/s (default 1000) for SECONDS (default 5) from paced
client threads with keep-alive connections, to one webhook at a fast
loopback receiver (bench/sender_rx, C, logs each arrival; HOOKD_BUILD
points at the build dir holding it); latency = arrival at the receiver
minus the moment the POST was sent.  per_webhook_concurrency: $PER_WEBHOOK
(default 4, hookd's default).  Prints p50/p90/p99/max and the
achieved intake rate.  poll_interval is 1 s: only the wake socket makes
latencies far below it.  SEED=N first puts N not-yet-due deliveries into
the store (bench/sender_seed), so the status page written every 10 s has a
big store to walk: run for more than 10 s to see what that costs.
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from harness import Server          # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100.0))]


def main():
    rate = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    dur = sys.argv[3] if len(sys.argv) > 3 else "nosync"
    build = os.environ.get("HOOKD_BUILD", os.path.join(HERE, ".."))
    srv = Server(config={"durability": dur, "concurrency": "64",
                         "per_webhook_concurrency":
                             os.environ.get("PER_WEBHOOK", "4"),
                         "poll_interval": "1s"}, procs=4)
    srv.start()
    arrivals = os.path.join(srv.tmp, "arrivals")
    rxp = subprocess.Popen([os.path.join(build, "bench", "sender_rx"),
                            "-l", arrivals], stdout=subprocess.PIPE, text=True)
    rxport = int(rxp.stdout.readline())
    try:
        app = srv.create_app("org_lat")
        srv.create_webhook(app, "http://localhost:%d/lat" % rxport)
        seed = int(os.environ.get("SEED", "0"))
        if seed > 0:
            subprocess.run([os.path.join(build, "bench", "sender_seed"),
                            "-d", srv.data_dir, "-u",
                            "http://localhost:%d/later" % rxport,
                            "-n", str(seed), "-s", "256", "-a", "86400000",
                            "-N"], check=True, stdout=subprocess.DEVNULL)
        log = open(os.environ.get("SEND_LOG", os.path.join(srv.tmp, "send.log")), "w")
        p = srv.start_sender("--loop", stderr=log)
        time.sleep(0.5)
        sent = {}
        lock = threading.Lock()
        nthreads = 8
        per = rate / nthreads
        total = int(rate * secs)
        body_base = {"type": "user.signin", "org_id": app["org_id"],
                     "app_id": app["id"], "data": {"k": "v"}}

        def client(k):
            conn = http.client.HTTPConnection("127.0.0.1", srv.port)
            n = total // nthreads
            t0 = time.time()
            for i in range(n):
                due = t0 + i / per
                d = due - time.time()
                if d > 0:
                    time.sleep(d)
                eid = "lat_%d_%d" % (k, i)
                b = dict(body_base, id=eid)
                ts = time.time()
                conn.request("POST", "/v1/events", json.dumps(b),
                             {"Authorization": "Bearer " + srv.admin_token,
                              "Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                with lock:
                    sent[eid] = ts

        t0 = time.time()
        ts = [threading.Thread(target=client, args=(k,)) for k in range(nthreads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        took = time.time() - t0
        got = {}
        end = time.time() + 60
        while len(got) < len(sent) and time.time() < end:
            time.sleep(0.2)
            with open(arrivals) as f:
                for line in f:
                    k, _, us = line.strip().partition(" ")
                    if us.isdigit():
                        got.setdefault(k, int(us) / 1e6)
        p.send_signal(signal.SIGTERM)
        p.wait(30)
        lat = [(got[e] - sent[e]) * 1000.0 for e in sent if e in got]
        print("intake: %d events in %.2f s (%.0f/s), durability %s, "
              "per_webhook_concurrency %s; received %d" % (
                  len(sent), took, len(sent) / took, dur,
                  srv.config["per_webhook_concurrency"], len(lat)))
        print("latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f" % (
            pct(lat, 50), pct(lat, 90), pct(lat, 99), max(lat)))
    finally:
        srv.stop()
        rxp.terminate()
        rxp.wait(5)


if __name__ == "__main__":
    main()
