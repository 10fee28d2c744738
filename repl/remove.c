/*
 * remove.c - hookd-repl --remove-site (contract in remove.h).
 *
 * Everything is checked against this site's hookd-repl's view of the
 * group (data_dir/repl.state, lib/replstate.h): the members it lists
 * besides itself and whether its connection to each is up.  A running
 * site keeps connecting to the group and would be a member again at its
 * next start, so only a site that is down may go; a site removed while
 * running stops replicating (Berkeley DB stops its replication manager)
 * and is left stranded.  The removal itself is db/replmember.c's, in this
 * short-lived process.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/replmember.h"
#include "db/store.h"
#include "lib/replstate.h"
#include "lib/timefmt.h"
#include "repl/remove.h"

/* Wait this long for this site's hookd-repl to list the group without
 * the removed site: it does within milliseconds of the master's change,
 * or, when Berkeley DB lost its reload of the list, once hookd-repl's
 * check restarted replication (repl/members.h: up to MEMBERS_EVERY_MS +
 * MEMBERS_STALE_MS, then the restart), with room for a loaded machine. */
#define REMOVE_SEEN_MS	15000

/* The index of addr in st's other sites, or 0 when absent. */
static size_t
remove_find(const struct replstate *st, const char *addr)
{
	size_t i;

	for (i = 1; i < st->nsites; i++)
		if (strcmp(st->sites[i].addr, addr) == 0)
			return i;
	return 0;
}

/* The refusals, from hookd-repl's view st.  0 or REMOVE_* with err. */
static int
remove_check(const struct config *cfg, const struct replstate *st,
    const char *self, const char *addr, char *err, size_t errlen)
{
	char list[512];
	size_t i, at, n = 0;
	int w;

	if (strcmp(addr, self) == 0) {
		snprintf(err, errlen, "%s is this site (replication_listen): "
		    "stop this site for good and run --remove-site on another "
		    "site of the group", addr);
		return REMOVE_REFUSED;
	}
	if (st->nsites == 0) {
		snprintf(err, errlen, "no hookd-repl is running on this site "
		    "(%s/%s is missing or stale): start it, or run "
		    "--remove-site on a site whose hookd-repl runs",
		    cfg->data_dir, REPLSTATE_FILE);
		return REMOVE_REFUSED;
	}
	if ((i = remove_find(st, addr)) == 0) {
		list[0] = '\0';
		for (at = 1; at < st->nsites; at++) {
			w = snprintf(list + n, sizeof(list) - n, "%s%s",
			    at > 1 ? ", " : "", st->sites[at].addr);
			if (w < 0 || (size_t)w >= sizeof(list) - n)
				break;	/* the list as far as it fits */
			n += (size_t)w;
		}
		snprintf(err, errlen, "%s is not a member of this site's "
		    "group (the other members: %s); give the address exactly "
		    "as in that site's replication_listen", addr,
		    st->nsites > 1 ? list : "none");
		return REMOVE_REFUSED;
	}
	if (st->sites[i].connected) {
		snprintf(err, errlen, "%s is connected to this site: stop its "
		    "hookd-repl (and keep it stopped) before removing it; a "
		    "running site would keep replicating, or join again at "
		    "its next start", addr);
		return REMOVE_REFUSED;
	}
	if (st->nsites == 3 && cfg->repl.ack == REPLCONF_ACK_QUORUM) {
		snprintf(err, errlen, "removing %s would leave two sites, and "
		    "with replication_ack = quorum Berkeley DB's quorum of two "
		    "is the master alone: on both remaining sites set "
		    "replication_ack = all and list only each other in "
		    "replication_peers, restart them, then remove %s (or add "
		    "a site first)", addr, addr);
		return REMOVE_REFUSED;
	}
	if (st->role == REPLSTATE_NONE) {
		snprintf(err, errlen, "this site knows no live master right "
		    "now (an election?): try again in a few seconds");
		return REMOVE_RUNTIME;
	}
	return 0;
}

int
remove_site(const struct config *cfg, const char *arg, char *err,
    size_t errlen)
{
	struct replconf_addr a;
	struct replstate st;
	struct store_opts o;
	struct store *s = NULL;
	char addr[REPLSTATE_ADDR_MAX + 1], self[REPLSTATE_ADDR_MAX + 1];
	char why[256];
	int64_t end;
	int rc;

	if (replconf_addr_parse(arg, &a, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "--remove-site: %s", why);
		return REMOVE_REFUSED;
	}
	if (replconf_addr_format(&a, addr, sizeof(addr)) == -1 ||
	    replconf_addr_format(&cfg->repl.listen, self,
	    sizeof(self)) == -1) {
		snprintf(err, errlen, "--remove-site: address too long");
		return REMOVE_REFUSED;
	}
	replstate_read(cfg->data_dir, timefmt_now_ms(), &st);
	if ((rc = remove_check(cfg, &st, self, addr, err, errlen)) != 0)
		return rc;
	memset(&o, 0, sizeof(o));
	o.home = cfg->data_dir;
	o.nosync = cfg->nosync;
	o.key_file = cfg->encryption_key_file;
	o.repl = &cfg->repl;
	o.repl_process = 1;	/* the environment only, no database */
	if (store_open(&s, &o, err, errlen) != STORE_OK)
		return REMOVE_RUNTIME;
	rc = replmember_remove(s, &a, err, errlen);
	store_close(s);
	if (rc != STORE_OK)
		return REMOVE_RUNTIME;
	/* the master has committed it; wait until this site's hookd-repl
	 * has applied it too, so that what the operator looks at next
	 * (health, status) agrees */
	end = timefmt_now_ms() + REMOVE_SEEN_MS;
	do {
		struct timespec ts = { 0, 100000000 };	/* 100 ms */

		replstate_read(cfg->data_dir, timefmt_now_ms(), &st);
		if (st.nsites > 0 && remove_find(&st, addr) == 0)
			return 0;
		(void)nanosleep(&ts, NULL);
	} while (timefmt_now_ms() < end);
	snprintf(err, errlen, "the master removed %s, but this site's "
	    "hookd-repl still lists it after %d s", addr,
	    REMOVE_SEEN_MS / 1000);
	return REMOVE_RUNTIME;
}
