/*
 * test_store.c - db/: records, indices, paging, counters, stats, aborts,
 * record versions.  Each test gets a fresh environment in its own temp dir.
 * The multi-process behaviour (races, crashes, killed lock holders,
 * deadlocks) is in test_store_proc.c.
 */
#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/env.h"
#include "db/rec.h"
#include "db/store.h"
#include "tests/unit/store_fixture.h"

/* home, s, setup and teardown: a fresh environment per test */
FX_STORE_PER_TEST

/* ---- a tiny closure: a list of steps run in one transaction ---------- */

/* Generic callback: runs a function pointer with a context and expects ok. */
struct step {
	int (*fn)(struct store_txn *t, void *ctx);
	void *ctx;
};

static int
run_step(struct store_txn *t, void *arg)
{
	struct step *st = arg;

	return st->fn(t, st->ctx);
}

static int
txn(int (*fn)(struct store_txn *t, void *ctx), void *ctx)
{
	struct step st = { fn, ctx };

	return fx_txn(s, 0, run_step, &st);
}

/* ---- records round-trip ---------------------------------------------- */

struct all {
	struct store_app app;
	struct store_webhook wh;
	struct store_health h;
	struct store_event ev;
	struct store_delivery d;
	struct store_attempt at;
};

static void
fill_all(struct all *a, char *body, size_t body_len)
{
	int i;

	memset(a, 0, sizeof(*a));
	FX_SET(a->app.id, "app_1");
	FX_SET(a->app.org_id, "org_1");
	FX_SET(a->app.name, "Shop \xc3\xa9 \"quoted\"");
	for (i = 0; i < 32; i++)
		a->app.key_hash[i] = (unsigned char)(i * 7 + 1);
	a->app.created_at = 1700000000123LL;

	FX_SET(a->wh.id, "wh_1");
	FX_SET(a->wh.app_id, "app_1");
	memset(a->wh.url, 'u', STORE_URL_MAX);	/* at the cap */
	memcpy(a->wh.url, "https://", 8);
	FX_SET(a->wh.events, "user.*,consent.given");
	FX_SET(a->wh.description, "");
	FX_SET(a->wh.secret, "whsec_abc");
	FX_SET(a->wh.prev_secret, "whsec_old");
	a->wh.prev_secret_until = -5;
	a->wh.rate_limit = 10000;
	a->wh.enabled = 1;
	FX_SET(a->wh.disabled_reason, "none");
	a->wh.created_at = 1;
	a->wh.updated_at = INT64_MAX;

	FX_SET(a->h.webhook_id, "wh_1");
	a->h.last_attempt_at = 42;
	a->h.last_status = -1;
	FX_SET(a->h.last_error, "timeout");
	a->h.consecutive_failures = UINT32_MAX;
	a->h.failing_since = 7;
	a->h.next_retry_at = INT64_MIN;

	FX_SET(a->ev.id, "evt_1");
	FX_SET(a->ev.type, "user.created");
	FX_SET(a->ev.org_id, "org_1");
	FX_SET(a->ev.app_id, "");
	a->ev.created_at = 99;
	a->ev.deliveries = 3;
	a->ev.body = body;
	a->ev.body_len = body_len;

	a->d = fx_dlv("dlv_1", "evt_1", "wh_1", "app_1", STORE_DLV_FAILED, 77);
	a->d.attempts = 5;

	FX_SET(a->at.id, "att_1");
	FX_SET(a->at.delivery_id, "dlv_1");
	FX_SET(a->at.webhook_id, "wh_1");
	a->at.at = 123;
	a->at.status_code = 503;
	FX_SET(a->at.error, "");
	a->at.duration_ms = 250;
	memcpy(a->at.response, "a\0b\0c", 5);	/* NULs kept */
	a->at.response_len = 5;
}

static int
put_all(struct store_txn *t, void *ctx)
{
	struct all *a = ctx;
	int rc;

	if ((rc = store_app_put(t, &a->app, 1)) != STORE_OK ||
	    (rc = store_webhook_put(t, &a->wh, 1)) != STORE_OK ||
	    (rc = store_health_put(t, &a->h)) != STORE_OK ||
	    (rc = store_event_put(t, &a->ev)) != STORE_OK ||
	    (rc = store_delivery_put(t, &a->d, 1)) != STORE_OK ||
	    (rc = store_attempt_put(t, &a->at)) != STORE_OK)
		return rc;
	return STORE_OK;
}

struct got {
	struct all a;
	struct store_event ev_head;
	struct store_attempt at;
	int n_at;
};

static int
got_attempt(const struct store_attempt *a, void *arg)
{
	struct got *g = arg;

	g->at = *a;
	g->n_at++;
	return 0;
}

static int
get_all(struct store_txn *t, void *ctx)
{
	struct got *g = ctx;
	int rc;

	store_event_free(&g->a.ev);
	memset(g, 0, sizeof(*g));
	if ((rc = store_app_get(t, "app_1", &g->a.app)) != STORE_OK ||
	    (rc = store_webhook_get(t, "wh_1", &g->a.wh)) != STORE_OK ||
	    (rc = store_health_get(t, "wh_1", &g->a.h)) != STORE_OK ||
	    (rc = store_event_get(t, "evt_1", 1, &g->a.ev)) != STORE_OK ||
	    (rc = store_event_get(t, "evt_1", 0, &g->ev_head)) != STORE_OK ||
	    (rc = store_delivery_get(t, "dlv_1", &g->a.d)) != STORE_OK ||
	    (rc = store_attempt_iter_delivery(t, "dlv_1", got_attempt, g)) !=
	    STORE_OK)
		return rc;
	return STORE_OK;
}

static void
check_round_trip(size_t body_len)
{
	struct all in;
	struct got *g = calloc(1, sizeof(*g));
	char *body = malloc(body_len + 1);
	size_t i;

	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_nonnull(body);
	for (i = 0; i < body_len; i++)
		body[i] = (char)(i % 251);	/* NULs and high bytes */
	body[body_len] = '\0';
	fill_all(&in, body, body_len);
	ck_assert_int_eq(txn(put_all, &in), STORE_OK);
	ck_assert_int_eq(txn(get_all, g), STORE_OK);

	ck_assert_mem_eq(&g->a.app, &in.app, sizeof(in.app));
	ck_assert_mem_eq(&g->a.wh, &in.wh, sizeof(in.wh));
	ck_assert_mem_eq(&g->a.h, &in.h, sizeof(in.h));
	ck_assert_mem_eq(&g->a.d, &in.d, sizeof(in.d));
	ck_assert_int_eq(g->n_at, 1);
	ck_assert_mem_eq(&g->at, &in.at, sizeof(in.at));

	ck_assert_str_eq(g->a.ev.id, in.ev.id);
	ck_assert_str_eq(g->a.ev.type, in.ev.type);
	ck_assert_str_eq(g->a.ev.org_id, in.ev.org_id);
	ck_assert_str_eq(g->a.ev.app_id, "");
	ck_assert_int_eq(g->a.ev.created_at, 99);
	ck_assert_uint_eq(g->a.ev.deliveries, 3);
	ck_assert_uint_eq(g->a.ev.body_len, body_len);
	ck_assert_mem_eq(g->a.ev.body, body, body_len);
	ck_assert_int_eq(g->a.ev.body[body_len], '\0');
	/* without the body: same fields, no body */
	ck_assert_ptr_null(g->ev_head.body);
	ck_assert_uint_eq(g->ev_head.body_len, 0);
	ck_assert_str_eq(g->ev_head.type, "user.created");
	ck_assert_uint_eq(g->ev_head.deliveries, 3);
	ck_assert_int_eq(g->ev_head.created_at, 99);

	store_event_free(&g->a.ev);
	ck_assert_ptr_null(g->a.ev.body);
	free(g);
	free(body);
}

