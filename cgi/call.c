/* call.c - helpers for one API call. */
#include <stdarg.h>
#include <stdio.h>

#include "cgi/call.h"
#include "cgi/master.h"
#include "cgi/response.h"
#include "lib/log.h"
#include "lib/str.h"

int
call_fail(struct api_call *c, int status, const char *code,
    const char *fmt, ...)
{
	va_list ap;

	c->ecode = code;
	va_start(ap, fmt);
	vsnprintf(c->emsg, sizeof(c->emsg), fmt, ap);
	va_end(ap);
	return status;
}

void
call_store_error(int rc, int *status, const char **code,
    const char **msg)
{
	*status = 503;
	switch (rc) {
	case STORE_INDOUBT:
		*code = "storage_unconfirmed";
		*msg = "the write went in but could not be confirmed on disk: "
		    "it may or may not be stored; repeat it with the same id";
		break;
	default:
		*code = "storage_unavailable";
		*msg = "storage is unavailable; try again later";
		break;
	}
}

int
call_answer(struct api_call *c, int rc, const char *err)
{
	const char *code, *msg;
	int status;

	if (rc == STORE_OK)
		return 0;
	if (rc > 0 && c->ecode == NULL)
		return rc;	/* the caller's own outcome: no answer written */
	if (rc > 0) {
		response_error(c->resp, rc, c->ecode, "%s", c->emsg);
		return -1;
	}
	if (rc == STORE_NOTFOUND) {
		call_not_found(c, "resource");
		return -1;
	}
	if (rc == STORE_NOTPERM) {	/* replicated: stored here only */
		log_warn("%s %s: %s", c->req->method, c->req->path, err);
		response_error(c->resp, 503, "replication_unavailable",
		    "the write was not acknowledged by enough sites in time; "
		    "repeat it (an event with the same id is not stored "
		    "twice)");
		c->resp->retry_after = 1;
		return -1;
	}
	if (rc == STORE_NOTMASTER) {	/* mastership lost meanwhile */
		master_redirect(c);
		return -1;
	}
	log_err("%s %s: storage: %s (%d)", c->req->method, c->req->path,
	    err != NULL && err[0] ? err : "unknown error", rc);
	call_store_error(rc, &status, &code, &msg);
	if (c->subject != NULL)
		response_error(c->resp, status, code, "%s (id %s)", msg,
		    c->subject);
	else
		response_error(c->resp, status, code, "%s", msg);
	return -1;
}

int
call_txn(struct api_call *c, int flags, store_txn_fn fn, void *arg)
{
	char err[256];
	int rc;

	c->ecode = NULL;
	c->emsg[0] = '\0';
	err[0] = '\0';
	rc = store_txn(c->ctx->store, flags, fn, arg, err, sizeof(err));
	return call_answer(c, rc, err);
}

/* What a job of c needs before it is queued. */
static void
call_job(struct api_call *c, struct commit_job *j)
{
	c->ecode = NULL;
	c->emsg[0] = '\0';
	j->s = c->ctx->store;
	j->data_dir = c->cfg->data_dir;
}

int
call_commit(struct api_call *c, struct commit_job *j)
{
	call_job(c, j);
	return call_answer(c, commit_run(j), j->err);
}

int
call_can_defer(const struct api_call *c)
{
	return c->req->answer != NULL && !c->cfg->repl.enabled &&
	    commit_can_defer();
}

void
call_defer(struct api_call *c, struct commit_job *j)
{
	call_job(c, j);
	commit_defer(j);
}

int
call_copy(struct api_call *c, const char *field, char *dst, size_t size,
    const char *src)
{
	if (str_copy(dst, size, src) == -1) {
		response_error(c->resp, 422, "invalid_field", "%s: too long",
		    field);
		return -1;
	}
	return 0;
}

void
call_invalid(struct api_call *c, const char *err)
{
	response_error(c->resp, 422, "invalid_field", "%s", err);
}

void
call_not_found(struct api_call *c, const char *what)
{
	response_error(c->resp, 404, "not_found", "no such %s", what);
}
