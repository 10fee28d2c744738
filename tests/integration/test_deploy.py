"""test_deploy.py - every web server sample in etc/ serves hookd for real.

For each sample: fill in its placeholders into a temp dir (deploy.py),
start the real server on a free loopback port, then the smoke suite: the
health check, auth through the server, create an app, register a webhook
(with the app's own key) pointing at a loopback receiver, post an event,
run the sender exactly as etc/cron/hookd-send runs it, and check that the
receiver got the signed event, the delivery is "delivered" and the status
page is served at "/".  A case is skipped only when its server binary or
module is not installed.
"""

import json
import os
import signal
import subprocess
import time
import unittest

import deploy
import harness


class SmokeMixin:
    """The end-to-end check every deployment must pass."""

    def deployment(self, separate=False):
        dep = deploy.Deployment(separate)
        self.addCleanup(self._stop, dep)
        return dep

    def _stop(self, dep):
        bad = dep.stop()
        self.assertEqual(bad, [], "sanitizer reports in the logs")

    def start(self, fn):
        try:
            fn()
        except deploy.Missing as e:
            self.skipTest(str(e))

    def smoke(self, dep):
        st, _, body = dep.request("GET", "/v1/health", token=None)
        self.assertEqual(st, 200, body)
        self.assertEqual(body, {"status": "ok"})
        st, _, body = dep.request("GET", "/v1/event-types", token=None)
        self.assertEqual(st, 200, body)
        # Auth crosses the server: none and a wrong token are 401.
        st, _, body = dep.request("GET", "/v1/apps", token=None)
        self.assertEqual(st, 401, body)
        st, _, body = dep.request("GET", "/v1/apps", token="wrong-token")
        self.assertEqual(st, 401, body)

        # The server's body limit is above max_event_bytes: hookd itself
        # answers 413, in JSON.
        big = {"type": "user.signin", "org_id": "org-deploy",
               "data": {"pad": "x" * 300000}}
        st, _, body = dep.request("POST", "/v1/events", big)
        self.assertEqual(st, 413, body)
        self.assertIsInstance(body, dict, body)
        # ... and above max_batch_bytes (4 MiB by default) too
        many = {"events": [dict(big, data={"pad": "x" * 200000})] * 22}
        st, _, body = dep.request("POST", "/v1/events/batch", many)
        self.assertEqual(st, 413, body)
        self.assertIsInstance(body, dict, body)
        self.assertIn("4194304", body["error"]["message"])

        app = dep.create_app("org-deploy", "deploy")
        rcv = harness.Receiver()
        self.addCleanup(rcv.stop)
        wh = dep.create_webhook(app, rcv.url, events=["user.signin"],
                                token=app["api_key"])
        st, _, ev = dep.post_event("user.signin", "org-deploy",
                                   {"method": "password"}, user_id="u1")
        self.assertEqual(st, 202, ev)

        r = dep.run_cron_sender()
        self.assertEqual(r.returncode, 0, "cron job: %s\n%s" % (r.stderr, dep.log()))
        got = rcv.wait(1, timeout=15)
        self.assertEqual(len(got), 1, "receiver got %d requests\n%s\n%s"
                         % (len(got), r.stderr, dep.log()))
        req = got[0]
        sent = json.loads(req["body"])
        self.assertEqual(sent["id"], ev["id"])
        self.assertEqual(sent["type"], "user.signin")
        self.assertEqual(sent["data"], {"method": "password"})
        self.assertEqual(req["headers"]["webhook-id"], ev["id"])
        self.assertTrue(deploy.receiver.signature_ok(
            wh["secret"], req["headers"]["webhook-id"],
            req["headers"]["webhook-timestamp"], req["body"],
            req["headers"]["webhook-signature"]), req["headers"])

        st, _, lst = dep.request("GET", "/v1/apps/%s/deliveries" % app["id"],
                                 token=app["api_key"])
        self.assertEqual(st, 200, lst)
        self.assertEqual([d["status"] for d in lst["data"]], ["delivered"])

        # status_dir is served at "/": the page the sender wrote, or (if
        # this sender writes none: test_send_once_unit_writes_the_status_page
        # reports that) a probe page put there by the test.
        html = os.path.join(dep.dirs["www"], "status.html")
        js = os.path.join(dep.dirs["www"], "status.json")
        if not os.path.exists(html):
            with open(html, "w") as f:
                f.write("<!DOCTYPE html><html><body>probe</body></html>\n")
            with open(js, "w") as f:
                f.write('{"probe": true}\n')
        with open(html, "rb") as f:
            want = f.read()
        st, h, page = dep.request("GET", "/", token=None)
        self.assertEqual(st, 200, page)
        self.assertIn("text/html", h.get("content-type", ""))
        self.assertEqual(page, want)
        st, h, status = dep.request("GET", "/status.json", token=None)
        self.assertEqual(st, 200, status)
        self.assertIn("application/json", h.get("content-type", ""))
        self.assertIsInstance(status, dict)
        return app, wh


