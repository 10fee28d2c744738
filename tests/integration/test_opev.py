"""Operational events (docs/api.md "Operational events"): hookd.webhook.*
and hookd.delivery.* events of an app, stored in the transaction of the
state change that causes them and delivered through the real sender to
the app's webhooks that name them, signed like any other event.  Each test
checks when an event is sent, what its data holds, who gets it (never
through "*", never another app), and that nothing that happens to an
operational event's own delivery causes another (no loops).
"""

import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from receiver import verify
from test_send import SendCase

OPS = ["hookd.*"]


class OpevCase(SendCase):
    # five attempts: failing at the 4th, exhausted at the 5th
    CONFIG = dict(SendCase.CONFIG, retry_schedule="0,50ms,50ms,50ms,50ms")

    def app(self, suffix=""):
        return self.srv.create_app("org_" + self.id().split(".")[-1][:40] +
                                   suffix)

    def webhook(self, app, path, events, **rule):
        if rule:
            self.rx.set(path, **rule)
        return self.srv.create_webhook(app, self.rx.url(path),
                                       events=events)

    def patch(self, app, wh, **fields):
        st, _, body = self.srv.request(
            "PATCH", "/v1/apps/%s/webhooks/%s" % (app["id"], wh["id"]),
            fields)
        self.assertEqual(st, 200, body)
        return body

    def ops(self, path, wh, app):
        """The operational events path got, each verified against wh's
        secret and checked for the app's envelope; as parsed bodies."""
        out = []
        for r in self.rx.got(path):
            self.assertTrue(verify(wh["secret"], r["headers"], r["body"]),
                            r["headers"])
            body = json.loads(r["body"])
            self.assertEqual(list(body), ["id", "type", "timestamp",
                                          "org_id", "app_id", "data"])
            self.assertEqual(body["org_id"], app["org_id"])
            self.assertEqual(body["app_id"], app["id"])
            self.assertEqual(r["headers"]["webhook-id"], body["id"])
            out.append(body)
        return out

    def hookd_events(self, app):
        """(type, event id) of every hookd.* event delivered or due in the
        app: one per event, whatever its deliveries."""
        seen, cursor = {}, None
        while True:
            q = "limit=100" + ("&cursor=" + cursor if cursor else "")
            st, _, body = self.srv.request(
                "GET", "/v1/apps/%s/deliveries?%s" % (app["id"], q))
            self.assertEqual(st, 200, body)
            for d in body["data"]:
                if d["event_type"].startswith("hookd."):
                    seen[d["event_id"]] = d["event_type"]
            cursor = body.get("next_cursor")
            if not cursor:
                return sorted(seen.values())


