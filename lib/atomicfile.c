/* atomicfile.c - replace a file atomically (see atomicfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/atomicfile.h"

int
atomicfile_replace(const char *dir, const char *name, const char *data,
    size_t len, mode_t mode, char *err, size_t errlen)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	ssize_t w;
	int fd = -1, dfd, n;

	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	if (n < 0 || (size_t)n >= sizeof(tmp) ||
	    (n = snprintf(dst, sizeof(dst), "%s/%s", dir, name)) < 0 ||
	    (size_t)n >= sizeof(dst)) {
		snprintf(err, errlen, "path too long: %s/%s", dir, name);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "cannot create a file in %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	while (len > 0) {
		w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto bad;
		data += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, mode) == -1 || fsync(fd) == -1)
		goto bad;
	n = close(fd);
	fd = -1;
	if (n == -1)
		goto bad;
	if (rename(tmp, dst) == -1) {
		snprintf(err, errlen, "rename to %s: %s", dst, strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* Make the rename itself durable; a failure here is not fatal. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
bad:
	snprintf(err, errlen, "writing %s: %s", tmp, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}
