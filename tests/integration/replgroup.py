"""replgroup.py - a replication group of hookd sites, for tests.

Standard library only; builds on harness.py (lighttpd, config, receiver).

    from replgroup import Group
    with Group(3, durability="sync") as g:   # sites 127.0.0.2..4, site 0 creates
        m = g.wait_master()                  # the Site every live site calls master
        t0 = time.time()
        m.kill()                             # SIGKILL every process of the site
        new, secs = g.wait_new_master(m, since=t0)
        m.start()                            # same data dir, ports and config

A Site is a harness.Server (lighttpd + hookd.fcgi) with its own data dir,
the replication keys, public_url = its own lighttpd base URL, a hookd-repl
process and (senders=True) a `hookd-send --loop`.  Site.kill(sig) sends a
signal to every process of the site by PID (the FastCGI processes found as
lighttpd's children before the signal); freeze()/thaw() are SIGSTOP/SIGCONT.

Group(netns=True) puts each site in a network namespace of its own, joined
by a private bridge (198.18.X.0/24, the benchmarking range; the test process
and the receiver use the bridge's address X.1).  partition(site) then cuts
the site off from the other sites in both directions (blackhole routes in
the namespaces; the test process still reaches it), heal() undoes it.  This
needs root and `ip` (iproute2).

A failure that is a timeout (no master, no role, too few writes
acknowledged) is raised with g.report(): every site's logs and
`db5.3_stat -r`, then what was going on inside: gdb's stack of every
thread of every live process of every site, and Berkeley DB's detailed
replication, lock and mutex statistics of each data dir (diagnose()).
report() is lazy (it is worked out when the message is printed), so it
may be passed to an assertion that usually passes.  HOOKD_DIAG=0 leaves
the stacks and statistics out.

Every process is started and ended by PID; stop() (or leaving the `with`)
ends them all, removes the namespaces, the bridge and the temp dirs, also
after a failure.  HOOKD_REPL names the hookd-repl program (default: next to
the build's hookd-send, or at the top of the build directory).
"""

import collections
import os
import random
import signal
import subprocess
import threading
import time
import urllib.parse

import harness

SLOW = os.environ.get("HOOKD_SLOW") == "1"


def build_shim(name, tmpdir):
    """Compile tests/integration/NAME.c, an LD_PRELOAD shim, into tmpdir;
    its path."""
    out = os.path.join(tmpdir, name + ".so")
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", out,
                    os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 name + ".c"), "-ldl"], check=True)
    return out


