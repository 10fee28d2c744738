"""FIFO lanes through the real programs (docs/delivery.md, "Ordered
delivery"): per-lane order and one delivery in flight per lane against a
receiver that fails first attempts, webhook-sequence 1..n per lane and the
same on retries, a control webhook without ordering that does reorder,
lanes per user_id, a stuck lane that holds no other, an exhausted head
that lets its lane move on, disable + recover, the retry rules, and a
sender killed mid-lane."""

import json
import os
import signal
import time

from test_send import SendCase


def n_of(body):
    return json.loads(body)["data"].get("n", -1)


def user_of(body):
    return json.loads(body).get("user_id")


def succeeded(reqs):
    return [r for r in reqs if 200 <= r["status"] < 300]


class FifoCase(SendCase):
    CONFIG = dict(SendCase.CONFIG, retry_schedule="0,150ms,150ms",
                  concurrency="16", per_webhook_concurrency="16")

    def fifo(self, app, path, **fields):
        fields.setdefault("ordering", "fifo")
        return self.webhook(app, self.rx.url(path), **fields)

    def post(self, app, n, user=None):
        kw = {"user_id": user} if user is not None else {}
        return self.event(app, {"n": n}, **kw)["id"]

    def until(self, cond, timeout=20, what="condition"):
        end = time.time() + timeout
        while time.time() < end:
            if cond():
                return
            time.sleep(0.05)
        self.fail("timed out waiting for " + what)

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(20), 0)

    def lane_stream(self, reqs, key):
        """Per lane (key(request)): the requests in arrival order."""
        lanes = {}
        for r in sorted(reqs, key=lambda r: r["at"]):
            lanes.setdefault(key(r), []).append(r)
        return lanes


