/*
 * atomicfile.c - replace a file atomically (see atomicfile.h): the one
 * writer of status.html, status.json, catalog.html and metrics.prom.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/atomicfile.h"

/* Write all of data to fd, retrying short writes and EINTR.  0 or -1. */
static int
atomicfile_write_all(int fd, const char *data, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

int
atomicfile_replace(const char *dir, const char *name, const char *data,
    size_t len, mode_t mode, char *err, size_t errlen)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd = -1, n, made = 0, rc = -1;

	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	if (n < 0 || (size_t)n >= sizeof(tmp) ||
	    (n = snprintf(dst, sizeof(dst), "%s/%s", dir, name)) < 0 ||
	    (size_t)n >= sizeof(dst)) {
		snprintf(err, errlen, "path too long: %s/%s", dir, name);
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "cannot create a file in %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	made = 1;
	if (atomicfile_write_all(fd, data, len) == -1 ||
	    fchmod(fd, mode) == -1) {
		snprintf(err, errlen, "writing %s: %s", tmp, strerror(errno));
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n == -1) {
		snprintf(err, errlen, "writing %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, dst) == -1) {
		snprintf(err, errlen, "rename to %s: %s", dst, strerror(errno));
		goto out;
	}
	made = 0;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (made)
		unlink(tmp);
	return rc;
}
