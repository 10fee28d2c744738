"""A webhook secret given by the client, on create and on rotate alike
(both go through one parser in cgi/whsecret.c): a bad one is 422 naming
"secret" and changes nothing; a good one is used as given."""

import base64

from harness import ServerCase

HOOK = "http://127.0.0.1:9/hook"
GOOD = "whsec_" + base64.b64encode(b"g" * 32).decode()
BAD = [
    "nope",                                                  # no prefix
    "whsec_" + base64.b64encode(b"k" * 8).decode(),          # 8 bytes: too short
    "whsec_" + base64.b64encode(b"k" * 65).decode(),         # 65 bytes: too long
    "whsec_!!!!",                                            # not base64
    5,                                                       # not a string
]


class SecretArgTests(ServerCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.app = cls.srv.create_app("org-secret-args", "secret-args")
        cls.apath = "/v1/apps/" + cls.app["id"]

    def test_rotate_with_a_bad_secret_is_422_and_keeps_the_old_one(self):
        wh = self.srv.create_webhook(self.app, HOOK)
        base = self.apath + "/webhooks/" + wh["id"] + "/secret"
        for bad in BAD:
            with self.subTest(secret=bad):
                self.assertError(self.req("POST", base + "/rotate", {"secret": bad}),
                                 422, "invalid_field", "secret")
                st, _, body = self.req("GET", base)
                self.assertEqual(st, 200, body)
                self.assertEqual(body["secret"], wh["secret"])

    def test_rotate_with_a_good_secret_uses_it(self):
        wh = self.srv.create_webhook(self.app, HOOK)
        base = self.apath + "/webhooks/" + wh["id"] + "/secret"
        st, _, body = self.req("POST", base + "/rotate", {"secret": GOOD})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["secret"], GOOD)
        self.assertEqual(self.req("GET", base)[2]["secret"], GOOD)

    def test_create_with_a_bad_secret_is_422_and_creates_nothing(self):
        before = len(self.req("GET", self.apath + "/webhooks")[2]["data"])
        for bad in BAD:
            with self.subTest(secret=bad):
                self.assertError(self.req("POST", self.apath + "/webhooks",
                                          {"url": HOOK, "events": ["*"], "secret": bad}),
                                 422, "invalid_field", "secret")
        self.assertEqual(len(self.req("GET", self.apath + "/webhooks")[2]["data"]), before)

    def test_create_with_a_good_secret_uses_it_and_without_one_makes_one(self):
        st, _, body = self.req("POST", self.apath + "/webhooks",
                               {"url": HOOK, "events": ["*"], "secret": GOOD})
        self.assertEqual(st, 201, body)
        self.assertEqual(body["secret"], GOOD)
        st, _, body = self.req("POST", self.apath + "/webhooks", {"url": HOOK, "events": ["*"]})
        self.assertEqual(st, 201, body)
        self.assertTrue(body["secret"].startswith("whsec_"), body)
        self.assertNotEqual(body["secret"], GOOD)
        self.assertGreaterEqual(len(base64.b64decode(body["secret"][6:])), 24)
