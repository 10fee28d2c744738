/*
 * members.c - the replication manager's list of sites against the group
 * membership database (contract in members.h).
 *
 * Berkeley DB 5.3's replication manager keeps the group's sites in
 * memory, per process, and in the environment's region (what
 * repmgr_site_list, and so repl.state, and `db5.3_stat -r` show; what
 * elections and quorums count).  A client changes that list only when a
 * message thread, having applied a membership change of the master
 * (repmgr_rec.c marks it), reloads the list from its copy of the
 * membership database (repmgr_msg.c).  The mark is cleared before the
 * reload, and a reload that fails (a lock conflict with the next change
 * being applied, DB_LOCK_DEADLOCK or DB_LOCK_NOTGRANTED, which the thread
 * retries on a message already applied; a missing database, ignored) or
 * that carries an older generation than the list it would replace
 * (ignored) is never tried again: the client then lists a removed site
 * (or misses an added one) until the next membership change, with the
 * data already right on disk.  Seen once: a site removed with
 * --remove-site stayed in the list of the site that ran the command,
 * which had received the master's whole log.
 *
 * Berkeley DB offers no call that reloads the list.  Its only reload
 * outside a change is at repmgr_start (the list is read afresh from the
 * database), so hookd-repl compares: on a client whose master is
 * connected and which has caught up with it (not while it synchronises:
 * it may list sites the master told it of before its database has them,
 * and a database open would wait for a copy of the store to finish),
 * every MEMBERS_EVERY_MS, the sites repl_info lists against those the
 * database lists (both besides this site).  An ordinary change makes
 * them differ only between applying it and the reload right after
 * (milliseconds), so only a disagreement that lasts MEMBERS_STALE_MS
 * counts, and then hookd-repl restarts replication (closes the
 * environment and opens it again, as after a panic: the other processes
 * of the site go on), at most every MEMBERS_RETRY_MS.  After a restart
 * the list is the database's, whatever the reason it was not.
 */
#include <stdio.h>
#include <string.h>

#include "db/replmember.h"
#include "repl/members.h"

/* Is addr among the n addresses at list (stride REPL_ADDR_MAX + 1)? */
static int
members_has(const char (*list)[REPL_ADDR_MAX + 1], size_t n,
    const char *addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], addr) == 0)
			return 1;
	return 0;
}

/* "a, b, c" of ri's sites into out (cut short if it does not fit). */
static void
members_format(const struct repl_info *ri, char *out, size_t outlen)
{
	size_t i, n = 0;
	int w;

	out[0] = '\0';
	for (i = 0; i < ri->nsites; i++) {
		w = snprintf(out + n, outlen - n, "%s%s", i ? ", " : "",
		    ri->sites[i].addr);
		if (w < 0 || (size_t)w >= outlen - n)
			return;
		n += (size_t)w;
	}
}

/* Do ri's sites and the database's l, both without self, agree? */
static int
members_agree(const struct repl_info *ri, const struct replmember_list *l,
    const char *self)
{
	size_t i, others = 0;

	for (i = 0; i < l->n; i++)
		others += strcmp(l->addr[i], self) != 0;
	if (others != ri->nsites)
		return 0;
	for (i = 0; i < ri->nsites; i++)
		if (strcmp(ri->sites[i].addr, self) == 0 ||
		    !members_has(l->addr, l->n, ri->sites[i].addr))
			return 0;
	return 1;
}

int
members_check(struct members *m, struct store *st,
    const struct repl_info *ri, const char *self, int64_t now, char *err,
    size_t errlen)
{
	static struct replmember_list l;	/* the tick's thread only */
	char have[512], e[256];
	size_t i, n = 0;
	int w;

	if (ri->role != REPL_CLIENT || !ri->master_connected ||
	    !ri->caught_up || ri->nsites >= REPL_SITES_MAX) {
		m->since = 0;
		return 0;
	}
	if (now - m->checked_at < MEMBERS_EVERY_MS)
		return 0;
	m->checked_at = now;
	if (replmember_list(st, &l, e, sizeof(e)) != STORE_OK ||
	    members_agree(ri, &l, self)) {
		m->since = 0;	/* agreeing, or cannot tell: start again */
		return 0;
	}
	if (m->since == 0)
		m->since = now;
	if (now - m->since < MEMBERS_STALE_MS || (m->restarted_at != 0 &&
	    now - m->restarted_at < MEMBERS_RETRY_MS))
		return 0;
	m->restarted_at = now;
	m->since = 0;
	have[0] = '\0';
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.addr[i], self) == 0)
			continue;
		w = snprintf(have + n, sizeof(have) - n, "%s%s",
		    n ? ", " : "", l.addr[i]);
		if (w < 0 || (size_t)w >= sizeof(have) - n)
			break;
		n += (size_t)w;
	}
	members_format(ri, e, sizeof(e));
	snprintf(err, errlen, "replication: Berkeley DB lists the other "
	    "sites as {%s} but this site's membership database as {%s} "
	    "(a membership change applied without reloading the list): "
	    "restarting replication to reload it", e, have);
	return 1;
}