def shim_wrap(shim, **env):
    """A Site.wrap that runs a site's processes with shim preloaded and
    env set (under ASan the shim comes before its runtime)."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return (["env", "LD_PRELOAD=" + shim] +
            ["%s=%s" % kv for kv in env.items()] +
            ["ASAN_OPTIONS=" + (asan + ":" if asan else "") +
             "verify_asan_link_order=0"])


def repl_program():
    """The hookd-repl to test: $HOOKD_REPL, else the first that exists of
    BUILD/hookd-repl, BUILD/repl/hookd-repl, BUILD/sender/hookd-repl."""
    env = os.environ.get("HOOKD_REPL")
    if env:
        return env
    build = harness.BUILD or "."
    cands = [os.path.join(build, "hookd-repl"),
             os.path.join(build, "repl", "hookd-repl"),
             os.path.join(build, "sender", "hookd-repl")]
    for c in cands:
        if os.path.exists(c):
            return c
    return cands[0]


DIAG = os.environ.get("HOOKD_DIAG", "1") != "0"


def stacks(pid, timeout=30):
    """Every thread's stack of the live process pid (one the harness
    started), from gdb attached for a moment; a line saying why not when
    it cannot."""
    try:
        r = subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx",
                            "-ex", "set pagination off",
                            "-ex", "set print frame-arguments scalars",
                            "-ex", "thread apply all bt"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "gdb: %s\n" % e
    # gdb's chatter (symbol loading, "[New LWP ...]") is left out
    keep = [l for l in r.stdout.splitlines()
            if l.startswith(("Thread ", "#", "  ")) or l == ""]
    if not any(l.startswith("#") for l in keep):
        return "gdb exited %s:\n%s%s" % (r.returncode, r.stdout[-2000:],
                                          r.stderr[-2000:])
    return "\n".join(keep) + "\n"


def db_stat(data_dir, args, timeout=10):
    """db5.3_stat -h data_dir ARGS (joins the live environment); when it
    does not answer in timeout (a mutex held by a hung or dead process),
    again with -N (no region mutexes: a snapshot that may be torn)."""
    base = ["db5.3_stat", "-h", data_dir] + harness.tool_key_args(data_dir)
    for extra in ([], ["-N"]):
        try:
            r = subprocess.run(base + extra + list(args),
                               stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=timeout)
            return "".join(("(-N) " if extra else "", r.stdout, r.stderr))
        except subprocess.TimeoutExpired:
            continue
        except OSError as e:
            return "db5.3_stat: %s\n" % e
    return "db5.3_stat %s: no answer in %d s, even with -N\n" % (
        " ".join(args), timeout)


class Report:
    """A failure message worked out only when printed (str()): fn()."""

    def __init__(self, fn):
        self.fn = fn
        self.text = None

    def __str__(self):
        if self.text is None:
            self.text = self.fn()
        return self.text

    def __add__(self, other):
        return str(self) + str(other)

    def __radd__(self, other):
        return str(other) + str(self)


def _ip(*args, check=True):
    """Run `ip ARGS`; raises with its stderr on failure when check."""
    r = subprocess.run(["ip"] + list(args), capture_output=True, text=True,
                       timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), r.stderr.strip()))
    return r


class Net:
    """A bridge in the root namespace and one namespace per site, each with
    a veth pair (root end on the bridge).  Names carry a random tag so that
    concurrent tests never share one."""

    def __init__(self, n):
        self.tag = os.urandom(3).hex()
        self.bridge = "hkb" + self.tag
        self.names = ["hkrepl-%s-%d" % (self.tag, i) for i in range(n)]
        self.veths = ["hkv%s%d" % (self.tag, i) for i in range(n)]
        self.prefix = self._free_prefix()
        self.gateway = self.prefix + ".1"
        self.addrs = ["%s.%d" % (self.prefix, 2 + i) for i in range(n)]
        self.cuts = []          # (namespace, address) blackhole routes
        self.made = False

    @staticmethod
    def _free_prefix():
        used = _ip("-4", "-o", "addr", "show").stdout
        for _ in range(100):
            p = "198.%d.%d" % (random.choice((18, 19)), random.randrange(256))
            if (" %s." % p) not in used:
                return p
        raise RuntimeError("no free 198.18.0.0/15 subnet")

    def create(self):
        self.made = True
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", self.gateway + "/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for ns, veth, addr in zip(self.names, self.veths, self.addrs):
            _ip("netns", "add", ns)
            _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0",
                "netns", ns)
            _ip("link", "set", veth, "master", self.bridge)
            _ip("link", "set", veth, "up")
            _ip("-n", ns, "addr", "add", addr + "/24", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        return self

    def wrap(self, i):
        """The command prefix that runs a program in site i's namespace."""
        return ["ip", "netns", "exec", self.names[i]]

    def partition(self, isolated):
        """Cut the sites whose indexes are in isolated off from the others,
        in both directions (each side drops what it would send across)."""
        n = len(self.names)
        for i in isolated:
            for j in range(n):
                if j in isolated:
                    continue
                for ns, addr in ((self.names[i], self.addrs[j]),
                                 (self.names[j], self.addrs[i])):
                    _ip("-n", ns, "route", "add", "blackhole", addr + "/32")
                    self.cuts.append((ns, addr))

    def heal(self):
        while self.cuts:
            ns, addr = self.cuts.pop()
            _ip("-n", ns, "route", "del", "blackhole", addr + "/32", check=False)

    def destroy(self):
        """Remove what create() made (their processes must be gone)."""
        if not self.made:
            return
        self.cuts = []
        for ns in self.names:
            _ip("netns", "del", ns, check=False)
        _ip("link", "del", self.bridge, check=False)
        self.made = False


