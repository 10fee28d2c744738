/*
 * intake.c - storing an event and its deliveries in one transaction
 * (contract in intake.h).
 */
#include <string.h>

#include "cgi/fanout.h"
#include "cgi/intake.h"
#include "cgi/response.h"
#include "cgi/webhooks.h"
#include "lib/catalog.h"
#include "lib/id.h"
#include "lib/wake.h"

void
intake_init(struct intake *in)
{
	memset(in, 0, sizeof(*in));
	idlist_init(&in->hooks);
}

void
intake_free(struct intake *in)
{
	idlist_free(&in->hooks);
}

/* The stored event of our id: answer it and write nothing. */
static int
intake_dup(struct store_txn *t, struct intake *in)
{
	struct store_event old;
	int rc;

	rc = store_event_get(t, in->ev.id, 0, &old);
	if (rc != STORE_OK)
		return rc;
	in->deliveries = old.deliveries;
	store_event_free(&old);
	return INTAKE_DUP;
}

/* The targets by fan-out: the org's apps and webhooks as of this
 * transaction, one read of its fan-out generation when this process has
 * them cached (cgi/fanout.h). */
static int
intake_fanout(struct store_txn *t, struct intake *in)
{
	const struct fanout_org *f;
	int rc;

	if ((rc = fanout_get(t, in->ev.org_id, &f)) != STORE_OK)
		return rc;
	if (in->ev.app_id[0] != '\0' && !fanout_has_app(f, in->ev.app_id))
		return call_fail(in->c, 422, "invalid_field",
		    "app_id: no such app in org_id");
	return fanout_match(f, in->ev.app_id, in->ev.type, &in->hooks) == -1 ?
	    STORE_ERR : STORE_OK;
}

/* The one target webhook_id, enabled, of ev.app_id. */
static int
intake_one(struct store_txn *t, struct intake *in)
{
	struct store_webhook w;
	int rc;

	rc = webhooks_load_enabled(t, in->c, in->ev.app_id, in->webhook_id,
	    &w);
	if (rc == STORE_OK && idlist_add(&in->hooks, w.id, w.app_id) != 0)
		rc = STORE_ERR;
	explicit_bzero(&w, sizeof(w));		/* it holds the secrets */
	return rc;
}

/* Target i of the idlist: (webhook id, app id). */
static void
intake_target(const void *list, size_t i, const char **webhook_id,
    const char **app_id)
{
	const struct idlist_item *it = IDLIST_AT((const struct idlist *)list, i);

	*webhook_id = it->id;
	*app_id = it->owner;
}

/*
 * The writes of one event in transaction t: store code, INTAKE_DUP, or a
 * call_fail status.  A refusal (call_fail) comes before the event's
 * first write, so a batch may go on with the next event in the same
 * transaction.
 */
static int
intake_event(struct store_txn *t, struct intake *in)
{
	int rc;

	idlist_reset(&in->hooks);
	in->deliveries = 0;
	in->delivery_id[0] = '\0';
	/* A repeated id: answer from the first event, before any work.  An
	 * id made here is new (time + 80 random bits): no look-up, and no
	 * read lock on the events page that the put below must upgrade (two
	 * processes doing both deadlock).  The put still refuses a taken id. */
	if (in->given_id) {
		rc = intake_dup(t, in);
		if (rc != STORE_NOTFOUND)
			return rc;
	}
	rc = in->webhook_id != NULL ? intake_one(t, in) : intake_fanout(t, in);
	if (rc != STORE_OK)
		return rc;
	/* The event and its deliveries: the one path every event takes
	 * (store.h, "publishing"). */
	rc = store_publish(t, &in->ev, in->user_id, idlist_len(&in->hooks),
	    intake_target, &in->hooks, in->delivery_id);
	if (rc == STORE_EXISTS && in->given_id)
		return intake_dup(t, in);	/* a racing writer won */
	if (rc != STORE_OK)
		return rc;
	in->deliveries = in->ev.deliveries;
	return STORE_OK;
}

static int
intake_txn(struct store_txn *t, void *arg)
{
	return intake_event(t, arg);
}

int
intake_store(struct api_call *c, struct intake *in)
{
	int rc;

	in->c = c;
	rc = call_txn(c, 0, intake_txn, in);
	if (rc == 0 && in->deliveries > 0)
		wake_send(c->cfg->data_dir);
	return rc;
}

struct intake_batch {
	struct api_call *c;
	struct intake **v;
	size_t n;
};

/* Every event of the batch in one try; a retry starts over. */
static int
intake_batch_txn(struct store_txn *t, void *arg)
{
	struct intake_batch *b = arg;
	struct intake *in;
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		in = b->v[i];
		in->ecode = NULL;
		in->emsg[0] = '\0';
		rc = intake_event(t, in);
		if (rc > 0 && rc != INTAKE_DUP && b->c->ecode != NULL) {
			/* refused before it wrote: the next one goes on */
			in->ecode = b->c->ecode;
			memcpy(in->emsg, b->c->emsg, sizeof(in->emsg));
			b->c->ecode = NULL;
			b->c->emsg[0] = '\0';
		} else if (rc != STORE_OK && rc != INTAKE_DUP)
			return rc;
		in->result = rc;
	}
	return STORE_OK;
}

int
intake_store_batch(struct api_call *c, struct intake **v, size_t n)
{
	struct intake_batch b;
	size_t i;
	int rc, wake = 0;

	for (i = 0; i < n; i++) {
		v[i]->c = c;
		v[i]->webhook_id = NULL;
	}
	b.c = c;
	b.v = v;
	b.n = n;
	rc = call_txn(c, 0, intake_batch_txn, &b);
	if (rc > 0)	/* not expected: every refusal is taken per event */
		response_error(c->resp, 500, "internal_error",
		    "the batch could not be stored");
	if (rc != 0)
		return -1;
	for (i = 0; i < n; i++)
		wake |= v[i]->result == 0 && v[i]->deliveries > 0;
	if (wake)
		wake_send(c->cfg->data_dir);
	return 0;
}
