"""deploy.py - start real web servers from the sample configs in etc/.

Used by test_deploy*.py.  A Deployment is one temp dir laid out like an
installed system (bin/, libexec/, etc/, data/, www/, run/), with hookd.conf
made from etc/hookd.conf (only data_dir, status_dir, admin_token_file,
allow_private_targets and durability changed), the programs copied in (so
that the web server's user can run them wherever the checkout is), and
the @PLACEHOLDERS@ of etc/README.md filled in.  As root, the web server
drops to www-data and hookd.fcgi and the sender run as www-data too; with
separate=True (spawn-fcgi) they run as nobody and the web server only
reaches their socket (the two layouts of docs/operations.md).  Not as
root, everything runs as the caller.

Every process is stopped by PID in stop(), including the hookd.fcgi
processes a web server or spawn-fcgi forked (found by their executable,
the copy inside this temp dir).
"""

import grp
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ETC = os.path.join(ROOT, "etc")
APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
APACHE_MODULES = "/usr/lib/apache2/modules"
SPAWN_FCGI = shutil.which("spawn-fcgi") or "/usr/bin/spawn-fcgi"
LIGHTTPD = harness.LIGHTTPD
IS_ROOT = os.geteuid() == 0
PLACEHOLDER = re.compile(r"@[A-Z_]+@")

