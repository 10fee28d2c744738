/* ckflush.c - the database files' parallel flush before a checkpoint (see
 * ckflush.h). */
#include <pthread.h>
#include <unistd.h>

#include "db/ckflush.h"

#define CKFLUSH_MAX 64		/* files flushed in parallel at most */

static void *
ckflush_one(void *arg)
{
	(void)fdatasync(*(const int *)arg);
	return NULL;
}

void
ckflush_files(DB_ENV *env, DB **dbs, int n)
{
	pthread_t th[CKFLUSH_MAX];
	int fds[CKFLUSH_MAX], started[CKFLUSH_MAX];
	int i, k, nfd = 0, wrote = 0, fd;

	/* every dirty page to the OS, no fsync yet */
	if (env->memp_trickle(env, 100, &wrote) != 0)
		return;
	for (i = 0; i < n && nfd < CKFLUSH_MAX; i++) {
		if (dbs[i] == NULL || dbs[i]->fd(dbs[i], &fd) != 0)
			continue;
		for (k = 0; k < nfd && fds[k] != fd; k++)
			;
		if (k == nfd)
			fds[nfd++] = fd;
	}
	for (i = 0; i < nfd; i++)
		started[i] = pthread_create(&th[i], NULL, ckflush_one,
		    &fds[i]) == 0;
	for (i = 0; i < nfd; i++) {
		if (started[i])
			(void)pthread_join(th[i], NULL);
		else
			(void)fdatasync(fds[i]);
	}
}
