#!/usr/bin/python3
"""run.py - the body of `make bench` (bench/run.sh sets HOOKD_FCGI,
HOOKD_SEND, HOOKD_BUILD).  One run, every figure next to a baseline
measured in the same run:

  store     bench/store_bench: raw Berkeley DB puts (1 KiB, one per txn,
            single writer, sync = fsync per commit, nosync) and hookd's
            event+delivery transaction - the baselines for intake.
  intake    bench/intake.sh: POST /v1/events (1 KiB, 1 matching webhook)
            through lighttpd + 1 hookd.fcgi (16 threads) with wrk, hookd nosync and
            sync, and bench/responder (FastCGI doing nothing) as the floor.
  fanout    here: the same POST with 100 matching webhooks (nosync); rate x
            100 = deliveries created per second, against raw nosync puts.
  batch     here: POST /v1/events/batch with BATCH_N of those events per
            request against POST /v1/events one at a time, back to back on
            the same server, events/s, nosync and sync.
  send      bench/send.sh: hookd-send --once over N due deliveries to
            bench/sender_rx (C, keep-alive, 204) against bench/curlmulti
            (raw libcurl multi) with the same concurrency; idle --once.
  latency   bench/sender_latency.py: POST -> arrival at the receiver with
            hookd-send --loop, ~1,000 events/s, durability nosync and sync.
  crypt     here: encryption_key_file on vs off in the same run: intake
            nosync (wrk, 1 matching webhook) and hookd-send --once over
            SEND_N seeded due deliveries (nosync), each off/on/off/on.
  growth    here: with 0, 100,000 and 1,000,000 deliveries already stored
            (bench/sender_seed, pending, due in 24 h, 10 per 1 KiB event):
            hookd-send --once idle pass (nothing due) wall time and peak
            RSS, data dir size per delivery, intake nosync rate (wrk), the
            FastCGI processes' and lighttpd's peak RSS (VmHWM).

Environment: BENCH_QUICK=1 (smoke run: 1-2 s runs, stores of 0/10k/50k),
BENCH_PERF=1 (perf record the FastCGI processes during wrk and the sender
during --once; prints the top of perf report), BENCH_DIR (scratch dir).
Prints sections as they finish, then the table.  Exit 0 even when a figure
is BELOW its target (it is a measurement, not a test); 1 if a part failed.
"""
import glob
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import intake   # noqa: E402  (wrk(), event_body())

QUICK = os.environ.get("BENCH_QUICK") == "1"
PERF = os.environ.get("BENCH_PERF") == "1"
BUILD = os.environ.get("HOOKD_BUILD", ROOT)
SEND = os.environ.get("HOOKD_SEND", os.path.join(ROOT, "sender", "hookd-send"))

WRK_SECS = 2 if QUICK else 5
WRK_CONNS = 16
STORE_SECS = "0.5" if QUICK else "2"
SEND_N = 2000 if QUICK else 20000
SEND_C = 64
LAT_RATE, LAT_SECS = 1000, (2 if QUICK else 5)
LEVELS = [0, 10000, 50000] if QUICK else [0, 100000, 1000000]
SEED_WEBHOOKS = 10          # deliveries per seeded event
FANOUT = 100
BATCH_N = 100               # events per POST /v1/events/batch

results = {}                # name -> value
notes = []
failed = []


def say(*a):
    print(*a, flush=True)


def bin_(name):
    return os.path.join(BUILD, "bench", name)


def run(cmd, timeout, **kw):
    """Run cmd, echo its output indented, return stdout (raises on error)."""
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       cwd=ROOT, **kw)
    for line in (r.stdout + r.stderr).splitlines():
        say("    " + line)
    say("    (%s: %.1f s, exit %d)" % (os.path.basename(cmd[1] if cmd[0] in
        ("sh", "/usr/bin/python3") else cmd[0]), time.time() - t0, r.returncode))
    if r.returncode != 0:
        raise RuntimeError("%s exited %d" % (" ".join(cmd), r.returncode))
    return r.stdout


def num(pattern, text, what):
    m = re.search(pattern, text, re.M)
    if not m:
        raise RuntimeError("no %s in the output" % what)
    return float(m.group(1))


