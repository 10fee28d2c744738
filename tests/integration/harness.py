"""harness.py - start the real hookd.fcgi behind a real lighttpd for tests.

Standard library only.  Paths come from the environment `make integration`
sets: HOOKD_FCGI, HOOKD_SEND (absolute paths of the two programs) and
HOOKD_BUILD (the build directory).

    from harness import Server
    srv = Server(config={"retry_schedule": "0,1s"})   # extra hookd.conf keys
    srv.start()
    status, headers, body = srv.request("POST", "/v1/apps",
                                        {"org_id": "o1", "name": "a"})
    app = srv.create_app("o1")            # dict incl. "api_key"
    srv.request("GET", "/v1/apps/" + app["id"], token=app["api_key"])
    srv.request("GET", "/v1/health", token=None)      # no Authorization
    srv.run_sender("--once")             # hookd-send -c CONF --once
    srv.stop()

Server(encrypt=True) writes a passphrase file (srv.passphrase) and sets
encryption_key_file; db_records() and faults.db_verify() then pass the
passphrase to the db5.3 tools, and stop() removes the store's System V
shared memory segments that killed processes left.

Server(mode="cgi") runs hookd.fcgi as plain CGI (lighttpd mod_cgi) instead
of FastCGI.  Every process the harness starts is killed by PID in stop(),
and the temp dir is removed.  Use Server as a context manager, or call
stop() in tearDownClass.

Receiver is a small HTTP server on 127.0.0.1 (or host=) that records
what it gets and answers with a status chosen per request (for sender tests).
"""

import ctypes
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

FCGI = os.environ.get("HOOKD_FCGI", "")
SEND = os.environ.get("HOOKD_SEND", "")
BUILD = os.environ.get("HOOKD_BUILD", "")
LIGHTTPD = shutil.which("lighttpd") or "/usr/sbin/lighttpd"

ADMIN_TOKEN = "test-admin-token-0123456789abcdef"

# A sanitizer (ASan, LSan, UBSan) report in a log.
SANITIZER_RE = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:")

# Sentinel: request() uses the admin token unless told otherwise.
ADMIN = object()

# data_dir -> passphrase of the encrypted stores the harness made
PASSPHRASES = {}


def tool_key_args(data_dir):
    """["-P", passphrase] for the db5.3 tools when data_dir holds an
    encrypted store made here, else []."""
    p = PASSPHRASES.get(os.path.realpath(data_dir))
    return ["-P", p] if p else []


def write_key_file(path, passphrase, mode=0o600):
    """A passphrase file as encryption_key_file wants it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(passphrase + "\n")
    os.chmod(path, mode)


def shm_key(data_dir):
    """The System V key block of data_dir's regions: db/crypt.c's
    crypt_shm_key (FNV-1a of st_dev, st_ino)."""
    st = os.stat(data_dir)
    h = 14695981039346656037
    for b in st.st_dev.to_bytes(8, "little") + st.st_ino.to_bytes(8, "little"):
        h = ((h ^ b) * 1099511628211) & 0xffffffffffffffff
    return 0x10000000 + (h % (1 << 24)) * 64


_libc = ctypes.CDLL(None, use_errno=True)


def shm_segments(data_dir):
    """The ids of the shared memory segments of data_dir's regions."""
    try:
        base = shm_key(data_dir)
    except OSError:
        return []
    ids = []
    for k in range(base, base + 64):
        i = _libc.shmget(ctypes.c_int(k), ctypes.c_size_t(0), ctypes.c_int(0))
        if i != -1:
            ids.append(i)
    return ids


def remove_shm(data_dir):
    """Remove data_dir's segments (what a killed process leaves)."""
    for i in shm_segments(data_dir):
        _libc.shmctl(ctypes.c_int(i), ctypes.c_int(0), None)   # IPC_RMID


def free_port(host="127.0.0.1"):
    """A TCP port on host that was free a moment ago (bind port 0)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def terminate(p, timeout=10):
    """End the Popen p (one we started): SIGTERM, wait up to timeout
    seconds, then SIGKILL.  Nothing if it has exited already."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(5)


