"""POST /v1/events: fan-out and idempotency."""

import threading
import uuid

from harness import ServerCase, db_records

HOOK = "http://127.0.0.1:9/hook"


def org():
    return "org-" + uuid.uuid4().hex[:12]


class FanOutTests(ServerCase):
    config = {"event_types": "billing.invoice.paid"}

    def setUp(self):
        # A fresh org per test: two apps, a webhook per kind of filter.
        self.org = org()
        self.a1 = self.srv.create_app(self.org, "a1")
        self.a2 = self.srv.create_app(self.org, "a2")
        mk = self.srv.create_webhook
        self.exact = mk(self.a1, HOOK, ["user.ekyc.verified"])["id"]
        self.prefix = mk(self.a1, HOOK, ["user.ekyc.*"])["id"]
        self.star = mk(self.a1, HOOK, ["*"])["id"]
        self.other = mk(self.a1, HOOK, ["user.signin", "user.app.*"])["id"]
        self.disabled = mk(self.a1, HOOK, ["*"], enabled=False)["id"]
        self.a2_star = mk(self.a2, HOOK, ["*"])["id"]
        self.a2_exact = mk(self.a2, HOOK, ["user.ekyc.verified"])["id"]

    def targets(self, event_id):
        out = []
        for app in (self.a1, self.a2):
            st, _, body = self.req("GET", "/v1/apps/%s/deliveries?limit=250" % app["id"])
            out += [d["webhook_id"] for d in body["data"] if d["event_id"] == event_id]
        return sorted(out)

    def post(self, type_, **kw):
        st, _, body = self.srv.post_event(type_, self.org, **kw)
        self.assertEqual(st, 202, body)
        got = self.targets(body["id"])
        self.assertEqual(body["deliveries"], len(got))
        return got

    def test_org_wide_event_reaches_every_matching_enabled_webhook_of_the_org(self):
        self.assertEqual(self.post("user.ekyc.verified"),
                         sorted([self.exact, self.prefix, self.star, self.a2_star, self.a2_exact]))

    def test_app_scoped_event_reaches_only_that_apps_webhooks(self):
        self.assertEqual(self.post("user.ekyc.verified", app_id=self.a1["id"]),
                         sorted([self.exact, self.prefix, self.star]))
        self.assertEqual(self.post("user.ekyc.verified", app_id=self.a2["id"]),
                         sorted([self.a2_star, self.a2_exact]))

    def test_prefix_wildcard_matches_only_its_prefix(self):
        self.assertEqual(self.post("user.ekyc.revoked"),
                         sorted([self.prefix, self.star, self.a2_star]))
        self.assertEqual(self.post("user.app.consent.update"),
                         sorted([self.star, self.other, self.a2_star]))

    def test_exact_entry_matches_only_that_type(self):
        self.assertEqual(self.post("user.signin"), sorted([self.star, self.other, self.a2_star]))

    def test_disabled_webhook_is_skipped_and_reenabled_one_is_not(self):
        self.assertNotIn(self.disabled, self.post("user.profile.update"))
        self.req("PATCH", "/v1/apps/%s/webhooks/%s" % (self.a1["id"], self.disabled), {"enabled": True})
        self.assertIn(self.disabled, self.post("user.profile.update"))

    def test_deleted_webhook_gets_nothing_and_its_pending_are_cancelled(self):
        self.post("user.signin")
        self.req("DELETE", "/v1/apps/%s/webhooks/%s" % (self.a1["id"], self.star))
        st, _, body = self.req("GET", "/v1/apps/%s/deliveries?webhook=%s" % (self.a1["id"], self.star))
        self.assertEqual([d["status"] for d in body["data"]], ["cancelled"])
        self.assertNotIn(self.star, self.post("user.signin"))

    def test_patched_filter_applies_to_the_next_event(self):
        self.req("PATCH", "/v1/apps/%s/webhooks/%s" % (self.a1["id"], self.exact),
                 {"events": ["user.signin"]})
        self.assertIn(self.exact, self.post("user.signin"))
        self.assertNotIn(self.exact, self.post("user.ekyc.verified"))

    def test_event_of_an_org_without_apps_is_accepted_with_no_deliveries(self):
        st, _, body = self.srv.post_event("user.signin", org())
        self.assertEqual((st, body["deliveries"]), (202, 0))

    def test_config_event_type_fans_out_like_a_catalog_type(self):
        self.assertEqual(self.post("billing.invoice.paid"), sorted([self.star, self.a2_star]))
        self.req("PATCH", "/v1/apps/%s/webhooks/%s" % (self.a1["id"], self.exact),
                 {"events": ["billing.*"]})
        self.assertIn(self.exact, self.post("billing.invoice.paid"))


