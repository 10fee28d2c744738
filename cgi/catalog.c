/* catalog.c - the event catalog, GET /v1/event-types and GET /v1/health. */
#include <string.h>

#include "cgi/catalog.h"
#include "cgi/handlers.h"
#include "cgi/response.h"
#include "lib/log.h"

struct catalog_entry {
	const char *type;
	const char *description;
};

/* The built-in types, in the order GET /v1/event-types lists them
 * (docs/api.md); descriptions follow the platform's webhook page. */
static const struct catalog_entry catalog_builtin[] = {
	{ "user.app.consent.update",
	    "A user changed or modified their consent for the application "
	    "(a permission granted or removed)." },
	{ "user.app.consent.delete",
	    "A user removed all of their consent for the application." },
	{ "user.experiment.consent.revoked",
	    "A user quit or abandoned an experiment." },
	{ "user.experiment.consent.updated",
	    "A user joined (or rejoined) an experiment." },
	{ "user.agreement.consent.created",
	    "A user accepted or updated their agreements (terms of service, "
	    "privacy policy, ...)." },
	{ "user.agreement.consent.deleted",
	    "A user deleted their agreements (terms of service, privacy "
	    "policy, ...)." },
	{ "user.ekyc.verified",
	    "A user verified their identity (eKYC status verified)." },
	{ "user.ekyc.revoked",
	    "A user's eKYC verification was revoked or expired." },
	{ "user.profile.update",
	    "A user updated key profile information (avatar, display name, "
	    "...)." },
	{ "user.signin",
	    "A user signed in to the application; sent on every sign-in "
	    "(for MAU and DAU statistics)." },
	{ CATALOG_TEST_TYPE,
	    "A test event queued with POST /v1/apps/{app}/webhooks/{wh}/test; "
	    "it goes only to that webhook, whatever its filter." },
};

#define CATALOG_N (sizeof(catalog_builtin) / sizeof(catalog_builtin[0]))
#define CATALOG_CONFIG_DESC "An event type added by this installation's configuration."

static int
catalog_in_builtin(const char *type)
{
	size_t i;

	for (i = 0; i < CATALOG_N; i++)
		if (strcmp(catalog_builtin[i].type, type) == 0)
			return 1;
	return 0;
}

int
catalog_has(const struct config *cfg, const char *type)
{
	size_t i;

	if (catalog_in_builtin(type))
		return 1;
	for (i = 0; i < cfg->event_type_count; i++)
		if (strcmp(cfg->event_types[i], type) == 0)
			return 1;
	return 0;
}

/* 1 if some catalog type starts with prefix (n bytes, ending in '.'). */
static int
catalog_has_prefix(const struct config *cfg, const char *prefix, size_t n)
{
	size_t i;

	for (i = 0; i < CATALOG_N; i++)
		if (strncmp(catalog_builtin[i].type, prefix, n) == 0)
			return 1;
	for (i = 0; i < cfg->event_type_count; i++)
		if (strncmp(cfg->event_types[i], prefix, n) == 0)
			return 1;
	return 0;
}

int
catalog_filter_ok(const struct config *cfg, const char *entry)
{
	size_t n = strlen(entry);

	if (strcmp(entry, "*") == 0)
		return 1;
	if (n >= 3 && entry[n - 1] == '*' && entry[n - 2] == '.') {
		/* "PREFIX.*": no other wildcard, no empty label. */
		if (memchr(entry, '*', n - 1) != NULL || entry[0] == '.' ||
		    strstr(entry, "..") != NULL)
			return 0;
		return catalog_has_prefix(cfg, entry, n - 1);
	}
	return catalog_has(cfg, entry);
}

static struct json_object *
catalog_item(const char *type, const char *desc)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "description", json_object_new_string(desc));
	return o;
}

void
catalog_list(struct api_call *c)
{
	struct json_object *o, *a;
	size_t i;

	o = json_object_new_object();
	a = json_object_new_array();
	for (i = 0; i < CATALOG_N; i++)
		json_object_array_add(a, catalog_item(catalog_builtin[i].type,
		    catalog_builtin[i].description));
	for (i = 0; i < c->cfg->event_type_count; i++)
		if (!catalog_in_builtin(c->cfg->event_types[i]))
			json_object_array_add(a, catalog_item(
			    c->cfg->event_types[i], CATALOG_CONFIG_DESC));
	json_object_object_add(o, "data", a);
	json_object_object_add(o, "next_cursor", NULL);
	response_json(c->resp, 200, o);
}

void
catalog_health(struct api_call *c)
{
	struct json_object *o;
	char err[256];

	err[0] = '\0';
	if (store_check(c->ctx->store, err, sizeof(err)) != STORE_OK) {
		log_err("health: %s", err);
		response_error(c->resp, 503, "storage_unavailable",
		    "storage is unavailable");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ok"));
	response_json(c->resp, 200, o);
}
