"""A network partition that isolates the master of a group of three.

Each site runs in a network namespace of its own on a private bridge
(replgroup.Group(netns=True); needs root and iproute2).  Under load (two
client threads posting ids through the two clients), the master is cut
off from both clients in both directions; the test process still reaches
it.  The isolated master must stop acknowledging writes (every write sent
straight to it answers 503 replication_unavailable, no_master or
storage_unavailable: it cannot get a quorum), the majority must elect a
new master within 10 s (printed, with the sites whose hookd-repl had to
restart elections), every id acknowledged anywhere must be on the new
master and reach the receiver, and once the partition heals the old
master rejoins as a client of the new one and catches up.

make check runs the sync case; the nosync case runs with HOOKD_SLOW=1 or
HOOKD_PARTITION=1 (each takes about 40 s, and the election does not depend
on durability).  Berkeley DB 5.3's replication manager can end every
election thread of a site that has no master (db/replelect.c says how);
hookd-repl then restarts elections.  That is the likely cause of the
earlier flake here (no election in about one full check in four; not
reproduced in 46 runs since).  A failure message carries each site's
`db5.3_stat -r` (its election threads among them).
"""
import os
import shutil
import threading
import time
import unittest

import replgroup
from replgroup import Group, Loader, SLOW
from test_repl_failover import BEFORE, AFTER, FAILOVER_S, ORG, note


class Minority(threading.Thread):
    """Posts events one at a time straight to site (no redirects followed)
    until stopped; answers: [(time sent, status or "conn" (no answer in
    10 s), error code, seconds to the answer)]."""

    def __init__(self, site):
        super().__init__(daemon=True)
        self.site = site
        self.answers = []
        self.done = threading.Event()

    def run(self):
        k = 0
        while not self.done.is_set():
            body = {"id": "minority-%d" % k, "type": "user.signin",
                    "org_id": ORG, "data": {"n": k}}
            at = time.time()
            try:
                st, _, out = self.site.request("POST", "/v1/events", body,
                                               timeout=10)
                code = out["error"]["code"] if isinstance(out, dict) and \
                    "error" in out else None
            except Exception:
                st, code = "conn", None
            self.answers.append((at, st, code, time.time() - at))
            k += 1
            time.sleep(0.1)

    def stop(self):
        self.done.set()
        self.join(30)


PARTITION = SLOW or os.environ.get("HOOKD_PARTITION") == "1"
# network namespaces and routes: root and iproute2
NETNS = hasattr(os, "geteuid") and os.geteuid() == 0 and \
    shutil.which("ip") is not None


@unittest.skipUnless(NETNS, "partition tests need root and ip (iproute2)")
class PartitionCases:
    durability = None

    def test_partition_isolating_master_minority_refuses_majority_elects(self):
        g = Group(3, durability=self.durability, netns=True)
        self.addCleanup(g.stop)
        old = g.start()
        app, _ = replgroup.make_app(old, g.receiver)
        clients = [s for s in g.sites if s is not old]
        for s in clients:
            st, body = replgroup.wait_readable(s, "/v1/apps/" + app["id"])
            self.assertEqual(st, 200, (s, body))
        loader = Loader(lambda: clients, ORG, "part-" + self.durability)
        self.addCleanup(loader.stop)
        loader.start()
        self.assertTrue(loader.wait_acked(BEFORE, 60), dict(loader.seen))

        t0 = time.time()
        g.partition([old])
        minority = Minority(old)
        self.addCleanup(minority.stop)
        minority.start()
        new, secs = g.wait_new_master(old, since=t0, timeout=30, sites=clients)
        kicked = [s.name for s in clients if "no election running: "
                  "starting one" in s.read_repl_log()]
        note("partition, %s: new master %s after %.2f s%s", self.durability,
             new.name, secs, " (hookd-repl restarted elections on %s)" %
             ", ".join(kicked) if kicked else "")
        self.assertLess(secs, FAILOVER_S, g.report())
        self.assertTrue(loader.wait_acked(AFTER, 60),
                        g.report(dict(loader.seen)))
        time.sleep(3 if not SLOW else 20)   # the minority keeps being asked
        minority.stop()
        loader.stop()

        # The isolated side acknowledged nothing, and said so: 503.
        self.assertGreater(len(minority.answers), 0)
        note("partition, %s: isolated master answered %d writes: %s, "
             "slowest in %.1f s", self.durability, len(minority.answers),
             sorted({"%s %s" % (a[1], a[2]) for a in minority.answers}),
             max(a[3] for a in minority.answers))
        acked = [a for a in minority.answers if a[1] in (200, 201, 202)]
        self.assertEqual(acked, [], "the isolated master acknowledged writes")
        # storage_unavailable: an API process whose own connections to
        # the other sites are gone reopens to reconnect, retries once and
        # gives up (db/txn.c); nothing was committed (seen 2 runs in 40)
        bad = [(round(a[0] - t0, 2),) + a[1:] for a in minority.answers
               if a[1] != 503 or a[2] not in ("replication_unavailable",
                                             "no_master",
                                             "storage_unavailable")]
        self.assertEqual(bad, [], "the isolated master answered otherwise "
                         "(seconds from the partition, status, code, "
                         "seconds taken)\n" + g.logs())

        acked = dict(loader.acked)
        self.assertEqual(loader.odd, [])
        missing = replgroup.wait_stored(new, app["id"], acked)
        self.assertEqual(missing, set(), "acknowledged ids missing on the new "
                         "master (times from the partition):\n%s\n%s" % (
                             replgroup.describe_acks(loader, missing, t0),
                             g.logs()))
        self.assertEqual(replgroup.repost(new, acked, ORG), {})
        # The writes the minority refused, repeated by their client through
        # a site of the majority, are taken (202, or 200 if stored before).
        for k in range(min(5, len(minority.answers))):
            st, _, out, _ = replgroup.follow(
                clients[0], "POST", "/v1/events",
                {"id": "minority-%d" % k, "type": "user.signin",
                 "org_id": ORG, "data": {"n": k}})
            self.assertIn(st, (200, 202), out)
        lost = replgroup.wait_received(g.receiver, acked, timeout=90)
        self.assertEqual(lost, set(), "acknowledged ids never delivered")

        g.heal()
        # The old master meets the new one (DUPMASTER) and becomes a client;
        # the majority's history wins: nothing acknowledged is lost.
        g.wait_role(old, "client", timeout=30)
        final = g.wait_master(timeout=30)
        self.assertIsNot(final, old)
        for s in (final, old):
            missing = replgroup.wait_stored(s, app["id"], acked)
            self.assertEqual(missing, set(), "%s lacks acknowledged ids after "
                             "the partition healed" % s.name)


@unittest.skipUnless(PARTITION, "the nosync partition case: set "
                     "HOOKD_PARTITION=1 or HOOKD_SLOW=1 (make check runs "
                     "the sync case)")
class PartitionNosync(PartitionCases, unittest.TestCase):
    durability = "nosync"


class PartitionSync(PartitionCases, unittest.TestCase):
    durability = "sync"


if __name__ == "__main__":
    unittest.main()