def sanitized(pid):
    """True if pid runs a sanitizer build (memory figures are meaningless)."""
    try:
        with open("/proc/%d/maps" % pid) as f:
            return "libasan" in f.read()
    except OSError:
        return False


def rss_kb(pid):
    """VmRSS of a process in KiB (from /proc/PID/status)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


def _alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return False
    return st[st.rfind(")") + 2:].split()[0] != "Z"


def children_of(ppid):
    """PIDs whose parent is ppid (from /proc/*/stat)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        # comm may hold spaces and parens: split after the last ')'.
        rest = st[st.rfind(")") + 2:].split()
        if int(rest[1]) == ppid:
            out.append(int(d))
    return sorted(out)


def http_request(host, port, method, path, body=None, token=None,
                 headers=None, timeout=30, content_type="application/json"):
    """One HTTP request to host:port, as Server.request (token: the bearer
    token or None)."""
    h = {}
    if token is not None:
        h["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
        if content_type is not None:
            h["Content-Type"] = content_type
    if headers:
        h.update(headers)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        try:
            conn.request(method, path, body=data, headers=h)
        except (BrokenPipeError, ConnectionResetError):
            pass      # the server may answer early (413) and close
        resp = conn.getresponse()
        raw = resp.read()
        rh = {k.lower(): v for k, v in resp.getheaders()}
        parsed = None
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw
        return resp.status, rh, parsed
    finally:
        conn.close()


class Server:
    """lighttpd + hookd.fcgi on a free loopback port, fresh data dir.

    host: the address lighttpd binds and request() connects to; port: a
    fixed port (else a free one at each start); wrap: a command prefix for
    every program started (e.g. ["ip", "netns", "exec", NAME]: it must exec
    the program, so that the PID is the program's); env: variables added
    to lighttpd's environment, which its FastCGI processes inherit.  tests/integration/
    replgroup.py uses the three for the sites of a replication group."""

    def __init__(self, config=None, procs=2, mode="fastcgi", fcgi=None,
                 data_dir=None, encrypt=False, host="127.0.0.1", port=None,
                 wrap=None, env=None):
        if not (fcgi or FCGI):
            raise RuntimeError("HOOKD_FCGI is not set (run via make integration)")
        self.fcgi = fcgi or FCGI
        self.procs = procs
        self.mode = mode
        self.tmp = tempfile.mkdtemp(prefix="hookd-it-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.status_dir = os.path.join(self.tmp, "www")
        self.conf_path = os.path.join(self.tmp, "hookd.conf")
        self.lighttpd_conf = os.path.join(self.tmp, "lighttpd.conf")
        self.error_log = os.path.join(self.tmp, "lighttpd-error.log")
        self.stderr_log = os.path.join(self.tmp, "stderr.log")
        self.admin_token = ADMIN_TOKEN
        self.host = host
        self.fixed_port = port
        self.port = port
        self.wrap = list(wrap or [])
        # more environment for lighttpd and so the FastCGI processes
        # (e.g. LD_PRELOAD): changed, it applies from the next start()
        self.env = dict(env or {})
        self.proc = None
        self.senders = []
        self.config = {
            "data_dir": self.data_dir,
            "admin_token": self.admin_token,
            "status_dir": self.status_dir,
            "allow_private_targets": "yes",
            "durability": "nosync",
            # Most tests are about other things and post free-form data;
            # test_api_schemas.py turns validation on (the default of
            # hookd.conf) and checks it.
            "validate_events": "no",
        }
        self.passphrase = None
        if encrypt:
            self.passphrase = "it-passphrase-%s" % os.urandom(8).hex()
            key = os.path.join(self.tmp, "hookd.key")
            write_key_file(key, self.passphrase)
            self.config["encryption_key_file"] = key
            os.makedirs(self.data_dir, mode=0o770, exist_ok=True)
            PASSPHRASES[os.path.realpath(self.data_dir)] = self.passphrase
        if config:
            self.config.update(config)
        os.makedirs(self.status_dir, exist_ok=True)
        self.write_config()

    # ---- configuration -------------------------------------------------
    def write_config(self, **extra):
        """(Re)write hookd.conf from self.config plus extra keys.  A key set
        to None is left out.  Running FastCGI processes read it at start
        only: restart() to apply."""
        self.config.update(extra)
        with open(self.conf_path, "w") as f:
            f.write("# written by tests/integration/harness.py\n")
            for k, v in self.config.items():
                if v is not None:
                    f.write("%s = %s\n" % (k, v))

    def _write_lighttpd_conf(self):
        docroot = os.path.join(self.tmp, "docroot")
        os.makedirs(docroot, exist_ok=True)
        lines = [
            'server.document-root = "%s"' % docroot,
            'server.bind = "%s"' % self.host,
            "server.port = %d" % self.port,
            'server.errorlog = "%s"' % self.error_log,
            'server.pid-file = "%s"' % os.path.join(self.tmp, "lighttpd.pid"),
            "server.max-request-size = 65536",   # KiB: let hookd judge
            'server.tag = "lighttpd"',
        ]
        if self.mode == "fastcgi":
            lines += [
                'server.modules = ("mod_fastcgi")',
                "fastcgi.server = ( \"/\" => ((",
                '  "socket" => "%s",' % os.path.join(self.tmp, "hookd.sock"),
                '  "bin-path" => "%s",' % self.fcgi,
                '  "bin-environment" => ("HOOKD_CONF" => "%s"),' % self.conf_path,
                '  "max-procs" => %d,' % self.procs,
                '  "check-local" => "disable",',
                # as etc/lighttpd/hookd-binpath.conf
                '  "listen-backlog" => 4096,',
                ")))",
            ]
        elif self.mode == "cgi":
            link = os.path.join(docroot, "hookd.fcgi")
            if not os.path.exists(link):
                os.symlink(self.fcgi, link)
            lines += [
                'server.modules = ("mod_rewrite", "mod_setenv", "mod_cgi")',
                'url.rewrite-once = ("^/(v1/.*)$" => "/hookd.fcgi/$1")',
                'setenv.add-environment = ("HOOKD_CONF" => "%s")' % self.conf_path,
                'cgi.assign = (".fcgi" => "")',
                'server.follow-symlink = "enable"',
            ]
        else:
            raise ValueError("mode must be fastcgi or cgi")
        with open(self.lighttpd_conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    # ---- processes ------------------------------------------------------
    def start(self, timeout=10.0):
        """Start lighttpd (which spawns the FastCGI processes); wait until
        it answers.  Retries on a port race."""
        last = None
        for _ in range(3):
            self.port = self.fixed_port or free_port(self.host)
            self._write_lighttpd_conf()
            env = dict(os.environ, HOOKD_CONF=self.conf_path, **self.env)
            # stderr of lighttpd is inherited by the FastCGI processes:
            # their log lines (and sanitizer reports) land in stderr.log.
            with open(self.stderr_log, "ab") as err:
                self.proc = subprocess.Popen(
                    self.wrap + [LIGHTTPD, "-D", "-f", self.lighttpd_conf],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=err, env=env)
            try:
                self._wait_ready(timeout)
                return self
            except RuntimeError as e:
                last = e
                self._kill_lighttpd()
        raise RuntimeError("lighttpd did not start: %s\n%s" % (last, self.log()))

    def _wait_ready(self, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("lighttpd exited with %s" % self.proc.returncode)
            try:
                st, _, _ = self.request("GET", "/v1/event-types", token=None,
                                        timeout=2)
                if st == 200:
                    if self.mode == "fastcgi" and len(self.fcgi_pids()) < self.procs:
                        time.sleep(0.05)
                        continue
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        raise RuntimeError("not ready after %.1fs" % timeout)

    def _kill_lighttpd(self):
        if self.proc is None:
            return
        kids = children_of(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        # The FastCGI children outlive lighttpd (they hold the listening
        # socket): SIGTERM them by PID so they exit cleanly (and a
        # sanitizer build reports leaks), then SIGKILL what is left.
        for pid in kids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        end = time.time() + 10
        for pid in kids:
            while time.time() < end and _alive(pid):
                time.sleep(0.02)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None

    def restart(self):
        """Stop lighttpd and its FastCGI processes; start them again on a new
        port, same data dir and config."""
        self._kill_lighttpd()
        return self.start()

    def stop(self):
        """Kill every process this harness started (by PID), remove the temp
        dir."""
        for p in self.senders:
            terminate(p)
        self.senders = []
        self._kill_lighttpd()
        if self.passphrase is not None and os.path.isdir(self.data_dir):
            remove_shm(self.data_dir)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def fcgi_pids(self):
        """PIDs of the FastCGI processes (children of lighttpd)."""
        if self.proc is None:
            return []
        return children_of(self.proc.pid)

    def log(self):
        """lighttpd's error log, then the stderr of lighttpd and of the
        FastCGI/CGI processes."""
        out = ""
        for path in (self.error_log, self.stderr_log):
            try:
                with open(path, errors="replace") as f:
                    out += f.read()
            except OSError:
                pass
        return out

    # ---- the sender -----------------------------------------------------
    def sender_cmd(self, *args):
        if not SEND:
            raise RuntimeError("HOOKD_SEND is not set")
        return self.wrap + [SEND, "-c", self.conf_path] + list(args)

    def run_sender(self, *args, timeout=60):
        """Run hookd-send -c CONF ARGS to completion (e.g. "--once");
        returns the CompletedProcess (stdout/stderr as text)."""
        return subprocess.run(self.sender_cmd(*args), capture_output=True,
                              text=True, timeout=timeout)

    def start_sender(self, *args, **popen):
        """Start hookd-send -c CONF ARGS (e.g. "--loop"); stop() ends it
        (SIGTERM, then SIGKILL after 10 s).  Its stdout and stderr go to
        the file p.log_path (a pipe nobody reads would block it), read with
        sender_log(p)."""
        log_path = os.path.join(self.tmp, "sender-%d.log" % len(self.senders))
        with open(log_path, "ab") as log:
            popen.setdefault("stdout", log)
            popen.setdefault("stderr", log)
            p = subprocess.Popen(self.sender_cmd(*args), **popen)
        p.log_path = log_path
        self.senders.append(p)
        return p

    def sender_log(self, p):
        """What a sender started by start_sender() has written so far."""
        with open(p.log_path, errors="replace") as f:
            return f.read()

    # ---- HTTP -----------------------------------------------------------
    def request(self, method, path, body=None, token=ADMIN, headers=None,
                timeout=30, content_type="application/json"):
        """One HTTP request.  body: dict/list (sent as JSON), str/bytes (sent
        as is) or None.  token: ADMIN (default), None (no Authorization) or a
        string.  Returns (status, headers with lower-case names, parsed JSON
        or None when the body is empty; the raw bytes when not JSON)."""
        if token is ADMIN:
            token = self.admin_token
        # deploy.py borrows this method for objects without a host.
        return http_request(getattr(self, "host", "127.0.0.1"), self.port,
                            method, path, body, token, headers, timeout,
                            content_type)

    # ---- shortcuts ------------------------------------------------------
    def create_app(self, org_id="org_test", name="app"):
        st, _, body = self.request("POST", "/v1/apps",
                                   {"org_id": org_id, "name": name})
        if st != 201:
            raise AssertionError("create_app: %s %r" % (st, body))
        return body

    def create_webhook(self, app, url, events=("*",), token=ADMIN, **fields):
        """app: the dict create_app returned, or an app id."""
        app_id = app["id"] if isinstance(app, dict) else app
        body = {"url": url, "events": list(events)}
        body.update(fields)
        st, _, out = self.request("POST", "/v1/apps/%s/webhooks" % app_id,
                                  body, token=token)
        if st != 201:
            raise AssertionError("create_webhook: %s %r" % (st, out))
        return out

    def post_event(self, type_, org_id, data=None, token=ADMIN, **fields):
        """data None: the type's built-in example (valid for its schema),
        {} for a type without one."""
        if data is None:
            data = builtin_example(type_)
        body = {"type": type_, "org_id": org_id, "data": data}
        body.update(fields)
        return self.request("POST", "/v1/events", body, token=token)


SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "..", "schemas")


def builtin_schema(type_):
    """schemas/TYPE.json of a built-in type as a dict, or None."""
    try:
        with open(os.path.join(SCHEMAS, type_ + ".json")) as f:
            return json.load(f)
    except OSError:
        return None


def builtin_example(type_):
    """A copy of a built-in type's example data, or {} for another type."""
    doc = builtin_schema(type_)
    return json.loads(json.dumps(doc["example"])) if doc else {}


def db_records(data_dir, dbfile):
    """Every (key, value) of one database of the environment, as bytes,
    read with db5.3_dump (joins the live environment)."""
    r = subprocess.run(["db5.3_dump", "-h", data_dir] +
                       tool_key_args(data_dir) + [dbfile],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("db5.3_dump %s: %s" % (dbfile, r.stderr))
    lines = r.stdout.split("\n")
    start = lines.index("HEADER=END") + 1
    items = []
    for line in lines[start:]:
        if line == "DATA=END":
            break
        items.append(bytes.fromhex(line.strip()))
    return list(zip(items[0::2], items[1::2]))


class ServerCase(unittest.TestCase):
    """A TestCase with one Server per class: set `config` (extra hookd.conf
    keys) or `mode` on the subclass.  self.srv is the server."""
    config = None
    mode = "fastcgi"
    procs = 2

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(config=cls.config, mode=cls.mode, procs=cls.procs)
        try:
            cls.srv.start()
        except Exception:
            cls.srv.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.srv._kill_lighttpd()
        log = cls.srv.log()
        cls.srv.stop()
        bad = [l for l in log.splitlines() if SANITIZER_RE.search(l)]
        if bad:
            raise AssertionError("sanitizer report in the FastCGI log:\n%s"
                                 % log[-6000:])

    def req(self, *a, **kw):
        return self.srv.request(*a, **kw)

    def assertError(self, result, status, code=None, field=None):
        """result: what request() returned.  Checks the status and the
        exact error shape; field must appear in the message."""
        st, _, body = result
        self.assertEqual(st, status, body)
        self.assertIsInstance(body, dict, body)
        self.assertEqual(list(body.keys()), ["error"], body)
        self.assertEqual(sorted(body["error"].keys()), ["code", "message"])
        if code is not None:
            self.assertEqual(body["error"]["code"], code, body)
        if field is not None:
            self.assertIn(field, body["error"]["message"], body)


class Receiver:
    """A webhook receiver on 127.0.0.1:PORT.  Records every request as a
    dict {path, headers (lower-case), body (bytes), at}; answers with
    self.status (or the next of self.statuses when that list is non-empty),
    optional extra headers self.reply_headers and body self.reply_body."""

    def __init__(self, status=200, host="127.0.0.1"):
        self.status = status
        self.statuses = []
        self.reply_headers = {}
        self.reply_body = b"ok"
        self.delay = 0.0
        self.requests = []
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with outer.cond:
                    outer.requests.append({
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body, "at": time.time()})
                    st = outer.statuses.pop(0) if outer.statuses else outer.status
                    extra = dict(outer.reply_headers)
                    reply = outer.reply_body
                    delay = outer.delay
                    outer.cond.notify_all()
                if delay:
                    time.sleep(delay)
                self.send_response(st)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_PUT = do_POST

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = "http://%s:%d/hook" % (host, self.port)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def wait(self, n, timeout=10.0):
        """Wait until at least n requests arrived; returns a copy of them."""
        end = time.time() + timeout
        with self.cond:
            while len(self.requests) < n:
                left = end - time.time()
                if left <= 0:
                    break
                self.cond.wait(left)
            return list(self.requests)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
