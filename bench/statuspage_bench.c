/*
 * statuspage_bench.c - fill a store with many deliveries and time
 * statuspage_write() (the status page must stay well under a second
 * however much is stored).
 *
 *   statuspage_bench DIR [DELIVERIES]     default 1000000
 *
 * DIR must not exist or be empty; the store goes to DIR/db, the page to
 * DIR/www (left there to look at).  The data is realistic in shape: 10
 * apps x 5 webhooks (one disabled by a 410, two failing now), deliveries
 * created over the last 72 h, 86% delivered, 2% failed, 12% pending (most
 * of those due now), failed attempts with HTML response bodies, hourly
 * stats for every attempt of the last 24 h.  Prints one line of figures.
 * Exit 0, or 1 with a message.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db/store.h"
#include "lib/id.h"
#include "lib/num.h"
#include "lib/str.h"
#include "lib/timefmt.h"
#include "sender/statuspage.h"

#define HOUR 3600000LL
#define APPS 10
#define HOOKS 5
#define BATCH 5000
#define RUNS 5

struct fill {
	int64_t now;
	uint64_t from, to;		/* delivery numbers of this batch */
	uint64_t total;
	char wh[APPS * HOOKS][ID_MAX];
	char app[APPS][ID_MAX];
};

static const char *resp_503 =
    "<html><head><title>503 Service Unavailable</title></head><body>"
    "<h1>Service Unavailable</h1><p>The server is temporarily unable to "
    "service your request due to maintenance downtime or capacity "
    "problems. Please try again later.</p><hr><address>nginx</address>"
    "</body></html>";

/* Deterministic spread: a cheap hash of n. */
static uint64_t
mix(uint64_t n)
{
	n ^= n >> 33;
	n *= 0xff51afd7ed558ccdULL;
	n ^= n >> 33;
	return n;
}

static int
fill_setup(struct store_txn *t, void *arg)
{
	struct fill *f = arg;
	struct store_app a;
	struct store_webhook w;
	struct store_health h;
	int i, j, rc, k;

	for (i = 0; i < APPS; i++) {
		memset(&a, 0, sizeof(a));
		if (str_copy(a.id, sizeof(a.id), f->app[i]) == -1)
			return STORE_ERR;
		snprintf(a.org_id, sizeof(a.org_id), "org-%d", i % 3);
		snprintf(a.name, sizeof(a.name), "%s", (const char *[]){
		    "Consent portal", "eKYC gateway", "CRM sync",
		    "Analytics (MAU/DAU)", "Agreements", "Experiments",
		    "Profile mirror", "Support desk", "Billing", "Audit log" }[i]);
		a.created_at = f->now - 30 * 24 * HOUR;
		if ((rc = store_app_put(t, &a, 1)) != STORE_OK)
			return rc;
		for (j = 0; j < HOOKS; j++) {
			k = i * HOOKS + j;
			memset(&w, 0, sizeof(w));
			if (str_copy(w.id, sizeof(w.id), f->wh[k]) == -1 ||
			    str_copy(w.app_id, sizeof(w.app_id), a.id) == -1)
				return STORE_ERR;
			snprintf(w.url, sizeof(w.url),
			    "https://hooks%d.customer%d.example/webhooks/hookd/%d",
			    j, i, k);
			snprintf(w.events, sizeof(w.events), "*");
			snprintf(w.description, sizeof(w.description),
			    j == 0 ? "Production receiver" :
			    j == 1 ? "Staging" : "");
			snprintf(w.secret, sizeof(w.secret),
			    "whsec_BENCHSECRETDONOTSHOW");
			w.enabled = k != 7;
			if (k == 7)
				snprintf(w.disabled_reason,
				    sizeof(w.disabled_reason),
				    "receiver answered 410 Gone");
			w.created_at = w.updated_at = a.created_at;
			if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
				return rc;
			memset(&h, 0, sizeof(h));
			if (str_copy(h.webhook_id, sizeof(h.webhook_id),
			    w.id) == -1)
				return STORE_ERR;
			h.last_attempt_at = f->now - 1000 * (k + 1);
			h.last_status = 200;
			if (k == 3 || k == 12 || k == 7) {
				h.last_status = k == 12 ? 0 : k == 7 ? 410 : 503;
				if (k == 12)
					snprintf(h.last_error,
					    sizeof(h.last_error), "timeout");
				h.consecutive_failures = (uint32_t)(k + 2);
				h.failing_since = f->now - (k + 1) * 600000LL;
				h.next_retry_at = k == 7 ? 0 :
				    f->now + (k + 1) * 60000LL;
			}
			if ((rc = store_health_put(t, &h)) != STORE_OK)
				return rc;
		}
	}
	return STORE_OK;
}

