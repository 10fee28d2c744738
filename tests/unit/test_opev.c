/*
 * test_opev.c - operational events as stored (lib/opev.h): each of the
 * five reaches exactly the enabled webhooks of its app that name it (not
 * "*", not a disabled one, not another app's), in the caller's
 * transaction (an aborted one leaves nothing), with the usual envelope and
 * data its built-in schema accepts.
 */
#include <check.h>
#include <json-c/json.h>
#include <string.h>

#include "lib/catalog.h"
#include "lib/config.h"
#include "lib/opev.h"
#include "tests/unit/store_fixture.h"

FX_STORE_PER_TEST

#define NOW 1764186752123LL	/* 2025-11-26T19:52:32.123Z */

static int
opev_seed(struct store_txn *t, void *arg)
{
	static const char *const hooks[][3] = {
		{ "wh_ops", "app_1", "hookd.*" },
		{ "wh_dlv", "app_1", "hookd.delivery.*" },
		{ "wh_star", "app_1", "*" },
		{ "wh_off", "app_1", "hookd.*" },
		{ "wh_other", "app_2", "hookd.*" },
	};
	struct store_app a;
	struct store_webhook w;
	size_t i;
	int rc;

	(void)arg;
	for (i = 0; i < 3; i++) {
		memset(&a, 0, sizeof(a));
		FX_SET(a.id, i == 0 ? "app_1" : i == 1 ? "app_2" : "app_3");
		FX_SET(a.org_id, i == 0 ? "org-1" : "org-2");
		FX_SET(a.name, "x");
		a.key_hash[0] = (unsigned char)(i + 1);
		if ((rc = store_app_put(t, &a, 1)) != STORE_OK)
			return rc;
	}
	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		w = fx_webhook(hooks[i][0], hooks[i][1]);
		FX_SET(w.events, hooks[i][2]);
		w.enabled = strcmp(hooks[i][0], "wh_off") != 0;
		if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

struct emit {
	size_t n[6];		/* deliveries each call wrote */
	int abort;		/* return 1 after the calls */
};

static int
opev_all(struct store_txn *t, void *arg)
{
	struct emit *e = arg;
	struct store_webhook w;
	struct store_delivery d = fx_dlv("dlv_1", "evt_1", "wh_x", "app_1",
	    STORE_DLV_PENDING, NOW);
	struct opev_attempt timeout = { NOW - 5, 0, "timeout" };
	struct opev_attempt err500 = { NOW - 1, 500, "" };
	int rc;

	w = fx_webhook("wh_x", "app_1");
	FX_SET(w.url, "https://example.com/hooks");
	if ((rc = opev_disabled(t, &w, "manual", 0, NOW, &e->n[0])) != 0 ||
	    (rc = opev_disabled(t, &w, "failing", NOW - 86400000, NOW,
	    &e->n[1])) != 0 ||
	    (rc = opev_enabled(t, &w, NOW, &e->n[2])) != 0 ||
	    (rc = opev_delivery(t, OPEV_FAILING, &d, 4, &timeout, NOW,
	    &e->n[3])) != 0 ||
	    (rc = opev_delivery(t, OPEV_EXHAUSTED, &d, 5, &err500, NOW,
	    &e->n[4])) != 0 ||
	    (rc = opev_recovered(t, "wh_ops", NOW - 60000, NOW,
	    &e->n[5])) != 0)
		return rc;
	return e->abort ? 1 : STORE_OK;
}

struct seen {
	size_t n;
	char types[8][STORE_TYPE_MAX + 1];
	struct json_object *bodies[8];
};

static int
opev_collect(const struct store_delivery *d, void *arg)
{
	struct seen *sn = arg;

	ck_assert_uint_lt(sn->n, 8);
	memcpy(sn->types[sn->n++], d->event_id, sizeof(d->event_id));
	return 0;
}

struct look {
	const char *webhook;
	struct seen seen;
};

static int
opev_look(struct store_txn *t, void *arg)
{
	struct look *l = arg;
	struct store_event ev;
	size_t i;
	int rc;

	l->seen.n = 0;
	rc = store_delivery_iter_webhook(t, l->webhook, NULL, opev_collect,
	    &l->seen);
	if (rc < 0)
		return rc;
	for (i = 0; i < l->seen.n; i++) {
		if ((rc = store_event_get(t, l->seen.types[i], 1, &ev)) != 0)
			return rc;
		l->seen.bodies[i] = json_tokener_parse(ev.body);
		memcpy(l->seen.types[i], ev.type, sizeof(ev.type));
		store_event_free(&ev);
	}
	return STORE_OK;
}

static size_t
opev_count(const char *webhook)
{
	struct look l;
	size_t i;

	memset(&l, 0, sizeof(l));
	l.webhook = webhook;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, opev_look, &l), STORE_OK);
	for (i = 0; i < l.seen.n; i++)
		json_object_put(l.seen.bodies[i]);
	return l.seen.n;
}

