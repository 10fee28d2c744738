/*
 * site.c - hookd-repl's site (contract in site.h).
 *
 * The encryption check.  Berkeley DB ships log records unencrypted (the
 * receiver encrypts them with its own key, if any), so a site with
 * another passphrase, or none, would replicate without complaint and
 * keep the group's data under a key the others do not share, or in the
 * clear.  Each site's check value is HMAC-SHA256(passphrase, SITE_FP_MSG)
 * in hex ("none" without encryption: the passphrase never leaves the
 * site); the first master stores its value in the replicated public_url
 * table under SITE_FP_KEY.  A master whose value differs from the stored
 * one, and a client whose value differs once the record has reached it,
 * stop with SITE_FATAL (exit 2).  A client may thus hold the group's
 * data for a moment before it is refused: docs/operations.md says so.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "db/replelect.h"
#include "lib/keyfile.h"
#include "lib/log.h"
#include "lib/replstate.h"
#include "lib/str.h"
#include "lib/timefmt.h"
#include "repl/site.h"

#define SITE_FP_KEY	"#encryption"
#define SITE_FP_MSG	"hookd replication key check v1"
#define SITE_THREADS	3	/* replication manager message threads */
#define SITE_NOMASTER_MS 2000	/* no master this long and no election: */
#define SITE_KICK_MS	5000	/* restart elections, at most this often */

int
site_init(struct site *s, const struct config *cfg, char *err, size_t errlen)
{
	char pass[KEYFILE_MAX + 2];	/* keyfile_read wants MAX + 2 */
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, i;
	size_t len;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	if (replconf_addr_format(&cfg->repl.listen, s->self,
	    sizeof(s->self)) == -1) {
		snprintf(err, errlen, "replication_listen too long");
		return SITE_FATAL;
	}
	memcpy(s->fp, "none", 5);
	if (cfg->encryption_key_file[0] == '\0')
		return 0;
	if (keyfile_read(cfg->encryption_key_file, pass, sizeof(pass), &len,
	    err, errlen) == -1)
		return SITE_FATAL;
	if (HMAC(EVP_sha256(), pass, (int)len,
	    (const unsigned char *)SITE_FP_MSG, sizeof(SITE_FP_MSG) - 1, mac,
	    &maclen) == NULL || maclen * 2 > SITE_FP_MAX) {
		explicit_bzero(pass, sizeof(pass));
		snprintf(err, errlen, "encryption key check: HMAC failed");
		return SITE_FATAL;
	}
	explicit_bzero(pass, sizeof(pass));
	for (i = 0; i < maclen; i++) {
		s->fp[2 * i] = "0123456789abcdef"[mac[i] >> 4];
		s->fp[2 * i + 1] = "0123456789abcdef"[mac[i] & 15];
	}
	s->fp[2 * maclen] = '\0';
	return 0;
}

/* The loss hook's data dir (repl_set_loss_hook: no argument), and its
 * mark: a tick that began before a loss does not publish what it saw. */
static const char *site_dir;
static int site_lost;

/* A connection broke or the master was lost: no "client of a live master"
 * until the next tick has looked (readers see role none meanwhile). */
static void
site_loss(void)
{
	__atomic_store_n(&site_lost, 1, __ATOMIC_RELEASE);
	if (site_dir != NULL)
		replstate_remove(site_dir);
}

int
site_open(struct site *s, char *err, size_t errlen)
{
	struct store_opts o;

	memset(&o, 0, sizeof(o));
	o.home = s->cfg->data_dir;
	o.nosync = s->cfg->nosync;
	o.key_file = s->cfg->encryption_key_file;
	o.repl = &s->cfg->repl;
	o.repl_process = 1;
	site_dir = s->cfg->data_dir;
	repl_set_loss_hook(site_loss);
	if (store_open(&s->st, &o, err, errlen) != STORE_OK)
		return SITE_RUNTIME;
	if (repl_start(s->st, SITE_THREADS, s->fp, err, errlen) != STORE_OK) {
		store_close(s->st);
		s->st = NULL;
		return SITE_RUNTIME;
	}
	if (repl_keycheck_start(s->st) == -1) {
		snprintf(err, errlen, "replication: no thread for the key "
		    "check");
		store_close(s->st);
		s->st = NULL;
		return SITE_RUNTIME;
	}
	if (repl_probe_start(s->st) == -1)
		log_warn("replication: no thread to watch Berkeley DB's "
		    "replication mutexes: a deadlock among them would not "
		    "end this process");
	if (repl_lag_start(s->st, s->self) == -1)
		log_warn("replication: no thread to report this site's log "
		    "end: the master shows its lag_bytes as null");
	s->role = -1;
	s->synced = 0;
	s->url_put = 0;
	s->url_of[0] = '\0';
	s->lost_at = s->kicked_at = 0;
	log_info("replication started: this site is %s (priority %d, "
	    "acks %s, ack timeout %lld ms)", s->self, s->cfg->repl.priority,
	    s->cfg->repl.ack == REPLCONF_ACK_ALL ? "all" : "quorum",
	    (long long)s->cfg->repl.ack_timeout_ms);
	return 0;
}