class TestDeploySamples(SmokeMixin, unittest.TestCase):

    def test_lighttpd_binpath_sample_delivers_an_event(self):
        dep = self.deployment()
        self.start(lambda: dep.start_lighttpd("lighttpd/hookd-binpath.conf"))
        self.assertEqual(len(dep.fcgi_pids()), 1, "max-procs 1\n" + dep.log())
        self.smoke(dep)

    def test_lighttpd_socket_sample_with_spawn_fcgi_delivers_an_event(self):
        dep = self.deployment(separate=True)

        def go():
            pids = dep.start_spawn_fcgi()
            self.assertEqual(len(pids), 1, "spawn-fcgi -F 1")
            dep.start_lighttpd("lighttpd/hookd-socket.conf")
        self.start(go)
        self.smoke(dep)

    def test_apache_fcgid_sample_delivers_an_event(self):
        dep = self.deployment()
        run = os.path.join(dep.tmp, "apache", "run")
        self.start(lambda: dep.start_apache(
            "apache/hookd-fcgid.conf", ["fcgid"],
            extra=['FcgidIPCDir "%s/fcgidsock"' % run,
                   'FcgidProcessTableFile "%s/fcgid_shm"' % run]))
        self.smoke(dep)

    def test_apache_proxy_fcgi_sample_with_spawn_fcgi_delivers_an_event(self):
        dep = self.deployment(separate=True)

        def go():
            dep.start_spawn_fcgi()
            dep.start_apache("apache/hookd-proxy-fcgi.conf",
                             ["proxy", "proxy_fcgi"])
        self.start(go)
        self.smoke(dep)

    def test_apache_cgi_sample_delivers_an_event(self):
        dep = self.deployment()
        self.start(lambda: dep.start_apache("apache/hookd-cgi.conf",
                                            ["env", "cgi"], mpm="prefork"))
        self.smoke(dep)
        # Plain CGI: no hookd.fcgi process outlives its request.
        self.assertEqual(dep.fcgi_pids(), [])


