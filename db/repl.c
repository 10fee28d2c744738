/*
 * repl.c - the store in a replication group (contracts in repl.h and
 * replenv.h).  docs/operations.md "Replication" is the user's side.
 *
 * Processes.  One process per site, hookd-repl, calls repmgr_start: it is
 * the replication process (listener: elections, heartbeats, log shipping,
 * applying the master's log on a client).  hookd.fcgi and hookd-send open
 * the same environment with the same replication configuration but never
 * start the replication manager: they are subordinate processes.  On the
 * master, a subordinate's first write starts Berkeley DB's own
 * subordinate machinery (log_put's autostart: a select thread and its own
 * connections to the other sites), so its commits are shipped and wait
 * for acknowledgements like the replication process's.  Nothing a
 * subordinate sees tells it whether the replication process is alive or
 * whether the master's connection is up (repmgr_site_list reports
 * connection states per process), so hookd-repl publishes its view in a
 * small file (lib/replstate.h) that the others read.
 *
 * Recovery.  Every opener still opens with DB_REGISTER | DB_RECOVER
 * (env.c): recovery runs when any process died inside the environment,
 * whoever opens next.  Recovery rebuilds the regions, which panics the
 * replication process's handle too: hookd-repl sees the panic
 * (repl_dead), closes, reopens and starts replication again (a client
 * again: the group re-elects or it rejoins the master it had).  Meanwhile
 * the site has no live replication process, its state file goes stale,
 * and the API answers writes 503 no_master.  The local site's address is
 * configured by every opener, identically, so whichever process recovers
 * leaves it as hookd-repl expects.
 *
 * Databases on a client.  A client may not create a database (its files
 * arrive from the master); env.c opens the databases without DB_CREATE
 * unless this site is the master, and an open that finds a file missing
 * fails (503) until the client has caught up.  A handle made stale by a
 * client's internal initialisation answers DB_REP_HANDLE_DEAD: dbenv.c
 * marks the handles dead and they are reopened.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "db/dbenv.h"
#include "db/env.h"
#include "db/repl.h"
#include "db/replenv.h"
#include "db/txn.h"
#include "lib/replstate.h"
#include "lib/str.h"
#include "lib/timefmt.h"

#define REPL_HEARTBEAT_SEND_US	1000000	/* master: "I am alive" every 1 s */
#define REPL_HEARTBEAT_MON_US	3000000	/* client: 3 s silent = master lost */
#define REPL_ELECTION_US	2000000	/* one election's time to win */
#define REPL_ELECTION_RETRY_US	1000000	/* then try again after 1 s */
#define REPL_CONNECT_RETRY_US	1000000	/* reconnect a lost site after 1 s */

static __thread int repl_perm_bad;	/* PERM_FAILED in this thread */
static __thread int repl_short;		/* ... with too few connections */
static uint32_t repl_seen;		/* event bits, repl_events_take */
static int repl_newconn;		/* a connection came up: repl_nodelay */
static int repl_conns;			/* connections up in this process */
static void (*repl_loss_hook)(void);	/* repl_set_loss_hook */

static const char *const repl_names[] = {
	[DB_EVENT_PANIC] = "panic",
	[DB_EVENT_REP_CLIENT] = "client",
	[DB_EVENT_REP_CONNECT_BROKEN] = "connection broken",
	[DB_EVENT_REP_CONNECT_ESTD] = "connection established",
	[DB_EVENT_REP_CONNECT_TRY_FAILED] = "connection attempt failed",
	[DB_EVENT_REP_DUPMASTER] = "duplicate master",
	[DB_EVENT_REP_ELECTED] = "elected",
	[DB_EVENT_REP_ELECTION_FAILED] = "election failed",
	[DB_EVENT_REP_INIT_DONE] = "internal init done",
	[DB_EVENT_REP_JOIN_FAILURE] = "join failure",
	[DB_EVENT_REP_LOCAL_SITE_REMOVED] = "local site removed",
	[DB_EVENT_REP_MASTER] = "master",
	[DB_EVENT_REP_MASTER_FAILURE] = "master failure",
	[DB_EVENT_REP_NEWMASTER] = "new master",
	[DB_EVENT_REP_PERM_FAILED] = "acknowledgements missing",
	[DB_EVENT_REP_SITE_ADDED] = "site added",
	[DB_EVENT_REP_SITE_REMOVED] = "site removed",
	[DB_EVENT_REP_STARTUPDONE] = "caught up",
	[DB_EVENT_REP_WOULD_ROLLBACK] = "would roll back",
	[DB_EVENT_WRITE_FAILED] = "write failed",
};

