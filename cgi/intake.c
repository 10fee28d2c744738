/*
 * intake.c - storing an event and its deliveries in one transaction
 * (contract in intake.h).
 */
#include <stddef.h>
#include <string.h>

#include "cgi/fanout.h"
#include "cgi/intake.h"
#include "cgi/response.h"
#include "cgi/webhooks.h"
#include "lib/catalog.h"
#include "lib/id.h"

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

/* The committer's body for one event (commit.h). */
static int
intake_job(struct store_txn *t, struct commit_job *j)
{
	struct intake *in = (struct intake *)((char *)j -
	    offsetof(struct intake, job));
	int rc;

	/* a run before this one (a failed group) may have left a refusal */
	in->c->ecode = NULL;
	in->c->emsg[0] = '\0';
	rc = intake_event(t, in);
	j->wake = rc == STORE_OK && in->deliveries > 0;
	return rc;
}

int
intake_store(struct api_call *c, struct intake *in)
{
	in->c = c;
	in->job.fn = intake_job;
	in->job.weight = 1;
	c->subject = in->ev.id;
	return call_commit(c, &in->job);
}

int
intake_run(struct store_txn *t, struct api_call *c, struct intake *in)
{
	in->c = c;
	in->webhook_id = NULL;
	return intake_event(t, in);
}
