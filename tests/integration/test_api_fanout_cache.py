"""Intake's per-process fan-out cache (cgi/fanout.c) against changes made
by another FastCGI process: every write to an org's apps or webhooks bumps
the org's fan-out generation, and the very next event on any process must
fan out to exactly the new set.

lighttpd sends sequential requests to one FastCGI process, so these tests
talk FastCGI to each process's socket directly (hookd.sock-0, -1): the
write goes to one process, the event to the other, alternating."""

import json
import os
import socket
import struct
import uuid

from harness import ServerCase

HOOK = "http://127.0.0.1:9/hook"
ROUNDS = 50


def fcgi_request(path, method, uri, body=None, token=None):
    """One FastCGI responder request on the unix socket path: (status,
    parsed JSON or None)."""
    data = json.dumps(body).encode() if body is not None else b""
    params = {
        "REQUEST_METHOD": method, "REQUEST_URI": uri, "SCRIPT_NAME": "",
        "QUERY_STRING": uri.partition("?")[2], "SERVER_PROTOCOL": "HTTP/1.1",
        "GATEWAY_INTERFACE": "CGI/1.1", "CONTENT_LENGTH": str(len(data)),
    }
    if body is not None:
        params["CONTENT_TYPE"] = "application/json"
    if token is not None:
        params["HTTP_AUTHORIZATION"] = "Bearer " + token

    def rec(kind, content):
        return struct.pack(">BBHHBB", 1, kind, 1, len(content), 0, 0) + content

    def nvlen(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)

    pairs = b"".join(nvlen(len(k)) + nvlen(len(v.encode())) + k.encode() + v.encode()
                     for k, v in params.items())
    out = rec(1, struct.pack(">HB5x", 1, 0)) + rec(4, pairs) + rec(4, b"")
    for i in range(0, len(data), 32768):
        out += rec(5, data[i:i + 32768])
    out += rec(5, b"")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    try:
        s.connect(path)
        s.sendall(out)
        raw = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            raw += chunk
    finally:
        s.close()
    stdout = b""
    pos = 0
    while pos + 8 <= len(raw):
        _, kind, _, clen, plen, _ = struct.unpack(">BBHHBB", raw[pos:pos + 8])
        content = raw[pos + 8:pos + 8 + clen]
        pos += 8 + clen + plen
        if kind == 6:
            stdout += content
        elif kind == 3:
            break
    head, _, payload = stdout.partition(b"\r\n\r\n")
    status = 200
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            status = int(line.split()[1])
    return status, (json.loads(payload) if payload.strip() else None)


def org():
    return "org-" + uuid.uuid4().hex[:12]


class FanOutCase(ServerCase):
    """2 FastCGI processes, each reached directly."""
    procs = 2
    config = {"event_types": "billing.invoice.paid"}

    def setUp(self):
        self.socks = [os.path.join(self.srv.tmp, "hookd.sock-%d" % i)
                      for i in range(self.procs)]
        for p in self.socks:
            self.assertTrue(os.path.exists(p), p)

    def call(self, proc, method, uri, body=None):
        return fcgi_request(self.socks[proc % self.procs], method, uri, body,
                            self.srv.admin_token)

    def ok(self, proc, method, uri, body=None, want=(200, 201, 202, 204)):
        st, out = self.call(proc, method, uri, body)
        self.assertIn(st, want, (method, uri, out))
        return out

    def app(self, proc, org_id):
        return self.ok(proc, "POST", "/v1/apps", {"org_id": org_id, "name": "a"})["id"]

    def hook(self, proc, app, events=("*",), **fields):
        body = {"url": HOOK, "events": list(events)}
        body.update(fields)
        return self.ok(proc, "POST", "/v1/apps/%s/webhooks" % app, body)["id"]

    def event(self, proc, org_id, apps, type_="user.signin", **fields):
        """Post an event on proc; the sorted webhook ids it went to (read
        back from the deliveries of apps), checked against its count."""
        body = {"type": type_, "org_id": org_id, "data": {}}
        body.update(fields)
        out = self.ok(proc, "POST", "/v1/events", body, want=(202,))
        got = []
        for a in apps:
            lst = self.ok(proc + 1, "GET", "/v1/apps/%s/deliveries?limit=250" % a)
            got += [d["webhook_id"] for d in lst["data"] if d["event_id"] == out["id"]]
        self.assertEqual(out["deliveries"], len(got))
        return sorted(got)

    def both(self, org_id, apps, want, **kw):
        """An event on each process (the other one first) goes to want."""
        for proc in (1, 0):
            self.assertEqual(self.event(proc, org_id, apps, **kw), sorted(want))


