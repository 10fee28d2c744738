/*
 * sender_seed.c - put due deliveries straight into a store, for the sender's
 * benchmarks and smoke tests (no API in the way).
 *
 *   sender_seed -d DATA_DIR -u URL [-n EVENTS] [-w WEBHOOKS] [-s BYTES]
 *               [-a DUE_IN_MS] [-k SECRET] [-N] [-L LANES]
 *
 * Creates one app, WEBHOOKS webhooks at URL (every one gets every event),
 * EVENTS events of about BYTES bytes each, and one pending delivery per
 * (event, webhook), due DUE_IN_MS from now (default 0).  -N: nosync.
 * -L LANES: the webhooks are FIFO by user_id and event i has user_id
 * "u<i % LANES>": LANES lanes, each with EVENTS / LANES deliveries (only
 * each lane's head is in the due index); every delivery has had one
 * attempt, so a lane whose head is not due yet is a stuck lane.
 * Prints "app WH... " ids on stdout.  1000 events per transaction.
 * Ends with a checkpoint, so a sender timed on the store does not also
 * pay for flushing what the seeding wrote (as a live intake's pages are
 * flushed by the checkpoints along the way, not by the next sender pass).
 */
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/store.h"
#include "lib/id.h"
#include "lib/num.h"
#include "lib/str.h"
#include "lib/timefmt.h"

#define SEED_WH_MAX 1000
#define SEED_PER_TXN 1000

struct seed {
	const char *url, *secret;
	long events, webhooks, size, due_in, lanes;
	struct store_app app;
	char wh[SEED_WH_MAX][ID_MAX];
	long from, to;		/* events of this transaction */
	char *body;
};

static int
seed_num(const char *s, long *out)
{
	int64_t v;

	if (num_parse_i64(s, NUM_CSTR, 0, LONG_MAX, &v, NULL) == -1)
		return -1;
	*out = (long)v;
	return 0;
}

