"""hookd-send's limits and bookkeeping: per_webhook_concurrency, a
webhook's rate_limit, a delivery cancelled while its attempt is in flight,
and retention."""

import threading
import time
import unittest

from harness import builtin_example
from receiver import verify
from test_send import SendCase, iso_s


class TestSendLimits(SendCase):
    CONFIG = dict(SendCase.CONFIG, per_webhook_concurrency="3",
                  concurrency="32")

    def test_per_webhook_concurrency_caps_parallel_requests(self):
        app = self.app()
        self.rx.set("/capped", sleep=0.3)
        self.webhook(app, self.rx.url("/capped"))
        self.rx.set("/other", sleep=0.3)
        self.webhook(app, self.rx.url("/other"))
        for _ in range(9):
            self.event(app)          # each goes to both webhooks
        t0 = time.time()
        self.send_once()
        self.assertEqual(len(self.rx.got("/capped")), 9)
        self.assertEqual(self.rx.max_active["/capped"], 3)
        self.assertEqual(self.rx.max_active["/other"], 3)
        # 9 at 3 at a time, 0.3 s each: at least 0.9 s ...
        self.assertGreaterEqual(time.time() - t0, 0.85)
        # ... and the limit is per webhook: the other one ran meanwhile
        capped = sorted(r["at"] for r in self.rx.got("/capped"))
        other = sorted(r["at"] for r in self.rx.got("/other"))
        self.assertLess(other[0], capped[-1])
        self.assertLess(capped[0], other[-1])

    def test_timestamp_is_the_attempts_own_after_waiting_for_a_slot(self):
        # 9 deliveries picked together; with 3 at a time and 0.8 s each
        # the last ones start ~1.6 s after their pick.  webhook-timestamp
        # is the second the attempt starts in, not the pick's (they are
        # signed at the pick and again when the start is a later second).
        app = self.app()
        wh = self.webhook(app, self.rx.url("/waits"))
        self.rx.set("/waits", sleep=0.8)
        for _ in range(9):
            self.event(app)
        self.send_once()
        got = self.rx.got("/waits")
        self.assertEqual(len(got), 9)
        self.assertGreaterEqual(max(r["at"] for r in got) -
                                min(r["at"] for r in got), 1.5)
        for r in got:
            ts = int(r["headers"]["webhook-timestamp"])
            self.assertGreater(ts, r["at"] - 1.05, r["headers"])
            self.assertLessEqual(ts, r["at"] + 0.05, r["headers"])
            self.assertTrue(verify(wh["secret"], r["headers"], r["body"]))

    def test_rate_limit_spaces_requests_to_one_webhook(self):
        app = self.app()
        self.webhook(app, self.rx.url("/paced"), rate_limit=5)
        for _ in range(6):
            self.event(app)
        self.send_once()
        self.assertEqual(len(self.rx.got("/paced")), 6)
        # the sender's own start times (the receiver's clock would add its
        # thread scheduling to the first request on a new connection)
        at = sorted(iso_s(a["at"]) for d in self.deliveries(app)
                    for a in self.delivery(app, d["id"])["attempts"])
        self.assertEqual(len(at), 6)
        # 5 per second, with at most one slot of credit for a start that
        # came late (a loaded machine): any k+1 consecutive starts span
        # at least (k - 1) slots of 200 ms, and the six span >= 1 s less
        # that one slot of credit.  Without the limit they span ~0 s.
        for i in range(len(at)):
            for j in range(i + 2, len(at)):
                self.assertGreaterEqual(at[j] - at[i], (j - i - 1) * 0.2
                                        - 0.01, at)
        self.assertGreaterEqual(at[-1] - at[0], 0.79, at)

    def test_delivery_cancelled_in_flight_keeps_state_attempt_recorded(self):
        app = self.app()
        self.rx.set("/cancelled", sleep=0.6, status=500)
        wh = self.webhook(app, self.rx.url("/cancelled"))
        self.event(app)
        ds = self.deliveries(app, webhook=wh["id"])
        self.assertEqual(len(ds), 1)
        p = self.srv.start_sender("--once")
        self.rx.wait(1, path="/cancelled", timeout=5)
        st, _, body = self.srv.request(
            "DELETE", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]))
        self.assertEqual(st, 204, body)
        self.assertEqual(p.wait(20), 0)
        d = self.delivery(app, ds[0]["id"])
        self.assertEqual(d["status"], "cancelled", d)
        self.assertEqual(len(d["attempts"]), 1, d)
        self.assertEqual(d["attempts"][0]["status_code"], 500, d)
        self.assertEqual(len(self.rx.got("/cancelled")), 1)   # no retry


class TestSendRetention(SendCase):
    CONFIG = dict(SendCase.CONFIG, retention="1s")

    def test_once_purges_finished_deliveries_and_events_past_retention(self):
        app = self.app()
        wh = self.webhook(app, self.rx.url("/old"))
        self.event(app)
        self.send_once()
        ds = self.deliveries(app, webhook=wh["id"])
        self.assertEqual([d["status"] for d in ds], ["delivered"])
        self.rx.set("/pending", status=503,
                    headers={"Retry-After": "3600"})
        wh2 = self.webhook(app, self.rx.url("/pending"))
        self.event(app)
        self.send_once()            # one 503: stays pending an hour
        time.sleep(1.3)
        self.send_once()
        st, _, _ = self.srv.request(
            "GET", "/v1/apps/%s/deliveries/%s" % (app["id"], ds[0]["id"]))
        self.assertEqual(st, 404)
        self.assertEqual(self.deliveries(app, webhook=wh["id"]), [])
        # a pending delivery is never purged, whatever its age
        left = self.deliveries(app, webhook=wh2["id"])
        self.assertEqual([d["status"] for d in left], ["pending"])
        self.assertEqual(len(self.delivery(app, left[0]["id"])["attempts"]), 1)

    def test_once_purges_a_batchs_events_and_keeps_those_still_pending(self):
        # A batch's events share time index entries (one per run of one
        # created_at): retention removes the events it may and keeps,
        # beside them in the same entry, those a pending delivery needs.
        app = self.app()
        self.webhook(app, self.rx.url("/batch-ok"), events=["user.signin"])
        self.rx.set("/batch-pending", status=503,
                    headers={"Retry-After": "3600"})
        self.webhook(app, self.rx.url("/batch-pending"),
                     events=["user.profile.update"])

        def ev(i):
            pend = i % 3 == 0       # the run's first event among them
            t = "user.profile.update" if pend else "user.signin"
            return {"id": "bat-%s-%d" % ("pend" if pend else "done", i),
                    "type": t, "org_id": app["org_id"], "app_id": app["id"],
                    "data": builtin_example(t) if pend else {"n": i}}
        events = [ev(i) for i in range(30)]
        st, _, body = self.srv.request("POST", "/v1/events/batch",
                                       {"events": events})
        self.assertEqual(st, 200, body)
        self.assertEqual([r["status"] for r in body["data"]], [202] * 30)
        self.send_once()
        self.assertEqual(len(self.rx.got("/batch-ok")), 20)
        time.sleep(1.3)
        self.send_once()
        # posted again: a purged event is stored anew (202), a kept one
        # answers from the store (200)
        st, _, body = self.srv.request("POST", "/v1/events/batch",
                                       {"events": events})
        self.assertEqual(st, 200, body)
        self.assertEqual(
            {r["id"]: r["status"] for r in body["data"]},
            {e["id"]: 200 if "-pend-" in e["id"] else 202 for e in events})


if __name__ == "__main__":
    unittest.main()
