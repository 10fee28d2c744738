/*
 * logsum.c - Berkeley DB's log checksum (__ham_func4), a block at a time.
 *
 * libdb's loop is h = (h << 5) + h + byte: the hash of n bytes b[0..n-1]
 * is the sum of b[i] * 33^(n-1-i), mod 2^32.  So a block of bytes is
 * summed with precomputed powers, products independent of each other, and
 * joined to what came before with one multiply: h = h * 33^len + sum.
 * With AVX2 a block is 32 bytes (8 lanes of 32-bit products, the lanes
 * summed once at the end); otherwise 8 bytes in plain C.
 *
 * Why here and not in libdb: Debian's libdb5.3 is what users run, and the
 * hash is fixed by the log format (a record whose checksum does not match
 * is read as the end of the log).  So the function must equal libdb's for
 * every input: logsum_init compares the two before the first use, and if
 * they ever differ every call goes to libdb's own (logsum_libdb).
 */
#include <dlfcn.h>
#include <pthread.h>

#include <db.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LOGSUM_AVX2 1
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define LOGSUM_VALGRIND 1
#endif
#endif
#endif

#include "db/logsum.h"

typedef u_int32_t (*logsum_fn)(DB *, const void *, u_int32_t);

static pthread_once_t logsum_once = PTHREAD_ONCE_INIT;
static logsum_fn logsum_libdb;	/* set: libdb's differs from ours, use it */
static int logsum_ours;		/* libdb's calls come here and match */
static int logsum_avx2;
static uint32_t pow8[9];	/* 33^(8-1-i) for byte i of a block; [8] = 33^8 */
static uint32_t pow32[33];	/* the same for a 32-byte block */

/* What libdb does, one byte after the other. */
static uint32_t
sum_bytes(uint32_t h, const unsigned char *p, size_t n)
{
	while (n-- > 0)
		h = h * 33 + *p++;
	return h;
}

/* 8 bytes a step: eight independent products, then one multiply-add on
 * the chain (libdb's loop has three dependent operations per byte). */
static uint32_t
sum_words(uint32_t h, const unsigned char *p, size_t n)
{
	for (; n >= 8; p += 8, n -= 8)
		h = h * pow8[8] + p[0] * pow8[0] + p[1] * pow8[1] +
		    p[2] * pow8[2] + p[3] * pow8[3] + p[4] * pow8[4] +
		    p[5] * pow8[5] + p[6] * pow8[6] + p[7] * pow8[7];
	return sum_bytes(h, p, n);
}

#ifdef LOGSUM_AVX2
/* 32 bytes a step in eight lanes: lane j of acc holds the part of h that
 * comes from bytes j, j + 8, j + 16 and j + 24 of every block so far
 * (times their powers); scaling every lane by 33^32 per block keeps each
 * a sum of the right powers, and h is the sum of the lanes. */
__attribute__((target("avx2"))) static uint32_t
sum_avx2(const unsigned char *p, size_t n)
{
	__m256i acc = _mm256_setzero_si256();
	__m256i step = _mm256_set1_epi32((int)pow32[32]);
	__m256i w0 = _mm256_loadu_si256((const __m256i *)&pow32[0]);
	__m256i w1 = _mm256_loadu_si256((const __m256i *)&pow32[8]);
	__m256i w2 = _mm256_loadu_si256((const __m256i *)&pow32[16]);
	__m256i w3 = _mm256_loadu_si256((const __m256i *)&pow32[24]);
	__m128i lo;
	uint32_t h;

	for (; n >= 32; p += 32, n -= 32) {
		const __m128i *q = (const __m128i *)p;
		__m256i b0, b1, b2, b3, s;

		/* bytes 0-7, 8-15, 16-23, 24-31, each widened to 8 lanes */
		b0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(q));
		b1 = _mm256_cvtepu8_epi32(_mm_srli_si128(_mm_loadu_si128(q), 8));
		b2 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(q + 1));
		b3 = _mm256_cvtepu8_epi32(_mm_srli_si128(_mm_loadu_si128(q + 1),
		    8));
		s = _mm256_add_epi32(
		    _mm256_add_epi32(_mm256_mullo_epi32(b0, w0),
		    _mm256_mullo_epi32(b1, w1)),
		    _mm256_add_epi32(_mm256_mullo_epi32(b2, w2),
		    _mm256_mullo_epi32(b3, w3)));
		acc = _mm256_add_epi32(_mm256_mullo_epi32(acc, step), s);
	}
	lo = _mm_add_epi32(_mm256_castsi256_si128(acc),
	    _mm256_extracti128_si256(acc, 1));
	lo = _mm_add_epi32(lo, _mm_shuffle_epi32(lo, 0x4e));
	lo = _mm_add_epi32(lo, _mm_shuffle_epi32(lo, 0xb1));
	h = (uint32_t)_mm_cvtsi128_si32(lo);
	return sum_words(h, p, n);
}
#endif

