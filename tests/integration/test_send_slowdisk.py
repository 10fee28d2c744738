"""hookd-send on a slow disk (tests/integration/fsyncshim.c: every fsync
of a written file sleeps): the transfers keep going while a commit waits
for its fsync.  A finished job stops counting as its webhook's pick when
its transfer ends, not when its outcome is committed, and the next commit
takes every outcome that gathered meanwhile (docs/delivery.md, "Inside
the sender"); the checkpoint that ends --once fsyncs the database files
side by side (db/ckflush.c)."""

import datetime
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from test_send import SendCase
from test_send_process import post_many

HERE = os.path.dirname(os.path.abspath(__file__))
PASS_RE = re.compile(
    r"pass done: (\d+) attempts in \d+ ms; CPU ms: transfers -?\d+, "
    r"store threads -?\d+; transfers starved \d+ ms \(\d+ with no free "
    r"job\); (\d+) commits in \d+ ms, (\d+) picks in \d+ ms")


class TestSendSlowDisk(SendCase):
    # one transfer at a time to the webhook, so a pick may run 8 ahead
    # of it (PICK_AHEAD); every commit waits for its fsync
    CONFIG = dict(SendCase.CONFIG, concurrency="4",
                  per_webhook_concurrency="1", durability="sync")
    SLOW_US = 400000

    @classmethod
    def setUpClass(cls):
        if shutil.which("cc") is None:
            raise unittest.SkipTest("no C compiler for the fsync shim")
        cls.shimdir = tempfile.mkdtemp(prefix="hookd-fsyncshim.")
        cls.shim = os.path.join(cls.shimdir, "fsyncshim.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", cls.shim,
                        os.path.join(HERE, "fsyncshim.c"), "-ldl"],
                       check=True)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.shimdir, ignore_errors=True)

    def shim_env(self):
        """The sender's environment with the shim preloaded.  Under
        AddressSanitizer the shim comes before ASan's runtime in the
        library list, which ASan refuses unless told the order is fine
        (the shim only wraps fsync and fdatasync)."""
        asan = os.environ.get("ASAN_OPTIONS", "")
        return dict(os.environ, LD_PRELOAD=self.shim,
                    SLOW_US=str(self.SLOW_US),
                    ASAN_OPTIONS=(asan + ":" if asan else "") +
                    "verify_asan_link_order=0")

    def test_a_waiting_commit_does_not_hold_the_webhooks_picks(self):
        app = self.app()
        self.webhook(app, self.rx.url("/slowdisk"))
        ids = post_many(self, app, 40)
        env = self.shim_env()
        p = subprocess.run(self.srv.sender_cmd("--once"), env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = PASS_RE.search(p.stderr)
        self.assertIsNotNone(m, p.stderr[-2000:])
        attempts, commits = int(m.group(1)), int(m.group(2))
        self.assertEqual(attempts, 40)
        # Counted until their commit, at most 8 jobs of the webhook were
        # between pick and commit: 40 outcomes took 5 or more commits of
        # 0.4 s.  Released at the end of each transfer, the other 30-odd
        # finish while the first commit waits and go in the next one.
        self.assertLessEqual(commits, 4, m.group(0))
        got = [r["headers"]["webhook-id"] for r in self.rx.got("/slowdisk")]
        self.assertEqual(sorted(got), sorted(ids))
        self.assertEqual({d["status"] for d in self.deliveries(app)},
                         {"delivered"})

    def test_the_closing_checkpoint_pays_the_fsync_latency_about_once(self):
        # The checkpoint at the end of --once fsyncs every database file
        # the pass wrote (ckflush.c: in parallel, before BDB's own serial
        # pass finds them clean); one after the other that is 0.4 s per
        # file.
        app = self.app()
        self.webhook(app, self.rx.url("/slowend"))
        post_many(self, app, 20)
        env = self.shim_env()
        p = subprocess.run(self.srv.sender_cmd("--once"), env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        at = {}
        for line in p.stderr.splitlines():
            for key in ("pass done", "hookd-send done"):
                if key in line:
                    at[key] = datetime.datetime.strptime(
                        line.split(" ", 1)[0], "%Y-%m-%dT%H:%M:%S.%fZ")
        self.assertEqual(len(at), 2, p.stderr[-2000:])
        after = (at["hookd-send done"] - at["pass done"]).total_seconds()
        # (in parallel: ~2 x 0.4 s with the log's own fsync; serially 7 s)
        self.assertLess(after, 5 * self.SLOW_US / 1e6, "%.2f s" % after)
        self.assertEqual({d["status"] for d in self.deliveries(app)},
                         {"delivered"})


if __name__ == "__main__":
    unittest.main()