/*
 * Berkeley DB's event callback, on its threads or (PERM_FAILED) in the
 * committing thread before commit returns.  Only flags: no logging, no
 * DB call.
 */
static void
repl_event(DB_ENV *env, u_int32_t event, void *info)
{
	struct store *s = __atomic_load_n(&env->app_private, __ATOMIC_ACQUIRE);

	(void)info;
	if (event == DB_EVENT_REP_PERM_FAILED)
		repl_perm_bad = 1;
	if (event == DB_EVENT_PANIC && s != NULL)
		__atomic_store_n(&s->dead, 1, __ATOMIC_RELEASE);
	if (event == DB_EVENT_REP_CONNECT_ESTD) {
		__atomic_store_n(&repl_newconn, 1, __ATOMIC_RELEASE);
		__atomic_fetch_add(&repl_conns, 1, __ATOMIC_ACQ_REL);
	}
	if (event == DB_EVENT_REP_CONNECT_BROKEN)
		__atomic_fetch_sub(&repl_conns, 1, __ATOMIC_ACQ_REL);
	if ((event == DB_EVENT_REP_CONNECT_BROKEN ||
	    event == DB_EVENT_REP_MASTER_FAILURE ||
	    event == DB_EVENT_REP_DUPMASTER || event == DB_EVENT_PANIC) &&
	    repl_loss_hook != NULL)
		repl_loss_hook();
	if (event < 32)
		__atomic_fetch_or(&repl_seen, 1u << event, __ATOMIC_RELAXED);
}

void
repl_set_loss_hook(void (*fn)(void))
{
	repl_loss_hook = fn;
}

uint32_t
repl_events_take(void)
{
	return __atomic_exchange_n(&repl_seen, 0, __ATOMIC_RELAXED);
}

const char *
repl_event_name(int n)
{
	if (n < 0 || (size_t)n >= sizeof(repl_names) / sizeof(repl_names[0]) ||
	    repl_names[n] == NULL)
		return "";
	return repl_names[n];
}

/*
 * Berkeley DB 5.3 leaves Nagle's algorithm on for its connections: a
 * log record written while the previous one is not yet acknowledged by
 * TCP waits for the peer's delayed ACK (40 ms on Linux), and so does every
 * commit waiting for its replication acknowledgement (measured: 40 ms per
 * database open or commit on the master, docs/operations.md).  After a
 * connection came up in this process, set TCP_NODELAY on every TCP
 * socket the process has (/proc/self/fd): harmless on the others.
 */
void
repl_nodelay(void)
{
	char path[64], link[64];
	struct dirent *de;
	socklen_t len;
	DIR *d;
	int fd, one = 1, type;
	ssize_t n;

	if (!__atomic_exchange_n(&repl_newconn, 0, __ATOMIC_ACQ_REL))
		return;
	if ((d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    snprintf(path, sizeof(path), "/proc/self/fd/%s",
		    de->d_name) >= (int)sizeof(path) ||
		    (n = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "socket:", 7) != 0)
			continue;
		fd = 0;
		for (n = 0; de->d_name[n] != '\0'; n++)
			fd = fd * 10 + (de->d_name[n] - '0');
		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
		    type == SOCK_STREAM)
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));	/* ENOTSUP on a unix socket */
	}
	(void)closedir(d);
}

/*
 * A subordinate process's first write on the master starts its
 * connections to the other sites (db/repl.c, top); a commit made before
 * they are up is shipped to nobody and fails its acknowledgements at once.
 * So, before a commit, wait (up to the acknowledgement timeout) until as
 * many connections are up as the policy needs acknowledgements: a quorum
 * of the other sites, or all of them.  Costs nothing once they are up.
 */
