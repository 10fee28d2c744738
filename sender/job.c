/* job.c - a picked delivery (see job.h). */
#include <stdio.h>
#include <string.h>

#include "lib/id.h"
#include "lib/log.h"
#include "lib/num.h"
#include "sender/job.h"
#include "sender/urlmemo.h"

/* This thread's last URL and its host for the log (job_host): a
 * committer's attempts mostly go to few webhooks.  Wiped when replaced
 * and by job_forget. */
static __thread struct {
	struct urlmemo u;
	char host[256];
} job_last;

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
	/* The URL may carry credentials too: wiped up to its NUL (the pick
	 * copies a URL and its NUL only, so the rest is zero already). */
	explicit_bzero(j->url, strnlen(j->url, sizeof(j->url)));
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

/* scheme://host of a URL, for the log: no path, query or credentials.
 * The last URL's answer is kept per thread (job_last). */
static void
job_host(const char *url, char *out, size_t outlen)
{
	size_t len = strlen(url);
	char *p;

	if (outlen == sizeof(job_last.host) &&
	    urlmemo_is(&job_last.u, url, len)) {
		memcpy(out, job_last.host, sizeof(job_last.host));
		return;
	}
	log_redact_url(url, out, outlen);
	p = strstr(out, "://");
	if (p != NULL && (p = strchr(p + 3, '/')) != NULL)
		*p = '\0';
	if (outlen == sizeof(job_last.host) &&
	    urlmemo_set(&job_last.u, url, len) != -1)
		memcpy(job_last.host, out, sizeof(job_last.host));
}

void
job_forget(void)
{
	urlmemo_wipe(&job_last.u);
	explicit_bzero(job_last.host, sizeof(job_last.host));
}

/* A message being built: at most JOB_LINE_MAX bytes, cut beyond. */
#define JOB_LINE_MAX 2048
struct job_line {
	char b[JOB_LINE_MAX];
	size_t n;
};

static void
job_cat(struct job_line *l, const char *s)
{
	size_t n = strlen(s);

	if (n > sizeof(l->b) - l->n)
		n = sizeof(l->b) - l->n;
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

static void
job_cat_num(struct job_line *l, int64_t v)
{
	char d[NUM_I64_LEN];

	if (num_format_i64(v, d, sizeof(d)) != -1)
		job_cat(l, d);
}

void
job_log_attempt(struct job *j)
{
	const char *body;
	char host[256];
	struct job_line l;

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
	/* "attempt dlv=%s wh=%s evt=%s host=%s status=%d error=%s ms=%u
	 * n=%u", built without printf (a line per attempt, on the
	 * committer: docs/operations.md shows it) */
	l.n = 0;
	job_cat(&l, "attempt dlv=");
	job_cat(&l, j->d.id);
	job_cat(&l, " wh=");
	job_cat(&l, j->d.webhook_id);
	job_cat(&l, " evt=");
	job_cat(&l, j->d.event_id);
	job_cat(&l, " host=");
	job_cat(&l, host);
	job_cat(&l, " status=");
	job_cat_num(&l, j->status);
	job_cat(&l, " error=");
	job_cat(&l, j->error[0] ? j->error : "-");
	job_cat(&l, " ms=");
	job_cat_num(&l, j->duration_ms);
	job_cat(&l, " n=");
	job_cat_num(&l, (uint32_t)(j->d.attempts + 1));
	log_text(LOG_INFO, l.b, l.n);
}
