/*
 * statuspage.c - collect, render, and atomically replace status.html and
 * status.json (see statuspage.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/config.h"
#include "sender/statusdata.h"
#include "sender/statushtml.h"
#include "sender/statusjson.h"
#include "sender/statuspage.h"

/* Write all of data to fd, retrying short writes and EINTR.  0 or -1. */
static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int
statuspage_replace(const char *dir, const char *name, const struct buf *data,
    char *err, size_t errlen)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd = -1, dfd = -1, n;

	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		goto toolong;
	n = snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(dst))
		goto toolong;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "status page: cannot create a file in "
		    "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (write_all(fd, data->data, data->len) == -1 ||
	    fchmod(fd, 0644) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "status page: writing %s: %s", tmp,
		    strerror(errno));
		goto bad;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errlen, "status page: writing %s: %s", tmp,
		    strerror(errno));
		goto bad;
	}
	fd = -1;
	if (rename(tmp, dst) == -1) {
		snprintf(err, errlen, "status page: rename to %s: %s", dst,
		    strerror(errno));
		goto bad;
	}
	/* Make the rename itself durable; a failure here is not fatal. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
toolong:
	snprintf(err, errlen, "status page: path too long: %s", dir);
	return -1;
bad:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

int
statuspage_write_dir(struct store *s, const char *dir, const char *pass,
    int64_t now_ms, char *err, size_t errlen)
{
	struct statusdata *sd;
	struct buf html, json;
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
	if (statuspage_replace(dir, "status.json", &json, err, errlen) == -1 ||
	    statuspage_replace(dir, "status.html", &html, err, errlen) == -1)
		goto out;
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
statuspage_write(struct store *s, const struct config *cfg, const char *pass,
    int64_t now_ms, char *err, size_t errlen)
{
	return statuspage_write_dir(s, cfg->status_dir, pass, now_ms, err,
	    errlen);
}
