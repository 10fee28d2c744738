"""After a 410 the sender holds that webhook for WHTAB_GONE_HOLD_MS; if it
is re-enabled (PATCH enabled=true) with new deliveries inside that hold,
the hold must cost nothing: the store thread must not pick its deliveries
only for the main thread to hand them back unsent, round after round
(FAILS at 0e40e82: the pick's gone_at check, sender/pick.c:72, reads the
store thread's own webhook table, where gone_at is never set; the loop
spins at ~10% of a core for the 10 s hold; e8cecee used 0.01 s of CPU).

Run from tests/integration:
  HOOKD_FCGI=... HOOKD_SEND=... HOOKD_BUILD=... python3 -m unittest test_send_gone_hold
"""

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from test_send import SendCase


def cpu_s(pid):
    """User + system CPU seconds of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


class TestSendGoneHold(SendCase):
    CONFIG = dict(SendCase.CONFIG, concurrency="8",
                  per_webhook_concurrency="1")

    def test_reenabled_webhook_inside_the_410_hold_costs_no_cpu(self):
        app = self.app()
        self.rx.set("/rehold", statuses=[410], sleep=0.1)
        wh = self.webhook(app, self.rx.url("/rehold"))
        for _ in range(10):
            self.event(app)
        p, _ = self.start_loop("rehold")
        self.rx.wait(1, path="/rehold", timeout=5)
        deadline = time.time() + 5
        while self.get_webhook(app, wh)["enabled"] and \
                time.time() < deadline:
            time.sleep(0.05)
        self.assertFalse(self.get_webhook(app, wh)["enabled"])
        st, _, body = self.srv.request(
            "PATCH", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]),
            {"enabled": True})
        self.assertEqual(st, 200, body)
        c0, t0 = cpu_s(p.pid), time.time()
        for _ in range(10):
            self.event(app)
        # held ~10 s from the 410, then sent
        got = self.rx.wait(11, path="/rehold", timeout=25)
        c1, t1 = cpu_s(p.pid), time.time()
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(10), 0)
        self.assertEqual(len(got), 11)
        # idle but for 10 deliveries: well under 5% of a core
        self.assertLess(c1 - c0, 0.05 * (t1 - t0),
                        "%.2f s CPU in %.2f s" % (c1 - c0, t1 - t0))


if __name__ == "__main__":
    unittest.main()
