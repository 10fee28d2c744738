"""test_deploy_quickstart.py - `make run` (mk/run.sh) as a newcomer uses it.

Runs mk/run.sh on a free port with its state in a temp dir
(HOOKD_RUN_DIR), reads what it prints, starts the receiver it suggests,
pastes its curl commands into sh, and checks that the event arrives; then
Ctrl-C (SIGINT to the script) must stop everything it started.  A second
run must reuse the token and the data.
"""

import os
import pty
import queue
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import deploy
import harness

RUN_SH = os.path.join(deploy.ROOT, "mk", "run.sh")
READY = "Ctrl-C here stops"


def default_int_quit():
    """In the child before its exec: SIGINT and SIGQUIT as a terminal's shell
    has them.  A runner started in the background without job control (a
    CI script's "cmd &") ignores both, its children inherit that, and a
    shell that starts with a signal ignored can never trap it: run.sh's
    Ctrl-C handling would go untested, and these tests fail."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


class Script:
    """mk/run.sh in its own session, its output collected by a thread."""

    def __init__(self, run_dir, port, demo_port, **extra_env):
        env = dict(os.environ, HOOKD_PORT=str(port), HOOKD_RUN_DIR=run_dir,
                   HOOKD_DEMO_PORT=str(demo_port), **extra_env)
        self.proc = subprocess.Popen(
            ["sh", RUN_SH], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True, preexec_fn=default_int_quit)
        self.lines = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, text, timeout=30.0):
        end = time.time() + timeout
        with self.cond:
            while not any(text in l for l in self.lines):
                left = end - time.time()
                if left <= 0 or (self.proc.poll() is not None
                                 and not self.thread.is_alive()):
                    raise AssertionError("run.sh never printed %r:\n%s"
                                         % (text, self.output()))
                self.cond.wait(min(left, 0.5))

    def output(self):
        with self.cond:
            return "\n".join(self.lines)

    def descendants(self):
        out, todo = [], [self.proc.pid]
        while todo:
            kids = harness.children_of(todo.pop())
            out += kids
            todo += kids
        return out

    def kill(self):
        if self.proc.poll() is None:
            for pid in self.descendants():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.kill()
            self.proc.wait(5)
        self.thread.join(5)
        # Closing the pipe while the reader still blocks in it (a process
        # left behind holds its other end) would wait for that reader.
        if not self.thread.is_alive():
            self.proc.stdout.close()


def alive(pid):
    """True if pid runs (a zombie counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return False
    return st[st.rfind(")") + 2] != "Z"


def block_after(text, marker):
    """The non-blank, non-comment lines after the line holding marker, up to
    the next blank line, without their indentation."""
    lines = text.splitlines()
    i = next(n for n, l in enumerate(lines) if marker in l)
    out = []
    for l in lines[i + 1:]:
        if not l.strip():
            break
        if not l.strip().startswith("#"):
            out.append(l.strip())
    return out


@unittest.skipUnless(shutil.which("lighttpd") or os.path.exists(harness.LIGHTTPD),
                     "lighttpd is not installed")
@unittest.skipUnless(shutil.which("curl"), "curl is not installed")
class TestQuickStart(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hookd-quickstart-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.run_dir = os.path.join(self.tmp, "run")

    def start(self, **env):
        port, demo = harness.free_port(), harness.free_port()
        s = Script(self.run_dir, port, demo, **env)
        self.addCleanup(s.kill)
        s.wait_for(READY)
        return s, port, demo

    def interrupt(self, s):
        """Ctrl-C: SIGINT to the script; everything it started must end."""
        started = s.descendants()
        self.assertTrue(started)
        s.proc.send_signal(signal.SIGINT)
        self.assertEqual(s.proc.wait(30), 0, s.output())
        s.thread.join(5)        # the reader has the script's last lines
        end = time.time() + 5
        while any(alive(p) for p in started) and time.time() < end:
            time.sleep(0.05)
        self.assertEqual([p for p in started if alive(p)], [], s.output())
        bad = [l for l in s.output().splitlines()
               if harness.SANITIZER_RE.search(l)]
        self.assertEqual(bad, [], "sanitizer reports")

    def test_make_run_prints_working_commands_and_stops_on_ctrl_c(self):
        s, port, demo = self.start()
        out = s.output()
        with open(os.path.join(self.run_dir, "admin_token")) as f:
            token = f.read().strip()
        self.assertGreaterEqual(len(token), 32)
        self.assertIn("admin token  " + token, out)
        self.assertIn("http://127.0.0.1:%d/" % port, out)
        self.assertIn("allow_private_targets = yes", out)
        with open(os.path.join(self.run_dir, "hookd.conf")) as f:
            self.assertRegex(f.read(), r"(?m)^allow_private_targets = yes$")
        self.assertGreaterEqual(out.count("curl "), 3, out)

        srv = deploy.Deployment.__new__(deploy.Deployment)
        srv.port, srv.admin_token = port, token
        st, _, body = srv.request("GET", "/v1/health", token=None)
        self.assertEqual((st, body), (200, {"status": "ok"}))

        # 1. the receiver it suggests
        rcv_cmd = block_after(out, "# 1.")
        self.assertEqual(len(rcv_cmd), 1, out)
        rcv = subprocess.Popen(shlex.split(rcv_cmd[0]), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        self.addCleanup(rcv.stdout.close)
        self.addCleanup(rcv.wait, 5)
        self.addCleanup(rcv.kill)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in rcv.stdout],
                         daemon=True).start()
        self.assertIn("listening", lines.get(timeout=10))

        # 2. its commands, pasted into a shell
        cmds = block_after(out, "# 2.")
        self.assertEqual(len(cmds), 4, out)
        r = subprocess.run(["sh", "-ec", "\n".join(cmds) +
                            '\necho "APP=$APP"'], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('"deliveries":1', r.stdout.replace(" ", ""))
        got = lines.get(timeout=15)     # the sender delivers at once
        self.assertIn("type=user.signin", got)

        # 3. the delivery log command, in the same "terminal" (its APP)
        app = r.stdout.rsplit("APP=", 1)[1].strip()
        self.assertTrue(app.startswith("app_"), r.stdout)
        log = block_after(out, "# 3.")
        # the sender records the outcome a moment after the receiver
        # answered (its committer thread): a person would look again
        end = time.time() + 15
        while True:
            r = subprocess.run(["sh", "-ec", "\n".join([cmds[0], "APP=" + app]
                                                       + log)],
                               capture_output=True, text=True, timeout=60)
            if '"delivered"' in r.stdout or time.time() > end:
                break
            time.sleep(0.2)
        self.assertIn('"delivered"', r.stdout, r.stdout + r.stderr)

        self.interrupt(s)
        self.assertIn("run: stopped", s.output())

        # A second run keeps the token and the data.
        s2, port2, _ = self.start()
        out2 = s2.output()
        self.assertNotIn("made a new admin token", out2)
        self.assertIn("admin token  " + token, out2)
        srv.port = port2
        st, _, apps = srv.request("GET", "/v1/apps")
        self.assertEqual(st, 200, apps)
        self.assertEqual([a["name"] for a in apps["data"]], ["demo"])
        self.interrupt(s2)

    def test_make_run_stops_a_fastcgi_process_that_missed_lighttpds_sigterm(self):
        # lighttpd sends its FastCGI processes one SIGTERM as it stops; one
        # it respawned meanwhile, or one between fork and exec then, never
        # gets it.  Here the process lighttpd knows ignores it, and the
        # hookd.fcgi under it never sees it: run.sh must stop them anyway.
        wrapper = os.path.join(self.tmp, "hookd.fcgi")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\ntrap '' TERM\n%s \"$@\"\n"
                    % shlex.quote(harness.FCGI or os.path.join(
                        deploy.ROOT, "cgi", "hookd.fcgi")))
        os.chmod(wrapper, 0o755)
        s, port, _ = self.start(HOOKD_FCGI=wrapper)
        srv = deploy.Deployment.__new__(deploy.Deployment)
        srv.port = port
        st, _, body = srv.request("GET", "/v1/health", token=None)
        self.assertEqual((st, body), (200, {"status": "ok"}))
        fcgi = []
        for p in s.descendants():
            try:
                with open("/proc/%d/cmdline" % p) as f:
                    if "hookd.fcgi" in f.read():
                        fcgi.append(p)
            except OSError:
                pass            # ended meanwhile (the script's sleep)
        self.assertGreaterEqual(len(fcgi), 2, fcgi)    # wrappers + programs
        self.interrupt(s)
        self.assertIn("run: stopped", s.output())

    def test_make_run_on_a_terminal_ctrl_c_ends_make_with_0(self):
        # A terminal's Ctrl-C goes to its whole foreground process group:
        # make included, which would end 130 ("killed by SIGINT") or print
        # "make: *** [run] Interrupt".  A Makefile with the run recipe, so
        # that nothing is built here.
        mk = os.path.join(self.tmp, "Makefile")
        with open(mk, "w") as f:
            f.write("run:\n\t@sh %s\n" % RUN_SH)
        env = dict(os.environ, HOOKD_PORT=str(harness.free_port()),
                   HOOKD_RUN_DIR=self.run_dir, HOOKD_FCGI=harness.FCGI or
                   os.path.join(deploy.ROOT, "cgi", "hookd.fcgi"),
                   HOOKD_SEND=harness.SEND or
                   os.path.join(deploy.ROOT, "sender", "hookd-send"))
        pid, fd = pty.fork()
        if pid == 0:
            try:
                default_int_quit()
                os.execvpe("make", ["make", "-f", mk, "run"], env)
            finally:
                os._exit(127)
        self.addCleanup(os.close, fd)
        out = b""
        def read_until(pred, timeout):
            nonlocal out
            end = time.time() + timeout
            while not pred() and time.time() < end:
                r, _, _ = select.select([fd], [], [], 0.2)
                if r:
                    try:
                        chunk = os.read(fd, 65536)
                    except OSError:     # EIO: every writer is gone
                        return
                    if not chunk:
                        return
                    out += chunk
        read_until(lambda: READY.encode() in out, 30)
        self.assertIn(READY.encode(), out, out.decode(errors="replace"))
        os.write(fd, b"\x03")          # Ctrl-C, as typed
        end = time.time() + 30
        status = None
        while time.time() < end:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p:
                status = st
                break
            read_until(lambda: False, 0.2)
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            self.fail("make run still running 30 s after Ctrl-C:\n"
                      + out.decode(errors="replace"))
        read_until(lambda: False, 1)
        text = out.decode(errors="replace")
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, text)
        self.assertNotIn("make: ***", text)
        self.assertIn("run: stopped", text)

    def test_make_run_refuses_a_busy_port_and_leaves_nothing_running(self):
        # Something already listens on the port: lighttpd cannot bind.
        import socket
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        self.addCleanup(busy.close)
        port = busy.getsockname()[1]
        env = dict(os.environ, HOOKD_PORT=str(port), HOOKD_RUN_DIR=self.run_dir)
        r = subprocess.run(["sh", RUN_SH], env=env, capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("port %d" % port, r.stderr)
        left = []
        for d in os.listdir("/proc"):
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    if self.run_dir.encode() in f.read():
                        left.append(int(d))
            except (OSError, ValueError):
                pass
        self.assertEqual([p for p in left if alive(p)], [])


if __name__ == "__main__":
    unittest.main()