def vm_hwm(pid):
    """Peak RSS (VmHWM) of a live process in KiB, or 0."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def du(path, pattern="*"):
    return sum(os.path.getsize(p) for p in glob.glob(os.path.join(path, pattern))
               if os.path.isfile(p))


def binaries_settled(timeout=30.0):
    """Wait until hookd.fcgi and hookd-send exist, are executable and were
    not written in the last 2 s: other people's `make` in the same checkout
    relinks them now and then (a run caught mid-link fails with 126)."""
    fcgi = os.environ.get("HOOKD_FCGI", os.path.join(ROOT, "cgi", "hookd.fcgi"))
    end = time.time() + timeout
    while time.time() < end:
        try:
            ok = all(os.access(b, os.X_OK) and time.time() - os.stat(b).st_mtime > 2
                     for b in (fcgi, SEND))
        except OSError:
            ok = False
        if ok:
            return
        time.sleep(0.5)


def part(name, fn):
    """Run one part; on failure wait for the binaries to settle and retry
    once (a concurrent relink), then report and go on with the others."""
    say("\n== %s" % name)
    t0 = time.time()
    for attempt in (1, 2):
        binaries_settled()
        try:
            fn()
            break
        except Exception as e:
            say("    FAILED%s: %s" % (" (retrying once)" if attempt == 1 else "", e))
            if attempt == 2:
                failed.append(name)
    say("    [%s took %.0f s]" % (name, time.time() - t0))


# ---- parts ---------------------------------------------------------------

def p_store(scratch):
    out = run([bin_("store_bench"), "-t", STORE_SECS, "-d", scratch], 300)
    rows = {}
    for line in out.splitlines():
        # case, writers, page, txn/s[, more numeric columns]
        m = re.match(r"^(\D.*?)\s+(\d+)\s+(\d+)\s+([\d.]+)(?:\s+[\d.]+)*\s*$", line)
        if m:
            rows[(m.group(1).strip(), int(m.group(2)))] = float(m.group(4))
    results["raw_sync"] = rows[("raw put 1KiB, sync", 1)]
    results["raw_nosync"] = rows[("raw put 1KiB, nosync", 1)]
    results["hookd_txn_sync"] = rows.get(("hookd event+delivery, sync", 1))
    results["hookd_txn_nosync"] = rows.get(("hookd event+delivery, nosync", 1))


def p_fsync(scratch):
    """The disk's durable-write rate: 4 KiB append + fdatasync, 300 times."""
    fn = os.path.join(scratch, "fsync.test")
    fd = os.open(fn, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    lat = []
    try:
        for _ in range(100 if QUICK else 300):
            os.write(fd, b"x" * 4096)
            t = time.perf_counter()
            os.fdatasync(fd)
            lat.append(time.perf_counter() - t)
    finally:
        os.close(fd)
        os.unlink(fn)
    lat.sort()
    results["fsync_rate"] = len(lat) / sum(lat)
    say("    fdatasync after a 4 KiB append: p50 %.2f ms  p99 %.2f ms  mean %.2f ms = %.0f/s"
        % (lat[len(lat) // 2] * 1e3, lat[len(lat) * 99 // 100] * 1e3,
           sum(lat) / len(lat) * 1e3, results["fsync_rate"]))


def p_intake():
    out = run(["sh", "bench/intake.sh", str(WRK_SECS), str(WRK_CONNS)], 600)
    results["responder"] = num(r"^responder \(floor\)\s+([\d.]+) req/s", out, "floor")
    results["intake_nosync"] = num(r"^hookd nosync\s+([\d.]+) req/s", out, "nosync")
    results["intake_sync"] = num(r"^hookd sync\s+([\d.]+) req/s", out, "sync")
    for k in ("nosync", "sync"):
        m = re.search(r"^hookd %s .*non-2xx (\d+)" % k, out, re.M)
        if m and int(m.group(1)):
            notes.append("intake %s: %s non-2xx answers" % (k, m.group(1)))


def perf_fcgi(srv, tag, secs):
    """perf record -g the FastCGI processes for secs (call during wrk)."""
    pids = ",".join(str(p) for p in srv.fcgi_pids())
    data = os.path.join(srv.tmp, "perf-%s.data" % tag)
    return subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-g", "-q",
                             "-o", data, "-p", pids, "--", "sleep", str(secs)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), data


def perf_report(data, tag, lines=20):
    """Print where the samples are: by program/library, then by symbol."""
    for sort, n in (("dso", 10), ("dso,symbol", lines)):
        r = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                            "-g", "none", "--sort", sort, "--percent-limit", "1"],
                           capture_output=True, text=True, timeout=120)
        say("    -- perf (%s): self time by %s" % (tag, sort))
        shown = 0
        for line in r.stdout.splitlines():
            if line.strip() and not line.startswith("#") and shown < n:
                say("    " + re.sub(r"\s+-\s+-\s*$", "", line.rstrip()))
                shown += 1


