/*
 * catalog.c - the event catalog: built-in schemas, the config's
 * event_types and event_schemas_dir, compiled once (see catalog.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/catalog.h"
#include "lib/embed.h"
#include "lib/jsvalid.h"
#include "lib/log.h"
#include "lib/str.h"

#define CATALOG_CONFIG_DESC "An event type added by this installation's " \
	"configuration (event_types); its data is any JSON object."

/* The built-in types in the order the API lists them; each has its
 * schemas/TYPE.json. */
static const char *const catalog_builtin[] = {
	"user.app.consent.update", "user.app.consent.delete",
	"user.experiment.consent.revoked", "user.experiment.consent.updated",
	"user.agreement.consent.created", "user.agreement.consent.deleted",
	"user.ekyc.verified", "user.ekyc.revoked", "user.profile.update",
	"user.signin", CATALOG_TEST_TYPE,
	/* operational events (lib/opev.h) */
	"hookd.webhook.disabled", "hookd.webhook.enabled",
	"hookd.delivery.failing", "hookd.delivery.exhausted",
	"hookd.delivery.recovered",
};
#define CATALOG_NBUILTIN (sizeof(catalog_builtin) / sizeof(catalog_builtin[0]))

/* The process's catalog. */
static struct {
	const struct config *cfg;	/* the load was tried for this config */
	int ok;
	struct catalog_type *v;
	size_t n, size;
} catalog;

static void
catalog_type_free(struct catalog_type *t)
{
	free(t->description);
	json_object_put(t->schema);
	json_object_put(t->example);
	jschema_free(t->compiled);
	memset(t, 0, sizeof(*t));
}

void
catalog_unload(void)
{
	size_t i;

	for (i = 0; i < catalog.n; i++)
		catalog_type_free(&catalog.v[i]);
	free(catalog.v);
	memset(&catalog, 0, sizeof(catalog));
}

/* 1 if s is a dotted lower-case name (a-z 0-9 _, at least one dot, no
 * empty label) shorter than CONFIG_TYPE_LEN, as event_types wants. */
static int
catalog_name_ok(const char *s, size_t n)
{
	size_t i, dots = 0;

	if (n == 0 || n >= CONFIG_TYPE_LEN || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i - 1] == '.')
				return 0;
			dots++;
		} else if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	}
	return dots > 0;
}

