"""Strict JSON through the real API: every case of tests/json/cases.txt
(the table tests/unit/test_json_strict.c runs against the gate itself)
sent to lighttpd + hookd.fcgi three ways:

- as the whole body of POST /v1/events;
- as event data, {"type": ..., "data": {"v": TEXT}}, delivered by the real
  sender to a real receiver;
- as a webhook field, {"url": ..., "description": TEXT} in
  POST /v1/apps/{app}/webhooks.

A refused text is 400 invalid_json with "at byte N" (the table's N for the
whole body) and changes nothing in the store.  An accepted one is never
400: as data it reaches the receiver meaning the same (numbers compared by
value), as a description it is stored as sent or refused as a field (422).
"""

import concurrent.futures
import decimal
import json
import os
import re
import time

import harness
from harness import ServerCase
from receiver import Receiver

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "json",
                     "cases.txt")
AT_RE = re.compile(r" at byte (\d+)")
INT64 = (-(1 << 63), (1 << 63) - 1)


def load_cases():
    """[{line, accept, top, text (bytes), at, what}] from the table."""
    out = []
    with open(CASES, "rb") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip(b"\n")
            if not line or line.startswith(b"#"):
                continue
            parts = line.split(b"\t")
            verdict = parts[0].decode()
            text = re.sub(rb"%(%|[0-9A-Fa-f]{2})",
                          lambda m: b"%" if m.group(1) == b"%"
                          else bytes([int(m.group(1), 16)]), parts[1])
            at, what = None, None
            if len(parts) > 2:
                at_s, _, what = parts[2].decode()[1:].partition(" ")
                at = int(at_s)
            out.append(dict(line=n, accept=verdict[0] == "A",
                            top=verdict.endswith("!"), text=text, at=at,
                            what=what))
    return out


class Int(decimal.Decimal):
    """A number written as an integer (no fraction, no exponent)."""


def loads(b):
    """JSON with every number as a Decimal: compared by value."""
    return json.loads(b, parse_float=decimal.Decimal, parse_int=Int)


def ints_fit(v):
    """True if every integer in v fits in 64 bits (hookd refuses others)."""
    if isinstance(v, Int):
        return INT64[0] < v <= INT64[1]
    if isinstance(v, list):
        return all(ints_fit(x) for x in v)
    if isinstance(v, dict):
        return all(ints_fit(x) for x in v.values())
    return True