class Site(harness.Server):
    """One site: lighttpd + hookd.fcgi (harness.Server), hookd-repl and,
    when sender is true, hookd-send --loop; all on one host address."""

    def __init__(self, index, host, http_port, repl_port, config, wrap=None,
                 sender=True, passphrase=None):
        super().__init__(config=config, host=host, port=http_port, wrap=wrap)
        self.index = index
        self.name = "site%d" % index
        self.repl_addr = "%s:%d" % (host, repl_port)
        self.public_url = "http://%s:%d" % (host, http_port)
        self.want_sender = sender
        self.repl = None
        self.repl_log = os.path.join(self.tmp, "hookd-repl.log")
        self.frozen = []
        self.killed_at = None       # time of the last kill() or freeze()
        self.state = "down"         # "up", "down", "frozen"
        if passphrase is not None:
            self.passphrase = passphrase
            key = os.path.join(self.tmp, "hookd.key")
            harness.write_key_file(key, passphrase)
            os.makedirs(self.data_dir, mode=0o770, exist_ok=True)
            harness.PASSPHRASES[os.path.realpath(self.data_dir)] = passphrase
            self.config["encryption_key_file"] = key
        self.write_config()

    def __repr__(self):
        return "<%s %s>" % (self.name, self.public_url)

    # ---- processes ------------------------------------------------------
    def _spawn_repl(self):
        with open(self.repl_log, "ab") as log:
            return subprocess.Popen(
                self.wrap + [repl_program(), "-c", self.conf_path],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)

    def restart_wedged_repl(self):
        """What the hookd-repl unit's Restart=always does for a process
        that its wedge watchdog ended (exit 75, "stuck ... inside Berkeley
        DB" last in its log): start it again.  True if it did.  Other ends
        (a test's signal, the key check's exit 75) are the test's own."""
        p = self.repl
        if p is None or p.poll() != 75:
            return False
        with open(self.repl_log, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 2048))
            if b"inside Berkeley DB" not in log.read():
                return False
        with open(self.repl_log, "ab") as log:
            log.write(b"harness: hookd-repl exited 75: started again, "
                      b"as its unit's Restart=always does\n")
        self.repl = self._spawn_repl()
        return True

    def start_repl(self, settle=5.0):
        """Start hookd-repl; wait (at most settle seconds) until the data
        dir holds an environment.  Raises with its log if it exits."""
        self.repl = self._spawn_repl()
        end = time.time() + settle
        while time.time() < end:
            if self.repl.poll() is not None:
                rc = self.repl.returncode
                self.repl = None
                raise RuntimeError("%s: hookd-repl exited %s:\n%s"
                                   % (self.name, rc, self.read_repl_log()))
            try:
                names = os.listdir(self.data_dir)
            except OSError:
                names = []
            if any(n.startswith(("__db", "log.")) for n in names):
                break
            time.sleep(0.05)
        return self.repl

    def start(self, timeout=20.0):
        """hookd-repl, then lighttpd + hookd.fcgi, then the sender."""
        self.start_repl()
        return self.start_web(timeout)

    def start_web(self, timeout=20.0):
        """lighttpd + hookd.fcgi, then the sender (hookd-repl runs)."""
        super().start(timeout)
        if self.want_sender:
            self.start_sender("--loop")
        self.state = "up"
        return self

    def read_repl_log(self):
        try:
            with open(self.repl_log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log(self):
        """lighttpd/hookd.fcgi, hookd-repl and sender output."""
        out = super().log()
        out += "\n--- hookd-repl ---\n" + self.read_repl_log()
        for p in self.senders:
            out += "\n--- sender %d ---\n" % p.pid + self.sender_log(p)
        return out

    def pids(self, parts=("repl", "web", "sender")):
        """PIDs of the site's live processes: hookd-repl ("repl"), lighttpd
        and its FastCGI children ("web"), hookd-send ("sender")."""
        out = []
        if "repl" in parts and self.repl is not None and self.repl.poll() is None:
            out.append(self.repl.pid)
        if "web" in parts and self.proc is not None:
            if self.proc.poll() is None:
                out.append(self.proc.pid)
            out += self.fcgi_pids()
        if "sender" in parts:
            out += [p.pid for p in self.senders if p.poll() is None]
        return out

    def diagnose(self):
        """What the site's processes are doing: gdb's stacks of each live
        one (hookd-repl, the FastCGI processes, the senders), then
        Berkeley DB's replication (-r, -R A), lock (-C A: lockers and
        objects) and mutex (-x) statistics of the data dir."""
        procs = []
        if self.repl is not None and self.repl.poll() is None:
            procs.append(("hookd-repl", self.repl.pid))
        if self.proc is not None:
            procs += [("hookd.fcgi", pid) for pid in self.fcgi_pids()]
        procs += [("hookd-send", p.pid) for p in self.senders
                  if p.poll() is None]
        out = []
        for name, pid in procs:
            out.append("----- %s %s pid %d: stacks -----\n%s" % (
                self.name, name, pid, stacks(pid)))
        if os.path.isdir(self.data_dir):
            for args in (["-r"], ["-R", "A"], ["-C", "A"], ["-x"]):
                out.append("----- %s: db5.3_stat %s -----\n%s" % (
                    self.name, " ".join(args), db_stat(self.data_dir, args)))
        return "\n".join(out)

    def kill(self, sig=signal.SIGKILL, parts=("repl", "web", "sender")):
        """Send sig to every process of parts (by PID).  For SIGKILL, wait
        until they are gone and forget them: start() (or start_repl())
        brings them back on the same data dir."""
        pids = self.pids(parts)
        self.killed_at = time.time()
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if sig != signal.SIGKILL:
            return pids
        end = time.time() + 10
        if "repl" in parts and self.repl is not None:
            self.repl.wait(10)
            self.repl = None
        if "web" in parts and self.proc is not None:
            self.proc.wait(10)
            self.proc = None
        if "sender" in parts:
            for p in self.senders:
                p.wait(10)
            self.senders = []
        for pid in pids:
            while time.time() < end and harness._alive(pid):
                time.sleep(0.01)
        if set(parts) == {"repl", "web", "sender"}:
            self.state = "down"
        return pids

    def freeze(self):
        """SIGSTOP every process of the site (a hung host)."""
        self.frozen = self.pids()
        self.killed_at = time.time()
        for pid in self.frozen:
            os.kill(pid, signal.SIGSTOP)
        self.state = "frozen"

    def thaw(self):
        for pid in self.frozen:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.frozen = []
        if self.state == "frozen":
            self.state = "up"

    def shutdown(self):
        """End every process (SIGTERM, then SIGKILL), keep the data dir."""
        self.thaw()
        for p in self.senders:
            harness.terminate(p)
        self.senders = []
        self._kill_lighttpd()
        if self.repl is not None:
            harness.terminate(self.repl)
            self.repl = None
        self.state = "down"

    def stop(self):
        """shutdown() and remove the temp dir (harness.Server.stop)."""
        self.shutdown()
        super().stop()

    # ---- state ----------------------------------------------------------
    def health(self, timeout=2.0):
        """(status, body) of GET /v1/health, or None when it does not
        answer within timeout."""
        try:
            st, _, body = self.request("GET", "/v1/health", token=None,
                                       timeout=timeout)
            return st, body
        except Exception:          # refused, reset, timeout: no answer
            return None

    def role(self, timeout=2.0):
        """(role, master) from GET /v1/health, (None, None) without an
        answer or without those fields."""
        h = self.health(timeout)
        if h is None or not isinstance(h[1], dict):
            return None, None
        return h[1].get("role"), h[1].get("master")


def follow(site, method, path, body=None, token=harness.ADMIN, timeout=5.0,
           hops=3, urls=None):
    """A request to site that follows 307s as `curl --location-trusted`
    does (same method, body and bearer token).  Returns (status, headers,
    body, urls): urls are the base URLs asked, in order (also appended to
    the list urls when given, which then tells where a request that raised
    went)."""
    if token is harness.ADMIN:
        token = site.admin_token
    host, port, base = site.host, site.port, site.public_url
    urls = [] if urls is None else urls
    for _ in range(hops + 1):
        urls.append(base)
        st, h, out = harness.http_request(host, port, method, path, body,
                                          token, timeout=timeout)
        if st != 307 or "location" not in h:
            return st, h, out, urls
        u = urllib.parse.urlsplit(h["location"])
        host, port = u.hostname, u.port or 80
        base = "%s://%s" % (u.scheme, u.netloc)
        path = u.path + ("?" + u.query if u.query else "")
    raise AssertionError("more than %d redirects: %r" % (hops, urls))


class Group:
    """n sites of one replication group.  config: extra keys for every
    site; site_config: {index: {key: value}} per site (None removes a key);
    creator: the index with replication_create = yes; passphrases: one per
    site (encryption_key_file) or None."""

    def __init__(self, n=3, config=None, site_config=None, durability="nosync",
                 netns=False, senders=True, creator=0, passphrases=None):
        self.net = None
        self.sites = []
        self.receiver = None
        self._supervisor = None
        self._supervising = threading.Event()
        try:
            if netns:
                self.net = Net(n).create()
                hosts = self.net.addrs
                gateway = self.net.gateway
            else:
                hosts = ["127.0.0.%d" % (2 + i) for i in range(n)]
                gateway = "127.0.0.1"
            self.receiver = harness.Receiver(host=gateway)
            ports = []
            for h in hosts:
                bind = "127.0.0.1" if netns else h
                ports.append((harness.free_port(bind), harness.free_port(bind)))
            for i, h in enumerate(hosts):
                peers = ", ".join("%s:%d" % (hosts[j], ports[j][1])
                                  for j in range(n) if j != i)
                conf = {
                    "durability": durability,
                    "replication_listen": "%s:%d" % (h, ports[i][1]),
                    "replication_peers": peers,
                    "replication_create": "yes" if i == creator else "no",
                    "public_url": "http://%s:%d" % (h, ports[i][0]),
                }
                conf.update(config or {})
                conf.update((site_config or {}).get(i, {}))
                self.sites.append(Site(
                    i, h, ports[i][0], ports[i][1], conf,
                    wrap=self.net.wrap(i) if netns else None, sender=senders,
                    passphrase=passphrases[i] if passphrases else None))
        except Exception:
            self.stop()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _supervise(self):
        """Until stop(): restart a site's hookd-repl that exited 75, as
        systemd does in production (Site.restart_wedged_repl)."""
        while not self._supervising.wait(0.25):
            for s in self.sites:
                try:
                    s.restart_wedged_repl()
                except OSError:
                    pass

    def start(self, wait=True, timeout=30.0, per_site=False):
        """Start every site, the creator first: every hookd-repl, then
        every site's web processes and sender (per_site: each site whole,
        one after the other).  Waits for an agreed master when wait;
        returns it (or None)."""
        if self._supervisor is None:
            self._supervisor = threading.Thread(target=self._supervise,
                                                daemon=True)
            self._supervisor.start()
        order = sorted(self.sites, key=lambda s: s.config.get(
            "replication_create") != "yes")
        if per_site:
            for s in order:
                s.start()
        else:
            for s in order:
                s.start_repl()
            for s in order:
                s.start_web()
        return self.wait_master(timeout=timeout) if wait else None

    def stop(self):
        """End every process of every site, remove namespaces, bridge and
        temp dirs.  Safe to call twice and after a failed start."""
        self._supervising.set()
        if self._supervisor is not None:
            self._supervisor.join()
            self._supervisor = None
        for s in self.sites:
            try:
                s.thaw()
            except OSError:
                pass
        for s in self.sites:
            try:
                s.stop()
            except Exception:       # keep tearing down the others
                for pid in s.pids():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
        if self.receiver is not None:
            self.receiver.stop()
            self.receiver = None
        if self.net is not None:
            self.net.heal()
            self.net.destroy()

    def logs(self, tail=4000):
        """Every site's logs for a failure message: the last tail bytes of
        each, without the sender's per-attempt lines, then what Berkeley
        DB says of its replication (repstats)."""
        out = []
        for s in self.sites:
            lines = [l for l in s.log().splitlines()
                     if " info: attempt " not in l]
            out.append("===== %s %s =====\n%s" % (s.name, s.public_url,
                                                  "\n".join(lines)[-tail:]))
        return "\n".join(out) + "\n" + self.repstats()

    def repstats(self):
        """`db5.3_stat -r` of every running site (joins the live
        environment): role, master, generations, elections held and the
        replication manager's election threads and connections."""
        out = []
        for s in self.sites:
            if s.state != "up":
                out.append("===== %s: db5.3_stat -r: site %s =====" % (
                    s.name, s.state))
                continue
            try:
                r = subprocess.run(["db5.3_stat", "-r", "-h", s.data_dir] +
                                   harness.tool_key_args(s.data_dir),
                                   capture_output=True, text=True, timeout=5)
                text = r.stdout + r.stderr
            except (OSError, subprocess.TimeoutExpired) as e:
                text = str(e)
            out.append("===== %s: db5.3_stat -r =====\n%s" % (s.name, text))
        return "\n".join(out)

    def diagnose(self):
        """Every site's diagnose() (stacks and statistics; sites with no
        live process give their statistics only), "" with HOOKD_DIAG=0."""
        if not DIAG:
            return ""
        out = []
        for s in self.sites:
            try:
                out.append("===== %s: diagnosis =====\n%s" % (s.name,
                                                           s.diagnose()))
            except Exception as e:      # never hide the failure itself
                out.append("===== %s: diagnosis failed: %r" % (s.name, e))
        return "\n".join(out)

    def report(self, head=""):
        """A failure message (lazy, see Report): head, logs(), then
        diagnose().  Take it while the processes still run (before
        stop())."""
        return Report(lambda: "%s\n%s\n%s" % (head, self.logs(),
                                               self.diagnose()))

    def live(self):
        return [s for s in self.sites if s.state == "up"]

    def partition(self, sites):
        """Cut sites (Site objects) off from the others (netns=True)."""
        self.net.partition([s.index for s in sites])

    def heal(self):
        self.net.heal()

    # ---- roles ----------------------------------------------------------
    def roles(self, sites=None):
        """{site: (role, master)} for sites (default: the live ones)."""
        return {s: s.role(timeout=1.0) for s in (sites or self.live())}

    def agreed_master(self, sites=None):
        """The site that says "master" while every other site of sites
        says "client" with its public_url; else None."""
        r = self.roles(sites)
        masters = [s for s, (role, _) in r.items() if role == "master"]
        if len(masters) != 1:
            return None
        m = masters[0]
        if r[m][1] != m.public_url:
            return None
        for s, (role, master) in r.items():
            if s is not m and (role != "client" or master != m.public_url):
                return None
        return m

    def wait_master(self, timeout=30.0, sites=None):
        """Wait until sites (default: the live ones) agree on a master."""
        end = time.time() + timeout
        while time.time() < end:
            m = self.agreed_master(sites)
            if m is not None:
                return m
            time.sleep(0.05)
        raise AssertionError(str(self.report(
            "no agreed master after %.0fs: %r" % (timeout,
                                                 self.roles(sites)))))

    def wait_new_master(self, old, since, timeout=30.0, sites=None):
        """Wait until a site other than old says role "master"; returns
        (site, seconds from since).  Then waits (timeout) until sites
        agree on it."""
        cands = [s for s in (sites or self.live()) if s is not old]
        end = time.time() + timeout
        found = None
        while time.time() < end and found is None:
            for s in cands:
                role, master = s.role(timeout=0.5)
                if role == "master" and master == s.public_url:
                    found = s
                    break
            else:
                time.sleep(0.02)
        if found is None:
            raise AssertionError(str(self.report(
                "no new master after %.0fs: %r" % (timeout,
                                                  self.roles(cands)))))
        secs = time.time() - since
        m = self.wait_master(timeout=max(1.0, end - time.time()), sites=cands)
        return m, secs

    def wait_role(self, site, role, timeout=30.0):
        """Wait until site says role; returns its (role, master)."""
        end = time.time() + timeout
        got = (None, None)
        while time.time() < end:
            got = site.role(timeout=1.0)
            if got[0] == role:
                return got
            time.sleep(0.05)
        raise AssertionError(str(self.report(
            "%s: role %r after %.0fs, wanted %r" % (site.name, got, timeout,
                                                   role))))


class Loader:
    """Posts events with unique ids continuously from `threads` threads,
    each to the sites of targets() in turn (following 307s with the token),
    one request at a time.  An id is repeated, same body, until it answers
    202 or 200 (after a 503 or a lost connection, as a client would).
    acked: {id: status of the 2xx}; seen: Counter of statuses ("conn" for
    no answer); odd: answers that are neither 2xx, 307 nor 503;
    gone: the web server's own 5xx pages (not JSON): a hookd.fcgi that
    exited (wedged, exit 75) with the request queued for it;
    redirects: where 307s sent requests, with the time each was sent;
    how: for each acked id, the base URL that answered 2xx, when the
    request was sent and when the answer came."""

    def __init__(self, targets, org, prefix, threads=2, timeout=3.0):
        self.targets = targets
        self.org = org
        self.prefix = prefix
        self.timeout = timeout
        self.acked = {}
        self.seen = collections.Counter()
        self.odd = []
        self.gone = []
        self.redirects = []     # (time sent, base URL a 307 sent it to)
        self.how = {}           # acked id -> (URL that answered, sent, answered)
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(w,),
                                         daemon=True) for w in range(threads)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join(30)

    def count(self):
        with self.lock:
            return len(self.acked)

    def wait_acked(self, n, timeout=30.0):
        """Wait until at least n more ids are acknowledged than now."""
        goal = self.count() + n
        end = time.time() + timeout
        while self.count() < goal and time.time() < end:
            time.sleep(0.02)
        return self.count() >= goal

    def _run(self, w):
        k = 0
        turn = w
        while not self.done.is_set():
            eid = "%s-%d-%d" % (self.prefix, w, k)
            body = {"id": eid, "type": "user.signin", "org_id": self.org,
                    "data": {"n": k}}
            while not self.done.is_set():
                sites = self.targets()
                if not sites:
                    time.sleep(0.05)
                    continue
                site = sites[turn % len(sites)]
                turn += 1
                urls = []
                at = time.time()
                try:
                    st, _, out, _ = follow(site, "POST", "/v1/events", body,
                                           timeout=self.timeout, urls=urls)
                except Exception:
                    with self.lock:
                        self.seen["conn"] += 1
                        self.redirects += [(at, u) for u in urls[1:]]
                    time.sleep(0.02)
                    continue
                with self.lock:
                    self.redirects += [(at, u) for u in urls[1:]]
                    self.seen[st] += 1
                    if st in (200, 202):
                        self.acked[eid] = st
                        self.how[eid] = (urls[-1], at, time.time())
                    elif st >= 500 and isinstance(out, bytes):
                        self.gone.append((eid, st, urls))
                    elif st != 503:
                        self.odd.append((eid, st, out, urls))
                if st in (200, 202):
                    break
                time.sleep(0.05 if st == 503 else 0.01)
            k += 1


