"""Failover under load in a group of three sites (replgroup.py).

Two client threads post events with ids continuously to the two client
sites (which send them on to the master with a 307); then the master dies:
every process SIGKILLed, or every process SIGSTOPped (hung, silent: only
heartbeats notice), or only its hookd-repl SIGKILLed.  A new master must
be elected within 10 s (the figure is printed); every id ever answered 202
or 200 must be in the new master's copy (posting it again answers 200,
never a second event) and reach the receiver through the new master's
hookd-send --loop.  The old master, restarted (or woken), rejoins as a
client and catches up; so does a client that was down for a while.

Each case runs with durability = nosync and = sync.  HOOKD_SLOW=1 makes
the load longer and kills the master five times in a row.
"""
import sys
import time
import unittest

import replgroup
from replgroup import Group, Loader, SLOW

FAILOVER_S = 10.0           # the promise
BEFORE = 400 if SLOW else 60    # ids acknowledged before the fault
AFTER = 400 if SLOW else 60     # ... and after the new master
ROUNDS = 5 if SLOW else 1       # successive master kills (soak)
ORG = "org-repl"


def note(fmt, *args):
    """A measured figure, on stderr next to the test's name."""
    sys.stderr.write(("\n    " + fmt) % args)
    sys.stderr.flush()


