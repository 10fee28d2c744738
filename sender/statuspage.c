/*
 * statuspage.c - collect, render, and atomically replace status.html and
 * status.json (see statuspage.h; the replacing is lib/atomicfile.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/atomicfile.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/replstate.h"
#include "sender/statusdata.h"
#include "sender/statushtml.h"
#include "sender/statusjson.h"
#include "sender/statuspage.h"

/* repl_dir: data_dir of a replicated site (its replication state goes
 * on the page), or NULL. */
static int
statuspage_render(struct store *s, const char *dir, const char *pass,
    int64_t now_ms, const char *repl_dir, char *err, size_t errlen)
{
	struct statusdata *sd;
	struct buf html, json;
	char e[PATH_MAX + 128];
	int rc = -1;

	buf_init(&html, STATUSPAGE_MAX_BYTES);
	buf_init(&json, STATUSPAGE_MAX_BYTES);
	/* Large (the failure list holds excerpts): heap, not stack. */
	sd = calloc(1, sizeof(*sd));
	if (sd == NULL) {
		snprintf(err, errlen, "status page: out of memory");
		goto out;
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "status page: cannot create %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	if (statusdata_collect(s, pass, now_ms, sd, err, errlen) == -1)
		goto out;
	if (repl_dir != NULL) {
		sd->repl_on = 1;
		replstate_read(repl_dir, now_ms, &sd->repl);
	}
	if (statushtml_render(sd, &html) == -1) {
		snprintf(err, errlen, "status page: status.html would exceed "
		    "%u bytes or memory ran out", STATUSPAGE_MAX_BYTES);
		goto out;
	}
	if (statusjson_render(sd, &json) == -1) {
		snprintf(err, errlen, "status page: status.json would exceed "
		    "%u bytes or memory ran out", STATUSPAGE_MAX_BYTES);
		goto out;
	}
	if (atomicfile_replace(dir, "status.json", json.data, json.len, 0644, e,
	    sizeof(e)) == -1 || atomicfile_replace(dir, "status.html",
	    html.data, html.len, 0644, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "status page: %s", e);
		goto out;
	}
	rc = 0;
out:
	if (sd != NULL) {
		statusdata_free(sd);
		free(sd);
	}
	buf_free(&html);
	buf_free(&json);
	return rc;
}

int
statuspage_write_dir(struct store *s, const char *dir, const char *pass,
    int64_t now_ms, char *err, size_t errlen)
{
	return statuspage_render(s, dir, pass, now_ms, NULL, err, errlen);
}

int
statuspage_write(struct store *s, const struct config *cfg, const char *pass,
    int64_t now_ms, char *err, size_t errlen)
{
	return statuspage_render(s, cfg->status_dir, pass, now_ms,
	    cfg->repl.enabled ? cfg->data_dir : NULL, err, errlen);
}
