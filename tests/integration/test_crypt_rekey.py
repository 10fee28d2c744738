"""hookd-send --rekey: converting a store plaintext -> encrypted -> new key
-> plaintext through the real programs, and a converter SIGKILLed at
each point of its run (HOOKD_REKEY_CRASH) leaving the old store or the
new one, whole."""

import base64
import os
import subprocess
import unittest

import harness
from receiver import Receiver
from test_crypt import PASS_A, PASS_B, grep_tree, secret_needles

N = 150         # > 100 records in a database: the "copy" crash point


class RekeyCase(unittest.TestCase):

    def setUp(self):
        self.rx = Receiver()
        self.addCleanup(self.rx.close)
        self.srv = harness.Server()
        self.addCleanup(self.srv.stop)
        self.key_a = os.path.join(self.srv.tmp, "a.key")
        self.key_b = os.path.join(self.srv.tmp, "b.key")
        harness.write_key_file(self.key_a, PASS_A)
        harness.write_key_file(self.key_b, PASS_B, 0o640)
        self.marker = "REKEY-%s" % os.urandom(6).hex()

    def use_key(self, path, passphrase):
        """Point the config at path (None: plaintext)."""
        self.srv.write_config(encryption_key_file=path)
        dd = os.path.realpath(self.srv.data_dir)
        if passphrase:
            harness.PASSPHRASES[dd] = passphrase
            self.srv.passphrase = passphrase
        else:
            harness.PASSPHRASES.pop(dd, None)

    def fill(self):
        srv = self.srv
        srv.start()
        app = srv.create_app("org_rekey", "a")
        secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
        wh = srv.create_webhook(app, self.rx.url("/h"), ["*"], secret=secret)
        for i in range(N):
            st, _, _ = srv.request("POST", "/v1/events", {
                "id": "ev-%04d" % i, "type": "user.signin",
                "org_id": "org_rekey",
                "data": {"m": "%s-%04d" % (self.marker, i)}})
            self.assertEqual(st, 202)
        srv._kill_lighttpd()
        self.app, self.wh, self.secret = app, wh, secret

    def rekey(self, *args, crash=None):
        env = dict(os.environ)
        if crash:
            env["HOOKD_REKEY_CRASH"] = crash
        return subprocess.run(self.srv.sender_cmd("--rekey", *args),
                              capture_output=True, text=True, timeout=120,
                              env=env)

    def assert_whole(self):
        """The store opens with the current config and holds everything:
        the secret, every event (a repeat is 200), every body delivered."""
        srv = self.srv
        srv.start()
        st, _, out = srv.request("GET", "/v1/apps/%s/webhooks/%s/secret"
                                 % (self.app["id"], self.wh["id"]))
        self.assertEqual((st, out.get("secret")), (200, self.secret), out)
        for i in range(0, N, 7):
            st, _, _ = srv.request("POST", "/v1/events", {
                "id": "ev-%04d" % i, "type": "user.signin",
                "org_id": "org_rekey", "data": {"m": "again"}})
            self.assertEqual(st, 200, i)
        srv._kill_lighttpd()
        self.assertFalse(os.path.exists(os.path.join(srv.data_dir,
                                                     "rekey.new")))

    def assert_refused(self):
        p = self.srv.run_sender("--status-only", timeout=60)
        self.assertEqual(p.returncode, 1, p.stderr)


class TestRekey(RekeyCase):

    def test_plaintext_to_encrypted_to_new_key_to_plaintext(self):
        self.fill()
        needles = [self.marker.encode()] + secret_needles(self.secret)[:2]
        self.assertTrue(grep_tree(self.srv.data_dir, needles))

        p = self.rekey("--new-key-file", self.key_a)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("encryption_key_file = %s" % self.key_a, p.stdout)
        self.assert_refused()           # the config still says plaintext
        self.use_key(self.key_a, PASS_A)
        self.assert_whole()
        self.assertEqual(grep_tree(self.srv.data_dir,
                                   needles + [PASS_A.encode()]), {})

        p = self.rekey("--new-key-file", self.key_b)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_refused()           # the old key no longer opens it
        self.use_key(self.key_b, PASS_B)
        self.assert_whole()
        self.assertEqual(grep_tree(self.srv.data_dir,
                                   needles + [PASS_A.encode(),
                                              PASS_B.encode()]), {})

        p = self.rekey("--decrypt")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("remove encryption_key_file", p.stdout)
        self.use_key(None, None)
        self.assert_whole()
        # plaintext again: the bodies are visible (the scan has power)
        self.assertIn(self.marker.encode(),
                      grep_tree(self.srv.data_dir, needles))
        self.assertEqual(harness.shm_segments(self.srv.data_dir), [])

        # and the sender delivers every body, whole, after three copies
        p = self.srv.run_sender("--once", timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        bodies = b"".join(r["body"] for r in self.rx.got())
        for i in range(N):
            self.assertIn(("%s-%04d" % (self.marker, i)).encode(), bodies)

    def test_rekey_is_refused_while_the_store_is_open(self):
        self.fill()
        self.srv.start()
        s = self.srv.start_sender("--loop")
        self.srv.request("GET", "/v1/apps")
        p = self.rekey("--new-key-file", self.key_a)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("in use", p.stderr)
        self.assertIsNone(s.poll())
        self.srv._kill_lighttpd()
        s.terminate()
        s.wait(30)
        self.assert_whole()     # still plaintext, untouched

    def test_usage_errors_exit_2(self):
        for args in (["--rekey"], ["--rekey", "--decrypt", "--new-key-file",
                                   self.key_a], ["--once", "--decrypt"],
                     ["--rekey", "--decrypt"]):   # not encrypted: nothing to do
            p = subprocess.run(self.srv.sender_cmd(*args), capture_output=True,
                               text=True, timeout=30)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
        os.chmod(self.key_b, 0o644)
        p = self.rekey("--new-key-file", self.key_b)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("readable by others", p.stderr)


class TestRekeyCrash(RekeyCase):
    """A converter killed before its commit point leaves the old store (and
    the next open removes the copy); killed after it, the new store (the
    next open finishes the move)."""

    def crash_at(self, point, committed):
        self.fill()
        p = self.rekey("--new-key-file", self.key_a, crash=point)
        self.assertEqual(p.returncode, -9, (point, p.stderr))
        self.assertTrue(os.path.isdir(os.path.join(self.srv.data_dir,
                                                   "rekey.new")), point)
        if committed:
            self.use_key(self.key_a, PASS_A)
        self.assert_whole()
        if committed:
            self.assertEqual(grep_tree(self.srv.data_dir,
                                       [self.marker.encode()]), {})
        else:
            self.assertTrue(grep_tree(self.srv.data_dir,
                                      [self.marker.encode()]))
            # and the conversion can be run again to the end
            p = self.rekey("--new-key-file", self.key_a)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.use_key(self.key_a, PASS_A)
            self.assert_whole()

    def test_killed_while_copying_leaves_the_old_store(self):
        self.crash_at("copy", False)

    def test_killed_after_the_copy_leaves_the_old_store(self):
        self.crash_at("copied", False)

    def test_killed_after_the_commit_leaves_the_new_store(self):
        self.crash_at("ready", True)

    def test_killed_while_swapping_leaves_the_new_store(self):
        self.crash_at("swap", True)


if __name__ == "__main__":
    unittest.main()
