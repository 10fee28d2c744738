"""Replication settings that cannot work are refused at start, with a
message that names the key to change: replication_ack = quorum with two
electable sites (a commit would wait for no acknowledgement at all), a
peer list that cannot form a quorum, and a site whose encryption key is
not the group's.  The working variants are started too, so that each test
can fail both ways.
"""
import subprocess
import time
import unittest

import replgroup
from replgroup import Group


def run_repl(site, timeout=15):
    """hookd-repl -c SITE_CONF to completion; None if still running after
    timeout (it accepted the configuration)."""
    try:
        return subprocess.run([replgroup.repl_program(), "-c", site.conf_path],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


class RefusedConfigTests(unittest.TestCase):

    def assertRefused(self, site, keys):
        """hookd-repl and hookd-send --once both exit 2 naming one of keys
        (and the file)."""
        r = run_repl(site)
        self.assertIsNotNone(r, "hookd-repl accepted %s" % site.config)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertTrue(any(k in r.stderr for k in keys), r.stderr)
        self.assertIn(site.conf_path, r.stderr)
        s = site.run_sender("--once", timeout=30)
        self.assertEqual(s.returncode, 2, s.stderr)
        self.assertTrue(any(k in s.stderr for k in keys), s.stderr)

    def test_quorum_acks_with_two_electable_sites_is_refused(self):
        with Group(2, config={"replication_ack": "quorum"}) as g:
            self.assertRefused(g.sites[0], ["replication_ack"])
            self.assertRefused(g.sites[1], ["replication_ack"])
        # A pair waiting for all acknowledgements works.
        with Group(2, config={"replication_ack": "all"}) as g:
            m = g.start()
            st, _, out = m.request("POST", "/v1/apps", {"org_id": "o", "name": "a"})
            self.assertEqual(st, 201, out)

    def test_default_ack_with_two_sites_is_refused(self):
        # quorum is the default: two sites and no replication_ack at all.
        with Group(2) as g:
            self.assertRefused(g.sites[0], ["replication_ack"])

    def test_peers_that_cannot_form_a_quorum_are_refused(self):
        with Group(3) as g:
            a, b, _ = g.sites
            # Its own address and a peer twice: one other site in truth.
            a.write_config(replication_peers="%s, %s, %s" % (
                a.repl_addr, b.repl_addr, b.repl_addr))
            self.assertRefused(a, ["replication_peers", "replication_ack"])
            # No peer at all on a site that does not create the group.
            b.write_config(replication_peers=None)
            self.assertRefused(b, ["replication_peers"])

    def test_site_with_another_encryption_key_is_refused(self):
        key, other = "group-key-" + "a" * 16, "other-key-" + "b" * 16
        with Group(3, passphrases=[key, key, other]) as g:
            a, b, c = g.sites
            self.start_two(a, b)
            m = g.wait_master(sites=[a, b])
            st, _, out = m.request("POST", "/v1/apps", {"org_id": "o", "name": "a"})
            self.assertEqual(st, 201, out)
            self.assertMismatchRefused(g, c, [a, b])

    def test_site_without_the_encryption_key_is_refused(self):
        key = "group-key-" + "c" * 16
        with Group(3, passphrases=[key, key, None]) as g:
            a, b, c = g.sites
            self.start_two(a, b)
            g.wait_master(sites=[a, b])
            self.assertMismatchRefused(g, c, [a, b])

    @staticmethod
    def start_two(a, b):
        """Both hookd-repl, then both web sides (as Group.start does)."""
        a.start_repl()
        b.start_repl()
        a.start_web()
        b.start_web()

    def assertMismatchRefused(self, g, c, good):
        """c's hookd-repl exits non-zero with a message about the key within
        30 s; the others keep working."""
        try:
            p = c.start_repl(settle=0.5)
        except RuntimeError as e:       # exited at once: fine, check why
            log = str(e)
        else:
            end = time.time() + 30
            while time.time() < end and p.poll() is None:
                time.sleep(0.1)
            self.assertIsNotNone(p.poll(), "hookd-repl of a site with another "
                                 "key still runs after 30 s\n" + c.read_repl_log())
            self.assertNotEqual(p.returncode, 0)
            c.repl = None
            log = "exit %s\n%s" % (p.returncode, c.read_repl_log())
        self.assertRegex(log.lower(), "encrypt|passphrase|key", log)
        m = g.wait_master(sites=good)
        st, _, out = m.request("POST", "/v1/apps", {"org_id": "o2", "name": "b"})
        self.assertEqual(st, 201, out)


if __name__ == "__main__":
    unittest.main()
