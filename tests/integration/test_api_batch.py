"""POST /v1/events/batch: per-event results in request order, the valid
events stored and delivered once each, the invalid ones storing nothing,
idempotency inside the batch and against stored events, whole-batch
refusals, the body cap, auth, and no event of an answered batch lost to
a SIGKILL."""

import collections
import json
import os
import random
import re
import threading
import time
import unittest
import uuid

import harness
from faults import stored_event_ids
from harness import ServerCase
from receiver import Receiver

MAX_BATCH = 256 * 1024


def org():
    return "org-" + uuid.uuid4().hex[:12]


def ev(org_id, eid=None, type_="user.signin", **kw):
    e = {"type": type_, "org_id": org_id,
         "data": kw.pop("data", {"method": "password"})}
    if eid is not None:
        e["id"] = eid
    e.update(kw)
    return e


def uid(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


class BatchTests(ServerCase):
    config = {"max_batch_bytes": str(MAX_BATCH), "max_event_bytes": "4K"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rx = Receiver()

    @classmethod
    def tearDownClass(cls):
        cls.rx.close()
        super().tearDownClass()

    def setUp(self):
        self.org = org()
        self.app = self.srv.create_app(self.org, "a")
        self.stranger = self.srv.create_app(org(), "another org's")
        self.path = "/" + uuid.uuid4().hex[:8]
        self.hook = self.srv.create_webhook(self.app, self.rx.url(self.path),
                                            ["user.*"])

    def batch(self, events, **kw):
        return self.req("POST", "/v1/events/batch", {"events": events}, **kw)

    def stored(self):
        return stored_event_ids(self.srv.data_dir)

    def delivered(self):
        """Event ids the receiver got at this test's path, with counts,
        after one sender pass."""
        p = self.srv.run_sender("--once")
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        return collections.Counter(json.loads(r["body"])["id"]
                                   for r in self.rx.got(self.path))

    def test_user_id_lanes_of_a_batch_number_each_user_in_order(self):
        # the handed-over batch frees its body on the request thread: the
        # user_id each event's FIFO lane is keyed by must be its own copy
        hook = self.srv.create_webhook(
            self.app, self.rx.url(self.path + "/fifo"), ["user.*"],
            ordering="fifo", ordering_key="user_id")
        users = ["u-%d-%s" % (i % 3, "x" * (60 * (i % 3))) for i in range(9)]
        ids = [uid("lane") for _ in users]
        st, _, body = self.batch([ev(self.org, e, user_id=u)
                                  for e, u in zip(ids, users)])
        self.assertEqual(st, 200, body)
        self.assertEqual([r["status"] for r in body["data"]], [202] * 9)
        st, _, out = self.req("GET", "/v1/apps/%s/deliveries?webhook=%s"
                              "&limit=50" % (self.app["id"], hook["id"]))
        self.assertEqual(st, 200, out)
        seq = {d["event_id"]: d["sequence"] for d in out["data"]}
        self.assertEqual(sorted(seq), sorted(ids))
        want, n = {}, collections.Counter()
        for e, u in zip(ids, users):
            n[u] += 1
            want[e] = n[u]
        self.assertEqual(seq, want)

    def test_mixed_batch_answers_each_event_in_order_and_stores_only_the_valid(self):
        o = self.org
        ok1, ok2 = uid("ok"), uid("ok")
        bad = [uid("bad") for _ in range(5)]
        events = [
            ev(o, ok1),
            ev(o, bad[0], type_=None),                     # type missing
            ev(o),                                          # id made here
            ev(o, bad[1], type_="no.such.type"),            # not in catalog
            ev(o, bad[2], app_id=self.stranger["id"]),      # app not in org
            ev(o, bad[3], data={"method": "sso", "pad": "x" * 6000}),  # > 4K
            ev(o, ok2, type_="user.profile.update"),
            ev(o, bad[4], extra=1),                         # unknown field
        ]
        st, _, body = self.batch(events)
        self.assertEqual(st, 200, body)
        self.assertEqual(list(body), ["data"])
        res = body["data"]
        self.assertEqual(len(res), len(events))
        self.assertEqual([r["status"] for r in res],
                         [202, 422, 202, 422, 422, 422, 202, 422])
        self.assertEqual(res[0], {"id": ok1, "status": 202, "deliveries": 1})
        self.assertEqual(res[6], {"id": ok2, "status": 202, "deliveries": 1})
        made = res[2]["id"]
        self.assertTrue(made.startswith("evt_"), made)
        self.assertEqual(res[2]["deliveries"], 1)
        for i in (1, 3, 4, 5, 7):
            self.assertEqual(sorted(res[i]), ["error", "index", "status"])
            self.assertEqual(res[i]["index"], i)
            self.assertEqual(sorted(res[i]["error"]), ["code", "message"])
        self.assertIn("type", res[1]["error"]["message"])
        self.assertIn("catalog", res[3]["error"]["message"])
        self.assertIn("app_id", res[4]["error"]["message"])
        self.assertEqual(res[5]["error"]["code"], "payload_too_large")
        self.assertIn("extra", res[7]["error"]["message"])
        # each refusal is what POST /v1/events answers for that event
        for i in (1, 3, 4, 7):
            st1, _, one = self.req("POST", "/v1/events", events[i])
            self.assertEqual((st1, one["error"]), (422, res[i]["error"]))

        stored = self.stored()
        self.assertLessEqual({ok1, ok2, made}, stored)
        self.assertFalse(set(bad) & stored, set(bad) & stored)
        self.assertEqual(self.delivered(), {ok1: 1, ok2: 1, made: 1})
        # the answer is written after the commit into room the
        # transaction kept (batch_answer_max): it never needs more
        self.assertNotIn("outgrew the room", self.srv.log())

    def test_an_answer_of_many_refusals_fits_the_room_the_commit_kept(self):
        """The answer is written after the commit, into room counted in
        the transaction (cgi/batch.c batch_answer_max): an answer of
        mostly refusals, each with its error, still fits it."""
        o = self.org
        ok = uid("ok")
        events = [ev(o, ok)] + [ev(o, uid("bad"), extra=1) for _ in range(60)]
        st, _, body = self.batch(events)
        self.assertEqual(st, 200, body)
        self.assertEqual([r["status"] for r in body["data"]],
                         [202] + [422] * 60)
        self.assertNotIn("outgrew the room", self.srv.log())

    def pending(self):
        """The queue counter of pending deliveries, as the metrics.prom
        of a sender pass gives it (a count that went below zero shows
        as 0)."""
        p = self.srv.run_sender("--once")
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        with open(os.path.join(self.srv.status_dir, "metrics.prom")) as f:
            m = re.search(r'^hookd_deliveries\{status="pending"\} (\d+)$',
                          f.read(), re.M)
        return int(m.group(1))

    def test_each_event_gets_its_own_fan_out_and_the_counters_all_of_them(self):
        """The batch looks the fan-out up once per run of equal (org, app,
        type) and writes the queue counters once: every event still gets
        exactly the deliveries it would get alone, and the counters count
        each of them."""
        o, o2 = org(), org()
        a1, a2 = self.srv.create_app(o, "a1"), self.srv.create_app(o, "a2")
        other = self.srv.create_app(o2, "c")
        closed = "http://127.0.0.1:9/"      # they stay pending
        for a, evs in ((a1, ["user.*"]), (a2, ["user.signin"]),
                       (a2, ["user.signin"]), (other, ["*"])):
            self.srv.create_webhook(a, closed, evs)
        sign, prof = "user.signin", "user.profile.update"
        # (event, deliveries): o's signin 3, profile 1; a2's signin 2
        cases = [(ev(o), 3), (ev(o), 3), (ev(o, type_=prof), 1),
                 (ev(o, app_id=a2["id"]), 2), (ev(o, type_=prof, app_id=a2["id"]), 0),
                 (ev(o2), 1), (ev(o2, type_=prof), 1),
                 (ev(o, app_id=self.stranger["id"]), None),     # refused
                 (ev(o, type_=sign), 3),
                 (ev(o, type_=prof, app_id=a1["id"]), 1),
                 (ev(o, app_id=a1["id"]), 1), (ev(o, type_=prof), 1)]
        before = self.pending()
        st, _, body = self.batch([e for e, _ in cases])
        self.assertEqual(st, 200, body)
        self.assertEqual([r.get("deliveries") for r in body["data"]],
                         [n for _, n in cases])
        total = sum(n for _, n in cases if n)
        self.assertEqual(self.pending() - before, total)
        # each the same alone
        for e, n in cases:
            st1, _, one = self.req("POST", "/v1/events", e)
            if n is None:
                self.assertEqual(st1, 422, one)
            else:
                self.assertEqual((st1, one["deliveries"]), (202, n))
        self.assertEqual(self.pending() - before, 2 * total)

    def test_duplicate_ids_in_the_batch_and_against_stored_are_200_once(self):
        o = self.org
        old, new = uid("old"), uid("new")
        st, _, one = self.req("POST", "/v1/events", ev(o, old))
        self.assertEqual(st, 202, one)
        st, _, body = self.batch([ev(o, old), ev(o, new), ev(o, new),
                                  ev(o, old, data={"method": "otp"})])
        self.assertEqual(st, 200, body)
        self.assertEqual(body["data"], [
            {"id": old, "status": 200, "deliveries": 1},
            {"id": new, "status": 202, "deliveries": 1},
            {"id": new, "status": 200, "deliveries": 1},
            {"id": old, "status": 200, "deliveries": 1}])
        # the same batch again: every one a repeat
        st, _, again = self.batch([ev(o, old), ev(o, new)])
        self.assertEqual([r["status"] for r in again["data"]], [200, 200])
        self.assertEqual(self.delivered(), {old: 1, new: 1})

    def test_zero_and_1001_events_are_422_and_store_nothing(self):
        self.assertError(self.batch([]), 422, "invalid_field", "events")
        ids = [uid("many") for _ in range(1001)]
        self.assertError(self.batch([ev(self.org, i) for i in ids]), 422,
                         "invalid_field", "1000")
        self.assertFalse(set(ids) & self.stored())
        # 1000 is allowed
        st, _, body = self.batch([ev(self.org, i) for i in ids[:1000]])
        self.assertEqual(st, 200, str(body)[:300])
        self.assertEqual([r["status"] for r in body["data"]], [202] * 1000)
        self.assertEqual([r["id"] for r in body["data"]], ids[:1000])
        self.assertLessEqual(set(ids[:1000]), self.stored())

    def test_a_body_not_of_the_shape_is_refused_whole_and_stores_nothing(self):
        o = self.org
        good = uid("good")
        path = "/v1/events/batch"
        self.assertError(self.req("POST", path, [ev(o, good)]), 422,
                         "invalid_field", "object")
        self.assertError(self.req("POST", path, {"events": ev(o, good)}),
                         422, "invalid_field", "events")
        self.assertError(self.req("POST", path, {"events": "x"}), 422,
                         "invalid_field", "events")
        self.assertError(self.req("POST", path, {}), 422, "invalid_field",
                         "events")
        self.assertError(self.batch([ev(o, good), 5]), 422, "invalid_field",
                         "events[1]")
        self.assertError(self.batch([ev(o, good), [ev(o)]]), 422,
                         "invalid_field", "events[1]")
        self.assertError(self.req("POST", path, {"events": [ev(o, good)],
                                                 "more": 1}),
                         422, "invalid_field", "more")
        self.assertError(self.req("POST", path, '{"events": [%s' %
                                  json.dumps(ev(o, good))), 400,
                         "invalid_json")
        self.assertNotIn(good, self.stored())

    def test_an_event_may_nest_as_deep_as_one_posted_alone(self):
        def deep(n):
            inner = {}
            for _ in range(n):
                inner = {"d": inner}
            return ev(self.org, uid("deep"),
                      data={"method": "passkey", "d": inner})

        # the deepest POST /v1/events takes (bisection: ok, too deep)
        lo, hi = 1, 300
        self.assertEqual(self.req("POST", "/v1/events", deep(hi))[0], 400)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            st = self.req("POST", "/v1/events", deep(mid))[0]
            self.assertIn(st, (202, 400))
            lo, hi = (mid, hi) if st == 202 else (lo, mid)
        st, _, body = self.batch([deep(lo)])
        self.assertEqual(st, 200, body)
        self.assertEqual(body["data"][0]["status"], 202)
        self.assertEqual(self.batch([deep(hi)])[0], 400)

    def test_body_over_max_batch_bytes_is_413(self):
        n = MAX_BATCH // 3000 + 2
        ids = [uid("big") for _ in range(n)]
        events = [ev(self.org, i, data={"method": "sso", "pad": "p" * 3000})
                  for i in ids]
        self.assertGreater(len(json.dumps({"events": events})), MAX_BATCH)
        self.assertError(self.batch(events), 413, "payload_too_large",
                         str(MAX_BATCH))
        self.assertFalse(set(ids) & self.stored())
        # just under the cap is taken
        k = n
        while len(json.dumps({"events": events[:k]})) > MAX_BATCH:
            k -= 1
        st, _, body = self.batch(events[:k])
        self.assertEqual(st, 200, str(body)[:300])

    def test_an_app_key_or_no_token_is_refused_as_for_post_events(self):
        e = ev(self.org, uid("auth"))
        for token in (None, self.app["api_key"], "wrong"):
            single = self.req("POST", "/v1/events", e, token=token)
            many = self.batch([e], token=token)
            self.assertIn(single[0], (401, 403))
            self.assertEqual(many[0], single[0], many)
            self.assertEqual(many[2], single[2])
        self.assertNotIn(e["id"], self.stored())


class BatchUnderSigkill(unittest.TestCase):
    """Durable batches: with durability = sync, every event of a batch
    answered 200 is stored after its FastCGI process is SIGKILLed right
    after the answer; a batch whose answer was lost is stored whole or
    not at all."""

    BATCHES = 12
    SIZE = 100

    def setUp(self):
        self.rx = Receiver()
        self.srv = harness.Server(procs=2, config={"durability": "sync"})
        self.srv.start()
        self.addCleanup(self.rx.close)
        self.addCleanup(self.srv.stop)

    def post(self, events):
        try:
            return self.srv.request("POST", "/v1/events/batch",
                                    {"events": events}, timeout=30)
        except (OSError, harness.http.client.HTTPException) as e:
            return None, None, repr(e)

    def until_up(self):
        """Wait until the API answers again after a kill (lighttpd
        respawns a process at a request to it)."""
        for _ in range(100):
            try:
                if self.srv.request("GET", "/v1/health", token=None,
                                    timeout=5)[0] == 200:
                    return
            except (OSError, harness.http.client.HTTPException):
                pass
            time.sleep(0.1)
        self.fail("the API did not come back")

    def test_sigkill_right_after_the_answer_loses_no_event_of_the_batch(self):
        srv, o = self.srv, org()
        app = srv.create_app(o, "a")
        srv.create_webhook(app, self.rx.url("/k"), ["*"])
        acked, batches = set(), []
        # 1. kill every FastCGI process the moment an answer arrived
        for b in range(self.BATCHES):
            ids = ["ack-%02d-%03d" % (b, i) for i in range(self.SIZE)]
            batches.append(ids)
            # the processes killed last round respawn at a request: a
            # try that fails is posted again (a repeat answers 200)
            for _ in range(100):
                st, _, body = self.post([ev(o, i) for i in ids])
                if st == 200:
                    break
                time.sleep(0.1)
            for pid in srv.fcgi_pids():
                harness.os.kill(pid, harness.signal.SIGKILL)
            self.assertEqual(st, 200, body)
            self.assertEqual([r["id"] for r in body["data"]], ids)
            self.assertLessEqual({r["status"] for r in body["data"]},
                                 {200, 202})
            acked |= set(ids)
        # 2. kill every FastCGI process while a batch is in flight, then
        #    post it again as a careful client does: the retry's answer
        #    says what the killed try left, all of it (every one 200) or
        #    nothing (every one 202), never a part
        rng = random.Random(7)
        outcome = collections.Counter()
        for b in range(self.BATCHES):
            ids = ["mid-%02d-%03d" % (b, i) for i in range(self.SIZE)]
            batches.append(ids)
            first = []
            self.until_up()
            t = threading.Thread(target=lambda b=[ev(o, i) for i in ids]:
                                 first.append(self.post(b)))
            t.start()
            time.sleep(rng.uniform(0.0, 0.06))
            for pid in srv.fcgi_pids():
                harness.os.kill(pid, harness.signal.SIGKILL)
            t.join()
            if first[0][0] == 200:
                outcome["answered"] += 1
                acked |= set(ids)
                continue
            for _ in range(100):
                st, _, body = self.post([ev(o, i) for i in ids])
                if st == 200:
                    break
                time.sleep(0.1)
            self.assertEqual(st, 200, body)
            self.assertEqual([r["id"] for r in body["data"]], ids)
            got = {r["status"] for r in body["data"]}
            self.assertIn(got, ({200}, {202}), "half a batch was stored")
            outcome["committed, answer lost" if got == {200}
                    else "rolled back"] += 1
            acked |= set(ids)
        self.assertGreater(sum(outcome.values()) - outcome["answered"], 0,
                           "no batch was hurt: proved nothing")
        # a fresh process recovers the environment before it is read
        self.until_up()
        stored = stored_event_ids(srv.data_dir)
        self.assertEqual(sorted(acked - stored), [])
        for ids in batches:       # all or nothing
            got = set(ids) & stored
            self.assertIn(len(got), (0, len(ids)), ids[0])
        # every stored event delivered exactly once
        p = srv.run_sender("--once", timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        got = collections.Counter(json.loads(r["body"])["id"]
                                  for r in self.rx.got("/k"))
        self.assertEqual(set(got), stored)
        self.assertEqual(set(got.values()), {1})
        print("\nbatch under SIGKILL: %d batches, killed in flight: %s; "
              "%d events acknowledged, %d stored"
              % (len(batches), dict(outcome), len(acked), len(stored)))


if __name__ == "__main__":
    unittest.main()
