/* jshash.c - hashing JSON values consistently with equality (jshash.h). */
#include <string.h>

#include "lib/fnv.h"
#include "lib/jshash.h"
#include "lib/jsnum.h"

/* Mix the bits of h (splitmix64's finalizer). */
static uint64_t
jshash_mix(uint64_t h)
{
	h ^= h >> 30;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64_C(0x94d049bb133111eb);
	return h ^ (h >> 31);
}

uint64_t
jshash_value(struct json_object *o)
{
	uint64_t h, sum = 0;
	size_t i, n;
	double d;

	switch (json_object_get_type(o)) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return json_object_get_boolean(o) ? 2 : 3;
	case json_type_string:
		return jshash_mix(fnv1a_bytes(FNV1A_OFFSET,
		    json_object_get_string(o),
		    (size_t)json_object_get_string_len(o)));
	case json_type_array:
		h = 5;
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			h = jshash_mix(h * 31 + jshash_value(
			    json_object_array_get_idx(o, i)));
		return h;
	case json_type_object: {
		/* a sum: the same whatever the order of the members */
		json_object_object_foreach(o, key, val) {
			sum += jshash_mix(fnv1a_bytes(FNV1A_OFFSET, key,
			    strlen(key)) ^ (jshash_value(val) * 7));
		}
		return jshash_mix(sum + 11);
	}
	default:
		/* Equal numbers have equal values; as doubles they stay equal
		 * (distinct ones may collide: only a collision). */
		d = (double)jsnum_value(o);
		d += 0.0;	/* -0 + 0 is +0: -0 and 0 hash alike */
		memcpy(&h, &d, sizeof(h));
		return jshash_mix(h ^ 13);
	}
}
