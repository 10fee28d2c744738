"""A webhook's rate_limit spaces the *starts* of its attempts, also when
its picked deliveries had to wait for a transfer slot (FAILS at 0e40e82
and at e8cecee: the rate slot is taken at the pick, and deliveries picked
1/rate apart while every slot was busy all start together when slots
free; see the review report).

Run from tests/integration:
  HOOKD_FCGI=... HOOKD_SEND=... HOOKD_BUILD=... python3 -m unittest test_send_rate_burst
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from test_send import SendCase, iso_s


class TestSendRateLimitBehindBusySlots(SendCase):
    CONFIG = dict(SendCase.CONFIG, concurrency="2",
                  per_webhook_concurrency="2", timeout="5s")

    def test_rate_limit_spaces_starts_that_waited_for_a_slot(self):
        hog_app = self.srv.create_app("org_rate_burst_hog")
        paced_app = self.srv.create_app("org_rate_burst_paced")
        self.rx.set("/hog", sleep=1.0)
        self.webhook(hog_app, self.rx.url("/hog"))
        self.webhook(paced_app, self.rx.url("/burst"), rate_limit=5)
        for _ in range(2):       # both transfer slots busy for 1 s
            self.event(hog_app)
        for _ in range(6):
            self.event(paced_app)
        self.send_once()
        self.assertEqual(len(self.rx.got("/burst")), 6)
        at = sorted(iso_s(a["at"]) for d in self.deliveries(paced_app)
                    for a in self.delivery(paced_app, d["id"])["attempts"])
        self.assertEqual(len(at), 6)
        # 5 per second: as in test_rate_limit_spaces_requests_to_one_webhook,
        # any k+1 consecutive starts span at least (k - 1) slots of 200 ms
        for i in range(len(at)):
            for j in range(i + 2, len(at)):
                self.assertGreaterEqual(at[j] - at[i], (j - i - 1) * 0.2
                                        - 0.01, [round(a - at[0], 3)
                                                 for a in at])
        self.assertGreaterEqual(at[-1] - at[0], 0.79,
                                [round(a - at[0], 3) for a in at])


if __name__ == "__main__":
    unittest.main()
