/*
 * test_fanout.c - the per-org fan-out generation (db/fanout.c: every app
 * and webhook write bumps its org's, and only its org's) and intake's
 * cache over it (cgi/fanout.c: answers the store as of the transaction,
 * stays within its bounds).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/fanout.h"
#include "tests/unit/store_fixture.h"

enum op { OP_GEN, OP_APP_PUT, OP_APP_DEL, OP_WH_PUT, OP_WH_DEL, OP_FANOUT };

struct step {
	enum op op;
	struct store_app app;
	struct store_webhook wh;
	int create;
	const char *org;		/* OP_GEN, OP_FANOUT */
	const char *type;		/* OP_FANOUT */
	struct store_fanout_gen gen;	/* OP_GEN */
	const struct fanout_org *f;	/* OP_FANOUT */
	struct idlist hooks;		/* OP_FANOUT: matches of type */
};

static int
run_step(struct store_txn *t, void *arg)
{
	struct step *st = arg;
	int rc;

	switch (st->op) {
	case OP_GEN:
		return store_fanout_gen(t, st->org, &st->gen);
	case OP_APP_PUT:
		return store_app_put(t, &st->app, st->create);
	case OP_APP_DEL:
		return store_app_del(t, st->app.id);
	case OP_WH_PUT:
		return store_webhook_put(t, &st->wh, st->create);
	case OP_WH_DEL:
		return store_webhook_del(t, st->wh.id);
	case OP_FANOUT:
		idlist_reset(&st->hooks);
		if ((rc = fanout_get(t, st->org, &st->f)) != STORE_OK)
			return rc;
		return fanout_match(st->f, NULL, st->type, &st->hooks) == 0 ?
		    STORE_OK : STORE_ERR;
	}
	return STORE_ERR;
}

static struct store_fanout_gen
gen(struct store *s, const char *org)
{
	struct step st;

	memset(&st, 0, sizeof(st));
	st.op = OP_GEN;
	st.org = org;
	ck_assert_int_eq(fx_txn(s, 0, run_step, &st), STORE_OK);
	return st.gen;
}

static int
same(struct store_fanout_gen a, struct store_fanout_gen b)
{
	return a.n == b.n && a.salt == b.salt;
}

static void
app_put(struct store *s, struct store_app *a, int create)
{
	struct step st;

	memset(&st, 0, sizeof(st));
	st.op = OP_APP_PUT;
	st.app = *a;
	st.create = create;
	ck_assert_int_eq(fx_txn(s, 0, run_step, &st), STORE_OK);
}

static struct store_app
app_new(struct store *s, const char *org)
{
	struct store_app a;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(id_new("app", a.id, sizeof(a.id)), 0);
	FX_SET(a.org_id, org);
	FX_SET(a.name, "a");
	ck_assert_int_eq(id_random(a.key_hash, sizeof(a.key_hash)), 0);
	app_put(s, &a, 1);
	return a;
}

static void
wh_put(struct store *s, struct store_webhook *w, int create)
{
	struct step st;

	memset(&st, 0, sizeof(st));
	st.op = OP_WH_PUT;
	st.wh = *w;
	st.create = create;
	ck_assert_int_eq(fx_txn(s, 0, run_step, &st), STORE_OK);
}

static struct store_webhook
wh_new(struct store *s, const char *app_id, const char *events)
{
	struct store_webhook w;

	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(id_new("wh", w.id, sizeof(w.id)), 0);
	FX_SET(w.app_id, app_id);
	FX_SET(w.url, "http://127.0.0.1:9/");
	FX_SET(w.events, events);
	FX_SET(w.secret, "whsec_x");
	w.enabled = 1;
	wh_put(s, &w, 1);
	return w;
}

static void
del(struct store *s, enum op op, const char *id)
{
	struct step st;

	memset(&st, 0, sizeof(st));
	st.op = op;
	FX_SET(st.app.id, id);
	FX_SET(st.wh.id, id);
	ck_assert_int_eq(fx_txn(s, 0, run_step, &st), STORE_OK);
}

/* The webhooks org's events of type go to, via the cache: count, and
 * *f the entry answered. */
static size_t
fan(struct store *s, const char *org, const char *type,
    const struct fanout_org **f)
{
	struct step st;
	size_t n;

	memset(&st, 0, sizeof(st));
	idlist_init(&st.hooks);
	st.op = OP_FANOUT;
	st.org = org;
	st.type = type;
	ck_assert_int_eq(fx_txn(s, 0, run_step, &st), STORE_OK);
	n = idlist_len(&st.hooks);
	if (f != NULL)
		*f = st.f;
	idlist_free(&st.hooks);
	return n;
}

/* Run write w, then check org's generation moved and other's did not. */
#define BUMPS(s, org, other, w) do {					\
	struct store_fanout_gen g0 = gen(s, org), o0 = gen(s, other);	\
	w;								\
	ck_assert(!same(gen(s, org), g0));				\
	ck_assert(same(gen(s, other), o0));				\
} while (0)

