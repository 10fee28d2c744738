"""receiver.py - a real webhook receiver on loopback for the sender tests.

Standard library only.  A threaded http.server on 127.0.0.1 that records
every request (path, lower-case headers, body bytes, arrival time) and
verifies the Standard Webhooks signature itself (docs/delivery.md):
base64-decode the secret after "whsec_", HMAC-SHA256 over
"<webhook-id>.<webhook-timestamp>.<body>", base64, "v1," prefix; several
space-separated signatures during a rotation.

What it answers is chosen per path with set():

    rx = Receiver()
    rx.set("/gone", status=410)
    rx.set("/slow", sleep=3)                   # longer than the timeout
    rx.set("/busy", status=429, headers={"Retry-After": "7"})
    rx.set("/flaky", statuses=[500, 500, 204]) # one per request, then status
    rx.set("/big", status=200, body=b"x" * (1 << 20))
    rx.set("/fifo", decide=fn)  # fn(body, headers, nth) -> status or
                                # (status, sleep); nth: earlier requests
                                # of this webhook-id to this path
    rx.set("/moved", status=302, headers={"Location": rx.url("/elsewhere")})
    rx.url("/a")        -> "http://127.0.0.1:PORT/a"
    rx.name_url("/a")   -> "http://localhost:PORT/a"   (a name, not a literal)
    rx.wait(5, path="/a", timeout=10)  -> the first 5 requests to /a
    rx.close()

Unknown paths answer 204.  Use as a context manager or call close().
"""

import base64
import hashlib
import hmac
import http.server
import threading
import time


def sign(secret, msg_id, timestamp, body):
    """The Standard Webhooks signature "v1,<base64>" of body."""
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, b"%s.%s.%s" % (msg_id.encode(), str(timestamp).encode(),
                                       body), hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def verify(secret, headers, body):
    """True if one of the signatures in headers["webhook-signature"] is the
    one secret makes for (webhook-id, webhook-timestamp, body)."""
    want = sign(secret, headers.get("webhook-id", ""),
                headers.get("webhook-timestamp", ""), body)
    got = headers.get("webhook-signature", "").split(" ")
    return any(hmac.compare_digest(want, g) for g in got if g)


class Receiver:
    def __init__(self, host="127.0.0.1"):
        self.requests = []
        self.rules = {}
        self.active = {}        # path -> requests being answered now
        self.max_active = {}    # path -> most answered at once
        self.cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                path = self.path
                with outer.cond:
                    rule = outer.rules.get(path, {})
                    if rule.get("statuses"):
                        status = rule["statuses"].pop(0)
                    else:
                        status = rule.get("status", 204)
                    if rule.get("decide"):
                        hid = self.headers.get("webhook-id", "")
                        nth = sum(1 for r in outer.requests
                                  if r["path"] == path and
                                  r["headers"].get("webhook-id") == hid)
                        status = rule["decide"](body, self.headers, nth)
                        if isinstance(status, tuple):
                            rule = dict(rule, sleep=status[1])
                            status = status[0]
                    outer.requests.append({
                        "path": path, "body": body, "at": time.time(),
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "status": status})
                    n = outer.active.get(path, 0) + 1
                    outer.active[path] = n
                    outer.max_active[path] = max(n, outer.max_active.get(path, 0))
                    outer.cond.notify_all()
                self._active = path
                try:
                    self._answer(rule, status)
                finally:
                    self._inactive()

            def _inactive(self):
                # A request stops counting as active before its answer is
                # written: the sender may start the next one the moment
                # the answer arrives, before this thread runs again.
                if self._active is not None:
                    with outer.cond:
                        outer.active[self._active] -= 1
                    self._active = None

            def _answer(self, rule, status):
                if rule.get("sleep"):
                    time.sleep(rule["sleep"])
                reply = rule.get("body", b"")
                self._inactive()
                try:
                    self.send_response(status)
                    for k, v in rule.get("headers", {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    step = 65536
                    for i in range(0, len(reply), step):
                        self.wfile.write(reply[i:i + step])
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_PUT = do_POST
            do_GET = do_POST

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

            def handle_error(self, request, client_address):
                pass    # a sender that hangs up (timeout, cap) is expected

        self.server = Server((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def set(self, path, **rule):
        """Answer requests to path per rule: status, statuses (list, one per
        request, then status), sleep (seconds before answering), headers
        (dict), body (bytes)."""
        with self.cond:
            self.rules[path] = rule

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def name_url(self, path="/"):
        return "http://localhost:%d%s" % (self.port, path)

    def got(self, path=None):
        """Requests so far (to path, when given)."""
        with self.cond:
            return [r for r in self.requests if path is None or r["path"] == path]

    def wait(self, n, path=None, timeout=10.0):
        """Wait until n requests (to path) arrived; return them.  Fewer are
        returned when the timeout passes first."""
        end = time.time() + timeout
        with self.cond:
            while True:
                got = [r for r in self.requests
                       if path is None or r["path"] == path]
                left = end - time.time()
                if len(got) >= n or left <= 0:
                    return got
                self.cond.wait(min(left, 0.2))

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
