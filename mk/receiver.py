#!/usr/bin/python3
"""receiver.py - a tiny webhook receiver for trying hookd out.

    python3 mk/receiver.py [PORT] [--secret whsec_...] [--status CODE]

Listens on 127.0.0.1:PORT (default 9000), answers every POST with CODE
(default 204) and prints what it got: the webhook-id, the event type and
the body.  With --secret (the webhook's secret from the registration
answer) it also checks the Standard Webhooks signature and says "signature
ok" or "signature BAD".  Python standard library only.  Ctrl-C stops it.
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import sys
import time


def signature_ok(secret, msg_id, timestamp, body, header):
    """True if one of the space-separated "v1,BASE64" signatures in header
    is HMAC-SHA256 over "msg_id.timestamp.body" with the base64-decoded
    secret (whsec_ prefix removed)."""
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    try:
        key = base64.b64decode(secret, validate=True)
    except ValueError:
        return False
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    want = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for sig in header.split():
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), want):
            return True
    return False


def make_handler(secret, status):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            msg_id = self.headers.get("webhook-id", "")
            ts = self.headers.get("webhook-timestamp", "")
            try:
                event = json.loads(body)
                kind = event.get("type", "?")
            except ValueError:
                kind = "(body is not JSON)"
            line = "%s POST %s webhook-id=%s type=%s" % (
                time.strftime("%H:%M:%S"), self.path, msg_id, kind)
            if secret:
                ok = signature_ok(secret, msg_id, ts, body,
                                  self.headers.get("webhook-signature", ""))
                line += " signature %s" % ("ok" if ok else "BAD")
            print(line)
            print("  " + body.decode("utf-8", "replace"))
            sys.stdout.flush()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


def main():
    ap = argparse.ArgumentParser(description="print the webhooks it receives")
    ap.add_argument("port", nargs="?", type=int, default=9000)
    ap.add_argument("--secret", default="", help="whsec_... to check signatures")
    ap.add_argument("--status", type=int, default=204, help="answer with this")
    a = ap.parse_args()
    srv = http.server.HTTPServer(("127.0.0.1", a.port),
                                 make_handler(a.secret, a.status))
    print("receiver: listening on http://127.0.0.1:%d/ (Ctrl-C stops)" % a.port)
    sys.stdout.flush()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
