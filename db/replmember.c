/*
 * replmember.c - removing a site from the group (contract in
 * replmember.h).
 *
 * Berkeley DB 5.3's DB_SITE->remove sends a remove request to the master
 * over a connection of its own and waits for the master's answer; the
 * master writes the change into the group membership database (a
 * replicated database: every site learns it) and refuses to remove
 * itself.  It works from any site, but only in a process whose
 * replication manager runs with its select thread ("repmgr is not
 * running" otherwise).  A second process calling repmgr_start on an
 * environment whose replication process (hookd-repl) already runs
 * becomes a subordinate: no listener, no elections, no message threads,
 * only a select thread for its own connections; repmgr_start tells it so
 * with DB_REP_IGNORE.  That is all remove needs, so the command runs as
 * such a short-lived subordinate instead of asking the running hookd-repl
 * to do it: no request channel into the long-lived process, and the
 * operator's terminal gets the answer and the exit status directly.
 *
 * Were no hookd-repl running, repmgr_start would make this process the
 * listener, elections and all: replmember_remove then refuses and closes
 * at once (repl/remove.c checks the state file before, this is the
 * backstop).
 */
#include <stdio.h>

#include "db/env.h"
#include "db/replmember.h"

int
replmember_remove(struct store *s, const struct replconf_addr *a,
    char *err, size_t errlen)
{
	DB_SITE *site = NULL;
	int ret, rc = STORE_ERR;

	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	ret = s->env->repmgr_start(s->env, 0, DB_REP_CLIENT);
	if (ret == 0) {
		snprintf(err, errlen, "replication: no hookd-repl runs on "
		    "this site: start it first (the removal goes through "
		    "this site's replication manager)");
		goto done;
	}
	if (ret != DB_REP_IGNORE) {
		snprintf(err, errlen, "replication: start (subordinate): "
		    "%s%s%s", db_strerror(ret), s->bdbmsg[0] ? ": " : "",
		    s->bdbmsg);
		goto done;
	}
	if ((ret = s->env->repmgr_site(s->env, a->host, a->port, &site,
	    0)) != 0) {
		snprintf(err, errlen, "replication: site %s:%u: %s", a->host,
		    a->port, db_strerror(ret));
		goto done;
	}
	/* remove is a destructor: it frees the handle, even on failure */
	ret = site->remove(site);
	if (ret == DB_REP_UNAVAIL)
		snprintf(err, errlen, "replication: no master took the "
		    "request (none known right now, or %s:%u is the master: "
		    "the master cannot be removed)", a->host, a->port);
	else if (ret != 0)
		snprintf(err, errlen, "replication: removing %s:%u: %s%s%s",
		    a->host, a->port, db_strerror(ret),
		    s->bdbmsg[0] ? ": " : "", s->bdbmsg);
	else
		rc = STORE_OK;
done:
	pthread_rwlock_unlock(&s->rw);
	return rc;
}