void
repl_perm_clear(const struct replconf *r, const char *home)
{
	struct timespec ts = { 0, 2000000 };	/* 2 ms */
	struct replstate st;
	int need = r->ack == REPLCONF_ACK_ALL ? (int)r->npeers :
	    (int)r->npeers / 2;
	int64_t waited = 0;
	size_t i, up = 0;

	if (__atomic_load_n(&repl_conns, __ATOMIC_ACQUIRE) < need) {
		/* Are the sites there at all (hookd-repl's view)?  If not,
		 * neither wait nor reconnect: the commit fails fast. */
		replstate_read(home, timefmt_now_ms(), &st);
		for (i = 1; i < st.nsites; i++)
			up += st.sites[i].connected != 0;
		if ((int)up < need)
			waited = r->ack_timeout_ms;
	}
	while (__atomic_load_n(&repl_conns, __ATOMIC_ACQUIRE) < need &&
	    waited < r->ack_timeout_ms) {
		(void)nanosleep(&ts, NULL);
		waited += 2;
	}
	repl_short = __atomic_load_n(&repl_conns, __ATOMIC_ACQUIRE) < need &&
	    (int)up >= need;
	repl_nodelay();
	repl_perm_bad = 0;
}

int
repl_perm_short(void)
{
	return repl_short;
}

int
repl_perm_failed(void)
{
	return repl_perm_bad;
}

static int
repl_site_add(DB_ENV *env, const struct replconf_addr *a, u_int32_t which,
    u_int32_t which2, char *err, size_t errlen)
{
	DB_SITE *site = NULL;
	int ret;

	if ((ret = env->repmgr_site(env, a->host, a->port, &site, 0)) != 0 ||
	    (ret = site->set_config(site, which, 1)) != 0 ||
	    (which2 != 0 && (ret = site->set_config(site, which2, 1)) != 0)) {
		snprintf(err, errlen, "replication: site %s:%u: %s", a->host,
		    a->port, db_strerror(ret));
		if (site != NULL)
			(void)site->close(site);
		return -1;
	}
	(void)site->close(site);
	return 0;
}

int
repl_env_setup(DB_ENV *env, const struct replconf *r, u_int32_t *flags,
    char *err, size_t errlen)
{
	size_t i;
	int ret;

	/* a new handle: the old one's connections are gone with it */
	__atomic_store_n(&repl_conns, 0, __ATOMIC_RELEASE);
	if ((ret = env->set_event_notify(env, repl_event)) != 0)
		goto bad;
	if (repl_site_add(env, &r->listen, DB_LOCAL_SITE,
	    r->create ? DB_GROUP_CREATOR : 0, err, errlen) == -1)
		return -1;
	for (i = 0; i < r->npeers; i++)
		if (repl_site_add(env, &r->peers[i], DB_BOOTSTRAP_HELPER, 0,
		    err, errlen) == -1)
			return -1;
	if ((ret = env->rep_set_priority(env, (u_int32_t)r->priority)) != 0 ||
	    (ret = env->repmgr_set_ack_policy(env, r->ack == REPLCONF_ACK_ALL ?
	    DB_REPMGR_ACKS_ALL : DB_REPMGR_ACKS_QUORUM)) != 0 ||
	    (ret = env->rep_set_timeout(env, DB_REP_ACK_TIMEOUT,
	    (db_timeout_t)r->ack_timeout_ms * 1000)) != 0 ||
	    (ret = env->rep_set_timeout(env, DB_REP_HEARTBEAT_SEND,
	    REPL_HEARTBEAT_SEND_US)) != 0 ||
	    (ret = env->rep_set_timeout(env, DB_REP_HEARTBEAT_MONITOR,
	    REPL_HEARTBEAT_MON_US)) != 0 ||
	    (ret = env->rep_set_timeout(env, DB_REP_ELECTION_TIMEOUT,
	    REPL_ELECTION_US)) != 0 ||
	    (ret = env->rep_set_timeout(env, DB_REP_ELECTION_RETRY,
	    REPL_ELECTION_RETRY_US)) != 0 ||
	    (ret = env->rep_set_timeout(env, DB_REP_CONNECTION_RETRY,
	    REPL_CONNECT_RETRY_US)) != 0 ||
	    /* the master's checkpoint otherwise sleeps 30 s (the default)
	     * before its record, for slow clients: the sender's --once and
	     * housekeeping would stall (seen in tests) */
	    (ret = env->rep_set_timeout(env, DB_REP_CHECKPOINT_DELAY, 0)) != 0)
		goto bad;
	/* A pair: the survivor of two may not elect itself alone (with
	 * replication_ack = all its writes could not be acknowledged
	 * anyway, and a lagging survivor would lose the other's writes). */
	if (r->npeers == 1 && (ret = env->rep_set_config(env,
	    DB_REPMGR_CONF_2SITE_STRICT, 1)) != 0)
		goto bad;
	*flags |= DB_INIT_REP;
	return 0;
bad:
	snprintf(err, errlen, "replication: configuration: %s",
	    db_strerror(ret));
	return -1;
}

