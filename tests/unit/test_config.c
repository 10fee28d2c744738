/* test_config.c - lib/config: keys, defaults, errors with line numbers. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/confval.h"
#include "lib/egress.h"

/*
 * main() makes one temp dir for the whole run and removes it at the end,
 * so a failed test (which exits its forked child before any teardown)
 * leaves nothing behind; each test works in its own subdirectory.
 */
static char rundir[64];
static char tmpdir[128];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/XXXXXX", rundir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	unsetenv("HOOKD_CONF");
}

/* Write text to tmpdir/name; the full path goes to path. */
static void
write_file(const char *name, const char *text, char *path, size_t pathlen)
{
	FILE *f;

	snprintf(path, pathlen, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
}

static int
parse(struct config *c, const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return config_parse(c, "t.conf", text, strlen(text), err, errlen);
}

static void
assert_defaults(const struct config *c)
{
	static const int64_t retry[] = {0, 5000, 300000, 1800000, 7200000,
	    18000000, 36000000, 50400000, 72000000, 86400000};
	size_t i;

	ck_assert_str_eq(c->data_dir, "/var/lib/hookd");
	ck_assert_str_eq(c->status_dir, "/var/www/hookd");
	ck_assert_uint_eq(c->max_event_bytes, 262144);
	ck_assert_uint_eq(c->max_batch_bytes, 4 * 1024 * 1024);
	ck_assert_uint_eq(c->retry_count, 10);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(c->retry_schedule[i], retry[i]);
	ck_assert_int_eq(c->timeout_ms, 15000);
	ck_assert_int_eq(c->connect_timeout_ms, 5000);
	ck_assert_uint_eq(c->concurrency, 64);
	ck_assert_uint_eq(c->per_webhook_concurrency, 4);
	ck_assert_int_eq(c->allow_private_targets, 0);
	ck_assert_uint_eq(c->allow_count, 0);
	ck_assert_int_eq(c->require_https, 0);
	ck_assert_int_eq(c->disable_after_ms, INT64_C(5) * 86400000);
	ck_assert_int_eq(c->retention_ms, INT64_C(30) * 86400000);
	ck_assert_int_eq(c->nosync, 0);
	ck_assert_int_eq(c->poll_interval_ms, 1000);
	ck_assert_uint_eq(c->event_type_count, 0);
	ck_assert_int_eq(c->log_syslog, 0);
	ck_assert_int_eq(c->log_level, LOG_INFO);
}

START_TEST(test_config_defaults_match_spec_table)
{
	struct config c;

	memset(&c, 0x5a, sizeof(c));
	config_defaults(&c);
	assert_defaults(&c);
	ck_assert_str_eq(c.admin_token, "");
}
END_TEST

START_TEST(test_config_token_only_file_keeps_every_default)
{
	struct config c;
	char err[256];

	ck_assert_int_eq(parse(&c, "admin_token = s3cret\n", err, sizeof(err)),
	    0);
	assert_defaults(&c);
	ck_assert_str_eq(c.admin_token, "s3cret");
	ck_assert_str_eq(c.path, "t.conf");
}
END_TEST

START_TEST(test_config_every_key_is_parsed)
{
	static const char text[] =
	    "# a full file\n"
	    "\n"
	    "data_dir = /srv/hookd/data\n"
	    "admin_token = tok-123_ABC\n"
	    "status_dir = /srv/www/status\n"
	    "max_event_bytes = 512K\n"
	    "max_batch_bytes = 8M\n"
	    "retry_schedule = 0, 500ms, 10s, 2m, 1h, 1d\n"
	    "timeout = 30s\n"
	    "connect_timeout = 2500ms\n"
	    "concurrency = 10000\n"
	    "per_webhook_concurrency = 1000\n"
	    "allow_private_targets = yes\n"
	    "allow_targets = 10.0.0.0/8, 192.168.1.0/24 ,fd00::/8\n"
	    "require_https = true\n"
	    "disable_after = 2d\n"
	    "retention = 7d\n"
	    "durability = nosync\n"
	    "poll_interval = 250ms\n"
	    "event_types = billing.invoice.paid, user.app_1.x9\n"
	    "log = syslog\n"
	    "log_level = debug\n";
	static const int64_t retry[] = {0, 500, 10000, 120000, 3600000,
	    86400000};
	struct config c;
	char err[256];
	size_t i;

	ck_assert_msg(parse(&c, text, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.data_dir, "/srv/hookd/data");
	ck_assert_str_eq(c.admin_token, "tok-123_ABC");
	ck_assert_str_eq(c.status_dir, "/srv/www/status");
	ck_assert_uint_eq(c.max_event_bytes, 512 * 1024);
	ck_assert_uint_eq(c.max_batch_bytes, 8 * 1024 * 1024);
	ck_assert_uint_eq(c.retry_count, 6);
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(c.retry_schedule[i], retry[i]);
	ck_assert_int_eq(c.timeout_ms, 30000);
	ck_assert_int_eq(c.connect_timeout_ms, 2500);
	ck_assert_uint_eq(c.concurrency, 10000);
	ck_assert_uint_eq(c.per_webhook_concurrency, 1000);
	ck_assert_int_eq(c.allow_private_targets, 1);
	ck_assert_uint_eq(c.allow_count, 3);
	ck_assert_int_eq(c.allow_targets[0].family, AF_INET);
	ck_assert_uint_eq(c.allow_targets[0].prefix, 8);
	ck_assert_uint_eq(c.allow_targets[1].prefix, 24);
	ck_assert_uint_eq(c.allow_targets[1].addr[2], 1);
	ck_assert_int_eq(c.allow_targets[2].family, AF_INET6);
	ck_assert_uint_eq(c.allow_targets[2].addr[0], 0xfd);
	ck_assert_int_eq(c.require_https, 1);
	ck_assert_int_eq(c.disable_after_ms, INT64_C(2) * 86400000);
	ck_assert_int_eq(c.retention_ms, INT64_C(7) * 86400000);
	ck_assert_int_eq(c.nosync, 1);
	ck_assert_int_eq(c.poll_interval_ms, 250);
	ck_assert_uint_eq(c.event_type_count, 2);
	ck_assert_str_eq(c.event_types[0], "billing.invoice.paid");
	ck_assert_str_eq(c.event_types[1], "user.app_1.x9");
	ck_assert_int_eq(c.log_syslog, 1);
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
}
END_TEST

START_TEST(test_config_other_enum_values)
{
	struct config c;
	char err[256];

	ck_assert_int_eq(parse(&c, "admin_token=x\ndurability=sync\nlog=stderr\n"
	    "log_level=warning\nallow_private_targets=off\nrequire_https=0\n"
	    "allow_targets =\nevent_types=\n", err, sizeof(err)), 0);
	ck_assert_int_eq(c.nosync, 0);
	ck_assert_int_eq(c.log_syslog, 0);
	ck_assert_int_eq(c.log_level, LOG_WARNING);
	ck_assert_int_eq(c.allow_private_targets, 0);
	ck_assert_int_eq(c.require_https, 0);
	ck_assert_uint_eq(c.allow_count, 0);
	ck_assert_uint_eq(c.event_type_count, 0);
	ck_assert_int_eq(parse(&c, "admin_token=x\nlog_level=error\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(c.log_level, LOG_ERR);
	ck_assert_int_eq(parse(&c, "admin_token=x\nlog_level=info\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(c.log_level, LOG_INFO);
}
END_TEST

START_TEST(test_config_whitespace_crlf_and_literal_values)
{
	struct config c;
	char err[256];

	ck_assert_int_eq(parse(&c, "  \t# comment\r\n\r\n  admin_token\t=\t"
	    "a#b\"c'  \r\n data_dir=\"/x y\"\r\ntimeout = 5s\r\n", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.admin_token, "a#b\"c'");	/* '#' inside a value */
	ck_assert_str_eq(c.data_dir, "\"/x y\"");	/* quotes are literal */
	ck_assert_int_eq(c.timeout_ms, 5000);
	/* no final newline */
	ck_assert_int_eq(parse(&c, "admin_token=z", err, sizeof(err)), 0);
	ck_assert_str_eq(c.admin_token, "z");
	/* a value may contain '=' */
	ck_assert_int_eq(parse(&c, "admin_token=a=b", err, sizeof(err)), 0);
	ck_assert_str_eq(c.admin_token, "a=b");
}
END_TEST

START_TEST(test_config_parse_starts_from_defaults)
{
	struct config c;
	char err[256];

	ck_assert_int_eq(parse(&c, "admin_token=x\ntimeout=1s\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(c.timeout_ms, 1000);
	ck_assert_int_eq(parse(&c, "admin_token=y\n", err, sizeof(err)), 0);
	ck_assert_int_eq(c.timeout_ms, 15000);
}
END_TEST

/* Each bad file and the exact error it must give. */
static const struct {
	const char *text;
	const char *err;
} errors[] = {
	{"admin_token = x\nbogus = 1\n", "t.conf:2: unknown key 'bogus'"},
	{"# c\n\nadmin_token = x\njust words\n",
	    "t.conf:4: expected \"key = value\""},
	{"admin_token = x\r\ntimeout = 1s\r\ntimeout = 2s\r\n",
	    "t.conf:3: duplicate key 'timeout' (first on line 2)"},
	{"timeout = 1s\n", "t.conf: admin_token (or admin_token_file) is "
	    "required"},
	{"", "t.conf: admin_token (or admin_token_file) is required"},
	{"admin_token = x\nadmin_token_file = /tmp/x\n",
	    "t.conf:2: give either admin_token or admin_token_file, not both "
	    "(first on line 1)"},
	{"admin_token =\n", "t.conf:1: bad value for admin_token: the admin "
	    "token is empty"},
	{"= 5\n", "t.conf:1: unknown key ''"},
	{"Timeout = 5s\nadmin_token=x\n", "t.conf:1: unknown key 'Timeout'"},
};

START_TEST(test_config_errors_name_file_and_line)
{
	struct config c;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		ck_assert_msg(parse(&c, errors[i].text, err, sizeof(err)) == -1,
		    "accepted: %s", errors[i].text);
		ck_assert_str_eq(err, errors[i].err);
	}
}
END_TEST

/* Bad values, each on line 2 after the token. */
static const char *bad_values[] = {
	"proxy = 127.0.0.1:3128",
	"proxy = https://127.0.0.1:3128",
	"proxy = socks5://127.0.0.1:1080",
	"proxy = http://127.0.0.1",
	"proxy = http://127.0.0.1:65536",
	"proxy = http://u:p@127.0.0.1:3128",
	"proxy = http://127.0.0.1:3128/",
	"proxy = http://[::1:3128",
	"tls_ca_file = ",
	"tls_client_cert = ",
	"data_dir =", "status_dir =",
	"max_event_bytes = 0", "max_event_bytes = -1", "max_event_bytes = 1T",
	"max_event_bytes = 1 K", "max_event_bytes = 257M",
	"max_event_bytes = 99999999999999999999999",
	"max_event_bytes = 0x100",
	"max_batch_bytes = 0", "max_batch_bytes = 257M",
	"max_batch_bytes = 4 M",
	"retry_schedule =", "retry_schedule = 1s,,2s", "retry_schedule = 1s,",
	"retry_schedule = 5", "retry_schedule = 1w",
	"retry_schedule = 0,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,"
	    "1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s",	/* 33 */
	"timeout = 0", "timeout = 0s", "timeout = 15", "timeout = -5s",
	"timeout = 1.5s", "timeout = 5 s", "timeout = 5S",
	"timeout = 9999999999999999999ms", "timeout = 200000000000000d",
	"connect_timeout = x", "concurrency = 0", "concurrency = 10001",
	"concurrency = -1", "concurrency = 1e3", "concurrency = ",
	"concurrency = 99999999999999999999999",
	"per_webhook_concurrency = 0", "per_webhook_concurrency = 1001",
	"allow_private_targets = maybe", "allow_private_targets =",
	"require_https = 2", "allow_targets = 10.0.0.0/33",
	"allow_targets = example.com", "allow_targets = 10.0.0.0/8,,::1",
	"disable_after = 0", "retention = 0", "retention = forever",
	"durability = fsync", "durability = SYNC", "poll_interval = 0",
	"event_types = User.Signup", "event_types = signup",
	"event_types = a..b", "event_types = .a.b", "event_types = a.b.",
	"event_types = a.b*", "event_types = a.b-c", "event_types = a.b, a.b",
	"event_types = a.b,,c.d",
	"event_types = a.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "a",		/* 128 characters */
	"log = file", "log_level = verbose", "log_level = warn",
};

START_TEST(test_config_bad_values_name_key_and_line)
{
	struct config c;
	char text[512], err[256], want[128];
	size_t i, klen;

	for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		snprintf(text, sizeof(text), "admin_token = x\n%s\n",
		    bad_values[i]);
		ck_assert_msg(parse(&c, text, err, sizeof(err)) == -1,
		    "accepted %s", bad_values[i]);
		klen = strcspn(bad_values[i], " =");
		snprintf(want, sizeof(want), "t.conf:2: bad value for %.*s: ",
		    (int)klen, bad_values[i]);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
		    "%s: got '%s'", bad_values[i], err);
		ck_assert_msg(strlen(err) > strlen(want), "no reason: %s", err);
	}
}
END_TEST

START_TEST(test_config_limits_accepted_at_the_edge)
{
	struct config c;
	char text[8192], err[256];
	size_t i, o;

	ck_assert_int_eq(parse(&c, "admin_token=x\nconcurrency=1\n"
	    "per_webhook_concurrency=1\nmax_event_bytes=1\n", err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(c.concurrency, 1);
	ck_assert_uint_eq(c.max_event_bytes, 1);
	ck_assert_int_eq(parse(&c, "admin_token=x\nmax_event_bytes=256M\n", err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(c.max_event_bytes, 256u * 1024 * 1024);
	/* 32 retry steps, 64 CIDRs, 64 event types */
	o = (size_t)snprintf(text, sizeof(text), "admin_token=x\nretry_schedule=0");
	for (i = 1; i < CONFIG_RETRY_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, ",%zus", i);
	o += (size_t)snprintf(text + o, sizeof(text) - o, "\nallow_targets=");
	for (i = 0; i < CONFIG_CIDR_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s10.%zu.0.0/16",
		    i ? "," : "", i);
	o += (size_t)snprintf(text + o, sizeof(text) - o, "\nevent_types=");
	for (i = 0; i < CONFIG_TYPES_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%sx.t%zu",
		    i ? "," : "", i);
	ck_assert_uint_lt(o, sizeof(text) - 1);
	ck_assert_msg(parse(&c, text, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.retry_count, CONFIG_RETRY_MAX);
	ck_assert_int_eq(c.retry_schedule[CONFIG_RETRY_MAX - 1],
	    (CONFIG_RETRY_MAX - 1) * 1000);
	ck_assert_uint_eq(c.allow_count, CONFIG_CIDR_MAX);
	ck_assert_uint_eq(c.allow_targets[63].addr[1], 63);
	ck_assert_uint_eq(c.event_type_count, CONFIG_TYPES_MAX);
	ck_assert_str_eq(c.event_types[63], "x.t63");
	/* one more of each is refused */
	ck_assert_int_eq(parse(&c, "admin_token=x\nallow_targets=1.0.0.0/8,"
	    "1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,"
	    "1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,"
	    "1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,"
	    "1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,"
	    "1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,"
	    "1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,"
	    "1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,"
	    "1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,"
	    "1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,1.0.0.0/8,"
	    "1.0.0.0/8\n", err, sizeof(err)), -1);	/* 65 */
	ck_assert_ptr_nonnull(strstr(err, "more than 64"));
}
END_TEST

START_TEST(test_config_nul_byte_and_long_line_are_errors)
{
	struct config c;
	char err[256], *big;
	static const char withnul[] = "admin_token=x\ndata_dir=/a\0b\n";

	ck_assert_int_eq(config_parse(&c, "t.conf", withnul,
	    sizeof(withnul) - 1, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:2: NUL byte in line");
	big = malloc(10000);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "admin_token=x\ndata_dir=", 23);
	memset(big + 23, 'a', 9000);
	big[9023] = '\0';
	ck_assert_int_eq(parse(&c, big, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.conf:2: line longer than"));
	free(big);
}
END_TEST

START_TEST(test_config_admin_token_file_is_read_and_trimmed)
{
	struct config c;
	char tok[PATH_MAX], conf[PATH_MAX], text[PATH_MAX + 64], err[512];

	write_file("token", "file-token-42\n\n  \t\r\n", tok, sizeof(tok));
	snprintf(text, sizeof(text), "admin_token_file = %s\n", tok);
	ck_assert_msg(parse(&c, text, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.admin_token, "file-token-42");

	/* a relative name is found next to the config file */
	write_file("hookd.conf", "# x\nadmin_token_file = token\n", conf,
	    sizeof(conf));
	ck_assert_msg(config_load(&c, conf, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.admin_token, "file-token-42");
	ck_assert_str_eq(c.path, conf);
}
END_TEST

START_TEST(test_config_admin_token_file_errors_name_the_line)
{
	struct config c;
	char path[PATH_MAX], text[PATH_MAX + 64], err[512], want[PATH_MAX + 64];
	char big[400];

	snprintf(text, sizeof(text), "\nadmin_token_file = %s/missing\n",
	    tmpdir);
	ck_assert_int_eq(parse(&c, text, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "t.conf:2: bad value for admin_token_file:"
	    " cannot read %s/missing: No such file or directory", tmpdir);
	ck_assert_str_eq(err, want);

	write_file("empty", "\n \n", path, sizeof(path));
	snprintf(text, sizeof(text), "admin_token_file = %s\n", path);
	ck_assert_int_eq(parse(&c, text, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:1: bad value for admin_token_file: the "
	    "admin token is empty");

	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file("big", big, path, sizeof(path));
	snprintf(text, sizeof(text), "admin_token_file = %s\n", path);
	ck_assert_int_eq(parse(&c, text, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than 256"));

	write_file("spaced", "two words\n", path, sizeof(path));
	snprintf(text, sizeof(text), "admin_token_file = %s\n", path);
	ck_assert_int_eq(parse(&c, text, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.conf:1: bad value for "
	    "admin_token_file"));

	/* a directory cannot be read as a token */
	snprintf(text, sizeof(text), "admin_token_file = %s\n", tmpdir);
	ck_assert_int_eq(parse(&c, text, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.conf:1: bad value for "
	    "admin_token_file: cannot read"));
}
END_TEST

START_TEST(test_config_error_never_contains_the_token)
{
	struct config c;
	char err[256];

	ck_assert_int_eq(parse(&c, "admin_token = topsecret value\n", err,
	    sizeof(err)), -1);
	ck_assert_ptr_null(strstr(err, "topsecret"));
}
END_TEST

START_TEST(test_config_load_precedence_path_then_env_then_default)
{
	struct config c;
	char a[PATH_MAX], b[PATH_MAX], err[512];

	write_file("a.conf", "admin_token = from-a\n", a, sizeof(a));
	write_file("b.conf", "admin_token = from-b\n", b, sizeof(b));

	/* explicit path wins over HOOKD_CONF */
	ck_assert_int_eq(setenv("HOOKD_CONF", b, 1), 0);
	ck_assert_int_eq(config_load(&c, a, err, sizeof(err)), 0);
	ck_assert_str_eq(c.admin_token, "from-a");
	ck_assert_str_eq(c.path, a);
	/* no path: HOOKD_CONF */
	ck_assert_int_eq(config_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(c.admin_token, "from-b");
	ck_assert_str_eq(c.path, b);
	/* neither: the default path (absent on a build machine, or used) */
	ck_assert_int_eq(unsetenv("HOOKD_CONF"), 0);
	if (access(CONFIG_DEFAULT_PATH, F_OK) != 0) {
		ck_assert_int_eq(config_load(&c, NULL, err, sizeof(err)), -1);
		ck_assert_str_eq(err, CONFIG_DEFAULT_PATH ": cannot open: No "
		    "such file or directory");
	}
	/* errors from a loaded file carry its path */
	write_file("bad.conf", "admin_token = x\n\nnope\n", a, sizeof(a));
	ck_assert_int_eq(config_load(&c, a, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad.conf:3: expected"));
	ck_assert_int_eq(strncmp(err, a, strlen(a)), 0);
}
END_TEST

START_TEST(test_config_egress_keys_and_pairing)
{
	struct config c;
	char err[256];

	ck_assert_int_eq(parse(&c, "admin_token = x\n", err, sizeof(err)), 0);
	ck_assert_str_eq(c.proxy, "");
	ck_assert_str_eq(c.tls_ca_file, "");
	ck_assert_int_eq(egress_check(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(parse(&c, "admin_token = x\n"
	    "proxy = socks5h://[::1]:1080\n", err, sizeof(err)), 0);
	ck_assert_str_eq(c.proxy, "socks5h://[::1]:1080");
	ck_assert_int_eq(parse(&c, "admin_token = x\n"
	    "proxy = http://egress-proxy.internal:3128\n"
	    "tls_client_cert = /dev/null\n", err, sizeof(err)), 0);
	ck_assert_str_eq(c.proxy, "http://egress-proxy.internal:3128");
	ck_assert_int_eq(egress_check(&c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "both or neither"));
	ck_assert_int_eq(parse(&c, "admin_token = x\n"
	    "tls_client_cert = /dev/null\ntls_client_key = /dev/null\n"
	    "tls_ca_file = /nonexistent/ca.pem\n", err, sizeof(err)), 0);
	ck_assert_int_eq(egress_check(&c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "tls_ca_file: /nonexistent/ca.pem"));
}
END_TEST

START_TEST(test_config_duration_parser)
{
	static const struct {
		const char *s;
		int64_t ms;
	} ok[] = {
		{"0", 0}, {"0ms", 0}, {"0s", 0}, {"1ms", 1}, {"500ms", 500},
		{"5s", 5000}, {"5m", 300000}, {"2h", 7200000},
		{"1d", 86400000}, {"007s", 7000},
		{"9223372036854775807ms", INT64_MAX},
		{"106751991167d", INT64_C(106751991167) * 86400000},
	};
	static const char *bad[] = {
		"", "5", "s", "-1s", "+1s", "1.5s", " 5s", "5s ", "5 s", "5sec",
		"5ms5", "1w", "1y", "0x5s", "9223372036854775808ms",
		"106751991168d", "99999999999999999999999s", "5M", "5H",
	};
	int64_t ms;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(confval_duration(ok[i].s, &ms) == 0, "%s",
		    ok[i].s);
		ck_assert_int_eq(ms, ok[i].ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(confval_duration(bad[i], &ms) == -1,
		    "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(test_config_size_parser)
{
	static const struct {
		const char *s;
		size_t n;
	} ok[] = {
		{"0", 0}, {"1", 1}, {"262144", 262144}, {"64K", 65536},
		{"64k", 65536}, {"1M", 1048576}, {"2G", (size_t)2 << 30},
	};
	static const char *bad[] = {
		"", "K", "-1", "1KB", "1 K", "1T", "1.5M", "0x10",
		"18446744073709551616", "17179869184G",
	};
	size_t i, n;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(confval_size(ok[i].s, &n) == 0, "%s", ok[i].s);
		ck_assert_uint_eq(n, ok[i].n);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(confval_size(bad[i], &n) == -1,
		    "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(test_config_bool_parser)
{
	static const char *yes[] = {"yes", "true", "on", "1", "YES", "True"};
	static const char *no[] = {"no", "false", "off", "0", "NO", "Off"};
	static const char *bad[] = {"", "y", "n", "2", "yes ", "enabled"};
	size_t i;
	int b;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = 0;
		ck_assert_int_eq(confval_bool(yes[i], &b), 0);
		ck_assert_int_eq(b, 1);
		ck_assert_int_eq(confval_bool(no[i], &b), 0);
		ck_assert_int_eq(b, 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(confval_bool(bad[i], &b), -1);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_config_defaults_match_spec_table);
	tcase_add_test(tc, test_config_token_only_file_keeps_every_default);
	tcase_add_test(tc, test_config_every_key_is_parsed);
	tcase_add_test(tc, test_config_other_enum_values);
	tcase_add_test(tc, test_config_whitespace_crlf_and_literal_values);
	tcase_add_test(tc, test_config_parse_starts_from_defaults);
	tcase_add_test(tc, test_config_errors_name_file_and_line);
	tcase_add_test(tc, test_config_bad_values_name_key_and_line);
	tcase_add_test(tc, test_config_limits_accepted_at_the_edge);
	tcase_add_test(tc, test_config_nul_byte_and_long_line_are_errors);
	tcase_add_test(tc, test_config_admin_token_file_is_read_and_trimmed);
	tcase_add_test(tc, test_config_admin_token_file_errors_name_the_line);
	tcase_add_test(tc, test_config_error_never_contains_the_token);
	tcase_add_test(tc, test_config_load_precedence_path_then_env_then_default);
	tcase_add_test(tc, test_config_duration_parser);
	tcase_add_test(tc, test_config_size_parser);
	tcase_add_test(tc, test_config_bool_parser);
	tcase_add_test(tc, test_config_egress_keys_and_pairing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	char cmd[128];
	int failed;

	memcpy(rundir, "/tmp/hookd-test-config-XXXXXX", 30);
	if (mkdtemp(rundir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rundir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", rundir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
