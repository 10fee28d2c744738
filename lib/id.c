/*
 * id.c - prefixed, time-ordered ids (see id.h).
 *
 * Body: 48-bit millisecond timestamp then 80 random bits, Crockford base32
 * (the ULID layout).  Within one process id_new() is monotonic: an id made
 * in the same millisecond as the previous one (or while the wall clock
 * stepped back) reuses the previous timestamp and increments the previous
 * random part by one, so it still sorts after it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "lib/id.h"
#include "lib/timefmt.h"

#define ID_TIME_CHARS 10
#define ID_RAND_BYTES 10
#define ID_TS_MAX ((int64_t)1 << 48)

static const char id_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t id_last_ms = -1;
static unsigned char id_last_rand[ID_RAND_BYTES];

int
id_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	ssize_t r;

	while (n > 0) {
		r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Value of one Crockford base32 character (upper case only), or -1. */
static int
id_digit(char c)
{
	const char *q;

	if (c == '\0')
		return -1;
	q = strchr(id_alphabet, c);
	return q == NULL ? -1 : (int)(q - id_alphabet);
}

/* Write prefix "_" body for ms and rnd.  0 or -1 (does not fit, bad ms). */
static int
id_encode(const char *prefix, int64_t ms, const unsigned char rnd[ID_RAND_BYTES],
    char *out, size_t outlen)
{
	size_t plen = strlen(prefix), i;
	char *b;
	uint64_t t, hi, lo;

	if (ms < 0 || ms >= ID_TS_MAX || outlen < plen + 1 + ID_BODY_LEN + 1)
		return -1;
	memcpy(out, prefix, plen);
	out[plen] = '_';
	b = out + plen + 1;
	t = (uint64_t)ms;
	for (i = 0; i < ID_TIME_CHARS; i++)
		b[ID_TIME_CHARS - 1 - i] = id_alphabet[(t >> (5 * i)) & 31];
	/* 80 random bits as two 40-bit halves, 8 characters each. */
	hi = lo = 0;
	for (i = 0; i < 5; i++) {
		hi = hi << 8 | rnd[i];
		lo = lo << 8 | rnd[5 + i];
	}
	for (i = 0; i < 8; i++) {
		b[ID_TIME_CHARS + 7 - i] = id_alphabet[(hi >> (5 * i)) & 31];
		b[ID_TIME_CHARS + 15 - i] = id_alphabet[(lo >> (5 * i)) & 31];
	}
	b[ID_BODY_LEN] = '\0';
	return 0;
}

/*
 * The random part (rnd) and millisecond (*ms) of the next id after the
 * last one of a sequence (*last_ms, last_rand), id_lock held.  Within the
 * last id's millisecond (or, back 1, before it: id_new's clock stepped
 * back) the last random part + 1, moving to the next millisecond on an
 * 80-bit wrap, no new entropy needed; else fresh entropy.  0, or -1 (no
 * entropy).
 */
static int
id_next(int64_t *last_ms, unsigned char *last_rand, int back,
    int64_t *ms, unsigned char *rnd)
{
	int i;

	if (*ms == *last_ms || (back && *ms < *last_ms)) {
		*ms = *last_ms;
		memcpy(rnd, last_rand, ID_RAND_BYTES);
		for (i = ID_RAND_BYTES - 1; i >= 0; i--)
			if (++rnd[i] != 0)
				break;
		if (i < 0)
			(*ms)++;
	} else if (id_random(rnd, ID_RAND_BYTES) == -1) {
		return -1;
	}
	*last_ms = *ms;
	memcpy(last_rand, rnd, ID_RAND_BYTES);
	return 0;
}

int
id_new_at(const char *prefix, int64_t ms, char *out, size_t outlen)
{
	/* ids at one millisecond made in a row ascend, as id_new's do (a
	 * store's index runs expect ids made in order) */
	static int64_t at_last_ms = -1;
	static unsigned char at_last_rand[ID_RAND_BYTES];
	unsigned char rnd[ID_RAND_BYTES];
	int r;

	pthread_mutex_lock(&id_lock);
	r = id_next(&at_last_ms, at_last_rand, 0, &ms, rnd);
	pthread_mutex_unlock(&id_lock);
	return r == 0 ? id_encode(prefix, ms, rnd, out, outlen) : -1;
}

int
id_new(const char *prefix, char *out, size_t outlen)
{
	unsigned char rnd[ID_RAND_BYTES];
	int64_t ms = timefmt_now_ms();
	int r;

	pthread_mutex_lock(&id_lock);
	r = id_next(&id_last_ms, id_last_rand, 1, &ms, rnd);
	pthread_mutex_unlock(&id_lock);
	return r == 0 ? id_encode(prefix, ms, rnd, out, outlen) : -1;
}

/* 1 if s is exactly 26 body characters encoding a 48-bit time, else 0. */
static int
id_body_valid(const char *s)
{
	size_t i;

	for (i = 0; i < ID_BODY_LEN; i++)
		if (id_digit(s[i]) < 0)
			return 0;
	/* 10 characters carry 50 bits; the top two must be zero. */
	return s[ID_BODY_LEN] == '\0' && id_digit(s[0]) <= 7;
}

const char *
id_body(const char *s, const char *prefix)
{
	size_t plen = strlen(prefix);

	if (strncmp(s, prefix, plen) != 0 || s[plen] != '_')
		return NULL;
	return s + plen + 1;
}

int
id_valid(const char *prefix, const char *s)
{
	const char *b = id_body(s, prefix);

	return b != NULL && id_body_valid(b);
}

int64_t
id_time(const char *s)
{
	const char *b = strrchr(s, '_');
	uint64_t t = 0;
	int i;

	b = b == NULL ? s : b + 1;
	if (!id_body_valid(b))
		return -1;
	/* valid: ID_TIME_CHARS digits of 0..31 each, so t < 2^50 */
	for (i = 0; i < ID_TIME_CHARS; i++)
		t = t << 5 | (uint64_t)id_digit(b[i]);
	return (int64_t)t;
}
