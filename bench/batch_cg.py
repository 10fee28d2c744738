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
    try:
        intake.batch_run(srv, n, lambda: subprocess.run(
            ["callgrind_control", "-i", "on"], check=True, capture_output=True),
            per=PER_BATCH)
        subprocess.run(["callgrind_control", "-i", "off"], check=True, capture_output=True)
    finally:
        srv.stop()
    with open(out) as f:
        total = int(re.search(r"^totals: (\d+)", f.read(), re.M).group(1))
    print("%d instructions per batch event (%d events; profile %s)"
          % (total // (n * PER_BATCH), n * PER_BATCH, out))


if __name__ == "__main__":
    main()