class TestDeploySender(SmokeMixin, unittest.TestCase):

    def test_send_loop_unit_delivers_promptly_and_stops_on_sigterm(self):
        dep = self.deployment()
        self.start(lambda: dep.start_lighttpd("lighttpd/hookd-binpath.conf"))
        argv = dep.unit_command("systemd/hookd-send-loop.service")
        self.assertIn("--loop", argv)
        loop = dep._popen(argv, "hookd-send-loop", **dep.as_user())
        app = dep.create_app("org-loop", "loop")
        rcv = harness.Receiver()
        self.addCleanup(rcv.stop)
        dep.create_webhook(app, rcv.url)
        t0 = time.time()
        st, _, ev = dep.post_event("user.profile.update", "org-loop")
        self.assertEqual(st, 202, ev)
        got = rcv.wait(1, timeout=10)
        self.assertEqual(len(got), 1, dep.log())
        self.assertLess(time.time() - t0, 5.0, "the loop should be woken")
        loop.send_signal(signal.SIGTERM)
        self.assertEqual(loop.wait(20), 0, dep.log())

    def test_send_once_unit_writes_the_status_page(self):
        dep = self.deployment()
        self.start(lambda: dep.start_lighttpd("lighttpd/hookd-binpath.conf"))
        argv = dep.unit_command("systemd/hookd-send.service")
        self.assertIn("--once", argv)
        app = dep.create_app("org-once", "once")
        rcv = harness.Receiver()
        self.addCleanup(rcv.stop)
        dep.create_webhook(app, rcv.url)
        dep.post_event("user.signin", "org-once")
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                           **dep.as_user())
        dep._keep("hookd-send-once", r.stderr)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(rcv.wait(1, timeout=5)), 1, r.stderr)
        for name in ("status.html", "status.json"):
            self.assertTrue(os.path.exists(os.path.join(dep.dirs["www"], name)),
                            "hookd-send --once wrote no %s (docs/operations.md: status page)"
                            % name)
        # Served by the web server, as written.
        with open(os.path.join(dep.dirs["www"], "status.html"), "rb") as f:
            want = f.read()
        st, _, page = dep.request("GET", "/", token=None)
        self.assertEqual((st, page), (200, want))


class TestDeployOperations(SmokeMixin, unittest.TestCase):
    """The procedures of docs/operations.md, done for real."""

    def test_hot_backup_restores_apps_and_webhooks(self):
        hb = deploy.shutil.which("db5.3_hotbackup") or deploy.shutil.which(
            "db_hotbackup")
        if not hb:
            self.skipTest("db5.3-util (db5.3_hotbackup) is not installed")
        dep = self.deployment()
        self.start(lambda: dep.start_lighttpd("lighttpd/hookd-binpath.conf"))
        app = dep.create_app("org-bk", "before-backup")
        rcv = harness.Receiver()
        self.addCleanup(rcv.stop)
        dep.create_webhook(app, rcv.url)
        # A hot backup while the API runs, as the hookd user.
        backup = os.path.join(dep.tmp, "backup")
        os.makedirs(backup)
        if deploy.IS_ROOT:
            os.chown(backup, dep.uid, dep.gid)
        r = subprocess.run([hb, "-h", dep.dirs["data"], "-b", backup],
                           capture_output=True, text=True, timeout=120,
                           **dep.as_user())
        self.assertEqual(r.returncode, 0, r.stderr)
        later = dep.create_app("org-bk", "after-backup")
        dep.stop_processes()

        # Restore: the backup becomes data_dir; start again.
        deploy.shutil.rmtree(dep.dirs["data"])
        deploy.shutil.copytree(backup, dep.dirs["data"], symlinks=True)
        if deploy.IS_ROOT:
            for d, _, files in os.walk(dep.dirs["data"]):
                os.chown(d, dep.uid, dep.gid)
                for f in files:
                    os.chown(os.path.join(d, f), dep.uid, dep.gid)
        dep.start_lighttpd("lighttpd/hookd-binpath.conf")
        st, _, apps = dep.request("GET", "/v1/apps")
        self.assertEqual(st, 200, apps)
        self.assertEqual([a["name"] for a in apps["data"]], ["before-backup"])
        st, _, _ = dep.request("GET", "/v1/apps/" + later["id"])
        self.assertEqual(st, 404)
        # The restored app key and webhook work end to end.
        st, _, ev = dep.post_event("user.signin", "org-bk")
        self.assertEqual(st, 202, ev)
        self.assertEqual(dep.run_cron_sender().returncode, 0)
        self.assertEqual(len(rcv.wait(1, timeout=10)), 1, dep.log())

    def test_killed_processes_recover_by_themselves(self):
        dep = self.deployment()
        self.start(lambda: dep.start_lighttpd("lighttpd/hookd-binpath.conf"))
        app = dep.create_app("org-crash", "crash")
        rcv = harness.Receiver()
        self.addCleanup(rcv.stop)
        # The killed sender may leave a connection half done: not an error.
        rcv.httpd.handle_error = lambda *a: None
        dep.create_webhook(app, rcv.url)
        st, _, ev = dep.post_event("user.signin", "org-crash")
        self.assertEqual(st, 202, ev)
        # kill -9 every hookd.fcgi process and a looping sender mid-run.
        loop = dep._popen(dep.unit_command("systemd/hookd-send-loop.service"),
                          "hookd-send-loop", **dep.as_user())
        self.assertEqual(len(rcv.wait(1, timeout=10)), 1, dep.log())
        loop.kill()
        loop.wait(5)
        for pid in dep.fcgi_pids():
            os.kill(pid, signal.SIGKILL)
        # lighttpd starts new processes; they recover the environment.
        end = time.time() + 20
        st = None
        while time.time() < end:
            try:
                st, _, _ = dep.request("GET", "/v1/apps/" + app["id"], timeout=5)
            except OSError:
                st = None
            if st == 200:
                break
            time.sleep(0.2)
        self.assertEqual(st, 200, dep.log())
        st, _, ev2 = dep.post_event("user.signin", "org-crash")
        self.assertEqual(st, 202, ev2)
        r = dep.run_cron_sender()
        self.assertEqual(r.returncode, 0, r.stderr)
        # The first event may come again (its outcome may not have been
        # committed when the loop died: at least once), in any order.
        end = time.time() + 10
        ids = []
        while ev2["id"] not in ids and time.time() < end:
            got = rcv.wait(len(ids) + 1, timeout=max(0.1, end - time.time()))
            ids = [json.loads(g["body"])["id"] for g in got]
        self.assertIn(ev2["id"], ids)
        self.assertLessEqual(set(ids), {ev["id"], ev2["id"]})


