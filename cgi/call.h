/*
 * call.h - the state of one API call while a handler runs, and the
 * helpers every handler uses (errors, transactions, auth scope).
 */
#ifndef HOOKD_CGI_CALL_H
#define HOOKD_CGI_CALL_H

#include <json-c/json.h>

#include "cgi/api.h"
#include "cgi/commit.h"
#include "db/store.h"

#define CALL_PARAMS 2

struct api_call {
	struct api_ctx *ctx;
	const struct config *cfg;
	const struct api_request *req;
	struct api_response *resp;
	/* Path parameters in order ({app}, then {wh} or {dlv}), validated
	 * by the router for shape only. */
	char param[CALL_PARAMS][STORE_ID_MAX + 1];
	struct json_object *body;	/* parsed body, NULL when none */
	int admin;			/* 1: admin token; 0: app key */
	struct store_app key_app;	/* the key's app when !admin */
	/* The id the call writes (NULL: none), named in a 503
	 * storage_unconfirmed answer so that the client can repeat it. */
	const char *subject;
	/* An error a txn callback chose (see call_fail). */
	const char *ecode;
	char emsg[512];
	/* 1: the handler took the request over (api.h, req->answer); it
	 * then owns body (set NULL here) and answers later. */
	int taken;
};

/*
 * Remember an error for the end of the transaction and return status (a
 * positive value, so store_txn aborts and returns it).  Used inside txn
 * callbacks: call_txn turns it into the answer.
 */
int call_fail(struct api_call *c, int status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Run fn in a transaction.  0 when it committed; a positive value fn
 * returned without call_fail (the caller's own outcome, nothing written);
 * else -1 with the error answer written: a call_fail status, 404 for an
 * unhandled NOTFOUND, 503 for STORE_ERR.
 */
int call_txn(struct api_call *c, int flags, store_txn_fn fn, void *arg);

/*
 * Run job j (fn and weight set; store and data_dir are set here) through
 * the group committer (cgi/commit.h) and answer as call_txn does.  fn
 * may call call_fail (the committer runs it while this thread waits).
 */
int call_commit(struct api_call *c, struct commit_job *j);

/*
 * 1 if c's write may be handed over (call_defer) instead of waited for:
 * its transport answers later (FastCGI's request threads: api_request's
 * answer), the committer's threads run (commit_can_defer), and the site
 * does not replicate (a repeat's answer waits for the group there,
 * master_durable, which would then wait on the committing thread).
 */
int call_can_defer(const struct api_call *c);

/*
 * Hand job j (fn, weight and done set) over to the committer as
 * call_commit would run it, without waiting (commit_defer; only when
 * call_can_defer(c)).  j->done then answers: call_answer(c, j->rc,
 * j->err) gives what call_commit would have returned.  c must live until
 * then.
 */
void call_defer(struct api_call *c, struct commit_job *j);

/*
 * The ONE mapping of a store result to the answer: 0 for STORE_OK; a
 * positive value without call_fail returned as is; else -1 with the
 * answer written (call_fail's status, 404 for NOTFOUND, 503 for the
 * store's failures as call_store_error says).  err: the store's reason,
 * logged.
 */
int call_answer(struct api_call *c, int rc, const char *err);

/* Status, error code and message for a failing store code rc (< 0, not
 * NOTFOUND): 503 storage_unavailable, or 503 storage_unconfirmed for
 * STORE_INDOUBT (the write may be stored).  Batch results use it per
 * event. */
void call_store_error(int rc, int *status, const char **code,
    const char **msg);

/*
 * Copy src into dst (size bytes) for the field named field (lib/str.h:
 * never cut).  0, or -1 with 422 "<field>: too long" answered; the
 * fields are capped when parsed, so it guards only the buffer size.
 */
int call_copy(struct api_call *c, const char *field, char *dst, size_t size,
    const char *src);

/* Answer 422 naming a field (err comes from a jin_ getter). */
void call_invalid(struct api_call *c, const char *err);

/* Answer 404 for a resource that does not exist or is not the caller's;
 * identical for both. */
void call_not_found(struct api_call *c, const char *what);

#endif
