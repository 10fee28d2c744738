"""Proof under fire, disk full: the data dir on a small tmpfs (root only)
with a filler file beside it; events are posted until writes fail.  Intake
must then answer 503 with the JSON error body (no 500, no hang, no crash
of a FastCGI process), keep every earlier acknowledged event whole, and
work again once the filler is deleted; hookd-send then delivers every
acknowledged event.
"""

import collections
import http.client
import json
import os
import time
import unittest

import harness
from faults import Tmpfs, api_deliveries, can_mount, stored_event_ids
from receiver import Receiver

FS_SIZE = "64m"           # room for the environment's region files
HEADROOM = 3 << 20        # free bytes left for the events after the filler
PAD = 4000                # bytes of data per event
MAX_POSTS = 4000          # give up if the disk never fills
AFTER_FULL = 20           # posts after the first refusal
REQ_TIMEOUT = 10          # a request slower than this is a hang


class TestDiskFull(unittest.TestCase):

    def setUp(self):
        if not can_mount():
            self.skipTest("disk-full test needs root to mount a small "
                          "tmpfs as the data dir (run as root to cover it)")
        self.fs = Tmpfs(FS_SIZE)
        self.addCleanup(self.fs.umount)
        self.rx = Receiver()
        self.addCleanup(self.rx.close)
        self.srv = harness.Server(procs=2, data_dir=os.path.join(
            self.fs.path, "data"))
        self.addCleanup(self.srv.stop)
        self.srv.start()

    def post(self, conn, eid):
        body = json.dumps({"id": eid, "type": "user.signin",
                           "org_id": self.org, "app_id": self.app["id"],
                           "data": {"pad": "d" * PAD}})
        conn.request("POST", "/v1/events", body=body, headers={
            "Authorization": "Bearer " + self.srv.admin_token,
            "Content-Type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
        ctype = resp.getheader("Content-Type", "")
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw
        return resp.status, ctype, parsed

    def test_full_disk_is_503_json_and_nothing_acknowledged_is_lost(self):
        srv, self.org = self.srv, "org_fault_disk"
        self.app = srv.create_app(self.org)
        hooks = [srv.create_webhook(self.app, self.rx.url("/d1")),
                 srv.create_webhook(self.app, self.rx.url("/d2"))]
        filler = os.path.join(self.fs.path, "filler")
        with open(filler, "wb") as f:
            left = self.fs.free_kb() * 1024 - HEADROOM
            while left > 0:
                n = min(left, 1 << 20)
                f.write(b"\0" * n)
                left -= n
        pids = srv.fcgi_pids()
        acked, refused, answers = [], [], collections.Counter()
        conn = http.client.HTTPConnection("127.0.0.1", srv.port,
                                          timeout=REQ_TIMEOUT)
        t0 = time.time()
        for i in range(MAX_POSTS):
            eid = "disk-%05d" % i
            try:
                st, ctype, body = self.post(conn, eid)
            except (OSError, http.client.HTTPException) as e:
                self.fail("event %d: no answer (%s) after %.1fs; log:\n%s"
                          % (i, type(e).__name__, time.time() - t0,
                             srv.log()[-3000:]))
            answers[st] += 1
            if st == 202:
                self.assertEqual(body, {"id": eid, "deliveries": 2})
                acked.append(eid)
                if refused:
                    pass          # space freed by BDB itself: fine
                continue
            self.assertEqual(st, 503, "event %d: %s %r; log:\n%s"
                             % (i, st, body, srv.log()[-3000:]))
            self.assertTrue(ctype.startswith("application/json"), ctype)
            self.assertEqual(list(body), ["error"], body)
            self.assertEqual(body["error"]["code"], "storage_unavailable")
            refused.append(eid)
            if len(refused) >= AFTER_FULL:
                break
        conn.close()
        print("\ndisk full after %d acknowledged events (%.1fs); answers %s"
              % (len(acked), time.time() - t0, dict(answers)))
        self.assertTrue(refused, "the disk never filled")
        self.assertGreater(len(acked), 50)
        st, _, _ = srv.request("GET", "/v1/event-types", token=None,
                               timeout=REQ_TIMEOUT)
        self.assertEqual(st, 200)
        self.assertEqual(srv.fcgi_pids(), pids, "a FastCGI process died "
                         "(crash on a full disk); log:\n%s" % srv.log()[-3000:])

        # free the space: the same processes work again
        os.unlink(filler)
        st, _, body = srv.request("GET", "/v1/health", token=None,
                                  timeout=REQ_TIMEOUT)
        self.assertEqual((st, body), (200, {"status": "ok"}))
        stored = stored_event_ids(srv.data_dir)
        self.assertEqual(set(acked) - stored, set(), "acknowledged, lost")
        # a refused event was not stored; posting it again now works
        for eid in refused[:5]:
            conn = http.client.HTTPConnection("127.0.0.1", srv.port,
                                              timeout=REQ_TIMEOUT)
            st, _, body = self.post(conn, eid)
            conn.close()
            self.assertIn(st, (200, 202), body)
            self.assertEqual(body, {"id": eid, "deliveries": 2})
            acked.append(eid)
        self.assertEqual(srv.fcgi_pids(), pids)

        # nothing half-written: every stored event has both deliveries
        stored = stored_event_ids(srv.data_dir)
        per_event = collections.Counter(
            d["event_id"] for d in api_deliveries(srv, self.app["id"]))
        self.assertEqual(set(per_event), stored)
        self.assertEqual(set(per_event.values()), {2})

        p = srv.run_sender("--once", timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        for path in ("/d1", "/d2"):
            got = {r["headers"]["webhook-id"] for r in self.rx.got(path)}
            self.assertEqual(got, stored, path)
        self.assertTrue(hooks)


if __name__ == "__main__":
    unittest.main()
