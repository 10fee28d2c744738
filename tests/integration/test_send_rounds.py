"""hookd-send's store-thread rounds (sender/worker.c: commit, then pick)
seen from outside: a SIGTERM in the middle of a busy --loop leaves every
delivery either recorded or untouched, a 410 with a deep ready queue of
that webhook fails the rest without sending them, and a webhook's
rate_limit holds while another webhook keeps every round busy."""

import collections
import os
import re
import signal
import time
import unittest

from test_send import SendCase, iso_s
from test_send_process import post_many

STOP_RE = re.compile(r"stopping: finishing \d+ transfers in flight")


class TestSendRoundsStop(SendCase):
    # durability sync (the default): every round waits for an fsync, so
    # one is usually in the store thread when the signal comes
    CONFIG = dict(SendCase.CONFIG, concurrency="16",
                  per_webhook_concurrency="16")

    def test_sigterm_mid_stream_leaves_nothing_stuck_or_sent_twice(self):
        app = self.app()
        self.webhook(app, self.rx.url("/midterm"))
        ids = post_many(self, app, 600, threads=6)
        p, log = self.start_loop("midterm")
        self.rx.wait(150, path="/midterm", timeout=20)
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(20), 0)
        with open(log) as f:
            self.assertRegex(f.read(), STOP_RE)
        sent = collections.Counter(r["headers"]["webhook-id"]
                                   for r in self.rx.got("/midterm"))
        self.assertGreaterEqual(len(sent), 150)
        self.assertLess(len(sent), 600, "stopped before the end")
        self.assertEqual(max(sent.values()), 1)
        ds = {d["event_id"]: d for d in self.deliveries(app)}
        self.assertEqual(set(ds), set(ids))
        for eid, d in ds.items():
            if eid in sent:     # went out: recorded before the exit
                self.assertEqual((d["status"], d["attempts_count"]),
                                 ("delivered", 1), d)
            else:               # never started: untouched, due
                self.assertEqual((d["status"], d["attempts_count"]),
                                 ("pending", 0), d)
        # the next pass sends the rest, each once
        self.send_once()
        got = collections.Counter(r["headers"]["webhook-id"]
                                  for r in self.rx.got("/midterm"))
        self.assertEqual(set(got), set(ids))
        self.assertEqual(max(got.values()), 1)
        self.assertEqual({d["status"] for d in self.deliveries(app)},
                         {"delivered"})


class TestSendRounds410(SendCase):
    CONFIG = dict(SendCase.CONFIG, concurrency="16",
                  per_webhook_concurrency="4")

    def test_410_with_a_deep_ready_queue_fails_the_rest_unsent(self):
        # 60 deliveries: the store thread picks up to 8 x 4 of them ahead
        # of the 4 transfer slots; when the first answers 410 the rest
        # must go back unsent and be failed by the disable
        gone_app = self.srv.create_app("org_rounds_gone")
        ok_app = self.srv.create_app("org_rounds_ok")
        self.rx.set("/gone410", status=410, sleep=0.2)
        wh = self.webhook(gone_app, self.rx.url("/gone410"))
        self.rx.set("/ok410", sleep=0.01)
        self.webhook(ok_app, self.rx.url("/ok410"))
        post_many(self, gone_app, 60)
        post_many(self, ok_app, 60)
        t0 = time.time()
        p = self.send_once()
        took = time.time() - t0
        sent = len(self.rx.got("/gone410"))
        self.assertGreaterEqual(sent, 1)
        self.assertLessEqual(sent, 4, "only those in flight at the 410")
        w = self.get_webhook(gone_app, wh)
        self.assertFalse(w["enabled"])
        self.assertIn("410", w["disabled_reason"])
        ds = self.deliveries(gone_app)
        self.assertEqual(len(ds), 60)
        self.assertEqual({d["status"] for d in ds}, {"failed"})
        self.assertEqual(sum(d["attempts_count"] for d in ds), sent)
        # the other webhook is not held up by it
        self.assertEqual(len(self.rx.got("/ok410")), 60)
        self.assertEqual({d["status"] for d in self.deliveries(ok_app)},
                         {"delivered"})
        # nothing waited for the 10 s hold after the 410
        self.assertLess(took, 8, p.stderr[-3000:])


class TestSendRoundsRate(SendCase):
    CONFIG = dict(SendCase.CONFIG, concurrency="16",
                  per_webhook_concurrency="16")

    def test_rate_limit_holds_beside_a_busy_unlimited_webhook(self):
        # 600 deliveries to an unlimited webhook keep every round full
        # (the picks resume from the cursor); 12 to a webhook limited to
        # 10/s sit among them in the due index
        bulk_app = self.srv.create_app("org_rounds_bulk")
        paced_app = self.srv.create_app("org_rounds_paced")
        self.rx.set("/bulk", sleep=0.01)
        self.webhook(bulk_app, self.rx.url("/bulk"))
        self.webhook(paced_app, self.rx.url("/paced10"), rate_limit=10)
        post_many(self, bulk_app, 300)
        for _ in range(12):
            self.event(paced_app)
        post_many(self, bulk_app, 300)
        self.send_once()
        self.assertEqual(len(self.rx.got("/bulk")), 600)
        self.assertEqual(len(self.rx.got("/paced10")), 12)
        at = sorted(iso_s(a["at"]) for d in self.deliveries(paced_app)
                    for a in self.delivery(paced_app, d["id"])["attempts"])
        self.assertEqual(len(at), 12)
        rel = [round(a - at[0], 3) for a in at]
        # 10 per second, one slot of credit (test_send_limits): any k+1
        # consecutive starts span at least (k - 1) slots of 100 ms
        for i in range(len(at)):
            for j in range(i + 2, len(at)):
                self.assertGreaterEqual(at[j] - at[i],
                                        (j - i - 1) * 0.1 - 0.01, rel)
        self.assertGreaterEqual(at[-1] - at[0], 0.99, rel)


if __name__ == "__main__":
    unittest.main()
