/*
 * test_api.c - cgi/ without a web server: api_handle() over a real store in
 * a temp dir, plus the router, query, JSON input and output helpers.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cgi/api.h"
#include "cgi/call.h"
#include "cgi/jin.h"
#include "cgi/jout.h"
#include "cgi/query.h"
#include "cgi/response.h"
#include "cgi/router.h"
#include "lib/config.h"

#define TOKEN "unit-admin-token"

static char tmpdir[64];
static struct config cfg;
static struct api_ctx ctx;
static struct api_response resp;

static void
setup(void)
{
	char text[512], err[256];
	int n;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hookd-api-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	n = snprintf(text, sizeof(text),
	    "data_dir = %s\nadmin_token = " TOKEN "\nallow_private_targets = yes\n"
	    "durability = nosync\nmax_event_bytes = 4K\n", tmpdir);
	ck_assert_int_eq(config_parse(&cfg, "unit.conf", text, (size_t)n, err,
	    sizeof(err)), 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = &cfg;
	response_init(&resp);
}

static void
teardown(void)
{
	char cmd[128];

	response_free(&resp);
	if (ctx.store != NULL)
		store_close(ctx.store);
	ctx.store = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* One request as the admin (token NULL: none); returns the status. */
static int
call(const char *method, const char *path, const char *query,
    const char *token, const char *ctype, const char *body)
{
	struct api_request req;
	char auth[128];

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = query;
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		req.authorization = auth;
	}
	req.content_type = ctype;
	req.body = body != NULL ? body : "";
	req.body_len = body != NULL ? strlen(body) : 0;
	api_handle(&ctx, &req, &resp);
	return resp.status;
}

/* The string at key of the last answer (or of its "error"), copied. */
static const char *
answer(const char *key)
{
	static char out[512];
	struct json_object *o, *v = NULL, *e;

	o = json_tokener_parse(resp.body.data);
	ck_assert_ptr_nonnull(o);
	if (json_object_object_get_ex(o, "error", &e))
		json_object_object_get_ex(e, key, &v);
	else
		json_object_object_get_ex(o, key, &v);
	snprintf(out, sizeof(out), "%s", v ? json_object_get_string(v) : "");
	json_object_put(o);
	return out;
}

/* Create an app of org named name; its id into id (80 bytes). */
static void
new_app(const char *org, const char *name, char *id)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"name\":\"%s\"}",
	    org, name);
	ck_assert_int_eq(call("POST", "/v1/apps", NULL, TOKEN,
	    "application/json", body), 201);
	snprintf(id, 80, "%s", answer("id"));
}

START_TEST(test_api_routes_unknown_path_404_and_wrong_method_405)
{
	ck_assert_int_eq(call("GET", "/v1/nope", NULL, TOKEN, NULL, NULL), 404);
	ck_assert_str_eq(answer("code"), "not_found");
	ck_assert_int_eq(call("PUT", "/v1/apps", NULL, TOKEN, NULL, NULL), 405);
	ck_assert_str_eq(resp.allow, "POST, GET");
	ck_assert_int_eq(call("GET", "/prefix/x/v1/event-types", NULL, NULL,
	    NULL, NULL), 200);
}
END_TEST

START_TEST(test_api_auth_401_403)
{
	ck_assert_int_eq(call("GET", "/v1/apps", NULL, NULL, NULL, NULL), 401);
	ck_assert_int_eq(resp.www_authenticate, 1);
	ck_assert_int_eq(call("GET", "/v1/apps", NULL, TOKEN "x", NULL, NULL),
	    401);
	ck_assert_int_eq(call("GET", "/v1/apps", NULL, "hk_abc", NULL, NULL),
	    401);
	ck_assert_int_eq(call("POST", "/v1/apps", NULL, TOKEN,
	    "application/json", "{\"org_id\":\"o\",\"name\":\"n\"}"), 201);
	ck_assert_int_eq(call("GET", "/v1/apps", NULL, answer("api_key"), NULL,
	    NULL), 403);
}
END_TEST

START_TEST(test_api_body_checks_413_415_400_422)
{
	struct api_request req;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/v1/apps";
	req.authorization = "Bearer " TOKEN;
	req.body = "";
	req.body_too_large = 1;
	api_handle(&ctx, &req, &resp);
	ck_assert_int_eq(resp.status, 413);
	ck_assert_int_eq(call("POST", "/v1/apps", NULL, TOKEN, "text/plain",
	    "{}"), 415);
	ck_assert_int_eq(call("POST", "/v1/apps", NULL, TOKEN,
	    "application/json", "{} {}"), 400);
	ck_assert_int_eq(call("POST", "/v1/apps", NULL, TOKEN,
	    "application/json", "{\"org_id\":\"o\"}"), 422);
	ck_assert_ptr_nonnull(strstr(answer("message"), "name"));
}
END_TEST

