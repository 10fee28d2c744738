/*
 * intake.h - storing an event and its deliveries: the one transaction
 * every event goes through (POST /v1/events and the test endpoint).
 *
 * intake_store writes the event and one pending delivery per target
 * webhook, due now, in one transaction (through store_publish, db/store.h,
 * the path operational events take too), and wakes the sender when it
 * wrote a delivery.  The targets are either the fan-out (every enabled
 * webhook of the org, or of ev.app_id when set, whose filter matches the
 * type; cgi/fanout.h) or one given webhook, whatever its filter.  An id
 * the client chose is idempotent: when it is stored already, nothing is
 * written and the stored event answers.
 */
#ifndef HOOKD_CGI_INTAKE_H
#define HOOKD_CGI_INTAKE_H

#include <stdint.h>

#include "cgi/call.h"
#include "cgi/commit.h"
#include "cgi/idlist.h"
#include "db/store.h"

#define INTAKE_DUP 1	/* intake_store: the client's id was taken, nothing
			 * written (a generated id is never taken: 503) */

struct intake {
	/*
	 * In: ev.id, type, org_id, app_id ("" = none), created_at (the
	 * deliveries' times too; events_parse sets it to now unless the
	 * caller did: a batch gives its events one) and body/body_len
	 * (borrowed: the envelope).
	 * ev.deliveries is set here.
	 */
	struct store_event ev;
	int given_id;		/* ev.id is the client's: check for a repeat */
	/* In: the event's user_id (borrowed; NULL: none), which picks the
	 * FIFO lane of webhooks ordered by user_id (db/lane.c). */
	const char *user_id;
	/* In: NULL to fan out; else deliver only to this webhook, which
	 * must be ev.app_id's (404) and enabled (409). */
	const char *webhook_id;
	/* Out: deliveries written (or of the stored event, INTAKE_DUP) and
	 * the id of the last one written. */
	uint32_t deliveries;
	char delivery_id[STORE_ID_MAX + 1];
	/* Private. */
	char *user_own;		/* intake_keep_user's copy of user_id */
	struct api_call *c;
	struct commit_job job;	/* intake_store's, through the committer */
	struct idlist hooks;	/* (webhook id, app id) to deliver to */
};

void intake_init(struct intake *in);
void intake_free(struct intake *in);

/*
 * Make in->user_id in's own (a copy, freed by intake_free), so that the
 * request body it points into may be freed before the event is stored:
 * a handed-over request frees its body on its own thread, not on the
 * committing one (json-c's free of a batch of 100 events took ~380 us,
 * two thirds of the answer's time there).  0, or -1 (memory).
 */
int intake_keep_user(struct intake *in);

/*
 * Store in->ev and its deliveries for call c, through the group
 * committer (cgi/commit.h: with other requests' events in one
 * transaction; the sender woken once that is durable).  0 (stored),
 * INTAKE_DUP, or -1 with the error answer written (422 app_id not in the
 * org, 404 no such webhook, 409 webhook disabled, 503 storage; 503
 * storage_unconfirmed when the commit went in but its flush failed).
 */
int intake_store(struct api_call *c, struct intake *in);

/*
 * The same, handed over to the committer (call_defer: only when
 * call_can_defer(c)): returns at once; done(&in->job) is called once it
 * is stored or failed, on the committing thread, and gets intake_store's
 * result from intake_result(intake_of(j)).  c and in must live until
 * then.
 */
void intake_defer(struct api_call *c, struct intake *in,
    void (*done)(struct commit_job *j));
int intake_result(struct intake *in);
struct intake *intake_of(struct commit_job *j);

/*
 * What the events of one batch share within one run of its transaction
 * (intake_run): the fan-out of the last (org, app, type) looked up - the
 * same in the whole transaction, whose first look-up holds the read lock
 * on the org's fan-out generation to its commit (cgi/fanout.h) - and what
 * its events leave to write once, by intake_batch_end: the queue counters
 * of the deliveries and the events' time index run (store.h,
 * store_publish_batch).  intake_batch_reset at the start of every run (a
 * retry is a new transaction).
 */
struct intake_batch {
	int valid;			/* hooks is (org, app, type)'s */
	char org[STORE_ORG_MAX + 1];
	char app[STORE_ID_MAX + 1];
	char type[STORE_TYPE_MAX + 1];
	struct idlist hooks;		/* (webhook id, app id) to deliver to */
	struct store_publish_batch pub;	/* not written yet */
};

void intake_batch_init(struct intake_batch *b);
void intake_batch_reset(struct intake_batch *b);
void intake_batch_free(struct intake_batch *b);
/* Write b's queue counters and time index run in t: store code.  Call
 * after the batch's last intake_run, in the same transaction. */
int intake_batch_end(struct store_txn *t, struct intake_batch *b);

/*
 * The writes of one event (in filled as for intake_store, fan-out only:
 * webhook_id is set to NULL) inside the caller's transaction t, for a
 * caller that writes many events in one transaction (the batch, b
 * reset at the start of the run): STORE_OK (written), INTAKE_DUP (its id
 * is stored, or was written earlier in t), a positive call_fail status
 * (refused on its own, 422 app_id not in the org; c->ecode/emsg say why;
 * nothing of it written), or a negative store code (the transaction must
 * abort).  May run again in a new t (retries).
 */
int intake_run(struct store_txn *t, struct api_call *c, struct intake *in,
    struct intake_batch *b);

#endif