class TestFifoOrder(FifoCase):

    def test_interleaved_users_keep_order_one_at_a_time_per_lane(self):
        app = self.app()
        # every third event fails its first attempt, on both webhooks
        def decide(body, headers, nth):
            return 500 if n_of(body) % 3 == 0 and nth == 0 else 204
        self.rx.set("/fifo_u", decide=decide)
        self.rx.set("/ctrl_u", decide=decide)
        wh = self.fifo(app, "/fifo_u", ordering_key="user_id")
        self.assertEqual((wh["ordering"], wh["ordering_key"]),
                         ("fifo", "user_id"))
        ctrl = self.webhook(app, self.rx.url("/ctrl_u"))
        self.assertEqual((ctrl["ordering"], ctrl["ordering_key"]),
                         ("none", "webhook"))
        users = ["alice", "bob", None, "carol"]
        sent = []
        for i in range(32):
            u = users[i % 4]
            self.post(app, i, u)
            sent.append((i, u))
        first = sum(1 for i, _ in sent if i % 3 == 0)
        p, _ = self.start_loop("fifo_u")
        try:
            self.rx.wait(32 + first, path="/fifo_u", timeout=30)
            self.rx.wait(32 + first, path="/ctrl_u", timeout=30)
        finally:
            self.stop(p)
        reqs = self.rx.got("/fifo_u")
        self.assertEqual(len(succeeded(reqs)), 32)
        lanes = self.lane_stream(reqs, lambda r: user_of(r["body"]))
        self.assertEqual(set(lanes), set(users))
        for u, rs in lanes.items():
            want_n = [i for i, uu in sent if uu == u]
            # exactly: (fail, ok) for a failing one, ok otherwise, in
            # intake order -- nothing of the lane between them
            want = []
            for k, i in enumerate(want_n):
                want += [(i, k + 1, 500), (i, k + 1, 204)] if i % 3 == 0 \
                    else [(i, k + 1, 204)]
            got = [(n_of(r["body"]), int(r["headers"]["webhook-sequence"]),
                    r["status"]) for r in rs]
            self.assertEqual(got, want, "lane %r" % u)
        # control: no sequence, and the failed first attempt let later
        # events overtake it
        creqs = self.rx.got("/ctrl_u")
        self.assertFalse(any("webhook-sequence" in r["headers"]
                             for r in creqs))
        order = [n_of(r["body"]) for r in
                 sorted(succeeded(creqs), key=lambda r: r["at"])]
        self.assertNotEqual(order, sorted(order))
        # the API shows the sequence; null outside FIFO
        ds = self.deliveries(app)
        seqs = {d["webhook_id"]: set() for d in ds}
        for d in ds:
            seqs[d["webhook_id"]].add(d["sequence"])
        self.assertEqual(seqs[ctrl["id"]], {None})
        self.assertEqual(seqs[wh["id"]], set(range(1, 9)))

    def test_webhook_lane_by_default_and_test_event_has_no_sequence(self):
        app = self.app()
        self.rx.set("/fifo_w", decide=lambda b, h, nth:
                    500 if n_of(b) == 0 and nth < 2 else 204)
        wh = self.fifo(app, "/fifo_w")
        self.assertEqual(wh["ordering_key"], "webhook")
        for i in range(6):
            self.post(app, i, "u%d" % i)   # users ignored: one lane
        st, _, body = self.srv.request(
            "POST", "/v1/apps/%s/webhooks/%s/test" % (app["id"], wh["id"]),
            {})
        self.assertEqual(st, 202, body)
        p, _ = self.start_loop("fifo_w")
        try:
            self.rx.wait(9, path="/fifo_w", timeout=30)
        finally:
            self.stop(p)
        reqs = sorted(self.rx.got("/fifo_w"), key=lambda r: r["at"])
        tests = [r for r in reqs if json.loads(r["body"])["type"] ==
                 "webhook.test"]
        self.assertEqual(len(tests), 1)
        self.assertNotIn("webhook-sequence", tests[0]["headers"])
        laned = [(n_of(r["body"]), r["headers"]["webhook-sequence"])
                 for r in reqs if r not in tests]
        self.assertEqual(laned, [(0, "1"), (0, "1"), (0, "1")] +
                         [(i, str(i + 1)) for i in range(1, 6)])

    def test_changing_the_ordering_applies_to_later_deliveries(self):
        app = self.app()
        wh = self.fifo(app, "/change")

        def patch(**f):
            st, _, body = self.srv.request(
                "PATCH", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]),
                f)
            self.assertEqual(st, 200, body)
        ids = [self.post(app, 0, "a"), self.post(app, 1, "a")]
        patch(ordering_key="user_id")
        ids += [self.post(app, 2, "a"), self.post(app, 3)]
        patch(ordering="none")
        ids.append(self.post(app, 4, "a"))
        seq = {d["event_id"]: d["sequence"] for d in self.deliveries(app)}
        self.assertEqual([seq[i] for i in ids], [1, 2, 1, 1, None])
        self.send_once()
        got = {n_of(r["body"]): r["headers"].get("webhook-sequence")
               for r in self.rx.got("/change")}
        self.assertEqual(got, {0: "1", 1: "2", 2: "1", 3: "1", 4: None})

    def test_bad_ordering_values_are_422(self):
        app = self.app()
        for field in ({"ordering": "lifo"}, {"ordering_key": "org"},
                      {"ordering": 1}):
            st, _, body = self.srv.request(
                "POST", "/v1/apps/%s/webhooks" % app["id"],
                dict({"url": self.rx.url("/x"), "events": ["*"]}, **field))
            self.assertEqual(st, 422, body)
        wh = self.webhook(app, self.rx.url("/x"))
        st, _, body = self.srv.request(
            "PATCH", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]),
            {"ordering": "fifo", "ordering_key": "user_id"})
        self.assertEqual(st, 200, body)
        self.assertEqual((body["ordering"], body["ordering_key"]),
                         ("fifo", "user_id"))
        st, _, body = self.srv.request(
            "GET", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]))
        self.assertEqual(body["ordering"], "fifo")