int
repl_env_master(DB_ENV *env)
{
	DB_REP_STAT *sp = NULL;
	int master;

	if (env->rep_stat(env, &sp, 0) != 0)
		return 0;
	master = (sp->st_status & DB_REP_MASTER) != 0;
	free(sp);
	return master;
}

int
repl_env_master_up(DB_ENV *env)
{
	DB_REP_STAT *sp = NULL;
	DB_REPMGR_SITE *list = NULL;
	u_int count = 0, i;
	int master = -1, up = 0;

	if (env->rep_stat(env, &sp, 0) != 0)
		return 0;
	if ((sp->st_status & DB_REP_CLIENT) && sp->st_master >= 0)
		master = (int)sp->st_master;
	free(sp);
	if (master < 0 || env->repmgr_site_list(env, &count, &list) != 0)
		return 0;
	for (i = 0; i < count; i++)
		if (list[i].eid == master)
			up = list[i].status == DB_REPMGR_CONNECTED;
	free(list);
	return up;
}

/*
 * The key check's messages (repl.h, repl_keycheck; asked by replkey.c):
 * the replication process answers REPL_KEY_ASK on a repmgr channel with
 * its check value.
 * Until the answer of the master matched, this site does not synchronise
 * (DB_REP_CONF_DELAYCLIENT): a site without the group's encryption would
 * otherwise receive its database pages and crash inside Berkeley DB
 * (seen: __db_encrypt_and_checksum_pg during internal init).
 */
static char repl_fp[REPL_FP_MAX + 1];	/* ours; set before repl_start */

static void
repl_dispatch(DB_ENV *env, DB_CHANNEL *ch, DBT *req, u_int32_t nreq,
    u_int32_t flags)
{
	DBT ans;

	(void)env;
	if (!(flags & DB_REPMGR_NEED_RESPONSE)) {
		(void)repl_lag_note(req, nreq);
		return;
	}
	memset(&ans, 0, sizeof(ans));
	if (nreq == 1 && req[0].size == sizeof(REPL_KEY_ASK) - 1 &&
	    memcmp(req[0].data, REPL_KEY_ASK, req[0].size) == 0) {
		ans.data = repl_fp;
		ans.size = (u_int32_t)strlen(repl_fp);
	}
	(void)ch->send_msg(ch, &ans, 1, 0);
}

int
repl_sync(struct store *s, char *err, size_t errlen)
{
	int ret;

	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	ret = s->env->rep_set_config(s->env, DB_REP_CONF_DELAYCLIENT, 0);
	if (ret == 0 && !repl_env_master(s->env))
		ret = s->env->rep_sync(s->env, 0);
	pthread_rwlock_unlock(&s->rw);
	if (ret != 0) {
		snprintf(err, errlen, "replication: sync: %s",
		    db_strerror(ret));
		return STORE_ERR;
	}
	return STORE_OK;
}

int
repl_start(struct store *s, int nthreads, const char *fp, char *err,
    size_t errlen)
{
	char msg[sizeof(s->bdbmsg)];
	int ret, rc = STORE_OK;

	if (str_copy(repl_fp, sizeof(repl_fp), fp) == -1) {
		snprintf(err, errlen, "replication: key check too long");
		return STORE_ERR;
	}
	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	ret = s->env->repmgr_msg_dispatch(s->env, repl_dispatch, 0);
	if (ret == 0)
		ret = s->env->rep_set_config(s->env, DB_REP_CONF_DELAYCLIENT,
		    1);
	if (ret == 0)
		ret = s->env->repmgr_start(s->env, nthreads, DB_REP_ELECTION);
	if (ret == DB_REP_IGNORE) {
		snprintf(err, errlen, "replication: another process of this "
		    "site runs the replication manager already (is "
		    "hookd-repl running twice?)");
		rc = STORE_ERR;
	} else if (ret != 0) {
		env_msg(s, msg, sizeof(msg));
		snprintf(err, errlen, "replication: start: %s%s%s",
		    db_strerror(ret), msg[0] ? ": " : "", msg);
		rc = STORE_ERR;
	}
	pthread_rwlock_unlock(&s->rw);
	return rc;
}

