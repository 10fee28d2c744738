"""Receiver-facing options through the real API and the real hookd-send:
a webhook's own request headers, a client certificate (mTLS) and an extra
trusted CA against a TLS receiver on loopback, and an egress proxy (the
test's own) that alone knows a host name."""

import http.client
import http.server
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import unittest
import urllib.parse

from test_send import SendCase

OPENSSL = shutil.which("openssl")
# A name that never resolves (RFC 6761 .invalid): only the test's proxies
# know it, as 127.0.0.1.
PROXY_NAME = "receiver.hookd.invalid"


def pipe(a, b):
    """Copy bytes both ways between sockets a and b until one side ends."""
    def one(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
    t = threading.Thread(target=one, args=(b, a), daemon=True)
    t.start()
    one(a, b)
    t.join(5)


# ---- headers ---------------------------------------------------------------

class TestWebhookHeaders(SendCase):

    def hooks_path(self, app, wh=None):
        p = "/v1/apps/%s/webhooks" % app["id"]
        return p + ("/" + wh["id"] if wh else "")

    def assertHeadersError(self, res):
        st, _, body = res
        self.assertEqual(st, 422, body)
        self.assertEqual(body["error"]["code"], "invalid_field", body)
        self.assertTrue(body["error"]["message"].startswith("headers: "),
                        body)

    REFUSED = [
        ("not an object", ["X-A: 1"]),
        ("a string", "X-A: 1"),
        ("null", None),
        ("21 headers", {"X-H%d" % i: "v" for i in range(21)}),
        ("empty name", {"": "v"}),
        ("space in name", {"X A": "v"}),
        ("colon in name", {"X-A:": "v"}),
        ("non-ASCII name", {"X-\u00e9": "v"}),
        ("name of 129", {"X" * 129: "v"}),
        ("host", {"Host": "evil.example"}),
        ("content-type", {"content-type": "text/plain"}),
        ("content-length", {"Content-Length": "1"}),
        ("content-anything", {"CONTENT-ENCODING": "gzip"}),
        ("transfer-encoding", {"Transfer-Encoding": "chunked"}),
        ("connection", {"Connection": "close"}),
        ("user-agent", {"User-Agent": "other"}),
        ("webhook-signature", {"webhook-signature": "v1,AAAA"}),
        ("webhook-id", {"Webhook-Id": "msg_1"}),
        ("webhook-anything", {"WEBHOOK-X": "1"}),
        ("number value", {"X-A": 1}),
        ("null value", {"X-A": None}),
        ("newline in value", {"X-A": "a\r\nX-B: b"}),
        ("tab in value", {"X-A": "a\tb"}),
        ("DEL in value", {"X-A": "a\x7f"}),
        ("non-ASCII value", {"X-A": "Zo\u00eb"}),
        ("NUL in value", {"X-A": "a\u0000b"}),
        ("leading space", {"X-A": " a"}),
        ("trailing space", {"X-A": "a "}),
        ("value of 1025", {"X-A": "v" * 1025}),
        ("same name twice by case", {"X-A": "1", "x-a": "2"}),
    ]

    def test_each_refused_kind_is_422_headers_and_changes_nothing(self):
        app = self.app()
        wh = self.webhook(app, self.rx.url("/h-table"),
                          headers={"X-Keep": "kept"})
        for what, hdrs in self.REFUSED:
            with self.subTest(what, op="create"):
                self.assertHeadersError(self.srv.request(
                    "POST", self.hooks_path(app),
                    {"url": self.rx.url("/h-new"), "events": ["*"],
                     "headers": hdrs}))
            with self.subTest(what, op="patch"):
                self.assertHeadersError(self.srv.request(
                    "PATCH", self.hooks_path(app, wh),
                    {"headers": hdrs, "description": "changed"}))
        got = self.get_webhook(app, wh)
        self.assertEqual(got["headers"], {"X-Keep": "kept"})
        self.assertEqual(got["description"], wh["description"])
        st, _, body = self.srv.request("GET", self.hooks_path(app))
        self.assertEqual(st, 200, body)
        self.assertEqual(len(body["data"]), 1, body)

    def test_accepted_edges_are_stored_and_shown(self):
        app = self.app()
        hdrs = {"X-H%d" % i: "v%d" % i for i in range(16)}     # 20 in all
        hdrs["N" * 128] = "longest name"
        hdrs["Authorization"] = "Bearer " + "t" * 1017     # 1024 bytes
        hdrs["X-Empty"] = ""
        hdrs["!#$%&'*+-.^_`|~09az"] = "a  b ~"
        wh = self.webhook(app, self.rx.url("/h-edges"), headers=hdrs)
        self.assertEqual(wh["headers"], hdrs)
        self.assertEqual(self.get_webhook(app, wh)["headers"], hdrs)
        st, _, body = self.srv.request("GET", self.hooks_path(app))
        self.assertEqual(body["data"][0]["headers"], hdrs)

    def test_patch_replaces_the_set_and_empty_object_clears(self):
        app = self.app()
        wh = self.webhook(app, self.rx.url("/h-patch"),
                          headers={"X-A": "1", "X-B": "2"})
        st, _, body = self.srv.request("PATCH", self.hooks_path(app, wh),
                                       {"headers": {"X-C": "3"}})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["headers"], {"X-C": "3"})
        st, _, body = self.srv.request("PATCH", self.hooks_path(app, wh),
                                       {"description": "no headers key"})
        self.assertEqual(body["headers"], {"X-C": "3"})
        st, _, body = self.srv.request("PATCH", self.hooks_path(app, wh),
                                       {"headers": {}})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["headers"], {})
        self.assertEqual(self.get_webhook(app, wh)["headers"], {})
        plain = self.webhook(app, self.rx.url("/h-none"))
        self.assertEqual(plain["headers"], {})

    def test_headers_are_sent_on_every_attempt_including_a_retry(self):
        app = self.app()
        self.rx.set("/h-retry", statuses=[500], status=204)
        hdrs = {"Authorization": "Bearer abc", "X-Tenant": "t-42",
                "X-Empty": ""}
        wh = self.webhook(app, self.rx.url("/h-retry"), headers=hdrs)
        self.event(app)
        self.send_once()
        got = self.rx.got("/h-retry")
        self.assertEqual(len(got), 2, got)
        for r in got:
            h = r["headers"]
            self.assertEqual(h["authorization"], "Bearer abc")
            self.assertEqual(h["x-tenant"], "t-42")
            self.assertEqual(h["x-empty"], "")
            self.assertEqual(h["content-type"], "application/json")
            self.assertTrue(h["user-agent"].startswith("hookd/"), h)
            self.assertEqual(h["webhook-id"], got[0]["headers"]["webhook-id"])
        self.assertEqual(self.only_delivery(app, wh)["status"], "delivered")

    def test_stored_headers_cannot_replace_signing_or_framing(self):
        # The API refuses them (table above); here a receiver checks that
        # what it gets with custom headers still verifies and is framed by
        # hookd alone: one content-type, one user-agent, one signature.
        from receiver import verify
        app = self.app()
        wh = self.webhook(app, self.rx.url("/h-frame"),
                          headers={"Accept": "text/plain", "X-A": "1"})
        self.event(app)
        self.send_once()
        got = self.rx.got("/h-frame")
        self.assertEqual(len(got), 1)
        h = got[0]["headers"]
        self.assertTrue(verify(wh["secret"], h, got[0]["body"]), h)
        self.assertEqual(h["content-type"], "application/json")
        self.assertEqual(h["accept"], "text/plain")


class QuietHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass


class LoopbackServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1 served from a daemon thread;
    errors of clients that hang up are expected."""
    daemon_threads = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever,
                         kwargs={"poll_interval": 0.05}, daemon=True).start()

    def handle_error(self, request, client_address):
        pass

    def close(self):
        self.shutdown()
        self.server_close()


# ---- TLS: a test CA, a receiver that demands a client certificate ---------

def openssl(*args, cwd):
    subprocess.run([OPENSSL] + list(args), cwd=cwd, check=True,
                   capture_output=True)


def make_pki(d):
    """A test CA, a server certificate for localhost/127.0.0.1 and a client
    certificate, all signed by the CA; PEM files in d."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=hookd test CA", "-keyout", "ca.key",
            "-out", "ca.pem", cwd=d)
    for name, ext in (("server", "subjectAltName=DNS:localhost,"
                                 "DNS:" + PROXY_NAME + ",IP:127.0.0.1\n"
                                 "extendedKeyUsage=serverAuth"),
                      ("client", "extendedKeyUsage=clientAuth")):
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext + "\n")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj",
                "/CN=hookd test " + name, "-keyout", name + ".key",
                "-out", name + ".csr", cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
                "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", name + ".ext", "-out", name + ".pem", cwd=d)


class TLSReceiver:
    """HTTPS on 127.0.0.1 that demands a client certificate signed by ca;
    records each request with the client certificate's subject CN."""

    def __init__(self, d):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(d, "server.pem"),
                            os.path.join(d, "server.key"))
        ctx.load_verify_locations(os.path.join(d, "ca.pem"))
        ctx.verify_mode = ssl.CERT_REQUIRED
        self.requests = []
        self.handshake_errors = 0
        outer = self

        class Handler(QuietHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                cert = self.connection.getpeercert() or {}
                cn = dict(x[0] for x in cert.get("subject", ())).get(
                    "commonName")
                outer.requests.append({"path": self.path, "body": body,
                                       "client_cn": cn})
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        class Server(LoopbackServer):
            def get_request(self):
                sock, addr = self.socket.accept()
                sock.settimeout(5)
                try:
                    return ctx.wrap_socket(sock, server_side=True), addr
                except (ssl.SSLError, OSError):
                    outer.handshake_errors += 1
                    sock.close()
                    raise

        self.server = Server(Handler)
        self.port = self.server.port

    def url(self, path):
        return "https://localhost:%d%s" % (self.port, path)

    def close(self):
        self.server.close()


@unittest.skipIf(OPENSSL is None, "no openssl CLI")
class TestSendTLS(SendCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = tempfile.mkdtemp(prefix="hookd-pki-")
        make_pki(cls.pki)
        cls.tls = TLSReceiver(cls.pki)

    @classmethod
    def tearDownClass(cls):
        cls.tls.close()
        shutil.rmtree(cls.pki, ignore_errors=True)
        super().tearDownClass()

    def pem(self, name):
        return os.path.join(self.pki, name)

    def send_with(self, **keys):
        base = dict(tls_ca_file=None, tls_client_cert=None,
                    tls_client_key=None, proxy=None)
        base.update(keys)
        self.srv.write_config(**base)
        try:
            self.send_once()
        finally:
            self.srv.write_config(**{k: None for k in base})

    def errors(self, app, wh):
        return [a["error"] for a in self.only_delivery(app, wh)["attempts"]]

    def test_unknown_ca_is_a_certificate_error(self):
        app = self.app()
        wh = self.webhook(app, self.tls.url("/no-ca"))
        self.event(app)
        self.send_with(tls_client_cert=self.pem("client.pem"),
                       tls_client_key=self.pem("client.key"))
        self.assertEqual(set(self.errors(app, wh)), {"tls_error"})
        self.assertEqual([r for r in self.tls.requests
                          if r["path"] == "/no-ca"], [])

    def test_without_client_certificate_the_attempt_fails(self):
        app = self.app()
        wh = self.webhook(app, self.tls.url("/no-cert"))
        self.event(app)
        self.send_with(tls_ca_file=self.pem("ca.pem"))
        d = self.only_delivery(app, wh)
        self.assertEqual(d["status"], "failed", d)
        # TLS 1.3: the server refuses after the client's Finished, so the
        # sender may see it as a TLS error or a broken connection
        self.assertTrue(set(self.errors(app, wh)) <=
                        {"tls_error", "network_error", "empty_reply"},
                        self.errors(app, wh))
        self.assertEqual([r for r in self.tls.requests
                          if r["path"] == "/no-cert"], [])

    def test_client_certificate_and_ca_file_deliver(self):
        app = self.app()
        wh = self.webhook(app, self.tls.url("/mtls"))
        self.event(app)
        self.send_with(tls_ca_file=self.pem("ca.pem"),
                       tls_client_cert=self.pem("client.pem"),
                       tls_client_key=self.pem("client.key"))
        got = [r for r in self.tls.requests if r["path"] == "/mtls"]
        self.assertEqual(len(got), 1, self.errors(app, wh))
        self.assertEqual(got[0]["client_cn"], "hookd test client")
        self.assertEqual(self.only_delivery(app, wh)["status"], "delivered")

    def test_https_through_the_proxy_tunnel_keeps_mtls_and_verification(self):
        proxy = ForwardProxy()
        try:
            app = self.app()
            url = "https://%s:%d/tunnel" % (PROXY_NAME, self.tls.port)
            wh = self.webhook(app, url)
            self.event(app)
            self.send_with(proxy=proxy.url(), tls_ca_file=self.pem("ca.pem"),
                           tls_client_cert=self.pem("client.pem"),
                           tls_client_key=self.pem("client.key"))
        finally:
            proxy.close()
        self.assertIn("%s:%d" % (PROXY_NAME, self.tls.port), proxy.seen)
        got = [r for r in self.tls.requests if r["path"] == "/tunnel"]
        self.assertEqual(len(got), 1, self.errors(app, wh))
        self.assertEqual(got[0]["client_cn"], "hookd test client")

    def test_cert_without_key_or_unreadable_file_is_refused_at_start(self):
        cases = [
            dict(tls_client_cert=self.pem("client.pem")),
            dict(tls_client_key=self.pem("client.key")),
            dict(tls_client_cert=self.pem("client.pem"),
                 tls_client_key=self.pem("missing.key")),
            dict(tls_ca_file=self.pem("missing.pem")),
        ]
        for keys in cases:
            with self.subTest(keys=sorted(keys)):
                self.srv.write_config(**keys)
                try:
                    p = self.srv.run_sender("--once")
                finally:
                    self.srv.write_config(**{k: None for k in keys})
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("tls_", p.stderr)


# ---- proxy -----------------------------------------------------------------

class ForwardProxy:
    """An HTTP forward proxy on 127.0.0.1: absolute-URI requests are
    forwarded and their answer relayed, CONNECT opens a tunnel; PROXY_NAME
    means 127.0.0.1.  Each request's target (URL, or HOST:PORT of a
    CONNECT) is recorded."""

    def __init__(self):
        self.seen = []
        outer = self

        class Handler(QuietHandler):
            def do_POST(self):
                outer.seen.append(self.path)
                u = urllib.parse.urlsplit(self.path)
                host = "127.0.0.1" if u.hostname == PROXY_NAME else u.hostname
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hdrs = {k: v for k, v in self.headers.items()
                        if k.lower() not in ("proxy-connection",
                                             "connection", "host")}
                c = http.client.HTTPConnection(host, u.port, timeout=5)
                c.request("POST", u.path or "/", body, hdrs)
                r = c.getresponse()
                data = r.read()
                self.send_response(r.status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                c.close()

            def do_CONNECT(self):
                outer.seen.append(self.path)
                host, port = self.path.rsplit(":", 1)
                host = "127.0.0.1" if host == PROXY_NAME else host
                up = socket.create_connection((host, int(port)), timeout=5)
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                pipe(self.connection, up)
                up.close()
                self.close_connection = True

        self.server = LoopbackServer(Handler)
        self.port = self.server.port

    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def close(self):
        self.server.close()


class Socks5Proxy:
    """A SOCKS5 proxy on 127.0.0.1 (no authentication, CONNECT only) that
    resolves names itself (PROXY_NAME means 127.0.0.1) and records the
    (name, port) of each request: with socks5h the client sends names."""

    def __init__(self):
        self.seen = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    @staticmethod
    def _read(c, n):
        buf = b""
        while len(buf) < n:
            data = c.recv(n - len(buf))
            if not data:
                raise OSError("short read")
            buf += data
        return buf

    def _serve(self, c):
        try:
            c.settimeout(5)
            _, nm = self._read(c, 2)
            self._read(c, nm)
            c.sendall(b"\x05\x00")
            _, cmd, _, atyp = self._read(c, 4)
            if atyp == 3:
                host = self._read(c, self._read(c, 1)[0]).decode()
            elif atyp == 1:
                host = socket.inet_ntoa(self._read(c, 4))
            else:
                host = socket.inet_ntop(socket.AF_INET6, self._read(c, 16))
            port = int.from_bytes(self._read(c, 2), "big")
            self.seen.append((host, port))
            up = socket.create_connection(
                ("127.0.0.1" if host == PROXY_NAME else host, port),
                timeout=5)
            c.sendall(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
            pipe(c, up)
            up.close()
        except OSError:
            pass
        finally:
            c.close()

    def url(self):
        return "socks5h://127.0.0.1:%d" % self.port

    def close(self):
        self.sock.close()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class TestSendProxy(SendCase):
    # The proxy listens on loopback, which the policy refuses as a target:
    # the proxy is not a target and must still be reached.
    CONFIG = dict(SendCase.CONFIG, allow_private_targets="no")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.proxy = ForwardProxy()
        cls.socks = Socks5Proxy()

    @classmethod
    def tearDownClass(cls):
        cls.proxy.close()
        cls.socks.close()
        super().tearDownClass()

    def hidden_url(self, path):
        return "http://%s:%d%s" % (PROXY_NAME, self.rx.port, path)

    def send_env(self, env, proxy=None):
        self.srv.write_config(proxy=proxy)
        try:
            p = subprocess.run(self.srv.sender_cmd("--once"),
                               capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, **env))
        finally:
            self.srv.write_config(proxy=None)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_name_only_the_proxy_resolves_is_delivered_through_it(self):
        app = self.app()
        wh = self.webhook(app, self.hidden_url("/via-proxy"))
        self.event(app)
        self.send_env({}, proxy=self.proxy.url())
        got = self.rx.got("/via-proxy")
        self.assertEqual(len(got), 1)
        self.assertIn(self.hidden_url("/via-proxy"), self.proxy.seen)
        self.assertIn("webhook-signature", got[0]["headers"])
        self.assertEqual(self.only_delivery(app, wh)["status"], "delivered")

    def test_socks5h_proxy_resolves_the_name(self):
        app = self.app()
        wh = self.webhook(app, self.hidden_url("/via-socks"))
        self.event(app)
        self.send_env({}, proxy=self.socks.url())
        self.assertEqual(len(self.rx.got("/via-socks")), 1)
        self.assertIn((PROXY_NAME, self.rx.port), self.socks.seen)
        self.assertEqual(self.only_delivery(app, wh)["status"], "delivered")

    def test_without_the_proxy_the_name_does_not_resolve(self):
        app = self.app()
        wh = self.webhook(app, self.hidden_url("/no-proxy"))
        self.event(app)
        self.send_env({})
        self.assertEqual(self.rx.got("/no-proxy"), [])
        d = self.only_delivery(app, wh)
        self.assertEqual({a["error"] for a in d["attempts"]}, {"dns_error"})

    def test_environment_proxies_are_ignored_with_proxy_configured(self):
        bogus = "http://127.0.0.1:%d" % closed_port()
        env = {"http_proxy": bogus, "HTTP_PROXY": bogus,
               "https_proxy": bogus, "ALL_PROXY": bogus,
               "no_proxy": "*", "NO_PROXY": "*"}
        app = self.app()
        wh = self.webhook(app, self.hidden_url("/env-and-proxy"))
        self.event(app)
        self.send_env(env, proxy=self.proxy.url())
        self.assertEqual(len(self.rx.got("/env-and-proxy")), 1)
        self.assertIn(self.hidden_url("/env-and-proxy"), self.proxy.seen)
        self.assertEqual(self.only_delivery(app, wh)["status"], "delivered")

    def test_bad_proxy_values_are_refused_at_start(self):
        for v in ("127.0.0.1:3128", "https://127.0.0.1:3128",
                  "socks4://127.0.0.1:1080", "http://127.0.0.1",
                  "http://127.0.0.1:0", "http://u:p@127.0.0.1:3128",
                  "http://127.0.0.1:3128/path"):
            with self.subTest(v=v):
                self.srv.write_config(proxy=v)
                try:
                    p = self.srv.run_sender("--once")
                finally:
                    self.srv.write_config(proxy=None)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("proxy", p.stderr)


class TestSendEnvProxyIgnored(SendCase):

    def test_http_proxy_variable_is_ignored_without_proxy(self):
        bogus = "http://127.0.0.1:%d" % closed_port()
        app = self.app()
        wh = self.webhook(app, self.rx.name_url("/env-ignored"))
        self.event(app)
        p = subprocess.run(self.srv.sender_cmd("--once"),
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, http_proxy=bogus,
                                    HTTP_PROXY=bogus, ALL_PROXY=bogus))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.rx.got("/env-ignored")), 1)
        self.assertEqual(self.only_delivery(app, wh)["status"], "delivered")


if __name__ == "__main__":
    unittest.main()
