"""hookd-repl ends itself when Berkeley DB's replication mutexes deadlock.

Berkeley DB 5.3 can deadlock two of its own replication threads (a client
winning an election against a message thread handling the master's
heartbeat: db/replprobe.c), and then every thread that touches
replication waits for ever.  hookd-repl's probe reads the replication
statistics once a second under the store's wedge watchdog, so the process
exits 75 after STORE_WEDGE_S (15 s) and its supervisor starts it again
(the unit's Restart=always; replgroup.Group does the same for the tests).
repstatshim.c makes rep_stat hang on hookd-repl's helper threads while a
file exists: the deadlock as the probe sees it.
"""
import os
import shutil
import tempfile
import time
import unittest

import replgroup
from replgroup import Group


@unittest.skipUnless(shutil.which("cc"), "no C compiler for the shim")
class ProbeTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.shimdir = tempfile.mkdtemp(prefix="hookd-repstat.")
        cls.shim = replgroup.build_shim("repstatshim", cls.shimdir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.shimdir, ignore_errors=True)

    def test_a_replication_process_stuck_in_berkeley_db_exits_75_and_comes_back(self):
        hang = os.path.join(self.shimdir, "hang")
        with Group(3, senders=False) as g:
            victim = g.sites[1]
            victim.wrap = replgroup.shim_wrap(self.shim, REPSTAT_HANG=hang)
            g.start()
            g.wait_role(victim, "client")
            with open(hang, "w"):
                pass
            first = victim.repl
            t0 = time.time()
            while time.time() - t0 < 40 and first.poll() is None:
                time.sleep(0.2)
            took = time.time() - t0
            self.assertEqual(first.poll(), 75, g.report(
                "hookd-repl did not end itself within 40 s"))
            log = victim.read_repl_log()
            self.assertIn("inside Berkeley DB", log)
            self.assertGreaterEqual(took, 10, log)
            # started again (the harness, as systemd would); with the
            # mutexes free again it rejoins the group
            os.unlink(hang)
            end = time.time() + 10
            while time.time() < end and victim.repl is first:
                time.sleep(0.1)
            self.assertIsNot(victim.repl, first, "not started again")
            g.wait_role(victim, "client", timeout=30)


if __name__ == "__main__":
    unittest.main()
