"""hookd-send --once rides out a store that refuses writes for a moment:
outcomes that cannot be committed are retried RUN_FLUSH_RETRY_MS (1 s)
apart and --once gives up only after RUN_FLUSH_FAILS_MAX (5) failures in
a row, i.e. after ~5 s, not within a few ms (FAILS at 0e40e82: the batch
rides along with every pick round, so a failed commit is retried at once,
every ~2 ms; see the review report).

The data dir is on a small tmpfs (root only) filled up while the sender
runs, then freed 2 s later.

Run from tests/integration:
  HOOKD_FCGI=... HOOKD_SEND=... HOOKD_BUILD=... python3 -m unittest test_send_commit_retry
"""

import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
import harness
from faults import Tmpfs, api_deliveries, can_mount
from receiver import Receiver
from test_send_process import post_many

N = 120
FREE_AFTER = 2.0          # seconds the store refuses writes


class TestSendCommitRetry(unittest.TestCase):

    def setUp(self):
        if not can_mount():
            self.skipTest("needs root to mount a small tmpfs as data dir")
        self.fs = Tmpfs("64m")
        self.addCleanup(self.fs.umount)
        self.rx = Receiver()
        self.addCleanup(self.rx.close)
        self.srv = harness.Server(procs=2, data_dir=os.path.join(
            self.fs.path, "data"), config={
                "retry_schedule": "0,100ms,100ms", "timeout": "5s",
                "connect_timeout": "1s", "poll_interval": "1s",
                "concurrency": "4", "per_webhook_concurrency": "4"})
        self.addCleanup(self.srv.stop)
        self.srv.start()

    def fill(self, path):
        """Write path until the file system is full."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (1 << 20, 4096, 512):
                try:
                    while True:
                        os.write(fd, b"\0" * size)
                except OSError:
                    pass
        finally:
            os.close(fd)

    def test_once_retries_a_refused_commit_for_seconds_not_ms(self):
        srv = self.srv
        app = srv.create_app("org_commit_retry")
        srv.create_webhook(app, self.rx.url("/cr"))
        self.rx.set("/cr", sleep=0.3)       # transfers keep running
        ids = post_many(self, app, N)
        filler = os.path.join(self.fs.path, "filler")
        p = srv.start_sender("--once")
        self.rx.wait(4, path="/cr", timeout=10)
        self.fill(filler)                   # outcomes cannot be written
        t_full = time.time()
        time.sleep(FREE_AFTER)
        os.unlink(filler)
        rc = p.wait(120)
        log = srv.sender_log(p)
        fails = len(re.findall(r"recording \d+ outcomes", log))
        print("\nexit %d, %d failed commits, %.1f s after the disk filled"
              % (rc, fails, time.time() - t_full))
        self.assertEqual(rc, 0, log[-3000:])
        got = {r["headers"]["webhook-id"] for r in self.rx.got("/cr")}
        self.assertEqual(got, set(ids))
        # each recorded once, though its batch was refused and retried
        ds = api_deliveries(srv, app["id"])
        self.assertEqual(len(ds), N)
        self.assertEqual({(d["status"], d["attempts_count"]) for d in ds},
                         {("delivered", 1)})

    def test_loop_sigterm_does_not_wait_for_a_store_that_stays_full(self):
        # --loop retries refused commits for as long as it runs, but once
        # SIGTERM comes it gives up after RUN_FLUSH_FAILS_MAX (~5 s),
        # exits 1 and says the attempts will be sent again.
        srv = self.srv
        app = srv.create_app("org_commit_stop")
        srv.create_webhook(app, self.rx.url("/cs"))
        self.rx.set("/cs", sleep=0.3)
        post_many(self, app, 40)
        p = srv.start_sender("--loop")
        self.rx.wait(4, path="/cs", timeout=10)
        filler = os.path.join(self.fs.path, "filler")
        self.fill(filler)                   # and it stays full
        self.addCleanup(lambda: os.path.exists(filler) and os.unlink(filler))
        time.sleep(1.5)
        t0 = time.time()
        p.terminate()
        rc = p.wait(30)
        took = time.time() - t0
        log = srv.sender_log(p)
        print("\nexit %d %.1f s after SIGTERM" % (rc, took))
        self.assertEqual(rc, 1, log[-3000:])
        self.assertLess(took, 15)
        self.assertIn("will be sent again", log)


if __name__ == "__main__":
    unittest.main()