START_TEST(test_store_every_record_round_trips)
{
	check_round_trip(1000);
}
END_TEST

START_TEST(test_store_256k_event_body_round_trips)
{
	check_round_trip(256 * 1024);
}
END_TEST

START_TEST(test_store_empty_event_body_round_trips)
{
	check_round_trip(0);
}
END_TEST

static int
get_missing(struct store_txn *t, void *ctx)
{
	struct store_health h;
	struct store_stat st;
	struct store_app a;
	struct store_delivery d;
	struct store_event e;
	struct store_webhook w;

	(void)ctx;
	ck_assert_int_eq(store_app_get(t, "nope", &a), STORE_NOTFOUND);
	ck_assert_int_eq(store_webhook_get(t, "nope", &w), STORE_NOTFOUND);
	ck_assert_int_eq(store_event_get(t, "nope", 1, &e), STORE_NOTFOUND);
	ck_assert_ptr_null(e.body);
	ck_assert_int_eq(store_delivery_get(t, "nope", &d), STORE_NOTFOUND);
	ck_assert_int_eq(store_health_get(t, "wh_x", &h), STORE_NOTFOUND);
	ck_assert_str_eq(h.webhook_id, "wh_x");
	ck_assert_uint_eq(h.consecutive_failures, 0);
	ck_assert_int_eq(store_stat_get(t, "wh_x", 7200000, &st),
	    STORE_NOTFOUND);
	ck_assert_int_eq(st.hour, 7200000);
	ck_assert_uint_eq(st.delivered + st.failed, 0);
	ck_assert_int_eq(store_app_del(t, "nope"), STORE_NOTFOUND);
	ck_assert_int_eq(store_webhook_del(t, "nope"), STORE_NOTFOUND);
	ck_assert_int_eq(store_event_del(t, "nope"), STORE_NOTFOUND);
	ck_assert_int_eq(store_delivery_del(t, "nope"), STORE_NOTFOUND);
	return STORE_OK;
}

START_TEST(test_store_missing_records_are_notfound)
{
	ck_assert_int_eq(txn(get_missing, NULL), STORE_OK);
}
END_TEST

static int
put_twice(struct store_txn *t, void *ctx)
{
	struct all *a = ctx;
	struct store_event e2 = a->ev;

	ck_assert_int_eq(store_app_put(t, &a->app, 1), STORE_EXISTS);
	ck_assert_int_eq(store_webhook_put(t, &a->wh, 1), STORE_EXISTS);
	ck_assert_int_eq(store_delivery_put(t, &a->d, 1), STORE_EXISTS);
	e2.body = "other";
	e2.body_len = 5;
	ck_assert_int_eq(store_event_put(t, &e2), STORE_EXISTS);
	/* create 0 replaces */
	FX_SET(a->app.name, "renamed");
	ck_assert_int_eq(store_app_put(t, &a->app, 0), STORE_OK);
	return STORE_OK;
}

static int
check_renamed(struct store_txn *t, void *ctx)
{
	struct store_app a;
	struct store_event e;

	(void)ctx;
	ck_assert_int_eq(store_app_get(t, "app_1", &a), STORE_OK);
	ck_assert_str_eq(a.name, "renamed");
	ck_assert_int_eq(store_event_get(t, "evt_1", 1, &e), STORE_OK);
	ck_assert_uint_eq(e.body_len, 3);	/* the first body stayed */
	store_event_free(&e);
	return STORE_OK;
}

START_TEST(test_store_create_of_existing_id_is_exists)
{
	struct all in;

	fill_all(&in, "abc", 3);
	ck_assert_int_eq(txn(put_all, &in), STORE_OK);
	ck_assert_int_eq(txn(put_twice, &in), STORE_OK);
	ck_assert_int_eq(txn(check_renamed, NULL), STORE_OK);
}
END_TEST

/* ---- apps and their indices ------------------------------------------- */

struct names {
	char ids[64][STORE_ID_MAX + 1];
	int n;
};

static int
collect_app(const struct store_app *a, void *arg)
{
	struct names *nm = arg;

	FX_SET(nm->ids[nm->n], a->id);
	nm->n++;
	return 0;
}

static struct store_app
mk_app(const char *id, const char *org, unsigned char keybyte)
{
	struct store_app a;

	memset(&a, 0, sizeof(a));
	FX_SET(a.id, id);
	FX_SET(a.org_id, org);
	FX_SET(a.name, id);
	memset(a.key_hash, keybyte, 32);
	a.created_at = 1;
	return a;
}

static int
apps_setup(struct store_txn *t, void *ctx)
{
	struct store_app a;
	int rc;

	(void)ctx;
	a = mk_app("app_c", "org_1", 3);
	if ((rc = store_app_put(t, &a, 1)) != STORE_OK)
		return rc;
	a = mk_app("app_a", "org_1", 1);
	if ((rc = store_app_put(t, &a, 1)) != STORE_OK)
		return rc;
	a = mk_app("app_b", "org_2", 2);
	if ((rc = store_app_put(t, &a, 1)) != STORE_OK)
		return rc;
	a = mk_app("app_d", "org_10", 4);	/* org_1 is a prefix of it */
	return store_app_put(t, &a, 1);
}

