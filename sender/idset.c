/* idset.c - a fixed-size hash set of ids (see idset.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/store.h"
#include "lib/fnv.h"
#include "sender/idset.h"

/*
 * Each slot's id, and beside it in an array of their own its tag: the id's
 * hash with the top bit set (0: empty).  A probe reads the tags, 4 bytes a
 * slot, and the 65-byte id only when the tag matches: the table is large
 * (sized for every job) and a pick looks up each due entry it passes.  A
 * tag's low bits are its home slot.
 */
#define IDSET_TAG_BIT 0x80000000u

struct idset {
	char (*slot)[STORE_ID_MAX + 1];
	uint32_t *tag;			/* 0 = empty */
	size_t mask;			/* size - 1, size a power of two */
	size_t count, max;
};

static uint32_t
idset_tag(const char *id)
{
	uint64_t h = fnv1a_str(FNV1A_OFFSET, id);

	return (uint32_t)(h ^ (h >> 29) ^ (h >> 32)) | IDSET_TAG_BIT;
}

struct idset *
idset_new(size_t max)
{
	struct idset *s;
	size_t size = 16;

	while (size < 2 * max + 2)
		size *= 2;
	if (size > IDSET_TAG_BIT)	/* the home must fit below the tag bit */
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->slot = calloc(size, sizeof(*s->slot));
	s->tag = calloc(size, sizeof(*s->tag));
	if (s->slot == NULL || s->tag == NULL) {
		free(s->slot);
		free(s->tag);
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
	free(s->tag);
	free(s);
}

/* Index of id's slot, or of the empty slot where it would go (tag: id's). */
static size_t
idset_find(const struct idset *s, const char *id, uint32_t tag)
{
	size_t i = tag & s->mask;

	while (s->tag[i] != 0 &&
	    (s->tag[i] != tag || strcmp(s->slot[i], id) != 0))
		i = (i + 1) & s->mask;
	return i;
}

int
idset_add(struct idset *s, const char *id)
{
	size_t i, n = strlen(id);
	uint32_t tag;

	if (n == 0 || n > STORE_ID_MAX)
		return -1;
	tag = idset_tag(id);
	i = idset_find(s, id, tag);
	if (s->tag[i] != 0)
		return 1;
	if (s->count >= s->max)
		return -1;
	memcpy(s->slot[i], id, n + 1);
	s->tag[i] = tag;
	s->count++;
	return 0;
}

int
idset_has(const struct idset *s, const char *id)
{
	return s->tag[idset_find(s, id, idset_tag(id))] != 0;
}

void
idset_del(struct idset *s, const char *id)
{
	size_t i = idset_find(s, id, idset_tag(id)), j, home;

	if (s->tag[i] == 0)
		return;
	s->tag[i] = 0;
	s->count--;
	/* Backward shift: move later entries of the run into the hole when
	 * their home slot is not between the hole and them. */
	j = i;
	for (;;) {
		j = (j + 1) & s->mask;
		if (s->tag[j] == 0)
			break;
		home = s->tag[j] & s->mask;
		if (((j - home) & s->mask) >= ((j - i) & s->mask)) {
			memcpy(s->slot[i], s->slot[j], sizeof(s->slot[i]));
			s->tag[i] = s->tag[j];
			s->tag[j] = 0;
			i = j;
		}
	}
}

size_t
idset_count(const struct idset *s)
{
	return s->count;
}