void
site_close(struct site *s)
{
	const char *stuck = NULL;

	replstate_remove(s->cfg->data_dir);
	repl_probe_stop();
	/* both threads first: neither may be left using a closed handle */
	if (s->st != NULL && repl_keycheck_stop() == -1)
		stuck = "key check";
	else if (s->st != NULL && repl_lag_stop() == -1)
		stuck = "lag report";
	if (stuck != NULL) {
		/* stuck inside Berkeley DB on an unresponsive master's
		 * connection: closing would wait for it forever.  Leave as
		 * a crash would; the next opener recovers. */
		log_err("replication: the %s is stuck on a master that does "
		    "not answer; exiting %d without closing the environment",
		    stuck, STORE_WEDGED_EXIT);
		_exit(STORE_WEDGED_EXIT);
	}
	if (s->st != NULL)
		store_close(s->st);
	s->st = NULL;
}

/* Log what Berkeley DB told us since the last tick (no secrets in it). */
static void
site_log_events(struct site *s)
{
	uint32_t ev = repl_events_take();
	int n;

	for (n = 0; n < 32; n++) {
		if (!(ev & (1u << n)) || repl_event_name(n)[0] == '\0')
			continue;
		if (n == 7)	/* DB_EVENT_REP_DUPMASTER */
			log_warn("replication: two masters met (%s); the "
			    "group elects one: if this repeats, two sites "
			    "were created with replication_create = yes "
			    "and are separate groups", s->self);
		else if (n == 11)	/* DB_EVENT_REP_JOIN_FAILURE */
			log_err("replication: %s could not join the group "
			    "through replication_peers: is another site "
			    "the group's creator, and reachable?", s->self);
		else
			log_debug("replication event: %s", repl_event_name(n));
	}
}

/* have (the group's check value) against ours.  0 or SITE_FATAL. */
static int
site_key_compare(const struct site *s, const char *have, char *err,
    size_t errlen)
{
	if (have[0] == '\0' || strcmp(have, s->fp) == 0)
		return 0;
	snprintf(err, errlen, "this site's encryption does not match the "
	    "group's: %s; every site of a group must use the same "
	    "passphrase in encryption_key_file (or none on every site)",
	    strcmp(s->fp, "none") == 0 ? "the group is encrypted and this "
	    "site has no encryption_key_file" : strcmp(have, "none") == 0 ?
	    "the group is not encrypted and this site has an "
	    "encryption_key_file" : "another passphrase");
	return SITE_FATAL;
}

/*
 * The key check, before this site synchronises: a client asks the master
 * (repl_keycheck: the request runs on a thread of its own, this tick
 * only reads its result, so a hung master never blocks the tick) and
 * syncs only when the values match; a master checks the group's record
 * (written by the first master) or writes it.  0 or SITE_FATAL.
 */
static int
site_key_check(struct site *s, const struct repl_info *ri, char *err,
    size_t errlen)
{
	char have[SITE_FP_MAX + 1], e[256];
	int rc;

	if (!s->synced && ri->role == REPL_CLIENT && ri->master_connected) {
		if (repl_keycheck(have, sizeof(have), e, sizeof(e)) !=
		    STORE_OK) {
			log_debug("%s", e);
			return 0;	/* again at the next tick */
		}
		if (site_key_compare(s, have, err, errlen) == SITE_FATAL)
			return SITE_FATAL;
		if (repl_sync(s->st, e, sizeof(e)) != STORE_OK) {
			log_warn("%s", e);
			return 0;
		}
		s->synced = 1;
	}
	if (s->key_ok || (ri->role != REPL_MASTER && !s->synced))
		return 0;
	rc = repl_url_get(s->st, SITE_FP_KEY, have, sizeof(have), e,
	    sizeof(e));
	if (rc == STORE_NOTFOUND && ri->role == REPL_MASTER)
		rc = repl_url_put(s->st, SITE_FP_KEY, s->fp, e, sizeof(e));
	if (rc != STORE_OK)
		return 0;	/* not here yet, or try again next tick */
	if (site_key_compare(s, have, err, errlen) == SITE_FATAL)
		return SITE_FATAL;
	if (ri->role == REPL_MASTER && !s->synced &&
	    repl_sync(s->st, e, sizeof(e)) == STORE_OK)
		s->synced = 1;	/* later demotions sync at once */
	s->key_ok = 1;
	return 0;
}

/* The master's public_url: ours, or looked up (cached per master). */
static void
site_master_url(struct site *s, const struct repl_info *ri, char *url,
    size_t urllen)
{
	char e[256];

	url[0] = '\0';
	if (ri->role == REPL_MASTER) {
		if (!s->url_put && repl_url_put(s->st, s->self,
		    s->cfg->repl.public_url, e, sizeof(e)) == STORE_OK)
			s->url_put = 1;
		if (str_copy(url, urllen, s->cfg->repl.public_url) == -1)
			url[0] = '\0';
		return;
	}
	s->url_put = 0;
	if (ri->master_addr[0] == '\0')
		return;
	if (strcmp(s->url_of, ri->master_addr) != 0) {
		if (repl_url_get(s->st, ri->master_addr, s->master_url,
		    sizeof(s->master_url), e, sizeof(e)) != STORE_OK)
			return;	/* not written or not here yet */
		memcpy(s->url_of, ri->master_addr, sizeof(s->url_of));
	}
	(void)str_copy(url, urllen, s->master_url);
}

