/*
 * jsontree.h - json-c's tree of a JSON text that jsontext_check has
 * already accepted, built without json-c's tokener.
 *
 * The tokener reads a text one byte at a time through a state machine and
 * copies every string through its own buffer (~36 instructions a byte
 * under callgrind on a 1 KiB event); this builder trusts the grammar the
 * scan checked, finds the end of a string 8 bytes at a time and hands
 * strings without escapes to json-c straight from the text.  The tree is
 * the tokener's: the same json-c constructors, in the same order, so the
 * same types, values, member order, double texts and printed bytes
 * (tests/fuzz/fuzz_jsontext.c compares the two on every accepted input).
 */
#ifndef HOOKD_LIB_JSONTREE_H
#define HOOKD_LIB_JSONTREE_H

#include <stddef.h>

#include <json-c/json.h>

#define JSONTREE_DUP 1		/* an object names a member twice */
#define JSONTREE_OTHER 2	/* a number left to json-c (see below) */

/*
 * For text (n bytes) that jsontext_check accepted: 0 with *out the tree,
 * owned by the caller (NULL for the text "null"); JSONTREE_DUP when an
 * object repeats a member name (after decoding escapes, as json-c keys
 * it); JSONTREE_OTHER for an integer of 19 digits or more, whose range
 * rules (int64, uint64, beyond) stay json-c's: parse such a text with
 * json-c's tokener instead; -1 out of memory.  *out is NULL unless 0.
 * Anything not accepted by jsontext_check is undefined behaviour.
 */
int jsontree_build(const char *text, size_t n, struct json_object **out);

/* A container's text: p[0] is '{' or '[', p[n - 1] its closing one. */
struct jsontree_span {
	const void *tag;	/* jsontree.c's own */
	const char *p;
	size_t n;
};

/*
 * For a container o of a tree built by jsontree_build: its text, when
 * json-c prints o (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
 * as exactly that text with the whitespace between tokens left out; else
 * NULL (an escape json-c writes another way, "\u00e9" or "\/", or the
 * integer -0, somewhere inside; a scalar; a tree made another way).  Kept
 * as json-c userdata: the spans of a tree in one block its root owns
 * (freed with the root).  So valid while the text lives and the root
 * lives, and only while the tree is not changed (adding to or removing
 * from a container leaves the text stale).  Nothing in hookd changes a
 * parsed body or keeps a part of it past the request; envelope_build is
 * the one reader.  json_object_deep_copy refuses such a tree.
 */
const struct jsontree_span *jsontree_raw(struct json_object *o);

#endif