static int
apps_check(struct store_txn *t, void *ctx)
{
	struct names nm;
	struct store_app a, b;
	unsigned char h[32];

	(void)ctx;
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_app_iter(t, NULL, NULL, collect_app, &nm), 0);
	ck_assert_int_eq(nm.n, 4);
	ck_assert_str_eq(nm.ids[0], "app_a");
	ck_assert_str_eq(nm.ids[3], "app_d");
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_app_iter(t, NULL, "app_b", collect_app, &nm), 0);
	ck_assert_int_eq(nm.n, 2);
	ck_assert_str_eq(nm.ids[0], "app_c");
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_app_iter(t, "org_1", NULL, collect_app, &nm), 0);
	ck_assert_int_eq(nm.n, 2);
	ck_assert_str_eq(nm.ids[0], "app_a");
	ck_assert_str_eq(nm.ids[1], "app_c");
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_app_iter(t, "org_1", "app_a", collect_app, &nm),
	    0);
	ck_assert_int_eq(nm.n, 1);
	ck_assert_str_eq(nm.ids[0], "app_c");
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_app_iter(t, "org_9", NULL, collect_app, &nm), 0);
	ck_assert_int_eq(nm.n, 0);

	memset(h, 2, 32);
	ck_assert_int_eq(store_app_by_key(t, h, &a), STORE_OK);
	ck_assert_str_eq(a.id, "app_b");

	/* new key and new org: the old ones stop finding it */
	b = a;
	memset(b.key_hash, 9, 32);
	FX_SET(b.org_id, "org_1");
	ck_assert_int_eq(store_app_put(t, &b, 0), STORE_OK);
	ck_assert_int_eq(store_app_by_key(t, h, &a), STORE_NOTFOUND);
	memset(h, 9, 32);
	ck_assert_int_eq(store_app_by_key(t, h, &a), STORE_OK);
	ck_assert_str_eq(a.id, "app_b");
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_app_iter(t, "org_2", NULL, collect_app, &nm), 0);
	ck_assert_int_eq(nm.n, 0);
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_app_iter(t, "org_1", NULL, collect_app, &nm), 0);
	ck_assert_int_eq(nm.n, 3);

	/* delete: gone from every index */
	ck_assert_int_eq(store_app_del(t, "app_b"), STORE_OK);
	ck_assert_int_eq(store_app_by_key(t, h, &a), STORE_NOTFOUND);
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_app_iter(t, "org_1", NULL, collect_app, &nm), 0);
	ck_assert_int_eq(nm.n, 2);
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_app_iter(t, NULL, NULL, collect_app, &nm), 0);
	ck_assert_int_eq(nm.n, 3);
	return STORE_OK;
}

START_TEST(test_store_app_indices_follow_updates_and_delete)
{
	ck_assert_int_eq(txn(apps_setup, NULL), STORE_OK);
	ck_assert_int_eq(txn(apps_check, NULL), STORE_OK);
}
END_TEST

static int
stop_after_one(const struct store_app *a, void *arg)
{
	(void)a;
	(*(int *)arg)++;
	return 1;
}

static int
abort_code(const struct store_app *a, void *arg)
{
	(void)a;
	(void)arg;
	return STORE_ERR;
}

static int
apps_iter_stop(struct store_txn *t, void *ctx)
{
	int n = 0;

	(void)ctx;
	ck_assert_int_eq(store_app_iter(t, NULL, NULL, stop_after_one, &n),
	    STORE_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(store_app_iter(t, "org_1", NULL, abort_code, NULL),
	    STORE_ERR);
	return STORE_OK;
}

START_TEST(test_store_iteration_stops_and_aborts_on_callback_request)
{
	ck_assert_int_eq(txn(apps_setup, NULL), STORE_OK);
	ck_assert_int_eq(txn(apps_iter_stop, NULL), STORE_OK);
}
END_TEST

/* ---- webhooks ----------------------------------------------------------- */

struct whnames {
	char ids[16][STORE_ID_MAX + 1];
	int n;
};

static int
collect_wh(const struct store_webhook *w, void *arg)
{
	struct whnames *nm = arg;

	FX_SET(nm->ids[nm->n], w->id);
	nm->n++;
	return 0;
}

static int
wh_flow(struct store_txn *t, void *ctx)
{
	struct store_webhook w;
	struct store_health h;
	struct whnames nm;

	(void)ctx;
	w = fx_webhook("wh_2", "app_1");
	ck_assert_int_eq(store_webhook_put(t, &w, 1), STORE_OK);
	w = fx_webhook("wh_1", "app_1");
	ck_assert_int_eq(store_webhook_put(t, &w, 1), STORE_OK);
	w = fx_webhook("wh_3", "app_10");
	ck_assert_int_eq(store_webhook_put(t, &w, 1), STORE_OK);
	memset(&h, 0, sizeof(h));
	FX_SET(h.webhook_id, "wh_1");
	h.consecutive_failures = 4;
	ck_assert_int_eq(store_health_put(t, &h), STORE_OK);

	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_webhook_iter_app(t, "app_1", collect_wh, &nm),
	    0);
	ck_assert_int_eq(nm.n, 2);
	ck_assert_str_eq(nm.ids[0], "wh_1");
	ck_assert_str_eq(nm.ids[1], "wh_2");

	/* moving a webhook to another app moves its index entry */
	w = fx_webhook("wh_2", "app_2");
	ck_assert_int_eq(store_webhook_put(t, &w, 0), STORE_OK);
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_webhook_iter_app(t, "app_1", collect_wh, &nm),
	    0);
	ck_assert_int_eq(nm.n, 1);
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_webhook_iter_app(t, "app_2", collect_wh, &nm),
	    0);
	ck_assert_int_eq(nm.n, 1);

	/* delete takes the health record along */
	ck_assert_int_eq(store_webhook_del(t, "wh_1"), STORE_OK);
	ck_assert_int_eq(store_health_get(t, "wh_1", &h), STORE_NOTFOUND);
	ck_assert_uint_eq(h.consecutive_failures, 0);
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_webhook_iter_app(t, "app_1", collect_wh, &nm),
	    0);
	ck_assert_int_eq(nm.n, 0);
	return STORE_OK;
}

START_TEST(test_store_webhook_index_health_and_delete)
{
	ck_assert_int_eq(txn(wh_flow, NULL), STORE_OK);
}
END_TEST

START_TEST(test_store_webhook_filter_matches)
{
	ck_assert_int_eq(store_webhook_matches("*", "user.created"), 1);
	ck_assert_int_eq(store_webhook_matches("user.created", "user.created"),
	    1);
	ck_assert_int_eq(store_webhook_matches("user.created", "user.create"),
	    0);
	ck_assert_int_eq(store_webhook_matches("user.create", "user.created"),
	    0);
	ck_assert_int_eq(store_webhook_matches("a.b,user.ekyc.*",
	    "user.ekyc.passed"), 1);
	ck_assert_int_eq(store_webhook_matches("user.ekyc.*",
	    "user.ekyc.doc.ok"), 1);
	ck_assert_int_eq(store_webhook_matches("user.ekyc.*", "user.ekyc"), 0);
	ck_assert_int_eq(store_webhook_matches("user.ekyc.*", "user.ekycx.a"),
	    0);
	ck_assert_int_eq(store_webhook_matches("a.b, c.d", "c.d"), 1);
	ck_assert_int_eq(store_webhook_matches("", "c.d"), 0);
	ck_assert_int_eq(store_webhook_matches("a.b,,", "c.d"), 0);
}
END_TEST

