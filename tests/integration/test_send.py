"""hookd-send against the real API (lighttpd + hookd.fcgi) and a real
loopback receiver (receiver.py): what a receiver gets and every outcome of
an attempt.  The shared set-up (SendCase) is used by test_send_*.py too."""

import base64
import json
import os
import time
import unittest

from harness import Server, free_port
from receiver import Receiver, sign, verify


class SendCase(unittest.TestCase):
    """One lighttpd + data dir per class (CONFIG), one receiver; each test
    makes its own app and webhooks."""

    CONFIG = {
        "retry_schedule": "0,100ms,100ms",
        "timeout": "1s",
        "connect_timeout": "1s",
        "poll_interval": "1s",
    }

    @classmethod
    def setUpClass(cls):
        cls.rx = Receiver()
        cls.srv = Server(config=dict(cls.CONFIG))
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.rx.close()

    # ---- API helpers -----------------------------------------------------
    def app(self):
        return self.srv.create_app("org_" + self.id().split(".")[-1][:40])

    def webhook(self, app, url, **fields):
        return self.srv.create_webhook(app, url, **fields)

    def event(self, app, data=None, **fields):
        st, _, body = self.srv.post_event("user.signin", app["org_id"],
                                          data or {"n": 1},
                                          app_id=app["id"], **fields)
        self.assertEqual(st, 202, body)
        return body

    def deliveries(self, app, **query):
        out, cursor = [], None
        while True:
            q = dict(query, limit=100)
            if cursor:
                q["cursor"] = cursor
            qs = "&".join("%s=%s" % kv for kv in q.items())
            st, _, body = self.srv.request(
                "GET", "/v1/apps/%s/deliveries?%s" % (app["id"], qs))
            self.assertEqual(st, 200, body)
            out += body["data"]
            cursor = body.get("next_cursor")
            if not cursor:
                return out

    def delivery(self, app, dlv_id):
        st, _, body = self.srv.request(
            "GET", "/v1/apps/%s/deliveries/%s" % (app["id"], dlv_id))
        self.assertEqual(st, 200, body)
        return body

    def only_delivery(self, app, wh):
        ds = self.deliveries(app, webhook=wh["id"])
        self.assertEqual(len(ds), 1, ds)
        return self.delivery(app, ds[0]["id"])

    def get_webhook(self, app, wh):
        st, _, body = self.srv.request(
            "GET", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]))
        self.assertEqual(st, 200, body)
        return body

    def start_loop(self, name="loop"):
        """hookd-send --loop with its log in a file (a pipe nobody reads
        would fill up and block it); returns (Popen, log path)."""
        log = os.path.join(self.srv.tmp, "%s-%d.log" % (name, time.time_ns()))
        f = open(log, "w")
        try:
            p = self.srv.start_sender("--loop", stderr=f)
        finally:
            f.close()
        return p, log

    def send_once(self, *extra, expect=0, timeout=60):
        p = self.srv.run_sender("--once", *extra, timeout=timeout)
        self.assertEqual(p.returncode, expect, p.stderr)
        return p


