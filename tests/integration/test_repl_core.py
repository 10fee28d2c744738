"""test_repl_core.py - three replicated sites on 127.0.0.1-3, each with its
own hookd-repl, lighttpd + hookd.fcgi and data dir: the write path on the
master and on a client (307, 503 no_master), replication acknowledgements
(503 replication_unavailable when the clients are silent), and a failover
after SIGKILL of every process of the master, whose pending deliveries the
new master's sender delivers.

(The fuller failover/partition suite is test_repl_*.py from the harness of
the multi-site tests; this is the core's own end-to-end check.)
"""

import http.client
import json
import os
import signal
import subprocess
import time
import unittest

import harness
from harness import Receiver, Server

REPL = os.environ.get("HOOKD_REPL") or os.path.join(
    harness.BUILD or ".", "repl", "hookd-repl")


class Site(Server):
    """A Server whose lighttpd listens on 127.0.0.N, plus its hookd-repl."""

    def __init__(self, n, peers, create, **kw):
        self.host = "127.0.0.%d" % n
        self.repl_port = harness.free_port()
        super().__init__(host=self.host, **kw)
        self.repl_proc = None
        self.repl_log = os.path.join(self.tmp, "repl.log")
        self.n = n
        self.peers = peers
        self.create = create

    def configure(self, port, peer_addrs):
        self.port = port
        self.write_config(
            replication_listen="%s:%d" % (self.host, self.repl_port),
            replication_peers=", ".join(peer_addrs),
            replication_create="yes" if self.create else None,
            public_url="http://%s:%d" % (self.host, port))

    def _write_lighttpd_conf(self):
        super()._write_lighttpd_conf()
        with open(self.lighttpd_conf) as f:
            text = f.read()
        text = text.replace('server.bind = "127.0.0.1"',
                            'server.bind = "%s"' % self.host)
        with open(self.lighttpd_conf, "w") as f:
            f.write(text)

    def start(self, timeout=10.0):
        # the port is fixed: public_url names it
        self._write_lighttpd_conf()
        env = dict(os.environ, HOOKD_CONF=self.conf_path)
        with open(self.stderr_log, "ab") as err:
            self.proc = subprocess.Popen(
                [harness.LIGHTTPD, "-D", "-f", self.lighttpd_conf],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=err, env=env)
        self._wait_ready(timeout)
        return self

    def start_repl(self):
        with open(self.repl_log, "ab") as log:
            self.repl_proc = subprocess.Popen([REPL, "-c", self.conf_path],
                                              stdout=log, stderr=log)

    def stop(self):
        if self.repl_proc is not None and self.repl_proc.poll() is None:
            self.repl_proc.send_signal(signal.SIGTERM)
            try:
                self.repl_proc.wait(10)
            except subprocess.TimeoutExpired:
                self.repl_proc.kill()
                self.repl_proc.wait(5)
        super().stop()

    def request(self, method, path, body=None, token=harness.ADMIN,
                headers=None, timeout=30, content_type="application/json"):
        h = {}
        if token is harness.ADMIN:
            token = self.admin_token
        if token is not None:
            h["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = content_type
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            raw = resp.read()
            rh = {k.lower(): v for k, v in resp.getheaders()}
            return resp.status, rh, json.loads(raw) if raw else None
        finally:
            conn.close()

    def health(self):
        try:
            st, _, body = self.request("GET", "/v1/health", token=None,
                                       timeout=5)
        except (OSError, http.client.HTTPException):
            return None
        return body if st == 200 else None

    def repl_text(self):
        with open(self.repl_log, errors="replace") as f:
            return f.read()


def wait_for(pred, timeout, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


@unittest.skipUnless(os.path.exists(REPL), "hookd-repl not built")
class ReplCoreTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.sites = []
        cls.rcv = Receiver()
        try:
            for n in (1, 2, 3):
                cls.sites.append(Site(n, None, create=(n == 1), procs=2,
                                      config={"event_types":
                                              "perm.test,fail.test"}))
            ports = [harness.free_port() for _ in cls.sites]
            addrs = ["%s:%d" % (s.host, s.repl_port) for s in cls.sites]
            for i, s in enumerate(cls.sites):
                s.configure(ports[i], [a for j, a in enumerate(addrs)
                                       if j != i])
            for s in cls.sites:
                s.start_repl()
            for s in cls.sites:
                s.start()
            ok = wait_for(lambda: cls.roles() == ["master", "client",
                                                   "client"], 60)
            if not ok:
                raise AssertionError("no group formed: %r\n%s" % (
                    cls.roles(), "\n".join(s.repl_text()
                                           for s in cls.sites)))
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.sites:
            s.stop()
        cls.rcv.stop()

    @classmethod
    def roles(cls):
        out = []
        for s in cls.sites:
            h = s.health()
            out.append(h.get("role") if h else None)
        return out

    def master(self):
        for s in self.sites:
            h = s.health()
            if h and h["role"] == "master":
                return s
        return None

    def clients(self):
        m = self.master()
        return [s for s in self.sites if s is not m and s.health()]

    def test_1_health_names_the_master_everywhere(self):
        m = self.master()
        url = "http://%s:%d" % (m.host, m.port)
        for s in self.sites:
            h = s.health()
            self.assertEqual(h["master"], url, h)

    def test_2_created_on_master_read_on_clients(self):
        m = self.master()
        app = m.create_app("org_repl", "replicated")
        for c in self.clients():
            got = wait_for(lambda: c.request(
                "GET", "/v1/apps/" + app["id"])[0] == 200, 10)
            self.assertTrue(got, "app never reached %s" % c.host)

    def test_3_client_write_is_307_to_the_master(self):
        m = self.master()
        c = self.clients()[0]
        st, h, body = c.request("POST", "/v1/apps?x=1",
                                {"org_id": "org_repl", "name": "via"})
        self.assertEqual(st, 307, body)
        self.assertEqual(h["location"], "http://%s:%d/v1/apps?x=1" % (
            m.host, m.port))
        self.assertEqual(body["error"]["code"], "not_master")
        # GETs are answered by the client itself
        st, _, body = c.request("GET", "/v1/apps")
        self.assertEqual(st, 200)

    def test_4_silent_clients_make_a_write_503_replication_unavailable(self):
        m = self.master()
        app = m.create_app("org_perm", "perm")
        stopped = [c.repl_proc.pid for c in self.clients()]
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        try:
            st, h, body = m.post_event("perm.test", "org_perm", {},
                                       id="evt_perm_1", app_id=app["id"])
        finally:
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)
        self.assertEqual(st, 503, body)
        self.assertEqual(body["error"]["code"], "replication_unavailable")
        self.assertEqual(h.get("retry-after"), "1")
        # the writer repeats: the event was kept here, never stored twice
        st2 = wait_for(lambda: m.post_event(
            "perm.test", "org_perm", {}, id="evt_perm_1",
            app_id=app["id"])[0] in (200, 202) and True, 15, step=0.5)
        self.assertTrue(st2)
        st, _, body = m.post_event("perm.test", "org_perm", {},
                                   id="evt_perm_1", app_id=app["id"])
        self.assertEqual(st, 200, body)

    def wait_group(self, timeout=20):
        """A master and two live clients again; the master's Site."""
        ok = wait_for(lambda: sorted(r or "" for r in self.roles()) ==
                      ["client", "client", "master"], timeout, step=0.1)
        self.assertTrue(ok, "group not back: %r\n%s" % (
            self.roles(), "\n".join(s.repl_text()[-2000:]
                                    for s in self.sites)))
        return self.master()

    def test_5_sigkill_of_an_api_process_on_the_master(self):
        # The next opener recovers the environment, which panics the
        # site's hookd-repl: it reopens and rejoins (docs/operations.md).
        m = self.master()
        app = m.create_app("org_k5", "k5")
        os.kill(m.fcgi_pids()[0], signal.SIGKILL)
        t0 = time.time()
        codes = set()
        while time.time() - t0 < 3:
            try:
                st, _, body = m.request("POST", "/v1/apps",
                                        {"org_id": "org_k5", "name": "n"},
                                        timeout=10)
                codes.add((st, (body or {}).get("error", {}).get("code")))
            except (OSError, http.client.HTTPException):
                codes.add("connection")
            time.sleep(0.1)
        # never a crash or a false answer: 201, 307 or 503 no_master only
        for c in codes:
            self.assertIn(c, {(201, None), (307, "not_master"),
                              (503, "no_master"), "connection"}, codes)
        new = self.wait_group()
        st, _, _ = new.request("GET", "/v1/apps/" + app["id"])
        self.assertEqual(st, 200)

    def test_6_sigkill_of_hookd_repl_then_restart_rejoins(self):
        m = self.master()
        app = m.create_app("org_k6", "k6")
        acked = []
        for i in range(10):
            st, _, _ = m.post_event("fail.test", "org_k6", {"i": i},
                                    id="evt_k6_%d" % i, app_id=app["id"])
            if st in (200, 202):
                acked.append("evt_k6_%d" % i)
        m.repl_proc.kill()
        m.repl_proc.wait(5)
        others = [s for s in self.sites if s is not m]
        new = wait_for(lambda: next((s for s in others if (s.health() or {})
                                     .get("role") == "master"), None), 10)
        self.assertIsNotNone(new)
        # the old master's API stops taking writes (no live hookd-repl)
        self.assertTrue(wait_for(lambda: m.request(
            "POST", "/v1/apps", {"org_id": "org_k6", "name": "z"})[0] == 503,
            5))
        m.start_repl()
        self.wait_group(30)
        self.assertEqual((m.health() or {}).get("role"), "client")
        for eid in acked:
            st, _, body = new.post_event("fail.test", "org_k6", {},
                                         id=eid, app_id=app["id"])
            self.assertEqual(st, 200, (eid, body))

    def test_9_sigkill_of_the_master_elects_another_that_delivers(self):
        m = self.master()
        app = m.create_app("org_fail", "failover")
        m.create_webhook(app, self.rcv.url)
        others = [s for s in self.sites if s is not m]
        # the clients' senders idle (a client delivers nothing)
        senders = [s.start_sender("--loop") for s in others]
        ids = []
        for i in range(20):
            eid = "evt_fail_%d" % i
            st, _, body = m.post_event("fail.test", "org_fail", {"i": i},
                                       id=eid, app_id=app["id"])
            self.assertIn(st, (200, 202), body)
            ids.append(eid)
        # no sender on the master: all 20 are pending when it dies
        self.assertEqual(self.rcv.requests, [])
        victims = [m.repl_proc.pid, m.proc.pid] + m.fcgi_pids()
        t0 = time.time()
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        new = wait_for(lambda: next((s for s in others if (s.health() or {})
                                     .get("role") == "master"), None), 10)
        elapsed = time.time() - t0
        self.assertIsNotNone(new, "no new master within 10 s:\n%s" %
                             "\n".join(s.repl_text() for s in others))
        print("\n  failover after SIGKILL: new master %s in %.2f s" %
              (new.host, elapsed))
        got = self.rcv.wait(len(ids), timeout=30)
        seen = set()
        for r in got:
            seen.add(json.loads(r["body"]).get("id")
                     or r["headers"].get("webhook-id"))
        delivered = {r["headers"].get("webhook-id") for r in got}
        self.assertGreaterEqual(len(got), len(ids),
                                "delivered %d of %d" % (len(got), len(ids)))
        # every acknowledged event reached the new master
        for eid in ids:
            st, _, body = new.post_event("fail.test", "org_fail", {},
                                         id=eid, app_id=app["id"])
            self.assertEqual(st, 200, (eid, body))
        self.assertTrue(delivered)
        for p in senders:
            p.send_signal(signal.SIGTERM)
            p.wait(15)


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(os.path.exists(REPL), "hookd-repl not built")
class ReplKeyTest(unittest.TestCase):
    """Every site of a group uses the same passphrase: a site with another
    one, or none, is refused with a clear error (exit 2)."""

    def run_pair(self, second_key):
        a = Site(1, None, create=True, encrypt=True)
        b = Site(2, None, create=False, encrypt=second_key is not None)
        try:
            if second_key == "same":
                harness.write_key_file(b.config["encryption_key_file"],
                                       a.passphrase)
            aa = "%s:%d" % (a.host, a.repl_port)
            ba = "%s:%d" % (b.host, b.repl_port)
            a.configure(harness.free_port(), [ba])
            b.configure(harness.free_port(), [aa])
            for s in (a, b):
                s.write_config(replication_ack="all")
            a.start_repl()
            state = os.path.join(a.data_dir, "repl.state")
            def master():
                try:
                    with open(state) as f:
                        return "role master" in f.read()
                except OSError:
                    return False
            self.assertTrue(wait_for(master, 20), a.repl_text())
            b.start_repl()
            try:
                rc = b.repl_proc.wait(20)
            except subprocess.TimeoutExpired:
                rc = None
            return rc, b.repl_text()
        finally:
            a.stop()
            b.stop()

    def test_another_passphrase_is_refused(self):
        rc, log = self.run_pair("other")
        self.assertEqual(rc, 2, log)
        self.assertIn("another passphrase", log)

    def test_no_passphrase_in_an_encrypted_group_is_refused(self):
        rc, log = self.run_pair(None)
        self.assertEqual(rc, 2, log)
        self.assertIn("has no encryption_key_file", log)

    def test_the_same_passphrase_joins(self):
        rc, log = self.run_pair("same")
        self.assertIsNone(rc, log)      # still running after 20 s
        self.assertIn("is client", log)
