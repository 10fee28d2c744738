/*
 * test_repl_members.c - reading the group membership database as Berkeley
 * DB's replication manager writes it (db/replmember.h), and hookd-repl's
 * decision to restart replication when its list of sites disagrees with
 * that database (repl/members.h).  A real one-site group: this process
 * starts the replication manager as the group's creator on a free
 * loopback port, so the database is Berkeley DB's own.
 */
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "db/repl.h"
#include "db/replmember.h"
#include "repl/members.h"
#include "tests/unit/store_fixture.h"

FX_HOME_PER_TEST

static struct replconf conf;
static char self[REPL_ADDR_MAX + 1];

/* A loopback TCP port free right now. */
static unsigned
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port;

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* The one-site group's master: the environment (encrypted: with a
 * passphrase) with the replication manager started, once it is master
 * (the membership database exists). */
static struct store *
group_open_as(int encrypted)
{
	static const char pass[] = "a passphrase of 30 bytes here!\n";
	char key[512];
	struct store_opts o;
	struct repl_info ri;
	struct store *s = NULL;
	char err[512];
	int i, fd;

	memset(&conf, 0, sizeof(conf));
	conf.enabled = 1;
	memcpy(conf.listen.host, "127.0.0.1", 10);
	conf.listen.port = free_port();
	conf.create = 1;
	conf.priority = 100;
	conf.ack_timeout_ms = 1000;
	ck_assert_int_eq(replconf_addr_format(&conf.listen, self,
	    sizeof(self)), 0);
	memset(&o, 0, sizeof(o));
	o.home = home;
	o.nosync = 1;
	o.repl = &conf;
	o.repl_process = 1;
	if (encrypted) {
		snprintf(key, sizeof(key), "%s/hookd.key", home);
		fd = open(key, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, pass, sizeof(pass) - 1),
		    (ssize_t)(sizeof(pass) - 1));
		ck_assert_int_eq(close(fd), 0);
		o.key_file = key;
	}
	if (store_open(&s, &o, err, sizeof(err)) != STORE_OK)
		ck_abort_msg("store_open: %s", err);
	if (repl_start(s, 1, "none", err, sizeof(err)) != STORE_OK)
		ck_abort_msg("repl_start: %s", err);
	for (i = 0; i < 100; i++) {
		struct timespec ts = { 0, 50000000 };

		ck_assert_int_eq(repl_info(s, &ri, err, sizeof(err)), 0);
		if (ri.role == REPL_MASTER)
			return s;
		nanosleep(&ts, NULL);
	}
	ck_abort_msg("the one-site group's creator never became master");
	return NULL;
}

static struct store *
group_open(void)
{
	return group_open_as(0);
}

START_TEST(test_membership_database_lists_the_creator)
{
	struct store *s = group_open_as(_i);	/* plaintext, encrypted */
	struct replmember_list l;
	char err[256];

	ck_assert_int_eq(replmember_list(s, &l, err, sizeof(err)), STORE_OK);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.addr[0], self);
	store_close(s);
}
END_TEST

START_TEST(test_no_membership_database_is_notfound)
{
	struct store *s = fx_open(home, 1);
	struct replmember_list l;
	char err[256];

	ck_assert_int_eq(replmember_list(s, &l, err, sizeof(err)),
	    STORE_NOTFOUND);
	ck_assert_uint_eq(l.n, 0);
	store_close(s);
}
END_TEST

/* A client's view with the given other sites, its master connected. */
static void
client_view(struct repl_info *ri, const char *const *sites, size_t n)
{
	size_t i;

	memset(ri, 0, sizeof(*ri));
	ri->role = REPL_CLIENT;
	ri->master_connected = 1;
	ri->caught_up = 1;
	for (i = 0; i < n; i++)
		snprintf(ri->sites[i].addr, sizeof(ri->sites[i].addr), "%s",
		    sites[i]);
	ri->nsites = n;
}

START_TEST(test_a_lasting_disagreement_restarts_at_most_every_retry)
{
	static const char *const removed[] = { "127.0.0.9:5000" };
	struct store *s = group_open();
	struct members m;
	struct repl_info ri;
	char err[512];
	int64_t t = 100000;

	/* the database lists only this site; the view one more */
	memset(&m, 0, sizeof(m));
	client_view(&ri, removed, 1);
	ck_assert_int_eq(members_check(&m, s, &ri, self, t, err,
	    sizeof(err)), 0);			/* first seen */
	ck_assert_int_eq(members_check(&m, s, &ri, self, t + 500, err,
	    sizeof(err)), 0);			/* not read again yet */
	ck_assert_int_eq(members_check(&m, s, &ri, self, t + 1000, err,
	    sizeof(err)), 0);			/* 1 s */
	ck_assert_int_eq(members_check(&m, s, &ri, self,
	    t + MEMBERS_STALE_MS, err, sizeof(err)), 1);
	ck_assert_ptr_nonnull(strstr(err, "127.0.0.9:5000"));
	ck_assert_ptr_nonnull(strstr(err, "restarting replication"));
	/* still stale after the restart: not again before the retry time */
	t += MEMBERS_STALE_MS;
	ck_assert_int_eq(members_check(&m, s, &ri, self, t + 1000, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(members_check(&m, s, &ri, self,
	    t + MEMBERS_RETRY_MS - 1000, err, sizeof(err)), 0);
	ck_assert_int_eq(members_check(&m, s, &ri, self,
	    t + MEMBERS_RETRY_MS, err, sizeof(err)), 1);
	store_close(s);
}
END_TEST

START_TEST(test_agreement_or_a_short_disagreement_never_restarts)
{
	static const char *const removed[] = { "127.0.0.9:5000" };
	struct store *s = group_open();
	struct members m;
	struct repl_info ri;
	char err[512];
	int64_t t = 100000, i;

	memset(&m, 0, sizeof(m));
	client_view(&ri, NULL, 0);		/* agrees: nobody else */
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(members_check(&m, s, &ri, self, t + i * 1000,
		    err, sizeof(err)), 0);
	t += 10000;
	/* a change applied and reloaded within a second: never stale */
	for (i = 0; i < 10; i++) {
		client_view(&ri, removed, i % 2);
		ck_assert_int_eq(members_check(&m, s, &ri, self,
		    t + i * 1000, err, sizeof(err)), 0);
	}
	/* the master's list is never stale (it changes it itself), nor is
	 * one without its master connected checked, nor one catching up */
	t += 10000;
	client_view(&ri, removed, 1);
	ri.role = REPL_MASTER;
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(members_check(&m, s, &ri, self, t + i * 1000,
		    err, sizeof(err)), 0);
	client_view(&ri, removed, 1);
	ri.master_connected = 0;
	for (i = 10; i < 20; i++)
		ck_assert_int_eq(members_check(&m, s, &ri, self, t + i * 1000,
		    err, sizeof(err)), 0);
	client_view(&ri, removed, 1);		/* nor one catching up */
	ri.caught_up = 0;
	for (i = 20; i < 30; i++)
		ck_assert_int_eq(members_check(&m, s, &ri, self, t + i * 1000,
		    err, sizeof(err)), 0);
	store_close(s);
}
END_TEST

static Suite *
suite(void)
{
	Suite *su = suite_create("repl_members");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_membership_database_lists_the_creator,
	    0, 2);
	tcase_add_test(tc, test_no_membership_database_is_notfound);
	tcase_add_test(tc,
	    test_a_lasting_disagreement_restarts_at_most_every_retry);
	tcase_add_test(tc, test_agreement_or_a_short_disagreement_never_restarts);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