START_TEST(test_api_intake_idempotent_and_event_cap)
{
	ck_assert_int_eq(call("POST", "/v1/events", NULL, TOKEN,
	    "application/json", "{\"id\":\"k1\",\"type\":\"user.signin\","
	    "\"org_id\":\"o\",\"data\":{\"method\":\"otp\"}}"), 202);
	ck_assert_int_eq(call("POST", "/v1/events", NULL, TOKEN,
	    "application/json", "{\"id\":\"k1\",\"type\":\"user.signin\","
	    "\"org_id\":\"o\",\"data\":{\"method\":\"sso\"}}"), 200);
	ck_assert_str_eq(answer("id"), "k1");
	/* max_event_bytes = 4K: the cap the reader applies */
	ck_assert_uint_eq(api_body_cap(&ctx, "POST", "/v1/events"), 4096);
	ck_assert_uint_eq(api_body_cap(&ctx, "POST", "/v1/apps"), 65536);
}
END_TEST

/*
 * The test endpoint stores through intake with one target: that webhook
 * even when its filter does not match, never the app's other webhooks;
 * 409 when it is disabled, 404 when it is another app's.
 */
START_TEST(test_api_test_endpoint_delivers_to_its_webhook_only)
{
	char app[80], other[80], wh[80], all[80], path[256], q[128];
	const char *ct = "application/json";

	new_app("o", "a", app);
	new_app("o", "b", other);
	snprintf(path, sizeof(path), "/v1/apps/%s/webhooks", app);
	ck_assert_int_eq(call("POST", path, NULL, TOKEN, ct,
	    "{\"url\":\"http://127.0.0.1:9/a\",\"events\":"
	    "[\"user.ekyc.verified\"]}"), 201);
	snprintf(wh, sizeof(wh), "%s", answer("id"));
	ck_assert_int_eq(call("POST", path, NULL, TOKEN, ct,
	    "{\"url\":\"http://127.0.0.1:9/b\",\"events\":[\"*\"]}"), 201);
	snprintf(all, sizeof(all), "%s", answer("id"));

	snprintf(path, sizeof(path), "/v1/apps/%s/webhooks/%s/test", app, wh);
	ck_assert_int_eq(call("POST", path, NULL, TOKEN, NULL, NULL), 202);
	ck_assert_str_eq(answer("deliveries"), "1");
	ck_assert_int_eq(strncmp(answer("delivery_id"), "dlv_", 4), 0);
	snprintf(path, sizeof(path), "/v1/apps/%s/deliveries", app);
	snprintf(q, sizeof(q), "webhook=%s", all);
	ck_assert_int_eq(call("GET", path, q, TOKEN, NULL, NULL), 200);
	ck_assert_ptr_nonnull(strstr(resp.body.data, "\"data\":[]"));
	snprintf(q, sizeof(q), "webhook=%s", wh);
	ck_assert_int_eq(call("GET", path, q, TOKEN, NULL, NULL), 200);
	ck_assert_ptr_nonnull(strstr(resp.body.data, "webhook.test"));

	snprintf(path, sizeof(path), "/v1/apps/%s/webhooks/%s/test", other,
	    wh);
	ck_assert_int_eq(call("POST", path, NULL, TOKEN, NULL, NULL), 404);
	snprintf(path, sizeof(path), "/v1/apps/%s/webhooks/%s", app, wh);
	ck_assert_int_eq(call("PATCH", path, NULL, TOKEN, ct,
	    "{\"enabled\":false}"), 200);
	snprintf(path, sizeof(path), "/v1/apps/%s/webhooks/%s/test", app, wh);
	ck_assert_int_eq(call("POST", path, NULL, TOKEN, NULL, NULL), 409);
	ck_assert_str_eq(answer("code"), "webhook_disabled");
}
END_TEST

/*
 * A batch: each event answered at its index in order, a repeated id 200
 * inside the batch, an app of another org refused inside the one
 * transaction without stopping the others (nothing of it stored).
 */
