"""Every endpoint's success path, through lighttpd + hookd.fcgi (FastCGI)."""

import base64
import hashlib
import hmac
import re
import time
import uuid

from harness import Receiver, ServerCase, db_records

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
CATALOG = [
    "user.app.consent.update", "user.app.consent.delete",
    "user.experiment.consent.revoked", "user.experiment.consent.updated",
    "user.agreement.consent.created", "user.agreement.consent.deleted",
    "user.ekyc.verified", "user.ekyc.revoked", "user.profile.update",
    "user.signin", "webhook.test",
    "hookd.webhook.disabled", "hookd.webhook.enabled",
    "hookd.delivery.failing", "hookd.delivery.exhausted",
    "hookd.delivery.recovered",
]
WEBHOOK_KEYS = {"id", "app_id", "url", "events", "description", "enabled",
                "disabled_reason", "rate_limit", "created_at", "updated_at"}
DELIVERY_KEYS = {"id", "event_id", "event_type", "webhook_id", "app_id",
                 "status", "attempts_count", "next_attempt_at", "created_at"}


def org():
    return "org-" + uuid.uuid4().hex[:12]


def signature(secret, msg_id, ts, body):
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, b"%s.%s.%s" % (msg_id.encode(), ts.encode(), body),
                   hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class EndpointTests(ServerCase):
    config = {"event_types": "billing.invoice.paid"}

    def url(self):
        return "http://127.0.0.1:9/hook"

    def deliveries(self, app, query=""):
        st, _, body = self.req("GET", "/v1/apps/%s/deliveries%s" % (app["id"], query))
        self.assertEqual(st, 200, body)
        return body

    # ---- health, catalog ----------------------------------------------
    def test_health_is_ok_without_token(self):
        st, h, body = self.req("GET", "/v1/health", token=None)
        # no role/master fields on a site that is not replicated
        self.assertEqual((st, body), (200, {"status": "ok"}))
        self.assertEqual(h["content-type"], "application/json")

    def test_event_types_lists_catalog_and_config_types(self):
        st, _, body = self.req("GET", "/v1/event-types", token=None)
        self.assertEqual(st, 200)
        types = [e["type"] for e in body["data"]]
        self.assertEqual(types, CATALOG + ["billing.invoice.paid"])
        self.assertIsNone(body["next_cursor"])
        for e in body["data"]:
            self.assertTrue(len(e["description"]) > 10, e)

    # ---- apps ---------------------------------------------------------
    def test_create_app_is_201_with_api_key_shown_once(self):
        st, _, app = self.req("POST", "/v1/apps", {"org_id": "o1", "name": "Shop"})
        self.assertEqual(st, 201, app)
        self.assertRegex(app["id"], r"^app_[0-9A-Z]{26}$")
        self.assertRegex(app["api_key"], r"^hk_[A-Za-z0-9_-]{43}$")
        self.assertEqual((app["org_id"], app["name"]), ("o1", "Shop"))
        self.assertRegex(app["created_at"], TIME_RE)
        st, _, again = self.req("GET", "/v1/apps/" + app["id"])
        self.assertEqual(st, 200)
        self.assertNotIn("api_key", again)
        self.assertEqual(again["id"], app["id"])

    def test_list_apps_is_paged_by_cursor(self):
        o = org()
        ids = [self.srv.create_app(o, "a%d" % i)["id"] for i in range(5)]
        seen, cursor, pages = [], None, 0
        while True:
            q = "?org_id=%s&limit=2" % o + ("&cursor=" + cursor if cursor else "")
            st, _, body = self.req("GET", "/v1/apps" + q)
            self.assertEqual(st, 200, body)
            self.assertLessEqual(len(body["data"]), 2)
            seen += [a["id"] for a in body["data"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, ids)
        self.assertEqual(pages, 3)

    def test_list_apps_without_filter_includes_every_org(self):
        a, b = self.srv.create_app(org()), self.srv.create_app(org())
        st, _, body = self.req("GET", "/v1/apps?limit=250")
        ids = [x["id"] for x in body["data"]]
        self.assertIn(a["id"], ids)
        self.assertIn(b["id"], ids)

    def test_get_app_with_its_own_key(self):
        app = self.srv.create_app(org())
        st, _, body = self.req("GET", "/v1/apps/" + app["id"], token=app["api_key"])
        self.assertEqual(st, 200)
        self.assertEqual(body["name"], app["name"])

    def test_delete_app_removes_webhooks_and_cancels_pending(self):
        o = org()
        app = self.srv.create_app(o)
        wh = self.srv.create_webhook(app, self.url())
        st, _, ev = self.srv.post_event("user.signin", o)
        self.assertEqual((st, ev["deliveries"]), (202, 1))
        dlv = self.deliveries(app)["data"][0]
        st, _, body = self.req("DELETE", "/v1/apps/" + app["id"])
        self.assertEqual((st, body), (204, None))
        self.assertEqual(self.req("GET", "/v1/apps/" + app["id"])[0], 404)
        self.assertEqual(self.req("GET", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]))[0], 404)
        # the key is gone with the app
        self.assertEqual(self.req("GET", "/v1/apps/" + app["id"], token=app["api_key"])[0], 401)
        # the delivery record survives but is no longer pending: the due
        # index (exactly the pending deliveries) no longer holds it
        recs = [v for k, v in db_records(self.srv.data_dir, "deliveries.db")
                if dlv["id"].encode() in k]
        self.assertEqual(len(recs), 1)
        due = db_records(self.srv.data_dir, "deliveries_due.db")
        self.assertFalse([k for k, v in due if dlv["id"].encode() in k + v])
        # an event for the org now reaches nobody
        st, _, ev = self.srv.post_event("user.signin", o)
        self.assertEqual(ev["deliveries"], 0)

    def test_rotate_key_returns_new_key_and_old_stops_working(self):
        app = self.srv.create_app(org())
        old = app["api_key"]
        st, _, body = self.req("POST", "/v1/apps/%s/keys" % app["id"], token=old)
        self.assertEqual(st, 200, body)
        self.assertNotEqual(body["api_key"], old)
        self.assertRegex(body["api_key"], r"^hk_")
        self.assertEqual(self.req("GET", "/v1/apps/" + app["id"], token=old)[0], 401)
        self.assertEqual(self.req("GET", "/v1/apps/" + app["id"], token=body["api_key"])[0], 200)

    # ---- webhooks -----------------------------------------------------
    def test_create_webhook_is_201_with_generated_secret(self):
        app = self.srv.create_app(org())
        st, _, wh = self.req("POST", "/v1/apps/%s/webhooks" % app["id"],
                             {"url": self.url(), "events": ["user.signin", "user.ekyc.*"],
                              "description": "crm", "rate_limit": 10},
                             token=app["api_key"])
        self.assertEqual(st, 201, wh)
        self.assertTrue(WEBHOOK_KEYS <= set(wh), wh)
        self.assertRegex(wh["id"], r"^wh_[0-9A-Z]{26}$")
        self.assertEqual(wh["events"], ["user.signin", "user.ekyc.*"])
        self.assertEqual((wh["description"], wh["rate_limit"], wh["enabled"]), ("crm", 10, True))
        self.assertIsNone(wh["disabled_reason"])
        self.assertTrue(wh["secret"].startswith("whsec_"))
        self.assertEqual(len(base64.b64decode(wh["secret"][6:], validate=True)), 32)
        self.assertEqual(wh["health"]["consecutive_failures"], 0)

    def test_create_webhook_keeps_a_given_secret(self):
        app = self.srv.create_app(org())
        secret = "whsec_" + base64.b64encode(b"k" * 24).decode()
        wh = self.srv.create_webhook(app, self.url(), secret=secret)
        self.assertEqual(wh["secret"], secret)
        st, _, body = self.req("GET", "/v1/apps/%s/webhooks/%s/secret" % (app["id"], wh["id"]))
        self.assertEqual((st, body), (200, {"secret": secret}))

    def test_list_webhooks_has_no_secrets(self):
        app = self.srv.create_app(org())
        a = self.srv.create_webhook(app, self.url())
        b = self.srv.create_webhook(app, self.url(), ["user.signin"])
        st, _, body = self.req("GET", "/v1/apps/%s/webhooks" % app["id"], token=app["api_key"])
        self.assertEqual(st, 200)
        self.assertEqual([w["id"] for w in body["data"]], [a["id"], b["id"]])
        self.assertIsNone(body["next_cursor"])
        for w in body["data"]:
            self.assertNotIn("secret", w)
            self.assertNotIn("prev_secret", w)
            self.assertTrue(WEBHOOK_KEYS <= set(w))

    def test_list_webhooks_is_paged_by_cursor(self):
        app = self.srv.create_app(org())
        ids = [self.srv.create_webhook(app, self.url())["id"] for _ in range(5)]
        seen, cursor, pages = [], None, 0
        while True:
            q = "?limit=2" + ("&cursor=" + cursor if cursor else "")
            st, _, body = self.req("GET", "/v1/apps/%s/webhooks%s"
                                   % (app["id"], q), token=app["api_key"])
            self.assertEqual(st, 200, body)
            self.assertLessEqual(len(body["data"]), 2)
            seen += [w["id"] for w in body["data"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, ids)
        self.assertEqual(pages, 3)
        st, _, body = self.req("GET", "/v1/apps/%s/webhooks?limit=5"
                               % app["id"], token=app["api_key"])
        self.assertEqual(len(body["data"]), 5)
        self.assertIsNone(body["next_cursor"])      # exactly one full page
        st, _, body = self.req("GET", "/v1/apps/%s/webhooks?limit=0"
                               % app["id"], token=app["api_key"])
        self.assertEqual(st, 422, body)
        self.assertIn("limit", body["error"]["message"])

    def test_get_webhook_has_health_and_no_secret(self):
        app = self.srv.create_app(org())
        wh = self.srv.create_webhook(app, self.url())
        st, _, body = self.req("GET", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]))
        self.assertEqual(st, 200)
        self.assertNotIn("secret", body)
        self.assertEqual(set(body["health"]) >= {"last_attempt_at", "last_status",
                                                 "consecutive_failures", "next_retry_at"}, True)
        self.assertIsNone(body["health"]["last_attempt_at"])

    def test_patch_webhook_updates_given_fields_only(self):
        app = self.srv.create_app(org())
        wh = self.srv.create_webhook(app, self.url(), ["user.signin"], description="d1")
        time.sleep(0.002)
        st, _, body = self.req("PATCH", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]),
                               {"url": "https://example.com/h", "events": ["*"], "rate_limit": 5})
        self.assertEqual(st, 200, body)
        self.assertEqual((body["url"], body["events"], body["rate_limit"], body["description"]),
                         ("https://example.com/h", ["*"], 5, "d1"))
        self.assertGreater(body["updated_at"], wh["updated_at"])
        self.assertEqual(body["created_at"], wh["created_at"])
        self.assertIn("health", body)

    def test_patch_enabled_false_fails_pending_and_true_clears_reason(self):
        o = org()
        app = self.srv.create_app(o)
        wh = self.srv.create_webhook(app, self.url())
        self.srv.post_event("user.signin", o)
        path = "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"])
        st, _, body = self.req("PATCH", path, {"enabled": False})
        self.assertEqual((st, body["enabled"]), (200, False))
        self.assertTrue(body["disabled_reason"])
        self.assertEqual([d["status"] for d in self.deliveries(app)["data"]], ["failed"])
        # a disabled webhook gets nothing
        self.assertEqual(self.srv.post_event("user.signin", o)[2]["deliveries"], 0)
        st, _, body = self.req("PATCH", path, {"enabled": True})
        self.assertEqual((st, body["enabled"], body["disabled_reason"]), (200, True, None))
        self.assertEqual(self.srv.post_event("user.signin", o)[2]["deliveries"], 1)

    def test_delete_webhook_is_204_and_cancels_pending(self):
        o = org()
        app = self.srv.create_app(o)
        wh = self.srv.create_webhook(app, self.url())
        keep = self.srv.create_webhook(app, self.url())
        self.srv.post_event("user.signin", o)
        st, _, body = self.req("DELETE", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]),
                               token=app["api_key"])
        self.assertEqual((st, body), (204, None))
        by_wh = {d["webhook_id"]: d["status"] for d in self.deliveries(app)["data"]}
        self.assertEqual(by_wh, {wh["id"]: "cancelled", keep["id"]: "pending"})
        self.assertEqual(self.req("GET", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]))[0], 404)

    def test_get_secret_returns_current_secret(self):
        app = self.srv.create_app(org())
        wh = self.srv.create_webhook(app, self.url())
        st, _, body = self.req("GET", "/v1/apps/%s/webhooks/%s/secret" % (app["id"], wh["id"]),
                               token=app["api_key"])
        self.assertEqual((st, body), (200, {"secret": wh["secret"]}))

    def test_rotate_secret_gives_new_secret(self):
        app = self.srv.create_app(org())
        wh = self.srv.create_webhook(app, self.url())
        base = "/v1/apps/%s/webhooks/%s/secret" % (app["id"], wh["id"])
        st, _, body = self.req("POST", base + "/rotate")
        self.assertEqual(st, 200, body)
        self.assertNotEqual(body["secret"], wh["secret"])
        self.assertEqual(self.req("GET", base)[2]["secret"], body["secret"])
        given = "whsec_" + base64.b64encode(b"r" * 40).decode()
        st, _, body = self.req("POST", base + "/rotate", {"secret": given})
        self.assertEqual((st, body), (200, {"secret": given}))

    def test_test_endpoint_queues_webhook_test_to_this_webhook_only(self):
        o = org()
        app = self.srv.create_app(o)
        target = self.srv.create_webhook(app, self.url(), ["user.ekyc.verified"])
        other = self.srv.create_webhook(app, self.url(), ["*"])
        st, _, body = self.req("POST", "/v1/apps/%s/webhooks/%s/test" % (app["id"], target["id"]),
                               token=app["api_key"])
        self.assertEqual(st, 202, body)
        self.assertEqual(body["deliveries"], 1)
        data = self.deliveries(app)["data"]
        self.assertEqual([(d["webhook_id"], d["event_type"], d["event_id"]) for d in data],
                         [(target["id"], "webhook.test", body["id"])])
        self.assertNotEqual(other["id"], target["id"])

    def test_recover_requeues_failed_deliveries_since(self):
        o = org()
        app = self.srv.create_app(o)
        wh = self.srv.create_webhook(app, self.url())
        path = "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"])
        self.srv.post_event("user.signin", o)
        time.sleep(0.05)
        cut = time.time()
        time.sleep(0.05)
        self.srv.post_event("user.signin", o)
        self.srv.post_event("user.signin", o)
        self.req("PATCH", path, {"enabled": False})
        self.req("PATCH", path, {"enabled": True})
        self.assertEqual([d["status"] for d in self.deliveries(app)["data"]], ["failed"] * 3)
        since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(cut)) + ".%03dZ" % (int(cut * 1000) % 1000)
        st, _, body = self.req("POST", path + "/recover", {"since": since})
        self.assertEqual((st, body), (202, {"deliveries": 2}))
        self.assertEqual([d["status"] for d in self.deliveries(app)["data"]],
                         ["pending", "pending", "failed"])
        # nothing failed any more since then
        st, _, body = self.req("POST", path + "/recover", {"since": since})
        self.assertEqual((st, body), (202, {"deliveries": 0}))

    # ---- deliveries ---------------------------------------------------
    def test_deliveries_newest_first_paged_by_cursor(self):
        o = org()
        app = self.srv.create_app(o)
        self.srv.create_webhook(app, self.url())
        ids = [self.srv.post_event("user.signin", o, {"n": i})[2]["id"] for i in range(5)]
        seen, cursor = [], None
        while True:
            body = self.deliveries(app, "?limit=2" + ("&cursor=" + cursor if cursor else ""))
            self.assertLessEqual(len(body["data"]), 2)
            for d in body["data"]:
                self.assertTrue(DELIVERY_KEYS <= set(d), d)
            seen += [d["event_id"] for d in body["data"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, list(reversed(ids)))

    def test_deliveries_default_limit_is_50(self):
        o = org()
        app = self.srv.create_app(o)
        self.srv.create_webhook(app, self.url())
        for i in range(52):
            self.srv.post_event("user.signin", o)
        body = self.deliveries(app)
        self.assertEqual(len(body["data"]), 50)
        self.assertIsNotNone(body["next_cursor"])
        self.assertEqual(len(self.deliveries(app, "?limit=250")["data"]), 52)

    def test_deliveries_filter_by_status_webhook_and_type(self):
        o = org()
        app = self.srv.create_app(o)
        a = self.srv.create_webhook(app, self.url(), ["user.signin"])
        b = self.srv.create_webhook(app, self.url(), ["*"])
        self.srv.post_event("user.signin", o)
        self.srv.post_event("user.ekyc.verified", o)
        self.req("PATCH", "/v1/apps/%s/webhooks/%s" % (app["id"], b["id"]), {"enabled": False})
        def ids(q):
            return sorted((d["webhook_id"], d["event_type"], d["status"])
                          for d in self.deliveries(app, q)["data"])
        self.assertEqual(ids("?webhook=" + a["id"]), [(a["id"], "user.signin", "pending")])
        self.assertEqual(ids("?status=failed"), [(b["id"], "user.ekyc.verified", "failed"),
                                                 (b["id"], "user.signin", "failed")])
        self.assertEqual(ids("?event_type=user.ekyc.verified"),
                         [(b["id"], "user.ekyc.verified", "failed")])
        self.assertEqual(ids("?status=pending&webhook=" + b["id"]), [])

    def test_delivery_detail_lists_attempts(self):
        o = org()
        app = self.srv.create_app(o)
        rcv = Receiver(status=500)
        rcv.reply_body = b"boom \xff"
        try:
            self.srv.create_webhook(app, rcv.url)
            self.srv.post_event("user.signin", o)
            r = self.srv.run_sender("--once")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(len(rcv.wait(1)), 1)
        finally:
            rcv.stop()
        d = self.deliveries(app)["data"][0]
        st, _, body = self.req("GET", "/v1/apps/%s/deliveries/%s" % (app["id"], d["id"]),
                               token=app["api_key"])
        self.assertEqual(st, 200, body)
        self.assertEqual(len(body["attempts"]), 1)
        att = body["attempts"][0]
        self.assertEqual(set(att), {"id", "at", "status_code", "error", "duration_ms", "response"})
        self.assertRegex(att["id"], r"^att_")
        self.assertEqual(att["status_code"], 500)
        self.assertEqual(att["response"], "boom \ufffd")   # invalid UTF-8 repaired
        self.assertEqual((body["status"], body["attempts_count"]), ("pending", 1))

    def test_retry_makes_a_failed_delivery_due_now(self):
        o = org()
        app = self.srv.create_app(o)
        wh = self.srv.create_webhook(app, self.url())
        self.srv.post_event("user.signin", o)
        path = "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"])
        self.req("PATCH", path, {"enabled": False})
        self.req("PATCH", path, {"enabled": True})
        d = self.deliveries(app)["data"][0]
        self.assertEqual(d["status"], "failed")
        before = time.time()
        st, _, body = self.req("POST", "/v1/apps/%s/deliveries/%s/retry" % (app["id"], d["id"]),
                               token=app["api_key"])
        self.assertEqual(st, 202, body)
        self.assertEqual(body["status"], "pending")
        self.assertIsNotNone(body["next_attempt_at"])
        st, _, detail = self.req("GET", "/v1/apps/%s/deliveries/%s" % (app["id"], d["id"]))
        self.assertEqual(detail["status"], "pending")
        self.assertEqual(detail["attempts"], [])