static int
fill_batch(struct store_txn *t, void *arg)
{
	struct fill *f = arg;
	struct store_delivery d;
	struct store_attempt at;
	uint64_t n, r;
	int rc, k, ok;
	uint32_t ms;

	for (n = f->from; n < f->to; n++) {
		r = mix(n);
		k = (int)(r % (APPS * HOOKS));
		memset(&d, 0, sizeof(d));
		/* created over 72 h, oldest first (ids are time-ordered) */
		d.created_at = f->now - 72 * HOUR +
		    (int64_t)(n * (uint64_t)(72 * HOUR) / f->total);
		if (id_new_at("dlv", d.created_at, d.id, sizeof(d.id)) == -1 ||
		    id_new_at("evt", d.created_at, d.event_id,
		    sizeof(d.event_id)) == -1)
			return STORE_ERR;
		if (str_copy(d.webhook_id, sizeof(d.webhook_id), f->wh[k]) ==
		    -1 || str_copy(d.app_id, sizeof(d.app_id),
		    f->app[k / HOOKS]) == -1)
			return STORE_ERR;
		snprintf(d.event_type, sizeof(d.event_type), "user.signin");
		switch ((r >> 16) % 100) {
		case 0: case 1:
			d.status = STORE_DLV_FAILED;
			break;
		case 2: case 3: case 4: case 5: case 6: case 7: case 8:
		case 9: case 10: case 11: case 12: case 13:
			d.status = STORE_DLV_PENDING;
			/* most due now, some scheduled up to 5 h ahead */
			d.next_attempt_at = (r >> 24) % 4 == 0 ?
			    f->now + (int64_t)((r >> 32) % (5 * HOUR)) :
			    f->now - (int64_t)((r >> 32) % HOUR);
			break;
		default:
			d.status = STORE_DLV_DELIVERED;
		}
		d.attempts = d.status == STORE_DLV_PENDING ? 0 : 1;
		d.updated_at = d.created_at;
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
		if (d.status == STORE_DLV_PENDING)
			continue;
		ok = d.status == STORE_DLV_DELIVERED;
		ms = (uint32_t)(ok ? 40 + (r >> 40) % 400 : 15000);
		if (!ok) {
			memset(&at, 0, sizeof(at));
			if (id_new_at("att", d.created_at + ms, at.id,
			    sizeof(at.id)) == -1)
				return STORE_ERR;
			if (str_copy(at.delivery_id, sizeof(at.delivery_id),
			    d.id) == -1 || str_copy(at.webhook_id,
			    sizeof(at.webhook_id), d.webhook_id) == -1)
				return STORE_ERR;
			at.at = d.created_at + ms;
			at.duration_ms = ms;
			if ((r >> 8) % 2) {
				at.status_code = 503;
				at.response_len = strlen(resp_503);
				memcpy(at.response, resp_503, at.response_len);
			} else
				snprintf(at.error, sizeof(at.error), "timeout");
			if ((rc = store_attempt_put(t, &at)) != STORE_OK)
				return rc;
		}
		if (d.created_at >= f->now - 24 * HOUR &&
		    (rc = store_stat_add(t, d.webhook_id, d.created_at + ms,
		    ok, ms)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	struct store_opts o;
	struct store *s = NULL;
	struct fill *f;
	char home[4096], www[4096], err[512] = "", pass[128];
	uint64_t total = 1000000, n;
	int64_t t0, fill_ms, runs[RUNS];
	struct stat st;
	int i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: statuspage_bench DIR [DELIVERIES]\n");
		return 1;
	}
	if (argc == 3) {
		if (num_parse_u64(argv[2], NUM_CSTR, 1, 100000000, &total,
		    NULL) == -1) {
			fprintf(stderr, "statuspage_bench: bad count %s\n",
			    argv[2]);
			return 1;
		}
	}
	if ((size_t)snprintf(home, sizeof(home), "%s/db", argv[1]) >=
	    sizeof(home) || (size_t)snprintf(www, sizeof(www), "%s/www",
	    argv[1]) >= sizeof(www)) {
		fprintf(stderr, "statuspage_bench: path too long\n");
		return 1;
	}
	(void)mkdir(argv[1], 0755);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return 1;
	f->now = timefmt_now_ms();
	f->total = total;
	for (i = 0; i < APPS; i++)
		if (id_new_at("app", f->now - 30 * 24 * HOUR + i, f->app[i],
		    sizeof(f->app[i])) == -1)
			return 1;
	for (i = 0; i < APPS * HOOKS; i++)
		if (id_new_at("wh", f->now - 30 * 24 * HOUR + i, f->wh[i],
		    sizeof(f->wh[i])) == -1)
			return 1;

	memset(&o, 0, sizeof(o));
	o.home = home;
	o.nosync = 1;
	if (store_open(&s, &o, err, sizeof(err)) != STORE_OK)
		goto bad;
	t0 = timefmt_mono_ms();
	if (store_txn(s, 0, fill_setup, f, err, sizeof(err)) != STORE_OK)
		goto bad;
	for (n = 0; n < total; n += BATCH) {
		f->from = n;
		f->to = n + BATCH < total ? n + BATCH : total;
		if (store_txn(s, 0, fill_batch, f, err, sizeof(err)) !=
		    STORE_OK)
			goto bad;
	}
	fill_ms = timefmt_mono_ms() - t0;
	if (store_checkpoint(s, err, sizeof(err)) != STORE_OK)
		goto bad;

	for (i = 0; i < RUNS; i++) {
		snprintf(pass, sizeof(pass), "statuspage_bench run %d", i + 1);
		t0 = timefmt_mono_ms();
		if (statuspage_write_dir(s, www, pass, timefmt_now_ms(), err,
		    sizeof(err)) == -1)
			goto bad;
		runs[i] = timefmt_mono_ms() - t0;
	}
	qsort(runs, RUNS, sizeof(runs[0]), cmp_i64);
	if ((size_t)snprintf(home, sizeof(home), "%.4000s/status.html", www) >=
	    sizeof(home) || stat(home, &st) == -1)
		st.st_size = 0;
	printf("statuspage_bench: deliveries=%" PRIu64 " fill_s=%.1f "
	    "write_ms min=%" PRId64 " median=%" PRId64 " max=%" PRId64
	    " (%d runs) html_bytes=%lld\n", total, (double)fill_ms / 1000.0,
	    runs[0], runs[RUNS / 2], runs[RUNS - 1], RUNS,
	    (long long)st.st_size);
	store_close(s);
	free(f);
	return 0;
bad:
	fprintf(stderr, "statuspage_bench: %s\n", err);
	store_close(s);
	free(f);
	return 1;
}