def lock_stats(data):
    """(deadlocks, lock waits, lock timeouts) so far in the environment."""
    r = subprocess.run(["db5.3_stat", "-h", data, "-c"], capture_output=True, text=True,
                       timeout=60)
    out = {}
    for line in r.stdout.splitlines():
        v, _, what = line.partition("\t")
        if v.isdigit():
            out[what.strip()] = int(v)
    return (out.get("Number of deadlocks", 0),
            out.get("Lock requests not available due to conflicts, for which we waited", 0),
            out.get("Number of locks that have timed out", 0))


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks (0 if gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return 0
    rest = st[st.rfind(")") + 2:].split()
    return int(rest[11]) + int(rest[12])


def machine_busy():
    """(busy ticks, all ticks) of the whole machine from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def wrk_with_perf(srv, body, tag):
    """wrk against srv; also prints the CPU time per request of the FastCGI
    processes and of lighttpd, and how busy the whole machine was."""
    rec = None
    if PERF:
        rec, data = perf_fcgi(srv, tag, max(1, WRK_SECS - 1))
    pids = srv.fcgi_pids()
    c0 = [cpu_ticks(p) for p in pids] + [cpu_ticks(srv.proc.pid)]
    m0 = machine_busy()
    k0 = resource.getrusage(resource.RUSAGE_CHILDREN)     # wrk is reaped inside
    rate, bad, p50, p99 = intake.wrk(srv, body, WRK_SECS, WRK_CONNS)
    k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c1 = [cpu_ticks(p) for p in pids] + [cpu_ticks(srv.proc.pid)]
    m1 = machine_busy()
    tick = os.sysconf("SC_CLK_TCK")
    n = max(1.0, rate * WRK_SECS)
    fc = sum(c1[:-1]) - sum(c0[:-1])
    lt = c1[-1] - c0[-1]
    busy = (m1[0] - m0[0]) / max(1, m1[1] - m0[1])
    wk = (k1.ru_utime + k1.ru_stime - k0.ru_utime - k0.ru_stime) / n * 1e6
    say("    %s: CPU per request: hookd.fcgi (all) %.0f us, lighttpd %.0f us, wrk %.0f us; "
        "share of the machine's CPU: fcgi %.0f%%, lighttpd %.0f%%, machine busy %.0f%%" % (
            tag, fc / tick / n * 1e6, lt / tick / n * 1e6, wk,
            100.0 * fc / max(1, m1[1] - m0[1]), 100.0 * lt / max(1, m1[1] - m0[1]),
            100.0 * busy))
    results["cpu_" + tag] = (fc / tick / n * 1e6, lt / tick / n * 1e6, 100.0 * busy, wk)
    if rec is not None:
        rec.wait(60)
        perf_report(data, tag)
    return rate, bad, p50, p99


def p_cpu_split():
    """The responder and hookd sync/nosync once more, for the CPU split."""
    responder = bin_("responder")
    for tag, fcgi, cfg in (("responder", responder, None),
                           ("hookd-nosync", None, {"durability": "nosync",
                                                   "validate_events": "yes"}),
                           ("hookd-sync", None, {"durability": "sync",
                                                 "validate_events": "yes"})):
        srv = harness.Server(config=cfg, fcgi=fcgi,
                             **({} if fcgi else {"procs": intake.HOOKD_PROCS}))
        try:
            srv.start()
            org = "bench-cpu"
            if fcgi is None:
                app = srv.create_app(org, "cpu")
                srv.create_webhook(app, "http://127.0.0.1:9/hook",
                                   ["user.app.consent.update"])
            rate, bad, p50, p99 = wrk_with_perf(srv, intake.event_body(org), tag)
            say("    %s: %.0f req/s p50 %s p99 %s non-2xx %d" % (tag, rate, p50, p99, bad))
        finally:
            srv.stop()


def p_fanout():
    srv = harness.Server(config={"durability": "nosync", "validate_events": "yes"},
                         procs=intake.HOOKD_PROCS)
    try:
        srv.start()
        org = "bench-fanout"
        app = srv.create_app(org, "fanout")
        for i in range(FANOUT):
            srv.create_webhook(app, "http://127.0.0.1:9/hook%d" % i,
                               ["user.app.consent.update"])
        st, _, ans = srv.post_event("user.app.consent.update", org)
        if st != 202 or ans.get("deliveries") != FANOUT:
            raise RuntimeError("setup event: %s %s" % (st, ans))
        rate, bad, p50, p99 = wrk_with_perf(srv, intake.event_body(org), "fanout")
        say("    %d matching webhooks: %.0f events/s = %.0f deliveries/s  "
            "p50 %s p99 %s non-2xx %d" % (FANOUT, rate, rate * FANOUT, p50, p99, bad))
        results["fanout_dlv"] = rate * FANOUT
        if bad:
            notes.append("fanout: %d non-2xx answers" % bad)
        results["rss_fcgi_fanout"] = max([vm_hwm(p) for p in srv.fcgi_pids()] + [0])
    finally:
        srv.stop()


def one_hook(srv, org):
    """Start srv with an app of org and one webhook that matches
    intake.event_body's type (a closed port: deliveries stay pending)."""
    srv.start()
    app = srv.create_app(org, org)
    srv.create_webhook(app, "http://127.0.0.1:9/hook", ["user.app.consent.update"])


def p_batch():
    """Events/s: single POSTs, then batches of BATCH_N, same server."""
    for dur in ("nosync", "sync"):
        srv = harness.Server(config={"durability": dur}, procs=intake.HOOKD_PROCS)
        try:
            org = "bench-batch"
            one_hook(srv, org)
            one, bad1, p50, p99 = wrk_with_perf(srv, intake.event_body(org),
                                                "single-" + dur)
            say("    single %s: %.0f events/s p50 %s p99 %s non-2xx %d"
                % (dur, one, p50, p99, bad1))
            rate, bad, p50, p99 = intake.wrk(srv, intake.batch_body(org, BATCH_N),
                                             WRK_SECS, WRK_CONNS,
                                             path="/v1/events/batch")
            say("    batch x%d %s: %.0f req/s = %.0f events/s p50 %s p99 %s "
                "non-2xx %d" % (BATCH_N, dur, rate, rate * BATCH_N, p50, p99, bad))
            results["single_" + dur] = one
            results["batch_" + dur] = rate * BATCH_N
            if bad or bad1:
                notes.append("batch %s: %d + %d non-2xx answers" % (dur, bad1, bad))
        finally:
            srv.stop()


def p_send():
    out = run(["sh", "bench/send.sh", str(SEND_N), str(SEND_C)], 600)
    results["curlmulti"] = num(r"^curlmulti baseline: ([\d.]+) req/s", out, "baseline")
    for d in ("sync", "nosync"):
        results["send_" + d] = num(r"^hookd-send --once \(%s\):.* ([\d.]+) deliveries/s" % d,
                                   out, "send " + d)
        results["rss_send_" + d] = num(r"^hookd-send --once \(%s\):.*peak RSS (\d+) KiB" % d,
                                       out, "rss")
        # the baseline of this row: send.sh's own (it may average curlmulti
        # runs before and after each hookd-send run), else the first one
        m = re.search(r"^hookd-send --once \(%s\):.* ([\d.]+) deliveries/s, ratio ([\d.]+)x"
                      r"(?: \(curlmulti before/after (\d+)/(\d+))?" % d, out, re.M)
        if m and m.group(3):
            results["curl_" + d] = (float(m.group(3)) + float(m.group(4))) / 2
        else:
            results["curl_" + d] = results["curlmulti"]
        m = re.search(r"^hookd-send --once \(%s\): (\d+) attempts" % d, out, re.M)
        if m and int(m.group(1)) != SEND_N:
            notes.append("send %s: %s attempts logged for %d deliveries"
                         % (d, m.group(1), SEND_N))


def p_latency(dur):
    out = run(["/usr/bin/python3", "bench/sender_latency.py", str(LAT_RATE),
               str(LAT_SECS), dur], 300)
    results["lat_p50_" + dur] = num(r"p50 ([\d.]+)", out, "p50")
    results["lat_p99_" + dur] = num(r"p99 ([\d.]+)", out, "p99")
    results["lat_rate_" + dur] = num(r"\(([\d.]+)/s\)", out, "rate")
    sent = num(r"intake: (\d+) events", out, "events")
    got = num(r"received (\d+)", out, "received")
    if got != sent:
        notes.append("latency %s: %d of %d events arrived" % (dur, got, sent))


def p_crypt(scratch):
    """Encryption at rest on vs off, interleaved (off, on, off, on) so that
    a drift of the machine's load hits both: intake nosync through
    lighttpd (wrk) and hookd-send --once over SEND_N seeded deliveries."""
    key = os.path.join(scratch, "crypt.key")
    harness.write_key_file(key, "bench passphrase %s" % os.urandom(8).hex())
    got = {"off": [], "on": []}
    for mode in ("off", "on", "off", "on"):
        srv = harness.Server(config={"durability": "nosync"}, procs=intake.HOOKD_PROCS)
        if mode == "on":
            srv.write_config(encryption_key_file=key)
            srv.passphrase = "set"      # stop() removes what a kill left
        try:
            org = "bench-crypt"
            one_hook(srv, org)
            rate, bad, p50, p99 = wrk_with_perf(srv, intake.event_body(org),
                                                "crypt-" + mode)
            got[mode].append(rate)
            say("    intake nosync, encryption %s: %.0f req/s p50 %s p99 %s "
                "non-2xx %d" % (mode, rate, p50, p99, bad))
        finally:
            srv.stop()
    results["crypt_intake_off"] = sum(got["off"]) / len(got["off"])
    results["crypt_intake_on"] = sum(got["on"]) / len(got["on"])
    rx = subprocess.Popen([bin_("sender_rx")], stdout=subprocess.PIPE, text=True)
    try:
        url = "http://127.0.0.1:%s/hook" % rx.stdout.readline().strip()
        sent = {"off": [], "on": []}
        for mode in ("off", "on", "off", "on"):
            d = os.path.join(scratch, "crypt-send")
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            data = os.path.join(d, "data")
            conf = os.path.join(d, "hookd.conf")
            extra = "encryption_key_file = %s\n" % key if mode == "on" else ""
            write_conf(conf, data, extra)
            seed = [bin_("sender_seed"), "-d", data, "-u", url, "-n", str(SEND_N),
                    "-s", "1024", "-N"] + (["-K", key] if mode == "on" else [])
            run(seed, 600)
            wall, _ = timed_once(conf, os.path.join(d, "send.log"))
            sent[mode].append(SEND_N / wall)
            say("    hookd-send --once, encryption %s: %.0f deliveries/s"
                % (mode, SEND_N / wall))
            if os.path.isdir(data):
                harness.remove_shm(data)
            shutil.rmtree(d, ignore_errors=True)
        results["crypt_send_off"] = sum(sent["off"]) / len(sent["off"])
        results["crypt_send_on"] = sum(sent["on"]) / len(sent["on"])
    finally:
        rx.kill()
        rx.wait()


def write_conf(path, data, extra=""):
    with open(path, "w") as f:
        f.write("data_dir = %s\nadmin_token = %s\nstatus_dir = %s\n"
                "allow_private_targets = yes\ndurability = nosync\n"
                "concurrency = 64\nper_webhook_concurrency = 64\n%s"
                % (data, harness.ADMIN_TOKEN, os.path.join(os.path.dirname(path), "www"),
                   extra))


def timed_once(conf, log):
    """hookd-send --once: (wall seconds, peak RSS KiB)."""
    tfile = log + ".time"
    for _ in range(5):
        t0 = time.time()
        with open(log, "a") as lf:
            r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tfile, SEND, "-c", conf,
                                "--once"], stdout=lf, stderr=lf, timeout=600)
        wall = time.time() - t0
        if r.returncode not in (126, 127):
            break
        # 126/127: the binary could not be run - someone's `make` in the
        # same checkout is relinking it right now; wait and try again
        time.sleep(2)
    if r.returncode != 0:
        raise RuntimeError("hookd-send --once exited %d (see %s)" % (r.returncode, log))
    with open(tfile) as f:
        rss = int(f.read().split()[-1])
    return wall, rss


