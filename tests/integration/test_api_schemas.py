"""Event types and schemas through the real API (lighttpd + hookd.fcgi) and
the real sender: the catalog answers schema and example, intake validates
data against its type's schema (validate_events), event_schemas_dir adds
and replaces types, and a bad schema file stops both programs at start."""

import copy
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import ServerCase, Server, builtin_schema
from receiver import Receiver

BUILTIN = ["user.app.consent.update", "user.app.consent.delete",
           "user.experiment.consent.revoked", "user.experiment.consent.updated",
           "user.agreement.consent.created", "user.agreement.consent.deleted",
           "user.ekyc.verified", "user.ekyc.revoked", "user.profile.update",
           "user.signin", "webhook.test",
           "hookd.webhook.disabled", "hookd.webhook.enabled",
           "hookd.delivery.failing", "hookd.delivery.exhausted",
           "hookd.delivery.recovered"]
# What POST /v1/events takes: webhook.test only comes from the test
# endpoint, hookd.* only from hookd itself.
POSTABLE = [t for t in BUILTIN
            if t != "webhook.test" and not t.startswith("hookd.")]


def mutated(type_, how):
    """The built-in example of type_ changed by how(data)."""
    data = copy.deepcopy(builtin_schema(type_)["example"])
    how(data)
    return data


class TestCatalogAndValidation(ServerCase):
    config = {"validate_events": "yes"}

    def post(self, type_, data):
        return self.req("POST", "/v1/events",
                        {"type": type_, "org_id": "org-schemas", "data": data})

    def assert422(self, result, pointer, keyword):
        self.assertError(result, 422, "invalid_field")
        msg = result[2]["error"]["message"]
        self.assertTrue(msg.startswith('data: at "%s": %s: ' % (pointer, keyword)), msg)

    def test_event_types_list_schema_and_example_of_every_type(self):
        st, _, body = self.req("GET", "/v1/event-types", token=None)
        self.assertEqual(st, 200, body)
        self.assertEqual([t["type"] for t in body["data"]], BUILTIN)
        for t in body["data"]:
            doc = builtin_schema(t["type"])
            self.assertEqual(sorted(t.keys()), ["description", "example", "schema", "type"])
            self.assertEqual(t["schema"], doc["schema"])
            self.assertEqual(t["example"], doc["example"])
            self.assertEqual(t["description"], doc["description"])

    def test_event_type_by_name_and_404_for_unknown(self):
        st, _, body = self.req("GET", "/v1/event-types/user.ekyc.verified", token=None)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["type"], "user.ekyc.verified")
        self.assertEqual(body["schema"]["required"], ["status", "level"])
        self.assertError(self.req("GET", "/v1/event-types/user.nope", token=None),
                         404, "not_found")

    def test_every_builtin_example_is_accepted(self):
        for t in POSTABLE:
            st, _, body = self.post(t, builtin_schema(t)["example"])
            self.assertEqual(st, 202, (t, body))

    def test_missing_required_field_is_422_naming_pointer_and_keyword(self):
        for t in POSTABLE:
            req = builtin_schema(t)["schema"]["required"]
            data = mutated(t, lambda d: d.pop(req[0]))
            r = self.post(t, data)
            self.assert422(r, "", "required")
            self.assertIn('"%s" is missing' % req[0], r[2]["error"]["message"])

    def test_wrong_enum_value_is_422(self):
        self.assert422(self.post("user.signin", mutated(
            "user.signin", lambda d: d.update(method="telepathy"))), "/method", "enum")
        self.assert422(self.post("user.agreement.consent.created", mutated(
            "user.agreement.consent.created",
            lambda d: d["agreements"][1].update(kind="poem"))),
            "/agreements/1/kind", "enum")
        self.assert422(self.post("user.ekyc.verified", mutated(
            "user.ekyc.verified", lambda d: d.update(status="pending"))), "/status", "const")

    def test_wrong_type_is_422(self):
        self.assert422(self.post("user.ekyc.verified", mutated(
            "user.ekyc.verified", lambda d: d.update(level="2"))), "/level", "type")
        self.assert422(self.post("user.app.consent.update", mutated(
            "user.app.consent.update", lambda d: d.update(granted="location.read"))),
            "/granted", "type")
        self.assert422(self.post("user.app.consent.update", mutated(
            "user.app.consent.update", lambda d: d["scopes"].append("Not A Scope"))),
            "/scopes/2", "pattern")
        self.assert422(self.post("user.profile.update", mutated(
            "user.profile.update", lambda d: d["changed"].append("avatar"))),
            "/changed", "uniqueItems")

    def test_integer_written_as_1_0_and_extra_fields_are_accepted(self):
        raw = ('{"type":"user.ekyc.verified","org_id":"o","data":'
               '{"status":"verified","level":2.0,"provider_ref":"x"}}')
        st, _, body = self.req("POST", "/v1/events", raw.encode())
        self.assertEqual(st, 202, body)
        self.assert422(self.post("user.ekyc.verified", mutated(
            "user.ekyc.verified", lambda d: d.update(level=2.5))), "/level", "type")
        self.assert422(self.post("user.ekyc.verified", mutated(
            "user.ekyc.verified", lambda d: d.update(level=4))), "/level", "maximum")

    def test_stored_event_is_the_data_as_sent(self):
        data = builtin_schema("user.signin")["example"]
        st, _, ev = self.post("user.signin", data)
        self.assertEqual(st, 202, ev)