START_TEST(test_every_app_and_webhook_write_bumps_its_orgs_generation_only)
{
	char *home = fx_tmpdir();
	struct store *s = fx_open(home, 1);
	struct store_app a, b;
	struct store_webhook w, lost;
	struct store_fanout_gen g;

	g = gen(s, "org-a");
	ck_assert(g.n == 0 && g.salt == 0);	/* never bumped */
	b = app_new(s, "org-b");
	BUMPS(s, "org-a", "org-b", a = app_new(s, "org-a"));
	BUMPS(s, "org-a", "org-b", w = wh_new(s, a.id, "*"));
	w.enabled = 0;				/* as the sender disables */
	BUMPS(s, "org-a", "org-b", wh_put(s, &w, 0));
	FX_SET(w.events, "user.*");
	BUMPS(s, "org-a", "org-b", wh_put(s, &w, 0));
	BUMPS(s, "org-a", "org-b", del(s, OP_WH_DEL, w.id));
	FX_SET(a.name, "renamed");
	BUMPS(s, "org-a", "org-b", app_put(s, &a, 0));
	/* an app moved to another org: both */
	g = gen(s, "org-b");
	BUMPS(s, "org-a", "org-c",
	    (FX_SET(a.org_id, "org-b"), app_put(s, &a, 0)));
	ck_assert(!same(gen(s, "org-b"), g));
	BUMPS(s, "org-b", "org-a", del(s, OP_APP_DEL, a.id));
	/* a webhook of no app: no org to bump, and no event reaches it */
	g = gen(s, "org-b");
	lost = wh_new(s, "app_nothere", "*");
	ck_assert(same(gen(s, "org-b"), g));
	del(s, OP_WH_DEL, lost.id);
	BUMPS(s, "org-b", "org-a", del(s, OP_APP_DEL, b.id));
	store_close(s);
	fx_rmdir(home);
	free(home);
}
END_TEST

START_TEST(test_fanout_answers_the_store_as_of_the_transaction)
{
	char *home = fx_tmpdir();
	struct store *s = fx_open(home, 1);
	const struct fanout_org *f1, *f2;
	struct store_app a = app_new(s, "org-a"), b = app_new(s, "org-b");
	struct store_webhook w = wh_new(s, a.id, "user.*");

	fanout_clear();
	(void)wh_new(s, b.id, "*");
	ck_assert_uint_eq(fan(s, "org-a", "user.x", &f1), 1);
	ck_assert_uint_eq(fan(s, "org-a", "user.x", &f2), 1);
	ck_assert_ptr_eq(f1, f2);		/* answered from the cache */
	ck_assert(fanout_has_app(f2, a.id) && !fanout_has_app(f2, b.id));
	ck_assert_uint_eq(fan(s, "org-a", "billing.x", NULL), 0);
	w.enabled = 0;
	wh_put(s, &w, 0);
	ck_assert_uint_eq(fan(s, "org-a", "user.x", NULL), 0);
	w.enabled = 1;
	FX_SET(w.events, "billing.*");
	wh_put(s, &w, 0);
	ck_assert_uint_eq(fan(s, "org-a", "user.x", NULL), 0);
	ck_assert_uint_eq(fan(s, "org-a", "billing.x", NULL), 1);
	(void)wh_new(s, a.id, "*");
	ck_assert_uint_eq(fan(s, "org-a", "billing.x", NULL), 2);
	del(s, OP_WH_DEL, w.id);
	ck_assert_uint_eq(fan(s, "org-a", "billing.x", NULL), 1);
	del(s, OP_APP_DEL, a.id);		/* its webhook stays: no app */
	ck_assert_uint_eq(fan(s, "org-a", "billing.x", &f1), 0);
	ck_assert(!fanout_has_app(f1, a.id));
	ck_assert_uint_eq(fan(s, "org-b", "billing.x", NULL), 1);
	fanout_clear();
	store_close(s);
	fx_rmdir(home);
	free(home);
}
END_TEST

START_TEST(test_fanout_cache_stays_within_its_bounds)
{
	char *home = fx_tmpdir();
	struct store *s = fx_open(home, 1);
	char org[64], filter[STORE_EVENTS_MAX + 1];
	struct store_app big;
	size_t orgs, bytes, i;

	fanout_clear();
	for (i = 0; i < 3 * FANOUT_ORGS; i++) {
		snprintf(org, sizeof(org), "org-%zu", i);
		(void)wh_new(s, app_new(s, org).id, "*");
		ck_assert_uint_eq(fan(s, org, "user.x", NULL), 1);
		fanout_stats(&orgs, &bytes);
		ck_assert_uint_le(orgs, FANOUT_ORGS);
		ck_assert_uint_le(bytes, FANOUT_BYTES);
	}
	ck_assert_uint_eq(orgs, FANOUT_ORGS);
	/* evicted ones are read again, right */
	ck_assert_uint_eq(fan(s, "org-0", "user.x", NULL), 1);
	/* an org above FANOUT_BYTES / 8 is answered, not cached */
	memset(filter, 'a', sizeof(filter) - 3);
	memcpy(filter + sizeof(filter) - 3, ",*", 3);
	big = app_new(s, "org-big");
	for (i = 0; i < (FANOUT_BYTES / 8) / sizeof(filter) + 1; i++)
		(void)wh_new(s, big.id, filter);
	fanout_stats(&orgs, &bytes);
	ck_assert_uint_eq(fan(s, "org-big", "user.x", NULL), i);
	fanout_stats(&orgs, &i);
	ck_assert_uint_le(i, bytes);		/* nothing added */
	fanout_clear();
	fanout_stats(&orgs, &bytes);
	ck_assert_uint_eq(orgs, 0);
	ck_assert_uint_eq(bytes, 0);
	store_close(s);
	fx_rmdir(home);
	free(home);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("fanout");
	TCase *tc = tcase_create("fanout");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
	    test_every_app_and_webhook_write_bumps_its_orgs_generation_only);
	tcase_add_test(tc, test_fanout_answers_the_store_as_of_the_transaction);
	tcase_add_test(tc, test_fanout_cache_stays_within_its_bounds);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