/* Operational events are named, never caught by "*". */
START_TEST(test_store_star_never_matches_operational_types)
{
	ck_assert_int_eq(store_webhook_matches("*", "hookd.webhook.disabled"),
	    0);
	ck_assert_int_eq(store_webhook_matches("*,user.*",
	    "hookd.delivery.failing"), 0);
	ck_assert_int_eq(store_webhook_matches("hookd.*",
	    "hookd.delivery.failing"), 1);
	ck_assert_int_eq(store_webhook_matches("hookd.delivery.*",
	    "hookd.delivery.failing"), 1);
	ck_assert_int_eq(store_webhook_matches("hookd.delivery.*",
	    "hookd.webhook.enabled"), 0);
	ck_assert_int_eq(store_webhook_matches("*,hookd.webhook.enabled",
	    "hookd.webhook.enabled"), 1);
	ck_assert_int_eq(store_type_operational("hookd.webhook.enabled"), 1);
	ck_assert_int_eq(store_type_operational("hookdx.a"), 0);
}
END_TEST

/* A version 1 health record (before episode_since) still reads, with no
 * episode; the current version round-trips it. */
START_TEST(test_store_health_v1_record_reads_without_episode)
{
	struct store_health h, back;
	unsigned char buf[REC_HEALTH_MAX];
	size_t len;

	memset(&h, 0, sizeof(h));
	memcpy(h.webhook_id, "wh_1", 4);
	h.consecutive_failures = 3;
	h.failing_since = 7;
	h.episode_since = 5;
	ck_assert_int_eq(rec_health_enc(&h, buf, sizeof(buf), &len), 0);
	ck_assert_int_eq(buf[0], REC_V_HEALTH);
	ck_assert_int_eq(rec_health_dec(buf, len, &back), 0);
	ck_assert_int_eq(back.episode_since, 5);
	/* v1: the same bytes without the last field */
	buf[0] = 1;
	ck_assert_int_eq(rec_health_dec(buf, len - 8, &back), 0);
	ck_assert_int_eq(back.episode_since, 0);
	ck_assert_int_eq(back.failing_since, 7);
	ck_assert_int_eq(back.consecutive_failures, 3);
	ck_assert_int_eq(rec_health_dec(buf, len, &back), -1);
	buf[0] = 3;
	ck_assert_int_eq(rec_health_dec(buf, len, &back), -1);
}
END_TEST

/* ---- deliveries: due index, paging, counters --------------------------- */

static int
collect_dlv(const struct store_delivery *d, void *arg)
{
	struct names *nm = arg;

	FX_SET(nm->ids[nm->n], d->id);
	nm->n++;
	return 0;
}

struct dput {
	struct store_delivery d;
	int create;
};

static int
do_dput(struct store_txn *t, void *ctx)
{
	struct dput *p = ctx;

	return store_delivery_put(t, &p->d, p->create);
}

static void
dput(struct store_delivery d, int create)
{
	struct dput p = { d, create };

	ck_assert_int_eq(txn(do_dput, &p), STORE_OK);
}

struct due {
	int64_t until;
	struct names nm;
	int64_t next;
	int next_rc;
	struct store_queue q;
	struct store_counts c;
};

static int
do_due(struct store_txn *t, void *ctx)
{
	struct due *u = ctx;
	int rc;

	memset(&u->nm, 0, sizeof(u->nm));
	if ((rc = store_delivery_iter_due(t, u->until, collect_dlv, &u->nm)) !=
	    STORE_OK)
		return rc;
	u->next_rc = store_delivery_next_due(t, &u->next);
	if (u->next_rc != STORE_OK && u->next_rc != STORE_NOTFOUND)
		return u->next_rc;
	if ((rc = store_queue_get(t, &u->q)) != STORE_OK)
		return rc;
	return store_counts(t, &u->c);
}

static struct due
due(int64_t until)
{
	struct due u;

	memset(&u, 0, sizeof(u));
	u.until = until;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY,
	    (store_txn_fn)run_step, &(struct step){ do_due, &u }), STORE_OK);
	return u;
}

START_TEST(test_store_due_index_holds_exactly_pending_deliveries)
{
	char a[40], b[40], c[40];
	struct store_delivery da, db, dc;
	struct due u;

	fx_id("dlv", 1000, a);
	fx_id("dlv", 2000, b);
	fx_id("dlv", 3000, c);
	da = fx_dlv(a, "evt_1", "wh_1", "app_1", STORE_DLV_PENDING, 500);
	db = fx_dlv(b, "evt_1", "wh_1", "app_1", STORE_DLV_PENDING, 100);
	dc = fx_dlv(c, "evt_1", "wh_1", "app_1", STORE_DLV_PENDING, 900);
	dput(da, 1);
	dput(db, 1);
	dput(dc, 1);

	u = due(600);
	ck_assert_int_eq(u.nm.n, 2);		/* earliest first */
	ck_assert_str_eq(u.nm.ids[0], b);
	ck_assert_str_eq(u.nm.ids[1], a);
	ck_assert_int_eq(u.next_rc, STORE_OK);
	ck_assert_int_eq(u.next, 100);
	ck_assert_int_eq(u.q.pending, 3);
	ck_assert_uint_eq(u.c.pending, 3);

	/* next_attempt_at moves it: no stale entry at the old time */
	db.next_attempt_at = 800;
	db.attempts = 1;
	dput(db, 0);
	u = due(600);
	ck_assert_int_eq(u.nm.n, 1);
	ck_assert_str_eq(u.nm.ids[0], a);
	ck_assert_int_eq(u.next, 500);
	ck_assert_uint_eq(u.c.pending, 3);

	/* pending -> delivered leaves the index; counters follow */
	da.status = STORE_DLV_DELIVERED;
	dput(da, 0);
	u = due(INT64_MAX);
	ck_assert_int_eq(u.nm.n, 2);
	ck_assert_str_eq(u.nm.ids[0], b);
	ck_assert_str_eq(u.nm.ids[1], c);
	ck_assert_int_eq(u.next, 800);
	ck_assert_int_eq(u.q.pending, 2);
	ck_assert_int_eq(u.q.delivered, 1);
	ck_assert_uint_eq(u.c.pending, 2);

	/* failed, cancelled, and back to pending (retry) */
	db.status = STORE_DLV_FAILED;
	dput(db, 0);
	dc.status = STORE_DLV_CANCELLED;
	dput(dc, 0);
	u = due(INT64_MAX);
	ck_assert_int_eq(u.nm.n, 0);
	ck_assert_int_eq(u.next_rc, STORE_NOTFOUND);
	ck_assert_int_eq(u.q.pending, 0);
	ck_assert_int_eq(u.q.delivered, 1);
	ck_assert_int_eq(u.q.failed, 1);
	ck_assert_int_eq(u.q.cancelled, 1);
	ck_assert_uint_eq(u.c.deliveries, 3);

	db.status = STORE_DLV_PENDING;
	db.next_attempt_at = -50;	/* negative times sort first too */
	dput(db, 0);
	u = due(0);
	ck_assert_int_eq(u.nm.n, 1);
	ck_assert_str_eq(u.nm.ids[0], b);
	ck_assert_int_eq(u.next, -50);
	ck_assert_int_eq(u.q.pending, 1);
	ck_assert_int_eq(u.q.failed, 0);
}
END_TEST

struct page {
	const char *app, *wh, *evt, *before;
	struct names nm;
	int limit;
};

