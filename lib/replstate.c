/*
 * replstate.c - data_dir/repl.state (contract in replstate.h).
 *
 * The file, text, one item per line, fields separated by one space
 * (addresses and URLs hold none):
 *   hookd-repl-state 1
 *   at MS
 *   role master|client|none
 *   master ADDR|- URL|-
 *   site ADDR master|client 0|1 LAG|-        (zero or more; self first)
 * Version 1; a reader that meets another version reads role none.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/num.h"
#include "lib/replstate.h"
#include "lib/str.h"

#define REPLSTATE_MAX 16384	/* larger files are not ours */

const char *
replstate_role_name(int role)
{
	return role == REPLSTATE_MASTER ? "master" :
	    role == REPLSTATE_CLIENT ? "client" : "none";
}

int
replstate_write(const char *dir, const struct replstate *st, char *err,
    size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct buf b;
	size_t i;
	int fd = -1, rc = -1;

	buf_init(&b, REPLSTATE_MAX);
	if (snprintf(path, sizeof(path), "%s/%s", dir, REPLSTATE_FILE) >=
	    (int)sizeof(path) || snprintf(tmp, sizeof(tmp), "%s/.%s.tmp",
	    dir, REPLSTATE_FILE) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", dir);
		goto out;
	}
	if (buf_printf(&b, "hookd-repl-state 1\nat %lld\nrole %s\n"
	    "master %s %s\n", (long long)st->at,
	    replstate_role_name(st->role),
	    st->master_addr[0] ? st->master_addr : "-",
	    st->master_url[0] ? st->master_url : "-") == -1)
		goto toolong;
	for (i = 0; i < st->nsites; i++) {
		const struct replstate_site *s = &st->sites[i];

		int r;

		if (s->lag_bytes >= 0)
			r = buf_printf(&b, "site %s %s %d %lld\n", s->addr,
			    s->master ? "master" : "client", s->connected,
			    (long long)s->lag_bytes);
		else
			r = buf_printf(&b, "site %s %s %d -\n", s->addr,
			    s->master ? "master" : "client", s->connected);
		if (r == -1)
			goto toolong;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) == -1 || write(fd, b.data, b.len) != (ssize_t)b.len ||
	    close(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		(void)unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		(void)unlink(tmp);
		goto out;
	}
	rc = 0;
	goto out;
toolong:
	snprintf(err, errlen, "replication state larger than %d bytes",
	    REPLSTATE_MAX);
out:
	buf_free(&b);
	return rc;
}

void
replstate_remove(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, REPLSTATE_FILE) <
	    (int)sizeof(path))
		(void)unlink(path);
}

/* Split line (NUL-terminated, no LF) at spaces into at most max fields. */
static size_t
replstate_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line, *sp;

	while (n < max && *p != '\0') {
		f[n++] = p;
		if ((sp = strchr(p, ' ')) == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	return n;
}

/* One line into st.  0, or -1 (malformed). */
static int
replstate_line(char *line, struct replstate *st)
{
	char *f[6];
	const char *e = NULL;
	struct replstate_site *s;
	size_t n = replstate_fields(line, f, 6);
	int64_t v;

	if (n == 2 && strcmp(f[0], "hookd-repl-state") == 0)
		return strcmp(f[1], "1") == 0 ? 0 : -1;
	if (n == 2 && strcmp(f[0], "at") == 0)
		return num_parse_i64(f[1], NUM_CSTR, 0, INT64_MAX, &st->at,
		    &e);
	if (n == 2 && strcmp(f[0], "role") == 0) {
		st->role = strcmp(f[1], "master") == 0 ? REPLSTATE_MASTER :
		    strcmp(f[1], "client") == 0 ? REPLSTATE_CLIENT :
		    REPLSTATE_NONE;
		return 0;
	}
	if (n == 3 && strcmp(f[0], "master") == 0) {
		if ((strcmp(f[1], "-") != 0 && str_copy(st->master_addr,
		    sizeof(st->master_addr), f[1]) == -1) ||
		    (strcmp(f[2], "-") != 0 && str_copy(st->master_url,
		    sizeof(st->master_url), f[2]) == -1))
			return -1;
		return 0;
	}
	if (n == 5 && strcmp(f[0], "site") == 0) {
		if (st->nsites == REPLSTATE_SITES_MAX)
			return 0;
		s = &st->sites[st->nsites];
		if (str_copy(s->addr, sizeof(s->addr), f[1]) == -1)
			return -1;
		s->master = strcmp(f[2], "master") == 0;
		s->connected = strcmp(f[3], "1") == 0;
		s->lag_bytes = -1;
		if (strcmp(f[4], "-") != 0) {
			if (num_parse_i64(f[4], NUM_CSTR, 0, INT64_MAX, &v,
			    &e) == -1)
				return -1;
			s->lag_bytes = v;
		}
		st->nsites++;
		return 0;
	}
	return 0;	/* a later version's extra line */
}

void
replstate_read(const char *dir, int64_t now_ms, struct replstate *st)
{
	char path[PATH_MAX], text[REPLSTATE_MAX + 1], *line, *nl;
	ssize_t n;
	int fd, bad = 0;

	memset(st, 0, sizeof(*st));
	if (snprintf(path, sizeof(path), "%s/%s", dir, REPLSTATE_FILE) >=
	    (int)sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, text, sizeof(text) - 1);
	(void)close(fd);
	if (n <= 0 || n == (ssize_t)sizeof(text) - 1)
		return;
	text[n] = '\0';
	for (line = text; !bad && *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
		bad = replstate_line(line, st) == -1;
	}
	if (bad || strncmp(text, "hookd-repl-state", 16) != 0 ||
	    st->at > now_ms + REPLSTATE_STALE_MS ||
	    now_ms - st->at > REPLSTATE_STALE_MS)
		memset(st, 0, sizeof(*st));
	if (st->role == REPLSTATE_NONE)
		st->master_url[0] = '\0';
}
