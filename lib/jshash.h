/*
 * jshash.h - a hash of a JSON value that agrees with JSON Schema equality
 * (lib/jsvalid.c): values that are equal (numbers by value, objects in any
 * key order) hash the same, so uniqueItems can sort by hash and compare
 * only the items whose hashes collide, O(n log n) instead of O(n^2).
 */
#ifndef HOOKD_JSHASH_H
#define HOOKD_JSHASH_H

#include <stdint.h>

#include <json-c/json.h>

/* The hash of o; work proportional to o's size, recursion to its depth. */
uint64_t jshash_value(struct json_object *o);

#endif
