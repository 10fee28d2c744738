"""Proof under fire, receivers that misbehave at the socket level: a
receiver that accepts and never answers, drips one byte a second, resets
mid-head, answers garbage, closes after its head, closes without a word,
or never completes the TCP handshake.  With timeout = 2s and
connect_timeout = 1s each ends as a recorded failed attempt within its
limit, and the sender goes on: a good webhook in the same run is
delivered."""

import time
import unittest

import harness
from faults import Backlogged, RawServer, api_deliveries
from receiver import Receiver

TIMEOUT_MS = 2000
CONNECT_MS = 1000
MARGIN_MS = 700

# behaviour -> (error codes that fit it, longest the attempt may take)
CASES = {
    "silent": ({"timeout"}, TIMEOUT_MS),
    "drip": ({"timeout"}, TIMEOUT_MS),
    "reset": ({"network_error", "empty_reply", "protocol_error"}, TIMEOUT_MS),
    "garbage": ({"protocol_error", "network_error", "transfer_error",
                 "url_refused"}, TIMEOUT_MS),
    "headers_eof": ({"network_error"}, TIMEOUT_MS),
    "eof": ({"empty_reply", "network_error"}, TIMEOUT_MS),
    "backlog": ({"timeout", "connect_error"}, CONNECT_MS),
}


class TestMisbehavingReceivers(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.Server(config={
            "timeout": "%dms" % TIMEOUT_MS,
            "connect_timeout": "%dms" % CONNECT_MS,
            "retry_schedule": "0,1h"})      # one attempt in this run
        cls.srv.start()
        cls.rx = Receiver()
        cls.raws = {b: RawServer(b) for b in CASES if b != "backlog"}
        cls.raws["backlog"] = Backlogged()

    @classmethod
    def tearDownClass(cls):
        for r in cls.raws.values():
            r.close()
        cls.rx.close()
        cls.srv.stop()

    def detail(self, app, dlv):
        st, _, body = self.srv.request(
            "GET", "/v1/apps/%s/deliveries/%s" % (app["id"], dlv["id"]))
        self.assertEqual(st, 200, body)
        return body

    def test_each_misbehaving_receiver_is_a_timely_failed_attempt(self):
        srv = self.srv
        app = srv.create_app("org_fault_rx")
        name = {}
        for b, r in self.raws.items():
            name[srv.create_webhook(app, r.url("/" + b))["id"]] = b
        good = srv.create_webhook(app, self.rx.url("/good"))
        name[good["id"]] = "good"
        st, _, ev = srv.post_event("user.signin", app["org_id"], {"x": 1},
                                   app_id=app["id"])
        self.assertEqual(st, 202, ev)
        self.assertEqual(ev["deliveries"], len(CASES) + 1)

        t0 = time.time()
        p = srv.run_sender("--once", timeout=60)
        took = time.time() - t0
        self.assertEqual(p.returncode, 0, p.stderr)
        # concurrent attempts: the run lasts about the longest limit
        self.assertLess(took, (TIMEOUT_MS + 2 * MARGIN_MS) / 1000.0,
                        p.stderr)

        got = self.rx.got("/good")
        self.assertEqual([r["headers"]["webhook-id"] for r in got], [ev["id"]])
        seen = {}
        for d in api_deliveries(srv, app["id"]):
            b = name[d["webhook_id"]]
            det = self.detail(app, d)
            self.assertEqual(len(det["attempts"]), 1, (b, det))
            a = det["attempts"][0]
            seen[b] = (a["error"], a["status_code"], a["duration_ms"])
            if b == "good":
                self.assertEqual(det["status"], "delivered", det)
                self.assertEqual((a["status_code"], a["error"]), (204, None))
                continue
            codes, limit = CASES[b]
            self.assertEqual(det["status"], "pending", (b, det))
            self.assertEqual(det["attempts_count"], 1, (b, det))
            self.assertIsNotNone(det["next_attempt_at"], (b, det))
            self.assertIsNone(a["status_code"], (b, a))
            self.assertIn(a["error"], codes, (b, a))
            self.assertLessEqual(a["duration_ms"], limit + MARGIN_MS, (b, a))
        self.assertEqual(set(seen), set(CASES) | {"good"})
        self.assertGreaterEqual(self.raws["silent"].conns, 1)
        print("\nmisbehaving receivers, --once in %.2fs: %s" % (took, seen))

        # The sender's health view agrees: one failure on each bad hook.
        for wid, b in name.items():
            st, _, wh = srv.request("GET", "/v1/apps/%s/webhooks/%s"
                                    % (app["id"], wid))
            self.assertEqual(st, 200, wh)
            self.assertEqual(wh["health"]["consecutive_failures"],
                             0 if b == "good" else 1, (b, wh))

    def test_garbage_answer_is_not_reported_as_a_refused_url(self):
        # curl calls a reply that is not HTTP "unsupported protocol"; the
        # URL was fine, the receiver was not: the attempt must not blame
        # the URL (url_refused means hookd refused the URL itself).
        srv = self.srv
        app = srv.create_app("org_fault_garbage")
        srv.create_webhook(app, self.raws["garbage"].url("/g"))
        st, _, ev = srv.post_event("user.signin", app["org_id"], {},
                                   app_id=app["id"])
        self.assertEqual(st, 202, ev)
        p = srv.run_sender("--once", timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        (d,) = api_deliveries(srv, app["id"])
        a = self.detail(app, d)["attempts"][0]
        self.assertIsNone(a["status_code"], a)
        self.assertNotIn(a["error"], ("url_refused", "address_refused"),
                         "a receiver that answers garbage is a protocol "
                         "error, not a refused URL: %r" % a)


if __name__ == "__main__":
    unittest.main()
