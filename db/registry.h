/*
 * registry.h - this process's read-only view of BDB's __db.register.
 *
 * DB_REGISTER keeps one line per process that has the environment open
 * ("%24lu\n": its pid; "X..." an empty slot) and a write lock on the first
 * byte of each live line: a line nobody locks belongs to a process that
 * died with the environment open.  We read the file ourselves to answer
 * two questions BDB does not: will our open run recovery (env.c), and is a
 * registrant dead or our own slot wiped while we are stuck (watchdog.c).
 *
 * The fd is never closed while the environment is open: closing any fd of
 * that file would drop this process's registry lock (POSIX record locks
 * belong to the process and the file, not to the fd).
 */
#ifndef HOOKD_DB_REGISTRY_H
#define HOOKD_DB_REGISTRY_H

#include <pthread.h>
#include <sys/types.h>

struct registry {
	pthread_mutex_t mu;	/* fd and registered: the watchdog reads them */
	int fd;			/* read-only on __db.register, -1 if none */
	int registered;		/* the env is open: our pid must be listed */
};

void registry_init(struct registry *r);
void registry_destroy(struct registry *r);
/* Open our fd on home's registry unless it is open already; a registry
 * that does not exist yet is no error (it is retried at the next call). */
void registry_open(struct registry *r, const char *home);
/* Close the fd: only once the environment is closed (see above). */
void registry_close(struct registry *r);
/* Note that the environment is now open (1) or closed (0). */
void registry_set_registered(struct registry *r, int registered);
/*
 * Will an open run recovery?  1 for a missing or empty registry or a slot
 * of a dead process: what DB_REGISTER itself looks at.
 */
int registry_will_recover(struct registry *r);
/*
 * Look now: *dead 1 when another registrant died with the environment
 * open; *self 0 when the environment is open but our slot is gone (another
 * opener's recovery wiped it).  Without an fd: *dead 0, *self 1.
 */
void registry_look(struct registry *r, int *dead, int *self);
/*
 * The pid of a process that has home's environment open now (its slot is
 * locked), or 0 when none (a dead registrant is not counted).  Only for a
 * process that has not opened that environment itself.
 */
pid_t registry_live(const char *home);

#endif
