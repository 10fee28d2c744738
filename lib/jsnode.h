/*
 * jsnode.h - the compiled form of a JSON Schema, shared by the compiler
 * (lib/jschema.c) and the validator (lib/jsvalid.c).  Not for other users.
 *
 * Every node is owned by its struct jschema (nodes[], freed together);
 * pointers between nodes (children, $ref targets) are borrowed.  json-c
 * values (enum, const) point into the schema document, which the
 * jschema holds a reference to.
 */
#ifndef HOOKD_JSNODE_H
#define HOOKD_JSNODE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "lib/jschema.h"
#include "lib/jsnum.h"
#include "lib/jsregex.h"

/* type keyword bits */
#define JSNODE_NULL	0x01
#define JSNODE_BOOLEAN	0x02
#define JSNODE_OBJECT	0x04
#define JSNODE_ARRAY	0x08
#define JSNODE_NUMBER	0x10
#define JSNODE_STRING	0x20
#define JSNODE_INTEGER	0x40

#define JSNODE_UNSET (-1)	/* a count keyword that is absent */

struct jsnode;

struct jsnode_prop {
	const char *name;	/* points into the schema document */
	struct jsnode *schema;
};

struct jsnode_pprop {
	struct jsregex *re;	/* owned */
	struct jsnode *schema;
};

/* A list of subschemas (allOf, anyOf, oneOf, prefixItems). */
struct jsnode_list {
	struct jsnode **v;	/* owned array, borrowed nodes */
	size_t n;
};

/* One numeric bound: set, value (exact for JSON's integers and doubles). */
struct jsnode_bound {
	int set;
	struct jsnum v;
};

struct jsnode {
	char *ptr;		/* "#/properties/a" (escaped), owned */
	int boolean;		/* -1: an object schema; 0: false; 1: true */
	unsigned types;		/* JSNODE_* bits; 0: any */
	struct json_object *enum_v;	/* array, or NULL */
	struct json_object *const_v;
	int has_const;		/* const may be JSON null */
	struct jsnode_prop *props;
	size_t nprops;
	const char **required;	/* owned array of borrowed strings */
	size_t nrequired;
	struct jsnode_pprop *pprops;
	size_t npprops;
	struct jsnode *additional;
	struct jsnode *items;
	struct jsnode_list prefix;
	struct jsnode *contains;
	int64_t min_items, max_items, min_len, max_len, min_props, max_props;
	int unique;
	struct jsregex *pattern;	/* owned */
	struct jsnode_bound minimum, maximum, ex_minimum, ex_maximum;
	struct jsnum multiple;		/* multiple.text NULL: absent */
	struct jsnode_list all_of, any_of, one_of;
	struct jsnode *not_, *if_, *then_, *else_;
	const char *ref;	/* the $ref string, resolved to ref_to */
	struct jsnode *ref_to;
	int mark;		/* cycle check: 0 new, 1 on path, 2 done */
};

struct jschema {
	struct json_object *doc;	/* a reference held */
	struct jsnode **nodes;		/* all nodes, owned */
	size_t n, size;
	struct jsnode *root;
};

#endif