class TestSendDelivery(SendCase):

    def test_delivery_body_is_byte_exact_and_signature_verifies(self):
        app = self.app()
        wh = self.webhook(app, self.rx.url("/exact"))
        data = {"name": "Zoë ✓", "quote": "a \"b\" \\ c", "n": [1, 2.5, None]}
        ev = self.event(app, data, user_id="u-1")
        before = int(time.time())
        self.send_once()
        got = self.rx.got("/exact")
        self.assertEqual(len(got), 1)
        r = got[0]
        h = r["headers"]
        self.assertTrue(verify(wh["secret"], h, r["body"]), h)
        self.assertFalse(verify(wh["secret"], h, r["body"] + b" "))
        body = json.loads(r["body"])
        self.assertEqual(body["id"], ev["id"])
        self.assertEqual(body["data"], data)
        self.assertEqual(body["user_id"], "u-1")
        self.assertEqual(h["webhook-id"], ev["id"])
        self.assertLessEqual(abs(int(h["webhook-timestamp"]) - before), 5)
        self.assertEqual(h["content-type"], "application/json")
        self.assertEqual(h["user-agent"], "hookd/0.1.0")
        self.assertEqual(int(h["content-length"]), len(r["body"]))
        self.assertNotIn("expect", h)
        d = self.only_delivery(app, wh)
        self.assertEqual(d["status"], "delivered")
        self.assertEqual(d["attempts_count"], 1)
        self.assertEqual(d["attempts"][0]["status_code"], 204)
        # a second pass sends nothing again
        self.send_once()
        self.assertEqual(len(self.rx.got("/exact")), 1)

    def test_receiver_gets_the_envelope_bytes_pinned(self):
        """The whole body a receiver gets, to the byte, for a raw event at
        the edges of JSON (escapes, \\u0000, UTF-8, "/", numbers kept as
        sent) and for the test endpoint's event."""
        app = self.app()
        wh = self.webhook(app, self.rx.url("/pinned"))
        eid = "pin-" + self.id().split(".")[-1][-20:]
        raw = ('{"id":"%s","type":"user.signin","org_id":"%s","app_id":"%s",'
               '"user_id":"u\\"1","occurred_at":"2026-03-04T05:06:07Z",'
               '"data":{ "s":"a\\u0000/\\/\\"\\\\\\n\\u0001\\u00e9\u20ac\x7f",'
               '"n":[0,-0,-7,18446744073709551614,1.50,-0.0,1e400,3.0E+2],'
               '"o":{"e":{},"a":[[],[null,true,false]]}}}'
               % (eid, app["org_id"], app["id"]))
        st, _, body = self.srv.request("POST", "/v1/events", raw.encode())
        self.assertEqual(st, 202, body)
        st, _, test = self.srv.request(
            "POST", "/v1/apps/%s/webhooks/%s/test" % (app["id"], wh["id"]))
        self.assertEqual(st, 202, test)
        self.send_once()
        got = sorted(self.rx.got("/pinned"),
                     key=lambda r: r["headers"]["webhook-id"] != eid)
        self.assertEqual(len(got), 2)
        want = ('{"id":"%s","type":"user.signin",'
                '"timestamp":"2026-03-04T05:06:07.000Z","org_id":"%s",'
                '"app_id":"%s","user_id":"u\\"1",'
                '"data":{"s":"a\\u0000//\\"\\\\\\n\\u0001\u00e9\u20ac\x7f",'
                '"n":[0,0,-7,18446744073709551614,1.50,-0.0,1e400,3.0E+2],'
                '"o":{"e":{},"a":[[],[null,true,false]]}}}'
                % (eid, app["org_id"], app["id"])).encode()
        self.assertEqual(got[0]["body"], want)
        self.assertRegex(got[1]["body"], (
            r'^\{"id":"%s","type":"webhook\.test",'
            r'"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",'
            r'"org_id":"%s","app_id":"%s","data":\{"webhook_id":"%s",'
            r'"message":"This is a test event sent by hookd\."\}\}$'
            % (test["id"], app["org_id"], app["id"], wh["id"])).encode())
        for r in got:
            self.assertTrue(verify(wh["secret"], r["headers"], r["body"]))

    def test_fanout_each_webhook_gets_same_bytes_with_its_own_signature(self):
        app = self.app()
        hooks = [self.webhook(app, self.rx.url("/fan%d" % i)) for i in range(3)]
        evs = [self.event(app, {"i": i}) for i in range(4)]
        self.send_once()
        bodies = {}
        for i, wh in enumerate(hooks):
            got = self.rx.got("/fan%d" % i)
            self.assertEqual(len(got), 4)
            for g in got:
                self.assertTrue(verify(wh["secret"], g["headers"], g["body"]))
                for other in hooks:
                    if other is not wh:
                        self.assertFalse(verify(other["secret"], g["headers"],
                                                g["body"]))
                bodies.setdefault(g["headers"]["webhook-id"], set()).add(g["body"])
        self.assertEqual(set(bodies), {e["id"] for e in evs})
        for eid, b in bodies.items():
            self.assertEqual(len(b), 1)          # same bytes to every webhook
            self.assertEqual(json.loads(next(iter(b)))["id"], eid)

    def test_webhook_id_is_stable_across_retries(self):
        app = self.app()
        self.rx.set("/flaky", statuses=[500, 502], status=204)
        wh = self.webhook(app, self.rx.url("/flaky"))
        ev = self.event(app)
        self.send_once()
        got = self.rx.got("/flaky")
        self.assertEqual(len(got), 3)
        self.assertEqual({g["headers"]["webhook-id"] for g in got}, {ev["id"]})
        self.assertEqual(len({g["body"] for g in got}), 1)
        for g in got:
            self.assertTrue(verify(wh["secret"], g["headers"], g["body"]))
        d = self.only_delivery(app, wh)
        self.assertEqual(d["status"], "delivered")
        self.assertEqual([a["status_code"] for a in d["attempts"]],
                         [500, 502, 204])

    def test_5xx_is_retried_until_schedule_exhausted_then_failed(self):
        app = self.app()
        self.rx.set("/down", status=503)
        wh = self.webhook(app, self.rx.url("/down"))
        self.event(app)
        self.send_once()
        self.assertEqual(len(self.rx.got("/down")), 3)   # 0,100ms,100ms
        d = self.only_delivery(app, wh)
        self.assertEqual(d["status"], "failed")
        self.assertEqual(d["attempts_count"], 3)
        self.assertEqual([a["status_code"] for a in d["attempts"]], [503] * 3)
        # nothing more once failed
        self.send_once()
        self.assertEqual(len(self.rx.got("/down")), 3)

    def test_timeout_is_recorded_as_timeout_and_retried(self):
        app = self.app()
        self.rx.set("/slow", sleep=2.5)
        wh = self.webhook(app, self.rx.url("/slow"))
        self.event(app)
        t0 = time.time()
        self.send_once()
        self.assertLess(time.time() - t0, 8)
        d = self.only_delivery(app, wh)
        self.assertEqual(d["status"], "failed")
        self.assertEqual([a["error"] for a in d["attempts"]], ["timeout"] * 3)
        for a in d["attempts"]:
            self.assertIn(a["status_code"], (0, None))
            self.assertGreaterEqual(a["duration_ms"], 900)

    def test_connection_refused_is_connect_error(self):
        app = self.app()
        wh = self.webhook(app, "http://127.0.0.1:%d/closed" % free_port())
        self.event(app)
        self.send_once()
        d = self.only_delivery(app, wh)
        self.assertEqual([a["error"] for a in d["attempts"]],
                         ["connect_error"] * 3)
        self.assertEqual(d["status"], "failed")

    def test_dns_failure_is_dns_error(self):
        app = self.app()
        wh = self.webhook(app, "http://no-such-host.invalid/hook")
        self.event(app)
        self.send_once()
        d = self.only_delivery(app, wh)
        self.assertEqual(d["attempts"][0]["error"], "dns_error")

    def test_redirect_is_not_followed_and_counts_as_failure(self):
        app = self.app()
        self.rx.set("/moved", status=302,
                    headers={"Location": self.rx.url("/target")})
        wh = self.webhook(app, self.rx.url("/moved"))
        self.event(app)
        self.send_once()
        self.assertEqual(len(self.rx.got("/moved")), 3)
        self.assertEqual(self.rx.got("/target"), [])
        d = self.only_delivery(app, wh)
        self.assertEqual([a["status_code"] for a in d["attempts"]], [302] * 3)
        self.assertEqual(d["status"], "failed")

    def test_410_disables_webhook_and_fails_its_pending_deliveries(self):
        app = self.app()
        self.rx.set("/gone", status=410, sleep=0.2)
        wh = self.webhook(app, self.rx.url("/gone"))
        for _ in range(8):
            self.event(app)
        self.send_once()
        sent = len(self.rx.got("/gone"))
        # per_webhook_concurrency (4) were in flight at most; the rest
        # were failed by the disable without an attempt
        self.assertGreaterEqual(sent, 1)
        self.assertLessEqual(sent, 4)
        w = self.get_webhook(app, wh)
        self.assertFalse(w["enabled"])
        self.assertIn("410", w["disabled_reason"])
        self.assertEqual(w["health"]["last_status"], 410)
        ds = self.deliveries(app, webhook=wh["id"])
        self.assertEqual(len(ds), 8)
        self.assertEqual({d["status"] for d in ds}, {"failed"})
        self.assertEqual(sum(d["attempts_count"] for d in ds), sent)

    def test_429_retry_after_seconds_postpones_next_attempt(self):
        app = self.app()
        self.rx.set("/busy", status=429, headers={"Retry-After": "30"})
        wh = self.webhook(app, self.rx.url("/busy"))
        self.event(app)
        t0 = time.time()
        self.send_once()
        self.assertEqual(len(self.rx.got("/busy")), 1)
        d = self.only_delivery(app, wh)
        self.assertEqual(d["status"], "pending")
        self.assertEqual(d["attempts"][0]["status_code"], 429)
        nxt = iso_s(d["next_attempt_at"])
        self.assertGreater(nxt - t0, 28)
        self.assertLess(nxt - t0, 40)

    def test_503_retry_after_http_date_postpones_next_attempt(self):
        app = self.app()
        when = time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                             time.gmtime(time.time() + 120))
        self.rx.set("/later", status=503, headers={"Retry-After": when})
        wh = self.webhook(app, self.rx.url("/later"))
        self.event(app)
        t0 = time.time()
        self.send_once()
        d = self.only_delivery(app, wh)
        self.assertEqual(d["status"], "pending")
        nxt = iso_s(d["next_attempt_at"])
        self.assertGreater(nxt - t0, 110)
        self.assertLess(nxt - t0, 125)

    def test_huge_response_is_capped_at_4kib_in_attempt(self):
        app = self.app()
        blob = (b"0123456789abcdef" * 65536)   # 1 MiB
        self.rx.set("/big", status=200, body=blob)
        wh = self.webhook(app, self.rx.url("/big"))
        self.event(app)
        self.send_once()
        d = self.only_delivery(app, wh)
        self.assertEqual(d["status"], "delivered")
        a = d["attempts"][0]
        self.assertEqual(a["status_code"], 200)
        self.assertEqual(a["response"], blob[:4096].decode())

    def test_secret_rotation_sends_two_signatures_each_verifiable(self):
        app = self.app()
        wh = self.webhook(app, self.rx.url("/rotated"))
        old = wh["secret"]
        st, _, body = self.srv.request(
            "POST", "/v1/apps/%s/webhooks/%s/secret/rotate" % (app["id"],
                                                                wh["id"]))
        self.assertIn(st, (200, 201), body)
        st, _, body = self.srv.request(
            "GET", "/v1/apps/%s/webhooks/%s/secret" % (app["id"], wh["id"]))
        new = body["secret"]
        self.assertNotEqual(old, new)
        self.event(app)
        self.send_once()
        r = self.rx.got("/rotated")[0]
        sigs = r["headers"]["webhook-signature"].split(" ")
        self.assertEqual(len(sigs), 2, sigs)
        h = r["headers"]
        want_new = sign(new, h["webhook-id"], h["webhook-timestamp"], r["body"])
        want_old = sign(old, h["webhook-id"], h["webhook-timestamp"], r["body"])
        self.assertEqual(sigs, [want_new, want_old])


