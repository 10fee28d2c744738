#!/usr/bin/python3
"""intake.py - POST /v1/events throughput behind lighttpd (1 hookd.fcgi
process with its request threads; the responder in 2 processes),
measured with wrk: a 1 KiB event with one matching webhook,
durability nosync and sync, against bench/responder (the floor: lighttpd +
FastCGI with no work); then the same event fanned out to 100 matching
webhooks (nosync), and bench/store_bench's raw single-writer Berkeley DB
put rates (sync, nosync) in the same run.  It prints the three targets of
issue 3: nosync / responder (>= 0.5), sync / raw sync put rate (>= 1),
deliveries per second at fan-out 100 / raw nosync put rate (>= 0.25).
Usage (bench/intake.sh sets the paths):

    HOOKD_FCGI=... HOOKD_BUILD=... bench/intake.py [SECONDS] [CONNECTIONS]

Also: bench/intake.py --memory N  runs N mixed requests and prints the
FastCGI processes' RssAnon before/after (the flat-memory check at scale).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402

# FastCGI processes of hookd.fcgi behind lighttpd: one, with its request
# threads (fastcgi_threads, default 16) sharing transactions, as the
# samples in etc/ run it.  bench/responder is single-threaded and keeps
# the harness's 2 processes (its best on 2 cores).
HOOKD_PROCS = int(os.environ.get("HOOKD_BENCH_PROCS", "1"))

LUA = """
wrk.method = "POST"
wrk.body = %s
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
"""


def event_body(org):
    """1 KiB: user.app.consent.update valid for its built-in schema (the
    example's fields and a free-form "note" the schema allows)."""
    data = {"scopes": ["location.read", "profile.read"], "granted": ["location.read"],
            "revoked": [], "source": "app", "note": ""}
    body = {"type": "user.app.consent.update", "org_id": org, "user_id": "user-123", "data": data}
    pad = 1024 - len(json.dumps(body))
    data["note"] = "x" * pad
    out = json.dumps(body)
    assert len(out) == 1024, len(out)
    return out


def lua_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def batch_body(org, n=100):
    """POST /v1/events/batch's body: n copies of event_body(org)."""
    return '{"events":[%s]}' % ",".join([event_body(org)] * n)


def batch_run(srv, n, mark, per=100, warmup=5, timeout=300):
    """Start srv with one app of org "bench-batch" and one webhook matching
    event_body's type (a closed port: deliveries stay pending), post warmup
    batches of per events, call mark(), then post n more, one at a time."""
    org = "bench-batch"
    srv.start()
    app = srv.create_app(org, org)
    srv.create_webhook(app, "http://127.0.0.1:9/hook", ["user.app.consent.update"])
    body = batch_body(org, per).encode()
    for i in range(warmup + n):
        if i == warmup:
            mark()
        st, _, ans = srv.request("POST", "/v1/events/batch", body, timeout=timeout)
        if st != 200:
            raise RuntimeError("batch: %d %s" % (st, ans))


def wrk(srv, body, seconds, conns, path="/v1/events"):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % (lua_quote(body), srv.admin_token))
    try:
        r = subprocess.run(["wrk", "-t2", "-c%d" % conns, "-d%ds" % seconds, "-s", f.name,
                            "--latency", "http://%s:%d%s" % (getattr(srv, "host", "127.0.0.1"),
                                                             srv.port, path)],
                           capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(f.name)
    out = r.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    return rate, int(non2xx.group(1)) if non2xx else 0, p50.group(1), p99.group(1)


def run_one(name, fcgi, config, seconds, conns, hooks=1):
    # hookd.conf's default (the harness turns validation off for tests)
    config = dict({"validate_events": "yes"}, **(config or {}))
    srv = harness.Server(config=config, fcgi=fcgi,
                         **({"procs": HOOKD_PROCS} if fcgi == harness.FCGI else {}))
    try:
        srv.start()
        org = "bench-org"
        if fcgi == harness.FCGI:
            app = srv.create_app(org, "bench")
            for i in range(hooks):
                srv.create_webhook(app, "http://127.0.0.1:9/hook%d" % i,
                                   ["user.app.consent.update"])
            st, _, ans = srv.post_event("user.app.consent.update", org)
            assert st == 202 and ans["deliveries"] == hooks, ans
        rate, bad, p50, p99 = wrk(srv, event_body(org), seconds, conns)
        extra = "  %8.0f deliveries/s" % (rate * hooks) if hooks > 1 else ""
        print("%-22s %9.0f req/s  p50 %-8s p99 %-8s non-2xx %d%s"
              % (name, rate, p50, p99, bad, extra))
        return rate
    finally:
        srv.stop()


def raw_puts(seconds):
    """bench/store_bench's raw single-writer put rates (16 KiB pages, as
    the store): {"sync": txn/s, "nosync": txn/s}."""
    prog = os.path.join(os.environ.get("HOOKD_BUILD", "."), "bench", "store_bench")
    with tempfile.TemporaryDirectory(prefix="hookd-raw-") as d:
        out = subprocess.run([prog, "-t", str(seconds), "-d", d], capture_output=True,
                             text=True, timeout=60 * seconds + 120).stdout
    got = {}
    for line in out.splitlines():
        m = re.match(r"raw put 1KiB, (sync|nosync)\s+1\s+16384\s+(\d+)", line)
        if m:
            got[m.group(1)] = float(m.group(2))
    print("raw BDB put, 1 writer    sync %.0f txn/s   nosync %.0f txn/s  (bench/store_bench -t %d)"
          % (got.get("sync", 0), got.get("nosync", 0), seconds))
    return got


def memory(n):
    import test_api_limits  # noqa: F401 (reuses the mixed request set)
    import unittest
    os.environ["HOOKD_MEM_REQUESTS"] = str(n)
    test_api_limits.MemoryTests.N = n
    suite = unittest.defaultTestLoader.loadTestsFromName(
        "test_api_limits.MemoryTests.test_memory_stays_flat_over_many_mixed_requests")
    r = unittest.TextTestRunner(verbosity=2).run(suite)
    return 0 if r.wasSuccessful() else 1


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--memory":
        return memory(int(sys.argv[2]))
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    conns = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    responder = os.path.join(os.environ.get("HOOKD_BUILD", "."), "bench", "responder")
    print("POST /v1/events, 1 KiB body, 1 matching webhook; lighttpd + %d hookd.fcgi "
          "(2 responder) processes; wrk -t2 -c%d -d%ds; %d CPUs"
          % (HOOKD_PROCS, conns, seconds, os.cpu_count()))
    floor = run_one("responder (floor)", responder, None, seconds, conns)
    nosync = run_one("hookd nosync", harness.FCGI, {"durability": "nosync"}, seconds, conns)
    noval = run_one("hookd nosync, no schema", harness.FCGI,
                    {"durability": "nosync", "validate_events": "no"}, seconds, conns)
    sync = run_one("hookd sync", harness.FCGI, {"durability": "sync"}, seconds, conns)
    fan = run_one("hookd nosync, 100 hooks", harness.FCGI, {"durability": "nosync"},
                  seconds, conns, hooks=100)
    raw = raw_puts(max(2, seconds // 3))
    print("ratios: nosync/floor %.2f  sync/floor %.2f  sync/nosync %.2f"
          % (nosync / floor, sync / floor, sync / nosync))
    print("targets: nosync/floor %.2f (>= 0.5)  sync/raw sync put %.2f (>= 1)  "
          "fan-out 100 deliveries/raw nosync put %.2f (>= 0.25)  "
          "validate_events yes/no %.2f (>= 0.9)"
          % (nosync / floor, sync / raw["sync"] if raw.get("sync") else 0,
             fan * 100 / raw["nosync"] if raw.get("nosync") else 0, nosync / noval))
    return 0


if __name__ == "__main__":
    sys.exit(main())
