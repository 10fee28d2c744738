/* catalog.c - the event catalog over HTTP: GET /v1/event-types,
 * GET /v1/event-types/{type}, GET /v1/health, and intake's data check. */
#include <string.h>

#include "cgi/catalog.h"
#include "cgi/handlers.h"
#include "cgi/master.h"
#include "cgi/response.h"
#include "lib/log.h"

/* {type, description, schema, example}: schema and example are shared
 * references to the catalog's (the answer is serialized, not changed). */
static struct json_object *
catalog_item(const struct catalog_type *t)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(t->name));
	json_object_object_add(o, "description",
	    json_object_new_string(t->description));
	json_object_object_add(o, "schema", json_object_get(t->schema));
	json_object_object_add(o, "example", json_object_get(t->example));
	return o;
}

void
catalog_list(struct api_call *c)
{
	struct json_object *o, *a;
	size_t i, n = catalog_count(c->cfg);

	o = json_object_new_object();
	a = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(a, catalog_item(catalog_at(c->cfg, i)));
	json_object_object_add(o, "data", a);
	json_object_object_add(o, "next_cursor", NULL);
	response_json(c->resp, 200, o);
}

void
catalog_get(struct api_call *c)
{
	const struct catalog_type *t = catalog_find(c->cfg, c->param[0]);

	if (t == NULL) {
		call_not_found(c, "event type");
		return;
	}
	response_json(c->resp, 200, catalog_item(t));
}

int
catalog_intake_check(struct api_call *c, const char *type,
    struct json_object *data)
{
	char err[640];

	if (catalog_check(c->cfg, type, data, err, sizeof(err)) == 0)
		return 0;
	response_error(c->resp, 422, "invalid_field", "data: %s", err);
	return -1;
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
	master_health(c, o);
	response_json(c->resp, 200, o);
}
