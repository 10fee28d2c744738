/*
 * intake.c - storing an event and its deliveries in one transaction
 * (contract in intake.h).
 */
#include <stddef.h>
#include <stdlib.h>
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
	free(in->ev.rec);	/* the body is borrowed: not store_event_free */
	in->ev.rec = NULL;
	free(in->user_own);
	in->user_own = NULL;
	in->user_id = NULL;
}

int
intake_keep_user(struct intake *in)
{
	if (in->user_id == NULL || in->user_id == in->user_own)
		return 0;
	if ((in->user_own = strdup(in->user_id)) == NULL)
		return -1;
	in->user_id = in->user_own;
	return 0;
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

void
intake_batch_init(struct intake_batch *b)
{
	memset(b, 0, sizeof(*b));
	idlist_init(&b->hooks);
}

void
intake_batch_reset(struct intake_batch *b)
{
	b->valid = 0;
	idlist_reset(&b->hooks);
	memset(&b->pub, 0, sizeof(b->pub));
}

void
intake_batch_free(struct intake_batch *b)
{
	idlist_free(&b->hooks);
}

int
intake_batch_end(struct store_txn *t, struct intake_batch *b)
{
	return store_publish_batch_end(t, &b->pub);
}

/* The targets by fan-out into l: the org's apps and webhooks as of this
 * transaction, one read of its fan-out generation when this process has
 * them cached (cgi/fanout.h). */
static int
intake_fanout(struct store_txn *t, struct intake *in, struct idlist *l)
{
	const struct fanout_org *f;
	int rc;

	if ((rc = fanout_get(t, in->ev.org_id, &f)) != STORE_OK)
		return rc;
	if (in->ev.app_id[0] != '\0' && !fanout_has_app(f, in->ev.app_id))
		return call_fail(in->c, 422, "invalid_field",
		    "app_id: no such app in org_id");
	return fanout_match(f, in->ev.app_id, in->ev.type, l) == -1 ?
	    STORE_ERR : STORE_OK;
}

/* 1 if b holds the fan-out of in's (org, app, type). */
static int
intake_batch_has(const struct intake_batch *b, const struct intake *in)
{
	return b->valid && strcmp(b->org, in->ev.org_id) == 0 &&
	    strcmp(b->app, in->ev.app_id) == 0 &&
	    strcmp(b->type, in->ev.type) == 0;
}

/* The targets of in by fan-out, looked up once per (org, app, type) in a
 * row of the batch b: *l is b's list. */
static int
intake_batch_fanout(struct store_txn *t, struct intake *in,
    struct intake_batch *b, const struct idlist **l)
{
	int rc;

	*l = &b->hooks;
	if (intake_batch_has(b, in))
		return STORE_OK;
	b->valid = 0;
	idlist_reset(&b->hooks);
	if ((rc = intake_fanout(t, in, &b->hooks)) != STORE_OK)
		return rc;
	/* the fields are as long as b's (the same struct store_event) */
	memcpy(b->org, in->ev.org_id, sizeof(b->org));
	memcpy(b->app, in->ev.app_id, sizeof(b->app));
	memcpy(b->type, in->ev.type, sizeof(b->type));
	b->valid = 1;
	return STORE_OK;
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
 * The writes of one event in transaction t (b: the batch's shared state,
 * or NULL): store code, INTAKE_DUP, or a call_fail status.  A refusal
 * (call_fail) comes before the event's first write, so a batch may go on
 * with the next event in the same transaction.
 */
static int
intake_event(struct store_txn *t, struct intake *in, struct intake_batch *b)
{
	const struct idlist *l = &in->hooks;
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
	if (in->webhook_id != NULL)
		rc = intake_one(t, in);
	else if (b != NULL)
		rc = intake_batch_fanout(t, in, b, &l);
	else
		rc = intake_fanout(t, in, &in->hooks);
	if (rc != STORE_OK)
		return rc;
	/* The event and its deliveries: the one path every event takes
	 * (store.h, "publishing"). */
	rc = store_publish(t, &in->ev, in->user_id, idlist_len(l),
	    intake_target, l, in->delivery_id, b != NULL ? &b->pub : NULL);
	if (rc == STORE_EXISTS && in->given_id)
		return intake_dup(t, in);	/* a racing writer won */
	if (rc != STORE_OK)
		return rc;
	in->deliveries = in->ev.deliveries;
	return STORE_OK;
}

struct intake *
intake_of(struct commit_job *j)
{
	return (struct intake *)((char *)j - offsetof(struct intake, job));
}

/* The committer's body for one event (commit.h). */
static int
intake_job(struct store_txn *t, struct commit_job *j)
{
	struct intake *in = intake_of(j);
	int rc;

	/* a run before this one (a failed group) may have left a refusal */
	in->c->ecode = NULL;
	in->c->emsg[0] = '\0';
	rc = intake_event(t, in, NULL);
	j->wake = rc == STORE_OK && in->deliveries > 0;
	return rc;
}

/* The job of in for call c: what both ways of storing share. */
static void
intake_job_init(struct api_call *c, struct intake *in)
{
	in->c = c;
	in->job.fn = intake_job;
	in->job.weight = 1;
	in->job.done = NULL;
	c->subject = in->ev.id;
}

int
intake_store(struct api_call *c, struct intake *in)
{
	intake_job_init(c, in);
	return call_commit(c, &in->job);
}

void
intake_defer(struct api_call *c, struct intake *in,
    void (*done)(struct commit_job *j))
{
	intake_job_init(c, in);
	in->job.done = done;
	call_defer(c, &in->job);
}

int
intake_result(struct intake *in)
{
	return call_answer(in->c, in->job.rc, in->job.err);
}

int
intake_run(struct store_txn *t, struct api_call *c, struct intake *in,
    struct intake_batch *b)
{
	in->c = c;
	in->webhook_id = NULL;
	return intake_event(t, in, b);
}
