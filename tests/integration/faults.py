"""faults.py - shared tools for the crash and fault tests (test_fault_*.py).

Standard library only; builds on harness.py and receiver.py.

    load = IntakeLoad(srv, make_body, ids, threads=4)   # keep-alive clients
    killer = Killer(lambda: srv.fcgi_pids(), (0.05, 0.3))
    killer.start(); load.run(); killer.stop()
    load.outcome[id]       -> HTTP status, or "error: ..." when no answer
    api_deliveries(srv, app_id)  -> every delivery of an app (all pages)
    stored_event_ids(data_dir, srv=None) -> ids of the events in events.db
    Tmpfs(size="12m")            -> a tmpfs mount (root only), umount()
    RawServer(behaviour)         -> a loopback TCP server that misbehaves

Every process or mount made here is undone by its owner's stop/close.
"""

import http.client
import json
import os
import random
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

import harness

SLOW = os.environ.get("HOOKD_SLOW") == "1"


# ---- intake load --------------------------------------------------------
class IntakeLoad:
    """POST /v1/events for each id in ids with `threads` keep-alive
    clients.  make_body(id) -> dict.  outcome[id] is the HTTP status of
    the answer (with answer[id] its parsed body), or a string starting
    with "error" when the connection broke before an answer.  A broken
    connection is replaced by a new one.  An event without a 2xx answer is
    posted again with the same id (the idempotency key), up to `tries`
    times in all, `pause` seconds apart, as a careful client would;
    outcome/answer then hold the last try.  dup_answers counts 200s (the
    id was already stored: an earlier try committed)."""

    def __init__(self, srv, make_body, ids, threads=4, timeout=20, tries=1,
                 pause=0.05):
        self.srv = srv
        self.tries = tries
        self.pause = pause
        self.attempts = 0
        self.failed_attempts = 0
        self.dup_answers = 0
        self.make_body = make_body
        self.ids = list(ids)
        self.threads = threads
        self.timeout = timeout
        self.outcome = {}
        self.answer = {}
        self.lock = threading.Lock()
        self.hung = 0           # tries that got no answer in `timeout`
        self.seen = {}          # result of every try -> count
        self.bad = []           # (id, status, body) of 4xx answers

    def _conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.srv.port,
                                          timeout=self.timeout)

    def _worker(self, ids):
        conn = self._conn()
        hdr = {"Authorization": "Bearer " + self.srv.admin_token,
               "Content-Type": "application/json"}
        for eid in ids:
            data = json.dumps(self.make_body(eid)).encode()
            for _ in range(self.tries):
                conn, res = self._try(conn, hdr, eid, data)
                if res in (200, 202) or time.time() > self.deadline:
                    break
                with self.lock:
                    self.failed_attempts += 1
                time.sleep(self.pause)
        conn.close()

    def _try(self, conn, hdr, eid, data):
        """One POST on conn (replaced when it broke); (conn, result)."""
        parsed = None
        try:
            conn.request("POST", "/v1/events", body=data, headers=hdr)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw
            res = resp.status
            if resp.will_close:
                conn.close()
                conn = self._conn()
        except socket.timeout:
            res = "error: timeout"
            conn.close()
            conn = self._conn()
        except (OSError, http.client.HTTPException) as e:
            res = "error: %s" % type(e).__name__
            conn.close()
            conn = self._conn()
        with self.lock:
            self.attempts += 1
            self.seen[res] = self.seen.get(res, 0) + 1
            if res == "error: timeout":
                self.hung += 1
            if isinstance(res, int) and res not in (200, 202) and res < 500:
                self.bad.append((eid, res, parsed))
            self.outcome[eid] = res
            self.answer[eid] = parsed
            if res == 200:
                self.dup_answers += 1
        return conn, res

    def run(self, deadline=120.0):
        """Post everything; no retries after `deadline` seconds."""
        self.deadline = time.time() + deadline
        parts = [self.ids[i::self.threads] for i in range(self.threads)]
        ts = [threading.Thread(target=self._worker, args=(p,)) for p in parts]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return self

    def acked(self):
        """ids whose answer was 202 or 200 (acknowledged)."""
        return [i for i, s in self.outcome.items() if s in (200, 202)]

    def counts(self):
        """Final result of each event -> number of events."""
        out = {}
        for s in self.outcome.values():
            out[s] = out.get(s, 0) + 1
        return out


# ---- killing ------------------------------------------------------------
class Killer:
    """A thread that SIGKILLs processes at random moments: every
    uniform(*interval) seconds, one random PID of pids() (or all of them
    with probability all_prob).  With full=N it strikes only while N
    processes are alive (lets a respawning server serve between blows).
    kills counts the signals sent."""

    def __init__(self, pids, interval=(0.05, 0.3), all_prob=0.2, seed=None,
                 full=0):
        self.pids = pids
        self.full = full
        self.interval = interval
        self.all_prob = all_prob
        self.rng = random.Random(seed)
        self.kills = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stopping.wait(self.rng.uniform(*self.interval)):
            pids = [p for p in self.pids() if harness._alive(p)]
            if not pids or len(pids) < self.full:
                continue
            if self.rng.random() >= self.all_prob:
                pids = [self.rng.choice(pids)]
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    self.kills += 1
                except ProcessLookupError:
                    pass

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join()


def wait_procs(srv, n, timeout=10.0):
    """Wait until srv has n live FastCGI processes; True if it has."""
    end = time.time() + timeout
    while time.time() < end:
        if len([p for p in srv.fcgi_pids() if harness._alive(p)]) >= n:
            return True
        time.sleep(0.05)
    return False


