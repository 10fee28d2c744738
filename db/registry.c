/*
 * registry.c - reading BDB's __db.register as DB_REGISTER does
 * (registry.h): whose slots are live, whether ours is still there.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/registry.h"
#include "lib/num.h"

#define REGISTRY	"__db.register"	/* BDB's DB_REGISTER file */
#define REG_SLOT	25	/* its lines: "%24lu\n" pid, or "X ... 0\n" */

void
registry_init(struct registry *r)
{
	pthread_mutex_init(&r->mu, NULL);
	r->fd = -1;
	r->registered = 0;
}

void
registry_destroy(struct registry *r)
{
	registry_close(r);
	pthread_mutex_destroy(&r->mu);
}

void
registry_open(struct registry *r, const char *home)
{
	char path[PATH_MAX];
	int fd;

	if (r->fd >= 0)
		return;
	if (snprintf(path, sizeof(path), "%s/%s", home, REGISTRY) >=
	    (int)sizeof(path))
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	pthread_mutex_lock(&r->mu);
	r->fd = fd;
	pthread_mutex_unlock(&r->mu);
}

void
registry_close(struct registry *r)
{
	pthread_mutex_lock(&r->mu);
	if (r->fd >= 0)
		(void)close(r->fd);
	r->fd = -1;
	pthread_mutex_unlock(&r->mu);
}

void
registry_set_registered(struct registry *r, int registered)
{
	pthread_mutex_lock(&r->mu);
	r->registered = registered;
	pthread_mutex_unlock(&r->mu);
}

/*
 * Read __db.register through fd: 1 if a non-empty slot of another process
 * is not locked by anyone (that process died with the environment open:
 * BDB's own test), else 0.  *self: our pid has a slot.  live not NULL:
 * every slot is read and *live set to the pid of a locked one (0: none).
 * F_GETLK only tests; it takes no lock.
 */
static int
registry_scan(int fd, int *self, pid_t *live)
{
	char slot[REG_SLOT + 1];
	const char *p;
	uint64_t pid;
	size_t n;
	struct flock fl;
	off_t pos;
	pid_t me = getpid();
	int dead = 0;

	*self = 0;
	if (live != NULL)
		*live = 0;
	for (pos = 0; pread(fd, slot, REG_SLOT, pos) == REG_SLOT;
	    pos += REG_SLOT) {
		slot[REG_SLOT] = '\0';
		if (slot[0] == 'X')
			continue;	/* empty */
		/* "%24lu": blanks, then the digits */
		p = slot + strspn(slot, " ");
		n = strspn(p, "0123456789");
		if (num_parse_u64(p, n, 1, INT_MAX, &pid, NULL) == -1 ||
		    p[n] != '\n')
			continue;	/* torn line: BDB's business */
		if ((pid_t)pid == me) {
			*self = 1;
			continue;
		}
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = pos;
		fl.l_len = 1;
		if (fcntl(fd, F_GETLK, &fl) == -1)
			continue;
		if (fl.l_type == F_UNLCK) {
			dead = 1;
			if (live == NULL)
				return 1;
		} else if (live != NULL)
			*live = (pid_t)pid;
	}
	return dead;
}

int
registry_will_recover(struct registry *r)
{
	struct stat st;
	int self;

	/* only the opening thread changes fd: no lock needed to read it */
	if (r->fd < 0 || fstat(r->fd, &st) == -1 || st.st_size == 0)
		return 1;
	return registry_scan(r->fd, &self, NULL);
}

void
registry_look(struct registry *r, int *dead, int *self)
{
	*dead = 0;
	*self = 1;
	pthread_mutex_lock(&r->mu);
	if (r->fd >= 0) {
		*dead = registry_scan(r->fd, self, NULL);
		if (!r->registered)
			*self = 1;
	}
	pthread_mutex_unlock(&r->mu);
}

pid_t
registry_live(const char *home)
{
	char path[PATH_MAX];
	pid_t live = 0;
	int fd, self;

	if (snprintf(path, sizeof(path), "%s/%s", home, REGISTRY) >=
	    (int)sizeof(path))
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	(void)registry_scan(fd, &self, &live);
	(void)close(fd);	/* we hold no registry lock: nothing lost */
	return live;
}