class FanOutCacheTests(FanOutCase):
    """One change on one process, the next event on the other."""

    def test_webhook_created_on_one_process_gets_the_next_event_on_every_process(self):
        o = org()
        a = self.app(0, o)
        want = [self.hook(0, a)]
        self.both(o, [a], want)         # both processes have the org cached
        for i in range(ROUNDS):
            want.append(self.hook(i, a))
            self.assertEqual(self.event(i + 1, o, [a]), sorted(want), i)
            self.assertEqual(self.event(i, o, [a]), sorted(want), i)

    def test_webhook_disabled_or_enabled_on_one_process_is_seen_by_the_next_event(self):
        o = org()
        a = self.app(0, o)
        keep = self.hook(0, a)
        flip = self.hook(0, a)
        self.both(o, [a], [keep, flip])
        for i in range(ROUNDS):
            on = i % 2 == 1
            self.ok(i, "PATCH", "/v1/apps/%s/webhooks/%s" % (a, flip), {"enabled": on})
            want = [keep, flip] if on else [keep]
            self.assertEqual(self.event(i + 1, o, [a]), sorted(want), i)

    def test_webhook_deleted_on_one_process_gets_no_more_events(self):
        o = org()
        a = self.app(0, o)
        keep = self.hook(0, a)
        self.both(o, [a], [keep])
        for i in range(ROUNDS):
            h = self.hook(i, a)
            self.assertEqual(self.event(i + 1, o, [a]), sorted([keep, h]), i)
            self.ok(i, "DELETE", "/v1/apps/%s/webhooks/%s" % (a, h))
            self.assertEqual(self.event(i + 1, o, [a]), [keep], i)

    def test_webhook_filter_changed_on_one_process_is_matched_by_the_next_event(self):
        o = org()
        a = self.app(0, o)
        keep = self.hook(0, a)
        h = self.hook(0, a, ["user.signin"])
        self.both(o, [a], [keep, h])
        for i in range(ROUNDS):
            match = i % 2 == 1
            events = ["user.*"] if match else ["billing.*"]
            self.ok(i, "PATCH", "/v1/apps/%s/webhooks/%s" % (a, h), {"events": events})
            want = [keep, h] if match else [keep]
            self.assertEqual(self.event(i + 1, o, [a]), sorted(want), i)

    def test_app_deleted_on_one_process_gets_no_more_events(self):
        o = org()
        keep_app = self.app(0, o)
        keep = self.hook(0, keep_app)
        self.both(o, [keep_app], [keep])
        for i in range(ROUNDS // 2):
            a = self.app(i, o)
            h = self.hook(i, a)
            self.assertEqual(self.event(i + 1, o, [keep_app, a]), sorted([keep, h]), i)
            self.ok(i, "DELETE", "/v1/apps/%s" % a)
            self.assertEqual(self.event(i + 1, o, [keep_app]), [keep], i)
            st, out = self.call(i + 1, "POST", "/v1/events",
                                {"type": "user.signin", "org_id": o, "data": {}, "app_id": a})
            self.assertEqual(st, 422, out)

    def test_app_scoped_event_reaches_only_that_app_from_the_cache(self):
        o = org()
        a1, a2 = self.app(0, o), self.app(0, o)
        h1, h2 = self.hook(0, a1), self.hook(0, a2)
        for i in range(4):          # cached after the first on each process
            self.assertEqual(self.event(i, o, [a1, a2], app_id=a1), [h1])
            self.assertEqual(self.event(i, o, [a1, a2], app_id=a2), [h2])
            self.assertEqual(self.event(i, o, [a1, a2]), sorted([h1, h2]))

    def test_an_orgs_cached_fan_out_never_serves_another_org(self):
        # Org ids that share a prefix and differ in one byte, each cached
        # on both processes, then changed on one process only.
        base = org()
        orgs = [base, base + "x", base[:-1] + "Z"]
        apps = {o: self.app(0, o) for o in orgs}
        hooks = {o: [self.hook(0, apps[o])] for o in orgs}
        for o in orgs:
            self.both(o, [apps[o]], hooks[o])
        for i in range(ROUNDS // 5):
            o = orgs[i % len(orgs)]
            hooks[o].append(self.hook(i, apps[o]))
            for p in orgs:
                self.assertEqual(self.event(i + 1, p, [apps[p]]), sorted(hooks[p]), (i, p))
                self.assertEqual(self.event(i, p, [apps[p]]), sorted(hooks[p]), (i, p))
        # Another org's app is no app of this org, cached or not.
        st, out = self.call(1, "POST", "/v1/events",
                            {"type": "user.signin", "org_id": orgs[0], "data": {},
                             "app_id": apps[orgs[1]]})
        self.assertEqual(st, 422, out)


class FanOutCacheRaceTests(FanOutCase):
    """Writes racing events on both processes."""

    def test_disable_racing_events_leaves_no_pending_delivery_for_the_webhook(self):
        # Disabling fails the webhook's pending deliveries in its own
        # transaction; an event that raced it either committed first (its
        # delivery was failed with the rest) or read the new generation
        # (no delivery).  So right after each disable answers, the webhook
        # has no pending delivery, whatever the events in flight did.
        import threading
        o = org()
        a = self.app(0, o)
        keep = self.hook(0, a)
        w = self.hook(0, a)
        self.both(o, [a], [keep, w])
        stop = threading.Event()
        errors = []

        def post(proc):
            n = 0
            while not stop.is_set():
                st, out = self.call(proc + n, "POST", "/v1/events",
                                    {"type": "user.signin", "org_id": o, "data": {}})
                n += 1
                if st != 202:
                    errors.append((st, out))
                    return

        threads = [threading.Thread(target=post, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        try:
            for i in range(ROUNDS):
                uri = "/v1/apps/%s/webhooks/%s" % (a, w)
                self.ok(i, "PATCH", uri, {"enabled": True})
                self.ok(i + 1, "PATCH", uri, {"enabled": False})
                lst = self.ok(i, "GET", "/v1/apps/%s/deliveries?webhook=%s&status=pending"
                              "&limit=250" % (a, w))
                self.assertEqual(lst["data"], [], i)
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertEqual(errors, [])
