#!/usr/bin/python3
"""batch_log.py - what POST /v1/events/batch writes to the log, by record
type (deterministic, unlike anything timed on a shared machine).

    HOOKD_FCGI=... HOOKD_BUILD=... bench/batch_log.py [BATCHES]

A fresh nosync store behind lighttpd (one FastCGI process), one app with
one webhook matching bench/intake.py's 1 KiB event; 5 batches of 100 of
those events as warm-up, then BATCHES (default 20) more, one at a time.
db5.3_printlog over the log written by those: records and bytes per event
for each record type (a record's size is the distance to the next one in
the same log file; the last record of each file is left out).
"""
import collections
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import intake   # noqa: E402

PER_BATCH = 100


def log_pos(data_dir):
    """(file number, offset) of the end of the log, from db5.3_stat -l."""
    out = subprocess.run(["db5.3_stat", "-h", data_dir, "-l"], check=True,
                         capture_output=True, text=True).stdout
    f = int(re.search(r"(\d+)\s+Current log file number", out).group(1))
    o = int(re.search(r"(\d+)\s+Current log file offset", out).group(1))
    return f, o


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    srv = harness.Server(config={"durability": "nosync"}, procs=1)
    marks = []
    try:
        intake.batch_run(srv, n, lambda: marks.append(log_pos(srv.data_dir)),
                         per=PER_BATCH)
        start = marks[0]
        out = subprocess.run(["db5.3_printlog", "-h", srv.data_dir], check=True,
                             capture_output=True, text=True).stdout
    finally:
        srv.stop()
    recs = sorted((int(m.group(1)), int(m.group(2)), m.group(3)) for m in
                  re.finditer(r"^\[(\d+)\]\[(\d+)\](\w+):", out, re.M))
    count, size = collections.Counter(), collections.Counter()
    for i, (f, o, kind) in enumerate(recs[:-1]):
        if (f, o) >= start and recs[i + 1][0] == f:
            count[kind] += 1
            size[kind] += recs[i + 1][1] - o
    ev = n * PER_BATCH
    print("%d batch events: %.0f log bytes and %.1f records per event"
          % (ev, sum(size.values()) / ev, sum(count.values()) / ev))
    for kind, b in size.most_common():
        print("  %-20s %6.2f records %6.0f bytes per event" % (kind, count[kind] / ev, b / ev))


if __name__ == "__main__":
    main()
