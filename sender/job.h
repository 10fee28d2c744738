/*
 * job.h - one delivery the sender has picked, from the pick to the commit
 * of its outcome.
 *
 * A job owns its event body (ev.body, freed by job_clear) and, once signed
 * (at the pick, or again at the start), its request headers (in hdr, not on
 * the heap).  Its delivery id stays in the in-flight set (idset.h) until
 * the outcome is committed, so the delivery is never picked twice even
 * between the end of the transfer and the commit.
 */
#ifndef HOOKD_SENDER_JOB_H
#define HOOKD_SENDER_JOB_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "lib/sign.h"
#include "lib/xheader.h"
#include "sender/guard.h"

/* The request headers of one job (transfer.c): three per-attempt lines in
 * the job itself, no heap; then the webhook's own headers (xnode, lines in
 * the job's xhdr); the constant ones follow in a shared list. */
struct job_hdr {
	struct curl_slist node[4];
	struct curl_slist xnode[XHEADER_COUNT_MAX];
	char id[sizeof("webhook-id: ") + STORE_ID_MAX];
	char seq[sizeof("webhook-sequence: ") + 24];	/* FIFO lanes only */
	char ts[sizeof("webhook-timestamp: ") + 24];
	char sig[sizeof("webhook-signature: ") + 2 * SIGN_SIG_LEN];
};

enum job_kind {
	JOB_SEND = 0,		/* an HTTP attempt (or one refused before connect) */
	JOB_FAIL,		/* no attempt: webhook disabled or event gone */
	JOB_CANCEL,		/* no attempt: webhook deleted */
	JOB_UNSENT,		/* picked, never started: nothing to record */
};

struct job {
	enum job_kind kind;
	struct store_delivery d;	/* as picked */
	char url[STORE_URL_MAX + 1];
	char secret[STORE_SECRET_MAX + 1];	/* secret: never logged */
	char prev_secret[STORE_SECRET_MAX + 1];	/* "" unless rotating */
	struct store_event ev;		/* with body, owned */
	uint32_t rate_limit;		/* the webhook's, as picked (0: none) */
	/* The webhook's extra headers as picked: nx lines in xhdr (at the
	 * end of the job, so the pages a job without headers touches are
	 * contiguous) */
	size_t nx;

	/* transfer state */
	void *easy;			/* CURL *, borrowed from transfer.c */
	struct curl_slist *headers;	/* &hdr.node[0] once signed, or NULL */
	int64_t signed_secs;		/* webhook-timestamp in hdr */
	struct job_hdr hdr;
	struct guard guard;		/* the connect-time address check */
	int64_t at;			/* wall ms when the attempt started */
	size_t resp_seen;		/* response bytes read */

	/* result, filled when the attempt ends */
	int status;			/* HTTP status, 0 if none */
	char error[STORE_ERROR_MAX + 1];	/* "" when it got a status */
	uint32_t duration_ms;
	int64_t retry_after_ms;		/* -1: none */
	char att_id[STORE_ID_MAX + 1];	/* attempt id, made once */

	/* set by the outcome transaction, for the log (reset per run) */
	int disabled;			/* this attempt disabled the webhook */
	int final;			/* delivered or failed by this attempt */
	int64_t next_at;		/* next attempt, 0 if none */

	int counted;			/* worker.c: counted in its webhook
					 * table (from the pick until the job
					 * comes back finished) */

	struct job *next;		/* free list */

	/* The response's first bytes (after the small fields above, so that
	 * the pages a job with a short answer touches are contiguous) */
	size_t resp_len;
	char resp[STORE_RESP_MAX];

	/* The webhook's extra headers as picked, as curl lines: "Name:
	 * value" (or "Name;" for an empty value) one after the other, each
	 * NUL-terminated; nx of them (job_headers).  nx comes first: a job
	 * without headers never touches xhdr's pages. */
	char xhdr[STORE_HEADERS_MAX + 1];
};

/*
 * The webhook's stored headers (lib/xheader.h) into j->xhdr / j->nx.  A
 * line that breaks the rules is left out (the API never stores one), so
 * nothing here can replace a signing or framing header.
 */
void job_headers(struct job *j, const char *stored);

/* Free the body and headers, keep the allocation; wipe the URL, the
 * secrets and the webhook's headers (the job's copies of them). */
void job_clear(struct job *j);
/*
 * A finished JOB_SEND: make its attempt id and write its "attempt dlv=..."
 * log line, once (a job whose att_id is set is done; job_clear resets
 * it).  The store's committer calls it before the first commit try, off
 * the transfer thread; a stopping sender first, for what ended before
 * the stop (run.c).  Other kinds: nothing.
 */
void job_log_attempt(struct job *j);
/*
 * Wipe the URL job_log_attempt remembers in this thread (a URL may carry
 * credentials): every thread that wrote attempt lines calls it before it
 * ends (the committer, worker.c; the main thread at the end of a run).
 */
void job_forget(void);
/* 1 if the attempt got a 2xx. */
int job_ok(const struct job *j);

#endif
