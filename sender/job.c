/* job.c - a picked delivery (see job.h). */
#include <string.h>

#include "sender/job.h"

void
job_clear(struct job *j)
{
	store_event_free(&j->ev);
	j->ev.body = NULL;
	j->ev.body_len = 0;
	j->headers = NULL;	/* in j->hdr: nothing to free */
	j->easy = NULL;
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
