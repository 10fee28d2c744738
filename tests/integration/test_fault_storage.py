"""Proof under fire, storage unavailable: a data_dir that cannot be an
environment (a regular file: root ignores chmod 000; a read-only remount
is refused while the environment's files are open), an environment whose
sender lock is held, and a corrupt configuration.  Each ends in the documented
answer (503 JSON, exit 1 with a message, exit 0 "another hookd-send is
running", exit 2 naming FILE:LINE) and never in a crash, a 500 or a hang.
"""

import fcntl
import os
import subprocess
import tempfile
import time
import unittest

import harness
from receiver import Receiver


def assert_error_json(case, res, status, code=None):
    st, h, body = res
    case.assertEqual(st, status, body)
    case.assertTrue(h.get("content-type", "").startswith("application/json"),
                    h)
    case.assertIsInstance(body, dict, body)
    case.assertEqual(list(body), ["error"], body)
    case.assertEqual(sorted(body["error"]), ["code", "message"], body)
    if code is not None:
        case.assertEqual(body["error"]["code"], code, body)


class TestDataDirIsAFile(unittest.TestCase):
    """data_dir names a regular file: nothing can open the environment."""

    def setUp(self):
        self.srv = harness.Server(procs=1)
        self.addCleanup(self.srv.stop)
        os.makedirs(os.path.dirname(self.srv.data_dir), exist_ok=True)
        with open(self.srv.data_dir, "w") as f:
            f.write("not an environment\n")
        self.srv.start()

    def test_api_answers_503_json_and_recovers_when_storage_returns(self):
        srv = self.srv
        pids = srv.fcgi_pids()
        assert_error_json(self, srv.request("GET", "/v1/health", token=None),
                          503)
        for method, path, body in (
                ("POST", "/v1/apps", {"org_id": "o", "name": "n"}),
                ("GET", "/v1/apps", None),
                ("POST", "/v1/events", {"type": "user.signin",
                                        "org_id": "o", "data": {}})):
            assert_error_json(self, srv.request(method, path, body), 503,
                              "storage_unavailable")
        self.assertEqual(srv.fcgi_pids(), pids, "a FastCGI process died")

        p = srv.run_sender("--once")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(srv.data_dir, p.stderr)

        # the storage comes back: the same processes reopen it
        os.unlink(srv.data_dir)
        os.makedirs(srv.data_dir)
        st, _, body = srv.request("GET", "/v1/health", token=None)
        self.assertEqual((st, body), (200, {"status": "ok"}))
        app = srv.create_app("org_back")
        self.assertTrue(app["id"].startswith("app_"))
        self.assertEqual(srv.fcgi_pids(), pids)
        self.assertEqual(srv.run_sender("--once").returncode, 0)


class TestSenderLockHeld(unittest.TestCase):

    def setUp(self):
        self.rx = Receiver()
        self.srv = harness.Server(procs=1)
        self.srv.start()
        self.addCleanup(self.rx.close)
        self.addCleanup(self.srv.stop)

    def test_once_with_the_lock_held_exits_0_sends_nothing_then_delivers(self):
        srv = self.srv
        app = srv.create_app("org_lock")
        srv.create_webhook(app, self.rx.url("/lock"))
        st, _, ev = srv.post_event("user.signin", "org_lock", {},
                                   app_id=app["id"])
        self.assertEqual(st, 202, ev)
        # hold sender.lock as another hookd-send would
        fd = os.open(os.path.join(srv.data_dir, "sender.lock"),
                     os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            t0 = time.time()
            p = srv.run_sender("--once", timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("another hookd-send is running", p.stderr)
            self.assertLess(time.time() - t0, 5)
            time.sleep(0.2)
            self.assertEqual(self.rx.got("/lock"), [])
        finally:
            os.close(fd)
        p = srv.run_sender("--once", timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([r["headers"]["webhook-id"]
                          for r in self.rx.got("/lock")], [ev["id"]])


class TestCorruptConfig(unittest.TestCase):
    """A config with a bad line: both programs refuse it with exit 2 and
    FILE:LINE on stderr (hookd.fcgi(8), hookd-send(8)); as plain CGI the
    web server turns that exit into its own 500; nothing crashes."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.conf = os.path.join(self.tmp.name, "hookd.conf")
        with open(self.conf, "w") as f:
            f.write("admin_token = %s\ndata_dir = %s/data\n"
                    "# a comment\nthis line is not key = value at all\n"
                    "timeout = 2s\n" % (harness.ADMIN_TOKEN, self.tmp.name))

    def test_sender_exits_2_naming_file_and_line(self):
        p = subprocess.run([harness.SEND, "-c", self.conf, "--once"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("%s:4" % self.conf, p.stderr)

    def test_fcgi_as_plain_cgi_exits_2_naming_file_and_line(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "HOOKD_CONF": self.conf, "GATEWAY_INTERFACE": "CGI/1.1",
               "REQUEST_METHOD": "GET", "REQUEST_URI": "/v1/health",
               "SCRIPT_NAME": "/v1/health", "PATH_INFO": "",
               "SERVER_PROTOCOL": "HTTP/1.1"}
        p = subprocess.run([harness.FCGI], env=env, input=b"",
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)      # not a signal
        self.assertIn(("%s:4" % self.conf).encode(), p.stderr)
        self.assertEqual(p.stdout, b"")                  # no half answer
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "data")))

    def test_plain_cgi_behind_lighttpd_is_a_500_not_a_hang(self):
        srv = harness.Server(mode="cgi")
        self.addCleanup(srv.stop)
        srv.start()                      # the harness probes with a good conf
        with open(srv.conf_path, "a") as f:
            f.write("retry_schedule = soon\n")
        t0 = time.time()
        st, _, _ = srv.request("GET", "/v1/health", token=None, timeout=10)
        self.assertEqual(st, 500)
        self.assertLess(time.time() - t0, 5)
        self.assertIn("hookd.conf:", srv.log())


if __name__ == "__main__":
    unittest.main()
