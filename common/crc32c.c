/*
 * crc32c: CRC-32C with a slicing-by-8 table fallback and the SSE4.2 crc32 instruction (three
 * streams at once on large buffers).
 * Both MUST give identical results for every input; check_crc32c compares them on random
 * buffers of every alignment and against the RFC 3720 test vectors.
 */
#include <pthread.h>
#include <string.h>

#include "crc32c.h"

#define POLY 0x82F63B78u

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void
table_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		table[0][n] = c;
	}
	for (uint32_t n = 0; n < 256; n++)
		for (int k = 1; k < 8; k++)
			table[k][n] = (table[k - 1][n] >> 8) ^ table[0][table[k - 1][n] & 0xff];
}

uint32_t
jcrc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	pthread_once(&table_once, table_init);
	crc = ~crc;
	while (len && ((uintptr_t)p & 7)) {
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
		len--;
	}
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		w ^= crc;      /* little-endian: the low 4 bytes meet the crc */
		crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^
		      table[5][(w >> 16) & 0xff] ^ table[4][(w >> 24) & 0xff] ^
		      table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
		      table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>

/*
 * One crc32 instruction depends on the one before (3 cycles' latency, one per cycle
 * issued), so a single stream runs at a third of what the CPU can do. Blocks of 3 x LONG
 * (then 3 x SHORT) bytes are done as three independent streams, and the three are joined:
 * a CRC is linear, so crc(A B) = shift(crc(A), |B|) ^ crc0(B), where shift appends |B| zero
 * bytes (a 32 x 32 matrix over GF(2), applied with four tables per length) and crc0 starts
 * from 0. This is Mark Adler's method (crc32c.c, 2013).
 */
#define LONG  8192
#define SHORT 256

static uint32_t zeros_long[4][256], zeros_short[4][256];
static pthread_once_t zeros_once = PTHREAD_ONCE_INIT;

static uint32_t
gf2_times(const uint32_t *mat, uint32_t vec)
{
	uint32_t sum = 0;

	for (; vec; vec >>= 1, mat++)
		if (vec & 1)
			sum ^= *mat;
	return sum;
}

static void
gf2_square(uint32_t *square, const uint32_t *mat)
{
	for (int n = 0; n < 32; n++)
		square[n] = gf2_times(mat, mat[n]);
}

/* The tables that append len zero bytes (len a power of two) to a CRC register. */
static void
zeros_make(uint32_t zeros[4][256], size_t len)
{
	uint32_t odd[32], even[32], *op = even;

	odd[0] = POLY;                      /* one zero bit */
	for (int n = 1; n < 32; n++)
		odd[n] = 1u << (n - 1);
	gf2_square(even, odd);              /* two */
	gf2_square(odd, even);              /* four */
	for (;;) {
		gf2_square(even, odd);          /* 8, 32, 128 ... zero bits */
		len >>= 1;
		if (!len) {
			op = even;
			break;
		}
		gf2_square(odd, even);          /* 16, 64, 256 ... */
		len >>= 1;
		if (!len) {
			op = odd;
			break;
		}
	}
	for (uint32_t n = 0; n < 256; n++)
		for (int k = 0; k < 4; k++)
			zeros[k][n] = gf2_times(op, n << (8 * k));
}

static void
zeros_init(void)
{
	zeros_make(zeros_long, LONG);
	zeros_make(zeros_short, SHORT);
}

static uint32_t
shift(uint32_t zeros[4][256], uint32_t crc)
{
	return zeros[0][crc & 0xff] ^ zeros[1][(crc >> 8) & 0xff] ^
	    zeros[2][(crc >> 16) & 0xff] ^ zeros[3][crc >> 24];
}

/* Three streams of n bytes each over p: the register c, carried over all 3n bytes. */
__attribute__((target("sse4.2"))) static uint64_t
crc32c_hw3(uint64_t c, const unsigned char *p, size_t n, uint32_t zeros[4][256])
{
	uint64_t c1 = 0, c2 = 0;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t w0, w1, w2;
		memcpy(&w0, p + i, 8);
		memcpy(&w1, p + n + i, 8);
		memcpy(&w2, p + 2 * n + i, 8);
		c = _mm_crc32_u64(c, w0);
		c1 = _mm_crc32_u64(c1, w1);
		c2 = _mm_crc32_u64(c2, w2);
	}
	c = shift(zeros, (uint32_t)c) ^ (uint32_t)c1;
	return shift(zeros, (uint32_t)c) ^ (uint32_t)c2;
}

__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t c;

	crc = ~crc;
	while (len && ((uintptr_t)p & 7)) {
		crc = _mm_crc32_u8(crc, *p++);
		len--;
	}
	c = crc;
	if (len >= 3 * SHORT)
		pthread_once(&zeros_once, zeros_init);
	for (; len >= 3 * LONG; p += 3 * LONG, len -= 3 * LONG)
		c = crc32c_hw3(c, p, LONG, zeros_long);
	for (; len >= 3 * SHORT; p += 3 * SHORT, len -= 3 * SHORT)
		c = crc32c_hw3(c, p, SHORT, zeros_short);
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t)c;
	while (len--)
		crc = _mm_crc32_u8(crc, *p++);
	return ~crc;
}

int
jcrc32c_hw_available(void)
{
	static int have = -1;       /* atomic: writers in several threads may ask at once */
	int h = __atomic_load_n(&have, __ATOMIC_RELAXED);

	if (h < 0) {
		__builtin_cpu_init();
		h = __builtin_cpu_supports("sse4.2") ? 1 : 0;
		__atomic_store_n(&have, h, __ATOMIC_RELAXED);
	}
	return h;
}

uint32_t
jcrc32c(uint32_t crc, const void *buf, size_t len)
{
	return jcrc32c_hw_available() ? crc32c_hw(crc, buf, len) : jcrc32c_sw(crc, buf, len);
}
#else
int
jcrc32c_hw_available(void)
{
	return 0;
}

uint32_t
jcrc32c(uint32_t crc, const void *buf, size_t len)
{
	return jcrc32c_sw(crc, buf, len);
}
#endif
