/*
 * embed.h - files built into the programs (mk/embed.sh writes the arrays
 * into $(O)/gen/NAME.c at build time): nothing is read from disk at run time.
 */
#ifndef HOOKD_EMBED_H
#define HOOKD_EMBED_H

#include <stddef.h>

struct embed_file {
	const char *name;		/* the file's base name */
	const unsigned char *data;	/* len bytes, then a NUL */
	size_t len;
};

/* The event schemas: schemas/TYPE.json (lib/catalog.c). */
extern const struct embed_file embed_schemas[];
extern const size_t embed_schemas_count;

/* The web assets: the templates and CSS files of www/ (sender pages). */
extern const struct embed_file embed_www[];
extern const size_t embed_www_count;

/*
 * The file called name (a base name, "status.css") among the n files of
 * set, or NULL.  Callers that cannot work without the file treat NULL as
 * a build error (a file was renamed in www/ or schemas/ but not in C).
 */
const struct embed_file *embed_find(const struct embed_file *set, size_t n,
    const char *name);

#endif
