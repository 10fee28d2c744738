/*
 * test_pick.c - sender/pick.c's resume cursor over the due index: a pick
 * that filled what it wanted lets the next one start after it instead of
 * walking past the in-flight head again, and what that skips (a delivery
 * made due earlier than the cursor after the pick) is found by the next
 * pick from the head: after a pick that did not fill, and after
 * PICK_HEAD_EVERY_MS in any case.  No delivery is ever picked twice.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/store.h"
#include "lib/config.h"
#include "lib/timefmt.h"
#include "sender/idset.h"
#include "sender/job.h"
#include "sender/pick.h"
#include "sender/whtab.h"
#include "tests/unit/store_fixture.h"

#define NOW 1000000LL
#define NDLV 10

static char *home;
static struct store *s;
static struct config cfg;
static struct idset *inflight;
static struct whtab *wt;
static struct pick_cursor cur;
static struct job pool[64];

struct put {
	const char *id;
	int64_t due;
};

static int
put_dlv(struct store_txn *t, void *arg)
{
	const struct put *p = arg;
	struct store_delivery d = fx_dlv(p->id, "evt_1", "wh_1", "app_1",
	    STORE_DLV_PENDING, p->due);

	return store_delivery_put(t, &d, 1);
}

static int
seed(struct store_txn *t, void *arg)
{
	struct store_webhook w;
	struct store_event e = fx_evt("evt_1", NOW - 5000, "{\"a\":1}");
	struct store_delivery d;
	char id[STORE_ID_MAX + 1];
	int i, rc;

	(void)arg;
	w = fx_webhook("wh_1", "app_1");
	if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
		return rc;
	if ((rc = store_event_put(t, &e)) != STORE_OK)
		return rc;
	for (i = 0; i < NDLV; i++) {
		snprintf(id, sizeof(id), "dlv_%02d", i);
		d = fx_dlv(id, "evt_1", "wh_1", "app_1", STORE_DLV_PENDING,
		    NOW - 1000 + i);
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

static void
setup(void)
{
	home = fx_tmpdir();
	s = fx_open(home, 1);
	memset(&cfg, 0, sizeof(cfg));
	cfg.per_webhook_concurrency = 64;
	inflight = idset_new(64);
	wt = whtab_new();
	ck_assert_ptr_nonnull(inflight);
	ck_assert_ptr_nonnull(wt);
	memset(&cur, 0, sizeof(cur));
	memset(pool, 0, sizeof(pool));
	fx_txn(s, 0, seed, NULL);
}

static void
teardown(void)
{
	size_t i;

	for (i = 0; i < sizeof(pool) / sizeof(pool[0]); i++)
		job_clear(&pool[i]);
	idset_free(inflight);
	whtab_free(wt);
	store_close(s);
	fx_rmdir(home);
	free(home);
}

/* Pick up to want into pool[at..]; the picked ids joined by ','. */
static size_t
pick(size_t at, size_t want, char *ids, size_t cap)
{
	struct job *jobs[64];
	struct pick_result res;
	char err[256];
	size_t i, o = 0;

	for (i = 0; i < want; i++)
		jobs[i] = &pool[at + i];
	ck_assert_int_eq(pick_due(s, &cfg, inflight, wt, &cur, NOW, 0, jobs,
	    want, &res, err, sizeof(err)), 0);
	ids[0] = '\0';
	for (i = 0; i < res.n; i++) {
		ck_assert_int_eq(jobs[i]->kind, JOB_SEND);
		o += (size_t)snprintf(ids + o, cap - o, "%s%s", i ? "," : "",
		    jobs[i]->d.id);
	}
	return res.n;
}

START_TEST(test_pick_resumes_after_a_full_pick_and_rescans_from_the_head)
{
	struct put early = { "dlv_early", NOW - 5000 };
	char ids[512];

	ck_assert_uint_eq(pick(0, 3, ids, sizeof(ids)), 3);
	ck_assert_str_eq(ids, "dlv_00,dlv_01,dlv_02");
	ck_assert_int_eq(cur.valid, 1);
	ck_assert_int_eq(cur.at, NOW - 1000 + 2);	/* dlv_02 was due then */

	/* due before the cursor, made after the pick */
	fx_txn(s, 0, put_dlv, &early);

	ck_assert_uint_eq(pick(3, 3, ids, sizeof(ids)), 3);
	ck_assert_str_eq(ids, "dlv_03,dlv_04,dlv_05");
	/* this one runs out before it fills: the cursor is dropped */
	ck_assert_uint_eq(pick(6, 10, ids, sizeof(ids)), 4);
	ck_assert_str_eq(ids, "dlv_06,dlv_07,dlv_08,dlv_09");
	ck_assert_int_eq(cur.valid, 0);
	/* from the head: past the ten in flight, to the early one */
	ck_assert_uint_eq(pick(16, 10, ids, sizeof(ids)), 1);
	ck_assert_str_eq(ids, "dlv_early");
	ck_assert_uint_eq(idset_count(inflight), NDLV + 1);
	ck_assert_uint_eq(pick(17, 10, ids, sizeof(ids)), 0);
}
END_TEST

START_TEST(test_pick_goes_back_to_the_head_after_head_every_ms)
{
	struct put early = { "dlv_early", NOW - 5000 };
	char ids[512];

	ck_assert_uint_eq(pick(0, 3, ids, sizeof(ids)), 3);
	ck_assert_int_eq(cur.valid, 1);
	fx_txn(s, 0, put_dlv, &early);
	/* the last pick from the head was PICK_HEAD_EVERY_MS ago */
	cur.head_mono = timefmt_mono_ms() - PICK_HEAD_EVERY_MS - 1;
	ck_assert_uint_eq(pick(3, 2, ids, sizeof(ids)), 2);
	ck_assert_str_eq(ids, "dlv_early,dlv_03");
}
END_TEST

START_TEST(test_pick_never_hands_out_an_in_flight_delivery)
{
	char ids[512], all[4096] = "";
	size_t got = 0, n, at = 0, len = 0;
	int rounds = 0;

	/* small picks through all of it, cursor or not */
	while ((n = pick(at, 2, ids, sizeof(ids))) > 0 && rounds++ < 20) {
		ck_assert_ptr_null(strstr(all, ids));
		len += (size_t)snprintf(all + len, sizeof(all) - len, "%s;",
		    ids);
		ck_assert_uint_lt(len, sizeof(all));
		got += n;
		at += n;
	}
	ck_assert_uint_eq(got, NDLV);
}
END_TEST

static Suite *
pick_suite(void)
{
	Suite *su = suite_create("pick");
	TCase *tc = tcase_create("cursor");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc,
	    test_pick_resumes_after_a_full_pick_and_rescans_from_the_head);
	tcase_add_test(tc, test_pick_goes_back_to_the_head_after_head_every_ms);
	tcase_add_test(tc, test_pick_never_hands_out_an_in_flight_delivery);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(pick_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