# ---- reading the store --------------------------------------------------
def api_get(srv, path, timeout=30):
    st, _, body = srv.request("GET", path, timeout=timeout)
    if st != 200:
        raise AssertionError("GET %s: %s %r" % (path, st, body))
    return body


def api_deliveries(srv, app_id, **query):
    """Every delivery of app_id (all pages, limit 250)."""
    out, cursor = [], None
    while True:
        q = dict(query, limit=250)
        if cursor:
            q["cursor"] = cursor
        qs = "&".join("%s=%s" % kv for kv in q.items())
        body = api_get(srv, "/v1/apps/%s/deliveries?%s" % (app_id, qs))
        out += body["data"]
        cursor = body.get("next_cursor")
        if not cursor:
            return out


def stored_event_ids(data_dir, srv=None):
    """The ids of every event in events.db (key: the id and a NUL).

    With srv (a live server): db5.3_dump joins the live environment, and
    after SIGKILLs the region it joins may be one a recovery has just
    marked panicked (the API processes reopen on their next store call).
    Then ask the API something that uses the store, so that they do, and
    read again (up to 15 s)."""
    deadline = time.monotonic() + 15
    while True:
        try:
            return {k.rstrip(b"\0").decode() for k, _ in
                    harness.db_records(data_dir, "events.db")}
        except RuntimeError as e:
            if (srv is None or "run recovery" not in str(e)
                    or time.monotonic() > deadline):
                raise
        srv.request("GET", "/v1/apps")
        time.sleep(0.3)


def db_verify(data_dir):
    """db5.3_verify every database of a stopped environment; returns
    (ok, output)."""
    out, ok = "", True
    for name in sorted(os.listdir(data_dir)):
        if not name.endswith(".db"):
            continue
        r = subprocess.run(["db5.3_verify", "-h", data_dir] +
                           harness.tool_key_args(data_dir) + [name],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            ok = False
            out += "%s: %s%s" % (name, r.stdout, r.stderr)
    return ok, out


# ---- tmpfs --------------------------------------------------------------
class Tmpfs:
    """A tmpfs of `size` mounted on a new temp dir (root only).
    resize("64m") remounts it bigger; umount() undoes it and removes the
    dir."""

    def __init__(self, size="12m"):
        self.path = tempfile.mkdtemp(prefix="hookd-tmpfs-")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size,
                        "tmpfs", self.path], check=True, capture_output=True)
        self.mounted = True

    def resize(self, size):
        subprocess.run(["mount", "-o", "remount,size=%s" % size, self.path],
                       check=True, capture_output=True)

    def free_kb(self):
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize // 1024

    def umount(self):
        if self.mounted:
            for _ in range(50):
                r = subprocess.run(["umount", self.path], capture_output=True)
                if r.returncode == 0:
                    break
                time.sleep(0.1)
            self.mounted = False
            os.rmdir(self.path)


def can_mount():
    return hasattr(os, "geteuid") and os.geteuid() == 0


# ---- a receiver that misbehaves at the socket level ---------------------
class RawServer:
    """A TCP server on 127.0.0.1 that reads the request head and then does
    what `behaviour` says, one thread per connection:

      "silent"      accept, read, never answer (keeps the socket open)
      "drip"        answer one byte a second, forever
      "reset"       send half a status line, then RST (SO_LINGER 0, close)
      "garbage"     answer bytes that are not HTTP, then close
      "headers_eof" send a complete head promising a body, then close
      "eof"         close right after reading the request head

    conns counts accepted connections.  close() stops it and drops every
    connection."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.conns = 0
        self.socks = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(64)
        self.ls.settimeout(0.1)
        self.port = self.ls.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def _accept(self):
        while not self.stopping.is_set():
            try:
                s, _ = self.ls.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.conns += 1
                self.socks.append(s)
            threading.Thread(target=self._serve, args=(s,), daemon=True).start()

    def _read_head(self, s):
        s.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        return data

    def _serve(self, s):
        self._read_head(s)
        b = self.behaviour
        try:
            if b == "silent":
                self.stopping.wait(60)
            elif b == "drip":
                msg = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                for i in range(len(msg)):
                    if self.stopping.wait(1.0):
                        break
                    s.sendall(msg[i:i + 1])
                    # after the message, keep dripping nothing useful
                while not self.stopping.wait(1.0):
                    s.sendall(b" ")
            elif b == "reset":
                s.sendall(b"HTTP/1.1 20")
                time.sleep(0.05)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
                s.close()
            elif b == "garbage":
                s.sendall(b"\x00\xffSSH-2.0-nonsense \x1b[31m\r\n\r\nxx\r\n")
                s.shutdown(socket.SHUT_WR)
                self.stopping.wait(0.5)
            elif b == "eof":
                pass
            elif b == "headers_eof":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n"
                          b"Content-Type: text/plain\r\n\r\n")
                s.shutdown(socket.SHUT_WR)
                self.stopping.wait(0.5)
            else:
                raise ValueError(b)
        except OSError:
            pass
        finally:
            try:
                s.close()
            except OSError:
                pass

    def close(self):
        self.stopping.set()
        try:
            self.ls.close()
        except OSError:
            pass
        with self.lock:
            for s in self.socks:
                try:
                    s.close()
                except OSError:
                    pass
        self.thread.join(2)


class Backlogged:
    """A port whose listen queue is full and never accepted: a connect to
    it gets no SYN-ACK (loopback drops the SYN), so it ends by the
    sender's connect_timeout.  close() frees it."""

    def __init__(self):
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(0)
        self.port = self.ls.getsockname()[1]
        self.fillers = []
        for _ in range(4):             # fill the queue
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setblocking(False)
            try:
                c.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            self.fillers.append(c)
        time.sleep(0.1)

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        for c in self.fillers:
            c.close()
        self.ls.close()