/* Strict JSON of n bytes at p: one value, no trailing bytes.  0 or -1. */
static int
catalog_parse(const char *p, size_t n, struct json_object **out, char *err,
    size_t errlen)
{
	struct json_tokener *tok;
	enum json_tokener_error je;

	*out = NULL;
	if (n > CATALOG_FILE_MAX) {
		snprintf(err, errlen, "larger than %d bytes", CATALOG_FILE_MAX);
		return -1;
	}
	tok = json_tokener_new_ex(CATALOG_JSON_DEPTH);
	if (tok == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	*out = json_tokener_parse_ex(tok, p, (int)n);
	je = json_tokener_get_error(tok);
	if (je == json_tokener_success) {
		size_t end = json_tokener_get_parse_end(tok);

		while (end < n && (p[end] == ' ' || p[end] == '\t' ||
		    p[end] == '\n' || p[end] == '\r'))
			end++;
		if (end < n) {
			snprintf(err, errlen, "not JSON: bytes after the value "
			    "at offset %zu", end);
			je = json_tokener_error_parse_unexpected;
		}
	} else {
		snprintf(err, errlen, "not JSON: %s at offset %zu",
		    je == json_tokener_continue ? "unexpected end" :
		    json_tokener_error_desc(je),
		    json_tokener_get_parse_end(tok));
	}
	json_tokener_free(tok);
	if (je != json_tokener_success) {
		json_object_put(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Room for one more entry.  0 or -1. */
static int
catalog_grow(void)
{
	struct catalog_type *v;

	if (catalog.n < catalog.size)
		return 0;
	v = realloc(catalog.v, (catalog.size * 2 + 16) * sizeof(*v));
	if (v == NULL)
		return -1;
	catalog.v = v;
	catalog.size = catalog.size * 2 + 16;
	return 0;
}

static struct catalog_type *
catalog_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < catalog.n; i++)
		if (strcmp(catalog.v[i].name, name) == 0)
			return &catalog.v[i];
	return NULL;
}

/* Add t (taken over), replacing an entry of the same name. */
static int
catalog_put(struct catalog_type *t)
{
	struct catalog_type *old = catalog_lookup(t->name);

	if (old != NULL) {
		catalog_type_free(old);
		*old = *t;
		return 0;
	}
	if (catalog_grow() == -1)
		return -1;
	catalog.v[catalog.n++] = *t;
	return 0;
}

/*
 * One TYPE.json document (n bytes at p) into the catalog as name.  src
 * names it in messages ("/etc/hookd/schemas/a.b.json").  0 or -1 with
 * "SRC: ..." in err.
 */
static int
catalog_add_doc(const char *src, const char *name, enum catalog_origin origin,
    const char *p, size_t n, char *err, size_t errlen)
{
	struct catalog_type t;
	struct json_object *doc = NULL, *v;
	char msg[512];
	int rc;

	memset(&t, 0, sizeof(t));
	t.origin = origin;
	if (str_copy(t.name, sizeof(t.name), name) == -1) {
		snprintf(err, errlen, "%s: type name too long", src);
		return -1;
	}
	if (catalog_parse(p, n, &doc, msg, sizeof(msg)) == -1)
		goto bad;
	if (!json_object_is_type(doc, json_type_object)) {
		snprintf(msg, sizeof(msg), "must be a JSON object "
		    "{\"description\", \"schema\", \"example\"}");
		goto bad;
	}
	json_object_object_foreach(doc, key, val) {
		(void)val;
		if (strcmp(key, "description") != 0 &&
		    strcmp(key, "schema") != 0 && strcmp(key, "example") != 0) {
			snprintf(msg, sizeof(msg), "unknown member \"%.60s\" "
			    "(only description, schema, example)", key);
			goto bad;
		}
	}
	if (!json_object_object_get_ex(doc, "description", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0) {
		snprintf(msg, sizeof(msg), "description: a non-empty string is "
		    "required");
		goto bad;
	}
	t.description = strdup(json_object_get_string(v));
	if (!json_object_object_get_ex(doc, "schema", &v) || (v == NULL)) {
		snprintf(msg, sizeof(msg), "schema: required");
		goto bad;
	}
	t.schema = json_object_get(v);
	if (!json_object_object_get_ex(doc, "example", &v) ||
	    !json_object_is_type(v, json_type_object)) {
		snprintf(msg, sizeof(msg), "example: a JSON object (an event's "
		    "data) is required");
		goto bad;
	}
	t.example = json_object_get(v);
	if (t.description == NULL) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto bad;
	}
	if (jschema_compile(t.schema, &t.compiled, msg + 8,
	    sizeof(msg) - 8) == -1) {
		memcpy(msg, "schema: ", 8);
		goto bad;
	}
	rc = jsvalid_check(t.compiled, t.example, msg + 9, sizeof(msg) - 9);
	if (rc != 0) {
		memcpy(msg, "example: ", 9);
		goto bad;
	}
	if (catalog_put(&t) == -1) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto bad;
	}
	json_object_put(doc);
	return 0;
bad:
	snprintf(err, errlen, "%s: %s", src, msg);
	catalog_type_free(&t);
	json_object_put(doc);
	return -1;
}

static int
catalog_add_builtins(char *err, size_t errlen)
{
	char file[CONFIG_TYPE_LEN + 8], src[CONFIG_TYPE_LEN + 40];
	const struct embed_file *f;
	size_t i;

	for (i = 0; i < CATALOG_NBUILTIN; i++) {
		snprintf(file, sizeof(file), "%s.json", catalog_builtin[i]);
		snprintf(src, sizeof(src), "built-in schemas/%s", file);
		f = embed_find(embed_schemas, embed_schemas_count, file);
		if (f == NULL) {
			snprintf(err, errlen, "%s: not built in", src);
			return -1;
		}
		if (catalog_add_doc(src, catalog_builtin[i], CATALOG_BUILTIN,
		    (const char *)f->data, f->len,
		    err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* The config's event_types: any JSON object as data. */
static int
catalog_add_config(const struct config *cfg, char *err, size_t errlen)
{
	static const char doc[] = "{\"description\":\"" CATALOG_CONFIG_DESC
	    "\",\"schema\":{\"type\":\"object\"},\"example\":{}}";
	size_t i;

	for (i = 0; i < cfg->event_type_count; i++) {
		if (catalog_lookup(cfg->event_types[i]) != NULL)
			continue;
		if (catalog_add_doc("event_types", cfg->event_types[i],
		    CATALOG_CONFIG, doc, sizeof(doc) - 1, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static int
catalog_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read path (at most CATALOG_FILE_MAX bytes) into a new buffer. */
static char *
catalog_read(const char *path, size_t *n, char *err, size_t errlen)
{
	char *p = NULL;
	ssize_t k;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 || (p = malloc(CATALOG_FILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, fd == -1 ?
		    strerror(errno) : "out of memory");
		goto bad;
	}
	while (got <= CATALOG_FILE_MAX &&
	    (k = read(fd, p + got, CATALOG_FILE_MAX + 1 - got)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto bad;
		}
		got += (size_t)k;
	}
	if (got > CATALOG_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    CATALOG_FILE_MAX);
		goto bad;
	}
	close(fd);
	*n = got;
	return p;
bad:
	if (fd != -1)
		close(fd);
	free(p);
	return NULL;
}

/* Each dir/TYPE.json, in name order. */
static int
catalog_add_dir(const char *dir, char *err, size_t errlen)
{
	char *names[CATALOG_FILES_MAX], path[PATH_MAX], *p;
	size_t nn = 0, i, len, n;
	struct dirent *de;
	DIR *d;
	int rc = -1;

	d = opendir(dir);
	if (d == NULL) {
		snprintf(err, errlen, "event_schemas_dir %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if (nn == CATALOG_FILES_MAX) {
			snprintf(err, errlen, "event_schemas_dir %s: more than "
			    "%d files", dir, CATALOG_FILES_MAX);
			goto out;
		}
		if ((names[nn] = strdup(de->d_name)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		nn++;
	}
	qsort(names, nn, sizeof(names[0]), catalog_cmp);
	for (i = 0; i < nn; i++) {
		len = strlen(names[i]) - 5;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) >= sizeof(path)) {
			snprintf(err, errlen, "%s: path too long", dir);
			goto out;
		}
		if (!catalog_name_ok(names[i], len)) {
			snprintf(err, errlen, "%s: the name must be TYPE.json, "
			    "TYPE a dotted lower-case name like "
			    "user.profile.update", path);
			goto out;
		}
		names[i][len] = '\0';
		if ((p = catalog_read(path, &n, err, errlen)) == NULL)
			goto out;
		rc = catalog_add_doc(path, names[i], CATALOG_FILE, p, n, err,
		    errlen);
		free(p);
		if (rc == -1)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < nn; i++)
		free(names[i]);
	closedir(d);
	return rc;
}

int
catalog_load(const struct config *cfg, char *err, size_t errlen)
{
	catalog_unload();
	catalog.cfg = cfg;
	if (catalog_add_builtins(err, errlen) == -1 ||
	    catalog_add_config(cfg, err, errlen) == -1 ||
	    (cfg->event_schemas_dir[0] != '\0' &&
	    catalog_add_dir(cfg->event_schemas_dir, err, errlen) == -1)) {
		catalog_unload();
		catalog.cfg = cfg;
		return -1;
	}
	catalog.ok = 1;
	return 0;
}

/* The catalog for cfg, loading it when no load was tried for cfg. */
static void
catalog_use(const struct config *cfg)
{
	char err[1024];

	if (catalog.cfg == cfg)
		return;
	if (catalog_load(cfg, err, sizeof(err)) == -1)
		log_err("event catalog: %s", err);
}

int
catalog_ok(const struct config *cfg)
{
	catalog_use(cfg);
	return catalog.ok;
}

size_t
catalog_count(const struct config *cfg)
{
	catalog_use(cfg);
	return catalog.n;
}

const struct catalog_type *
catalog_at(const struct config *cfg, size_t i)
{
	catalog_use(cfg);
	return i < catalog.n ? &catalog.v[i] : NULL;
}

const struct catalog_type *
catalog_find(const struct config *cfg, const char *name)
{
	catalog_use(cfg);
	return catalog_lookup(name);
}

int
catalog_has(const struct config *cfg, const char *type)
{
	return catalog_find(cfg, type) != NULL;
}

int
catalog_filter_ok(const struct config *cfg, const char *entry)
{
	size_t n = strlen(entry), i;

	if (strcmp(entry, "*") == 0)
		return 1;
	if (n >= 3 && entry[n - 1] == '*' && entry[n - 2] == '.') {
		/* "PREFIX.*": no other wildcard, no empty label. */
		if (memchr(entry, '*', n - 1) != NULL || entry[0] == '.' ||
		    strstr(entry, "..") != NULL)
			return 0;
		catalog_use(cfg);
		for (i = 0; i < catalog.n; i++)
			if (strncmp(catalog.v[i].name, entry, n - 1) == 0)
				return 1;
		return 0;
	}
	return catalog_has(cfg, entry);
}

int
catalog_check(const struct config *cfg, const char *type,
    struct json_object *data, char *err, size_t errlen)
{
	const struct catalog_type *t;

	if (!cfg->validate_events)
		return 0;
	t = catalog_find(cfg, type);
	if (t == NULL)
		return 0;
	return jsvalid_check(t->compiled, data, err, errlen) == 0 ? 0 : 1;
}