START_TEST(test_api_batch_results_in_order_dup_and_refusal_inside_the_txn)
{
	char app[80], other[80], path[256], body[1024], want[1024];
	const char *ct = "application/json";

	new_app("o", "a", app);
	new_app("o2", "b", other);
	snprintf(path, sizeof(path), "/v1/apps/%s/webhooks", app);
	ck_assert_int_eq(call("POST", path, NULL, TOKEN, ct,
	    "{\"url\":\"http://127.0.0.1:9/a\",\"events\":[\"*\"]}"), 201);

	snprintf(body, sizeof(body), "{\"events\":["
	    "{\"id\":\"b1\",\"type\":\"user.signin\",\"org_id\":\"o\","
	    "\"data\":{\"method\":\"sso\"}},"
	    "{\"id\":\"b2\",\"type\":\"user.signin\",\"org_id\":\"o\","
	    "\"app_id\":\"%s\",\"data\":{\"method\":\"sso\"}},"
	    "{\"id\":\"b1\",\"type\":\"user.signin\",\"org_id\":\"o\","
	    "\"data\":{\"method\":\"otp\"}},"
	    "{\"id\":\"b3\",\"type\":\"user.signin\",\"org_id\":\"o\","
	    "\"data\":{\"method\":\"sso\"}}]}", other);
	ck_assert_int_eq(call("POST", "/v1/events/batch", NULL, TOKEN, ct,
	    body), 200);
	snprintf(want, sizeof(want), "{\"data\":["
	    "{\"id\":\"b1\",\"status\":202,\"deliveries\":1},"
	    "{\"index\":1,\"status\":422,\"error\":{\"code\":"
	    "\"invalid_field\",\"message\":\"app_id: no such app in "
	    "org_id\"}},"
	    "{\"id\":\"b1\",\"status\":200,\"deliveries\":1},"
	    "{\"id\":\"b3\",\"status\":202,\"deliveries\":1}]}");
	ck_assert_str_eq(resp.body.data, want);
	/* b2 was not stored: posted now without the app, it is new */
	ck_assert_int_eq(call("POST", "/v1/events", NULL, TOKEN, ct,
	    "{\"id\":\"b2\",\"type\":\"user.signin\",\"org_id\":\"o\","
	    "\"data\":{\"method\":\"sso\"}}"), 202);
	ck_assert_int_eq(call("POST", "/v1/events", NULL, TOKEN, ct,
	    "{\"id\":\"b3\",\"type\":\"user.signin\",\"org_id\":\"o\","
	    "\"data\":{\"method\":\"sso\"}}"), 200);
	ck_assert_uint_eq(api_body_cap(&ctx, "POST", "/v1/events/batch"),
	    4 * 1024 * 1024);
}
END_TEST