static int
collect_limited(const struct store_delivery *d, void *arg)
{
	struct page *p = arg;

	FX_SET(p->nm.ids[p->nm.n], d->id);
	p->nm.n++;
	return p->nm.n >= p->limit ? 1 : 0;
}

static int
do_page(struct store_txn *t, void *ctx)
{
	struct page *p = ctx;

	memset(&p->nm, 0, sizeof(p->nm));
	if (p->app != NULL)
		return store_delivery_iter_app(t, p->app, p->before,
		    collect_limited, p);
	if (p->wh != NULL)
		return store_delivery_iter_webhook(t, p->wh, p->before,
		    collect_limited, p);
	return store_delivery_iter_event(t, p->evt, collect_limited, p);
}

START_TEST(test_store_delivery_paging_newest_first_before_cursor)
{
	char ids[10][40];
	struct page p;
	int i;

	/* 10 deliveries: even ones app_1/wh_1, odd ones app_11/wh_11 (app_1
	 * is a prefix of app_11: the walk must not leak across). */
	for (i = 0; i < 10; i++) {
		fx_id("dlv", 1000 + i, ids[i]);
		dput(fx_dlv(ids[i], i < 5 ? "evt_a" : "evt_b",
		    i % 2 ? "wh_11" : "wh_1", i % 2 ? "app_11" : "app_1",
		    STORE_DLV_DELIVERED, 0), 1);
	}
	memset(&p, 0, sizeof(p));
	p.app = "app_1";
	p.limit = 2;
	ck_assert_int_eq(txn(do_page, &p), STORE_OK);
	ck_assert_int_eq(p.nm.n, 2);
	ck_assert_str_eq(p.nm.ids[0], ids[8]);
	ck_assert_str_eq(p.nm.ids[1], ids[6]);
	p.before = ids[6];		/* next page */
	ck_assert_int_eq(txn(do_page, &p), STORE_OK);
	ck_assert_int_eq(p.nm.n, 2);
	ck_assert_str_eq(p.nm.ids[0], ids[4]);
	ck_assert_str_eq(p.nm.ids[1], ids[2]);
	p.before = ids[2];
	ck_assert_int_eq(txn(do_page, &p), STORE_OK);
	ck_assert_int_eq(p.nm.n, 1);
	ck_assert_str_eq(p.nm.ids[0], ids[0]);
	p.before = ids[0];
	ck_assert_int_eq(txn(do_page, &p), STORE_OK);
	ck_assert_int_eq(p.nm.n, 0);
	p.before = ids[5];		/* a cursor from the other app works */
	p.limit = 10;
	ck_assert_int_eq(txn(do_page, &p), STORE_OK);
	ck_assert_int_eq(p.nm.n, 3);
	ck_assert_str_eq(p.nm.ids[0], ids[4]);

	memset(&p, 0, sizeof(p));
	p.app = "app_11";
	p.limit = 10;
	ck_assert_int_eq(txn(do_page, &p), STORE_OK);
	ck_assert_int_eq(p.nm.n, 5);
	ck_assert_str_eq(p.nm.ids[0], ids[9]);
	ck_assert_str_eq(p.nm.ids[4], ids[1]);

	memset(&p, 0, sizeof(p));
	p.wh = "wh_11";
	p.limit = 10;
	p.before = ids[7];
	ck_assert_int_eq(txn(do_page, &p), STORE_OK);
	ck_assert_int_eq(p.nm.n, 3);
	ck_assert_str_eq(p.nm.ids[0], ids[5]);
	ck_assert_str_eq(p.nm.ids[2], ids[1]);

	/* the by-event index is no longer written (older stores' entries
	 * are read: test_store_upgrade.c) */
	memset(&p, 0, sizeof(p));
	p.evt = "evt_b";
	p.limit = 10;
	ck_assert_int_eq(txn(do_page, &p), STORE_OK);
	ck_assert_int_eq(p.nm.n, 0);
}
END_TEST

/* ---- attempts, failures, delete cascade --------------------------------- */

static struct store_attempt
mk_att(const char *id, const char *dlv, int64_t at, int status,
    const char *error)
{
	struct store_attempt a;

	memset(&a, 0, sizeof(a));
	FX_SET(a.id, id);
	FX_SET(a.delivery_id, dlv);
	FX_SET(a.webhook_id, "wh_1");
	a.at = at;
	a.status_code = status;
	FX_SET(a.error, error);
	a.duration_ms = 10;
	FX_SET(a.response, "ok");
	a.response_len = 2;
	return a;
}

struct atts {
	char ids[16][STORE_ID_MAX + 1];
	int n;
};

static int
collect_att(const struct store_attempt *a, void *arg)
{
	struct atts *x = arg;

	FX_SET(x->ids[x->n], a->id);
	x->n++;
	return 0;
}

static int
att_setup(struct store_txn *t, void *ctx)
{
	struct store_attempt a;
	int rc;

	(void)ctx;
	if ((rc = store_delivery_put(t, &(struct store_delivery){ 0 }, 1)) !=
	    STORE_ERR)	/* no id: refused */
		return STORE_ERR;
	{
		struct store_delivery d1 = fx_dlv("dlv_1", "evt_1", "wh_1",
		    "app_1", STORE_DLV_PENDING, 5);
		struct store_delivery d2 = fx_dlv("dlv_2", "evt_1", "wh_1",
		    "app_1", STORE_DLV_FAILED, 5);

		if ((rc = store_delivery_put(t, &d1, 1)) != STORE_OK ||
		    (rc = store_delivery_put(t, &d2, 1)) != STORE_OK)
			return rc;
	}
	a = mk_att("att_1", "dlv_1", 100, 500, "");	/* failure */
	if ((rc = store_attempt_put(t, &a)) != STORE_OK)
		return rc;
	a = mk_att("att_2", "dlv_1", 200, 200, "");	/* success */
	if ((rc = store_attempt_put(t, &a)) != STORE_OK)
		return rc;
	a = mk_att("att_3", "dlv_2", 300, 0, "timeout");	/* failure */
	if ((rc = store_attempt_put(t, &a)) != STORE_OK)
		return rc;
	a = mk_att("att_4", "dlv_2", 400, 299, "");	/* success */
	if ((rc = store_attempt_put(t, &a)) != STORE_OK)
		return rc;
	a = mk_att("att_5", "dlv_2", 500, 302, "");	/* failure */
	return store_attempt_put(t, &a);
}