class TestSampleFiles(unittest.TestCase):

    def test_samples_use_only_documented_placeholders(self):
        with open(os.path.join(deploy.ETC, "README.md")) as f:
            documented = set(deploy.PLACEHOLDER.findall(f.read()))
        for dirpath, _, files in os.walk(deploy.ETC):
            for name in files:
                path = os.path.join(dirpath, name)
                with open(path) as f:
                    used = set(deploy.PLACEHOLDER.findall(f.read()))
                self.assertLessEqual(used, documented, path)

    def test_sample_hookd_conf_names_every_key_the_parser_knows(self):
        import re
        with open(os.path.join(deploy.ROOT, "lib", "config.c")) as f:
            keys = re.findall(r'\{"([a-z_]+)",\s*set_', f.read())
        self.assertGreater(len(keys), 15)
        with open(os.path.join(deploy.ETC, "hookd.conf")) as f:
            text = f.read()
        for k in keys:
            self.assertTrue(re.search(r"(?m)^#?%s =" % k, text), k)

    def test_systemd_units_verify_cleanly(self):
        sa = deploy.shutil.which("systemd-analyze")
        if not sa:
            self.skipTest("systemd-analyze is not installed")
        dep = deploy.Deployment()
        self.addCleanup(dep.stop)
        if dep.user in ("root", "nobody"):
            self.skipTest("systemd-analyze refuses %s as a unit's user" % dep.user)
        names = []
        for n in ("hookd-send.service", "hookd-send.timer",
                  "hookd-send-loop.service", "hookd-fcgi.service"):
            dep.write(n, dep.sample("systemd/" + n))
            names.append(os.path.join(dep.tmp, n))
        r = subprocess.run([sa, "verify", "--man=no"] + names,
                           capture_output=True, text=True, timeout=60)
        # Only lines about our files count (the host's units may warn).
        ours = [l for l in (r.stdout + r.stderr).splitlines()
                if dep.tmp in l or "hookd" in l]
        self.assertEqual(ours, [], r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