# ---- checks shared by the replication tests ---------------------------

def make_app(master, receiver, org="org-repl"):
    """An app of org with one webhook to receiver for every event type,
    created on master; returns (app, webhook)."""
    app = master.create_app(org, "repl")
    hook = master.create_webhook(app, receiver.url, ["*"])
    return app, hook


def wait_readable(site, path, token=harness.ADMIN, timeout=15.0):
    """Poll GET path on site until 200 (a client catching up); returns the
    last (status, body)."""
    end = time.time() + timeout
    st, body = None, None
    while time.time() < end:
        try:
            st, _, body = site.request("GET", path, token=token, timeout=2)
        except Exception:
            st, body = None, None
        if st == 200:
            break
        time.sleep(0.05)
    return st, body


def stored_event_ids(site, app_id, timeout=5.0):
    """The event_id of every delivery of app_id in site's local copy
    (GET /v1/apps/{app}/deliveries, every page)."""
    ids = set()
    cursor = None
    while True:
        path = "/v1/apps/%s/deliveries?limit=250" % app_id
        if cursor:
            path += "&cursor=" + urllib.parse.quote(cursor)
        st, _, body = site.request("GET", path, timeout=timeout)
        if st != 200:
            raise AssertionError("%s: GET deliveries: %s %r" % (site.name, st, body))
        ids.update(d["event_id"] for d in body["data"])
        cursor = body.get("next_cursor")
        if not cursor:
            return ids


