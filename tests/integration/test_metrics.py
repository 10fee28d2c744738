"""test_metrics.py - status_dir/metrics.prom as written by the real
hookd-send after a pass, read with a real Prometheus text parser
(python3-prometheus-client), its figures checked against what the API
says happened; its counters must survive a restart of the sender.

Data: one app, webhooks answering 200 (/ok), 503 (/fail), none at all (a
closed port: no HTTP answer) and one disabled through the API; three
events, then two more for a second sender process.
"""

import os
import socket
import stat
import unittest

from harness import Server
from receiver import Receiver

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:     # mk/deps.sh installs python3-prometheus-client
    text_string_to_metric_families = None

FAMILIES = {
    "hookd_deliveries": "gauge",
    "hookd_due_deliveries": "gauge",
    "hookd_oldest_pending_seconds": "gauge",
    "hookd_webhooks": "gauge",
    "hookd_replication_role": "gauge",
    "hookd_last_pass_timestamp_seconds": "gauge",
    "hookd_attempts": "counter",        # the parser drops _total
    "hookd_attempt_duration_seconds": "histogram",
}


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@unittest.skipIf(text_string_to_metric_families is None,
                 "python3-prometheus-client is not installed (make deps)")
class MetricsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.rx = Receiver()
        cls.rx.set("/fail", status=503)
        cls.rx.set("/ok", status=200)
        cls.srv = Server(config={"retry_schedule": "0,1h",
                                 "timeout": "2s", "connect_timeout": "1s"})
        cls.srv.start()
        cls.app = cls.srv.create_app("org_metrics", "m")
        cls.hooks = [cls.srv.create_webhook(cls.app, cls.rx.url(p))
                     for p in ("/ok", "/fail")]
        cls.hooks.append(cls.srv.create_webhook(
            cls.app, "http://127.0.0.1:%d/none" % closed_port()))
        off = cls.srv.create_webhook(cls.app, cls.rx.url("/ok"))
        st, _, body = cls.srv.request(
            "PATCH", "/v1/apps/%s/webhooks/%s" % (cls.app["id"], off["id"]),
            {"enabled": False})
        if st != 200:
            raise AssertionError("disable: %s %r" % (st, body))
        cls.hooks.append(off)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.rx.close()

    def post(self, n):
        for i in range(n):
            st, _, body = self.srv.post_event(
                "user.signin", self.app["org_id"], {"n": i},
                app_id=self.app["id"])
            self.assertEqual(st, 202, body)

    def send_once(self):
        p = self.srv.run_sender("--once")
        self.assertEqual(p.returncode, 0, p.stderr)

    def path(self):
        return os.path.join(self.srv.status_dir, "metrics.prom")

    def read(self):
        """{family name: (type, documentation, {(name, labels): value})}"""
        with open(self.path(), encoding="utf-8") as f:
            text = f.read()
        for h in self.hooks:        # no per-webhook or per-app label
            self.assertNotIn(h["id"], text)
        self.assertNotIn(self.app["id"], text)
        out = {}
        for fam in text_string_to_metric_families(text):
            samples = {}
            for s in fam.samples:
                key = (s.name, tuple(sorted(s.labels.items())))
                self.assertNotIn(key, samples, "sample twice")
                samples[key] = s.value
            out[fam.name] = (fam.type, fam.documentation, samples)
        return out

    def api_counts(self):
        counts = {}
        for status in ("pending", "delivered", "failed", "cancelled"):
            st, _, body = self.srv.request(
                "GET", "/v1/apps/%s/deliveries?status=%s&limit=100"
                % (self.app["id"], status))
            self.assertEqual(st, 200, body)
            counts[status] = len(body["data"])
        return counts

    def check(self, m, attempts):
        """Every family, typed and documented; figures against the API's
        and the attempts made (delivered, failed, error)."""
        for name, typ in FAMILIES.items():
            self.assertIn(name, m)
            self.assertEqual(m[name][0], typ, name)
            self.assertTrue(m[name][1], "HELP of " + name)
        v = {n: s for n, (_, _, s) in m.items()}
        api = self.api_counts()
        for status, n in api.items():
            self.assertEqual(
                v["hookd_deliveries"][("hookd_deliveries",
                                       (("status", status),))], n, status)
        self.assertEqual(v["hookd_due_deliveries"]
                         [("hookd_due_deliveries", ())], 0)
        oldest = v["hookd_oldest_pending_seconds"][
            ("hookd_oldest_pending_seconds", ())]
        self.assertGreater(oldest, 0)       # the 503s and errors wait 1 h
        self.assertLess(oldest, 600)
        self.assertEqual(v["hookd_webhooks"], {
            ("hookd_webhooks", (("state", "enabled"),)): 3,
            ("hookd_webhooks", (("state", "disabled"),)): 1})
        self.assertEqual(v["hookd_replication_role"]
                         [("hookd_replication_role", ())], 1)
        got = {dict(k[1])["outcome"]: val
               for k, val in v["hookd_attempts"].items()}
        self.assertEqual(got, dict(zip(("delivered", "failed", "error"),
                                       attempts)))
        h = v["hookd_attempt_duration_seconds"]
        buckets = sorted((float(dict(k[1])["le"]), val) for k, val in h.items()
                         if k[0].endswith("_bucket"))
        self.assertEqual(buckets[-1][0], float("inf"))
        self.assertEqual([b[1] for b in buckets],
                         sorted(b[1] for b in buckets))     # cumulative
        count = h[("hookd_attempt_duration_seconds_count", ())]
        self.assertEqual(count, sum(attempts))
        self.assertEqual(buckets[-1][1], count)
        self.assertGreater(h[("hookd_attempt_duration_seconds_sum", ())], 0)
        return v

    def test_metrics_match_the_api_and_survive_a_sender_restart(self):
        self.post(3)
        self.send_once()
        self.rx.wait(6, timeout=20)
        self.assertEqual(stat.S_IMODE(os.stat(self.path()).st_mode), 0o644)
        v = self.check(self.read(), (3, 3, 3))
        last = v["hookd_last_pass_timestamp_seconds"][
            ("hookd_last_pass_timestamp_seconds", ())]
        self.assertGreater(last, 1.7e9)
        self.assertEqual([f for f in os.listdir(self.srv.status_dir)
                          if f.startswith(".")], [])     # no temp file left
        # A new sender process: the counters go on from the stored ones.
        self.post(2)
        self.send_once()
        v = self.check(self.read(), (5, 5, 5))
        self.assertGreaterEqual(v["hookd_last_pass_timestamp_seconds"][
            ("hookd_last_pass_timestamp_seconds", ())], last)
        # --status-only is no pass: it leaves metrics.prom alone.
        os.unlink(self.path())
        p = self.srv.run_sender("--status-only")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(self.path()))
        self.send_once()                    # nothing due: same counts
        self.check(self.read(), (5, 5, 5))


if __name__ == "__main__":
    unittest.main()