class ConcurrencyTests(ServerCase):

    def test_concurrent_intake_and_webhook_changes_never_fail_and_counts_agree(self):
        o = org()
        apps = [self.srv.create_app(o) for _ in range(3)]
        hooks = [self.srv.create_webhook(a, HOOK, ["user.*"]) for a in apps for _ in range(2)]
        answered, failures, stop = [], [], threading.Event()

        def poster():
            while not stop.is_set():
                st, _, body = self.srv.post_event("user.signin", o, {"p": "x" * 100})
                if st != 202:
                    failures.append((st, body))
                else:
                    answered.append(body["deliveries"])

        def toggler():
            i = 0
            while not stop.is_set():
                wh = hooks[i % len(hooks)]
                st, _, body = self.req("PATCH", "/v1/apps/%s/webhooks/%s" % (wh["app_id"], wh["id"]),
                                       {"enabled": i % 2 == 1, "description": "t%d" % i})
                if st != 200:
                    failures.append((st, body))
                i += 1

        threads = [threading.Thread(target=poster) for _ in range(4)] + [threading.Thread(target=toggler)]
        for t in threads:
            t.start()
        threading.Event().wait(3)
        stop.set()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assertGreater(len(answered), 50)
        total = 0
        for a in apps:
            cursor = None
            while True:
                q = "?limit=250" + ("&cursor=" + cursor if cursor else "")
                st, _, body = self.req("GET", "/v1/apps/%s/deliveries%s" % (a["id"], q))
                total += len(body["data"])
                cursor = body["next_cursor"]
                if cursor is None:
                    break
        self.assertEqual(total, sum(answered))


class IdempotencyTests(ServerCase):

    def stored_events(self, event_id):
        return [k for k, v in db_records(self.srv.data_dir, "events.db")
                if k.rstrip(b"\0") == event_id.encode()]

    def test_same_id_twice_is_202_then_200_with_the_first_answer(self):
        o = org()
        app = self.srv.create_app(o)
        self.srv.create_webhook(app, HOOK)
        eid = "order-" + uuid.uuid4().hex
        st1, _, b1 = self.srv.post_event("user.signin", o, {"v": 1}, id=eid)
        self.assertEqual((st1, b1), (202, {"id": eid, "deliveries": 1}))
        # a second webhook now would match; the repeat still stores nothing
        self.srv.create_webhook(app, HOOK)
        st2, _, b2 = self.srv.post_event("user.signin", o, {"v": 2}, id=eid)
        self.assertEqual((st2, b2), (200, b1))
        st, _, body = self.req("GET", "/v1/apps/%s/deliveries" % app["id"])
        self.assertEqual(len(body["data"]), 1)
        self.assertEqual(len(self.stored_events(eid)), 1)

    def test_concurrent_posts_of_one_id_store_one_event(self):
        o = org()
        app = self.srv.create_app(o)
        self.srv.create_webhook(app, HOOK)
        self.srv.create_webhook(app, HOOK, ["user.*"])
        for round_ in range(3):
            eid = "race-%d-%s" % (round_, uuid.uuid4().hex)
            results, go = [], threading.Barrier(8)

            def post():
                go.wait()
                results.append(self.srv.post_event("user.signin", o, {}, id=eid))

            threads = [threading.Thread(target=post) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            statuses = sorted(r[0] for r in results)
            self.assertEqual(statuses, [200] * 7 + [202], [r[2] for r in results])
            for r in results:
                self.assertEqual(r[2], {"id": eid, "deliveries": 2})
            self.assertEqual(len(self.stored_events(eid)), 1)
            st, _, body = self.req("GET", "/v1/apps/%s/deliveries?limit=250" % app["id"])
            self.assertEqual(len([d for d in body["data"] if d["event_id"] == eid]), 2)

    def test_data_is_stored_as_sent_including_numbers_at_the_64_bit_edges(self):
        o = org()
        eid = "num-" + uuid.uuid4().hex
        raw = ('{"id":"%s","type":"user.signin","org_id":"%s","occurred_at":"2026-03-04T05:06:07Z",'
               '"data":{"big":18446744073709551614,"neg":-9223372036854775807,"f":1.10,'
               '"e":1e400,"s":"a\\u0000/\\"\u00e9"}}' % (eid, o))
        st, _, body = self.req("POST", "/v1/events", raw.encode())
        self.assertEqual(st, 202, body)
        recs = [v for k, v in db_records(self.srv.data_dir, "events.db")
                if k.rstrip(b"\0") == eid.encode()]
        self.assertTrue(recs[0].endswith(
            b'"data":{"big":18446744073709551614,"neg":-9223372036854775807,"f":1.10,'
            b'"e":1e400,"s":"a\\u0000/\\"\xc3\xa9"}}'), recs[0][-160:])

    def test_generated_ids_are_evt_and_distinct(self):
        o = org()
        ids = {self.srv.post_event("user.signin", o)[2]["id"] for _ in range(20)}
        self.assertEqual(len(ids), 20)
        for i in ids:
            self.assertRegex(i, r"^evt_[0-9A-Z]{26}$")

    def test_stored_event_body_is_the_envelope(self):
        o = org()
        eid = "env-" + uuid.uuid4().hex
        st, _, _ = self.srv.post_event("user.signin", o, {"z": 1, "a": {"b": None}}, id=eid,
                                       occurred_at="2026-03-04T05:06:07Z")
        self.assertEqual(st, 202)
        recs = [v for k, v in db_records(self.srv.data_dir, "events.db")
                if k.rstrip(b"\0") == eid.encode()]
        want = ('{"id":"%s","type":"user.signin","timestamp":"2026-03-04T05:06:07.000Z",'
                '"org_id":"%s","data":{"z":1,"a":{"b":null}}}' % (eid, o)).encode()
        self.assertEqual(len(recs), 1)
        self.assertTrue(recs[0].endswith(want), recs[0][-200:])
