"""Every error status docs/api.md lists, each in its own test, with the exact
error shape {"error":{"code","message"}}."""

import base64
import os
import shutil
import uuid

from harness import Server, ServerCase

HOOK = "http://127.0.0.1:9/hook"


def org():
    return "org-" + uuid.uuid4().hex[:12]


class ErrorTests(ServerCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.app = cls.srv.create_app("org-errors", "errors")
        cls.wh = cls.srv.create_webhook(cls.app, HOOK)
        cls.apath = "/v1/apps/" + cls.app["id"]
        cls.wpath = cls.apath + "/webhooks/" + cls.wh["id"]

    # ---- 400 ------------------------------------------------------------
    def test_invalid_json_is_400(self):
        self.assertError(self.req("POST", "/v1/apps", '{"org_id": "o", "name": '),
                         400, "invalid_json")

    def test_trailing_garbage_after_json_is_400(self):
        self.assertError(self.req("POST", "/v1/apps", '{"org_id":"o","name":"n"} x'),
                         400, "invalid_json")

    def test_json_nested_deeper_than_64_is_400(self):
        data = "[" * 63 + "]" * 63     # with the body and data: 65 levels
        body = '{"type":"user.signin","org_id":"o","data":{"a":%s}}' % data
        self.assertError(self.req("POST", "/v1/events", body), 400, "invalid_json")
        data = "[" * 62 + "]" * 62     # 64 levels
        body = '{"type":"user.signin","org_id":"o","data":{"a":%s}}' % data
        self.assertEqual(self.req("POST", "/v1/events", body)[0], 202)

    def test_invalid_utf8_in_json_is_400(self):
        self.assertError(self.req("POST", "/v1/apps", b'{"org_id":"o","name":"\xff\xfe"}'),
                         400, "invalid_json")

    def test_nan_and_infinity_literals_are_400(self):
        for lit in ("NaN", "Infinity", "-Infinity", "nan", "-inf"):
            with self.subTest(lit=lit):
                body = '{"url":"%s","events":["*"],"rate_limit":%s}' % (HOOK, lit)
                self.assertError(self.req("POST", self.apath + "/webhooks", body), 400,
                                 "invalid_json")
        # a number beyond a double is still a JSON number
        st, _, _ = self.req("POST", "/v1/events",
                            '{"type":"user.signin","org_id":"o","data":{"x":1e400,"y":-1E999}}')
        self.assertEqual(st, 202)

    def test_json_with_single_quotes_or_comments_is_400(self):
        self.assertError(self.req("POST", "/v1/apps", "{'org_id':'o','name':'n'}"), 400)
        self.assertError(self.req("POST", "/v1/apps", '{"org_id":"o",/*c*/"name":"n"}'), 400)

    def test_client_disconnecting_mid_body_leaves_processes_serving(self):
        import socket
        pids = self.srv.fcgi_pids()
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", self.srv.port))
            s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                      b"{\"type\":\"user.signin\"" % self.srv.admin_token.encode())
            s.close()
        self.assertEqual(self.req("GET", "/v1/health")[0], 200)
        self.assertEqual(self.srv.fcgi_pids(), pids)

    # ---- 401 ------------------------------------------------------------
    def test_no_token_is_401_with_www_authenticate(self):
        r = self.req("GET", "/v1/apps", token=None)
        self.assertError(r, 401, "unauthorized")
        self.assertTrue(r[1]["www-authenticate"].startswith("Bearer"))

    def test_wrong_admin_token_is_401(self):
        self.assertError(self.req("GET", "/v1/apps", token=self.srv.admin_token + "x"), 401)
        self.assertError(self.req("GET", "/v1/apps", token=self.srv.admin_token[:-1]), 401)

    def test_unknown_app_key_is_401(self):
        self.assertError(self.req("GET", self.apath, token="hk_" + "A" * 43), 401)

    def test_basic_auth_scheme_is_401(self):
        self.assertError(self.req("GET", "/v1/apps", token=None,
                                  headers={"Authorization": "Basic " + self.srv.admin_token}), 401)

    def test_bearer_scheme_is_case_insensitive(self):
        st, _, _ = self.req("GET", "/v1/apps", token=None,
                            headers={"Authorization": "bearer " + self.srv.admin_token})
        self.assertEqual(st, 200)

    # ---- 403 ------------------------------------------------------------
    def test_app_key_on_admin_only_endpoints_is_403(self):
        key = self.app["api_key"]
        self.assertError(self.req("GET", "/v1/apps", token=key), 403, "forbidden")
        self.assertError(self.req("POST", "/v1/apps", {"org_id": "o", "name": "n"}, token=key), 403)
        self.assertError(self.req("DELETE", self.apath, token=key), 403)
        self.assertError(self.srv.post_event("user.signin", "org-errors", token=key), 403)

    # ---- 404 ------------------------------------------------------------
    def test_unknown_path_is_404(self):
        self.assertError(self.req("GET", "/v1/nothing"), 404, "not_found")
        self.assertError(self.req("GET", "/v2/apps"), 404)
        self.assertError(self.req("GET", "/v1/apps/"), 404)

    def test_missing_app_is_404(self):
        missing = "app_" + "0" * 26
        self.assertError(self.req("GET", "/v1/apps/" + missing), 404, "not_found")
        self.assertError(self.req("GET", "/v1/apps/%s/webhooks" % missing), 404)
        self.assertError(self.req("POST", "/v1/apps/%s/webhooks" % missing,
                                  {"url": HOOK, "events": ["*"]}), 404)

    def test_malformed_ids_are_404_before_lookup(self):
        for path in ["/v1/apps/nope", "/v1/apps/app_x", "/v1/apps/%27%20OR%201",
                     self.apath + "/webhooks/wh_short", self.apath + "/webhooks/" + self.app["id"],
                     self.apath + "/deliveries/" + self.wh["id"]]:
            with self.subTest(path=path):
                self.assertError(self.req("GET", path), 404, "not_found")

    def test_missing_webhook_and_delivery_are_404(self):
        self.assertError(self.req("GET", self.apath + "/webhooks/wh_" + "0" * 26), 404)
        self.assertError(self.req("GET", self.apath + "/deliveries/dlv_" + "0" * 26), 404)
        self.assertError(self.req("POST", self.apath + "/deliveries/dlv_%s/retry" % ("0" * 26)), 404)

    # ---- 405 ------------------------------------------------------------
    def test_known_path_with_wrong_method_is_405_with_allow(self):
        r = self.req("PUT", self.wpath, {"url": HOOK})
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(r[1]["allow"], "GET, PATCH, DELETE")
        r = self.req("DELETE", "/v1/events")
        self.assertError(r, 405)
        self.assertEqual(r[1]["allow"], "POST")

    # ---- 409 ------------------------------------------------------------
    def test_rotating_to_the_current_secret_is_409(self):
        wh = self.srv.create_webhook(self.app, HOOK)
        r = self.req("POST", "/v1/apps/%s/webhooks/%s/secret/rotate" % (self.app["id"], wh["id"]),
                     {"secret": wh["secret"]})
        self.assertError(r, 409, "secret_unchanged")

    def test_test_on_a_disabled_webhook_is_409(self):
        wh = self.srv.create_webhook(self.app, HOOK, enabled=False)
        r = self.req("POST", "/v1/apps/%s/webhooks/%s/test" % (self.app["id"], wh["id"]))
        self.assertError(r, 409, "webhook_disabled")

    # ---- 413 ------------------------------------------------------------
    def test_body_over_64k_is_413(self):
        r = self.req("POST", "/v1/apps", {"org_id": "o", "name": "n" * (65 * 1024)})
        self.assertError(r, 413, "payload_too_large")

    def test_intake_oversized_body_is_413(self):
        data = {"blob": "x" * (256 * 1024)}
        self.assertError(self.srv.post_event("user.signin", "o", data), 413, "payload_too_large")

    def test_intake_accepts_a_body_just_under_max_event_bytes(self):
        data = {"blob": "x" * (250 * 1024)}
        st, _, body = self.srv.post_event("user.signin", org(), data)
        self.assertEqual(st, 202, body)

    # ---- 415 ------------------------------------------------------------
    def test_non_json_content_type_is_415(self):
        r = self.req("POST", "/v1/apps", {"org_id": "o", "name": "n"}, content_type="text/plain")
        self.assertError(r, 415, "unsupported_media_type")
        r = self.req("POST", "/v1/apps", {"org_id": "o", "name": "n"},
                     content_type="application/json; charset=latin1")
        self.assertError(r, 415)

    def test_missing_content_type_with_a_body_is_415(self):
        self.assertError(self.req("POST", "/v1/apps", {"org_id": "o", "name": "n"},
                                  content_type=None), 415)

    def test_json_with_charset_utf8_is_accepted(self):
        st, _, _ = self.req("POST", "/v1/apps", {"org_id": "o", "name": "n"},
                            content_type="application/json; charset=UTF-8")
        self.assertEqual(st, 201)

    def test_bodyless_endpoint_accepts_empty_body_with_any_type(self):
        wh = self.srv.create_webhook(self.app, HOOK)
        p = "/v1/apps/%s/webhooks/%s" % (self.app["id"], wh["id"])
        for ct in (None, "text/plain", "application/x-www-form-urlencoded"):
            with self.subTest(ct=ct):
                st, _, body = self.req("POST", p + "/test", b"", content_type=ct)
                self.assertEqual(st, 202, body)
                st, _, body = self.req("POST", p + "/secret/rotate", b"", content_type=ct)
                self.assertEqual(st, 200, body)

    # ---- 422 ------------------------------------------------------------
    def check_422(self, method, path, body, field):
        self.assertError(self.req(method, path, body), 422, "invalid_field", field)

    def test_create_app_bad_fields_are_422_naming_the_field(self):
        cases = [({"name": "n"}, "org_id"), ({"org_id": "o"}, "name"),
                 ({"org_id": 5, "name": "n"}, "org_id"), ({"org_id": "", "name": "n"}, "org_id"),
                 ({"org_id": "o" * 129, "name": "n"}, "org_id"),
                 ({"org_id": "o", "name": "n" * 257}, "name"),
                 ({"org_id": "o\u0000x", "name": "n"}, "org_id"),
                 ({"org_id": "o", "name": "n", "colour": "red"}, "colour")]
        for body, field in cases:
            with self.subTest(body=body):
                self.check_422("POST", "/v1/apps", body, field)

    def test_body_that_is_not_an_object_is_422(self):
        self.check_422("POST", "/v1/apps", [1, 2], "body")
        self.check_422("POST", "/v1/apps", '"str"', "body")

    def test_webhook_bad_fields_are_422_naming_the_field(self):
        p = self.apath + "/webhooks"
        ok = {"url": HOOK, "events": ["*"]}
        cases = [
            ({"events": ["*"]}, "url"), (dict(ok, url="ftp://x.example/"), "url"),
            (dict(ok, url="not a url"), "url"), (dict(ok, url="http://" + "a" * 64 + ".com/"), "url"),
            (dict(ok, url="http://x.example/" + "a" * 2048), "url"),
            ({"url": HOOK}, "events"), (dict(ok, events=[]), "events"),
            (dict(ok, events="user.signin"), "events"), (dict(ok, events=["user.nope"]), "events"),
            (dict(ok, events=["nope.*"]), "events"), (dict(ok, events=["user.*.x"]), "events"),
            (dict(ok, events=["user.signin,user.ekyc.verified"]), "events"),
            (dict(ok, events=["*"] * 65), "events"), (dict(ok, events=[1]), "events"),
            (dict(ok, rate_limit=-1), "rate_limit"), (dict(ok, rate_limit=10001), "rate_limit"),
            (dict(ok, rate_limit=1.5), "rate_limit"), (dict(ok, rate_limit="5"), "rate_limit"),
            (dict(ok, rate_limit=2 ** 64), "rate_limit"),
            (dict(ok, description="d" * 1025), "description"),
            (dict(ok, secret="nope"), "secret"),
            (dict(ok, secret="whsec_" + base64.b64encode(b"k" * 8).decode()), "secret"),
            (dict(ok, enabled="yes"), "enabled"), (dict(ok, extra=1), "extra"),
        ]
        for body, field in cases:
            with self.subTest(body=str(body)[:80]):
                self.check_422("POST", p, body, field)

    def test_webhook_limits_at_the_edge_are_accepted(self):
        wh = self.srv.create_webhook(self.app, HOOK, ["user.signin"] * 64, rate_limit=10000,
                                     description="d" * 1024)
        self.assertEqual(wh["rate_limit"], 10000)

    def test_patch_bad_fields_are_422_and_change_nothing(self):
        for body, field in [({"enabled": 1}, "enabled"), ({"url": "http://u:p@x.example/"}, "url"),
                            ({"events": ["*"], "secret": "whsec_x"}, "secret")]:
            with self.subTest(body=body):
                self.check_422("PATCH", self.wpath, body, field)
        self.assertEqual(self.req("GET", self.wpath)[2]["url"], HOOK)

    def test_recover_without_valid_since_is_422(self):
        self.check_422("POST", self.wpath + "/recover", {}, "since")
        self.check_422("POST", self.wpath + "/recover", {"since": "yesterday"}, "since")

    def test_intake_bad_fields_are_422_naming_the_field(self):
        ok = {"type": "user.signin", "org_id": "o", "data": {}}
        cases = [
            ({"org_id": "o", "data": {}}, "type"), (dict(ok, type="user.unknown"), "type"),
            (dict(ok, type="webhook.test"), "type"), ({"type": "user.signin", "data": {}}, "org_id"),
            ({"type": "user.signin", "org_id": "o"}, "data"), (dict(ok, data=[1]), "data"),
            (dict(ok, data="x"), "data"), (dict(ok, data={"n": 2 ** 64}), "data"),
            (dict(ok, data={"a": [{"n": -2 ** 63 - 1}]}), "data"), (dict(ok, id=""), "id"), (dict(ok, id="a b"), "id"),
            (dict(ok, id="x" * 65), "id"), (dict(ok, id="é"), "id"),
            (dict(ok, occurred_at="2026-13-01T00:00:00Z"), "occurred_at"),
            (dict(ok, occurred_at=12), "occurred_at"), (dict(ok, user_id=""), "user_id"),
            (dict(ok, user_id="u" * 257), "user_id"), (dict(ok, app_id="app_nope"), "app_id"),
            (dict(ok, app_id="app_" + "0" * 26), "app_id"), (dict(ok, extra=True), "extra"),
        ]
        for body, field in cases:
            with self.subTest(body=str(body)[:80]):
                self.check_422("POST", "/v1/events", body, field)

    def test_intake_app_of_another_org_is_422(self):
        other = self.srv.create_app(org())
        self.check_422("POST", "/v1/events", {"type": "user.signin", "org_id": "org-errors",
                                              "app_id": other["id"], "data": {}}, "app_id")

    def test_list_bad_query_is_422(self):
        for q, field in [("?limit=0", "limit"), ("?limit=251", "limit"), ("?limit=x", "limit"),
                         ("?status=done", "status"), ("?webhook=x", "webhook"),
                         ("?cursor=zzz", "cursor"), ("?limit=1e3", "limit")]:
            with self.subTest(q=q):
                self.assertError(self.req("GET", self.apath + "/deliveries" + q), 422,
                                 "invalid_field", field)
        self.assertError(self.req("GET", "/v1/apps?cursor=wh_x"), 422, "invalid_field", "cursor")


class StorageUnavailableTests(ServerCase):
    """data_dir is a regular file: the environment cannot be opened."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server()
        os.makedirs(cls.srv.tmp, exist_ok=True)
        with open(cls.srv.data_dir, "w") as f:
            f.write("not a directory\n")
        cls.srv.start()

    def test_storage_unavailable_is_503_and_retried_per_request(self):
        self.assertError(self.req("GET", "/v1/health", token=None), 503, "storage_unavailable")
        self.assertError(self.req("POST", "/v1/apps", {"org_id": "o", "name": "n"}), 503)
        self.assertError(self.srv.post_event("user.signin", "o"), 503)
        # the catalog needs no storage
        self.assertEqual(self.req("GET", "/v1/event-types", token=None)[0], 200)
        # repair the data dir: the very next requests open the store
        os.unlink(self.srv.data_dir)
        os.makedirs(self.srv.data_dir)
        for _ in range(4):       # both FastCGI processes
            self.assertEqual(self.req("GET", "/v1/health", token=None)[0], 200)
        self.assertEqual(self.req("POST", "/v1/apps", {"org_id": "o", "name": "n"})[0], 201)