class TestOpevDeliveries(OpevCase):

    def test_failing_at_4th_and_exhausted_reach_only_named_subscribers(self):
        app, other = self.app(), self.app("-b")
        src = self.webhook(app, "/fx/src", ["user.signin"], status=500)
        ops = self.webhook(app, "/fx/ops", OPS)
        star = self.webhook(app, "/fx/star", ["*"])
        exact = self.webhook(app, "/fx/exact", ["hookd.delivery.exhausted"])
        dlv = self.webhook(app, "/fx/dlv", ["hookd.delivery.*"])
        foreign = self.webhook(other, "/fx/foreign", OPS)
        ev = self.event(app)
        self.send_once()
        self.assertEqual(len(self.rx.got("/fx/src")), 5)
        got = self.ops("/fx/ops", ops, app)
        self.assertEqual([b["type"] for b in got],
                         ["hookd.delivery.failing",
                          "hookd.delivery.exhausted"])
        failing, exhausted = got
        self.assertEqual(set(failing["data"]),
                         {"delivery_id", "event_id", "webhook_id",
                          "attempts", "last_attempt"})
        self.assertEqual(failing["data"]["event_id"], ev["id"])
        self.assertEqual(failing["data"]["webhook_id"], src["id"])
        self.assertTrue(failing["data"]["delivery_id"].startswith("dlv_"))
        self.assertEqual(failing["data"]["attempts"], 4)
        last = failing["data"]["last_attempt"]
        self.assertEqual(last["status_code"], 500)
        self.assertIsNone(last["error"])
        self.assertRegex(last["at"], r"^\d{4}-\d\d-\d\dT.*Z$")
        self.assertEqual(exhausted["data"]["attempts"], 5)
        self.assertEqual(exhausted["data"]["delivery_id"],
                         failing["data"]["delivery_id"])
        # "*" gets the app's event, never an operational one
        self.assertEqual([json.loads(r["body"])["type"]
                          for r in self.rx.got("/fx/star")], ["user.signin"])
        self.assertEqual([b["type"] for b in self.ops("/fx/exact", exact,
                                                       app)],
                         ["hookd.delivery.exhausted"])
        self.assertEqual(len(self.ops("/fx/dlv", dlv, app)), 2)
        self.assertEqual(self.rx.got("/fx/foreign"), [])
        self.assertEqual(self.hookd_events(other), [])
        self.assertTrue(self.get_webhook(app, src)["enabled"])
        self.assertTrue(foreign["enabled"])

    def test_recovered_once_per_episode(self):
        app = self.app()
        src = self.webhook(app, "/rc/src", ["user.signin"],
                           statuses=[500, 500, 500, 500], status=204)
        ops = self.webhook(app, "/rc/ops", OPS)
        self.event(app)
        self.send_once()
        self.assertEqual(len(self.rx.got("/rc/src")), 5)
        got = self.ops("/rc/ops", ops, app)
        self.assertEqual([b["type"] for b in got],
                         ["hookd.delivery.failing",
                          "hookd.delivery.recovered"])
        rec = got[1]["data"]
        self.assertEqual(set(rec), {"webhook_id", "url", "failing_since"})
        self.assertEqual(rec["webhook_id"], src["id"])
        self.assertEqual(rec["url"], src["url"])
        first = self.rx.got("/rc/src")[0]["at"]
        since = time.mktime(time.strptime(rec["failing_since"][:19],
                                          "%Y-%m-%dT%H:%M:%S")) - time.timezone
        self.assertLess(abs(since - first), 2)
        # delivered again: the episode is over, nothing more
        self.event(app)
        self.send_once()
        self.assertEqual(len(self.rx.got("/rc/src")), 6)
        self.assertEqual(len(self.rx.got("/rc/ops")), 2)
        # a new episode: failing and recovered again
        self.rx.set("/rc/src", statuses=[500, 500, 500, 500], status=204)
        self.event(app)
        self.send_once()
        self.assertEqual([b["type"] for b in self.ops("/rc/ops", ops, app)],
                         ["hookd.delivery.failing",
                          "hookd.delivery.recovered"] * 2)

    def test_failures_below_four_attempts_send_nothing(self):
        app = self.app()
        self.webhook(app, "/few/src", ["user.signin"],
                     statuses=[500, 500, 500], status=204)
        self.webhook(app, "/few/ops", OPS)
        self.event(app)
        self.send_once()
        self.assertEqual(len(self.rx.got("/few/src")), 4)
        self.assertEqual(self.rx.got("/few/ops"), [])
        self.assertEqual(self.hookd_events(app), [])

    def test_410_disables_with_reason_gone_and_no_exhausted(self):
        app = self.app()
        src = self.webhook(app, "/gone/src", ["user.signin"],
                           statuses=[500], status=410)
        ops = self.webhook(app, "/gone/ops", OPS)
        self.event(app)
        self.event(app)
        self.send_once()
        w = self.get_webhook(app, src)
        self.assertFalse(w["enabled"])
        got = self.ops("/gone/ops", ops, app)
        self.assertEqual([b["type"] for b in got], ["hookd.webhook.disabled"])
        d = got[0]["data"]
        self.assertEqual(set(d), {"webhook_id", "url", "reason",
                                  "failing_since"})
        self.assertEqual((d["webhook_id"], d["url"], d["reason"]),
                         (src["id"], src["url"], "gone"))
        self.assertRegex(d["failing_since"], r"^\d{4}-.*Z$")

    def test_manual_disable_and_enable(self):
        app = self.app()
        ops = self.webhook(app, "/man/ops", ["hookd.webhook.disabled",
                                             "hookd.webhook.enabled"])
        # a webhook subscribed to its own state: never told it was
        # disabled (it is disabled), told it is enabled again
        me = self.webhook(app, "/man/me", ["hookd.webhook.*"])
        self.patch(app, me, enabled=False)
        self.patch(app, me, enabled=False)      # no change: no event
        self.patch(app, me, url=self.rx.url("/man/me"), enabled=True)
        self.patch(app, me, enabled=True)       # no change: no event
        self.send_once()
        # (both due at once: the sender may send them in either order)
        got = {b["type"]: b["data"] for b in self.ops("/man/ops", ops, app)}
        self.assertEqual(len(self.rx.got("/man/ops")), 2)
        self.assertEqual(got["hookd.webhook.disabled"],
                         {"webhook_id": me["id"], "url": me["url"],
                          "reason": "manual", "failing_since": None})
        self.assertEqual(got["hookd.webhook.enabled"],
                         {"webhook_id": me["id"], "url": me["url"]})
        self.assertEqual([b["type"] for b in self.ops("/man/me", me, app)],
                         ["hookd.webhook.enabled"])

    def test_no_loops_from_failing_operational_deliveries(self):
        app = self.app()
        self.webhook(app, "/loop/src", ["user.signin"], status=500)
        bad = self.webhook(app, "/loop/bad", OPS, status=500)
        gone = self.webhook(app, "/loop/gone", OPS, status=410)
        self.event(app)
        self.send_once()
        # the source: failing + exhausted, and nothing else ever
        self.assertEqual(self.hookd_events(app),
                         ["hookd.delivery.exhausted",
                          "hookd.delivery.failing"])
        # the 410 disabled "gone" silently (its delivery was operational)
        g = self.get_webhook(app, gone)
        self.assertFalse(g["enabled"])
        self.assertEqual(len(self.rx.got("/loop/gone")), 1)
        # "bad" failed every attempt of both, and that caused nothing
        self.assertEqual(len(self.rx.got("/loop/bad")), 10)
        self.assertTrue(self.get_webhook(app, bad)["enabled"])

    def test_post_events_refuses_operational_types(self):
        app = self.app()
        for t in ("hookd.webhook.disabled", "hookd.delivery.recovered"):
            st, _, body = self.srv.post_event(t, app["org_id"], {},
                                              app_id=app["id"])
            self.assertEqual(st, 422, body)
            self.assertIn("type", body["error"]["message"])
        # unknown types under the prefix are refused as well
        st, _, body = self.srv.post_event("hookd.other", app["org_id"], {})
        self.assertEqual(st, 422, body)

    def test_filters_accept_operational_entries(self):
        app = self.app()
        for events in (["hookd.*"], ["hookd.delivery.*"],
                       ["hookd.webhook.enabled", "*"]):
            w = self.webhook(app, "/flt", events)
            self.assertEqual(w["events"], events)


