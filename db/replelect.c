/*
 * replelect.c - restarting the replication manager's elections (contract
 * in replelect.h).
 *
 * Why.  Berkeley DB 5.3's replication manager runs each election in an
 * election thread (repmgr_elect.c); a thread whose election failed
 * (DB_REP_UNAVAIL: too few votes in time) keeps retrying only while it is
 * the "preferred" election thread, and every new election thread claims
 * that title when it starts.  When a second thread starts while the
 * first one's election is under way (a VOTE1 invitation from another
 * site, a duplicate master), the second finds the election in progress
 * and ends at once, and the first, when its election fails, sees it is no
 * longer preferred and ends too: no thread is left, and a site that lost
 * its master holds no election again until something new happens (a
 * connection coming up, another site's vote).  Seen in tests: the two
 * clients of a group of three, cut off from their master together, both
 * ending so, the group without a master for good.
 *
 * What.  Turning DB_REPMGR_CONF_ELECTIONS off and on again in the process
 * that started the replication manager makes it check whether it needs an
 * election (no master, or none connected) and, if so, start an election
 * thread that retries until a master is known: the same thread as after a
 * lost master.  It is done only when no election thread exists (repmgr's
 * st_elect_threads), so it never cuts a running one short; the election
 * is an ordinary one, won only with a majority's votes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <db.h>

#include "db/env.h"
#include "db/replelect.h"

int
replelect_restart(struct store *s, int *did, char *err, size_t errlen)
{
	DB_REP_STAT *rs = NULL;
	DB_REPMGR_STAT *ms = NULL;
	const char *what = "stat";
	int ret, on = 1, idle;
	uintmax_t before;

	*did = REPLELECT_NONE;
	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	if ((ret = s->env->rep_stat(s->env, &rs, 0)) != 0 ||
	    (ret = s->env->repmgr_stat(s->env, &ms, 0)) != 0 ||
	    (ret = s->env->rep_get_config(s->env, DB_REPMGR_CONF_ELECTIONS,
	    &on)) != 0)
		goto bad;
	before = ms->st_elect_threads;
	idle = !(rs->st_status & DB_REP_MASTER) && before == 0;
	/* Elections are never configured off: off is a restart of ours
	 * that failed half-way, finished now. */
	if (idle && on) {
		what = "elections off";
		if ((ret = s->env->rep_set_config(s->env,
		    DB_REPMGR_CONF_ELECTIONS, 0)) != 0)
			goto bad;
	}
	if (idle || !on) {
		what = "elections on";
		if ((ret = s->env->rep_set_config(s->env,
		    DB_REPMGR_CONF_ELECTIONS, 1)) != 0)
			goto bad;
		/* did it find a need (no connected master) and start one? */
		free(ms);
		ms = NULL;
		what = "stat";
		if ((ret = s->env->repmgr_stat(s->env, &ms, 0)) != 0)
			goto bad;
		*did = ms->st_elect_threads > before ? REPLELECT_STARTED :
		    REPLELECT_NOT_NEEDED;
	}
	free(rs);
	free(ms);
	pthread_rwlock_unlock(&s->rw);
	return STORE_OK;
bad:
	snprintf(err, errlen, "replication: restarting elections: %s: %s",
	    what, db_strerror(ret));
	free(rs);
	free(ms);
	pthread_rwlock_unlock(&s->rw);
	return STORE_ERR;
}
