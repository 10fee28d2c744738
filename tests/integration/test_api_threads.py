"""The threads of a hookd.fcgi process (docs/design.md, "Threads in
hookd.fcgi"), by name in /proc/PID/task/*/comm: the checkpoint thread,
the spare committer and the finisher always (more than one request
thread), the log
write-behind thread only with durability = nosync - with sync every
commit flushes the log, so it would wake 50 times a second for nothing.
"""

import collections
import os
import unittest

import harness


def thread_names(pid):
    names = collections.Counter()
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                names[f.read().strip()] += 1
        except OSError:
            pass            # ended meanwhile
    return names


class TestFcgiThreads(unittest.TestCase):

    def names(self, durability):
        srv = harness.Server(procs=1, config={"durability": durability,
                                              "fastcgi_threads": "4"})
        srv.start()
        self.addCleanup(srv.stop)
        # a write: the store is open, its own threads run
        app = srv.create_app("org_threads")
        st, _, body = srv.post_event("user.signin", "org_threads", {})
        self.assertEqual(st, 202, body)
        self.assertTrue(app["id"])
        return thread_names(srv.fcgi_pids()[0])

    def test_sync_has_no_write_behind_thread(self):
        got = self.names("sync")
        self.assertEqual(got["hookd-ckp"], 1, got)
        self.assertEqual(got["hookd-spare"], 1, got)
        self.assertEqual(got["hookd-finish"], 1, got)
        self.assertEqual(got["hookd-behind"], 0, got)

    def test_nosync_has_one_write_behind_thread(self):
        got = self.names("nosync")
        self.assertEqual(got["hookd-ckp"], 1, got)
        self.assertEqual(got["hookd-spare"], 1, got)
        self.assertEqual(got["hookd-finish"], 1, got)
        self.assertEqual(got["hookd-behind"], 1, got)


if __name__ == "__main__":
    unittest.main()
