"""Encryption at rest (encryption_key_file), through the real programs:
lighttpd + hookd.fcgi, hookd-send, a real receiver.

- With the key set, no file under data_dir holds a posted body, a webhook
  secret (as given, its base64, its raw bytes) or the passphrase, while
  the programs run and after they stop; the regions are System V shared
  memory segments, removed by the last process to close.  The same run
  without the key finds them (the scan has power).
- A bad key file stops both programs with exit 2, naming it.
- A store of the other kind, or the wrong key: hookd-send exits 1, the API
  answers 503 storage_unavailable, and no file of the store changes.
- Regions lost after a SIGKILL (a reboot): recovery from the logs.
- db5.3_hotbackup -P of an encrypted store, and its restore.
"""

import base64
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import harness
from receiver import Receiver

PASS_A = "first passphrase for the tests"
PASS_B = "second passphrase, another key"


def file_hashes(d):
    """name -> sha256 of every file under d (sockets and locks left out)."""
    out = {}
    for root, _, files in os.walk(d):
        for n in files:
            p = os.path.join(root, n)
            if n.endswith(".sock") or n.endswith(".lock"):
                continue
            with open(p, "rb") as f:
                out[os.path.relpath(p, d)] = hashlib.sha256(f.read()).hexdigest()
    return out


