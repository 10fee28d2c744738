/* lock.c - the sender lock (see lock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "sender/lock.h"

#define LOCK_NAME "/sender.lock"
#define LOCK_RETRY_MS 200

int
lock_take(const char *data_dir, int wait, const volatile sig_atomic_t *stop,
    int *fdp, char *err, size_t errlen)
{
	char path[4096];
	struct timespec ts = { 0, LOCK_RETRY_MS * 1000000L };
	int fd, n, said = 0;

	n = snprintf(path, sizeof(path), "%s%s", data_dir, LOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "lock path too long");
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (said)
				log_info("got the sender lock, starting");
			*fdp = fd;
			return 0;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "flock %s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (!wait || (stop != NULL && __atomic_load_n(stop, __ATOMIC_ACQUIRE)))
			break;
		if (!said) {
			log_info("another hookd-send is running; waiting for "
			    "its lock");
			said = 1;
		}
		(void)nanosleep(&ts, NULL);
	}
	close(fd);
	return 1;
}