class TestValidationOff(ServerCase):
    config = {"validate_events": "no"}

    def test_invalid_data_is_accepted_when_validation_is_off(self):
        for data in ({}, {"method": "telepathy"}, {"level": "x"}):
            st, _, body = self.req("POST", "/v1/events",
                                   {"type": "user.signin", "org_id": "o", "data": data})
            self.assertEqual(st, 202, body)
        # the catalog still publishes the schemas
        st, _, body = self.req("GET", "/v1/event-types/user.signin", token=None)
        self.assertEqual((st, body["schema"]["required"]), (200, ["method"]))


INVOICE = {
    "description": "An invoice was paid.",
    "schema": {
        "type": "object", "required": ["invoice_id", "amount", "currency"],
        "properties": {
            "invoice_id": {"type": "string", "pattern": "^inv_[0-9]+$",
                           "description": "The invoice."},
            "amount": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.01,
                       "description": "The amount paid."},
            "currency": {"enum": ["EUR", "USD"], "description": "ISO 4217 code."},
        },
        "additionalProperties": False,
    },
    "example": {"invoice_id": "inv_42", "amount": 19.99, "currency": "EUR"},
}
SIGNIN_REPLACED = {
    "description": "A sign-in, with this installation's own fields.",
    "schema": {"type": "object", "required": ["region"],
               "properties": {"region": {"type": "string", "minLength": 2}}},
    "example": {"region": "eu"},
}