static int
att_check(struct store_txn *t, void *ctx)
{
	struct store_counts c;
	struct store_queue q;
	struct atts x;

	(void)ctx;
	memset(&x, 0, sizeof(x));
	ck_assert_int_eq(store_attempt_iter_failures(t, collect_att, &x), 0);
	ck_assert_int_eq(x.n, 3);
	ck_assert_str_eq(x.ids[0], "att_5");
	ck_assert_str_eq(x.ids[1], "att_3");
	ck_assert_str_eq(x.ids[2], "att_1");
	memset(&x, 0, sizeof(x));
	ck_assert_int_eq(store_attempt_iter_delivery(t, "dlv_2", collect_att,
	    &x), 0);
	ck_assert_int_eq(x.n, 3);
	ck_assert_str_eq(x.ids[0], "att_3");
	ck_assert_str_eq(x.ids[2], "att_5");

	/* deleting a delivery deletes its attempts, failures included */
	ck_assert_int_eq(store_delivery_del(t, "dlv_2"), STORE_OK);
	memset(&x, 0, sizeof(x));
	ck_assert_int_eq(store_attempt_iter_delivery(t, "dlv_2", collect_att,
	    &x), 0);
	ck_assert_int_eq(x.n, 0);
	memset(&x, 0, sizeof(x));
	ck_assert_int_eq(store_attempt_iter_failures(t, collect_att, &x), 0);
	ck_assert_int_eq(x.n, 1);
	ck_assert_str_eq(x.ids[0], "att_1");
	ck_assert_int_eq(store_counts(t, &c), 0);
	ck_assert_uint_eq(c.attempts, 2);
	ck_assert_uint_eq(c.deliveries, 1);
	ck_assert_uint_eq(c.pending, 1);
	ck_assert_int_eq(store_queue_get(t, &q), 0);
	ck_assert_int_eq(q.failed, 0);
	ck_assert_int_eq(q.pending, 1);

	/* and a pending one leaves the due index and the event index */
	ck_assert_int_eq(store_delivery_del(t, "dlv_1"), STORE_OK);
	ck_assert_int_eq(store_counts(t, &c), 0);
	ck_assert_uint_eq(c.pending, 0);
	ck_assert_uint_eq(c.attempts, 0);
	ck_assert_uint_eq(c.deliveries, 0);
	ck_assert_int_eq(store_queue_get(t, &q), 0);
	ck_assert_int_eq(q.pending, 0);
	return STORE_OK;
}

static int
evt_index_empty(struct store_txn *t, void *ctx)
{
	struct names nm;

	(void)ctx;
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(store_delivery_iter_event(t, "evt_1", collect_dlv,
	    &nm), 0);
	ck_assert_int_eq(nm.n, 0);
	ck_assert_int_eq(store_delivery_iter_app(t, "app_1", NULL, collect_dlv,
	    &nm), 0);
	ck_assert_int_eq(store_delivery_iter_webhook(t, "wh_1", NULL,
	    collect_dlv, &nm), 0);
	ck_assert_int_eq(nm.n, 0);
	return STORE_OK;
}

START_TEST(test_store_failures_newest_first_and_delivery_delete_cascades)
{
	ck_assert_int_eq(txn(att_setup, NULL), STORE_OK);
	ck_assert_int_eq(txn(att_check, NULL), STORE_OK);
	ck_assert_int_eq(txn(evt_index_empty, NULL), STORE_OK);
}
END_TEST

/* ---- iter_before (retention) --------------------------------------------- */

struct before {
	int64_t ms;
	int64_t ev_after_at;		/* resume after this event ... */
	const char *ev_after;		/* ... (NULL: from the oldest) */
	const char *dl_after;		/* resume after this delivery */
	struct names ev, dl;
};

static int
collect_evt(const struct store_event *e, void *arg)
{
	struct names *nm = arg;

	ck_assert_ptr_null(e->body);
	FX_SET(nm->ids[nm->n], e->id);
	nm->n++;
	return 0;
}

static int
do_before(struct store_txn *t, void *ctx)
{
	struct before *b = ctx;
	int rc;

	memset(&b->ev, 0, sizeof(b->ev));
	memset(&b->dl, 0, sizeof(b->dl));
	if ((rc = store_event_iter_before(t, b->ms, b->ev_after_at,
	    b->ev_after, collect_evt, &b->ev)) != STORE_OK)
		return rc;
	return store_delivery_iter_before(t, b->ms, b->dl_after, collect_dlv,
	    &b->dl);
}