/*
 * Berkeley DB's replication manager can stop holding elections while the
 * site has no master (db/replelect.c says how), and the group would stay
 * without one.  Once no master has been connected for SITE_NOMASTER_MS
 * (the master's loss is noticed after the heartbeat monitor's 3 s, and
 * its election thread starts at once) and the replication manager runs
 * no election, restart its elections, at most every SITE_KICK_MS.  Never
 * on the master, nor while a master is connected: the restarted election
 * is the group's ordinary one (a majority elects), which the replication
 * manager would have retried by itself.
 */
static void
site_elect(struct site *s, const struct repl_info *ri, int64_t now)
{
	char e[256];
	int rc;

	if (ri->role == REPL_MASTER || ri->master_connected) {
		s->lost_at = 0;
		return;
	}
	if (s->lost_at == 0)
		s->lost_at = now;
	if (now - s->lost_at < SITE_NOMASTER_MS ||
	    (s->kicked_at != 0 && now - s->kicked_at < SITE_KICK_MS))
		return;
	if (replelect_restart(s->st, &rc, e, sizeof(e)) != STORE_OK) {
		log_warn("%s", e);
		s->kicked_at = now;	/* not again at every tick */
		return;
	}
	if (rc == REPLELECT_NONE)
		return;
	s->kicked_at = now;
	if (rc == REPLELECT_STARTED)
		log_info("replication: no master for %lld s and no election "
		    "running: starting one", (long long)(now - s->lost_at) /
		    1000);
}

int
site_tick(struct site *s, char *err, size_t errlen)
{
	struct repl_info ri;
	struct replstate rs;
	size_t i;
	int live;

	site_log_events(s);
	__atomic_store_n(&site_lost, 0, __ATOMIC_RELEASE);
	if (s->st == NULL)
		return SITE_RUNTIME;
	if (repl_dead(s->st) || repl_info(s->st, &ri, err, errlen) != 0) {
		if (!repl_dead(s->st))
			log_warn("%s", err);
		snprintf(err, errlen, "the environment needs recovery "
		    "(another process of this site died, or a panic): "
		    "restarting replication");
		site_close(s);
		return SITE_RUNTIME;
	}
	if (site_key_check(s, &ri, err, errlen) == SITE_FATAL)
		return SITE_FATAL;
	memset(&rs, 0, sizeof(rs));
	rs.at = timefmt_now_ms();
	if (members_check(&s->members, s->st, &ri, s->self, rs.at, err,
	    errlen) == 1) {
		site_close(s);	/* main.c opens it again: the list reloads */
		return SITE_RUNTIME;
	}
	site_elect(s, &ri, rs.at);
	site_master_url(s, &ri, rs.master_url, sizeof(rs.master_url));
	(void)str_copy(rs.master_addr, sizeof(rs.master_addr),
	    ri.master_addr);
	/* "client" only while a live master is known (and where to send
	 * writers); "master" once our public_url is in the table. */
	live = ri.master_connected && rs.master_url[0] != '\0';
	rs.role = ri.role == REPL_MASTER && s->url_put ? REPLSTATE_MASTER :
	    ri.role == REPL_CLIENT && live ? REPLSTATE_CLIENT :
	    REPLSTATE_NONE;
	(void)str_copy(rs.sites[0].addr, sizeof(rs.sites[0].addr), s->self);
	rs.sites[0].master = ri.role == REPL_MASTER;
	rs.sites[0].connected = 1;
	rs.sites[0].lag_bytes = ri.role == REPL_MASTER ? 0 :
	    (int64_t)ri.lag_bytes;
	rs.nsites = 1;
	for (i = 0; i < ri.nsites && rs.nsites < REPLSTATE_SITES_MAX; i++) {
		struct replstate_site *p = &rs.sites[rs.nsites++];

		(void)str_copy(p->addr, sizeof(p->addr), ri.sites[i].addr);
		p->master = ri.sites[i].master;
		p->connected = ri.sites[i].connected;
		p->lag_bytes = ri.sites[i].lag_bytes;
	}
	if (rs.role != s->role || strcmp(ri.master_addr, s->master) != 0) {
		log_info("replication: this site (%s) is %s; master %s%s%s",
		    s->self, replstate_role_name(rs.role),
		    ri.master_addr[0] ? ri.master_addr : "unknown",
		    rs.master_url[0] ? " at " : "", rs.master_url);
		s->role = rs.role;
		memcpy(s->master, ri.master_addr, sizeof(s->master));
	}
	if (__atomic_load_n(&site_lost, __ATOMIC_ACQUIRE))
		return 0;	/* the next tick looks again */
	if (replstate_write(s->cfg->data_dir, &rs, err, errlen) == -1)
		log_warn("replication state: %s", err);
	return 0;
}