START_TEST(test_opev_reach_only_named_enabled_subscribers_of_the_app)
{
	struct emit e;
	size_t i;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(fx_txn(s, 0, opev_seed, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, opev_all, &e), STORE_OK);
	/* wh_ops all six; wh_dlv the three delivery events */
	for (i = 0; i < 6; i++)
		ck_assert_uint_eq(e.n[i], i >= 3 ? 2 : 1);
	ck_assert_uint_eq(opev_count("wh_ops"), 6);
	ck_assert_uint_eq(opev_count("wh_dlv"), 3);
	ck_assert_uint_eq(opev_count("wh_star"), 0);
	ck_assert_uint_eq(opev_count("wh_off"), 0);
	ck_assert_uint_eq(opev_count("wh_other"), 0);
}
END_TEST

START_TEST(test_opev_aborted_transaction_leaves_nothing)
{
	struct emit e;

	memset(&e, 0, sizeof(e));
	e.abort = 1;
	ck_assert_int_eq(fx_txn(s, 0, opev_seed, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, opev_all, &e), 1);
	ck_assert_uint_eq(opev_count("wh_ops"), 0);
}
END_TEST

/* app_3 has no webhook: its events would reach no one and are not kept. */
static int
opev_unheard(struct store_txn *t, void *arg)
{
	struct store_webhook w = fx_webhook("wh_gone", "app_3");
	struct store_counts c;
	size_t *n = arg;
	int rc;

	if ((rc = opev_enabled(t, &w, NOW, n)) != STORE_OK ||
	    (rc = store_counts(t, &c)) != STORE_OK)
		return rc;
	ck_assert_uint_eq(c.events, 0);
	ck_assert_uint_eq(c.deliveries, 0);
	return STORE_OK;
}

START_TEST(test_opev_without_subscribers_stores_nothing)
{
	size_t n = 99;

	ck_assert_int_eq(fx_txn(s, 0, opev_seed, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, opev_unheard, &n), STORE_OK);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_opev_envelope_and_data_match_the_builtin_schemas)
{
	static const char *const keys[] = { "id", "type", "timestamp",
	    "org_id", "app_id", "data" };
	struct config cfg;
	struct emit e;
	struct look l;
	struct json_object *v, *data;
	char err[512];
	size_t i, k;

	config_defaults(&cfg);
	cfg.validate_events = 1;
	ck_assert_msg(catalog_load(&cfg, err, sizeof(err)) == 0, "%s", err);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(fx_txn(s, 0, opev_seed, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, opev_all, &e), STORE_OK);
	memset(&l, 0, sizeof(l));
	l.webhook = "wh_ops";
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, opev_look, &l), STORE_OK);
	ck_assert_uint_eq(l.seen.n, 6);
	for (i = 0; i < l.seen.n; i++) {
		ck_assert_ptr_nonnull(l.seen.bodies[i]);
		ck_assert_int_eq(json_object_object_length(l.seen.bodies[i]),
		    6);
		for (k = 0; k < 6; k++)
			ck_assert_msg(json_object_object_get_ex(
			    l.seen.bodies[i], keys[k], &v), "%s", keys[k]);
		json_object_object_get_ex(l.seen.bodies[i], "org_id", &v);
		ck_assert_str_eq(json_object_get_string(v), "org-1");
		json_object_object_get_ex(l.seen.bodies[i], "app_id", &v);
		ck_assert_str_eq(json_object_get_string(v), "app_1");
		json_object_object_get_ex(l.seen.bodies[i], "timestamp", &v);
		ck_assert_str_eq(json_object_get_string(v),
		    "2025-11-26T19:52:32.123Z");
		json_object_object_get_ex(l.seen.bodies[i], "data", &data);
		ck_assert(catalog_has(&cfg, l.seen.types[i]));
		ck_assert_msg(catalog_check(&cfg, l.seen.types[i], data, err,
		    sizeof(err)) == 0, "%s: %s", l.seen.types[i], err);
		json_object_put(l.seen.bodies[i]);
	}
	catalog_unload();
}
END_TEST

static Suite *
opev_suite(void)
{
	Suite *su = suite_create("opev");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_opev_reach_only_named_enabled_subscribers_of_the_app);
	tcase_add_test(tc, test_opev_aborted_transaction_leaves_nothing);
	tcase_add_test(tc, test_opev_without_subscribers_stores_nothing);
	tcase_add_test(tc, test_opev_envelope_and_data_match_the_builtin_schemas);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(opev_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