int
repl_dead(struct store *s)
{
	return __atomic_load_n(&s->dead, __ATOMIC_ACQUIRE);
}

/* "host:port" of the site behind eid into out; "" when unknown. */
static void
repl_eid_addr(DB_ENV *env, int eid, char *out, size_t outlen)
{
	DB_SITE *site = NULL;
	const char *host;
	u_int port;
	struct replconf_addr a;

	out[0] = '\0';
	if (eid < 0 || env->repmgr_site_by_eid(env, eid, &site) != 0)
		return;
	if (site->get_address(site, &host, &port) == 0) {
		a.port = port;
		if (str_copy(a.host, sizeof(a.host), host) == -1 ||
		    replconf_addr_format(&a, out, outlen) == -1)
			out[0] = '\0';
	}
	(void)site->close(site);
}

int
repl_info(struct store *s, struct repl_info *out, char *err, size_t errlen)
{
	DB_REP_STAT *sp = NULL;
	DB_LOG_STAT *ls = NULL;
	DB_REPMGR_SITE *list = NULL;
	DB_LSN end = { 0, 0 };
	u_int32_t lg_max = 10 * 1024 * 1024;
	u_int count = 0, i;
	struct replconf_addr a;
	int ret;

	repl_nodelay();
	memset(out, 0, sizeof(*out));
	out->self_eid = out->master_eid = -1;
	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	if ((ret = s->env->rep_stat(s->env, &sp, 0)) != 0) {
		snprintf(err, errlen, "replication: stat: %s",
		    db_strerror(ret));
		pthread_rwlock_unlock(&s->rw);
		return STORE_ERR;
	}
	out->role = (sp->st_status & DB_REP_MASTER) ? REPL_MASTER :
	    (sp->st_status & DB_REP_CLIENT) ? REPL_CLIENT : REPL_NONE;
	out->self_eid = (int)sp->st_env_id;
	out->master_eid = sp->st_master >= 0 ? (int)sp->st_master : -1;
	out->gen = sp->st_gen;
	(void)s->env->get_lg_max(s->env, &lg_max);
	out->caught_up = out->role == REPL_CLIENT &&
	    sp->st_startup_complete != 0;
	if (out->role == REPL_CLIENT && sp->st_waiting_lsn.file != 0)
		out->lag_bytes = repl_lsn_bytes(&sp->st_waiting_lsn,
		    &sp->st_next_lsn, lg_max);
	free(sp);
	if (out->role == REPL_MASTER) {
		out->master_eid = out->self_eid;
		out->master_connected = 1;
		if (s->env->log_stat(s->env, &ls, 0) == 0) {
			end.file = ls->st_cur_file;
			end.offset = ls->st_cur_offset;
			free(ls);
		}
	}
	if (s->env->repmgr_site_list(s->env, &count, &list) == 0) {
		for (i = 0; i < count && out->nsites < REPL_SITES_MAX; i++) {
			struct repl_site *rs = &out->sites[out->nsites];

			a.port = list[i].port;
			if (str_copy(a.host, sizeof(a.host),
			    list[i].host) == -1 ||
			    replconf_addr_format(&a, rs->addr,
			    sizeof(rs->addr)) == -1)
				continue;
			rs->eid = list[i].eid;
			rs->connected = list[i].status == DB_REPMGR_CONNECTED;
			rs->master = list[i].eid == out->master_eid;
			rs->lag_bytes = end.file != 0 ? repl_lag_of(rs->addr,
			    &end, lg_max) : -1;
			if (rs->master && out->role == REPL_CLIENT)
				out->master_connected = rs->connected;
			out->nsites++;
		}
		free(list);
	}
	if (out->master_eid >= 0)
		repl_eid_addr(s->env, out->master_eid, out->master_addr,
		    sizeof(out->master_addr));
	pthread_rwlock_unlock(&s->rw);
	return STORE_OK;
}