class TestEventSchemasDir(unittest.TestCase):
    """A custom type from event_schemas_dir: listed, validated, subscribed
    to and delivered; a file named like a built-in type replaces it."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hookd-schemas-")
        for name, doc in (("billing.invoice.paid", INVOICE), ("user.signin", SIGNIN_REPLACED)):
            with open(os.path.join(cls.dir, name + ".json"), "w") as f:
                json.dump(doc, f)
        with open(os.path.join(cls.dir, "README"), "w") as f:
            f.write("not a schema: ignored (not *.json)\n")
        cls.rx = Receiver()
        cls.srv = Server(config={"validate_events": "yes", "event_schemas_dir": cls.dir,
                                 "retry_schedule": "0,100ms"})
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.rx.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_custom_type_is_listed_subscribed_validated_and_delivered(self):
        srv = self.srv
        st, _, body = srv.request("GET", "/v1/event-types", token=None)
        types = [t["type"] for t in body["data"]]
        self.assertEqual(types[-1], "billing.invoice.paid")
        self.assertEqual(len(types), len(BUILTIN) + 1)
        app = srv.create_app("org-billing")
        srv.create_webhook(app, self.rx.url("/billing"), events=["billing.invoice.paid"])
        st, _, bad = srv.post_event("billing.invoice.paid", "org-billing",
                                    {"invoice_id": "inv_1", "amount": 0.015, "currency": "EUR"})
        self.assertEqual(st, 422, bad)
        self.assertTrue(bad["error"]["message"].startswith('data: at "/amount": multipleOf: '), bad)
        st, _, bad = srv.post_event("billing.invoice.paid", "org-billing",
                                    dict(INVOICE["example"], note="x"))
        self.assertTrue(bad["error"]["message"].startswith(
            'data: at "/note": additionalProperties: '), bad)
        st, _, ev = srv.post_event("billing.invoice.paid", "org-billing", INVOICE["example"])
        self.assertEqual((st, ev["deliveries"]), (202, 1), ev)
        r = srv.run_sender("--once")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = self.rx.wait(1, path="/billing")
        body = json.loads(got[0]["body"])
        self.assertEqual((body["type"], body["data"]), ("billing.invoice.paid", INVOICE["example"]))
        with open(os.path.join(srv.status_dir, "catalog.html")) as f:
            page = f.read()
        self.assertIn("billing.invoice.paid", page)
        self.assertIn("An invoice was paid.", page)

    def test_a_file_replaces_a_builtin_type(self):
        srv = self.srv
        st, _, t = srv.request("GET", "/v1/event-types/user.signin", token=None)
        self.assertEqual((st, t["description"]), (200, SIGNIN_REPLACED["description"]))
        st, _, body = srv.post_event("user.signin", "o", {"method": "password"})
        self.assertEqual(st, 422, body)
        self.assertIn('"region" is missing', body["error"]["message"])
        st, _, body = srv.post_event("user.signin", "o", {"region": "eu"})
        self.assertEqual(st, 202, body)


# (file name, content, what the message must name)
BAD_FILES = [
    ("a.b.json", "{not json", ["a.b.json", "not JSON"]),
    ("a.b.json", json.dumps({"description": "d", "schema": {"type": "object",
                  "properties": {"n": {"minimun": 1}}}, "example": {}}),
     ["a.b.json", '"#/properties/n"', "minimun", "unknown keyword"]),
    ("a.b.json", json.dumps({"description": "d", "schema": {"properties": {
                  "n": {"type": "integer", "maxLength": -1}}}, "example": {}}),
     ["a.b.json", '"#/properties/n"', "maxLength"]),
    ("a.b.json", json.dumps({"description": "d", "schema": {"pattern": "("}, "example": {}}),
     ["a.b.json", '"#"', "pattern"]),
    ("a.b.json", json.dumps({"description": "d", "schema": {"properties": {
                  "n": {"type": "integer"}}}, "example": {"n": "1"}}),
     ["a.b.json", "example", '"/n"', "type"]),
    ("a.b.json", json.dumps({"description": "d", "schema": {"$ref": "#/$defs/x"},
                  "example": {}}), ["a.b.json", "$ref"]),
    ("a.b.json", json.dumps({"schema": {}, "example": {}}), ["a.b.json", "description"]),
    ("a.b.json", json.dumps({"description": "d", "schema": {}, "example": {},
                  "extra": 1}), ["a.b.json", "extra"]),
    ("Bad-Name.json", json.dumps({"description": "d", "schema": {}, "example": {}}),
     ["Bad-Name.json", "TYPE.json"]),
]


class TestBadSchemaFilesAreRefusedAtStart(unittest.TestCase):
    """hookd-send exits 2 naming the file, pointer and keyword; hookd.fcgi
    (run here as plain CGI, its other mode) logs the same and answers 503."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hookd-badschema-")
        self.dir = os.path.join(self.tmp, "schemas")
        os.mkdir(self.dir)
        self.conf = os.path.join(self.tmp, "hookd.conf")
        with open(self.conf, "w") as f:
            f.write("data_dir = %s/data\nstatus_dir = %s/www\nadmin_token = %s\n"
                    "event_schemas_dir = %s\n" % (self.tmp, self.tmp,
                                                  harness.ADMIN_TOKEN, self.dir))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_each_bad_file_stops_the_sender_and_the_api(self):
        for name, text, want in BAD_FILES:
            with self.subTest(file=name, want=want):
                for f in os.listdir(self.dir):
                    os.unlink(os.path.join(self.dir, f))
                with open(os.path.join(self.dir, name), "w") as f:
                    f.write(text)
                r = subprocess.run([harness.SEND, "-c", self.conf, "--status-only"],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(os.path.join(self.dir, name), r.stderr)
                for w in want:
                    self.assertIn(w, r.stderr)
                env = dict(os.environ, HOOKD_CONF=self.conf, REQUEST_METHOD="GET",
                           REQUEST_URI="/v1/event-types", GATEWAY_INTERFACE="CGI/1.1")
                c = subprocess.run([harness.FCGI], capture_output=True, text=True,
                                   timeout=30, env=env, stdin=subprocess.DEVNULL)
                self.assertTrue(c.stdout.startswith("Status: 503"), c.stdout)
                self.assertIn("catalog_unavailable", c.stdout)
                self.assertIn(os.path.join(self.dir, name), c.stderr)
        # and a good file: both start
        for f in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, f))
        with open(os.path.join(self.dir, "billing.invoice.paid.json"), "w") as f:
            json.dump(INVOICE, f)
        r = subprocess.run([harness.SEND, "-c", self.conf, "--status-only"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