class SenderEndToEndTests(ServerCase):
    """What a receiver gets from an event posted here (needs hookd-send)."""

    def test_receiver_gets_the_envelope_bytes_and_both_signatures_after_rotation(self):
        o = org()
        app = self.srv.create_app(o)
        rcv = Receiver()
        try:
            wh = self.srv.create_webhook(app, rcv.url, ["user.*"])
            st, _, rot = self.req("POST", "/v1/apps/%s/webhooks/%s/secret/rotate" % (app["id"], wh["id"]))
            self.assertEqual(st, 200)
            st, _, ev = self.srv.post_event("user.profile.update", o, {"k": "v/é", "n": [1, 2.5]},
                                            id="evt-e2e-1", user_id="u1",
                                            occurred_at="2026-01-02T03:04:05.5+01:00")
            self.assertEqual(st, 202, ev)
            r = self.srv.run_sender("--once")
            self.assertEqual(r.returncode, 0, r.stderr)
            got = rcv.wait(1)
        finally:
            rcv.stop()
        self.assertEqual(len(got), 1)
        body = got[0]["body"]
        self.assertEqual(body, b'{"id":"evt-e2e-1","type":"user.profile.update",'
                               b'"timestamp":"2026-01-02T02:04:05.500Z","org_id":"%s",'
                               b'"user_id":"u1","data":{"k":"v/\xc3\xa9","n":[1,2.5]}}' % o.encode())
        h = got[0]["headers"]
        self.assertEqual(h["webhook-id"], "evt-e2e-1")
        sigs = h["webhook-signature"].split(" ")
        ts = h["webhook-timestamp"]
        self.assertEqual(sorted(sigs), sorted([signature(rot["secret"], "evt-e2e-1", ts, body),
                                               signature(wh["secret"], "evt-e2e-1", ts, body)]))