class TestOpevDisableAfter(OpevCase):
    # Retries come with +-20 % jitter (docs/delivery.md): the second
    # attempt starts 80-120 ms (plus the round's own time) after the
    # first, the third at least 80 + 240 = 320 ms after it, so the third
    # failure is always past disable_after and the fourth never happens.
    # (With 150 ms steps and 250 ms, the third could start 240-250 ms
    # after the first, about 1 run in 150 under ASan: the fourth failure
    # then disabled and, being the 4th and last, also told failing and
    # exhausted - as documented, but not what this test is about.)
    CONFIG = dict(OpevCase.CONFIG, retry_schedule="0,100ms,300ms,300ms",
                  disable_after="250ms")

    def test_failing_too_long_disables_with_reason_failing(self):
        app = self.app()
        src = self.webhook(app, "/da/src", ["user.signin"], status=500)
        ops = self.webhook(app, "/da/ops", OPS)
        self.event(app)
        self.send_once()
        self.assertFalse(self.get_webhook(app, src)["enabled"])
        got = self.ops("/da/ops", ops, app)
        # the third failure disables (the second only on a machine so
        # slow that its round took 130 ms): no 4th attempt, so neither
        # delivery.failing nor delivery.exhausted
        self.assertLessEqual(len(self.rx.got("/da/src")), 3)
        self.assertEqual([b["type"] for b in got],
                         ["hookd.webhook.disabled"])
        d = got[0]["data"]
        self.assertEqual((d["webhook_id"], d["reason"]), (src["id"],
                                                          "failing"))
        first = self.rx.got("/da/src")[0]["at"]
        since = time.mktime(time.strptime(d["failing_since"][:19],
                                          "%Y-%m-%dT%H:%M:%S")) - time.timezone
        self.assertLess(abs(since - first), 2)


class TestOpevCrash(OpevCase):
    """The state change and its event are one transaction: however the
    sender is killed, every webhook disabled by a 410 has exactly one
    hookd.webhook.disabled event, and no event names a webhook that is
    still enabled."""
    CONFIG = dict(OpevCase.CONFIG, concurrency="16")

    def await_store(self, app):
        """The sender killed while it held one of the store's mutexes
        makes the API process that next waits on it exit 75 and answer
        503 storage_unavailable (Retry-After: 1) until the web server
        has restarted it: retry as a client does, for up to 20 s, the
        two reads this test makes."""
        end = time.time() + 20
        for path in ("webhooks", "deliveries?limit=100"):
            while True:
                st, _, body = self.srv.request(
                    "GET", "/v1/apps/%s/%s" % (app["id"], path))
                if st == 200:
                    break
                self.assertEqual((st, body["error"]["code"]),
                                 (503, "storage_unavailable"), body)
                self.assertLess(time.time(), end, "still 503 after 20 s")
                time.sleep(0.5)

    def test_kill_9_never_splits_a_disable_from_its_event(self):
        app = self.app()
        hooks = [self.webhook(app, "/crash/%d" % i, ["user.signin"],
                              status=410, sleep=0.05 * (i % 5))
                 for i in range(24)]
        ops = self.webhook(app, "/crash/ops", ["hookd.webhook.disabled"])
        for _ in range(3):
            self.event(app)
        for delay in (0.15, 0.3):
            p = self.srv.start_sender("--loop")
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            p.wait(10)
            self.await_store(app)
            # right after the kill: as many stored events as disables
            n = sum(not self.get_webhook(app, h)["enabled"] for h in hooks)
            self.assertEqual(self.hookd_events(app),
                             ["hookd.webhook.disabled"] * n)
        self.send_once()
        # one event per disable (an event may arrive twice: a sender
        # killed between the answer and its commit sends it again)
        told = {}
        for b in self.ops("/crash/ops", ops, app):
            told.setdefault(b["data"]["webhook_id"], set()).add(b["id"])
        disabled = {h["id"] for h in hooks
                    if not self.get_webhook(app, h)["enabled"]}
        self.assertEqual(len(disabled), len(hooks))
        self.assertEqual(set(told), disabled)
        self.assertEqual({len(v) for v in told.values()}, {1})


if __name__ == "__main__":
    unittest.main()