class FailoverCases:
    """The scenarios; the subclasses set durability."""
    durability = None

    def setUp(self):
        self.g = Group(3, durability=self.durability)
        self.addCleanup(self.g.stop)
        self.master = self.g.start()
        self.app, _ = replgroup.make_app(self.master, self.g.receiver)
        for s in self.g.sites:
            st, body = replgroup.wait_readable(s, "/v1/apps/" + self.app["id"])
            self.assertEqual(st, 200, (s, body))

    def load(self, targets, prefix):
        loader = Loader(lambda: targets, ORG, prefix)
        self.addCleanup(loader.stop)
        return loader.start()

    def wait_acked(self, loader, n, what):
        if not loader.wait_acked(n, timeout=60):
            self.fail(str(self.g.report(
                "%s: fewer than %d more ids acknowledged in 60 s; answers "
                "%r, odd %r" % (what, n, dict(loader.seen), loader.odd[:5]))))

    def check_nothing_lost(self, loader, master, since=None):
        """Every acknowledged id is in master's copy (re-post: 200) and
        reached the receiver."""
        acked = dict(loader.acked)
        logs = self.g.logs()
        self.assertEqual(loader.odd, [], "answers other than 2xx/307/503\n"
                         + logs)
        if loader.gone:     # only when a FastCGI process exited under it
            self.assertIn("exiting 75", logs, "the web server answered "
                          "5xx pages %r with no hookd.fcgi exit" % loader.gone)
        self.assertGreater(len(acked), 0)
        missing = replgroup.wait_stored(master, self.app["id"], acked, timeout=30)
        self.assertEqual(missing, set(), "acknowledged ids missing on the new "
                         "master %s:\n%s\n%s" % (
                             master.name,
                             replgroup.describe_acks(loader, missing, since),
                             self.g.logs()))
        bad = replgroup.repost(master, acked, ORG)
        self.assertEqual(bad, {}, self.g.report(
            "re-posted acknowledged ids did not answer 200"))
        lost = replgroup.wait_received(self.g.receiver, acked, timeout=90)
        self.assertEqual(lost, set(), "acknowledged ids never delivered by "
                         "%s in 90 s:\n%s\n%s" % (
                             master.name,
                             replgroup.describe_acks(loader, lost, since),
                             self.g.logs()))
        note("%s: %d ids acknowledged, answers %s", self.durability, len(acked),
             dict(loader.seen))

    def failover(self, fault, name):
        """Load, fault the master, measure the election, check; returns
        (old master, new master, loader)."""
        g, old = self.g, self.master
        clients = [s for s in g.sites if s is not old]
        loader = self.load(clients, "%s-%s" % (name, self.durability))
        self.wait_acked(loader, BEFORE, "before the fault")
        t0 = time.time()
        fault(old)
        new, secs = g.wait_new_master(old, since=t0, timeout=30, sites=clients)
        note("%s, %s: new master %s after %.2f s", name, self.durability,
             new.name, secs)
        self.last_failover_s = secs
        self.assertLess(secs, FAILOVER_S, "no new master within %.0f s"
                        % FAILOVER_S)
        self.wait_acked(loader, AFTER, "after the new master")
        loader.stop()
        return old, new, loader

    # ---- the scenarios --------------------------------------------------
    def test_master_sigkilled_under_load_new_master_nothing_lost(self):
        for r in range(ROUNDS):
            old, new, loader = self.failover(lambda s: s.kill(), "kill%d" % r)
            # Never a 307 to the dead master once it is known dead: a
            # killed master's connections close at once.
            late = [(round(at - old.killed_at, 3), u)
                    for at, u in loader.redirects
                    if u == old.public_url and at > old.killed_at + 1.0]
            self.assertEqual(late, [], "307s to the dead master (seconds "
                             "after the kill; new master after %.2f s)"
                             % self.last_failover_s)
            self.check_nothing_lost(loader, new, since=old.killed_at)
            # The old master, restarted, rejoins as a client and catches up.
            old.start()
            role, master = self.g.wait_role(old, "client", timeout=30)
            self.assertEqual(master, new.public_url)
            missing = replgroup.wait_stored(old, self.app["id"], loader.acked)
            self.assertEqual(missing, set(), "the old master did not catch up")
            self.master = new

    def test_master_hung_sigstop_is_replaced_and_rejoins_when_woken(self):
        old, new, loader = self.failover(lambda s: s.freeze(), "hang")
        self.check_nothing_lost(loader, new, since=old.killed_at)
        old.thaw()
        # The woken master finds another master (DUPMASTER): it becomes a
        # client; the group may hold one more election meanwhile, which
        # must not lose anything either.
        self.g.wait_role(old, "client", timeout=30)
        final = self.g.wait_master(timeout=30)
        self.assertIsNot(final, old)
        for s in self.g.sites:
            missing = replgroup.wait_stored(s, self.app["id"], loader.acked)
            self.assertEqual(missing, set(), "%s lacks acknowledged ids after "
                             "the old master woke:\n%s" % (s.name,
                             replgroup.describe_acks(loader, missing,
                                                     old.killed_at)))

    def test_hookd_repl_sigkilled_on_master_site_recovers_on_restart(self):
        g, old = self.g, self.master
        clients = [s for s in g.sites if s is not old]
        loader = self.load(clients, "replkill-" + self.durability)
        self.wait_acked(loader, BEFORE, "before the fault")
        old.kill(parts=("repl",))
        # Whatever the group does meanwhile (a new master, or 503s), the
        # site's web processes keep answering.
        time.sleep(2)
        h = old.health()
        self.assertIsNotNone(h, "hookd.fcgi stopped answering without hookd-repl")
        self.assertIn(h[0], (200, 503), h)
        old.start_repl()
        # The three sites agree on a master again (the old one or another).
        # 60 s: a client that wins the election may hit Berkeley DB's
        # deadlock of its replication mutexes (db/replprobe.c); its
        # hookd-repl then exits after 15 s and is started again.
        m = g.wait_master(timeout=60)
        self.wait_acked(loader, AFTER, "after hookd-repl came back")
        loader.stop()
        self.check_nothing_lost(loader, m)
        for s in g.sites:
            missing = replgroup.wait_stored(s, self.app["id"], loader.acked)
            self.assertEqual(missing, set(), g.report(
                "%s did not catch up" % s.name))

    def test_client_down_for_a_while_catches_up(self):
        g, m = self.g, self.master
        down, up = [s for s in g.sites if s is not m]
        loader = self.load([up], "clientdown-" + self.durability)
        self.wait_acked(loader, BEFORE // 2, "before the client goes down")
        down.kill()
        self.wait_acked(loader, BEFORE + AFTER, "while a client is down")
        down.start()
        self.wait_acked(loader, AFTER // 2, "after the client came back")
        loader.stop()
        role, master = g.wait_role(down, "client", timeout=30)
        self.assertEqual(master, m.public_url)
        missing = replgroup.wait_stored(down, self.app["id"], loader.acked)
        self.assertEqual(missing, set(), "the client did not catch up")
        self.check_nothing_lost(loader, m)


class FailoverNosync(FailoverCases, unittest.TestCase):
    durability = "nosync"


class FailoverSync(FailoverCases, unittest.TestCase):
    durability = "sync"


if __name__ == "__main__":
    unittest.main()
