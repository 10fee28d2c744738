"""test_deb.py - the Debian package, built, checked and used for real.

`make deb` builds it (debhelper, dpkg-buildpackage); lintian must report
no error; `apt-get install ./dist/hookd_*.deb` installs it; the lighttpd
snippet is enabled (lighty-enable-mod) and served by a lighttpd of this
test's own, on a free loopback port, started from a config that includes
/etc/lighttpd/conf-enabled/ (the system's lighttpd, if any, is left
alone); an event posted through it is delivered by the packaged
hookd-send, run as the package's user, to a loopback receiver.  Then
remove must keep the data and purge must remove it, the user and the
group, leaving the machine as it was.

Root only (it installs a package): skipped with a message otherwise, or
when hookd is installed already, or the tools are missing.
"""

import grp
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import unittest

import harness
from receiver import Receiver

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TOOLS = ("dpkg-buildpackage", "dh", "lintian", "apt-get", "lighttpd",
         "lighty-enable-mod", "lighty-disable-mod", "runuser")
ENABLED = "/etc/lighttpd/conf-enabled"
ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")


def why_skip():
    if os.environ.get("HOOKD_BUILD", "").rstrip("/").endswith(("build-asan", "build-tsan")):
        return "test_deb runs in the plain build's make check only"
    if os.geteuid() != 0:
        return "test_deb needs root (it installs the package): run as root"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        return "test_deb needs %s (apt-get install debhelper lintian " \
               "lighttpd)" % " ".join(missing)
    st = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}",
                         "hookd"], capture_output=True, text=True)
    if st.stdout.strip() not in ("", "not-installed", "config-files"):
        return "the hookd package is installed here: not touching it"
    try:
        pwd.getpwnam("hookd")
        return "a user hookd exists here: not touching it"
    except KeyError:
        return None


def run(cmd, timeout=300, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       env=ENV, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(cmd),
                             p.returncode, p.stdout, p.stderr))
    return p