START_TEST(test_api_unusable_store_is_503_then_recovers)
{
	FILE *f;

	/* data_dir is a file: store_open fails. */
	ck_assert_int_eq(rmdir(tmpdir), 0);
	f = fopen(tmpdir, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(call("GET", "/v1/health", NULL, NULL, NULL, NULL), 503);
	ck_assert_str_eq(answer("code"), "storage_unavailable");
	ck_assert_int_eq(call("GET", "/v1/event-types", NULL, NULL, NULL,
	    NULL), 200);
	ck_assert_int_eq(unlink(tmpdir), 0);
	ck_assert_int_eq(mkdir(tmpdir, 0700), 0);
	ck_assert_int_eq(call("GET", "/v1/health", NULL, NULL, NULL, NULL), 200);
}
END_TEST

START_TEST(test_router_params_and_allow)
{
	char param[CALL_PARAMS][STORE_ID_MAX + 1], allow[64];
	const struct router_route *r;

	r = router_match("GET", "/x/v1/apps/app_1/webhooks/wh_2/secret", param,
	    allow, sizeof(allow));
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(param[0], "app_1");
	ck_assert_str_eq(param[1], "wh_2");
	ck_assert_str_eq(allow, "");
	ck_assert_ptr_null(router_match("GET", "/v1/apps//webhooks", param,
	    allow, sizeof(allow)));
	ck_assert_str_eq(allow, "");
	ck_assert_ptr_null(router_match("POST", "/v1/apps/a/webhooks/w", param,
	    allow, sizeof(allow)));
	ck_assert_str_eq(allow, "GET, PATCH, DELETE");
}
END_TEST

START_TEST(test_query_decodes_and_rejects)
{
	char v[16];
	int64_t n;
	char id[40];

	ck_assert_int_eq(query_get("a=1&status=fa%69led&x", "status", v,
	    sizeof(v)), 1);
	ck_assert_str_eq(v, "failed");
	ck_assert_int_eq(query_get("a=1", "b", v, sizeof(v)), 0);
	ck_assert_int_eq(query_get("b=%zz", "b", v, sizeof(v)), -1);
	ck_assert_int_eq(query_get("b=%00", "b", v, sizeof(v)), -1);
	ck_assert_int_eq(query_get("b=0123456789abcdefgh", "b", v, sizeof(v)),
	    -1);
	ck_assert_int_eq(query_int("limit=250", "limit", 1, 250, 50, &n), 0);
	ck_assert_int_eq(n, 250);
	ck_assert_int_eq(query_int(NULL, "limit", 1, 250, 50, &n), 0);
	ck_assert_int_eq(n, 50);
	ck_assert_int_eq(query_int("limit=251", "limit", 1, 250, 50, &n), -1);
	ck_assert_int_eq(query_int("limit=9x", "limit", 1, 250, 50, &n), -1);
	ck_assert_int_eq(query_int("limit=+9", "limit", 1, 250, 50, &n), -1);
	ck_assert_int_eq(query_int("limit= 9", "limit", 1, 250, 50, &n), -1);
	ck_assert_int_eq(query_int("limit=", "limit", 1, 250, 50, &n), -1);
	ck_assert_int_eq(query_id("cursor=wh_01JD3X0000000000000000000A",
	    "cursor", "wh", id, sizeof(id)), 1);
	ck_assert_str_eq(id, "wh_01JD3X0000000000000000000A");
	ck_assert_int_eq(query_id("x=1", "cursor", "wh", id, sizeof(id)), 0);
	ck_assert_str_eq(id, "");
	ck_assert_int_eq(query_id("cursor=", "cursor", "wh", id, sizeof(id)),
	    -1);
	ck_assert_int_eq(query_id("cursor=dlv_01JD3X0000000000000000000A",
	    "cursor", "wh", id, sizeof(id)), -1);
}
END_TEST

START_TEST(test_call_copy_refuses_a_value_too_long_for_its_field)
{
	struct api_call c;
	char d[8];

	memset(&c, 0, sizeof(c));
	c.resp = &resp;
	ck_assert_int_eq(call_copy(&c, "name", d, sizeof(d), "1234567"), 0);
	ck_assert_str_eq(d, "1234567");
	ck_assert_int_ne(resp.status, 422);		/* nothing answered */
	ck_assert_int_eq(call_copy(&c, "name", d, sizeof(d), "12345678"), -1);
	ck_assert_str_eq(d, "");			/* never a cut value */
	ck_assert_int_eq(resp.status, 422);
	ck_assert_ptr_nonnull(strstr(resp.body.data, "name: too long"));
}
END_TEST

START_TEST(test_jin_parse_depth_trailing_utf8)
{
	struct json_object *o;
	char err[128], deep[80];

	ck_assert_int_eq(jin_parse("{\"a\":[1]} \n", 11, 32, &o, err,
	    sizeof(err)), 0);
	json_object_put(o);
	ck_assert_int_eq(jin_parse("{} x", 4, 32, &o, err, sizeof(err)), -1);
	ck_assert_int_eq(jin_parse("{\"a\":\"\xff\"}", 9, 32, &o, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(jin_parse("{\"a\":1", 6, 32, &o, err, sizeof(err)),
	    -1);
	memset(deep, '[', 34);
	memset(deep + 34, ']', 34);
	ck_assert_int_eq(jin_parse(deep, 68, 32, &o, err, sizeof(err)), -1);
	ck_assert_int_eq(jin_parse(deep + 4, 60, 32, &o, err, sizeof(err)), 0);
	json_object_put(o);
}
END_TEST

START_TEST(test_jout_repairs_invalid_utf8)
{
	struct json_object *o;

	o = jout_str_len("a\xff" "b\xe2\x82", 5);
	ck_assert_str_eq(json_object_get_string(o),
	    "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd");
	json_object_put(o);
	o = jout_str_len("\xc3\xa9", 2);
	ck_assert_str_eq(json_object_get_string(o), "\xc3\xa9");
	json_object_put(o);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");
	TCase *th = tcase_create("helpers");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_api_routes_unknown_path_404_and_wrong_method_405);
	tcase_add_test(tc, test_call_copy_refuses_a_value_too_long_for_its_field);
	tcase_add_test(tc, test_api_auth_401_403);
	tcase_add_test(tc, test_api_body_checks_413_415_400_422);
	tcase_add_test(tc, test_api_intake_idempotent_and_event_cap);
	tcase_add_test(tc, test_api_test_endpoint_delivers_to_its_webhook_only);
	tcase_add_test(tc,
	    test_api_batch_results_in_order_dup_and_refusal_inside_the_txn);
	tcase_add_test(tc, test_api_unusable_store_is_503_then_recovers);
	tcase_add_test(th, test_router_params_and_allow);
	tcase_add_test(th, test_query_decodes_and_rejects);
	tcase_add_test(th, test_jin_parse_depth_trailing_utf8);
	tcase_add_test(th, test_jout_repairs_invalid_utf8);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, th);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
