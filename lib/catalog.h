/*
 * catalog.h - the event catalog both programs share: every event type
 * with its description, the JSON Schema of its data (compiled once per
 * process) and an example data.
 *
 * The catalog is, in order: the built-in types (schemas/TYPE.json, built
 * into the programs), the config's event_types not already in it (any
 * JSON object as data), then each event_schemas_dir/TYPE.json in name
 * order (a new type, or the replacement of a type above).  Each file is
 * {"description": "...", "schema": SCHEMA, "example": {...}} and nothing
 * else; it is refused when it is not JSON, when the schema does not
 * compile (lib/jschema.h: unknown keyword, bad value) or when the example
 * does not match the schema, with a message naming the file, the JSON
 * pointer and the keyword.
 *
 * catalog_load() builds the process's catalog; the other calls use it,
 * loading it first for cfg if no load was tried for cfg (tests, tools),
 * so they work in any program.  Not thread-safe: load before starting
 * threads, and validate (catalog_check) from one thread.
 */
#ifndef HOOKD_LIB_CATALOG_H
#define HOOKD_LIB_CATALOG_H

#include <stddef.h>

#include <json-c/json.h>

#include "lib/config.h"
#include "lib/jschema.h"

#define CATALOG_TEST_TYPE "webhook.test"

/* Caps on an event_schemas_dir file and on how many the folder holds. */
#define CATALOG_FILE_MAX (1024 * 1024)
#define CATALOG_FILES_MAX 1024
#define CATALOG_JSON_DEPTH 64

enum catalog_origin {
	CATALOG_BUILTIN,	/* schemas/TYPE.json, built in */
	CATALOG_CONFIG,		/* event_types: any object */
	CATALOG_FILE,		/* event_schemas_dir/TYPE.json */
};

struct catalog_type {
	char name[CONFIG_TYPE_LEN];
	char *description;		/* owned, non-empty */
	struct json_object *schema;	/* owned reference */
	struct json_object *example;	/* owned reference, an object */
	struct jschema *compiled;	/* owned */
	enum catalog_origin origin;
};

/* Build the catalog for cfg (replacing any earlier one).  0, or -1 with
 * "FILE: ..." in err; the catalog is then empty and catalog_ok() 0. */
int catalog_load(const struct config *cfg, char *err, size_t errlen);

/* Free the catalog (at exit, for leak checkers). */
void catalog_unload(void);

/* 1 if the catalog for cfg loaded; 0 if its load failed (the message
 * went to the log; the API answers 503). */
int catalog_ok(const struct config *cfg);

/* The number of types, and type i (0-based, in catalog order). */
size_t catalog_count(const struct config *cfg);
const struct catalog_type *catalog_at(const struct config *cfg, size_t i);

/* The entry of type name, or NULL. */
const struct catalog_type *catalog_find(const struct config *cfg,
    const char *name);

/* 1 if type is in the catalog. */
int catalog_has(const struct config *cfg, const char *type);

/* 1 if entry is a valid webhook filter entry: a catalog type, "*", or
 * "PREFIX.*" where "PREFIX." starts at least one catalog type. */
int catalog_filter_ok(const struct config *cfg, const char *entry);

/*
 * Check an event's data against its type's schema, when
 * cfg->validate_events is on (else 0 at once).  0 valid (or type not in
 * the catalog: the caller checks that), 1 refused with
 * 'at "/POINTER": KEYWORD: message ...' in err.  The intake path of
 * single and batch events calls this.
 */
int catalog_check(const struct config *cfg, const char *type,
    struct json_object *data, char *err, size_t errlen);

#endif
