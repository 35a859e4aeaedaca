#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "unit.h"

/* RFC 3720 (iSCSI) appendix B.4 test vectors, plus the classic check value. */
START_TEST(vectors)
{
	uint8_t buf[48];

	ck_assert_uint_eq(jcrc32c(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(jcrc32c_sw(0, "123456789", 9), 0xE3069283u);
	memset(buf, 0, 32);
	ck_assert_uint_eq(jcrc32c(0, buf, 32), 0x8A9136AAu);
	ck_assert_uint_eq(jcrc32c_sw(0, buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, 32);
	ck_assert_uint_eq(jcrc32c(0, buf, 32), 0x62A8AB43u);
	ck_assert_uint_eq(jcrc32c_sw(0, buf, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	ck_assert_uint_eq(jcrc32c(0, buf, 32), 0x46DD794Eu);
	ck_assert_uint_eq(jcrc32c_sw(0, buf, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	ck_assert_uint_eq(jcrc32c(0, buf, 32), 0x113FDB5Cu);
	ck_assert_uint_eq(jcrc32c_sw(0, buf, 32), 0x113FDB5Cu);
	{
		static const uint8_t iscsi[48] = {
			0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
			0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		};
		ck_assert_uint_eq(jcrc32c(0, iscsi, 48), 0xD9963A56u);
		ck_assert_uint_eq(jcrc32c_sw(0, iscsi, 48), 0xD9963A56u);
	}
	ck_assert_uint_eq(jcrc32c(0, "", 0), 0);
}
END_TEST

/*
 * Hardware and table versions agree at every length and alignment, and chaining works.
 * Without SSE4.2 jcrc32c is the table version: there is one path only, and the test says so.
 */
START_TEST(hw_matches_sw)
{
	uint8_t buf[1024 + 8];

	if (!jcrc32c_hw_available())
		fprintf(stderr, "crc32c: SKIP hardware against table: no SSE4.2 on this CPU, "
		    "only the table version and chaining are checked\n");
	srand(42);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len <= 1024; len += (len < 64 ? 1 : 37)) {
			uint32_t a = jcrc32c(0, buf + off, len), b = jcrc32c_sw(0, buf + off, len);
			ck_assert_uint_eq(a, b);
			for (size_t cut = 0; cut <= len; cut += 13)
				ck_assert_uint_eq(jcrc32c(jcrc32c(0, buf + off, cut), buf + off + cut,
				    len - cut), a);
		}
}
END_TEST

/*
 * Large buffers take the three-stream path (blocks of 3 x 256 and 3 x 8192 bytes, joined
 * by shifting): it agrees with the table version at and around every block boundary, at
 * every alignment, and chained from any cut.
 */
START_TEST(hw_three_streams)
{
	static const size_t lens[] = { 767, 768, 769, 775, 776, 1536, 1543, 24575, 24576,
	    24577, 24583, 25344, 25351, 49152, 49920, 100003, 262144 };
	size_t max = 262144 + 8;
	uint8_t *buf = malloc(max);

	ck_assert_ptr_nonnull(buf);
	srand(7);
	for (size_t i = 0; i < max; i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
			size_t len = lens[k];
			uint32_t a = jcrc32c(0, buf + off, len), b = jcrc32c_sw(0, buf + off, len);
			ck_assert_uint_eq(a, b);
			for (size_t cut = 1; cut < len; cut += len / 5 + 1)
				ck_assert_uint_eq(jcrc32c(jcrc32c(0xdeadbeef, buf + off, cut),
				    buf + off + cut, len - cut),
				    jcrc32c_sw(jcrc32c_sw(0xdeadbeef, buf + off, cut), buf + off + cut,
				    len - cut));
		}
	memset(buf, 0, 3 * 8192);
	ck_assert_uint_eq(jcrc32c(0, buf, 3 * 8192), jcrc32c_sw(0, buf, 3 * 8192));
	free(buf);
}
END_TEST

Suite *
suite_crc32c(void)
{
	Suite *s = suite_create("crc32c");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, vectors);
	tcase_add_test(tc, hw_matches_sw);
	tcase_add_test(tc, hw_three_streams);
	suite_add_tcase(s, tc);
	return s;
}
