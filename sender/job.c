/* job.c - a picked delivery (see job.h). */
#include <stdio.h>
#include <string.h>

#include "lib/id.h"
#include "lib/log.h"
#include "sender/job.h"

void
job_clear(struct job *j)
{
	store_event_free(&j->ev);
	j->ev.body = NULL;
	j->ev.body_len = 0;
	j->headers = NULL;	/* in j->hdr: nothing to free */
	j->easy = NULL;
	j->att_id[0] = '\0';	/* the next attempt gets its own (worker.c) */
	/* Pooled jobs live as long as the process: no secret outlives its
	 * attempt (the next pick copies them in again). */
	explicit_bzero(j->secret, sizeof(j->secret));
	explicit_bzero(j->prev_secret, sizeof(j->prev_secret));
	/* The webhook's own headers may carry credentials (Authorization):
	 * wiped too, but only when there were any (xhdr is 23 KB). */
	if (j->nx > 0) {
		explicit_bzero(j->xhdr, sizeof(j->xhdr));
		j->nx = 0;
	}
}

void
job_headers(struct job *j, const char *stored)
{
	const char *name, *value, *nl;
	size_t off = 0, len = 0, nlen, vlen;
	int r;

	j->nx = 0;
	while (j->nx < XHEADER_COUNT_MAX &&
	    (r = xheader_next(stored, &off, &name, &nlen, &value, &vlen)) !=
	    0) {
		if (r == -1) {
			/* a line that breaks the rules: skip it */
			if ((nl = strchr(stored + off, '\n')) == NULL)
				break;
			off = (size_t)(nl + 1 - stored);
			continue;
		}
		/* "Name: value" fits where "Name: value\n" was */
		if (len + nlen + 2 + vlen + 1 > sizeof(j->xhdr))
			break;
		memcpy(j->xhdr + len, name, nlen);
		len += nlen;
		if (vlen == 0) {
			/* libcurl: "Name:" would remove the header, "Name;"
			 * sends it empty */
			j->xhdr[len++] = ';';
		} else {
			memcpy(j->xhdr + len, ": ", 2);
			memcpy(j->xhdr + len + 2, value, vlen);
			len += 2 + vlen;
		}
		j->xhdr[len++] = '\0';
		j->nx++;
	}
}

int
job_ok(const struct job *j)
{
	return j->kind == JOB_SEND && j->error[0] == '\0' &&
	    j->status >= 200 && j->status <= 299;
}

/* scheme://host of a URL, for the log: no path, query or credentials. */
static void
job_host(const char *url, char *out, size_t outlen)
{
	char *p;

	log_redact_url(url, out, outlen);
	p = strstr(out, "://");
	if (p != NULL && (p = strchr(p + 3, '/')) != NULL)
		*p = '\0';
}

void
job_log_attempt(struct job *j)
{
	const char *body;
	char host[256];

	if (j->kind != JOB_SEND || j->att_id[0] != '\0')
		return;
	if (id_new("att", j->att_id, sizeof(j->att_id)) == -1) {
		/* no entropy: the delivery's own id body (a "dlv_" id is 30
		 * bytes: it fits; anything else is named "att_" + its whole
		 * id, cut to fit) */
		body = id_body(j->d.id, "dlv");
		if (snprintf(j->att_id, sizeof(j->att_id), "att_%s",
		    body != NULL ? body : j->d.id) < 0 || j->att_id[0] == '\0')
			memcpy(j->att_id, "att_", 5);
	}
	job_host(j->url, host, sizeof(host));
	log_info("attempt dlv=%s wh=%s evt=%s host=%s status=%d error=%s "
	    "ms=%u n=%u", j->d.id, j->d.webhook_id, j->d.event_id, host,
	    j->status, j->error[0] ? j->error : "-", j->duration_ms,
	    j->d.attempts + 1);
}
