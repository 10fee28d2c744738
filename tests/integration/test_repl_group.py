"""A replication group of three sites (tests/integration/replgroup.py):
writes on the master, reads on the clients, a write on a client answers 307
to the master's public_url (followed with the token, it works), 503
no_master with Retry-After: 1 while no master is known, the role in
/v1/health and status.json, and the sender delivering only on the master.
"""
import json
import os
import time
import unittest

import replgroup
from replgroup import Group, follow


class GroupTests(unittest.TestCase):

    def test_create_on_master_read_on_clients_and_client_writes_redirect_307(self):
        with Group(3) as g:
            m = g.start()
            clients = [s for s in g.sites if s is not m]
            self.assertEqual(len(clients), 2)
            app, hook = replgroup.make_app(m, g.receiver)
            for c in clients:
                st, body = replgroup.wait_readable(c, "/v1/apps/" + app["id"])
                self.assertEqual(st, 200, (c, body))
                self.assertEqual(body["org_id"], "org-repl")
                st, body = replgroup.wait_readable(
                    c, "/v1/apps/%s/webhooks/%s" % (app["id"], hook["id"]),
                    token=app["api_key"])
                self.assertEqual(st, 200, (c, body))
                self.assertEqual(body["url"], g.receiver.url)

            c = clients[0]
            # Every writing method answers 307 to the master, same path and
            # query; nothing is written on the client.
            cases = [
                ("POST", "/v1/apps", {"org_id": "o2", "name": "b"}),
                ("POST", "/v1/events?x=1&y=%2F", {"type": "user.signin",
                                                  "org_id": "org-repl",
                                                  "data": {}}),
                ("PATCH", "/v1/apps/%s/webhooks/%s" % (app["id"], hook["id"]),
                 {"description": "d"}),
                ("DELETE", "/v1/apps/%s/webhooks/%s" % (app["id"], hook["id"]),
                 None),
            ]
            for method, path, body in cases:
                st, h, out = c.request(method, path, body)
                self.assertEqual(st, 307, (method, path, out))
                self.assertEqual(h.get("location"), m.public_url + path,
                                 (method, path))
            st, _, body = m.request("GET", "/v1/apps/%s/webhooks/%s"
                                    % (app["id"], hook["id"]))
            self.assertEqual(st, 200, "a DELETE that was only redirected "
                             "removed the webhook: %r" % body)

            # Followed like curl --location-trusted: the write lands on the
            # master once and is readable on the other client.
            st, _, out, urls = follow(c, "POST", "/v1/apps",
                                      {"org_id": "o2", "name": "via-307"})
            self.assertEqual(st, 201, out)
            self.assertEqual(urls, [c.public_url, m.public_url])
            st, body = replgroup.wait_readable(clients[1], "/v1/apps/" + out["id"])
            self.assertEqual(st, 200, body)
            # With the app's own key too (resent to the master).
            st, _, hook2, urls = follow(
                c, "POST", "/v1/apps/%s/webhooks" % app["id"],
                {"url": g.receiver.url, "events": ["user.signin"]},
                token=app["api_key"])
            self.assertEqual(st, 201, hook2)
            self.assertEqual(len(urls), 2)
            st, _, ev, urls = follow(c, "POST", "/v1/events",
                                     {"id": "via-307-1", "type": "user.signin",
                                      "org_id": "org-repl", "data": {}})
            self.assertEqual(st, 202, ev)
            self.assertEqual(ev["deliveries"], 2)
            # GETs are answered by the client itself.
            st, h, _ = c.request("GET", "/v1/apps/" + app["id"])
            self.assertEqual(st, 200)
            self.assertNotIn("location", h)

    def test_health_and_status_json_show_role_and_master(self):
        with Group(3) as g:
            m = g.start()
            for s in g.sites:
                st, body = s.health()
                self.assertEqual(st, 200, body)
                self.assertEqual(body["master"], m.public_url, s)
                self.assertEqual(body["role"], "master" if s is m else "client", s)
            # hookd-send --loop writes the status page of each site.
            path = os.path.join(m.status_dir, "status.json")
            end = time.time() + 20
            doc = None
            while time.time() < end:
                try:
                    with open(path) as f:
                        doc = json.load(f)
                    if "replication" in doc and len(
                            doc["replication"].get("sites", [])) >= 3:
                        break
                except (OSError, ValueError):
                    pass
                time.sleep(0.2)
            self.assertIsNotNone(doc, "no status.json on the master")
            rep = doc.get("replication")
            self.assertIsInstance(rep, dict, doc)
            self.assertEqual(rep["role"], "master")
            self.assertEqual(rep["master"], m.public_url)
            self.assertEqual(len(rep["sites"]), 3, rep)
            for site in rep["sites"]:
                self.assertEqual(sorted(site.keys()),
                                 ["address", "connected", "lag_bytes", "role"], site)
            addrs = sorted(site["address"] for site in rep["sites"])
            self.assertEqual(addrs, sorted(s.repl_addr for s in g.sites))
            # each client reports its log end to the master once a second:
            # an idle group settles at lag 0 everywhere
            end = time.time() + 20
            while time.time() < end:
                with open(path) as f:
                    lags = [x["lag_bytes"] for x in
                            json.load(f)["replication"]["sites"]]
                if lags == [0, 0, 0]:
                    break
                time.sleep(0.3)
            self.assertEqual(lags, [0, 0, 0], "lag_bytes on the master's "
                             "status.json")

    def test_lone_client_with_peers_down_answers_503_no_master(self):
        with Group(3, senders=False) as g:
            m = g.start()
            app, _ = replgroup.make_app(m, g.receiver)
            c = next(s for s in g.sites if s is not m)
            st, _ = replgroup.wait_readable(c, "/v1/apps/" + app["id"])
            self.assertEqual(st, 200)
            for s in g.sites:
                s.shutdown()
            c.start()               # its peers stay down
            time.sleep(1.0)
            self.assertEqual(c.health(), (200, {"status": "ok", "role": "none",
                                                "master": None}))
            for method, path, body in (
                    ("POST", "/v1/apps", {"org_id": "o", "name": "a"}),
                    ("POST", "/v1/events", {"type": "user.signin",
                                            "org_id": "o", "data": {}}),
                    ("DELETE", "/v1/apps/" + app["id"], None)):
                st, h, out = c.request(method, path, body)
                self.assertEqual(st, 503, out)
                self.assertEqual(out["error"]["code"], "no_master", out)
                self.assertEqual(h.get("retry-after"), "1")
                self.assertNotIn("location", h)
            # Reads still come from the local copy.
            st, _, body = c.request("GET", "/v1/apps/" + app["id"])
            self.assertEqual(st, 200, body)

    def test_master_whose_web_started_before_its_peers_takes_writes(self):
        # Each site started whole, one after the other (as hosts boot):
        # the creator's hookd.fcgi opened the store before any peer joined.
        with Group(3, senders=False) as g:
            m = g.start(per_site=True)
            end = time.time() + 10
            while True:
                st, _, out = m.request("POST", "/v1/apps",
                                       {"org_id": "o", "name": "a"})
                if st == 201 or time.time() > end:
                    break
                time.sleep(0.2)
            self.assertEqual(st, 201, "writes on %s still %s after 10 s: %r"
                             % (m.name, st, out))

    def test_sender_loop_started_before_its_site_has_a_copy_keeps_running(self):
        # hookd-send --loop on a site that has not caught up yet (no
        # databases at all) must idle, not exit: that site may be the next
        # master, and then nobody else delivers.
        with Group(3) as g:
            late = g.sites[2]
            late.start()            # alone: nothing to copy from yet
            time.sleep(3)
            p = late.senders[0]
            self.assertIsNone(p.poll(), "hookd-send --loop exited %s:\n%s"
                              % (p.returncode, late.sender_log(p)))
            for s in g.sites[:2]:
                s.start()
            g.wait_master()
            time.sleep(2)
            self.assertIsNone(p.poll(), "hookd-send --loop exited %s:\n%s"
                              % (p.returncode, late.sender_log(p)))

    def test_site_that_never_joined_answers_writes_503_no_master(self):
        with Group(3, senders=False) as g:
            c = g.sites[1]          # not the creator; its peers never start
            c.start()
            time.sleep(1.0)
            st, h, out = c.request("POST", "/v1/events", {
                "type": "user.signin", "org_id": "o", "data": {}})
            self.assertEqual(st, 503, out)
            self.assertEqual(out["error"]["code"], "no_master", out)
            self.assertEqual(h.get("retry-after"), "1")

    def test_sender_delivers_only_on_the_master(self):
        with Group(3, senders=False) as g:
            m = g.start()
            c = next(s for s in g.sites if s is not m)
            app, _ = replgroup.make_app(m, g.receiver)
            st, _, out = m.request("POST", "/v1/events",
                                   {"id": "only-master-1", "type": "user.signin",
                                    "org_id": "org-repl", "data": {}})
            self.assertEqual(st, 202, out)
            self.assertEqual(replgroup.wait_stored(c, app["id"], {"only-master-1"}),
                             set())
            r = c.run_sender("--once")
            self.assertEqual(r.returncode, 0, r.stderr)
            time.sleep(0.5)
            self.assertEqual(len(g.receiver.requests), 0,
                             "a client delivered: %s" % r.stderr)
            # --loop on a client idles.
            p = c.start_sender("--loop")
            time.sleep(3)
            self.assertIsNone(p.poll(), c.sender_log(p))
            self.assertEqual(len(g.receiver.requests), 0)
            r = m.run_sender("--once")
            self.assertEqual(r.returncode, 0, r.stderr)
            got = g.receiver.wait(1)
            self.assertEqual([x["headers"]["webhook-id"] for x in got],
                             ["only-master-1"])


if __name__ == "__main__":
    unittest.main()
