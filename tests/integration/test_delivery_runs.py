"""The app and webhook delivery indices under real concurrency (db/dlvidx.c):
two FastCGI processes, each committing groups of batches and single posts
of one app at once, so that their deliveries' ids interleave in time.
Afterwards GET /v1/apps/{app}/deliveries, page by page, and its webhook=
form list every delivery exactly once, newest first, and the raw index
holds entries that never interleave (every member of an entry sorts
before the next entry's key)."""

import threading
import uuid

import harness

HOOK = "http://127.0.0.1:9/hook"      # closed: deliveries stay pending
THREADS = 6
BATCHES = 8                           # per thread
PER_BATCH = 25
SINGLES = 30                          # per thread


def index_entries(data_dir, dbfile, owner):
    """The (key id, [members]) of owner's entries of a delivery index, in
    key order."""
    prefix = owner.encode() + b"\0"
    out = []
    for k, v in harness.db_records(data_dir, dbfile):
        if not k.startswith(prefix):
            continue
        first = k[len(prefix):].rstrip(b"\0").decode()
        members = [first]
        if v:
            assert v[0] == 1, (k, v[:8])
            members += [m.decode() for m in v[1:].split(b"\0")[:-1]]
        out.append((first, members))
    return out


class TestDeliveryRunsUnderConcurrency(harness.ServerCase):
    procs = 2
    config = {"durability": "nosync", "fastcgi_threads": "8"}

    def list_all(self, app_id, webhook=None):
        ids, cursor = [], None
        while True:
            q = "limit=100"
            if webhook:
                q += "&webhook=" + webhook
            if cursor:
                q += "&cursor=" + cursor
            st, _, body = self.req("GET", "/v1/apps/%s/deliveries?%s" % (app_id, q))
            self.assertEqual(st, 200, body)
            ids += [d["id"] for d in body["data"]]
            cursor = body.get("next_cursor")
            if not cursor:
                return ids

    def test_interleaved_writers_list_every_delivery_once_newest_first(self):
        o = "org-" + uuid.uuid4().hex[:12]
        app = self.srv.create_app(o)
        w1 = self.srv.create_webhook(app, HOOK)
        w2 = self.srv.create_webhook(app, HOOK)
        accepted, errors = [], []
        lock = threading.Lock()

        def ev():
            return {"type": "user.signin", "org_id": o, "data": {}}

        def load(n):
            for b in range(BATCHES):
                st, _, body = self.srv.request(
                    "POST", "/v1/events/batch",
                    {"events": [ev() for _ in range(PER_BATCH)]})
                with lock:
                    if st != 200:
                        errors.append((st, body))
                        continue
                    accepted.extend(r["id"] for r in body["data"]
                                    if r["status"] == 202)
                for _ in range(SINGLES // BATCHES + 1):
                    st, _, body = self.srv.post_event("user.signin", o, {})
                    with lock:
                        if st == 202:
                            accepted.append(body["id"])
                        else:
                            errors.append((st, body))

        ts = [threading.Thread(target=load, args=(i,)) for i in range(THREADS)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(errors, [])
        n = len(accepted)
        self.assertGreater(n, THREADS * BATCHES * PER_BATCH)

        every = self.list_all(app["id"])
        self.assertEqual(len(every), 2 * n)
        self.assertEqual(len(set(every)), 2 * n, "a delivery listed twice")
        self.assertEqual(every, sorted(every, reverse=True), "not newest first")
        for w in (w1, w2):
            mine = self.list_all(app["id"], w["id"])
            self.assertEqual(len(mine), n)
            self.assertEqual(mine, sorted(mine, reverse=True))
            self.assertTrue(set(mine) <= set(every))

        for dbfile, owner, want in (("deliveries_app.db", app["id"], 2 * n),
                                    ("deliveries_webhook.db", w1["id"], n),
                                    ("deliveries_webhook.db", w2["id"], n)):
            entries = index_entries(self.srv.data_dir, dbfile, owner)
            members = [m for _, ms in entries for m in ms]
            self.assertEqual(len(members), want, dbfile)
            self.assertEqual(members, sorted(members), "%s: entries interleave" % dbfile)
            # batches are runs: far fewer entries than deliveries
            self.assertLess(len(entries), want // 4, dbfile)
