"""hookd-send --loop: every new event goes out within milliseconds of its
intake (the API's wake datagram), also when the wake arrives while the
store thread runs a pick that started before the event was committed
(FAILS at 0e40e82: run_took_pick overwrites the pick_at = 0 the wake set
with "nothing due: poll again in poll_interval", so the event waits for
the poll; test_loop_delivers_new_event_well_before_poll_interval flakes
on it, 2 of 7 full runs here; see the review report).  Three busy loops
run beside it to make the store thread lose its CPU inside a pick, as
other jobs do on a shared CI machine: 3/3 runs fail at HEAD, 3/3 pass at
e8cecee and 4/4 with fix-all.diff.

Run from tests/integration:
  HOOKD_FCGI=... HOOKD_SEND=... HOOKD_BUILD=... python3 -m unittest test_send_wake
"""

import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from test_send import SendCase

EVENTS = 300
HOGS = 3                  # busy loops: the store thread gets preempted
                          # inside its pick, as on a loaded CI machine


class TestSendWakeNotLost(SendCase):
    CONFIG = dict(SendCase.CONFIG, poll_interval="5s", concurrency="16",
                  per_webhook_concurrency="16")

    def test_each_of_many_events_goes_out_well_before_poll_interval(self):
        app = self.app()
        self.webhook(app, self.rx.url("/wake"))
        for _ in range(HOGS):
            hog = subprocess.Popen(["sh", "-c", "while :; do :; done"])
            self.addCleanup(hog.wait)
            self.addCleanup(hog.kill)
        p, _ = self.start_loop("wake")
        self.addCleanup(lambda: p.poll() is None and p.kill())
        time.sleep(0.5)            # past its first pick: now idle
        lat = []
        for k in range(EVENTS):
            t0 = time.time()
            self.event(app)
            got = self.rx.wait(k + 1, path="/wake", timeout=7)
            self.assertEqual(len(got), k + 1)
            lat.append(round(got[-1]["at"] - t0, 3))
            if lat[-1] > 1.0:
                break
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(10), 0)
        # poll_interval is 5 s: only a lost wake takes that long
        self.assertLess(max(lat), 1.0, "event %d waited for the poll; "
                        "latencies %s" % (len(lat) - 1, lat))


class TestSendWakeBesideABacklog(SendCase):
    """A wake while the last pick was held back by one webhook's limits
    (a backlog behind per_webhook_concurrency) still picks within
    RUN_WAKE_HELD_MS: an event for another webhook does not wait for
    poll_interval (it did: 223-951 ms of a 1 s poll in the review)."""
    CONFIG = dict(SendCase.CONFIG, poll_interval="5s", concurrency="8",
                  per_webhook_concurrency="1", timeout="5s")

    def test_new_event_for_an_idle_webhook_beside_a_backlog_goes_out_at_once(self):
        busy = self.srv.create_app("org_backlog")
        self.rx.set("/backlog", sleep=2.0)   # a pick after each answer
        self.webhook(busy, self.rx.url("/backlog"))
        for _ in range(20):
            self.event(busy)
        idle = self.srv.create_app("org_idle")
        self.webhook(idle, self.rx.url("/idle"))
        p, _ = self.start_loop("backlog")
        self.addCleanup(lambda: p.poll() is None and p.kill())
        self.rx.wait(1, path="/backlog", timeout=10)
        time.sleep(0.2)            # its pick is held back by now
        lat = []
        for k in range(3):
            time.sleep(0.3)        # past the pick after the last commit
            t0 = time.time()
            self.event(idle)
            got = self.rx.wait(k + 1, path="/idle", timeout=7)
            self.assertEqual(len(got), k + 1)
            lat.append(round(got[-1]["at"] - t0, 3))
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(10), 0)
        print("\nbeside a backlog: %s s" % lat)
        self.assertLess(max(lat), 0.5, lat)
        self.assertLess(len(self.rx.got("/backlog")), 20)   # still busy


if __name__ == "__main__":
    unittest.main()