def p_growth(scratch):
    data = os.path.join(scratch, "grow", "data")
    shutil.rmtree(os.path.join(scratch, "grow"), ignore_errors=True)    # a retry starts over
    os.makedirs(os.path.join(scratch, "grow", "www"))
    conf = os.path.join(scratch, "grow", "hookd.conf")
    write_conf(conf, data)
    log = os.path.join(scratch, "grow", "send.log")
    rxp = subprocess.Popen([bin_("sender_rx")], stdout=subprocess.PIPE, text=True)
    rxport = int(rxp.stdout.readline())
    seeded = 0
    prev_du, prev_lvl = (0, 0), 0   # after the last checkpoint, before seeding
    try:
        for lvl in LEVELS:
            if lvl > seeded:
                t0 = time.time()
                n_events = (lvl - seeded) // SEED_WEBHOOKS
                subprocess.run([bin_("sender_seed"), "-d", data, "-u",
                                "http://127.0.0.1:9/seeded", "-n", str(n_events),
                                "-w", str(SEED_WEBHOOKS), "-s", "1024", "-a", "86400000",
                                "-N"], check=True, stdout=subprocess.DEVNULL, timeout=1200)
                seeded = lvl
                say("    seeded to %d deliveries (%d events x %d webhooks) in %.1f s"
                    % (lvl, n_events, SEED_WEBHOOKS, time.time() - t0))
            os.makedirs(data, exist_ok=True)
            # idle pass: the first --once also checkpoints (removes old logs);
            # the second is the steady idle pass.
            w1, _ = timed_once(conf, log)
            idle = sorted(timed_once(conf, log) for _ in range(3))
            w2, rss = idle[1]       # the median of 3
            tot, dbs = du(data), du(data, "*.db")
            if lvl > 0 and prev_du[0]:
                results["du_per_dlv_%d" % lvl] = ((tot - prev_du[0]) / (lvl - prev_lvl),
                                                  (dbs - prev_du[1]) / (lvl - prev_lvl))
            results["idle_first_%d" % lvl] = w1
            say("    %8d stored: idle --once %.3f s (median of 3; first %.3f s), peak RSS %d KiB; "
                "data dir %.1f MiB (*.db %.1f MiB)" % (lvl, w2, w1, rss, tot / 2**20, dbs / 2**20))
            results["idle_%d" % lvl] = w2
            results["rss_idle_%d" % lvl] = rss
            results["du_%d" % lvl] = (tot, dbs)
            # intake (nosync) on the same store, 1 matching webhook at the
            # fast receiver so the deliveries can be drained afterwards
            srv = harness.Server(config={"durability": "nosync", "validate_events": "yes"},
                                 data_dir=data, procs=intake.HOOKD_PROCS)
            try:
                srv.start()
                org = "bench-grow-%d" % lvl
                app = srv.create_app(org, "grow")
                srv.create_webhook(app, "http://127.0.0.1:%d/grow" % rxport,
                                   ["user.app.consent.update"])
                ls0 = lock_stats(data)
                rate, bad, p50, p99 = wrk_with_perf(srv, intake.event_body(org),
                                                    "intake-%d" % lvl)
                ls1 = lock_stats(data)
                rss_f = max([vm_hwm(p) for p in srv.fcgi_pids()] + [0])
                rss_l = vm_hwm(srv.proc.pid)
            finally:
                srv.stop()
            say("    %8d stored: intake nosync %.0f req/s p50 %s p99 %s non-2xx %d; "
                "hookd.fcgi peak RSS %d KiB, lighttpd %d KiB" % (lvl, rate, p50, p99, bad,
                                                                 rss_f, rss_l))
            say("    %8d stored: during wrk: %d deadlocks, %d lock waits, %d lock timeouts "
                "(db5.3_stat -c)" % (lvl, ls1[0] - ls0[0], ls1[1] - ls0[1], ls1[2] - ls0[2]))
            results["deadlocks_%d" % lvl] = (ls1[0] - ls0[0], int(rate * WRK_SECS))
            results["grow_intake_%d" % lvl] = rate
            results["rss_fcgi_%d" % lvl] = rss_f
            results["rss_lighttpd_%d" % lvl] = rss_l
            # drain what intake created, so the next idle pass has nothing due
            dlog = os.path.join(scratch, "grow", "drain-%d.log" % lvl)
            if PERF and lvl == LEVELS[-1]:
                pdata = os.path.join(scratch, "perf-drain.data")
                subprocess.run(["perf", "record", "-e", "cpu-clock", "-g", "-q", "-o",
                                pdata, "--", SEND, "-c", conf, "--once"],
                               stdout=subprocess.DEVNULL, stderr=open(dlog, "w"),
                               timeout=600)
                perf_report(pdata, "drain --once at %d" % lvl)
            else:
                wall, _ = timed_once(conf, dlog)
                with open(dlog, errors="replace") as f:
                    sent = sum(1 for line in f if " attempt " in line)
                say("    %8d stored: drained the intake's %d deliveries in %.1f s "
                    "(%.0f deliveries/s)" % (lvl, sent, wall, sent / wall))
                results["drain_%d" % lvl] = sent / wall
            prev_du, prev_lvl = (du(data), du(data, "*.db")), lvl
        if PERF:
            # the idle pass at the largest level, under perf
            pdata = os.path.join(scratch, "perf-idle.data")
            subprocess.run(["perf", "record", "-e", "cpu-clock", "-g", "-q", "-o", pdata,
                            "--", SEND, "-c", conf, "--once"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=600)
            perf_report(pdata, "idle --once at %d" % LEVELS[-1])
    finally:
        rxp.send_signal(signal.SIGTERM)
        try:
            rxp.wait(5)
        except subprocess.TimeoutExpired:
            rxp.kill()
            rxp.wait(5)


def p_perf_send(scratch):
    """perf record hookd-send --once over SEND_N due deliveries."""
    d = os.path.join(scratch, "psend")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "www"))
    rxp = subprocess.Popen([bin_("sender_rx")], stdout=subprocess.PIPE, text=True)
    try:
        port = int(rxp.stdout.readline())
        write_conf(os.path.join(d, "hookd.conf"), os.path.join(d, "data"))
        subprocess.run([bin_("sender_seed"), "-d", os.path.join(d, "data"), "-u",
                        "http://127.0.0.1:%d/hook" % port, "-n", str(SEND_N), "-N"],
                       check=True, stdout=subprocess.DEVNULL, timeout=600)
        pdata = os.path.join(d, "perf.data")
        subprocess.run(["perf", "record", "-e", "cpu-clock", "-g", "-q", "-o", pdata,
                        "--", SEND, "-c", os.path.join(d, "hookd.conf"), "--once"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        perf_report(pdata, "hookd-send --once, %d due, nosync" % SEND_N)
    finally:
        rxp.send_signal(signal.SIGTERM)
        rxp.wait(5)


# ---- the table --------------------------------------------------------------

def table():
    R = results.get
    rows = []    # (figure, value, unit, baseline name, baseline, ratio, target, verdict)

    def ratio_row(name, key, unit, bname, bkey, target):
        v, b = R(key), R(bkey)
        if v is None or b is None or b == 0:
            rows.append((name, v, unit, bname, b, None, ">= %.2fx" % target if target else "-",
                         "n/a"))
            return
        r = v / b
        rows.append((name, v, unit, bname, b, r,
                     ">= %.2fx" % target if target is not None else "-",
                     ("PASS" if r >= target else "BELOW") if target is not None else "-"))

    ratio_row("intake nosync", "intake_nosync", "req/s", "responder", "responder", 0.5)
    ratio_row("intake nosync", "intake_nosync", "req/s", "raw put nosync", "raw_nosync", None)
    ratio_row("intake sync", "intake_sync", "req/s", "raw put sync (1 wr)", "raw_sync", 1.0)
    ratio_row("intake sync", "intake_sync", "req/s", "responder", "responder", None)
    ratio_row("intake sync", "intake_sync", "req/s", "fdatasync/s (disk)", "fsync_rate", None)
    ratio_row("store txn sync", "hookd_txn_sync", "txn/s", "raw put sync (1 wr)", "raw_sync", None)
    ratio_row("store txn nosync", "hookd_txn_nosync", "txn/s", "raw put nosync", "raw_nosync",
              None)
    ratio_row("fan-out x%d" % FANOUT, "fanout_dlv", "dlv/s", "raw put nosync", "raw_nosync",
              0.25)
    for d in ("nosync", "sync"):
        ratio_row("batch intake x%d %s" % (BATCH_N, d), "batch_" + d, "ev/s",
                  "single intake %s" % d, "single_" + d, 5.0)
    ratio_row("send --once sync", "send_sync", "dlv/s", "curl multi c%d" % SEND_C, "curl_sync",
              0.5)
    ratio_row("send --once nosync", "send_nosync", "dlv/s", "curl multi c%d" % SEND_C,
              "curl_nosync", 0.5)
    ratio_row("intake, encrypted", "crypt_intake_on", "req/s", "same, plaintext",
              "crypt_intake_off", None)
    ratio_row("send --once, encrypted", "crypt_send_on", "dlv/s", "same, plaintext",
              "crypt_send_off", None)
    for d in ("nosync", "sync"):
        for p, lim in (("p50", 50.0), ("p99", 250.0)):
            v = R("lat_%s_%s" % (p, d))
            rows.append(("loop latency %s %s" % (d, p), v, "ms",
                         "at %s ev/s" % ("%.0f" % R("lat_rate_" + d) if R("lat_rate_" + d)
                                         else "?"), None, None, "< %.0f ms" % lim,
                         "n/a" if v is None else ("PASS" if v < lim else "BELOW")))
    base0 = R("grow_intake_0")
    for lvl in LEVELS:
        v = R("grow_intake_%d" % lvl)
        rows.append(("intake nosync @%d" % lvl, v, "req/s", "same @0", base0,
                     v / base0 if v and base0 else None, "-", "-"))
    d0 = R("drain_0")
    for lvl in LEVELS:
        v = R("drain_%d" % lvl)
        rows.append(("send drain @%d" % lvl, v, "dlv/s", "same @0", d0,
                     v / d0 if v and d0 else None, "-", "-"))
    idle0 = R("idle_0")
    for lvl in LEVELS:
        v = R("idle_%d" % lvl)
        rows.append(("idle --once @%d" % lvl, v * 1000 if v is not None else None, "ms",
                     "same @0", idle0 * 1000 if idle0 else None,
                     v / idle0 if v and idle0 else None, "-", "-"))
    for lvl in LEVELS[1:]:
        v = R("idle_first_%d" % lvl)
        rows.append(("1st idle after seed @%d" % lvl, v * 1000 if v is not None else None,
                     "ms", "(checkpoint)", None, None, "-", "-"))

    def fmt(x, unit=""):
        if x is None:
            return "n/a"
        if unit == "ms":
            return "%.1f" % x
        return "%.0f" % x if x >= 10 else "%.2f" % x

    say("\n== results (%s run, %d CPUs, load average at end %s)" % (
        "QUICK" if QUICK else "full", os.cpu_count(),
        open("/proc/loadavg").read().split()[0]))
    say("%-24s %10s %-6s %-22s %10s %7s %-10s %s" % (
        "figure", "value", "unit", "baseline", "base", "ratio", "target", "verdict"))
    for name, v, unit, bname, b, r, tgt, verdict in rows:
        say("%-24s %10s %-6s %-22s %10s %7s %-10s %s" % (
            name, fmt(v, unit), unit, bname, fmt(b, unit),
            "%.2fx" % r if r is not None else "-", tgt, verdict))

    say("\nstore size (data dir after a checkpoint; seeded %d deliveries per 1 KiB "
        "event; total = *.db + logs + __db.* regions):" % SEED_WEBHOOKS)
    for lvl in LEVELS:
        d, per = R("du_%d" % lvl), R("du_per_dlv_%d" % lvl)
        if d:
            say("  @%-8d total %7.1f MiB  *.db %7.1f MiB%s" % (
                lvl, d[0] / 2**20, d[1] / 2**20,
                "  added per seeded delivery: total %.0f B, *.db %.0f B" % per
                if per else ""))
    say("peak RSS (KiB):")
    for lvl in LEVELS:
        say("  @%-8d hookd.fcgi %s  lighttpd %s  hookd-send idle --once %s" % (
            lvl, R("rss_fcgi_%d" % lvl), R("rss_lighttpd_%d" % lvl), R("rss_idle_%d" % lvl)))
    say("  hookd.fcgi during fan-out x%d: %s;  hookd-send --once over %d due: sync %s, "
        "nosync %s" % (FANOUT, R("rss_fcgi_fanout"), SEND_N, fmt(R("rss_send_sync")),
                       fmt(R("rss_send_nosync"))))
    say("CPU time per request during wrk (us; FastCGI processes summed, lighttpd, wrk; "
        "machine busy = all CPUs, all users):")
    for k in sorted(x for x in results if x.startswith("cpu_")):
        f, lt, busy, wk = results[k]
        say("  %-16s hookd.fcgi %5.0f  lighttpd %4.0f  wrk %4.0f  machine busy %3.0f%%" % (
            k[4:], f, lt, wk, busy))
    for lvl in LEVELS:
        d = R("deadlocks_%d" % lvl)
        if d:
            say("deadlocks between the FastCGI writers during intake @%d: %d (in ~%d "
                "requests)" % (lvl, d[0], d[1]))
    for n in notes:
        say("note: " + n)
    if failed:
        say("FAILED parts: " + ", ".join(failed))


def main():
    t0 = time.time()
    own = "BENCH_DIR" not in os.environ
    scratch = os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="hookd-bench-")
    os.makedirs(scratch, exist_ok=True)
    say("make bench: %s run, %d CPUs, load average %s, scratch %s" % (
        "QUICK" if QUICK else "full", os.cpu_count(),
        " ".join(open("/proc/loadavg").read().split()[:3]), scratch))
    try:
        part("disk: fdatasync rate", lambda: p_fsync(scratch))
        part("store: raw BDB vs hookd's write", lambda: p_store(scratch))
        part("intake: wrk vs responder", p_intake)
        part("intake CPU split (responder, hookd nosync, sync)", p_cpu_split)
        part("fan-out: %d matching webhooks" % FANOUT, p_fanout)
        part("batch intake: %d per request vs single" % BATCH_N, p_batch)
        part("send: hookd-send --once vs curl multi", p_send)
        if PERF:
            part("perf: hookd-send --once", lambda: p_perf_send(scratch))
        part("encryption at rest: on vs off", lambda: p_crypt(scratch))
        part("loop latency (nosync)", lambda: p_latency("nosync"))
        part("loop latency (sync)", lambda: p_latency("sync"))
        part("growth: %s deliveries stored" % ", ".join(str(x) for x in LEVELS),
             lambda: p_growth(scratch))
        table()
    finally:
        if own:
            shutil.rmtree(scratch, ignore_errors=True)
    say("make bench took %.0f s" % (time.time() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
