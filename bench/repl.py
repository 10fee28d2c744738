#!/usr/bin/python3
"""repl.py - POST /v1/events throughput of a replication group of three
sites on this machine (127.0.0.2-4, each with lighttpd + 2 FastCGI
processes and hookd-repl; tests/integration/replgroup.py) measured with
wrk against the master's lighttpd, next to a single unreplicated site in
the same run: the 1 KiB event of bench/intake.py with one matching
webhook, validation on, no sender running.  Rows: single site and group
(replication_ack = quorum, and = all), each with durability nosync and
sync.  All three sites share the machine's cores with wrk, so the group's
figure is a floor for three machines.  Usage (bench/repl.sh sets paths):

    HOOKD_FCGI=... HOOKD_SEND=... HOOKD_BUILD=... bench/repl.py [SECONDS] [CONNECTIONS]
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import intake  # noqa: E402
import replgroup  # noqa: E402

ORG = "bench-org"


def prepare(master):
    """The app and webhook; repeated while the group answers 503 (right
    after start a client may still be catching up: with
    replication_ack = all no write is acknowledged until it has)."""
    end = time.time() + 30
    while True:
        st, _, app = master.request("POST", "/v1/apps", {"org_id": ORG, "name": "bench"})
        if st == 201 or time.time() > end:
            break
        time.sleep(0.5)
    assert st == 201, (st, app)
    master.create_webhook(app, "http://127.0.0.1:9/hook", ["user.app.consent.update"])
    st, _, ans = master.post_event("user.app.consent.update", ORG)
    assert st == 202 and ans["deliveries"] == 1, (st, ans)


def single(durability, seconds, conns):
    srv = harness.Server(config={"validate_events": "yes", "durability": durability})
    try:
        srv.start()
        prepare(srv)
        return intake.wrk(srv, intake.event_body(ORG), seconds, conns)
    finally:
        srv.stop()


def group(durability, ack, seconds, conns):
    with replgroup.Group(3, durability=durability, senders=False,
                         config={"validate_events": "yes",
                                 "replication_ack": ack}) as g:
        m = g.start()
        prepare(m)
        return intake.wrk(m, intake.event_body(ORG), seconds, conns)


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    conns = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    print("POST /v1/events, 1 KiB, 1 webhook; wrk -t2 -c%d -d%ds on the master; %d CPUs"
          % (conns, seconds, os.cpu_count()))
    rows = {}
    for durability in ("nosync", "sync"):
        for name, fn in (("single site", lambda: single(durability, seconds, conns)),
                         ("group of 3, quorum", lambda: group(durability, "quorum",
                                                              seconds, conns)),
                         ("group of 3, all", lambda: group(durability, "all",
                                                           seconds, conns))):
            try:
                rate, bad, p50, p99 = fn()
            except AssertionError as e:      # a group that takes no write
                print("%-20s %-7s failed: %s" % (name, durability, str(e)[:200]))
                continue
            rows[(name, durability)] = rate
            print("%-20s %-7s %9.0f req/s  p50 %-8s p99 %-8s non-2xx %d"
                  % (name, durability, rate, p50, p99, bad))
    for durability in ("nosync", "sync"):
        one = rows.get(("single site", durability))
        for name in ("group of 3, quorum", "group of 3, all"):
            if one and (name, durability) in rows:
                print("%s: %s / single site %.3f"
                      % (durability, name, rows[(name, durability)] / one))
    return 0


if __name__ == "__main__":
    sys.exit(main())
