"""hookd-send --loop on SIGTERM takes no new work: no transfer starts
after the stop, not even one of a pick the store thread was running when
the signal came (FAILS at 0e40e82: run_took_pick starts what that round
picked; see the review report).

Run from tests/integration (or with it on sys.path):
  HOOKD_FCGI=... HOOKD_SEND=... HOOKD_BUILD=... python3 -m unittest test_send_stop
"""

import collections
import os
import re
import signal
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from test_send import SendCase
from test_send_process import post_many

RUNS = 4              # each run has a good chance of a pick in flight
STOP_RE = re.compile(r"stopping: finishing (\d+) transfers in flight")


class TestSendStopTakesNoNewWork(SendCase):
    # durability sync: each store round waits for an fsync, so a round
    # (commit, then pick) is usually in the store thread at the signal
    CONFIG = dict(SendCase.CONFIG, concurrency="16",
                  per_webhook_concurrency="16")

    def test_sigterm_starts_no_transfer_after_the_stop(self):
        app = self.app()
        self.webhook(app, self.rx.url("/nonew"))
        ids = post_many(self, app, 300 * RUNS + 200, threads=6)
        late = []
        for k in range(RUNS):
            p, log = self.start_loop("nonew%d" % k)
            base = len(self.rx.got("/nonew"))
            self.rx.wait(base + 100, path="/nonew", timeout=20)
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(20), 0)
            with open(log) as f:
                text = f.read()
            m = STOP_RE.search(text)
            self.assertIsNotNone(m, text[-2000:])
            running = int(m.group(1))
            # attempts logged after the stop line: at most those running
            after = text[m.end():].count(" attempt dlv=")
            if after > running:
                late.append((k, running, after))
        self.assertEqual(late, [], "(run, transfers running at the stop, "
                         "attempts after it): transfers were started "
                         "after SIGTERM")
        # and a clean stop loses and repeats nothing
        self.send_once()
        got = collections.Counter(r["headers"]["webhook-id"]
                                  for r in self.rx.got("/nonew"))
        self.assertEqual(set(got), set(ids))
        self.assertEqual(max(got.values()), 1)


if __name__ == "__main__":
    unittest.main()
