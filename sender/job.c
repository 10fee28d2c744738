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
}

int
job_ok(const struct job *j)
{
	return j->kind == JOB_SEND && j->error[0] == '\0' &&
	    j->status >= 200 && j->status <= 299;
}
