"""Proof under fire, a process that dies holding a Berkeley DB mutex: no
timeout ever frees a process-shared mutex whose holder was SIGKILLed, so
hookd.fcgi's watchdog exits it (75) and the next opener recovers the
environment.  Its clients must not see the web server's 5xx page for the
requests it holds: each gets 503 storage_unavailable, JSON, Retry-After.

The dead holder is played for real: hookd-send --once runs under gdb,
stops inside __log_flush_int (Berkeley DB holds the log region's mutex
there) and gdb SIGKILLs it.  Every later write needs that mutex.
"""

import shutil
import subprocess
import time
import unittest

import harness

ORG = "org_wedge"


@unittest.skipUnless(shutil.which("gdb"), "gdb is not installed (mk/deps.sh)")
class TestWedgedFastcgi(unittest.TestCase):
    def setUp(self):
        # one process, so the request below meets the wedged one
        self.srv = harness.Server(procs=1, config={"durability": "sync"})
        self.srv.start()
        self.addCleanup(self.srv.stop)

    def kill_sender_holding_the_log_mutex(self):
        cmd = (["gdb", "-q", "-batch", "-ex", "set breakpoint pending on",
                "-ex", "break __log_flush_int", "-ex", "run", "-ex", "kill",
                "--args"] + self.srv.sender_cmd("--once"))
        g = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertIn("hit Breakpoint", g.stdout,
                      "hookd-send never flushed the log:\n%s\n%s"
                      % (g.stdout, g.stderr))
        self.assertIn("killed", g.stdout)

    def post(self, eid):
        return self.srv.request("POST", "/v1/events", {
            "id": eid, "type": "user.signin", "org_id": ORG, "data": {}},
            timeout=60)

    def test_requests_held_by_a_wedged_process_get_503_json(self):
        srv = self.srv
        app = srv.create_app(ORG, "a")
        srv.create_webhook(app, "http://127.0.0.1:9/x", ["*"])
        self.assertEqual(self.post("wedge-0")[0], 202)
        self.kill_sender_holding_the_log_mutex()

        t0 = time.time()
        st, hdr, body = self.post("wedge-1")
        took = time.time() - t0
        self.assertEqual(st, 503, (body, srv.log()))
        self.assertEqual(body["error"]["code"], "storage_unavailable", body)
        self.assertIn("same id", body["error"]["message"])
        self.assertEqual(hdr.get("retry-after"), "1")
        self.assertLess(took, 30, "the wedged process took %.1f s" % took)
        self.assertIn("exiting 75", srv.log())

        # the respawned process recovers the environment; the client
        # repeats the id until a 2xx (a request queued for the exiting
        # process may still get the web server's own 5xx page)
        end = time.time() + 60
        while time.time() < end:
            st, _, body = self.post("wedge-1")
            if st in (200, 202):
                break
            self.assertGreaterEqual(st, 500, body)
            time.sleep(0.2)
        self.assertIn(st, (200, 202), (body, srv.log()))
        self.assertEqual(self.post("wedge-0")[0], 200, "an acknowledged "
                         "event is gone after recovery")
        self.assertEqual(self.post("wedge-1")[0], 200)


if __name__ == "__main__":
    unittest.main()