class TestFifoStuck(FifoCase):

    def test_stuck_lane_holds_no_other_and_exhausted_head_moves_on(self):
        app = self.app()
        state = {"fail_stuck": True}
        self.rx.set("/stuck", decide=lambda b, h, nth:
                    500 if user_of(b) == "stuck" and state["fail_stuck"]
                    else 204)
        wh = self.fifo(app, "/stuck", ordering_key="user_id")
        self.post(app, 0, "stuck")
        self.post(app, 1, "stuck")
        for i in range(2, 8):
            self.post(app, i, "free")
        p, _ = self.start_loop("stuck")
        try:
            # 3 attempts each for the two stuck ones, 6 free ones
            self.rx.wait(12, path="/stuck", timeout=30)
            self.until(lambda: {d["status"] for d in self.deliveries(app)
                                if d["status"] != "delivered"} ==
                       {"failed"}, what="both stuck ones failed")
        finally:
            self.stop(p)
        reqs = sorted(self.rx.got("/stuck"), key=lambda r: r["at"])
        stuck = [r for r in reqs if user_of(r["body"]) == "stuck"]
        free = [r for r in reqs if user_of(r["body"]) == "free"]
        self.assertEqual([n_of(r["body"]) for r in stuck], [0] * 3 + [1] * 3)
        self.assertEqual(len(free), 6)
        # the free lane was done before the stuck head gave up
        self.assertLess(max(r["at"] for r in free), stuck[2]["at"])
        ds = {n: d for d in self.deliveries(app)
              for n in [d["sequence"]] if user_of is not None}
        failed = [d for d in self.deliveries(app) if d["status"] == "failed"]
        self.assertEqual(sorted(d["sequence"] for d in failed), [1, 2])
        del ds

        # disable + recover: both back in their lane, in sequence order
        self.post(app, 8, "stuck")
        base = len(self.rx.got("/stuck"))
        st, _, body = self.srv.request(
            "PATCH", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]),
            {"enabled": False})
        self.assertEqual(st, 200, body)
        self.assertEqual(
            sorted(d["sequence"] for d in self.deliveries(app)
                   if d["status"] == "failed"), [1, 2, 3])
        state["fail_stuck"] = False
        st, _, body = self.srv.request(
            "PATCH", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]),
            {"enabled": True})
        self.assertEqual(st, 200, body)
        st, _, body = self.srv.request(
            "POST", "/v1/apps/%s/webhooks/%s/recover" % (app["id"],
                                                        wh["id"]),
            {"since": "2000-01-01T00:00:00Z"})
        self.assertEqual(st, 202, body)
        p, _ = self.start_loop("stuck2")
        try:
            self.rx.wait(base + 3, path="/stuck", timeout=30)
        finally:
            self.stop(p)
        again = sorted(self.rx.got("/stuck"), key=lambda r: r["at"])[base:]
        self.assertEqual([(n_of(r["body"]), r["headers"]["webhook-sequence"])
                          for r in again], [(0, "1"), (1, "2"), (8, "3")])