def grep_tree(d, needles):
    """{needle: [files holding it]} for each needle (bytes) found."""
    hits = {}
    for root, _, files in os.walk(d):
        for n in files:
            p = os.path.join(root, n)
            try:
                with open(p, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            for x in needles:
                if x in data:
                    hits.setdefault(x, []).append(os.path.relpath(p, d))
    return hits


def secret_needles(secret):
    b64 = secret[len("whsec_"):]
    return [secret.encode(), b64.encode(), base64.b64decode(b64)]


class CryptCase(unittest.TestCase):

    def setUp(self):
        self.rx = Receiver()
        self.addCleanup(self.rx.close)
        self.servers = []

    def server(self, encrypt, **kw):
        srv = harness.Server(encrypt=encrypt, **kw)
        self.servers.append(srv)
        self.addCleanup(srv.stop)
        return srv

    def fill(self, srv, n, marker):
        """An app, a webhook to the receiver with a known secret, n events
        whose data holds marker; returns (app, webhook)."""
        app = srv.create_app("org_crypt", "a")
        secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
        wh = srv.create_webhook(app, self.rx.url("/h"), ["*"], secret=secret)
        wh["secret"] = secret
        for i in range(n):
            st, _, out = srv.request("POST", "/v1/events", {
                "id": "ev-%04d" % i, "type": "user.signin",
                "org_id": "org_crypt",
                "data": {"m": "%s-%04d" % (marker, i)}})
            self.assertEqual(st, 202, out)
        return app, wh


class TestFilesAtRest(CryptCase):

    def scan(self, encrypt):
        """Fill a store, deliver, and grep data_dir for the marker, the
        secret and the passphrase while everything runs, then after a
        clean stop.  Returns (hits running, hits stopped, srv)."""
        srv = self.server(encrypt)
        srv.start()
        marker = "MARKER-%s" % os.urandom(6).hex()
        app, wh = self.fill(srv, 20, marker)
        s = srv.start_sender("--loop")
        self.rx.wait(20, timeout=30)
        needles = [marker.encode()] + secret_needles(wh["secret"])
        if encrypt:
            needles.append(srv.passphrase.encode())
        self.assertIsNone(s.poll())
        running = grep_tree(srv.data_dir, needles)
        srv.segments = harness.shm_segments(srv.data_dir)
        srv.region_files = {n: os.path.getsize(os.path.join(srv.data_dir, n))
                            for n in os.listdir(srv.data_dir)
                            if n.startswith("__db.0")}
        s.send_signal(signal.SIGTERM)
        self.assertEqual(s.wait(30), 0, srv.sender_log(s))
        srv._kill_lighttpd()
        stopped = grep_tree(srv.data_dir, needles)
        return running, stopped, srv

    def test_encrypted_store_files_hold_no_body_secret_or_passphrase(self):
        running, stopped, srv = self.scan(True)
        self.assertEqual(running, {})
        self.assertEqual(stopped, {})
        # where the regions were: shared memory segments; the one region
        # file only names the segment
        self.assertTrue(srv.segments)
        self.assertEqual(list(srv.region_files), ["__db.001"])
        self.assertLess(srv.region_files["__db.001"], 64)
        # the last process to close removed the segments
        self.assertEqual(harness.shm_segments(srv.data_dir), [])
        self.assertFalse(os.path.exists(os.path.join(srv.data_dir, "__db.001")))

    def test_plaintext_store_files_show_them_so_the_scan_has_power(self):
        running, stopped, _ = self.scan(False)
        # the marker, the secret and its base64 (the raw bytes are never
        # stored: the secret is kept as given)
        self.assertEqual(len(running), 3, running)
        self.assertEqual(len(stopped), 3, stopped)


class TestKeyFileChecks(CryptCase):

    def run_both(self, srv):
        """(sender --once result, hookd.fcgi result) for srv's config."""
        snd = srv.run_sender("--once", timeout=30)
        env = dict(os.environ, HOOKD_CONF=srv.conf_path)
        cgi = subprocess.run([harness.FCGI], env=env, capture_output=True,
                             text=True, timeout=30, stdin=subprocess.DEVNULL)
        return snd, cgi

    def test_bad_key_files_stop_both_programs_with_exit_2_naming_the_file(self):
        srv = self.server(False)
        key = os.path.join(srv.tmp, "k.key")
        srv.write_config(encryption_key_file=key)
        cases = [
            (PASS_A, 0o644, "readable by others"),
            (PASS_A, 0o604, "readable by others"),
            (PASS_A, 0o620, "writable by others than its owner"),
            (PASS_A, 0o602, "writable by others than its owner"),
            ("fifteen bytes!!", 0o600, "too short"),
            (PASS_A + "\nsecond line", 0o600, "one line"),
            (None, 0, "cannot read"),
        ]
        for text, mode, why in cases:
            if os.path.exists(key):
                os.unlink(key)
            if text is not None:
                harness.write_key_file(key, text, mode)
            for p in self.run_both(srv):
                self.assertEqual(p.returncode, 2, (why, p.stderr))
                self.assertIn(key, p.stderr, why)
                self.assertIn(why, p.stderr)
                self.assertNotIn(PASS_A, p.stderr)
        # group-readable, 16 bytes: fine
        harness.write_key_file(key, "sixteen bytes!!!", 0o640)
        p = srv.run_sender("--once", timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        harness.PASSPHRASES[os.path.realpath(srv.data_dir)] = "sixteen bytes!!!"
        srv.passphrase = "sixteen bytes!!!"     # stop() removes its segments


class TestOtherKindOrWrongKey(CryptCase):
    """Nothing on disk changes: the checks run before the environment is
    touched."""

    def refuse(self, srv, why):
        before = file_hashes(srv.data_dir)
        p = srv.run_sender("--once", timeout=30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(why, p.stderr)
        srv.start()
        st, _, out = srv.request("GET", "/v1/apps")
        self.assertEqual((st, out.get("error", {}).get("code")
                          if isinstance(out, dict) else out),
                         (503, "storage_unavailable"), out)
        st, _, out = srv.request("GET", "/v1/health", token=None)
        self.assertEqual(st, 503, out)
        srv._kill_lighttpd()
        self.assertEqual(file_hashes(srv.data_dir), before)
        self.assertIn(why, srv.log())

    def make_store(self, passphrase):
        srv = self.server(False)
        if passphrase:
            key = os.path.join(srv.tmp, "a.key")
            harness.write_key_file(key, passphrase)
            srv.write_config(encryption_key_file=key)
            harness.PASSPHRASES[os.path.realpath(srv.data_dir)] = passphrase
            srv.passphrase = passphrase
        srv.start()
        self.fill(srv, 3, "kind")
        srv._kill_lighttpd()
        return srv

    def use_key_b(self, srv):
        key = os.path.join(srv.tmp, "b.key")
        harness.write_key_file(key, PASS_B)
        srv.write_config(encryption_key_file=key)

    def test_plaintext_store_with_a_key_is_refused(self):
        srv = self.make_store(None)
        self.use_key_b(srv)
        self.refuse(srv, "is not encrypted")

    def test_encrypted_store_without_a_key_is_refused(self):
        srv = self.make_store(PASS_A)
        srv.write_config(encryption_key_file=None)
        self.refuse(srv, "is encrypted and no encryption_key_file")

    def test_encrypted_store_with_the_wrong_key_is_refused(self):
        srv = self.make_store(PASS_A)
        self.use_key_b(srv)
        self.refuse(srv, "does not open the store")

    def test_wrong_key_beside_a_running_store_changes_nothing(self):
        srv = self.make_store(PASS_A)
        srv.start()
        s = srv.start_sender("--loop")
        time.sleep(0.5)
        conf = os.path.join(srv.tmp, "wrong.conf")
        key = os.path.join(srv.tmp, "b.key")
        harness.write_key_file(key, PASS_B)
        with open(srv.conf_path) as f, open(conf, "w") as g:
            for line in f:
                if not line.startswith("encryption_key_file"):
                    g.write(line)
            g.write("encryption_key_file = %s\n" % key)
        p = subprocess.run([harness.SEND, "-c", conf, "--status-only"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("does not open the store", p.stderr)
        # the running programs did not notice
        st, _, _ = srv.request("GET", "/v1/apps")
        self.assertEqual(st, 200)
        self.assertIsNone(s.poll())


class TestRegionsLost(CryptCase):

    def test_sigkill_then_segments_gone_recovers_from_the_logs(self):
        srv = self.server(True, config={"durability": "sync"})
        srv.start()
        app, wh = self.fill(srv, 30, "lost")
        s = srv.start_sender("--loop")
        self.rx.wait(30, timeout=30)
        # more events, never delivered: they must survive in the logs
        for i in range(30, 60):
            st, _, _ = srv.request("POST", "/v1/events", {
                "id": "ev-%04d" % i, "type": "user.signin",
                "org_id": "org_crypt", "data": {"m": "late-%d" % i}})
            self.assertEqual(st, 202)
        pids = srv.fcgi_pids() + [s.pid]
        os.kill(srv.proc.pid, signal.SIGKILL)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        s.wait(10)
        srv.proc.wait(10)
        srv.proc = None
        time.sleep(0.2)
        self.assertTrue(harness.shm_segments(srv.data_dir))
        harness.remove_shm(srv.data_dir)    # what a reboot does
        self.assertEqual(harness.shm_segments(srv.data_dir), [])
        srv.start()
        for i in range(60):     # all there: a repeat is 200, not 202
            st, _, _ = srv.request("POST", "/v1/events", {
                "id": "ev-%04d" % i, "type": "user.signin",
                "org_id": "org_crypt", "data": {"m": "x"}})
            self.assertEqual(st, 200, i)
        p = srv.run_sender("--once", timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        got = {r["body"] for r in self.rx.got()}
        self.assertEqual(sum(b"late-" in b for b in got), 30)


class TestHotBackup(CryptCase):

    def test_hotbackup_of_an_encrypted_store_and_its_restore(self):
        srv = self.server(True)
        srv.start()
        marker = "BACKUP-%s" % os.urandom(6).hex()
        app, wh = self.fill(srv, 20, marker)
        s = srv.start_sender("--loop")       # hot: the store is in use
        bdir = os.path.join(srv.tmp, "backup")
        p = subprocess.run(["db5.3_hotbackup", "-h", srv.data_dir, "-b", bdir,
                            "-P", srv.passphrase],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(grep_tree(bdir, [marker.encode(),
                                          srv.passphrase.encode()] +
                                   secret_needles(wh["secret"])), {})
        self.assertFalse([n for n in os.listdir(bdir) if n.startswith("__db")])
        s.send_signal(signal.SIGTERM)
        s.wait(30)
        self.assert_restores(srv, bdir, app, wh)

    def test_stopped_encrypted_store_is_backed_up_by_a_copy(self):
        """With everything stopped there are no regions to join:
        db5.3_hotbackup refuses, a plain copy of data_dir is the backup."""
        srv = self.server(True)
        srv.start()
        app, wh = self.fill(srv, 20, "COLD")
        srv._kill_lighttpd()
        bdir = os.path.join(srv.tmp, "backup")
        p = subprocess.run(["db5.3_hotbackup", "-h", srv.data_dir, "-b", bdir,
                            "-P", srv.passphrase],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("PRIVATE", p.stderr)
        shutil.rmtree(bdir, ignore_errors=True)
        shutil.copytree(srv.data_dir, bdir)
        self.assert_restores(srv, bdir, app, wh)

    def assert_restores(self, srv, bdir, app, wh):
        """A server on a copy of bdir with srv's passphrase has the
        webhook's secret and every event."""
        rdir = tempfile.mkdtemp(prefix="hookd-restore-")
        self.addCleanup(shutil.rmtree, rdir, True)
        data = os.path.join(rdir, "data")
        shutil.copytree(bdir, data)
        r = self.server(False, data_dir=data)
        r.passphrase = srv.passphrase
        harness.PASSPHRASES[os.path.realpath(data)] = srv.passphrase
        r.write_config(encryption_key_file=srv.config["encryption_key_file"])
        r.start()
        st, _, out = r.request("GET", "/v1/apps/%s/webhooks/%s/secret"
                               % (app["id"], wh["id"]))
        self.assertEqual((st, out.get("secret")), (200, wh["secret"]))
        for i in range(20):
            st, _, _ = r.request("POST", "/v1/events", {
                "id": "ev-%04d" % i, "type": "user.signin",
                "org_id": "org_crypt", "data": {"m": "x"}})
            self.assertEqual(st, 200, i)


if __name__ == "__main__":
    unittest.main()
