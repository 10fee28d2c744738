"""Hostile requests through the real lighttpd + hookd.fcgi, table-driven.

Every row of a rejection table must get a clean 4xx (never 5xx, never a
hang: each request has a 15 s timeout), with docs/api.md's error shape
{"error":{"code","message"}} whenever hookd answered, and must leave the
store exactly as it was: every record of every database of the environment
(read with db5.3_dump) is compared before and after the row, and the
FastCGI processes must still be the same PIDs (no crash).  A few rows can
only be answered by lighttpd itself (a raw NUL in the request line, a
request line over its 8 KiB header limit): for those (`by_server`) any 4xx
is accepted, HTML or not, because hookd never sees them; the same input is
then fed to hookd.fcgi directly as plain CGI (DirectCgiTests) so that hookd's
own handling is tested too.

Metacharacters in free-text fields (names, descriptions, user ids, event
data) are valid data: AcceptedMetacharTests checks that they are stored and
returned byte-exact, delivered byte-exact, and never interpreted.

Rows the current code gets wrong are kept in their own test methods marked
@unittest.expectedFailure with the reason; remove the marker when fixed.
"""

import concurrent.futures
import json
import os
import socket
import subprocess
import unittest

import harness
from harness import ADMIN, Receiver, ServerCase

HOOK = "http://127.0.0.1:9/hook"
METACHARS = [
    "'; DROP TABLE apps; --",
    "\" OR 1=1 --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "$(reboot)",
    "`id`",
    "; rm -rf / #",
    "| cat /etc/passwd",
    "%s%n%x%p",
    "../../etc/passwd",
    "\\\\server\\share",
    "{{7*7}}${7*7}",
    "\u202e\u2028\u00e9\U0001F600",
]
# An executable payload that would leave a trace if anything ran it.
PWNED = "/tmp/hookd-hostile-pwned-%d" % os.getpid()
SHELL_PAYLOADS = ["$(touch %s)" % PWNED, "`touch %s`" % PWNED,
                  "; touch %s;" % PWNED]


def row(name, method, path, body=None, token="admin", expect=(400, 404, 413, 422),
        code=None, content_type="application/json", headers=None, raw=None,
        by_server=False):
    """One hostile request.  path/body may hold {A} {B} {WA} {WB} {DA} {DB}
    (ids of two tenants' app, webhook, delivery), filled in at run time.
    token: "admin", "A", "B" (app keys), None, or a literal string."""
    return dict(name=name, method=method, path=path, body=body, token=token,
                expect=tuple(expect), code=code, content_type=content_type,
                headers=headers, raw=raw, by_server=by_server)


