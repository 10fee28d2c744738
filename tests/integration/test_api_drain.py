"""SIGTERM drain of hookd.fcgi with requests handed over to the group
committer (cgi/fcgi.h, cgi/commit.h): the request thread of a single
event, or of a batch, hands its FastCGI request to the committer and goes
back to accept; the thread that commits the group (for a batch of 64
events or more, the finisher thread) answers it after the flush
(durability = sync).  Stopped while such requests wait, the process
answers every one of them, once, with its own answer, after the durable
commit, exits 0, and every event it acknowledged is in the store after
the restart (docs/operations.md, "Stopping hookd.fcgi").  A request accepted during
the drain gets 503 shutting_down, not the web server's 5xx page.

The group is held open for real: the log flush's fsync waits while a
file exists (tests/integration/fsyncshim.c, SLOW_HOLD), so the test
decides when the commit may end.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from faults import api_deliveries, stored_event_ids

HERE = os.path.dirname(os.path.abspath(__file__))
HOOK = "http://127.0.0.1:9/hook"
N = 9           # requests in hand when SIGTERM comes (1 flushing + 8 queued)
PER_BATCH = 64  # events per batch (the batch test): each a heavy group


def batch_ids(eid):
    return ["%s-%d" % (eid, i) for i in range(PER_BATCH)]


def wait_for(cond, what, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def sock_lines(path):
    """ss lines of the Unix stream sockets bound to path: (state, recv_q)."""
    out = subprocess.run(["ss", "-xan"], capture_output=True, text=True,
                         check=True).stdout
    got = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5 and f[0] == "u_str" and f[4] == path:
            got.append((f[1], int(f[2])))
    return got


def threads_asleep(pid):
    """1 if every thread of pid sleeps (no request being read or
    handled)."""
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
        for t in tasks:
            with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "S":
                    return False
    except OSError:
        return False
    return True


@unittest.skipUnless(shutil.which("ss"), "ss is not installed (iproute2)")
@unittest.skipUnless(shutil.which("cc"), "no C compiler for the fsync shim")
class TestSigtermDrain(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.shimdir = tempfile.mkdtemp(prefix="hookd-drain.")
        cls.shim = os.path.join(cls.shimdir, "fsyncshim.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", cls.shim,
                        os.path.join(HERE, "fsyncshim.c"), "-ldl"],
                       check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.shimdir, ignore_errors=True)

    def setUp(self):
        self.hold = os.path.join(self.shimdir, "hold")
        asan = os.environ.get("ASAN_OPTIONS", "")
        env = {"LD_PRELOAD": self.shim, "SLOW_HOLD": self.hold,
               "ASAN_OPTIONS": (asan + ":" if asan else "") +
               "verify_asan_link_order=0"}
        # one process, 4 request threads: one leads the held group, 2
        # accept, 1 waits to
        self.srv = harness.Server(procs=1, env=env, config={
            "durability": "sync", "fastcgi_threads": "4",
            "log_level": "info"})
        self.srv.start()
        self.addCleanup(self.srv.stop)
        self.addCleanup(self.release)

    def release(self):
        for f in (self.hold, self.hold + ".n"):
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass

    def held(self):
        try:
            with open(self.hold + ".n") as f:
                return f.read().count("\n")
        except FileNotFoundError:
            return 0

    def post(self, org, eid, out):
        """POST one event on a connection of its own; out[eid] = (status,
        headers, body)."""
        try:
            out[eid] = self.srv.post_event("user.signin", org, {"k": eid},
                                           id=eid)
        except Exception as e:      # no answer at all
            out[eid] = ("error: %r" % e, {}, None)

    def post_batch(self, org, eid, out):
        """POST a batch of PER_BATCH events, ids eid-0.., on a connection
        of its own; out[eid] = (status, headers, body)."""
        events = [{"type": "user.signin", "org_id": org, "data": {"k": x},
                   "id": x} for x in batch_ids(eid)]
        try:
            out[eid] = self.srv.request("POST", "/v1/events/batch",
                                        {"events": events})
        except Exception as e:      # no answer at all
            out[eid] = ("error: %r" % e, {}, None)

    def test_sigterm_answers_every_handed_over_request_and_loses_none(self):
        self.drain(self.post)

    def test_sigterm_answers_every_handed_over_batch_and_loses_none(self):
        # 9 batches in hand with 4 request threads: only if each thread
        # hands its batch over and goes back to accept
        self.drain(self.post_batch)

    def drain(self, post):
        srv = self.srv
        org = "org_drain"
        app = srv.create_app(org)
        srv.create_webhook(app, HOOK)
        pid = srv.fcgi_pids()[0]
        path = os.path.join(srv.tmp, "hookd.sock-0")
        self.assertTrue(sock_lines(path), "no socket %s in ss" % path)
        batch = post == self.post_batch

        # the first request's flush is held: its group stays open
        open(self.hold, "w").close()
        got = {}
        ids = ["drain-%02d" % i for i in range(N)]
        posts = [threading.Thread(target=post, args=(org, ids[0], got))]
        posts[0].start()
        wait_for(lambda: self.held() >= 1, "the first flush to be held")
        # 8 more, handed over one by one while the leader waits: queued
        for eid in ids[1:]:
            t = threading.Thread(target=post, args=(org, eid, got))
            t.start()
            posts.append(t)

        def all_in_hand():
            s = sock_lines(path)
            listen = [q for st, q in s if st == "LISTEN"]
            conns = [q for st, q in s if st == "ESTAB"]
            # nothing waits to be accepted, every request was read whole,
            # and no thread is still handling one
            return (listen == [0] and len(conns) == N and
                    not any(conns) and threads_asleep(pid))
        wait_for(all_in_hand, "%d requests in hand" % N)
        self.assertEqual(got, {}, "answered before the flush was let go")

        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: "stopping: finishing %d requests in hand" % N
                 in srv.log(), "the drain to start:\n" + srv.log()[-2000:])
        self.assertTrue(harness._alive(pid), "exited before the commit")
        # accepted by a thread that was asleep in accept: answered at once
        late = {}
        self.post(org, "drain-late", late)
        st, hdr, body = late["drain-late"]
        self.assertEqual(st, 503, body)
        self.assertEqual(body["error"]["code"], "shutting_down", body)
        self.assertEqual(hdr.get("retry-after"), "1")
        self.assertEqual(got, {}, "answered before the flush was let go")
        self.assertTrue(harness._alive(pid), "exited before the commit")

        # let the commits end: every held request gets its own answer
        self.release()
        for t in posts:
            t.join(30)
        for eid in ids:
            st, _, body = got[eid]
            if batch:
                self.assertEqual((st, body), (200, {"data": [
                    {"id": x, "status": 202, "deliveries": 1}
                    for x in batch_ids(eid)]}), eid)
            else:
                self.assertEqual((st, body),
                                 (202, {"id": eid, "deliveries": 1}), eid)
        wait_for(lambda: not harness._alive(pid), "the process to exit")
        wait_for(lambda: "child exited: 0" in srv.log(),
                 "exit status 0:\n" + srv.log()[-2000:], timeout=5)

        # restarted without the shim: every answered event is stored, once,
        # with its delivery; the refused one is not
        srv.env = {}
        srv.restart()
        if batch:
            ids = [x for eid in ids for x in batch_ids(eid)]
        stored = stored_event_ids(srv.data_dir, srv)
        self.assertEqual(stored & set(ids + ["drain-late"]), set(ids))
        for eid in ids:
            st, _, body = srv.post_event("user.signin", org, {"k": eid},
                                         id=eid)
            self.assertEqual((st, body), (200, {"id": eid, "deliveries": 1}))
        self.assertEqual(sorted(d["event_id"] for d in
                                api_deliveries(srv, app["id"])), sorted(ids))


if __name__ == "__main__":
    unittest.main()
