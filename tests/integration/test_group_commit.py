"""The group committer of hookd.fcgi (cgi/commit.h) through lighttpd: one
FastCGI process with many request threads, so that concurrent requests
share transactions.  Idempotency holds inside a group (the same id posted
by many clients at once is one event, one 202), batches and single posts
share groups, an event refused inside a group fails nothing else, and
kill -9 of the process under concurrent load loses no acknowledged event.
durability = sync: a group forms behind every log flush.  (That groups do
form, and that a failing job reruns the others alone, is checked with
the committer's counters in tests/unit/test_commit.c.)
"""

import collections
import threading
import time
import unittest
import uuid

import harness
from faults import IntakeLoad, Killer, db_verify, stored_event_ids, wait_procs

HOOK = "http://127.0.0.1:9/hook"
MIN_KILLS = 5           # the load goes on until the killer struck this often


def org():
    return "org-" + uuid.uuid4().hex[:12]


def at_once(fns):
    """Run every fn in its own thread, released together; their results
    in order."""
    out = [None] * len(fns)
    go = threading.Barrier(len(fns))

    def run(i, fn):
        go.wait()
        out[i] = fn()

    ts = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


class GroupCommitTests(harness.ServerCase):
    procs = 1
    config = {"durability": "sync", "fastcgi_threads": "16"}

    def stored_events(self, event_id):
        return [k for k, _ in harness.db_records(self.srv.data_dir, "events.db")
                if k.rstrip(b"\0") == event_id.encode()]

    def test_one_id_posted_by_many_clients_at_once_is_one_event_one_202(self):
        o = org()
        app = self.srv.create_app(o)
        self.srv.create_webhook(app, HOOK)
        for round_ in range(3):
            ids = ["g%d-%d-%s" % (round_, i, uuid.uuid4().hex[:8]) for i in range(8)]
            posts = [lambda e=e: self.srv.post_event("user.signin", o, {}, id=e)
                     for e in ids for _ in range(3)]
            got = at_once(posts)
            per = collections.defaultdict(list)
            for eid, (st, _, body) in zip([e for e in ids for _ in range(3)], got):
                per[eid].append(st)
                self.assertEqual(body, {"id": eid, "deliveries": 1}, (st, body))
            for eid in ids:
                self.assertEqual(sorted(per[eid]), [200, 200, 202], eid)
                self.assertEqual(len(self.stored_events(eid)), 1, eid)
        st, _, body = self.req("GET", "/v1/apps/%s/deliveries?limit=250" % app["id"])
        self.assertEqual(len(body["data"]), 24)

    def test_batches_and_single_posts_of_the_same_ids_at_once_store_each_once(self):
        o = org()
        app = self.srv.create_app(o)
        self.srv.create_webhook(app, HOOK)
        ids = ["b-%d-%s" % (i, uuid.uuid4().hex[:8]) for i in range(40)]

        def ev(eid):
            return {"id": eid, "type": "user.signin", "org_id": o, "data": {}}

        def batch(part):
            return lambda: self.srv.request("POST", "/v1/events/batch",
                                            {"events": [ev(e) for e in part]})

        fns = [batch(ids[0:30]), batch(ids[10:40]), batch(ids[::-1])]
        fns += [lambda e=e: self.srv.post_event("user.signin", o, {}, id=e)
                for e in ids[::4]]
        got = at_once(fns)
        created = collections.Counter()
        for st, _, body in got[:3]:
            self.assertEqual(st, 200, body)
            for r in body["data"]:
                self.assertIn(r["status"], (200, 202), r)
                self.assertEqual(r["deliveries"], 1, r)
                created[r["id"]] += r["status"] == 202
        for (st, _, body), e in zip(got[3:], ids[::4]):
            self.assertIn(st, (200, 202), body)
            created[e] += st == 202
        self.assertEqual(created, collections.Counter({e: 1 for e in ids}))
        for e in ids:
            self.assertEqual(len(self.stored_events(e)), 1, e)

    def test_an_event_refused_inside_a_group_fails_no_other_event(self):
        o = org()
        app = self.srv.create_app(o)
        self.srv.create_webhook(app, HOOK)
        other = self.srv.create_app(org())      # not o's: refused in the txn
        good = ["ok-%d-%s" % (i, uuid.uuid4().hex[:8]) for i in range(12)]
        bad = ["no-%d-%s" % (i, uuid.uuid4().hex[:8]) for i in range(4)]
        fns = [lambda e=e: self.srv.post_event("user.signin", o, {}, id=e)
               for e in good]
        fns += [lambda e=e: self.srv.post_event("user.signin", o, {}, id=e,
                                                app_id=other["id"])
                for e in bad]
        got = at_once(fns)
        for (st, _, body), e in zip(got, good + bad):
            if e in good:
                self.assertEqual((st, body), (202, {"id": e, "deliveries": 1}))
                self.assertEqual(len(self.stored_events(e)), 1)
            else:
                self.assertEqual(st, 422, body)
                self.assertEqual(body["error"]["message"],
                                 "app_id: no such app in org_id")
                self.assertEqual(self.stored_events(e), [])


