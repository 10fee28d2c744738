"""A client's key check never blocks hookd-repl's tick on a hung master.

Before a client synchronises, its hookd-repl asks the master for its
encryption check value on a repmgr channel; opening one reads the master's
handshake on a blocking socket.  The request runs on a thread of its own
(db/replkey.c): a master whose hookd-repl hangs (SIGSTOP) just as a
client's hookd-repl starts leaves the client's tick running (its
repl.state is rewritten), its SIGTERM answered within a few seconds (exit
0, or 75 when the request is stuck on the master: docs/operations.md), and
after SIGCONT the client synchronises and the group works.

The window is short (from the moment the client's connection with the
master is up to its next tick, at most 200 ms), so the test watches for a
TCP connection between the two hookd-repl processes, stops the master's,
and looks: the client's debug log says it waits for the master's answer
(caught), or its tick stopped (the bug: the test fails), or neither
(missed: wake the master, restart the client, try again).  The old
blocking key check fails it at the first attempt.
"""
import os
import signal
import sys
import time
import unittest

import replgroup
from replgroup import Group

ATTEMPTS = 6
FREEZE_AFTER = 0.01     # after the connection is seen (the window: 200 ms)
WAITING = "key check: waiting for the master's answer"
STALL_S = 1.2       # no tick this long: the tick is blocked
STOP_S = 8.0        # SIGTERM answered within (3 s stop bound + margin)


def socket_inodes(pid):
    """The inodes of pid's sockets."""
    out = set()
    d = "/proc/%d/fd" % pid
    try:
        names = os.listdir(d)
    except OSError:
        return out
    for n in names:
        try:
            link = os.readlink(os.path.join(d, n))
        except OSError:
            continue
        if link.startswith("socket:["):
            out.add(link[8:-1])
    return out


def linked(pid_a, pid_b):
    """True when processes pid_a and pid_b hold the two ends of an
    ESTABLISHED TCP connection (/proc/net/tcp)."""
    mine, theirs = socket_inodes(pid_a), socket_inodes(pid_b)
    ends = {}
    try:
        with open("/proc/net/tcp") as f:
            for line in f.read().splitlines()[1:]:
                x = line.split()
                if x[3] == "01":
                    ends[(x[1], x[2])] = x[9]
    except OSError:
        return False
    return any(ino in mine and ends.get((rem, loc)) in theirs
               for (loc, rem), ino in ends.items())


def last_tick(site):
    """The `at` of site's repl.state in seconds, or None."""
    try:
        with open(os.path.join(site.data_dir, "repl.state")) as f:
            for line in f:
                if line.startswith("at "):
                    return int(line.split()[1]) / 1000.0
    except (OSError, ValueError):
        pass
    return None


class KeyCheckHungMasterTest(unittest.TestCase):

    def watch(self, c, since, secs):
        """Watch c for secs: 'caught' (it waits for the master's answer),
        'stalled' (no tick for STALL_S) or 'missed'."""
        seen = since
        end = time.time() + secs
        caught = False
        while time.time() < end:
            at = last_tick(c)
            if at is not None and at > seen:
                seen = at
            if time.time() - seen > STALL_S:
                return "stalled"
            if not caught and WAITING in c.read_repl_log()[self.log_from:]:
                caught = True
            time.sleep(0.05)
        return "caught" if caught else "missed"

    def test_client_tick_and_sigterm_survive_a_master_hung_during_its_key_check(self):
        g = Group(3)
        self.addCleanup(g.stop)
        m = g.start()
        c = [s for s in g.sites if s is not m][-1]
        app, _ = replgroup.make_app(m, g.receiver)
        st, body = replgroup.wait_readable(c, "/v1/apps/" + app["id"])
        self.assertEqual(st, 200, body)
        c.write_config(log_level="debug")     # for hookd-repl, restarted

        # Restart the client's hookd-repl (a fresh process checks the key
        # again); as soon as it has a connection with the master's
        # hookd-repl, that hangs.  The client knows the master from its
        # environment and asks at its first tick with the connection up.
        outcome = "missed"
        for attempt in range(ATTEMPTS):
            self.log_from = len(c.read_repl_log())
            replgroup.harness.terminate(c.repl)
            c.repl = None
            c.start_repl(settle=10.0)
            end = time.time() + 5
            while time.time() < end and not linked(c.repl.pid, m.repl.pid):
                time.sleep(0.002)
            time.sleep(FREEZE_AFTER)
            t0 = time.time()
            m.kill(signal.SIGSTOP, parts=("repl",))
            outcome = self.watch(c, t0, 2.0)
            if outcome != "missed":
                break
            # missed (the check was done, or the master not connected,
            # before the hang): wake it, let the client settle, again
            m.kill(signal.SIGCONT, parts=("repl",))
            g.wait_role(c, "client", timeout=20)
        self.addCleanup(m.kill, signal.SIGCONT, ("repl",))
        self.assertNotEqual(outcome, "stalled", "the client's tick stopped "
                            "while the master was hung during its key "
                            "check\n" + c.read_repl_log()[self.log_from:])
        self.assertEqual(outcome, "caught", "the master's hang never caught "
                         "the client's key check in %d attempts" % ATTEMPTS)
        sys_note("caught at attempt %d" % (attempt + 1))

        # The tick keeps running while the master stays hung ...
        self.assertEqual(self.watch(c, time.time(), 1.5), "caught",
                         c.read_repl_log()[self.log_from:])
        # ... and SIGTERM is answered: 0, or 75 when the request is stuck.
        t1 = time.time()
        c.repl.send_signal(signal.SIGTERM)
        try:
            rc = c.repl.wait(STOP_S)
        except Exception:
            rc = None
        took = time.time() - t1
        log = c.read_repl_log()[self.log_from:]
        m.kill(signal.SIGCONT, parts=("repl",))
        self.assertIsNotNone(rc, "hookd-repl did not stop within %.0f s of "
                             "SIGTERM\n%s" % (STOP_S, log))
        c.repl = None
        self.assertIn(rc, (0, 75), log)
        if rc == 75:
            self.assertIn("key check is stuck on a master", log)
        sys_note("SIGTERM answered in %.2f s, exit %d" % (took, rc))

        # After SIGCONT the client synchronises and the group works.
        c.start_repl(settle=10.0)
        m2 = g.wait_master(timeout=30)
        st, _, ev = m2.post_event("user.signin", "org-repl", data={},
                                  id="after-the-hang")
        self.assertIn(st, (200, 202), ev)
        missing = replgroup.wait_stored(c, app["id"], {"after-the-hang"},
                                        timeout=20)
        self.assertEqual(missing, set(), g.logs())


def sys_note(text):
    sys.stderr.write("\n    " + text)
    sys.stderr.flush()


if __name__ == "__main__":
    unittest.main()
