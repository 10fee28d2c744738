"""hookd-send's address policy at connect time (SSRF): a webhook registered
by name (the API accepts it) that resolves to a refused address is never
reached, and the attempt says why; allow_targets opens a range."""

import unittest

from test_send import SendCase


class TestSendRefusesPrivateTargets(SendCase):
    CONFIG = dict(SendCase.CONFIG, allow_private_targets="no")

    def test_name_resolving_to_loopback_is_refused_at_connect(self):
        app = self.app()
        # localhost: a name, not a literal, so registration accepts it
        wh = self.webhook(app, self.rx.name_url("/ssrf"))
        self.event(app)
        self.send_once()
        self.assertEqual(self.rx.got("/ssrf"), [])
        d = self.only_delivery(app, wh)
        self.assertEqual(len(d["attempts"]), 3)
        self.assertEqual({a["error"] for a in d["attempts"]},
                         {"address_refused"})
        self.assertEqual(d["status"], "failed")

    def test_allow_targets_lets_loopback_through(self):
        app = self.app()
        wh = self.webhook(app, self.rx.name_url("/allowed"))
        self.event(app)
        self.srv.write_config(allow_targets="127.0.0.0/8")
        try:
            self.send_once()
        finally:
            self.srv.write_config(allow_targets=None)
        got = self.rx.got("/allowed")
        self.assertEqual(len(got), 1)
        self.assertEqual(self.only_delivery(app, wh)["status"], "delivered")

    def test_literal_url_stored_before_config_change_is_refused(self):
        # registered while 127.0.0.0/8 was allowed, sent after it is not
        app = self.app()
        self.srv.write_config(allow_targets="127.0.0.0/8")
        self.srv.restart()
        try:
            wh = self.webhook(app, self.rx.url("/later-refused"))
        finally:
            self.srv.write_config(allow_targets=None)
            self.srv.restart()
        self.event(app)
        self.send_once()
        self.assertEqual(self.rx.got("/later-refused"), [])
        d = self.only_delivery(app, wh)
        self.assertEqual(d["attempts"][0]["error"], "address_refused")

    def test_literal_loopback_url_is_rejected_at_registration(self):
        app = self.app()
        st, _, body = self.srv.request(
            "POST", "/v1/apps/%s/webhooks" % app["id"],
            {"url": self.rx.url("/literal"), "events": ["*"]})
        self.assertEqual(st, 422, body)


class TestSendRequireHttps(SendCase):
    CONFIG = dict(SendCase.CONFIG)

    def test_http_url_stored_before_require_https_is_refused(self):
        app = self.app()
        wh = self.webhook(app, self.rx.url("/plain"))
        self.event(app)
        self.srv.write_config(require_https="yes")
        try:
            self.send_once()
        finally:
            self.srv.write_config(require_https=None)
        self.assertEqual(self.rx.got("/plain"), [])
        d = self.only_delivery(app, wh)
        self.assertEqual(d["attempts"][0]["error"], "url_refused")


if __name__ == "__main__":
    unittest.main()