class TestGroupCommitSigkill(unittest.TestCase):
    """kill -9 of the one FastCGI process (16 request threads, groups of
    many requests) while 16 clients post: every acknowledged id is stored
    with its deliveries after the restarts, nothing else is, and the
    environment verifies."""

    def test_sigkilled_group_commit_loses_no_acknowledged_event(self):
        srv = harness.Server(procs=1, config={"durability": "sync",
                                              "fastcgi_threads": "16"})
        srv.start()
        self.addCleanup(srv.stop)
        o = "org_group_kill"
        a = srv.create_app(o, "a")
        srv.create_webhook(a, HOOK, ["*"])
        srv.create_webhook(a, HOOK, ["user.*"])

        def body(eid):
            return {"id": eid, "type": "user.signin", "org_id": o,
                    "data": {"k": eid, "pad": "p" * 200}}

        ids = ["gk-%05d" % i for i in range(2000)]
        load = IntakeLoad(srv, body, ids, threads=16, timeout=10, tries=40,
                          pause=0.05)
        killer = Killer(srv.fcgi_pids, interval=(0.1, 0.4), seed=7, full=1)
        t0 = time.time()
        killer.start()
        try:
            load.run(deadline=60)
            # a fast machine may finish before the killer struck enough:
            # post more (fresh ids) until it has, for at most 30 s more
            while killer.kills < MIN_KILLS and time.time() - t0 < 30:
                more = ["gk-%05d" % i for i in range(len(ids), len(ids) + 500)]
                ids += more
                load.ids = more
                load.run(deadline=30)
        finally:
            killer.stop()
        acked = set(load.acked())
        self.assertGreaterEqual(killer.kills, MIN_KILLS, "the killer seldom "
                                "struck")
        self.assertGreater(load.failed_attempts, 0, "no request was hurt")
        self.assertEqual(load.bad, [])
        self.assertTrue(wait_procs(srv, 1), "FastCGI process not respawned")
        st, _, _ = srv.request("GET", "/v1/health", token=None, timeout=10)
        self.assertEqual(st, 200)
        stored = stored_event_ids(srv.data_dir, srv)
        self.assertEqual(sorted(acked - stored), [])
        self.assertLessEqual(stored, set(ids))
        self.assertEqual(load.hung, 0, "tries hung: %s" % load.seen)
        # most events got through despite the killing
        self.assertGreater(len(acked), len(ids) * 0.8, load.counts())
        for eid in sorted(acked)[::50]:
            st, _, ans = srv.request("POST", "/v1/events", body(eid))
            self.assertEqual((st, ans), (200, {"id": eid, "deliveries": 2}))
        print("\ngroup commit under SIGKILL: %d kills, %d acknowledged, %d "
              "stored" % (killer.kills, len(acked), len(stored)))
        srv._kill_lighttpd()
        ok, out = db_verify(srv.data_dir)
        self.assertTrue(ok, out)


if __name__ == "__main__":
    unittest.main()