class StrictJsonTests(ServerCase):
    procs = 2

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rx = Receiver()
        cls.org = "org-json"
        cls.app = cls.srv.create_app(cls.org, "json")
        cls.hook = cls.srv.create_webhook(cls.app, cls.rx.url("/json"), ["*"])
        cls.cases = load_cases()
        cls.pool = concurrent.futures.ThreadPoolExecutor(4)
        cls.wh_path = "/v1/apps/%s/webhooks" % cls.app["id"]

    @classmethod
    def tearDownClass(cls):
        cls.pool.shutdown()
        cls.rx.close()
        super().tearDownClass()

    # ---- the three ways in -------------------------------------------------
    def event_body(self, case):
        return (b'{"id":"jc-%d","type":"user.signin","org_id":"%s","data":{"v":'
                % (case["line"], self.org.encode()) + case["text"] + b"}}")

    def webhook_body(self, case):
        return (b'{"url":"%s","events":["*"],"enabled":false,"description":'
                % self.rx.url("/never").encode() + case["text"] + b"}")

    def three_ways(self, cases):
        """Requests for send_all: each case as the whole body, and (unless
        its verdict holds at the top only) as event data and as a webhook
        field."""
        jobs = []
        for c in cases:
            jobs.append((("whole", c), "POST", "/v1/events", c["text"]))
            if not c["top"]:
                jobs.append((("data", c), "POST", "/v1/events",
                             self.event_body(c)))
                jobs.append((("webhook", c), "POST", self.wh_path,
                             self.webhook_body(c)))
        return jobs

    def send_all(self, jobs):
        """jobs: [(label, method, path, body bytes)] -> [(label, body, status,
        answer)], sent 4 at a time."""
        def one(job):
            label, method, path, body = job
            st, _, ans = self.srv.request(method, path, body)
            return label, body, st, ans
        return list(self.pool.map(one, jobs))

    def snapshot(self):
        d = self.srv.data_dir
        return {f: sorted(harness.db_records(d, f))
                for f in sorted(os.listdir(d)) if f.endswith(".db")}

    def assertInvalidJson(self, label, body, st, ans, at=None, what=None):
        msg = "%s: %r -> %s %r" % (label, body[:120], st, ans)
        self.assertEqual(st, 400, msg)
        self.assertIsInstance(ans, dict, msg)
        self.assertEqual(ans["error"]["code"], "invalid_json", msg)
        m = AT_RE.search(ans["error"]["message"])
        self.assertIsNotNone(m, msg)
        self.assertLessEqual(int(m.group(1)), len(body), msg)
        if at is not None:
            self.assertEqual(int(m.group(1)), at, msg)
        if what is not None:
            self.assertIn(what, ans["error"]["message"], msg)

    def delivered(self, ids, timeout):
        """{event id: envelope} of what the receiver got, once every id of
        ids is there (or the timeout passed)."""
        end = time.time() + timeout
        while True:
            seen = {}
            for r in self.rx.got("/json"):
                env = loads(r["body"])
                seen[env["id"]] = env
            if all(i in seen for i in ids) or time.time() > end:
                return seen
            time.sleep(0.1)

    # ---- tests -------------------------------------------------------------
    def test_refused_texts_are_400_with_the_byte_and_store_nothing_every_way_in(self):
        refused = [c for c in self.cases if not c["accept"]]
        self.assertGreaterEqual(len(refused), 150)
        jobs = self.three_ways(refused)
        before = self.snapshot()
        pids = self.srv.fcgi_pids()
        for (way, c), body, st, ans in self.send_all(jobs):
            label = "line %d as %s" % (c["line"], way)
            if way == "whole":
                # the table's offset and reason, exactly
                self.assertInvalidJson(label, body, st, ans, c["at"], c["what"])
            else:
                self.assertInvalidJson(label, body, st, ans)
        after = self.snapshot()
        for f in before:
            self.assertEqual(before[f], after.get(f), "%s changed" % f)
        self.assertEqual(self.srv.fcgi_pids(), pids, "a FastCGI process died")
        print("\n  %d refused texts, %d requests: all 400 invalid_json"
              % (len(refused), len(jobs)))

    def test_accepted_texts_reach_the_receiver_unchanged_and_are_never_400(self):
        accepted = [c for c in self.cases if c["accept"]]
        self.assertGreaterEqual(len(accepted), 80)
        jobs = self.three_ways(accepted)
        want, stored_desc = {}, []
        for (way, c), body, st, ans in self.send_all(jobs):
            label = "line %d as %s: %r -> %s %r" % (c["line"], way,
                                                    body[:120], st, ans)
            value = loads(c["text"])
            if way == "whole":
                # JSON, but not an event: a field error, never invalid_json
                self.assertEqual((st, ans["error"]["code"]),
                                 (422, "invalid_field"), label)
            elif way == "data":
                if ints_fit(value):
                    self.assertEqual(st, 202, label)
                    want["jc-%d" % c["line"]] = value
                else:
                    self.assertEqual(st, 422, label)
                    self.assertIn("data:", ans["error"]["message"], label)
            else:
                ok = (isinstance(value, str) and "\0" not in value
                      and len(value.encode()) <= 1024)
                if ok:
                    self.assertEqual(st, 201, label)
                    stored_desc.append((ans["id"], value, label))
                else:
                    self.assertEqual((st, ans["error"]["code"]),
                                     (422, "invalid_field"), label)
                    self.assertIn("description", ans["error"]["message"], label)
        # descriptions: stored as sent
        self.assertGreater(len(stored_desc), 20)
        for wh, value, label in stored_desc:
            st, _, got = self.srv.request("GET", "%s/%s" % (self.wh_path, wh))
            self.assertEqual((st, got["description"]), (200, value), label)
        # data: through the sender, to the receiver
        self.assertGreater(len(want), 60)
        p = self.srv.start_sender("--loop")
        try:
            seen = self.delivered(want, timeout=30)
        finally:
            p.terminate()
            p.wait(10)
        for eid, value in want.items():
            self.assertIn(eid, seen)
            self.assertEqual(seen[eid]["data"]["v"], value, eid)
        print("\n  %d accepted texts: %d events delivered unchanged, %d "
              "descriptions stored" % (len(accepted), len(want),
                                       len(stored_desc)))

    def test_nesting_64_deep_is_accepted_and_65_refused_every_way_in(self):
        def event(levels):      # the body is one level, data another
            inner = "[" * (levels - 2) + "]" * (levels - 2)
            return ('{"type":"user.signin","org_id":"%s","data":{"v":%s}}'
                    % (self.org, inner)).encode()

        def webhook(levels):
            inner = "[" * (levels - 1) + "]" * (levels - 1)
            return ('{"url":"%s","events":["*"],"enabled":false,'
                    '"description":%s}' % (self.rx.url("/never"), inner)).encode()

        st, _, ans = self.srv.request("POST", "/v1/events", event(64))
        self.assertEqual(st, 202, ans)
        st, _, ans = self.srv.request("POST", "/v1/events", event(65))
        self.assertInvalidJson("event depth 65", event(65), st, ans, None,
                               "nesting deeper than 64")
        st, _, ans = self.srv.request("POST", self.wh_path, webhook(64))
        self.assertEqual((st, ans["error"]["code"]), (422, "invalid_field"))
        st, _, ans = self.srv.request("POST", self.wh_path, webhook(65))
        self.assertInvalidJson("webhook depth 65", webhook(65), st, ans, None,
                               "nesting deeper than 64")

    def test_nul_escape_reaches_the_receiver_in_a_value_and_is_400_in_a_name(self):
        body = ('{"id":"nul-1","type":"user.signin","org_id":"%s",'
                '"data":{"s":"a\\u0000b","k":["\\u0000"]}}' % self.org).encode()
        st, _, ans = self.srv.request("POST", "/v1/events", body)
        self.assertEqual(st, 202, ans)
        self.srv.run_sender("--once")
        self.assertIn("nul-1", self.delivered(["nul-1"], timeout=15))
        got = [r for r in self.rx.got("/json")
               if json.loads(r["body"])["id"] == "nul-1"]
        self.assertEqual(len(got), 1)
        self.assertIn(b'"data":{"s":"a\\u0000b","k":["\\u0000"]}', got[0]["body"])
        self.assertEqual(json.loads(got[0]["body"])["data"]["s"], "a\0b")
        body = ('{"type":"user.signin","org_id":"%s",'
                '"data":{"foo\\u0000bar":1}}' % self.org).encode()
        st, _, ans = self.srv.request("POST", "/v1/events", body)
        self.assertInvalidJson("NUL in a name", body, st, ans,
                               body.index(b"\\u0000"), "\\u0000 in a member name")

    def test_null_is_422_for_every_field_of_every_endpoint(self):
        wh = self.srv.create_webhook(self.app, self.rx.url("/never"), ["*"],
                                     enabled=False)
        whp = "%s/%s" % (self.wh_path, wh["id"])
        rows = [
            ("POST", "/v1/apps", {"org_id": "o", "name": "n"}),
            ("POST", self.wh_path, {"url": self.rx.url("/x"), "events": ["*"],
                                    "description": "", "secret": "",
                                    "rate_limit": 0, "enabled": False}),
            ("PATCH", whp, {"url": "", "events": [], "enabled": True,
                            "description": "", "rate_limit": 0}),
            ("POST", whp + "/secret/rotate", {"secret": ""}),
            ("POST", whp + "/recover", {"since": ""}),
            ("POST", "/v1/events", {"id": "", "type": "", "org_id": "",
                                    "app_id": "", "user_id": "", "data": {},
                                    "occurred_at": ""}),
        ]
        before = self.snapshot()
        for method, path, fields in rows:
            for name in fields:
                with self.subTest(method=method, path=path, field=name):
                    st, _, ans = self.srv.request(method, path, {name: None})
                    self.assertEqual(st, 422, ans)
                    self.assertEqual(ans["error"]["code"], "invalid_field")
                    self.assertTrue(ans["error"]["message"].startswith(
                        name + ": must not be null"), ans)
        after = self.snapshot()
        for f in before:
            self.assertEqual(before[f], after.get(f), "%s changed" % f)
        # null inside event data is ordinary JSON
        st, _, ans = self.srv.post_event("user.signin", self.org, {"x": None})
        self.assertEqual(st, 202, ans)