class TestFifoRetryRules(FifoCase):
    CONFIG = dict(FifoCase.CONFIG, timeout="10s")

    def test_retry_of_failed_goes_alone_retry_of_pending_keeps_place(self):
        app = self.app()
        state = {"fail0": True}

        def decide(b, h, nth):
            n = n_of(b)
            if n == 0:
                return 500 if state["fail0"] else 204
            if n == 1 and nth == 0:
                return (204, 2.0)      # the head, in flight 2 s
            return 204
        self.rx.set("/retry", decide=decide)
        self.fifo(app, "/retry")
        self.post(app, 0)
        p, _ = self.start_loop("retry")
        try:
            self.until(lambda: [d["status"] for d in self.deliveries(app)]
                       == ["failed"], what="the first to fail")
            self.post(app, 1)
            self.post(app, 2)
            self.until(lambda: any(n_of(r["body"]) == 1
                                   for r in self.rx.got("/retry")),
                       what="the head in flight")
            ds = {d["sequence"]: d for d in self.deliveries(app)}
            # retry of the pending one behind the head: due now, waits
            st, _, body = self.srv.request(
                "POST", "/v1/apps/%s/deliveries/%s/retry" % (
                    app["id"], ds[3]["id"]))
            self.assertEqual(st, 202, body)
            # retry of the failed one: sent alone, now, outside the order
            state["fail0"] = False
            st, _, body = self.srv.request(
                "POST", "/v1/apps/%s/deliveries/%s/retry" % (
                    app["id"], ds[1]["id"]))
            self.assertEqual(st, 202, body)
            self.rx.wait(7, path="/retry", timeout=20)
        finally:
            self.stop(p)
        reqs = sorted(self.rx.got("/retry"), key=lambda r: r["at"])
        got = [(n_of(r["body"]), r["headers"]["webhook-sequence"])
               for r in reqs]
        self.assertEqual(got, [(0, "1")] * 3 + [(1, "2"), (0, "1"),
                                                 (2, "3")])
        head = reqs[3]
        self.assertLess(reqs[4]["at"], head["at"] + 1.5, "solo retry waited")
        self.assertGreaterEqual(reqs[5]["at"], head["at"] + 1.9,
                                "the one behind the head did not wait")


class TestFifoCrash(FifoCase):
    CONFIG = dict(FifoCase.CONFIG, timeout="10s")

    def test_killed_sender_mid_lane_repeats_at_most_the_head(self):
        app = self.app()
        self.rx.set("/crash", decide=lambda b, h, nth:
                    (204, 3.0) if n_of(b) == 0 and nth == 0 else 204)
        self.fifo(app, "/crash")
        for i in range(4):
            self.post(app, i)
        p, _ = self.start_loop("crash")
        try:
            self.rx.wait(1, path="/crash", timeout=20)
            time.sleep(0.3)
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait(20)
        p, _ = self.start_loop("crash2")
        try:
            self.rx.wait(5, path="/crash", timeout=30)
            time.sleep(0.5)
        finally:
            self.stop(p)
        reqs = sorted(self.rx.got("/crash"), key=lambda r: r["at"])
        got = [n_of(r["body"]) for r in reqs]
        self.assertEqual(got, [0, 0, 1, 2, 3])
        self.assertEqual([r["headers"]["webhook-sequence"] for r in reqs],
                         ["1", "1", "2", "3", "4"])
        self.assertEqual({d["status"] for d in self.deliveries(app)},
                         {"delivered"})


class TestFifoStatusPage(FifoCase):
    CONFIG = dict(FifoCase.CONFIG, retry_schedule="0,1h")

    def test_status_shows_the_oldest_stuck_lane_of_a_webhook(self):
        app = self.app()
        self.rx.set("/status_fifo", decide=lambda b, h, nth:
                    500 if user_of(b) == "stuck<1>" else 204)
        wh = self.fifo(app, "/status_fifo", ordering_key="user_id")
        self.post(app, 0, "stuck<1>")
        self.post(app, 1, "stuck<1>")
        self.post(app, 2, "free")
        self.send_once()
        with open(os.path.join(self.srv.status_dir, "status.json")) as f:
            st = json.load(f)
        hooks = [w for a in st["apps"] for w in a["webhooks"]
                 if w["id"] == wh["id"]]
        lanes = hooks[0]["fifo_lanes"]
        self.assertEqual((lanes["stuck"], lanes["oldest_lane"],
                          lanes["oldest_attempts"], lanes["oldest_waiting"]),
                         (1, "u:stuck<1>", 1, 2))
        with open(os.path.join(self.srv.status_dir, "status.html")) as f:
            page = f.read()
        self.assertIn("1 stuck FIFO lane; oldest: user stuck&lt;1&gt;", page)


if __name__ == "__main__":
    import unittest
    unittest.main()