def wait_stored(site, app_id, want, timeout=30.0):
    """Poll until every id of want is in site's copy; returns the ids still
    missing (empty on success)."""
    end = time.time() + timeout
    missing = set(want)
    while time.time() < end:
        try:
            missing = set(want) - stored_event_ids(site, app_id)
        except Exception:       # a site still starting: ask again
            pass
        if not missing:
            break
        time.sleep(0.2)
    return missing


def repost(site, ids, org, timeout=10.0):
    """Post each id again to site (the master), same body as Loader;
    returns {id: status} of the answers that were not 200.  A 503 is
    repeated as a client would (Retry-After), for up to 10 s per id: a
    site that has just recovered may not have its acknowledgements back
    yet.  Anything else, or 503 for 10 s, is reported."""
    bad = {}
    for eid in sorted(ids):
        k = int(eid.rsplit("-", 1)[1])
        body = {"id": eid, "type": "user.signin", "org_id": org,
                "data": {"n": k}}
        end = time.time() + 10
        while True:
            st, _, out = site.request("POST", "/v1/events", body,
                                      timeout=timeout)
            if st != 503 or time.time() > end:
                break
            time.sleep(0.5)
        if st != 200:
            bad[eid] = (st, out)
    return bad


def received_ids(receiver):
    """The webhook-id of every request receiver got."""
    with receiver.lock:
        return {r["headers"].get("webhook-id") for r in receiver.requests}


def wait_received(receiver, want, timeout=60.0):
    """Wait until receiver got every id of want; returns the missing ones."""
    end = time.time() + timeout
    missing = set(want)
    while time.time() < end:
        missing = set(want) - received_ids(receiver)
        if not missing:
            break
        time.sleep(0.1)
    return missing


def describe_acks(loader, ids, since=None):
    """One line per id of ids: who acknowledged it and when (seconds from
    since), for a failure message."""
    out = []
    for eid in sorted(ids):
        url, sent, got = loader.how.get(eid, ("?", 0.0, 0.0))
        if since is not None:
            out.append("%s: %s by %s, sent at %+.3f s, answered at %+.3f s"
                       % (eid, loader.acked.get(eid), url, sent - since,
                          got - since))
        else:
            out.append("%s: %s by %s" % (eid, loader.acked.get(eid), url))
    return "\n".join(out)