class TestSendAutoDisable(SendCase):
    CONFIG = dict(SendCase.CONFIG, retry_schedule="0,150ms,150ms,150ms,150ms",
                  disable_after="250ms")

    def test_failing_longer_than_disable_after_disables_webhook(self):
        app = self.app()
        self.rx.set("/broken", status=500)
        wh = self.webhook(app, self.rx.url("/broken"))
        self.event(app)
        self.send_once()
        w = self.get_webhook(app, wh)
        self.assertFalse(w["enabled"])
        self.assertIn("failed", w["disabled_reason"])
        self.assertGreaterEqual(w["health"]["consecutive_failures"], 2)
        d = self.only_delivery(app, wh)
        self.assertEqual(d["status"], "failed")
        # disabled before the schedule (5 attempts) ran out
        self.assertLess(len(self.rx.got("/broken")), 5)

    def test_success_resets_the_failure_streak(self):
        app = self.app()
        self.rx.set("/recovers", statuses=[500, 500], status=204)
        wh = self.webhook(app, self.rx.url("/recovers"))
        self.event(app)
        self.send_once()
        w = self.get_webhook(app, wh)
        self.assertTrue(w["enabled"], w)
        self.assertEqual(w["health"]["consecutive_failures"], 0)
        self.assertEqual(self.only_delivery(app, wh)["status"], "delivered")


def iso_s(s):
    """RFC 3339 UTC with milliseconds -> Unix seconds (float)."""
    import calendar
    base, frac = s.rstrip("Z").split(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) + \
        int(frac) / 1000.0


if __name__ == "__main__":
    unittest.main()
