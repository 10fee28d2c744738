/*
 * wake.c - wake a looping sender through DATA_DIR/sender.sock (see wake.h).
 *
 * The socket is a Unix datagram socket: a wake-up is one byte, sending never
 * blocks (a full receive queue just drops the byte: the sender is awake
 * anyway), and nobody listening is not an error.  Only the sender that holds
 * DATA_DIR/sender.lock calls wake_listen, so unlinking a stale socket file
 * there cannot steal another sender's socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/wake.h"

#define WAKE_NAME "/sender.sock"

/* Fill sa with data_dir + WAKE_NAME.  0 or -1 (path too long). */
static int
wake_addr(const char *data_dir, struct sockaddr_un *sa)
{
	size_t n = strlen(data_dir);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n + sizeof(WAKE_NAME) > sizeof(sa->sun_path))
		return -1;
	memcpy(sa->sun_path, data_dir, n);
	memcpy(sa->sun_path + n, WAKE_NAME, sizeof(WAKE_NAME));
	return 0;
}

int
wake_listen(const char *data_dir)
{
	struct sockaddr_un sa;
	int fd;

	if (wake_addr(data_dir, &sa) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	(void)unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		goto bad;
	/* The API may run as another user of the same group; a wake-up
	 * carries no data, the data dir's own mode guards the path. */
	(void)chmod(sa.sun_path, 0666);
	return fd;
bad:
	close(fd);
	return -1;
}

void
wake_drain(int fd)
{
	char b[256];

	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

void
wake_send(const char *data_dir)
{
	static int fd = -1;
	struct sockaddr_un sa;
	char one = 1;
	int s, none = -1;

	if (wake_addr(data_dir, &sa) == -1)
		return;
	s = __atomic_load_n(&fd, __ATOMIC_ACQUIRE);

	if (s == -1) {
		/* threads may race here: one socket wins, the others close */
		s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s == -1)
			return;
		if (!__atomic_compare_exchange_n(&fd, &none, s, 0,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			close(s);
			s = none;
		}
	}
	(void)sendto(s, &one, 1, MSG_DONTWAIT | MSG_NOSIGNAL,
	    (struct sockaddr *)&sa, sizeof(sa));
}