def groups_of(user):
    return sorted(g.gr_name for g in grp.getgrall() if user in g.gr_mem)


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def group_exists(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


@unittest.skipIf(why_skip(), why_skip() or "")
class DebTest(unittest.TestCase):

    def machine(self):
        """What the package may change and purge must put back."""
        return {
            "enabled": sorted(os.listdir(ENABLED))
            if os.path.isdir(ENABLED) else None,
            "www-data groups": groups_of("www-data"),
            "user": user_exists("hookd"), "group": group_exists("hookd"),
            "etc": os.path.exists("/etc/hookd"),
            "var": os.path.exists("/var/lib/hookd"),
        }

    def test_deb_builds_installs_delivers_and_purges(self):
        before = self.machine()
        self.tmp = tempfile.mkdtemp(prefix="hookd-deb-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

        # Build and lint.
        run(["make", "-C", ROOT, "deb"], timeout=600)
        debs = [f for f in os.listdir(os.path.join(ROOT, "dist"))
                if f.startswith("hookd_") and f.endswith(".deb")]
        self.assertEqual(len(debs), 1, debs)
        deb = os.path.join(ROOT, "dist", debs[0])
        lint = run(["lintian", "--no-tag-display-limit", deb], check=False)
        errors = [l for l in lint.stdout.splitlines() if l.startswith("E:")]
        self.assertEqual(errors, [], lint.stdout + lint.stderr)
        print("\nlintian:\n" + (lint.stdout.strip() or "(nothing)"))

        # Install; whatever happens next, purge and put lighttpd back.
        self.addCleanup(self.restore, before)
        run(["apt-get", "install", "-y", "-q", os.path.abspath(deb)])
        tok = "/etc/hookd/admin_token"
        st = os.stat(tok)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o640)
        self.assertEqual((st.st_uid, grp.getgrgid(st.st_gid).gr_name),
                         (0, "hookd"))
        with open(tok) as f:
            token = f.read().strip()
        self.assertGreaterEqual(len(token), 32)
        user = pwd.getpwnam("hookd")
        self.assertLess(user.pw_uid, 1000)          # a system user
        for d in ("/var/lib/hookd/data", "/var/lib/hookd/www"):
            self.assertEqual(pwd.getpwuid(os.stat(d).st_uid).pw_name,
                             "hookd", d)
        with open("/var/lib/dpkg/info/hookd.conffiles") as f:
            self.assertIn("/etc/hookd/hookd.conf", f.read().split())
        with open("/etc/hookd/hookd.conf") as f:
            conf = f.read()
        self.assertIn("\nallow_private_targets = no\n", conf)  # safe default
        with open("/etc/cron.d/hookd") as f:
            jobs = [l for l in f if l.strip() and not l.startswith("#")
                    and "=" not in l.split()[0]]
        self.assertEqual(jobs, [], "the cron file must be inactive")
        with open("/lib/systemd/system/hookd-send.service") as f:
            unit = f.read()
        for line in ("ExecStart=/usr/bin/hookd-send -c /etc/hookd/hookd.conf "
                     "--loop", "User=hookd", "ProtectSystem=strict",
                     "NoNewPrivileges=yes", "PrivateTmp=yes",
                     "ReadWritePaths=/var/lib/hookd/data /var/lib/hookd/www"):
            self.assertIn("\n" + line + "\n", unit)

        # Reinstalling (as an upgrade does) keeps the token.
        run(["dpkg", "-i", deb])
        with open(tok) as f:
            self.assertEqual(f.read().strip(), token)

        # The lighttpd snippet, on a lighttpd of our own.  Loopback
        # receivers need allow_private_targets (a test-only change).
        with open("/etc/hookd/hookd.conf", "w") as f:
            f.write(conf.replace("\nallow_private_targets = no\n",
                                 "\nallow_private_targets = yes\n"))
        run(["lighty-enable-mod", "hookd"], check=False)
        self.assertTrue(os.path.exists(os.path.join(ENABLED,
                                                    "50-hookd.conf")))
        port = harness.free_port()
        www = os.path.join(self.tmp, "www")
        os.mkdir(www)
        lconf = os.path.join(self.tmp, "lighttpd.conf")
        with open(lconf, "w") as f:
            f.write('server.modules = ("mod_indexfile", "mod_access", '
                    '"mod_alias", "mod_redirect")\n'
                    'server.document-root = "%s"\n'
                    'server.bind = "127.0.0.1"\nserver.port = %d\n'
                    'server.username = "www-data"\n'
                    'server.groupname = "www-data"\n'
                    'include "%s/*.conf"\n'
                    % (www, port, ENABLED))
        os.makedirs("/run/lighttpd", exist_ok=True)
        shutil.chown("/run/lighttpd", "www-data", "www-data")
        with open(os.path.join(self.tmp, "error.log"), "w") as out:
            lt = subprocess.Popen(["lighttpd", "-D", "-f", lconf],
                                  start_new_session=True, stdout=out,
                                  stderr=subprocess.STDOUT)
        self.addCleanup(self.stop_group, lt)
        srv = harness.Server.__new__(harness.Server)
        srv.port, srv.admin_token = port, token
        end = time.time() + 20
        while True:
            try:
                st_, _, body = srv.request("GET", "/v1/health", token=None)
                if st_ == 200:
                    break
            except OSError:
                pass
            self.assertIsNone(lt.poll(), self.errorlog())
            self.assertLess(time.time(), end, self.errorlog())
            time.sleep(0.2)

        rx = Receiver()
        self.addCleanup(rx.close)
        rx.set("/hook", status=204)
        app = srv.create_app("org_deb", "deb")
        srv.create_webhook(app, rx.url("/hook"))
        st_, _, body = srv.post_event("user.signin", "org_deb",
                                      {"method": "password"})
        self.assertEqual(st_, 202, body)
        p = run(["runuser", "-u", "hookd", "--", "/usr/bin/hookd-send",
                 "-c", "/etc/hookd/hookd.conf", "--once"], timeout=120)
        got = rx.wait(1, "/hook", timeout=20)
        self.assertEqual(len(got), 1, p.stderr)
        self.assertTrue(os.path.exists("/var/lib/hookd/www/metrics.prom"))
        st_, _, page = srv.request("GET", "/hookd/status.json", token=None)
        self.assertEqual(st_, 200, page)
        self.stop_group(lt)
        run(["lighty-disable-mod", "hookd"], check=False)

        # remove keeps the data, the token and the user; purge does not.
        run(["apt-get", "remove", "-y", "-q", "hookd"])
        self.assertTrue(os.path.isdir("/var/lib/hookd/data"))
        self.assertTrue(os.path.exists(tok))
        self.assertTrue(user_exists("hookd"))
        run(["apt-get", "purge", "-y", "-q", "hookd"])
        self.assertEqual(self.machine_after(before), before)

    def machine_after(self, before):
        # lighty-enable-mod hookd enabled fastcgi too: back as it was.
        now = self.machine()
        if now["enabled"] is not None and before["enabled"] is not None:
            for f in set(now["enabled"]) - set(before["enabled"]):
                os.unlink(os.path.join(ENABLED, f))
            now = self.machine()
        return now

    def errorlog(self):
        try:
            with open(os.path.join(self.tmp, "error.log")) as f:
                return f.read()
        except OSError:
            return "(no error log)"

    def stop_group(self, proc):
        """lighttpd and its hookd.fcgi processes: all of its group."""
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        end = time.time() + 10
        while time.time() < end:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def restore(self, before):
        """After a failure: purge the package, undo the enabled modules."""
        st = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}",
                             "hookd"], capture_output=True, text=True)
        if st.stdout.strip() not in ("", "not-installed"):
            run(["apt-get", "purge", "-y", "-q", "hookd"], check=False)
        self.machine_after(before)


if __name__ == "__main__":
    unittest.main()
