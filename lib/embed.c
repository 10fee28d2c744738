/* embed.c - looking up a file built into the program (lib/embed.h). */
#include <string.h>

#include "lib/embed.h"

const struct embed_file *
embed_find(const struct embed_file *set, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(set[i].name, name) == 0)
			return &set[i];
	return NULL;
}