def _load_demo_receiver():
    """mk/receiver.py (the quick start's receiver: signature_ok), loaded
    under its own name so it never shadows tests/integration/receiver.py
    for the other test modules of the same run."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "mk_receiver", os.path.join(ROOT, "mk", "receiver.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


receiver = _load_demo_receiver()


class Missing(Exception):
    """A server binary or module is not installed: the test skips."""


def instantiate(text, values):
    """Fill in @NAME@ placeholders; any left over is an error."""
    for k, v in values.items():
        text = text.replace("@%s@" % k, v)
    left = sorted(set(PLACEHOLDER.findall(text)))
    if left:
        raise AssertionError("placeholders not filled in: %s" % ", ".join(left))
    return text


def set_conf_key(text, key, value):
    """Replace the one active "key = ..." line of a hookd.conf text."""
    pat = re.compile(r"^%s[ \t]*=.*$" % re.escape(key), re.M)
    new, n = pat.subn("%s = %s" % (key, value), text)
    if n != 1:
        raise AssertionError("etc/hookd.conf: %d active lines for %s" % (n, key))
    return new


def unit_field(text, name):
    """Values of NAME= lines of a systemd unit text, in order."""
    return [m.group(1) for m in
            re.finditer(r"^%s=(.*)$" % re.escape(name), text, re.M)]


def cron_entry(text):
    """(env dict, user, command) of the one job line of a cron.d file."""
    env, jobs = {}, []
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", s)
        if m:
            env[m.group(1)] = m.group(2)
            continue
        f = s.split(None, 6)
        jobs.append((f[5], f[6]))
    if len(jobs) != 1:
        raise AssertionError("cron file: %d job lines" % len(jobs))
    return env, jobs[0][0], jobs[0][1]


class Deployment:
    def __init__(self, separate=False):
        if not (harness.FCGI and harness.SEND):
            raise RuntimeError("HOOKD_FCGI/HOOKD_SEND not set (make integration)")
        self.tmp = tempfile.mkdtemp(prefix="hookd-deploy-")
        self.procs = []
        self.logs = []
        try:
            self._lay_out(separate)
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise

    def _lay_out(self, separate):
        os.chmod(self.tmp, 0o755)
        d = {k: os.path.join(self.tmp, k) for k in
             ("bin", "libexec", "etc", "data", "www", "run", "logs")}
        for p in d.values():
            os.makedirs(p)
        self.dirs = d
        self.fcgi = os.path.join(d["libexec"], "hookd.fcgi")
        self.send = os.path.join(d["bin"], "hookd-send")
        shutil.copy(harness.FCGI, self.fcgi)
        shutil.copy(harness.SEND, self.send)
        os.chmod(self.fcgi, 0o755)
        os.chmod(self.send, 0o755)
        if IS_ROOT:
            pw = pwd.getpwnam("www-data")
            self.www_user = pw.pw_name
            self.www_group = grp.getgrgid(pw.pw_gid).gr_name
            # separate: hookd.fcgi (spawn-fcgi) and the sender run as a
            # user of their own, the web server only reaches the socket.
            if separate:
                pw = pwd.getpwnam("nobody")
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
            self.user, self.group = pw.pw_name, grp.getgrgid(pw.pw_gid).gr_name
        else:
            self.uid, self.gid = os.getuid(), os.getgid()
            self.user = pwd.getpwuid(self.uid).pw_name
            self.group = grp.getgrgid(self.gid).gr_name
            self.www_user, self.www_group = self.user, self.group
        self.admin_token = secrets.token_hex(24)
        token_file = os.path.join(d["etc"], "admin_token")
        with open(token_file, "w") as f:
            f.write(self.admin_token + "\n")
        os.chmod(token_file, 0o640)
        self.conf = os.path.join(d["etc"], "hookd.conf")
        with open(os.path.join(ETC, "hookd.conf")) as f:
            text = f.read()
        for k, v in (("data_dir", d["data"]), ("status_dir", d["www"]),
                     ("admin_token_file", token_file),
                     ("allow_private_targets", "yes"),
                     ("durability", "nosync")):
            text = set_conf_key(text, k, v)
        with open(self.conf, "w") as f:
            f.write(text)
        if IS_ROOT:
            os.chown(token_file, 0, self.gid)
            for k in ("data", "www"):
                os.chown(d[k], self.uid, self.gid)
            if not separate:    # lighttpd bin-path makes its sockets here
                os.chown(d["run"], self.uid, self.gid)
        self.port = harness.free_port()
        self.values = {
            "ADDR": "127.0.0.1", "PORT": str(self.port),
            "BINDIR": d["bin"], "LIBEXECDIR": d["libexec"],
            "HOOKD_CONF": self.conf, "DATA_DIR": d["data"],
            "STATUS_DIR": d["www"], "RUNDIR": d["run"],
            "WWW_USER": self.www_user, "WWW_GROUP": self.www_group,
            "HOOKD_USER": self.user, "HOOKD_GROUP": self.group,
        }

    # ---- samples ---------------------------------------------------------
    def sample(self, rel):
        with open(os.path.join(ETC, rel)) as f:
            return instantiate(f.read(), self.values)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def _popen(self, argv, name, **kw):
        log = os.path.join(self.dirs["logs"], name + ".log")
        self.logs.append(log)
        # A session of its own: Apache's prefork MPM signals its whole
        # process group when it stops, which must not include the tests.
        with open(log, "ab") as out:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT,
                                 start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def as_user(self):
        """Popen keywords that run a child as the deployment's user."""
        kw = {"umask": 0o007}
        if IS_ROOT:
            kw.update(user=self.uid, group=self.gid, extra_groups=[])
        return kw

    # ---- servers ---------------------------------------------------------
    def _retry_port(self, start):
        """Run start(); if the server could not bind its port (taken since
        free_port() looked), try again on another one."""
        for attempt in range(3):
            try:
                return start()
            except AssertionError as e:
                if "in use" not in str(e) or attempt == 2:
                    raise
                for p in self.procs:
                    if p.poll() is None:
                        p.kill()
                        p.wait(5)
                self.port = harness.free_port()
                self.values["PORT"] = str(self.port)

    def start_lighttpd(self, rel):
        return self._retry_port(lambda: self._start_lighttpd(rel))

    def _start_lighttpd(self, rel):
        if not os.access(LIGHTTPD, os.X_OK):
            raise Missing("lighttpd is not installed (%s)" % LIGHTTPD)
        text = self.sample(rel)
        if not IS_ROOT:
            text = re.sub(r"^server\.(username|groupname).*$", "", text,
                          flags=re.M)
        path = self.write("lighttpd.conf", text)
        t = subprocess.run([LIGHTTPD, "-tt", "-f", path], capture_output=True,
                           text=True, timeout=30)
        if t.returncode != 0:
            raise AssertionError("lighttpd -tt: %s%s" % (t.stdout, t.stderr))
        p = self._popen([LIGHTTPD, "-D", "-f", path], "lighttpd")
        self.wait_health(p)
        return p

    def start_spawn_fcgi(self):
        """Run the ExecStart of etc/systemd/hookd-fcgi.service with its
        Environment=; it forks the FastCGI processes and exits."""
        if not os.access(SPAWN_FCGI, os.X_OK):
            raise Missing("spawn-fcgi is not installed")
        unit = self.sample("systemd/hookd-fcgi.service")
        argv = shlex.split(unit_field(unit, "ExecStart")[0])
        if not IS_ROOT:     # -u -g -U -G are root only
            out, i = [], 0
            while i < len(argv):
                if argv[i] in ("-u", "-g", "-U", "-G"):
                    i += 2
                    continue
                out.append(argv[i])
                i += 1
            argv = out
        env = dict(os.environ)
        for e in unit_field(unit, "Environment"):
            k, _, v = e.partition("=")
            env[k] = v
        log = os.path.join(self.dirs["logs"], "spawn-fcgi.log")
        self.logs.append(log)
        old = os.umask(0o007)
        try:
            with open(log, "ab") as out:
                r = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT,
                                   timeout=30, start_new_session=True)
        finally:
            os.umask(old)
        if r.returncode != 0:
            raise AssertionError("spawn-fcgi: exit %d\n%s"
                                 % (r.returncode, self.log()))
        want = int(argv[argv.index("-F") + 1]) if "-F" in argv else 1
        end = time.time() + 10
        while len(self.fcgi_pids()) < want and time.time() < end:
            time.sleep(0.05)
        return self.fcgi_pids()

    def start_apache(self, rel, modules, mpm="event", extra=()):
        return self._retry_port(
            lambda: self._start_apache(rel, modules, mpm, extra))

    def _start_apache(self, rel, modules, mpm, extra):
        if not os.access(APACHE, os.X_OK):
            raise Missing("apache2 is not installed")
        mods = ["mpm_" + mpm, "authz_core", "authz_host", "alias", "dir",
                "mime"] + list(modules)
        for m in mods:
            if not os.path.exists(os.path.join(APACHE_MODULES, "mod_%s.so" % m)):
                raise Missing("Apache module mod_%s is not installed" % m)
        ap = os.path.join(self.tmp, "apache")
        os.makedirs(os.path.join(ap, "run"), exist_ok=True)
        os.makedirs(os.path.join(ap, "logs"), exist_ok=True)
        site = self.write("apache-site.conf", self.sample(rel))
        if os.path.join(ap, "logs", "error.log") not in self.logs:
            self.logs.append(os.path.join(ap, "logs", "error.log"))
        top = [
            'ServerRoot "%s"' % ap,
            "ServerName localhost",
            "Listen 127.0.0.1:%d" % self.port,
            'PidFile "%s/run/apache2.pid"' % ap,
            'DefaultRuntimeDir "%s/run"' % ap,
            'ErrorLog "%s/logs/error.log"' % ap,
            "LogLevel warn",
        ]
        if IS_ROOT:
            top += ["User %s" % self.www_user, "Group %s" % self.www_group]
        top += ["LoadModule %s_module %s/mod_%s.so" % (m, APACHE_MODULES, m)
                for m in mods]
        top += ["TypesConfig /etc/mime.types"] + list(extra)
        top += ['Include "%s"' % site]
        path = self.write("apache2.conf", "\n".join(top) + "\n")
        t = subprocess.run([APACHE, "-t", "-f", path], capture_output=True,
                           text=True, timeout=30)
        if t.returncode != 0:
            raise AssertionError("apache2 -t: %s%s" % (t.stdout, t.stderr))
        p = self._popen([APACHE, "-DFOREGROUND", "-f", path], "apache2")
        self.wait_health(p)
        return p

    def wait_health(self, proc, timeout=20.0):
        end = time.time() + timeout
        last = None
        while time.time() < end:
            if proc.poll() is not None:
                raise AssertionError("server exited with %s\n%s"
                                     % (proc.returncode, self.log()))
            try:
                st, _, body = self.request("GET", "/v1/health", token=None,
                                           timeout=5)
                if st == 200:
                    return
                last = (st, body)
            except OSError as e:
                last = e
            time.sleep(0.1)
        raise AssertionError("no 200 from /v1/health (last: %r)\n%s"
                             % (last, self.log()))

    def fcgi_pids(self):
        """Live processes running this deployment's copy of hookd.fcgi."""
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                exe = os.readlink("/proc/%s/exe" % d)
            except OSError:
                continue
            if exe == self.fcgi or exe == self.fcgi + " (deleted)":
                out.append(int(d))
        return out

    # ---- the sender ------------------------------------------------------
    def run_cron_sender(self, timeout=60):
        """Run the job of etc/cron/hookd-send the way cron would: its
        command through /bin/sh, with the file's variables, as its user."""
        env, user, cmd = cron_entry(self.sample("cron/hookd-send"))
        if user != self.user:
            raise AssertionError("cron user %r, want %r" % (user, self.user))
        env.setdefault("HOME", self.tmp)
        env["LOGNAME"] = user
        shell = env.get("SHELL", "/bin/sh")
        kw = self.as_user()
        kw.pop("umask")       # the cron line sets its own
        r = subprocess.run([shell, "-c", cmd], env=env, capture_output=True,
                           text=True, timeout=timeout, **kw)
        self._keep("cron-hookd-send", r.stderr)
        return r

    def _keep(self, name, text):
        """Append a finished process's output to a log of this deployment
        (scanned for sanitizer reports at stop())."""
        log = os.path.join(self.dirs["logs"], name + ".log")
        if log not in self.logs:
            self.logs.append(log)
        with open(log, "a") as f:
            f.write(text)

    def unit_command(self, rel):
        unit = self.sample(rel)
        return shlex.split(unit_field(unit, "ExecStart")[0])

    # ---- HTTP (harness.Server's helpers: they use .port, .admin_token) ----
    request = harness.Server.request
    create_app = harness.Server.create_app
    create_webhook = harness.Server.create_webhook
    post_event = harness.Server.post_event

    # ---- teardown --------------------------------------------------------
    def log(self):
        parts = []
        for path in self.logs:
            try:
                with open(path, errors="replace") as f:
                    parts.append("== %s\n%s" % (path, f.read()[-4000:]))
            except OSError:
                pass
        return "\n".join(parts)

    def stop(self):
        """Stop everything, remove the temp dir; returns the sanitizer
        report lines found in the logs (ASan/UBSan builds)."""
        try:
            self.stop_processes()
            return [l for l in self.log().splitlines()
                    if harness.SANITIZER_RE.search(l)]
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def stop_processes(self):
        """Stop every server and FastCGI process of this deployment; the
        files stay."""
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        self.procs = []
        # What the server or spawn-fcgi forked: TERM, then KILL after 3 s.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.fcgi_pids():
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            end = time.time() + 3
            while self.fcgi_pids() and time.time() < end:
                time.sleep(0.05)