static int
put_events(struct store_txn *t, void *ctx)
{
	struct store_event e;
	char id[40];
	int i, rc;

	(void)ctx;
	/* client-chosen ids sort unlike their times: the time index decides */
	for (i = 0; i < 5; i++) {
		char eid[8] = { 'e', (char)('9' - i), 0 };

		e = fx_evt(eid, 1000 * (i + 1), "{}");
		if ((rc = store_event_put(t, &e)) != STORE_OK)
			return rc;
		fx_id("dlv", 1000 * (i + 1), id);
		struct store_delivery d = fx_dlv(id, eid, "wh_1", "app_1",
		    STORE_DLV_DELIVERED, 0);
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

static int
del_event(struct store_txn *t, void *ctx)
{
	return store_event_del(t, ctx);
}

START_TEST(test_store_iter_before_is_oldest_first_and_stops_at_ms)
{
	struct before b;

	ck_assert_int_eq(txn(put_events, NULL), STORE_OK);
	memset(&b, 0, sizeof(b));
	b.ms = 3000;
	ck_assert_int_eq(txn(do_before, &b), STORE_OK);
	ck_assert_int_eq(b.ev.n, 2);
	ck_assert_str_eq(b.ev.ids[0], "e9");
	ck_assert_str_eq(b.ev.ids[1], "e8");
	ck_assert_int_eq(b.dl.n, 2);
	ck_assert_int_lt(strcmp(b.dl.ids[0], b.dl.ids[1]), 0);

	ck_assert_int_eq(txn(del_event, "e9"), STORE_OK);
	ck_assert_int_eq(txn(del_event, "e9"), STORE_NOTFOUND);
	b.ms = INT64_MAX;
	ck_assert_int_eq(txn(do_before, &b), STORE_OK);
	ck_assert_int_eq(b.ev.n, 4);
	ck_assert_str_eq(b.ev.ids[0], "e8");
	ck_assert_int_eq(b.dl.n, 5);

	/* resumed strictly after a given entry (purge's batches), also after
	 * one that is gone: e8 is at 2000, e9 (1000) was deleted */
	{
		char d1[STORE_ID_MAX + 1];

		memcpy(d1, b.dl.ids[1], sizeof(d1));
		b.ev_after_at = 2000;
		b.ev_after = "e8";
		b.dl_after = d1;
		ck_assert_int_eq(txn(do_before, &b), STORE_OK);
		ck_assert_int_eq(b.ev.n, 3);
		ck_assert_str_eq(b.ev.ids[0], "e7");
		ck_assert_int_eq(b.dl.n, 3);
		b.ev_after_at = 1000;
		b.ev_after = "e9";
		ck_assert_int_eq(txn(do_before, &b), STORE_OK);
		ck_assert_int_eq(b.ev.n, 4);
		ck_assert_str_eq(b.ev.ids[0], "e8");
	}
}
END_TEST

/* ---- stats --------------------------------------------------------------- */

#define H 3600000LL

static int
stats_flow(struct store_txn *t, void *ctx)
{
	struct store_stat st;
	int rc;

	(void)ctx;
	if ((rc = store_stat_add(t, "wh_1", 5 * H + 10, 1, 0)) != 0 ||
	    (rc = store_stat_add(t, "wh_1", 5 * H + 20, 1, 1)) != 0 ||
	    (rc = store_stat_add(t, "wh_1", 5 * H + 30, 0, 3)) != 0 ||
	    (rc = store_stat_add(t, "wh_1", 6 * H - 1, 0, 4000000000u)) != 0 ||
	    (rc = store_stat_add(t, "wh_2", 5 * H, 1, 1024)) != 0 ||
	    (rc = store_stat_add(t, "wh_1", 6 * H, 1, 2)) != 0)
		return rc;
	ck_assert_int_eq(store_stat_get(t, "wh_1", 5 * H, &st), STORE_OK);
	ck_assert_int_eq(st.hour, 5 * H);
	ck_assert_uint_eq(st.delivered, 2);
	ck_assert_uint_eq(st.failed, 2);
	ck_assert_uint_eq(st.latency[0], 1);	/* 0 ms */
	ck_assert_uint_eq(st.latency[1], 1);	/* [1, 2) */
	ck_assert_uint_eq(st.latency[2], 1);	/* 3 in [2, 4) */
	ck_assert_uint_eq(st.latency[STORE_LAT_BUCKETS - 1], 1);
	ck_assert_int_eq(store_stat_get(t, "*", 5 * H, &st), STORE_OK);
	ck_assert_uint_eq(st.delivered, 3);
	ck_assert_uint_eq(st.failed, 2);
	ck_assert_uint_eq(st.latency[11], 1);	/* 1024 in [1024, 2048) */
	ck_assert_int_eq(store_stat_get(t, "wh_1", 6 * H, &st), STORE_OK);
	ck_assert_uint_eq(st.delivered, 1);

	ck_assert_int_eq(store_stat_purge(t, 6 * H), STORE_OK);
	ck_assert_int_eq(store_stat_get(t, "wh_1", 5 * H, &st),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_stat_get(t, "*", 5 * H, &st), STORE_NOTFOUND);
	ck_assert_int_eq(store_stat_get(t, "wh_2", 5 * H, &st),
	    STORE_NOTFOUND);
	ck_assert_int_eq(store_stat_get(t, "wh_1", 6 * H, &st), STORE_OK);
	ck_assert_int_eq(store_stat_get(t, "*", 6 * H, &st), STORE_OK);
	ck_assert_uint_eq(st.delivered, 1);
	return STORE_OK;
}

START_TEST(test_store_stats_add_get_purge)
{
	ck_assert_int_eq(txn(stats_flow, NULL), STORE_OK);
}
END_TEST

/* ---- a failing callback leaves nothing ----------------------------------- */

static int
half_then_fail(struct store_txn *t, void *ctx)
{
	struct all *a = ctx;
	int rc;

	if ((rc = put_all(t, a)) != STORE_OK)
		return rc;
	if ((rc = store_stat_add(t, "wh_1", 0, 1, 5)) != STORE_OK)
		return rc;
	return 7;	/* the caller's own abort code */
}

static int
nothing_left(struct store_txn *t, void *ctx)
{
	struct store_counts c;
	struct store_queue q;
	struct store_stat st;
	struct store_app a;
	struct store_health h;
	unsigned char hash[32];
	int i;

	(void)ctx;
	ck_assert_int_eq(store_counts(t, &c), 0);
	ck_assert_uint_eq(c.apps + c.webhooks + c.events + c.deliveries +
	    c.attempts + c.pending, 0);
	ck_assert_int_eq(store_queue_get(t, &q), 0);
	ck_assert_int_eq(q.pending + q.delivered + q.failed + q.cancelled, 0);
	ck_assert_int_eq(store_stat_get(t, "*", 0, &st), STORE_NOTFOUND);
	ck_assert_int_eq(store_health_get(t, "wh_1", &h), STORE_NOTFOUND);
	for (i = 0; i < 32; i++)
		hash[i] = (unsigned char)(i * 7 + 1);
	ck_assert_int_eq(store_app_by_key(t, hash, &a), STORE_NOTFOUND);
	return STORE_OK;
}

START_TEST(test_store_failed_callback_leaves_nothing_behind)
{
	struct all in;

	fill_all(&in, "{}", 2);
	in.d.status = STORE_DLV_PENDING;
	ck_assert_int_eq(txn(half_then_fail, &in), 7);
	ck_assert_int_eq(txn(nothing_left, NULL), STORE_OK);
}
END_TEST

/* A field over its cap is refused, and the refusal aborts the txn. */
static int
too_long(struct store_txn *t, void *ctx)
{
	struct store_app a = mk_app("app_ok", "org", 1);
	struct store_webhook w = fx_webhook("wh_long", "app_ok");
	int rc;

	(void)ctx;
	if ((rc = store_app_put(t, &a, 1)) != STORE_OK)
		return rc;
	memset(w.url, 'x', sizeof(w.url));	/* no NUL within the cap */
	return store_webhook_put(t, &w, 1);
}

START_TEST(test_store_field_over_cap_is_err_and_aborts)
{
	char err[512] = "";

	ck_assert_int_eq(store_txn(s, 0, run_step,
	    &(struct step){ too_long, NULL }, err, sizeof(err)), STORE_ERR);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	ck_assert_int_eq(txn(nothing_left, NULL), STORE_OK);
}
END_TEST

/* ---- record versions ---------------------------------------------------- */

START_TEST(test_store_unknown_record_version_or_damage_is_rejected)
{
	unsigned char buf[REC_WEBHOOK_MAX], *ev, *tk;
	struct store_webhook w = fx_webhook("wh_1", "app_1"), w2;
	struct store_delivery d = fx_dlv("dlv_1", "e", "w", "a", 0, 1), d2;
	struct store_event e = fx_evt("evt_1", 5, "body"), e2;
	size_t len, elen;

	ck_assert_int_eq(rec_webhook_enc(&w, buf, sizeof(buf), &len), 0);
	ck_assert_int_eq(buf[0], REC_V_WEBHOOK);
	ck_assert_int_eq(rec_webhook_dec(buf, len, &w2), 0);
	buf[0] = REC_V_WEBHOOK + 1;
	ck_assert_int_eq(rec_webhook_dec(buf, len, &w2), -1);
	buf[0] = REC_V_WEBHOOK;
	ck_assert_int_eq(rec_webhook_dec(buf, len - 1, &w2), -1);  /* short */
	ck_assert_int_eq(rec_webhook_dec(buf, len + 1, &w2), -1);  /* extra */
	buf[1] = 0xff;		/* id length 0x..ff > STORE_ID_MAX */
	ck_assert_int_eq(rec_webhook_dec(buf, len, &w2), -1);

	ck_assert_int_eq(rec_delivery_enc(&d, buf, sizeof(buf), &len), 0);
	buf[0] = 0;
	ck_assert_int_eq(rec_delivery_dec(buf, len, &d2), -1);
	d.status = 9;
	ck_assert_int_eq(rec_delivery_enc(&d, buf, sizeof(buf), &len), -1);

	ck_assert_int_eq(rec_event_enc(&e, &ev, &elen), 0);
	ck_assert_int_eq(rec_event_dec(ev, elen, 1, &e2), 0);
	ck_assert_uint_eq(e2.body_len, 4);
	store_event_free(&e2);
	ck_assert_int_eq(rec_event_dec(ev, elen - 1, 1, &e2), -1);
	/* the same, the record's buffer taken over as the body's */
	tk = malloc(elen);
	ck_assert_ptr_nonnull(tk);
	memcpy(tk, ev, elen);
	ck_assert_int_eq(rec_event_dec_take(tk, elen, &e2), 0);
	ck_assert_ptr_eq(e2.body, tk);
	ck_assert_uint_eq(e2.body_len, e.body_len);
	ck_assert_mem_eq(e2.body, e.body, e.body_len);
	ck_assert_int_eq(e2.body[e2.body_len], '\0');
	ck_assert_str_eq(e2.id, e.id);
	ck_assert_str_eq(e2.type, e.type);
	ck_assert_int_eq(e2.created_at, e.created_at);
	store_event_free(&e2);		/* frees tk */
	tk = malloc(elen);
	ck_assert_ptr_nonnull(tk);
	memcpy(tk, ev, elen);
	ck_assert_int_eq(rec_event_dec_take(tk, elen - 1, &e2), -1);
	ck_assert_ptr_null(e2.body);
	free(tk);
	ev[0] = REC_V_EVENT + 1;
	ck_assert_int_eq(rec_event_dec(ev, elen, 0, &e2), -1);
	free(ev);
}
END_TEST

/* Version 1 webhook records (before headers) are still read: as having
 * no headers.  Version 2 keeps the headers. */
START_TEST(test_store_webhook_record_v1_reads_without_headers)
{
	unsigned char buf[REC_WEBHOOK_MAX];
	struct store_webhook w = fx_webhook("wh_1", "app_1"), w2;
	size_t len;

	memcpy(w.headers, "X-Tenant: 42\n", sizeof("X-Tenant: 42\n"));
	ck_assert_int_eq(rec_webhook_enc(&w, buf, sizeof(buf), &len), 0);
	ck_assert_int_eq(rec_webhook_dec(buf, len, &w2), 0);
	ck_assert_str_eq(w2.headers, "X-Tenant: 42\n");
	ck_assert_str_eq(w2.url, w.url);

	/* the v1 layout: everything up to updated_at (v3 ends with the
	 * headers' 2-byte length, then 2 ordering bytes) */
	w.headers[0] = '\0';
	ck_assert_int_eq(rec_webhook_enc(&w, buf, sizeof(buf), &len), 0);
	len -= 2;
	buf[0] = 1;
	ck_assert_int_eq(rec_webhook_dec(buf, len - 2, &w2), 0);
	ck_assert_str_eq(w2.headers, "");
	ck_assert_str_eq(w2.id, "wh_1");
	ck_assert_int_eq(w2.updated_at, w.updated_at);
	/* a v1 record with bytes after updated_at is damaged */
	ck_assert_int_eq(rec_webhook_dec(buf, len, &w2), -1);
}
END_TEST

/* ---- the log: a checkpoint removes the files it no longer needs ------ */

#define BIG_BODY (200 * 1024)

/* Ten events of 200 KiB: some 2 MiB of log. */
static int
put_big_events(struct store_txn *t, void *ctx)
{
	const char *body = ctx;
	struct store_event e;
	char id[STORE_ID_MAX + 1];
	int i, rc;

	for (i = 0; i < 10; i++) {
		fx_id("evt", 1000, id);
		e = fx_evt(id, 1000, body);
		if ((rc = store_event_put(t, &e)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

static int
log_files(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "log.", 4) == 0)
			n++;
	closedir(d);
	return n;
}

/* A store that does not replicate has no DB_LOG_AUTO_REMOVE: its
 * checkpoints remove the log files (db/env.c, env_trim_log).  The removal
 * is watched in a store of its own whose DB_CONFIG asks for log files of
 * 1 MiB (Berkeley DB's own override), so a few take little writing. */
START_TEST(test_store_checkpoint_removes_the_logs_it_no_longer_needs)
{
	char *body = malloc(BIG_BODY + 1), *dir = fx_tmpdir(), err[256];
	int i, flag = 1;
	struct store *small;
	FILE *f;

	ck_assert_int_eq(s->env->log_get_config(s->env, DB_LOG_AUTO_REMOVE,
	    &flag), 0);
	ck_assert_int_eq(flag, 0);

	snprintf(err, sizeof(err), "%s/DB_CONFIG", dir);
	ck_assert_ptr_nonnull(f = fopen(err, "w"));
	fputs("set_lg_max 1048576\n", f);
	ck_assert_int_eq(fclose(f), 0);
	small = fx_open(dir, 1);
	ck_assert_ptr_nonnull(body);
	memset(body, 'x', BIG_BODY);
	body[BIG_BODY] = '\0';
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(fx_txn(small, 0, put_big_events, body),
		    STORE_OK);
	ck_assert_int_ge(log_files(dir), 3);
	ck_assert_int_eq(store_checkpoint(small, err, sizeof(err)), STORE_OK);
	ck_assert_int_eq(log_files(dir), 1);
	store_close(small);
	fx_rmdir(dir);
	free(dir);
	free(body);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *su = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_store_every_record_round_trips);
	tcase_add_test(tc, test_store_256k_event_body_round_trips);
	tcase_add_test(tc, test_store_empty_event_body_round_trips);
	tcase_add_test(tc, test_store_missing_records_are_notfound);
	tcase_add_test(tc, test_store_create_of_existing_id_is_exists);
	tcase_add_test(tc, test_store_app_indices_follow_updates_and_delete);
	tcase_add_test(tc,
	    test_store_iteration_stops_and_aborts_on_callback_request);
	tcase_add_test(tc, test_store_webhook_index_health_and_delete);
	tcase_add_test(tc, test_store_webhook_filter_matches);
	tcase_add_test(tc, test_store_star_never_matches_operational_types);
	tcase_add_test(tc, test_store_health_v1_record_reads_without_episode);
	tcase_add_test(tc,
	    test_store_due_index_holds_exactly_pending_deliveries);
	tcase_add_test(tc,
	    test_store_delivery_paging_newest_first_before_cursor);
	tcase_add_test(tc,
	    test_store_failures_newest_first_and_delivery_delete_cascades);
	tcase_add_test(tc,
	    test_store_iter_before_is_oldest_first_and_stops_at_ms);
	tcase_add_test(tc, test_store_stats_add_get_purge);
	tcase_add_test(tc, test_store_failed_callback_leaves_nothing_behind);
	tcase_add_test(tc, test_store_field_over_cap_is_err_and_aborts);
	tcase_add_test(tc,
	    test_store_unknown_record_version_or_damage_is_rejected);
	tcase_add_test(tc, test_store_webhook_record_v1_reads_without_headers);
	tcase_add_test(tc,
	    test_store_checkpoint_removes_the_logs_it_no_longer_needs);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