static uint32_t
sum(const unsigned char *p, size_t n)
{
#ifdef LOGSUM_AVX2
	if (logsum_avx2 && n >= 32)
		return sum_avx2(p, n);
#endif
	return sum_words(0, p, n);
}

/* The powers, the CPU's vector unit, and the comparison with libdb's own
 * function: every length up to 80 at four alignments, and a few longer
 * (both vector and word tails), over bytes of every value.  Short, as
 * plain CGI runs it once per request; tests/unit/test_logsum.c compares
 * far more. */
static void
logsum_init(void)
{
	static const size_t longer[] = { 255, 256, 257, 1000, 1024, 1031 };
	unsigned char buf[1040];
	logsum_fn libdb;
	uint32_t x = 2463534242u;
	size_t i, off;

	pow8[7] = pow32[31] = 1;
	for (i = 7; i-- > 0; )
		pow8[i] = pow8[i + 1] * 33;
	pow8[8] = pow8[0] * 33;
	for (i = 31; i-- > 0; )
		pow32[i] = pow32[i + 1] * 33;
	pow32[32] = pow32[0] * 33;
#ifdef LOGSUM_AVX2
	__builtin_cpu_init();
	logsum_avx2 = __builtin_cpu_supports("avx2");
#ifdef LOGSUM_VALGRIND
	/* libdb leaves bytes of its own log records uninitialised (its
	 * stack); memcheck follows them through the 8-byte path to where
	 * they came from, and tests/integration/test_valgrind.py excuses
	 * libdb's own, but it loses their origin in the vector lanes: under
	 * valgrind, the plain path. */
	if (RUNNING_ON_VALGRIND)
		logsum_avx2 = 0;
#endif
#endif
	if ((libdb = (logsum_fn)dlvsym(RTLD_NEXT, "__ham_func4",
	    "DB5_3")) == NULL &&
	    (libdb = (logsum_fn)dlsym(RTLD_NEXT, "__ham_func4")) == NULL)
		return;		/* nothing of libdb's to stand in for */
	for (i = 0; i < sizeof(buf); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)(x >> 11);
	}
	for (off = 0; off < 4; off++) {
		for (i = 0; i <= 80; i++)
			if (sum(buf + off, i) !=
			    libdb(NULL, buf + off, (u_int32_t)i))
				goto differ;
		for (i = 0; i < sizeof(longer) / sizeof(longer[0]); i++)
			if (sum(buf + off, longer[i]) !=
			    libdb(NULL, buf + off, (u_int32_t)longer[i]))
				goto differ;
	}
	logsum_ours = 1;
	return;
differ:
	logsum_libdb = libdb;
}

uint32_t
logsum_hash(const void *p, size_t len)
{
	(void)pthread_once(&logsum_once, logsum_init);
	return sum(p, len);
}

int
logsum_check(void)
{
	(void)pthread_once(&logsum_once, logsum_init);
	return logsum_ours;
}

/* libdb's checksums: ours once logsum_init found them equal. */
u_int32_t
/* NOLINTNEXTLINE */
__ham_func4(DB *dbp, const void *key, u_int32_t len)
{
	(void)pthread_once(&logsum_once, logsum_init);
	if (logsum_libdb != NULL)
		return logsum_libdb(dbp, key, len);
	return sum(key, len);
}