static int
seed_setup(struct store_txn *t, void *arg)
{
	struct seed *s = arg;
	struct store_webhook w;
	long i;
	int rc;

	if ((rc = store_app_put(t, &s->app, 1)) != STORE_OK)
		return rc;
	for (i = 0; i < s->webhooks; i++) {
		memset(&w, 0, sizeof(w));
		if (str_copy(w.id, sizeof(w.id), s->wh[i]) == -1 ||
		    str_copy(w.app_id, sizeof(w.app_id), s->app.id) == -1 ||
		    str_copy(w.url, sizeof(w.url), s->url) == -1 ||
		    str_copy(w.events, sizeof(w.events), "*") == -1 ||
		    str_copy(w.secret, sizeof(w.secret), s->secret) == -1)
			return STORE_ERR;
		w.enabled = 1;
		if (s->lanes > 0) {
			w.ordering = STORE_ORDER_FIFO;
			w.ordering_key = STORE_OKEY_USER;
		}
		w.created_at = w.updated_at = timefmt_now_ms();
		if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

static int
seed_events(struct store_txn *t, void *arg)
{
	struct seed *s = arg;
	struct store_event e;
	struct store_delivery d;
	int64_t now = timefmt_now_ms();
	char ts[TIMEFMT_LEN], user[32];
	long i, k;
	int n, rc;

	for (i = s->from; i < s->to; i++) {
		memset(&e, 0, sizeof(e));
		if (id_new("evt", e.id, sizeof(e.id)) == -1)
			return STORE_ERR;
		snprintf(e.type, sizeof(e.type), "user.signin");
		if (str_copy(e.org_id, sizeof(e.org_id), s->app.org_id) ==
		    -1 || str_copy(e.app_id, sizeof(e.app_id), s->app.id) == -1)
			return STORE_ERR;
		e.created_at = now;
		e.deliveries = (uint32_t)s->webhooks;
		timefmt_format(now, ts, sizeof(ts));
		n = snprintf(s->body, (size_t)s->size + 512,
		    "{\"id\":\"%s\",\"type\":\"user.signin\",\"timestamp\":"
		    "\"%s\",\"org_id\":\"%s\",\"app_id\":\"%s\",\"user_id\":"
		    "\"u%ld\",\"data\":{\"pad\":\"", e.id, ts, e.org_id,
		    e.app_id, i);
		while (n < s->size - 3)
			s->body[n++] = 'x';
		memcpy(s->body + n, "\"}}", 3);
		e.body = s->body;
		e.body_len = (size_t)n + 3;
		if ((rc = store_event_put(t, &e)) != STORE_OK)
			return rc;
		for (k = 0; k < s->webhooks; k++) {
			memset(&d, 0, sizeof(d));
			if (id_new("dlv", d.id, sizeof(d.id)) == -1)
				return STORE_ERR;
			memcpy(d.event_id, e.id, sizeof(d.event_id));
			snprintf(d.webhook_id, sizeof(d.webhook_id), "%s",
			    s->wh[k]);
			memcpy(d.app_id, e.app_id, sizeof(d.app_id));
			memcpy(d.event_type, e.type, sizeof(d.event_type));
			d.status = STORE_DLV_PENDING;
			d.next_attempt_at = now + s->due_in;
			d.created_at = d.updated_at = now;
			if (s->lanes > 0) {
				snprintf(user, sizeof(user), "u%ld",
				    i % s->lanes);
				d.user_id = user;
				d.attempts = 1;
			}
			if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
				return rc;
		}
	}
	return STORE_OK;
}

int
main(int argc, char **argv)
{
	static struct seed s;
	struct store_opts o;
	struct store *st;
	char err[512];
	long i;
	int ch;

	memset(&o, 0, sizeof(o));
	s.events = 1;
	s.webhooks = 1;
	s.size = 1024;
	s.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	while ((ch = getopt(argc, argv, "d:u:n:w:s:a:k:K:NL:")) != -1) {
		switch (ch) {
		case 'd': o.home = optarg; break;
		case 'u': s.url = optarg; break;
		case 'k': s.secret = optarg; break;
		case 'K': o.key_file = optarg; break;	/* encrypted store */
		case 'N': o.nosync = 1; break;
		case 'n': if (seed_num(optarg, &s.events)) goto usage; break;
		case 'w': if (seed_num(optarg, &s.webhooks)) goto usage; break;
		case 's': if (seed_num(optarg, &s.size)) goto usage; break;
		case 'a': if (seed_num(optarg, &s.due_in)) goto usage; break;
		case 'L': if (seed_num(optarg, &s.lanes)) goto usage; break;
		default: goto usage;
		}
	}
	if (o.home == NULL || s.url == NULL || s.webhooks < 1 ||
	    s.webhooks > SEED_WH_MAX || s.size < 256)
		goto usage;
	s.body = malloc((size_t)s.size + 512);
	if (s.body == NULL)
		return 1;
	if (store_open(&st, &o, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "sender_seed: %s\n", err);
		return 1;
	}
	if (id_new("app", s.app.id, sizeof(s.app.id)) == -1)
		return 1;
	snprintf(s.app.org_id, sizeof(s.app.org_id), "org_seed");
	snprintf(s.app.name, sizeof(s.app.name), "seed");
	s.app.created_at = timefmt_now_ms();
	for (i = 0; i < s.webhooks; i++)
		if (id_new("wh", s.wh[i], sizeof(s.wh[i])) == -1)
			return 1;
	if (store_txn(st, 0, seed_setup, &s, err, sizeof(err)) != STORE_OK)
		goto fail;
	for (s.from = 0; s.from < s.events; s.from = s.to) {
		s.to = s.from + SEED_PER_TXN;
		if (s.to > s.events)
			s.to = s.events;
		if (store_txn(st, 0, seed_events, &s, err, sizeof(err)) !=
		    STORE_OK)
			goto fail;
	}
	if (store_checkpoint(st, err, sizeof(err)) != STORE_OK)
		goto fail;
	printf("%s", s.app.id);
	for (i = 0; i < s.webhooks; i++)
		printf(" %s", s.wh[i]);
	printf("\n");
	store_close(st);
	free(s.body);
	return 0;
fail:
	fprintf(stderr, "sender_seed: %s\n", err);
	store_close(st);
	return 1;
usage:
	fprintf(stderr, "usage: sender_seed -d DIR -u URL [-n N] [-w W] "
	    "[-s BYTES] [-a DUE_IN_MS] [-k SECRET] [-K KEYFILE] [-N] "
	    "[-L LANES]\n");
	return 2;
}