class HostileBase(ServerCase):
    """Two tenants (org_a/app A, org_b/app B), a webhook and a delivery each,
    and the machinery to run rows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.srv
        cls.A = srv.create_app("org_a", "tenant a")
        cls.B = srv.create_app("org_b", "tenant b")
        cls.WA = srv.create_webhook(cls.A, HOOK)
        cls.WB = srv.create_webhook(cls.B, HOOK)
        for org in ("org_a", "org_b"):
            st, _, _ = srv.post_event("user.signin", org, {"x": 1})
            assert st == 202, st
        _, _, da = srv.request("GET", "/v1/apps/%s/deliveries" % cls.A["id"])
        _, _, db = srv.request("GET", "/v1/apps/%s/deliveries" % cls.B["id"])
        cls.DA, cls.DB = da["data"][0], db["data"][0]
        cls.ids = {"A": cls.A["id"], "B": cls.B["id"], "WA": cls.WA["id"],
                   "WB": cls.WB["id"], "DA": cls.DA["id"], "DB": cls.DB["id"]}
        cls.pids = srv.fcgi_pids()
        cls.pool = concurrent.futures.ThreadPoolExecutor(8)

    @classmethod
    def tearDownClass(cls):
        cls.pool.shutdown()
        super().tearDownClass()

    # ---- the store ------------------------------------------------------
    def snapshot(self):
        """{file: sorted records} for every database of the environment."""
        d = self.srv.data_dir
        files = sorted(f for f in os.listdir(d) if f.endswith(".db"))
        dumps = self.pool.map(lambda f: sorted(harness.db_records(d, f)), files)
        return dict(zip(files, dumps))

    def assertStoreUnchanged(self, before, after):
        for f in before:
            if before[f] != after.get(f):
                self.fail("%s changed: %d -> %d records" %
                          (f, len(before[f]), len(after.get(f, []))))
        self.assertEqual(sorted(before), sorted(after))

    # ---- requests -------------------------------------------------------
    def fill(self, s):
        if s is None:
            return None
        if isinstance(s, bytes):
            for k, v in self.ids.items():
                s = s.replace(("{%s}" % k).encode(), v.encode())
            return s
        for k, v in self.ids.items():
            s = s.replace("{%s}" % k, v)
        return s

    def token(self, t):
        return {"admin": ADMIN, "A": self.A["api_key"], "B": self.B["api_key"]}.get(t, t)

    def raw_request(self, data, timeout=15):
        """Send raw bytes; (status, lower-case headers, body bytes)."""
        c = socket.create_connection(("127.0.0.1", self.srv.port), timeout=timeout)
        try:
            c.sendall(data)
            out = b""
            while True:
                try:
                    b = c.recv(65536)
                except ConnectionResetError:
                    break
                if not b:
                    break
                out += b
        finally:
            c.close()
        head, _, body = out.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        h = {}
        for l in lines[1:]:
            k, _, v = l.partition(b":")
            h[k.strip().lower().decode()] = v.strip().decode(errors="replace")
        return status, h, body

    def send(self, r):
        if r["raw"] is not None:
            raw = self.fill(r["raw"]).replace(
                b"{TOKEN}", self.srv.admin_token.encode())
            st, h, body = self.raw_request(raw)
            try:
                body = json.loads(body) if body else None
            except ValueError:
                pass
            return st, h, body
        body = r["body"]
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        return self.srv.request(r["method"], self.fill(r["path"]),
                                self.fill(body), token=self.token(r["token"]),
                                headers=r["headers"], timeout=15,
                                content_type=r["content_type"])

    def check_row(self, r, before):
        """Run one row in its own subTest; returns the snapshot after."""
        after = before
        with self.subTest(r["name"]):
            try:
                st, h, body = self.send(r)
            except socket.timeout:
                self.fail("no answer within 15 s (hang)")
            self.assertLess(st, 500, body)
            self.assertIn(st, r["expect"], body)
            from_hookd = h.get("content-type", "").startswith("application/json")
            if not r["by_server"] or from_hookd:
                self.assertTrue(from_hookd, (h, body))
                self.assertIsInstance(body, dict, body)
                self.assertEqual(list(body), ["error"], body)
                self.assertEqual(sorted(body["error"]), ["code", "message"])
                self.assertIsInstance(body["error"]["code"], str)
                self.assertIsInstance(body["error"]["message"], str)
                if r["code"]:
                    self.assertEqual(body["error"]["code"], r["code"], body)
            after = self.snapshot()
            self.assertStoreUnchanged(before, after)
            self.assertEqual(self.srv.fcgi_pids(), self.pids,
                             "a FastCGI process died")
        if after is before:     # the row failed early: resync for the next
            after = self.snapshot()
        return after

    def run_rows(self, rows):
        names = [r["name"] for r in rows]
        self.assertEqual(len(names), len(set(names)), "duplicate row names")
        snap = self.snapshot()
        for r in rows:
            snap = self.check_row(r, snap)


def _http(method, path, extra=b"", body=b""):
    """A raw HTTP/1.1 request (bytes) with the admin token."""
    head = (method.encode() + b" " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer {TOKEN}\r\nConnection: close\r\n" + extra)
    if body:
        head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    return head + b"\r\n" + body


def wrong_type_rows():
    """Every field of every body-taking endpoint with every JSON type it must
    not have.  No field takes null: it is 422 for every one."""
    values = {"string": "x", "int": 7, "float": 1.5, "bool": True,
              "array": ["x"], "object": {"k": "v"}, "null": None}
    endpoints = [
        ("POST", "/v1/apps", {"org_id": "o", "name": "n"},
         {"org_id": ("string", True), "name": ("string", True)}),
        ("POST", "/v1/apps/{A}/webhooks", {"url": HOOK, "events": ["*"]},
         {"url": ("string", True), "events": ("array", True),
          "description": ("string", False), "secret": ("string", False),
          "rate_limit": ("int", False)}),
        ("PATCH", "/v1/apps/{A}/webhooks/{WA}", {},
         {"url": ("string", False), "events": ("array", False),
          "enabled": ("bool", False), "description": ("string", False),
          "rate_limit": ("int", False)}),
        ("POST", "/v1/events", {"type": "user.signin", "org_id": "org_a", "data": {}},
         {"id": ("string", False), "type": ("string", True),
          "org_id": ("string", True), "app_id": ("string", False),
          "user_id": ("string", False), "data": ("object", True),
          "occurred_at": ("string", False)}),
        ("POST", "/v1/apps/{A}/webhooks/{WA}/recover",
         {"since": "2026-01-01T00:00:00Z"}, {"since": ("string", True)}),
        ("POST", "/v1/apps/{A}/webhooks/{WA}/secret/rotate", {},
         {"secret": ("string", False)}),
    ]
    rows = []
    for method, path, base, fields in endpoints:
        for field, (ftype, required) in fields.items():
            for vname, v in values.items():
                if vname == ftype or (vname == "int" and ftype == "float"):
                    continue
                body = dict(base)
                body[field] = v
                rows.append(row("%s %s: %s as %s" % (method, path, field, vname),
                                method, path, body, expect=(422,),
                                code="invalid_field"))
    return rows


class HostilePathTests(HostileBase):

    def test_nul_bytes_and_percent00_in_paths_and_headers_are_4xx(self):
        self.run_rows([
            row("raw NUL in the path of DELETE app", "DELETE", None,
                raw=_http("DELETE", b"/v1/apps/{A}\x00"), by_server=True),
            row("raw NUL inside an app id", "DELETE", None,
                raw=_http("DELETE", b"/v1/apps/app_\x00{A}"), by_server=True),
            row("%00 after the app id of DELETE", "DELETE", "/v1/apps/{A}%00",
                by_server=True),
            row("%00 inside a webhook id of DELETE", "DELETE",
                "/v1/apps/{A}/webhooks/wh_%00{WA}", by_server=True),
            row("%00 before /retry", "POST", "/v1/apps/{A}/deliveries/{DA}%00/retry",
                by_server=True),
            row("raw NUL in the Authorization header", "DELETE", None,
                raw=b"DELETE /v1/apps/{A} HTTP/1.1\r\nHost: x\r\n"
                    b"Authorization: Bearer {TOKEN}\x00junk\r\nConnection: close\r\n\r\n",
                by_server=True),
            row("raw NUL in the Content-Type header", "POST", None,
                raw=_http("POST", b"/v1/apps",
                          b"X-Pad: 1\r\n", b'{"org_id":"o","name":"n"}').replace(
                              b"application/json", b"application/json\x00text/plain"),
                by_server=True),
            row("NUL inside the JSON body (raw byte)", "POST", "/v1/apps",
                b'{"org_id":"o\x00x","name":"n"}', expect=(400,)),
            row("NUL after the JSON body", "POST", "/v1/apps",
                b'{"org_id":"o","name":"n"}\x00', expect=(400,)),
            row("\\u0000 escape in org_id", "POST", "/v1/apps",
                b'{"org_id":"o\\u0000x","name":"n"}', expect=(422,)),
            row("\\u0000 escape in a webhook description", "POST",
                "/v1/apps/{A}/webhooks",
                b'{"url":"' + HOOK.encode() + b'","events":["*"],"description":"a\\u0000b"}',
                expect=(422,)),
            row("\\u0000 escape in an event id", "POST", "/v1/events",
                b'{"id":"e\\u0000","type":"user.signin","org_id":"org_a","data":{}}',
                expect=(422,)),
        ])

    def test_overlong_paths_and_header_values_are_4xx(self):
        self.run_rows([
            row("9 KiB webhook id in DELETE (over lighttpd's header limit)",
                "DELETE", "/v1/apps/{A}/webhooks/" + "w" * 9000,
                expect=(414, 431, 400), by_server=True),
            row("64 KiB path", "DELETE", "/v1/apps/" + "a" * 65536,
                expect=(414, 431, 400), by_server=True),
            row("7000-byte app id in DELETE", "DELETE", "/v1/apps/app_" + "a" * 7000,
                expect=(404,), code="not_found"),
            row("7000-byte webhook id in PATCH", "PATCH",
                "/v1/apps/{A}/webhooks/wh_" + "a" * 7000, {"description": "x"},
                expect=(404,), code="not_found"),
            row("id of 65 valid characters", "DELETE", "/v1/apps/app_" + "0" * 61,
                expect=(404,)),
            row("9 KiB Authorization header", "DELETE", "/v1/apps/{A}",
                token="x" * 9000, expect=(431, 400), by_server=True),
            row("7000-byte bearer token", "DELETE", "/v1/apps/{A}",
                token="x" * 7000, expect=(401,)),
            row("7000-byte hk_ key", "DELETE", "/v1/apps/{A}/webhooks/{WA}",
                token="hk_" + "a" * 7000, expect=(401,)),
            row("7000-byte Content-Type", "POST", "/v1/apps",
                {"org_id": "o", "name": "n"},
                content_type="application/json; charset=" + "u" * 7000,
                expect=(415,)),
            row("7000-byte limit in the query", "GET",
                "/v1/apps/{A}/deliveries?limit=" + "9" * 7000, expect=(422,)),
            row("7000-byte cursor in the query", "GET",
                "/v1/apps/{A}/deliveries?cursor=" + "Z" * 7000, expect=(422,)),
            row("3000 query parameters", "GET",
                "/v1/apps/{A}/deliveries?" + "&".join(["status=x"] * 700),
                expect=(422,)),
            row("Authorization with only 'Bearer'", "DELETE", "/v1/apps/{A}",
                token="", expect=(401,)),
        ])

    def test_path_traversal_in_ids_is_404_and_touches_nothing(self):
        self.run_rows([
            row("../ to another tenant's webhook", "DELETE",
                "/v1/apps/{A}/webhooks/../../{B}/webhooks/{WB}", token="A",
                expect=(404,)),
            row("../ before the app id", "DELETE", "/v1/apps/../apps/{A}",
                expect=(404,)),
            row("%2e%2e%2f before the app id", "DELETE", "/v1/apps/%2e%2e%2f{A}",
                expect=(404,)),
            row("%2E%2E%2F upper case", "DELETE", "/v1/apps/%2E%2E%2F{A}",
                expect=(404,)),
            row("double-encoded %252e%252e%252f", "DELETE",
                "/v1/apps/%252e%252e%252f{A}", expect=(404,)),
            row("encoded slash inside the app id", "DELETE",
                "/v1/apps/{A}%2fwebhooks%2f{WA}", expect=(404,)),
            row("encoded slash to another tenant", "DELETE",
                "/v1/apps/{A}/webhooks/..%2f..%2f{B}%2fwebhooks%2f{WB}", token="A",
                expect=(404,)),
            row("backslash traversal", "DELETE", "/v1/apps/..%5c{A}", expect=(404,)),
            row("overlong UTF-8 dot-dot-slash", "DELETE",
                "/v1/apps/%c0%ae%c0%ae%c0%af{A}", expect=(400, 404),
                by_server=True),
            row("id with a trailing slash and dot", "DELETE", "/v1/apps/{A}/.",
                expect=(404, 405)),
            row("percent-encoded id characters", "DELETE",
                "/v1/apps/%61%70%70_" + "x" * 26, expect=(404,)),
            row("retry of a delivery through traversal", "POST",
                "/v1/apps/{A}/deliveries/../../{B}/deliveries/{DB}/retry",
                token="A", expect=(404,)),
        ])

    def test_other_tenants_ids_are_404_and_admin_only_is_403(self):
        self.run_rows([
            row("DELETE B's webhook under A's path with A's key", "DELETE",
                "/v1/apps/{A}/webhooks/{WB}", token="A", expect=(404,),
                code="not_found"),
            row("DELETE B's webhook under B's path with A's key", "DELETE",
                "/v1/apps/{B}/webhooks/{WB}", token="A", expect=(404,)),
            row("PATCH B's webhook with A's key", "PATCH",
                "/v1/apps/{B}/webhooks/{WB}", {"enabled": False}, token="A",
                expect=(404,)),
            row("PATCH B's webhook under A's path", "PATCH",
                "/v1/apps/{A}/webhooks/{WB}", {"url": HOOK + "/stolen"},
                token="A", expect=(404,)),
            row("GET B's secret with A's key", "GET",
                "/v1/apps/{B}/webhooks/{WB}/secret", token="A", expect=(404,)),
            row("GET B's secret under A's path", "GET",
                "/v1/apps/{A}/webhooks/{WB}/secret", token="A", expect=(404,)),
            row("rotate B's secret with A's key", "POST",
                "/v1/apps/{B}/webhooks/{WB}/secret/rotate", token="A", expect=(404,)),
            row("test-queue to B's webhook with A's key", "POST",
                "/v1/apps/{A}/webhooks/{WB}/test", token="A", expect=(404,)),
            row("recover B's webhook with A's key", "POST",
                "/v1/apps/{A}/webhooks/{WB}/recover", {"since": "2020-01-01T00:00:00Z"},
                token="A", expect=(404,)),
            row("new key for B with A's key", "POST", "/v1/apps/{B}/keys",
                token="A", expect=(404,)),
            row("GET B's delivery under A's path", "GET",
                "/v1/apps/{A}/deliveries/{DB}", token="A", expect=(404,)),
            row("retry B's delivery under A's path", "POST",
                "/v1/apps/{A}/deliveries/{DB}/retry", token="A", expect=(404,)),
            row("retry B's delivery under A's path as admin", "POST",
                "/v1/apps/{A}/deliveries/{DB}/retry", expect=(404,)),
            row("webhook create under B with A's key", "POST",
                "/v1/apps/{B}/webhooks", {"url": HOOK, "events": ["*"]},
                token="A", expect=(404,)),
            row("DELETE app with its own key (admin only)", "DELETE",
                "/v1/apps/{A}", token="A", expect=(403,)),
            row("event intake with an app key (admin only)", "POST",
                "/v1/events", {"type": "user.signin", "org_id": "org_a", "data": {}},
                token="A", expect=(403,)),
            row("event for B's app under A's org", "POST", "/v1/events",
                {"type": "user.signin", "org_id": "org_a", "app_id": "{B}", "data": {}},
                expect=(422,)),
            row("create app with an app key", "POST", "/v1/apps",
                {"org_id": "org_a", "name": "x"}, token="A", expect=(403,)),
        ])


class HostileReadTests(HostileBase):

    def test_other_tenants_webhook_as_a_list_filter_shows_nothing(self):
        st, _, body = self.req("GET", "/v1/apps/%s/deliveries?webhook=%s"
                               % (self.A["id"], self.WB["id"]),
                               token=self.A["api_key"])
        if st == 200:
            self.assertEqual(body["data"], [], body)
        else:
            self.assertError((st, {}, body), 404)


    def test_metacharacters_in_list_filters_match_nothing_or_are_422(self):
        for i, m in enumerate(METACHARS + SHELL_PAYLOADS):
            for param in ("event_type", "webhook", "cursor"):
                with self.subTest("%s %d %r" % (param, i, m)):
                    st, _, body = self.req(
                        "GET", "/v1/apps/%s/deliveries?%s=%s"
                        % (self.A["id"], param, _q(m)), token=self.A["api_key"])
                    if st == 200:
                        self.assertEqual(body["data"], [], body)
                    else:
                        self.assertError((st, {}, body), 422 if param != "webhook"
                                         else st)
                        self.assertIn(st, (404, 422))
        self.assertFalse(os.path.exists(PWNED))


class HostileJsonTests(HostileBase):

    def test_invalid_utf8_in_json_strings_is_400(self):
        wh = b'{"url":"' + HOOK.encode() + b'","events":["*"],"description":"%s"}'
        self.run_rows([
            row("0xFF byte in org_id", "POST", "/v1/apps",
                b'{"org_id":"o\xff","name":"n"}', expect=(400,)),
            row("lone continuation byte in name", "POST", "/v1/apps",
                b'{"org_id":"o","name":"\x80"}', expect=(400,)),
            row("truncated 3-byte sequence at the end of a string", "POST",
                "/v1/apps", b'{"org_id":"o","name":"\xe2\x82"}', expect=(400,)),
            row("0xFE in a webhook description", "POST", "/v1/apps/{A}/webhooks",
                wh.replace(b"%s", b"\xfe"), expect=(400,)),
            row("0xFF in event data", "POST", "/v1/events",
                b'{"type":"user.signin","org_id":"org_a","data":{"k":"\xff"}}',
                expect=(400,)),
            row("0xC3 followed by ASCII in a key", "POST", "/v1/events",
                b'{"type":"user.signin","org_id":"org_a","data":{"\xc3(":1}}',
                expect=(400,)),
        ])

    def test_non_shortest_and_surrogate_utf8_is_400(self):
        # json-c's JSON_TOKENER_VALIDATE_UTF8 accepted overlong forms,
        # encoded surrogates and code points past U+10FFFF; jin_parse now
        # checks the body as RFC 3629 UTF-8 itself.
        self.run_rows([
            row("overlong '/' (C0 AF) in org_id", "POST", "/v1/apps",
                b'{"org_id":"o\xc0\xaf","name":"n"}', expect=(400,)),
            row("encoded surrogate (ED A0 80) in org_id", "POST", "/v1/apps",
                b'{"org_id":"o\xed\xa0\x80","name":"n"}', expect=(400,)),
            row("code point past U+10FFFF (F4 90 80 80) in name", "POST",
                "/v1/apps", b'{"org_id":"o","name":"\xf4\x90\x80\x80"}',
                expect=(400,)),
            row("5-byte form (F8 88 80 80 80) in name", "POST", "/v1/apps",
                b'{"org_id":"o","name":"\xf8\x88\x80\x80\x80"}', expect=(400,)),
        ])

    def test_event_data_with_invalid_utf8_is_400(self):
        # Event data is stored and delivered as received: overlong forms and
        # encoded surrogates must be refused at intake, or receivers get a
        # body that is not UTF-8, which RFC 8259 parsers refuse.
        self.run_rows([
            row("overlong C0 AF in event data", "POST", "/v1/events",
                b'{"type":"user.signin","org_id":"org_a","data":{"x":"\xc0\xaf"}}',
                expect=(400,)),
            row("encoded surrogate ED A0 80 in event data", "POST", "/v1/events",
                b'{"type":"user.signin","org_id":"org_a","data":{"x":"\xed\xa0\x80"}}',
                expect=(400,)),
        ])

    def test_lone_surrogate_escape_is_refused(self):
        # I-JSON: an escaped lone surrogate is no character; json-c would
        # store U+FFFD in its place.
        self.assertError(self.req("POST", "/v1/apps",
                                  b'{"org_id":"org_sur","name":"a\\ud800b\\udc00"}'),
                         400, "invalid_json", "lone surrogate \\ud800")

    def test_deeply_nested_json_is_400(self):
        deep = "[" * 10000 + "]" * 10000
        deepo = '{"a":' * 10000 + "1" + "}" * 10000
        self.run_rows([
            row("10,000 nested arrays as the body of POST /v1/apps", "POST",
                "/v1/apps", deep, expect=(400,), code="invalid_json"),
            row("10,000 nested objects as the body of POST /v1/apps", "POST",
                "/v1/apps", deepo, expect=(400,), code="invalid_json"),
            row("10,000 nested arrays in event data", "POST", "/v1/events",
                '{"type":"user.signin","org_id":"org_a","data":{"x":%s}}' % deep,
                expect=(400,), code="invalid_json"),
            row("10,000 nested arrays as webhook events", "POST",
                "/v1/apps/{A}/webhooks",
                '{"url":"%s","events":%s}' % (HOOK, deep), expect=(400,)),
            row("100,000 unclosed brackets", "POST", "/v1/events",
                "[" * 100000, expect=(400, 413)),
            row("65 levels in event data (limit is 64)", "POST", "/v1/events",
                '{"type":"user.signin","org_id":"org_a","data":%s}'
                % ('{"a":' * 64 + "1" + "}" * 64), expect=(400,)),
        ])

    def test_numbers_out_of_range_are_422(self):
        wh = '{"url":"%s","events":["*"],"rate_limit":%%s}' % HOOK
        rows = []
        for label, num in [("1e309", "1e309"), ("-1e309", "-1e309"), ("-1", "-1"),
                           ("2^64", "18446744073709551616"),
                           ("2^64-1", "18446744073709551615"),
                           ("2^63", "9223372036854775808"),
                           ("-2^63-1", "-9223372036854775809"),
                           ("10001", "10001"), ("1.5", "1.5"), ("1e2", "1e2"),
                           ("100 digits", "9" * 100), ("4294967296", "4294967296"),
                           ("2^32+5 (would wrap to 5)", "4294967301")]:
            rows.append(row("create webhook rate_limit %s" % label, "POST",
                            "/v1/apps/{A}/webhooks", wh % num, expect=(422,),
                            code="invalid_field"))
            rows.append(row("patch webhook rate_limit %s" % label, "PATCH",
                            "/v1/apps/{A}/webhooks/{WA}", '{"rate_limit":%s}' % num,
                            expect=(422,), code="invalid_field"))
        rows += [
            row("NaN literal", "POST", "/v1/apps/{A}/webhooks", wh % "NaN",
                expect=(400,), code="invalid_json"),
            row("Infinity literal", "POST", "/v1/apps/{A}/webhooks",
                wh % "Infinity", expect=(400,), code="invalid_json"),
            # Event data is stored and delivered as received: a literal
            # that is not JSON would reach every receiver.
            row("NaN in event data", "POST", "/v1/events",
                '{"type":"user.signin","org_id":"org_a","data":{"x":NaN}}',
                expect=(400,), code="invalid_json"),
            row("-Infinity in event data", "POST", "/v1/events",
                '{"type":"user.signin","org_id":"org_a","data":{"x":-Infinity}}',
                expect=(400,), code="invalid_json"),
            row("integer beyond 64 bits in event data", "POST", "/v1/events",
                '{"type":"user.signin","org_id":"org_a","data":{"x":%s}}' % ("9" * 30),
                expect=(400, 422)),
            row("hex number", "POST", "/v1/apps/{A}/webhooks", wh % "0x10",
                expect=(400,)),
            row("leading zeros", "POST", "/v1/apps/{A}/webhooks", wh % "007",
                expect=(400,)),
            row("limit=2^64 in the query", "GET",
                "/v1/apps/{A}/deliveries?limit=18446744073709551616", expect=(422,)),
            row("limit=-1 in the query", "GET", "/v1/apps/{A}/deliveries?limit=-1",
                expect=(422,)),
            row("occurred_at in year 99999", "POST", "/v1/events",
                {"type": "user.signin", "org_id": "org_a", "data": {},
                 "occurred_at": "99999-01-01T00:00:00Z"}, expect=(422,)),
            row("occurred_at with month 13", "POST", "/v1/events",
                {"type": "user.signin", "org_id": "org_a", "data": {},
                 "occurred_at": "2026-13-01T00:00:00Z"}, expect=(422,)),
            row("recover since far before 1970", "POST",
                "/v1/apps/{A}/webhooks/{WA}/recover",
                {"since": "-292277022657-01-27T08:29:52Z"}, expect=(422,)),
        ]
        self.run_rows(rows)

    def test_duplicate_keys_are_400(self):
        # json-c keeps the last of duplicate keys, so {"org_id":"a",
        # "org_id":"b"} would create an app of org "b"; a proxy or client
        # library that keeps the first value would see another request
        # than hookd does.  hookd refuses them (cgi/jin.c).
        self.run_rows([
            row("duplicate org_id in POST /v1/apps", "POST", "/v1/apps",
                '{"org_id":"org_a","org_id":"org_b","name":"n"}', expect=(400, 422)),
            row("duplicate url in POST webhooks", "POST", "/v1/apps/{A}/webhooks",
                '{"url":"http://example.com/","url":"%s","events":["*"]}' % HOOK,
                expect=(400, 422)),
            row("duplicate enabled in PATCH", "PATCH",
                "/v1/apps/{A}/webhooks/{WA}", '{"enabled":true,"enabled":false}',
                expect=(400, 422)),
            row("duplicate org_id in an event", "POST", "/v1/events",
                '{"type":"user.signin","org_id":"org_a","org_id":"org_b","data":{}}',
                expect=(400, 422)),
        ])

    def test_huge_and_bad_event_filters_are_4xx(self):
        def filt(entries):
            return json.dumps({"url": HOOK, "events": entries},
                              separators=(",", ":"))
        self.run_rows([
            row("100,000 filter entries", "POST", "/v1/apps/{A}/webhooks",
                filt(["*"] * 100000), expect=(413, 422)),
            row("100,000 filter entries in PATCH", "PATCH",
                "/v1/apps/{A}/webhooks/{WA}",
                json.dumps({"events": ["*"] * 100000}, separators=(",", ":")),
                expect=(413, 422)),
            row("15,000 filter entries (under 64 KiB)", "POST",
                "/v1/apps/{A}/webhooks", filt(["*"] * 15000), expect=(422,),
                code="invalid_field"),
            row("65 filter entries", "POST", "/v1/apps/{A}/webhooks",
                filt(["user.signin"] * 65), expect=(422,)),
            row("64 distinct long entries over the joined cap", "POST",
                "/v1/apps/{A}/webhooks",
                filt(["user.%s.*" % ("x" * 100 + str(i)) for i in range(64)]),
                expect=(422,)),
            row("empty filter list", "POST", "/v1/apps/{A}/webhooks", filt([]),
                expect=(422,)),
            row("number in filter list", "POST", "/v1/apps/{A}/webhooks",
                filt(["*", 5]), expect=(422,)),
            row("null in filter list", "POST", "/v1/apps/{A}/webhooks",
                filt([None]), expect=(422,)),
            row("nested list in filter list", "POST", "/v1/apps/{A}/webhooks",
                filt([["*"]]), expect=(422,)),
            row("empty string filter", "POST", "/v1/apps/{A}/webhooks",
                filt([""]), expect=(422,)),
            row("comma inside a filter entry", "POST", "/v1/apps/{A}/webhooks",
                filt(["user.signin,*"]), expect=(422,)),
            row("infix wildcard", "POST", "/v1/apps/{A}/webhooks",
                filt(["user.*.update"]), expect=(422,)),
            row("SQL in a filter entry", "POST", "/v1/apps/{A}/webhooks",
                filt(["'; DROP TABLE webhooks; --"]), expect=(422,)),
            row("traversal in a filter entry", "POST", "/v1/apps/{A}/webhooks",
                filt(["../*"]), expect=(422,)),
        ])

    def test_wrong_json_types_for_every_field_are_422(self):
        self.run_rows(wrong_type_rows())

    def test_unknown_fields_and_non_object_bodies_are_4xx(self):
        rows = []
        for method, path in [("POST", "/v1/apps"), ("POST", "/v1/apps/{A}/webhooks"),
                             ("PATCH", "/v1/apps/{A}/webhooks/{WA}"),
                             ("POST", "/v1/events"),
                             ("POST", "/v1/apps/{A}/webhooks/{WA}/recover")]:
            for label, body in [("empty body", ""), ("whitespace body", " \r\n\t"),
                                ("null", "null"), ("array", "[]"),
                                ("string", '"x"'), ("number", "0"),
                                ("true", "true"), ("BOM then {}", "\ufeff{}"),
                                ("two objects", "{}{}"),
                                ("unknown field", '{"__proto__":{"admin":true}}')]:
                if method == "PATCH" and label in ("empty body", "whitespace body"):
                    continue    # PATCH with nothing to change: see below
                rows.append(row("%s %s: %s" % (method, path, label), method, path,
                                body, expect=(400, 422)))
            rows.append(row("%s %s: empty body without Content-Type" % (method, path),
                            method, path, "", content_type=None,
                            expect=(400, 415, 422)))
            rows.append(row("%s %s: JSON as text/plain" % (method, path),
                            method, path, "{}", content_type="text/plain",
                            expect=(415,)))
            rows.append(row("%s %s: JSON as application/jsonx" % (method, path),
                            method, path, "{}", content_type="application/jsonx",
                            expect=(415,)))
            rows.append(row("%s %s: charset=latin1" % (method, path), method, path,
                            "{}", content_type="application/json; charset=latin1",
                            expect=(415,)))
        self.run_rows(rows)

    def test_patch_with_empty_body_changes_nothing(self):
        snap = self.snapshot()
        st, _, body = self.req("PATCH", "/v1/apps/%s/webhooks/%s"
                               % (self.A["id"], self.WA["id"]), "")
        self.assertIn(st, (200, 400, 422), body)
        if st == 200:
            return      # a no-op update may legitimately bump nothing or updated_at
        self.assertStoreUnchanged(snap, self.snapshot())

    def test_metacharacters_in_structured_fields_are_422(self):
        rows = []
        for i, m in enumerate(METACHARS + SHELL_PAYLOADS):
            rows += [
                row("event id %d %r" % (i, m), "POST", "/v1/events",
                    {"id": m, "type": "user.signin", "org_id": "org_a", "data": {}},
                    expect=(422,)),
                row("event type %d %r" % (i, m), "POST", "/v1/events",
                    {"type": m, "org_id": "org_a", "data": {}}, expect=(422,)),
                row("event app_id %d %r" % (i, m), "POST", "/v1/events",
                    {"type": "user.signin", "org_id": "org_a", "app_id": m,
                     "data": {}}, expect=(422,)),
                row("event occurred_at %d %r" % (i, m), "POST", "/v1/events",
                    {"type": "user.signin", "org_id": "org_a", "data": {},
                     "occurred_at": m}, expect=(422,)),
                row("webhook secret %d %r" % (i, m), "POST", "/v1/apps/{A}/webhooks",
                    {"url": HOOK, "events": ["*"], "secret": m}, expect=(422,)),
                row("webhook url host %d %r" % (i, m), "POST",
                    "/v1/apps/{A}/webhooks",
                    {"url": "http://%s/" % m, "events": ["*"]}, expect=(422,)),
                row("webhook filter %d %r" % (i, m), "PATCH",
                    "/v1/apps/{A}/webhooks/{WA}", {"events": [m]}, expect=(422,)),
                row("recover since %d %r" % (i, m), "POST",
                    "/v1/apps/{A}/webhooks/{WA}/recover", {"since": m},
                    expect=(422,)),
                row("deliveries status filter %d %r" % (i, m), "GET",
                    "/v1/apps/{A}/deliveries?status=" + _q(m), expect=(422,)),
            ]
        self.run_rows(rows)
        self.assertFalse(os.path.exists(PWNED))


def _q(s):
    import urllib.parse
    return urllib.parse.quote(s, safe="")


class AcceptedMetacharTests(ServerCase):
    """Metacharacters are valid data in free-text fields: stored and
    returned byte-exact, delivered byte-exact, never interpreted."""

    def setUp(self):
        if os.path.exists(PWNED):
            os.unlink(PWNED)

    def tearDown(self):
        self.assertFalse(os.path.exists(PWNED), "a payload was executed")

    def test_app_name_and_org_id_are_stored_byte_exact(self):
        for i, m in enumerate(METACHARS + SHELL_PAYLOADS):
            with self.subTest(m):
                org = "org %d %s" % (i, m)
                st, _, app = self.req("POST", "/v1/apps", {"org_id": org, "name": m})
                self.assertEqual(st, 201, app)
                self.assertEqual((app["org_id"], app["name"]), (org, m))
                st, _, got = self.req("GET", "/v1/apps/" + app["id"],
                                      token=app["api_key"])
                self.assertEqual(st, 200, got)
                self.assertEqual((got["org_id"], got["name"]), (org, m))

    def test_webhook_description_and_url_query_are_stored_byte_exact(self):
        app = self.srv.create_app("org_meta_wh")
        for i, m in enumerate(METACHARS + SHELL_PAYLOADS):
            with self.subTest(m):
                url = HOOK + "?q=" + _q(m)
                wh = self.srv.create_webhook(app, url, description=m)
                self.assertEqual((wh["description"], wh["url"]), (m, url))
                path = "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"])
                st, _, got = self.req("GET", path)
                self.assertEqual(st, 200, got)
                self.assertEqual((got["description"], got["url"]), (m, url))
                d2 = m[::-1]
                st, _, got = self.req("PATCH", path, {"description": d2})
                self.assertEqual((st, got.get("description")), (200, d2), got)
        st, _, lst = self.req("GET", "/v1/apps/%s/webhooks" % app["id"])
        self.assertEqual(sorted(w["description"] for w in lst["data"]),
                         sorted(m[::-1] for m in METACHARS + SHELL_PAYLOADS))

    def test_event_fields_and_data_are_delivered_byte_exact(self):
        rcv = Receiver()
        try:
            org = "org '; DROP TABLE events; -- <b>$(id)</b>"
            app = self.srv.create_app(org)
            self.srv.create_webhook(app, rcv.url, ["user.profile.update"])
            sent = []
            for i, m in enumerate(METACHARS + SHELL_PAYLOADS):
                data = {m: m, "list": [m, {"k": m}], "i": i}
                st, _, ev = self.srv.post_event("user.profile.update", org, data,
                                                user_id=m)
                self.assertEqual(st, 202, ev)
                self.assertEqual(ev["deliveries"], 1)
                sent.append((ev["id"], m, data))
            r = self.srv.run_sender("--once")
            self.assertEqual(r.returncode, 0, r.stderr)
            got = rcv.wait(len(sent))
            self.assertEqual(len(got), len(sent))
            by_id = {json.loads(g["body"])["id"]: json.loads(g["body"]) for g in got}
            for eid, m, data in sent:
                with self.subTest(m):
                    body = by_id[eid]
                    self.assertEqual(body["org_id"], org)
                    self.assertEqual(body["user_id"], m)
                    self.assertEqual(body["data"], data)
        finally:
            rcv.stop()


class ResourceExhaustionTests(ServerCase):
    """An app key holder creating many large webhooks must not make its own
    API answer 5xx: either a cap refuses more webhooks with a 4xx, or the
    list is paged, or it is answered whole."""

    def test_many_max_size_webhooks_do_not_make_the_list_5xx(self):
        # Past ~5,100 webhooks with 2 KiB URLs and 1 KiB descriptions an
        # unpaged list would exceed API_RESPONSE_MAX (16 MiB) and be a 500;
        # the list is paged (limit <= 250).
        app = self.srv.create_app("org_many")
        url = "http://127.0.0.1:9/" + "p" * 1990

        def make(i):
            return self.req("POST", "/v1/apps/%s/webhooks" % app["id"],
                            {"url": url + "%05d" % i, "events": ["*"],
                             "description": "d" * 1024}, token=app["api_key"])[0]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(make, range(5500)))
        self.assertFalse([c for c in codes if c >= 500], set(codes))
        created = codes.count(201)
        self.assertTrue(all(c in (201, 409, 422) for c in codes), set(codes))
        st, _, body = self.req("GET", "/v1/apps/%s/webhooks" % app["id"],
                               token=app["api_key"])
        self.assertLess(st, 500, body)
        self.assertEqual(st, 200, body)
        seen = len(body["data"])
        while body["next_cursor"]:
            st, _, body = self.req("GET", "/v1/apps/%s/webhooks?cursor=%s"
                                   % (app["id"], body["next_cursor"]),
                                   token=app["api_key"])
            self.assertEqual(st, 200, body)
            seen += len(body["data"])
        self.assertEqual(seen, created)


class DirectCgiTests(HostileBase):
    """The inputs lighttpd refuses on its own, given to hookd.fcgi directly
    as CGI variables (a different web server may pass them on)."""

    def cgi(self, env, stdin=b""):
        """Run hookd.fcgi as CGI with env over a GET default (a None value:
        variable unset); (status, head, body)."""
        base = {"HOOKD_CONF": self.srv.conf_path, "PATH": "/usr/bin:/bin",
                "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET"}
        base.update(env)
        base = {k: v for k, v in base.items() if v is not None}
        r = subprocess.run([self.srv.fcgi], input=stdin, env=base,
                           capture_output=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        head, _, body = r.stdout.partition(b"\r\n\r\n")
        status = None
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"status:"):
                status = int(line.split()[1])
        return status, head, body

    def test_overlong_and_odd_cgi_variables_are_clean_4xx(self):
        auth = "Bearer " + self.srv.admin_token
        A, WA = self.A["id"], self.WA["id"]
        cases = [
            ("100 KiB REQUEST_URI", {"REQUEST_METHOD": "DELETE",
                                   "REQUEST_URI": "/v1/apps/" + "a" * (100 << 10),
                                   "HTTP_AUTHORIZATION": auth}, b"", (400, 404, 414)),
            ("100 KiB webhook id", {"REQUEST_METHOD": "DELETE",
                                  "REQUEST_URI": "/v1/apps/%s/webhooks/wh_%s"
                                  % (A, "a" * (100 << 10)),
                                  "HTTP_AUTHORIZATION": auth}, b"", (400, 404, 414)),
            ("100 KiB Authorization", {"REQUEST_METHOD": "DELETE",
                                     "REQUEST_URI": "/v1/apps/" + A,
                                     "HTTP_AUTHORIZATION": "Bearer " + "x" * (100 << 10)},
             b"", (401,)),
            ("100 KiB query string", {"REQUEST_URI": "/v1/apps/%s/deliveries?limit=%s"
                                    % (A, "1" * (100 << 10)),
                                    "HTTP_AUTHORIZATION": auth}, b"", (422,)),
            ("%00 in REQUEST_URI", {"REQUEST_METHOD": "DELETE",
                                    "REQUEST_URI": "/v1/apps/%s%%00" % A,
                                    "HTTP_AUTHORIZATION": auth}, b"", (404,)),
            ("%2f in webhook id", {"REQUEST_METHOD": "DELETE",
                                   "REQUEST_URI": "/v1/apps/%s/webhooks/%s%%2f"
                                   % (A, WA), "HTTP_AUTHORIZATION": auth}, b"", (404,)),
            ("no REQUEST_URI, traversal in PATH_INFO",
             {"REQUEST_METHOD": "DELETE", "SCRIPT_NAME": "/x",
              "PATH_INFO": "/v1/apps/../apps/" + A, "HTTP_AUTHORIZATION": auth},
             b"", (404,)),
            ("100 KiB CONTENT_TYPE", {"REQUEST_METHOD": "POST", "REQUEST_URI": "/v1/apps",
                                    "HTTP_AUTHORIZATION": auth,
                                    "CONTENT_TYPE": "application/json;" + "x" * (100 << 10),
                                    "CONTENT_LENGTH": "2"}, b"{}", (415,)),
            ("CONTENT_LENGTH 2^64", {"REQUEST_METHOD": "POST", "REQUEST_URI": "/v1/apps",
                                     "HTTP_AUTHORIZATION": auth,
                                     "CONTENT_TYPE": "application/json",
                                     "CONTENT_LENGTH": "18446744073709551616"},
             b"{}", (400, 413)),
            ("CONTENT_LENGTH with junk", {"REQUEST_METHOD": "POST",
                                          "REQUEST_URI": "/v1/apps",
                                          "HTTP_AUTHORIZATION": auth,
                                          "CONTENT_TYPE": "application/json",
                                          "CONTENT_LENGTH": "2x"}, b"{}", (400,)),
            ("empty REQUEST_METHOD", {"REQUEST_METHOD": "", "REQUEST_URI": "/v1/apps/" + A,
                                      "HTTP_AUTHORIZATION": auth}, b"", (400, 405)),
            ("no REQUEST_METHOD", {"REQUEST_METHOD": None, "REQUEST_URI": "/v1/apps/" + A,
                                   "HTTP_AUTHORIZATION": auth}, b"", (400,)),
            ("QUERY_STRING of 100 KiB", {"REQUEST_URI": "/v1/apps/%s/deliveries" % A,
                                         "QUERY_STRING": "cursor=" + "Z" * (100 << 10),
                                         "HTTP_AUTHORIZATION": auth}, b"", (422,)),
            ("lower-case method", {"REQUEST_METHOD": "delete",
                                   "REQUEST_URI": "/v1/apps/" + A,
                                   "HTTP_AUTHORIZATION": auth}, b"", (405, 404, 400)),
        ]
        snap = self.snapshot()
        for name, env, stdin, expect in cases:
            with self.subTest(name):
                st, head, body = self.cgi(env, stdin)
                self.assertIn(st, expect, body[:300])
                err = json.loads(body)
                self.assertEqual(list(err), ["error"])
                self.assertEqual(sorted(err["error"]), ["code", "message"])
                now = self.snapshot()
                self.assertStoreUnchanged(snap, now)
                snap = now


if __name__ == "__main__":
    unittest.main()
