#!/usr/bin/python3
"""batch_ab.py - make bench's batch part alone, for A/B runs of two builds.

    HOOKD_FCGI=... HOOKD_SEND=... HOOKD_REPL=... HOOKD_BUILD=BUILD \\
        bench/batch_ab.py [nosync] [sync]

One server (bench/intake.py's HOOKD_BENCH_PROCS FastCGI processes behind
lighttpd, one matching webhook), as bench/run.py's batch part: single
POST /v1/events, then POST /v1/events/batch with 100 events, `wrk -t2
-c16 -d5s` each; prints both rates in events/s and their ratio.  Run it
for the two builds in turn, several times, and compare like with like.
"""
import os
import sys

BUILD = os.environ["HOOKD_BUILD"]
sys.path.insert(0, os.path.join(BUILD, "tests", "integration"))
sys.path.insert(0, os.path.join(BUILD, "bench"))
import harness  # noqa: E402
import intake   # noqa: E402
import run      # noqa: E402

ORG = "bench-batch"

for dur in sys.argv[1:] or ["sync"]:
    srv = harness.Server(config={"durability": dur}, procs=intake.HOOKD_PROCS)
    try:
        run.one_hook(srv, ORG)
        one, bad1, _, _ = intake.wrk(srv, intake.event_body(ORG), 5, 16)
        rate, bad, _, _ = intake.wrk(srv, intake.batch_body(ORG, 100), 5, 16,
                                     path="/v1/events/batch")
        print("%s %s: single %.0f events/s, batch x100 %.0f events/s, "
              "ratio %.2f (non-2xx %d/%d)" % (BUILD, dur, one, rate * 100,
                                              rate * 100 / one, bad1, bad),
              flush=True)
    finally:
        srv.stop()
