"""Changing a replication group's membership: `hookd-repl --remove-site
HOST:PORT` takes a stopped site out of the group, so that elections and
quorums are counted without it, and refuses what would go wrong (this
site, a non-member, a site still connected, a group left with two sites
under replication_ack = quorum).  A removed site started again joins the
group afresh.  A client whose Berkeley DB lost the reload of its list of
sites after the change (reloadshim.c makes it lose them) still lists the
group right once the command returns.  docs/operations.md "Adding and
removing a site".
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import harness
import replgroup
from replgroup import Group


def remove_site(site, addr):
    """Run `hookd-repl -c SITE --remove-site addr`: (exit status, stdout,
    stderr)."""
    p = subprocess.run([replgroup.repl_program(), "-c", site.conf_path,
                        "--remove-site", addr], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def members(site):
    """{address: connected} of the other sites in site's data_dir/repl.state
    (hookd-repl's view: the group's members as Berkeley DB lists them)."""
    out = {}
    try:
        with open(os.path.join(site.data_dir, "repl.state")) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines[1:]:
        w = line.split()
        if len(w) >= 4 and w[0] == "site" and w[1] != site.repl_addr:
            out[w[1]] = w[3] == "1"
    return out


def db_stat_sites(site):
    """(host, port) pairs of the members `db5.3_stat -r` lists in site's
    environment ("HOST (eid: N, port: P, ...)"), as ("HOST (eid:",
    "port: P,")."""
    out = subprocess.run(["db5.3_stat", "-r", "-h", site.data_dir],
                         capture_output=True, text=True).stdout
    pairs = []
    for line in out.splitlines():
        w = line.split()
        if len(w) >= 5 and w[1] == "(eid:" and w[3] == "port:":
            pairs.append(("%s (eid:" % w[0], "port: %s" % w[4]))
    return pairs


def wait_members(test, site, pred, what, timeout=15.0):
    end = time.time() + timeout
    got = None
    while time.time() < end:
        got = members(site)
        if got is not None and pred(got):
            return got
        time.sleep(0.1)
    test.fail("%s: %s not seen in %.0fs; members %r" % (site.name, what,
                                                        timeout, got))


def post(site, eid):
    st, _, body = site.request("POST", "/v1/events", {
        "id": eid, "type": "user.signin", "org_id": "org-repl", "data": {}})
    return st, body


class RemoveSiteTests(unittest.TestCase):

    def test_stopped_site_is_removed_and_the_rest_elect_without_it(self):
        # Four sites: an election needs three votes.  With one stopped and
        # removed, three members are left and two of them can elect; had it
        # not been removed, two of four could not.
        with Group(4, senders=False) as g:
            m = g.start()
            clients = [s for s in g.sites if s is not m]
            victim, runner, other = clients
            app, _ = replgroup.make_app(m, g.receiver)

            rc, _, err = remove_site(runner, runner.repl_addr)
            self.assertEqual(rc, 2, err)
            self.assertIn("is this site", err)
            rc, _, err = remove_site(runner, "127.0.0.99:1")
            self.assertEqual(rc, 2, err)
            self.assertIn("not a member", err)
            self.assertIn(victim.repl_addr, err)    # the members are listed
            rc, _, err = remove_site(runner, victim.repl_addr)
            self.assertEqual(rc, 2, err)
            self.assertIn("is connected", err)
            # the master's view (repl.state) may lag its start by a tick
            wait_members(self, m, lambda ms: victim.repl_addr in ms,
                         "%s listed" % victim.repl_addr)
            host, port = victim.repl_addr.rsplit(":", 1)
            victim_line = "%s (eid:" % host, "port: %s," % port
            self.assertIn(victim_line, db_stat_sites(m))

            victim.shutdown()       # for good (until it is added back)
            wait_members(self, runner, lambda ms: ms.get(victim.repl_addr)
                         is False, "%s disconnected" % victim.repl_addr)
            rc, out, err = remove_site(runner, victim.repl_addr)
            self.assertEqual(rc, 0, err + g.logs())
            self.assertIn("removed", out)
            # This site saw it before the command returned; then the others.
            self.assertNotIn(victim.repl_addr, members(runner))
            for s in (m, other):
                wait_members(self, s, lambda ms: victim.repl_addr not in ms
                             and len(ms) == 2, "%s gone" % victim.repl_addr)
            self.assertNotIn(victim_line, db_stat_sites(m))
            rc, _, err = remove_site(runner, victim.repl_addr)
            self.assertEqual(rc, 2, err)
            self.assertIn("not a member", err)

            st, body = post(m, "after-remove-1")
            self.assertEqual(st, 202, body)     # quorum acks: one of two

            # The master dies: two of the three members elect a new one.
            t0 = time.time()
            m.kill()
            new, _ = g.wait_new_master(m, since=t0, timeout=40)
            self.assertIn(new, (runner, other))
            # The first write on the new master needs the other member's
            # acknowledgement, which may still be catching up with it: a
            # 503 is repeated, as the API tells clients (same id: stored
            # once).
            end = time.time() + 15
            while True:
                st, _, body = replgroup.follow(new, "POST", "/v1/events", {
                    "id": "after-remove-2", "type": "user.signin",
                    "org_id": "org-repl", "data": {}})[:3]
                if st != 503 or time.time() > end:
                    break
                time.sleep(0.5)
            self.assertIn(st, (200, 202), body)

            # Added back: the removed site, started again on its data,
            # joins afresh and catches up.
            victim.start()
            g.wait_role(victim, "client", timeout=40)
            wait_members(self, new, lambda ms: victim.repl_addr in ms,
                         "%s back" % victim.repl_addr)
            missing = replgroup.wait_stored(
                victim, app["id"], {"after-remove-1", "after-remove-2"})
            self.assertEqual(missing, set(), g.logs())

    def test_a_removal_not_acknowledged_in_time_is_asked_again(self):
        # The master's change waits for acknowledgements: with both other
        # clients' hookd-repl stopped (SIGSTOP) none come within the
        # acknowledgement timeout (1 s), the master answers "unavailable"
        # and leaves the site marked; the command asks again until it
        # goes through (db/replmember.c), here once they run again.
        with Group(4, senders=False) as g:
            m = g.start()
            victim, runner, other = [s for s in g.sites if s is not m]
            victim.shutdown()
            wait_members(self, runner, lambda ms: ms.get(victim.repl_addr)
                         is False, "%s disconnected" % victim.repl_addr)
            try:
                # runner's repl.state stays fresh for 2 s: the command
                # finds the members it needs there
                for s in (runner, other):
                    s.kill(signal.SIGSTOP, parts=("repl",))
                p = subprocess.Popen([replgroup.repl_program(), "-c",
                                      runner.conf_path, "--remove-site",
                                      victim.repl_addr],
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
                time.sleep(2.5)     # < the 3 s heartbeat monitor
            finally:
                for s in (runner, other):
                    s.kill(signal.SIGCONT, parts=("repl",))
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, err + g.logs())
            self.assertIn("removed", out)
            for s in (m, runner, other):
                wait_members(self, s, lambda ms: victim.repl_addr not in ms
                             and len(ms) == 2, "%s gone" % victim.repl_addr)

    def test_removal_that_would_leave_two_sites_with_quorum_is_refused(self):
        with Group(3, senders=False) as g:
            m = g.start()
            victim = [s for s in g.sites if s is not m][0]
            victim.shutdown()
            wait_members(self, m, lambda ms: ms.get(victim.repl_addr)
                         is False, "%s disconnected" % victim.repl_addr)
            rc, _, err = remove_site(m, victim.repl_addr)
            self.assertEqual(rc, 2, err)
            self.assertIn("would leave two sites", err)
            self.assertIn("replication_ack = all", err)
            self.assertIn(victim.repl_addr, members(m))

    def test_with_acks_all_removing_the_down_site_lets_writes_through(self):
        # The way down to two sites: with replication_ack = all a stopped
        # member holds every write (503); once removed, the two left
        # acknowledge writes again.
        with Group(3, senders=False, config={"replication_ack": "all"}) as g:
            m = g.start()
            victim = [s for s in g.sites if s is not m][0]
            st, body = post(m, "all-1")
            self.assertEqual(st, 202, body)
            victim.shutdown()
            wait_members(self, m, lambda ms: ms.get(victim.repl_addr)
                         is False, "%s disconnected" % victim.repl_addr)
            st, body = post(m, "all-2")
            self.assertEqual(st, 503, body)
            self.assertEqual(body["error"]["code"], "replication_unavailable")
            rc, _, err = remove_site(m, victim.repl_addr)
            self.assertEqual(rc, 0, err + g.logs())
            self.assertNotIn(victim.repl_addr, members(m))
            # the one left acknowledges from now on; on a loaded machine
            # the first write may still time out waiting (503 says
            # repeat it): the same id again, for a few seconds
            deadline = time.time() + 10
            st, body = post(m, "all-3")
            while st == 503 and time.time() < deadline:
                time.sleep(0.5)
                st, body = post(m, "all-3")
            self.assertEqual(st, 202, body)

    def test_site_without_a_running_hookd_repl_refuses(self):
        with Group(3, senders=False) as g:
            g.start()
            a, b = g.sites[0], g.sites[1]
            b.shutdown()
            a.shutdown()
            rc, _, err = remove_site(a, b.repl_addr)
            self.assertEqual(rc, 2, err)
            self.assertIn("no hookd-repl is running", err)


@unittest.skipUnless(shutil.which("cc"), "no C compiler for the reload shim")
class LostReloadTests(unittest.TestCase):
    """Berkeley DB 5.3 may lose a client's reload of its list of sites
    after a membership change (repl/members.c says how): the client then
    lists a removed site for good.  hookd-repl notices that the list
    disagrees with the membership database and restarts replication,
    which reloads it."""

    @classmethod
    def setUpClass(cls):
        cls.shimdir = tempfile.mkdtemp(prefix="hookd-reload.")
        cls.shim = replgroup.build_shim("reloadshim", cls.shimdir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.shimdir, ignore_errors=True)

    def test_a_lost_reload_after_a_removal_is_made_good(self):
        with Group(4, senders=False) as g:
            m = g.start()
            victim, runner, other = [s for s in g.sites if s is not m]
            # the runner's hookd-repl again, now losing every reload its
            # message threads do while the file drop exists
            drop = os.path.join(self.shimdir, "drop")
            harness.terminate(runner.repl)
            runner.repl = None
            runner.wrap = replgroup.shim_wrap(self.shim, RELOAD_DROP=drop)
            runner.start_repl()
            g.wait_role(runner, "client")
            victim.shutdown()
            wait_members(self, runner, lambda ms: ms.get(victim.repl_addr)
                         is False, "%s disconnected" % victim.repl_addr)
            with open(drop, "w"):
                pass
            rc, out, err = remove_site(runner, victim.repl_addr)
            self.assertEqual(rc, 0, err + g.logs())
            with open(drop + ".n") as f:
                self.assertIn("dropped", f.read())     # it did lose them
            self.assertNotIn(victim.repl_addr, members(runner))
            host, port = victim.repl_addr.rsplit(":", 1)
            self.assertNotIn(("%s (eid:" % host, "port: %s," % port),
                             db_stat_sites(runner))
            self.assertIn("restarting replication to reload it",
                          runner.read_repl_log())
            # and it goes on as the group's client
            g.wait_role(runner, "client")
            st, body = post(m, "after-lost-reload")
            self.assertEqual(st, 202, body)


if __name__ == "__main__":
    unittest.main()
