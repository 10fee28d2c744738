/*
 * replmember.c - removing a site from the group, and reading this site's
 * copy of the group membership database (contracts in replmember.h).
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
 *
 * The master removes a site in two transactions (marked "being removed",
 * then deleted), each waiting for the group's acknowledgements.  One not
 * acknowledged within the acknowledgement timeout (a slow client) leaves
 * the site marked, and the master answers DB_REP_UNAVAIL, as it does when
 * it is not the master (any more) or is the site itself.  The request is
 * safe to repeat: the master finishes a marked removal, and answers a
 * removed site's with success.  So DB_REP_UNAVAIL is retried, every
 * REPLMEMBER_PAUSE_MS for REPLMEMBER_RETRY_MS, before it is the answer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/env.h"
#include "db/replmember.h"
#include "lib/timefmt.h"

#define REPLMEMBER_RETRY_MS	8000	/* DB_REP_UNAVAIL: ask again this long */
#define REPLMEMBER_PAUSE_MS	500	/* ... this far apart */

/*
 * Berkeley DB 5.3's group membership database (repmgr_util.c, read_gmdb):
 * sub-database REPLMEMBER_DB of the file REPLMEMBER_FILE in the
 * environment's home (`db5.3_dump -s __db.membership __db.rep.system`
 * shows it).  Records, integers big-endian: key = u32 length of the host
 * with its NUL, the host, u16 port; data = u32 status (1 being added,
 * 2 being removed, 4 present; a removed site's record is deleted).  The
 * first record (length 0, port 0) holds the format and the version.
 */
#define REPLMEMBER_FILE	"__db.rep.system"
#define REPLMEMBER_DB	"__db.membership"
#define REPLMEMBER_KEY_MAX (4 + REPLCONF_HOST_MAX + 1 + 2)

static uint32_t
replmember_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* One record into out (the metadata record is skipped).  0, or -1 for a
 * record of another layout than the one above. */
static int
replmember_record(const DBT *k, const DBT *d, struct replmember_list *out)
{
	const unsigned char *p = k->data;
	struct replconf_addr a;
	uint32_t hl;

	if (k->size < 6)
		return -1;
	hl = replmember_u32(p);
	if (hl == 0 && k->size == 6)
		return 0;	/* the metadata */
	if (d->size != 4 || hl < 2 || hl > REPLCONF_HOST_MAX + 1 ||
	    k->size != 4 + hl + 2 || p[4 + hl - 1] != '\0')
		return -1;
	if (replmember_u32(d->data) == 0)
		return 0;	/* not a member (not written by 5.3) */
	memset(&a, 0, sizeof(a));
	memcpy(a.host, p + 4, hl);
	a.port = (unsigned)p[4 + hl] << 8 | p[4 + hl + 1];
	if (out->n >= sizeof(out->addr) / sizeof(out->addr[0]) ||
	    replconf_addr_format(&a, out->addr[out->n],
	    sizeof(out->addr[0])) == -1)
		return -1;
	out->n++;
	return 0;
}

int
replmember_list(struct store *s, struct replmember_list *out, char *err,
    size_t errlen)
{
	unsigned char kbuf[REPLMEMBER_KEY_MAX], dbuf[16];
	DB *db = NULL;
	DBC *c = NULL;
	DBT k, d;
	int ret, rc = STORE_ERR;

	out->n = 0;
	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	/* read-only, no transaction: each read locks its page only while
	 * it reads it (a change being applied waits that long at most) */
	if ((ret = db_create(&db, s->env, 0)) != 0 ||
	    (ret = db->open(db, NULL, REPLMEMBER_FILE, REPLMEMBER_DB,
	    DB_BTREE, DB_RDONLY | DB_THREAD, 0)) != 0 ||
	    (ret = db->cursor(db, NULL, &c, 0)) != 0)
		goto done;
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = kbuf;
	k.ulen = sizeof(kbuf);
	k.flags = DB_DBT_USERMEM;
	d.data = dbuf;
	d.ulen = sizeof(dbuf);
	d.flags = DB_DBT_USERMEM;
	while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0)
		if (replmember_record(&k, &d, out) == -1) {
			rc = STORE_NOTFOUND;	/* cannot tell: as absent */
			goto done;
		}
	if (ret == DB_NOTFOUND)
		ret = 0;
done:
	if (c != NULL)
		(void)c->close(c);
	if (db != NULL)
		(void)db->close(db, DB_NOSYNC);
	pthread_rwlock_unlock(&s->rw);
	if (rc == STORE_NOTFOUND || ret == ENOENT)
		return STORE_NOTFOUND;
	if (ret != 0) {
		snprintf(err, errlen, "replication: membership database: %s",
		    db_strerror(ret));
		return STORE_ERR;
	}
	return STORE_OK;
}

int
replmember_remove(struct store *s, const struct replconf_addr *a,
    char *err, size_t errlen)
{
	DB_SITE *site = NULL;
	int64_t end;
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
	end = timefmt_now_ms() + REPLMEMBER_RETRY_MS;
	for (;;) {
		struct timespec ts = { 0, REPLMEMBER_PAUSE_MS * 1000000L };

		if ((ret = s->env->repmgr_site(s->env, a->host, a->port,
		    &site, 0)) != 0) {
			snprintf(err, errlen, "replication: site %s:%u: %s",
			    a->host, a->port, db_strerror(ret));
			goto done;
		}
		/* remove is a destructor: it frees the handle, even on
		 * failure */
		ret = site->remove(site);
		if (ret != DB_REP_UNAVAIL || timefmt_now_ms() >= end)
			break;
		(void)nanosleep(&ts, NULL);
	}
	if (ret == DB_REP_UNAVAIL)
		snprintf(err, errlen, "replication: the removal did not go "
		    "through within %d s: no master known, %s:%u is the "
		    "master (the master cannot be removed), or the master "
		    "did not get the change acknowledged by enough sites in "
		    "time", REPLMEMBER_RETRY_MS / 1000, a->host, a->port);
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
