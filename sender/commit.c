/* commit.c - the committer thread (see commit.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/timefmt.h"
#include "sender/commit.h"
#include "sender/run.h"
#include "sender/outcome.h"

struct commit {
	struct store *store;
	const struct config *cfg;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int efd;		/* eventfd: a batch is done */
	/* under mu */
	int quit;
	int submitted;		/* a batch is with the thread */
	int done;		/* ... and it has finished */
	int ok;
	char err[256];
	struct job **jobs;	/* the batch, cap entries */
	size_t n, cap;
};

static void *
commit_main(void *arg)
{
	struct commit *c = arg;
	char err[256];
	uint64_t one = 1;
	int64_t t0;
	int ok;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->quit && !(c->submitted && !c->done))
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->submitted && !c->done) {
			/* the batch is ours until done is set */
			pthread_mutex_unlock(&c->mu);
			err[0] = '\0';
			t0 = timefmt_mono_ms();
			ok = outcome_flush(c->store, c->cfg, c->jobs, c->n, err,
			    sizeof(err)) == 0;
			if (timefmt_mono_ms() - t0 >= RUN_SLOW_MS)
				log_info("slow commit: %lld ms for %zu outcomes",
				    (long long)(timefmt_mono_ms() - t0), c->n);
			pthread_mutex_lock(&c->mu);
			c->ok = ok;
			memcpy(c->err, err, sizeof(err));
			c->done = 1;
			(void)write(c->efd, &one, sizeof(one));
			continue;
		}
		if (c->quit)
			break;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int
commit_new(struct commit **cp, struct store *s, const struct config *cfg,
    char *err, size_t errlen)
{
	struct commit *c;
	int rc;

	*cp = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->store = s;
	c->cfg = cfg;
	c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->efd == -1) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		free(c);
		return -1;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if ((rc = pthread_create(&c->thread, NULL, commit_main, c)) != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		close(c->efd);
		free(c);
		return -1;
	}
	*cp = c;
	return 0;
}

void
commit_free(struct commit *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->quit = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	close(c->efd);
	free(c->jobs);
	free(c);
}

int
commit_fd(const struct commit *c)
{
	return c->efd;
}

int
commit_busy(const struct commit *c)
{
	/* only the main thread changes submitted: no lock needed to read */
	return c->submitted;
}

int
commit_submit(struct commit *c, struct job **jobs, size_t n)
{
	struct job **p;

	if (c->submitted)
		return -1;
	if (n > c->cap) {
		p = realloc(c->jobs, n * sizeof(*p));
		if (p == NULL)
			return -1;
		c->jobs = p;
		c->cap = n;
	}
	pthread_mutex_lock(&c->mu);
	memcpy(c->jobs, jobs, n * sizeof(*jobs));
	c->n = n;
	c->done = 0;
	c->submitted = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

int
commit_take(struct commit *c, struct job **out, size_t *n, int *ok,
    char *err, size_t errlen)
{
	uint64_t v;

	if (!c->submitted)
		return 0;
	pthread_mutex_lock(&c->mu);
	if (!c->done) {
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	memcpy(out, c->jobs, c->n * sizeof(*out));
	*n = c->n;
	*ok = c->ok;
	snprintf(err, errlen, "%s", c->err);
	c->submitted = 0;
	c->done = 0;
	c->n = 0;
	pthread_mutex_unlock(&c->mu);
	(void)read(c->efd, &v, sizeof(v));
	return 1;
}
