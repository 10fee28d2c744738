/* idset.c - a fixed-size hash set of ids (see idset.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/store.h"
#include "sender/idset.h"

struct idset {
	char (*slot)[STORE_ID_MAX + 1];	/* "" = empty */
	size_t mask;			/* size - 1, size a power of two */
	size_t count, max;
};

static size_t
idset_hash(const char *id)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *id != '\0'; id++) {
		h ^= (unsigned char)*id;
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 29));
}

struct idset *
idset_new(size_t max)
{
	struct idset *s;
	size_t size = 16;

	while (size < 2 * max + 2)
		size *= 2;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->slot = calloc(size, sizeof(*s->slot));
	if (s->slot == NULL) {
		free(s);
		return NULL;
	}
	s->mask = size - 1;
	s->max = max;
	return s;
}

void
idset_free(struct idset *s)
{
	if (s == NULL)
		return;
	free(s->slot);
	free(s);
}

/* Index of id's slot, or of the empty slot where it would go. */
static size_t
idset_find(const struct idset *s, const char *id)
{
	size_t i = idset_hash(id) & s->mask;

	while (s->slot[i][0] != '\0' && strcmp(s->slot[i], id) != 0)
		i = (i + 1) & s->mask;
	return i;
}

int
idset_add(struct idset *s, const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > STORE_ID_MAX)
		return -1;
	i = idset_find(s, id);
	if (s->slot[i][0] != '\0')
		return 1;
	if (s->count >= s->max)
		return -1;
	memcpy(s->slot[i], id, n + 1);
	s->count++;
	return 0;
}

int
idset_has(const struct idset *s, const char *id)
{
	return s->slot[idset_find(s, id)][0] != '\0';
}

void
idset_del(struct idset *s, const char *id)
{
	size_t i = idset_find(s, id), j, home;

	if (s->slot[i][0] == '\0')
		return;
	s->slot[i][0] = '\0';
	s->count--;
	/* Backward shift: move later entries of the run into the hole when
	 * their home slot is not between the hole and them. */
	j = i;
	for (;;) {
		j = (j + 1) & s->mask;
		if (s->slot[j][0] == '\0')
			break;
		home = idset_hash(s->slot[j]) & s->mask;
		if (((j - home) & s->mask) >= ((j - i) & s->mask)) {
			memcpy(s->slot[i], s->slot[j], sizeof(s->slot[i]));
			s->slot[j][0] = '\0';
			i = j;
		}
	}
}

size_t
idset_count(const struct idset *s)
{
	return s->count;
}
