"""Tenant isolation: an app key sees only its own application, and events
of one org never reach another org's webhooks."""

import uuid

from harness import ServerCase

HOOK = "http://127.0.0.1:9/hook"


def org():
    return "org-" + uuid.uuid4().hex[:12]


class TenancyTests(ServerCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.srv
        cls.org_a, cls.org_b = org(), org()
        cls.a = srv.create_app(cls.org_a, "A")
        cls.b = srv.create_app(cls.org_b, "B")
        cls.wa = srv.create_webhook(cls.a, HOOK)
        cls.wb = srv.create_webhook(cls.b, HOOK)
        srv.post_event("user.signin", cls.org_a)
        srv.post_event("user.signin", cls.org_b)
        cls.da = srv.request("GET", "/v1/apps/%s/deliveries" % cls.a["id"])[2]["data"][0]
        cls.db = srv.request("GET", "/v1/apps/%s/deliveries" % cls.b["id"])[2]["data"][0]

    def paths(self, app, wh, dlv):
        """Every app-scoped endpoint on (app, wh, dlv), as (method, path, body)."""
        base = "/v1/apps/" + app
        w = base + "/webhooks/" + wh
        d = base + "/deliveries/" + dlv
        return [("GET", base, None), ("POST", base + "/keys", None),
                ("GET", base + "/webhooks", None),
                ("POST", base + "/webhooks", {"url": HOOK, "events": ["*"]}),
                ("GET", w, None), ("PATCH", w, {"description": "x"}), ("DELETE", w, None),
                ("GET", w + "/secret", None), ("POST", w + "/secret/rotate", None),
                ("POST", w + "/test", None),
                ("POST", w + "/recover", {"since": "2020-01-01T00:00:00Z"}),
                ("GET", base + "/deliveries", None), ("GET", d, None),
                ("POST", d + "/retry", None)]

    def test_app_key_on_another_apps_resources_is_404_like_a_missing_id(self):
        key_a = self.a["api_key"]
        missing_app = "app_" + "0" * 26
        for (m, p, body), (_, pm, _) in zip(
                self.paths(self.b["id"], self.wb["id"], self.db["id"]),
                self.paths(missing_app, self.wb["id"], self.db["id"])):
            with self.subTest(method=m, path=p):
                st, h, got = self.req(m, p, body, token=key_a)
                self.assertEqual(st, 404, got)
                # identical to the same key asking for an app that does not exist
                st2, _, want = self.req(m, pm, body, token=key_a)
                self.assertEqual((st2, got), (404, want))
        # nothing of B changed
        st, _, wb = self.req("GET", "/v1/apps/%s/webhooks/%s" % (self.b["id"], self.wb["id"]))
        self.assertEqual((st, wb["description"]), (200, ""))
        self.assertEqual(self.req("GET", "/v1/apps/" + self.b["id"], token=self.b["api_key"])[0], 200)

    def test_app_key_on_other_apps_ids_under_its_own_app_is_404(self):
        key_a = self.a["api_key"]
        own = "/v1/apps/" + self.a["id"]
        for m, p in [("GET", own + "/webhooks/" + self.wb["id"]),
                     ("GET", own + "/webhooks/%s/secret" % self.wb["id"]),
                     ("DELETE", own + "/webhooks/" + self.wb["id"]),
                     ("GET", own + "/deliveries/" + self.db["id"]),
                     ("POST", own + "/deliveries/%s/retry" % self.db["id"])]:
            with self.subTest(method=m, path=p):
                st, _, got = self.req(m, p, token=key_a)
                self.assertEqual(st, 404, got)
                missing = p.replace(self.wb["id"], "wh_" + "0" * 26).replace(
                    self.db["id"], "dlv_" + "0" * 26)
                self.assertEqual(self.req(m, missing, token=key_a)[2], got)
        self.assertEqual(self.req("GET", "/v1/apps/%s/webhooks/%s" % (self.b["id"], self.wb["id"]))[0], 200)

    def test_both_directions_b_key_cannot_see_a(self):
        key_b = self.b["api_key"]
        for m, p, body in self.paths(self.a["id"], self.wa["id"], self.da["id"]):
            with self.subTest(method=m, path=p):
                self.assertEqual(self.req(m, p, body, token=key_b)[0], 404)

    def test_delivery_list_filtered_by_another_apps_webhook_is_empty_like_a_missing_one(self):
        # The filter of a webhook that is not (or no longer) the app's finds
        # nothing; a deleted webhook's own deliveries stay findable by it.
        r = self.req("GET", "/v1/apps/%s/deliveries?webhook=%s" % (self.a["id"], self.wb["id"]),
                     token=self.a["api_key"])
        self.assertEqual((r[0], r[2]), (200, {"data": [], "next_cursor": None}))
        missing = self.req("GET", "/v1/apps/%s/deliveries?webhook=wh_%s" % (self.a["id"], "0" * 26),
                           token=self.a["api_key"])
        self.assertEqual(missing[2], r[2])
        st, _, body = self.req("GET", "/v1/apps/%s/deliveries?webhook=%s" % (self.a["id"], self.wa["id"]),
                               token=self.a["api_key"])
        self.assertEqual([d["webhook_id"] for d in body["data"]], [self.wa["id"]])

    def test_filter_by_a_busy_foreign_webhook_leaks_no_cursor(self):
        # More deliveries than one filtered page looks at (2,000): the
        # answer must still be the empty, cursor-less page of a missing id.
        import concurrent.futures
        o = org()
        b = self.srv.create_app(o)
        wb = self.srv.create_webhook(b, HOOK)
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            sts = list(ex.map(lambda i: self.srv.post_event("user.signin", o)[0], range(2100)))
        self.assertEqual(set(sts), {202})
        st, _, body = self.req("GET", "/v1/apps/%s/deliveries?webhook=%s&status=failed"
                               % (self.a["id"], wb["id"]), token=self.a["api_key"])
        self.assertEqual((st, body), (200, {"data": [], "next_cursor": None}))
        st, _, body = self.req("GET", "/v1/apps/%s/deliveries?webhook=%s&status=failed"
                               % (b["id"], wb["id"]), token=b["api_key"])
        self.assertEqual(body["data"], [])
        self.assertIsNotNone(body["next_cursor"])     # B's own page does go on

    def test_org_events_never_reach_another_orgs_webhooks(self):
        x, y = org(), org()
        ax = self.srv.create_app(x)
        ay = self.srv.create_app(y)
        self.srv.create_webhook(ax, HOOK)
        wy = self.srv.create_webhook(ay, HOOK)
        st, _, ev = self.srv.post_event("user.signin", x)
        self.assertEqual((st, ev["deliveries"]), (202, 1))
        dy = self.req("GET", "/v1/apps/%s/deliveries" % ay["id"])[2]["data"]
        self.assertEqual(dy, [])
        st, _, ev = self.srv.post_event("user.signin", y)
        self.assertEqual(ev["deliveries"], 1)
        dy = self.req("GET", "/v1/apps/%s/deliveries" % ay["id"])[2]["data"]
        self.assertEqual([d["webhook_id"] for d in dy], [wy["id"]])
        # an org that is a prefix of another is still another org
        self.assertEqual(self.srv.post_event("user.signin", x[:-1])[2]["deliveries"], 0)
