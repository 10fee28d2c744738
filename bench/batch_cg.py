#!/usr/bin/python3
"""batch_cg.py - instructions per batch event (callgrind): deterministic,
unlike anything timed on a shared machine.

    HOOKD_FCGI=... HOOKD_BUILD=... bench/batch_cg.py OUT [BATCHES]

hookd.fcgi runs as lighttpd's FastCGI program under valgrind --tool=
callgrind --instr-atstart=no (one process, through a wrapper script next
to OUT); a fresh nosync store, one app with one webhook matching
bench/intake.py's 1 KiB event.  5 batches of 100 of those events as
warm-up, then instrumentation on (callgrind_control -i on) for BATCHES
(default 10) more, one at a time.  Prints the instructions per event;
the profile is OUT (callgrind_annotate OUT; --inclusive=yes for the
callers' totals).

    HOOKD_FCGI=... HOOKD_BUILD=... bench/batch_cg.py OUT N single

The same for single POST /v1/events: 50 posts of warm-up, then N.
"""
import os
import re
import stat
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import intake   # noqa: E402

PER_BATCH = 100


def main():
    out = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    wrapper = out + ".sh"
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec valgrind --tool=callgrind --instr-atstart=no "
                "--callgrind-out-file=%s %s \"$@\"\n" % (out, harness.FCGI))
    os.chmod(wrapper, stat.S_IRWXU)
    srv = harness.Server(config={"durability": "nosync"}, procs=1, fcgi=wrapper)
    single = len(sys.argv) > 3 and sys.argv[3] == "single"
    mark = lambda: subprocess.run(  # noqa: E731
        ["callgrind_control", "-i", "on"], check=True, capture_output=True)
    try:
        if single:
            single_run(srv, n, mark)
        else:
            intake.batch_run(srv, n, mark, per=PER_BATCH)
        subprocess.run(["callgrind_control", "-i", "off"], check=True, capture_output=True)
    finally:
        srv.stop()
    with open(out) as f:
        total = int(re.search(r"^totals: (\d+)", f.read(), re.M).group(1))
    events = n if single else n * PER_BATCH
    print("%d instructions per %s event (%d events; profile %s)"
          % (total // events, "single" if single else "batch", events, out))


def single_run(srv, n, mark, warmup=50):
    """batch_run's store and webhook, then single posts."""
    org = "bench-batch"
    srv.start()
    app = srv.create_app(org, org)
    srv.create_webhook(app, "http://127.0.0.1:9/hook", ["user.app.consent.update"])
    body = intake.event_body(org).encode()
    for i in range(warmup + n):
        if i == warmup:
            mark()
        st, _, ans = srv.request("POST", "/v1/events", body)
        if st != 202:
            raise RuntimeError("single: %d %s" % (st, ans))


if __name__ == "__main__":
    main()