/* Open the table's handle if it is not open (the replication process
 * opens no other database).  Caller holds s->rw.  A DB code. */
static int
repl_url_db(struct store *s, int create)
{
	int ret;

	if (s->db[DBI_REPL] != NULL)
		return 0;
	ret = env_db_open(s->env, DBI_REPL, s->key_file != NULL,
	    (create ? DB_CREATE : 0) | DB_AUTO_COMMIT | DB_THREAD,
	    &s->db[DBI_REPL]);
	if (ret != 0 && s->db[DBI_REPL] != NULL) {
		(void)s->db[DBI_REPL]->close(s->db[DBI_REPL], 0);
		s->db[DBI_REPL] = NULL;
	}
	return ret;
}

struct repl_url {
	const char *addr, *url;
	char *out;
	size_t outlen;
};

static int
repl_url_put_txn(struct store_txn *t, void *arg)
{
	const struct repl_url *u = arg;
	struct key k;

	if (t->s->db[DBI_REPL] == NULL)
		return STORE_NOTFOUND;
	key_init(&k);
	key_str(&k, u->addr);
	return dbenv_put(t, DBI_REPL, &k, u->url, strlen(u->url), 0);
}

static int
repl_url_get_txn(struct store_txn *t, void *arg)
{
	struct repl_url *u = arg;
	unsigned char buf[REPLCONF_URL_MAX + 1];
	struct key k;
	size_t len = 0;
	int rc;

	if (t->s->db[DBI_REPL] == NULL)
		return STORE_NOTFOUND;
	key_init(&k);
	key_str(&k, u->addr);
	rc = dbenv_get(t, DBI_REPL, &k, buf, sizeof(buf) - 1, &len, 0);
	if (rc != STORE_OK)
		return rc;
	if (len >= u->outlen)
		return dbenv_fail(t, "public_url record too long");
	memcpy(u->out, buf, len);
	u->out[len] = '\0';
	return STORE_OK;
}

/* Make sure the table's handle is open, then run fn in a transaction. */
static int
repl_url_txn(struct store *s, int create, int flags, store_txn_fn fn,
    struct repl_url *u, char *err, size_t errlen)
{
	int ret, rc;

	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	ret = repl_url_db(s, create);
	pthread_rwlock_unlock(&s->rw);
	if (ret == ENOENT)
		return STORE_NOTFOUND;	/* not replicated here yet */
	if (ret != 0) {
		snprintf(err, errlen, "replication: public_url table: %s",
		    db_strerror(ret));
		if (ret == DB_REP_HANDLE_DEAD || ret == DB_RUNRECOVERY)
			__atomic_store_n(&s->dead, 1, __ATOMIC_RELEASE);
		return STORE_ERR;
	}
	rc = store_txn(s, flags, fn, u, err, errlen);
	if (rc == STORE_ERR && !repl_dead(s) &&
	    pthread_rwlock_wrlock(&s->rw) == 0) {
		/* a handle made stale by a client's sync (DB_REP_HANDLE_DEAD)
		 * or any other failure: open it afresh next time */
		if (s->db[DBI_REPL] != NULL)
			(void)s->db[DBI_REPL]->close(s->db[DBI_REPL], 0);
		s->db[DBI_REPL] = NULL;
		pthread_rwlock_unlock(&s->rw);
	}
	return rc;
}

int
store_repl_touch(struct store_txn *t)
{
	static const char touch[] = "#touch";
	struct key k;

	if (t->s->repl == NULL || t->s->db[DBI_REPL] == NULL)
		return STORE_OK;
	key_init(&k);
	key_str(&k, touch);
	return dbenv_put(t, DBI_REPL, &k, touch, sizeof(touch) - 1, 0);
}

int
repl_url_put(struct store *s, const char *addr, const char *url, char *err,
    size_t errlen)
{
	struct repl_url u = { addr, url, NULL, 0 };

	return repl_url_txn(s, 1, 0, repl_url_put_txn, &u, err, errlen);
}

int
repl_url_get(struct store *s, const char *addr, char *url, size_t urllen,
    char *err, size_t errlen)
{
	struct repl_url u = { addr, NULL, url, urllen };

	url[0] = '\0';
	return repl_url_txn(s, 0, STORE_RDONLY, repl_url_get_txn, &u, err,
	    errlen);
}
