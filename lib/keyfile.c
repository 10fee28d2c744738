/*
 * keyfile.c - read and check the encryption passphrase file (keyfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/keyfile.h"

/* The mode and ownership rules; 0 or -1 with err set. */
static int
keyfile_mode_ok(const char *path, const struct stat *sb, char *err,
    size_t errlen)
{
	if (!S_ISREG(sb->st_mode)) {
		snprintf(err, errlen, "%s: the encryption key file is not a "
		    "regular file", path);
		return -1;
	}
	if (sb->st_mode & S_IROTH) {
		snprintf(err, errlen, "%s: the encryption key file is "
		    "readable by others (mode %04o; chmod o-rwx it)", path,
		    (unsigned)(sb->st_mode & 07777));
		return -1;
	}
	if (sb->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "%s: the encryption key file is "
		    "writable by others than its owner (mode %04o; chmod "
		    "go-w it)", path, (unsigned)(sb->st_mode & 07777));
		return -1;
	}
	return 0;
}

int
keyfile_read(const char *path, char *buf, size_t cap, size_t *len,
    char *err, size_t errlen)
{
	struct stat sb;
	size_t n = 0;
	ssize_t r;
	char *nl;
	int fd;

	*len = 0;
	if (cap < KEYFILE_MAX + 2) {
		snprintf(err, errlen, "%s: key buffer too small", path);
		return -1;
	}
	/* O_NONBLOCK: a FIFO in its place is refused, not waited on */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		snprintf(err, errlen, "%s: cannot read the encryption key "
		    "file: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto bad;
	}
	if (keyfile_mode_ok(path, &sb, err, errlen) == -1)
		goto bad;
	/* Up to cap - 1 bytes: more than KEYFILE_MAX + newline is too long. */
	while (n < cap - 1) {
		r = read(fd, buf + n, cap - 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errlen, "%s: cannot read the encryption "
			    "key file: %s", path, strerror(errno));
			goto bad;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	(void)close(fd);
	fd = -1;
	if (memchr(buf, '\0', n) != NULL) {
		snprintf(err, errlen, "%s: the encryption key file holds a "
		    "NUL byte", path);
		goto bad;
	}
	if ((nl = memchr(buf, '\n', n)) != NULL) {
		if ((size_t)(nl - buf) + 1 != n) {
			snprintf(err, errlen, "%s: the encryption key file "
			    "must hold one line (the passphrase)", path);
			goto bad;
		}
		n = (size_t)(nl - buf);
		if (n > 0 && buf[n - 1] == '\r')
			n--;
	}
	if (n > KEYFILE_MAX) {
		snprintf(err, errlen, "%s: the passphrase is longer than %d "
		    "bytes", path, KEYFILE_MAX);
		goto bad;
	}
	if (n < KEYFILE_MIN) {
		snprintf(err, errlen, "%s: the passphrase is too short (%zu "
		    "bytes; at least %d)", path, n, KEYFILE_MIN);
		goto bad;
	}
	buf[n] = '\0';
	*len = n;
	return 0;
bad:
	if (fd >= 0)
		(void)close(fd);
	explicit_bzero(buf, cap);
	return -1;
}

int
keyfile_check(const char *path, char *err, size_t errlen)
{
	char key[KEYFILE_MAX + 2];
	size_t n;
	int rc;

	rc = keyfile_read(path, key, sizeof(key), &n, err, errlen);
	explicit_bzero(key, sizeof(key));
	return rc;
}
