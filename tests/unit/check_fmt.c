/* fmt: encode/decode round trips and the local checks of each structure. */
#include <string.h>

#include "crc32c.h"
#include "fmt.h"
#include "unit.h"

static struct jfmt_header
sample_header(void)
{
	struct jfmt_header h = { .timeline = 3, .seq = 0x0102030405060708ull,
	                         .first_lsn = 0x1122334455667788ull, .created = 1700000000123456789ull };

	for (int i = 0; i < JFMT_LINEAGE_LEN; i++)
		h.lineage[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < JDIGEST_LEN; i++)
		h.prev_digest[i] = (uint8_t)i;
	return h;
}

START_TEST(header_round_trip)
{
	struct jfmt_header h = sample_header(), g;
	uint8_t b[JFMT_HEADER_SIZE];
	struct jerr e;

	jfmt_header_encode(&h, b);
	ck_assert(memcmp(b, "\x89JML\r\n\x1a\n", 8) == 0);
	ck_assert_uint_eq(jfmt_get16(b + 8), JFMT_VERSION);
	ck_assert_uint_eq(jfmt_get16(b + 10), 128);
	ck_assert_uint_eq(jfmt_get32(b + 32), 3);
	ck_assert_uint_eq(b[40], 0x08);             /* little-endian */
	ck_assert_uint_eq(jfmt_get32(b + 124), jcrc32c(0, b, 124));
	ck_assert_int_eq(jfmt_header_decode(b, &g, &e), 0);
	ck_assert_uint_eq(g.version, JFMT_VERSION);
	ck_assert(memcmp(g.lineage, h.lineage, sizeof h.lineage) == 0);
	ck_assert_uint_eq(g.timeline, h.timeline);
	ck_assert_uint_eq(g.seq, h.seq);
	ck_assert_uint_eq(g.first_lsn, h.first_lsn);
	ck_assert_uint_eq(g.created, h.created);
	ck_assert(memcmp(g.prev_digest, h.prev_digest, JDIGEST_LEN) == 0);
	ck_assert_uint_eq(g.source_pos, 0);
	h.source_pos = 0x0102030405060708ull;
	jfmt_header_encode(&h, b);
	ck_assert_uint_eq(jfmt_get64(b + 96), h.source_pos);
	ck_assert_int_eq(jfmt_header_decode(b, &g, &e), 0);
	ck_assert_uint_eq(g.source_pos, h.source_pos);
}
END_TEST

/* Re-encode b after changing a field, fixing the CRC, and expect msg from decode. */
static void
header_refused(uint8_t *b, const char *msg)
{
	struct jfmt_header g;
	struct jerr e;

	jfmt_put32(b + 124, jcrc32c(0, b, 124));
	ck_assert_int_eq(jfmt_header_decode(b, &g, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, msg);
}

START_TEST(header_checks)
{
	struct jfmt_header h = sample_header(), g;
	uint8_t b[JFMT_HEADER_SIZE], c[JFMT_HEADER_SIZE];
	struct jerr e;

	jfmt_header_encode(&h, b);
	for (int i = 0; i < JFMT_HEADER_SIZE; i++) {
		memcpy(c, b, sizeof b);
		c[i] ^= 0x10;
		ck_assert_msg(jfmt_header_decode(c, &g, &e) == -1, "flip at %d", i);
	}
	memcpy(c, b, sizeof b); c[8] = 4;
	header_refused(c, "unsupported format version 4");
	memcpy(c, b, sizeof b); c[8] = 0;
	header_refused(c, "unsupported format version 0");
	/* version 1 files (jmirror 0.1.0) stay readable */
	memcpy(c, b, sizeof b); c[8] = 1;
	jfmt_put32(c + 124, jcrc32c(0, c, 124));
	ck_assert_int_eq(jfmt_header_decode(c, &g, &e), 0);
	ck_assert_uint_eq(g.version, 1);
	/* an explicit version is written as given */
	h.version = 1;
	jfmt_header_encode(&h, c);
	ck_assert_uint_eq(jfmt_get16(c + 8), 1);
	memcpy(c, b, sizeof b); c[10] = 127;
	header_refused(c, "bad header size 127");
	memcpy(c, b, sizeof b); c[12] = 4;
	header_refused(c, "header has unknown flags or reserved bytes set");
	memcpy(c, b, sizeof b); c[36] = 1;
	header_refused(c, "header has unknown flags or reserved bytes set");
	memcpy(c, b, sizeof b); c[121] = 1;
	header_refused(c, "header has unknown flags or reserved bytes set");
	memcpy(c, b, sizeof b); c[110] = 1;
	header_refused(c, "header names a key but is not signed");
	/* bytes 96..103: the capture source position, from version 3 on */
	memcpy(c, b, sizeof b); c[100] = 1;
	jfmt_put32(c + 124, jcrc32c(0, c, 124));
	ck_assert_int_eq(jfmt_header_decode(c, &g, &e), 0);
	ck_assert_uint_eq(g.source_pos, 1ull << 32);
	memcpy(c, b, sizeof b); c[8] = 2; c[96] = 1;
	header_refused(c, "header has unknown flags or reserved bytes set");
	memcpy(c, b, sizeof b); jfmt_put32(c + 32, 0);
	header_refused(c, "header has a zero timeline, sequence or LSN");
	memcpy(c, b, sizeof b); jfmt_put64(c + 40, 0);
	header_refused(c, "header has a zero timeline, sequence or LSN");
	memcpy(c, b, sizeof b); jfmt_put64(c + 48, 0);
	header_refused(c, "header has a zero timeline, sequence or LSN");
	memcpy(c, b, sizeof b);
	jfmt_put32(c + 124, jfmt_get32(c + 124) ^ 1);
	ck_assert_int_eq(jfmt_header_decode(c, &g, &e), -1);
	ck_assert_str_eq(e.msg, "header checksum mismatch");
	ck_assert_int_eq(jfmt_header_decode(c, &g, NULL), -1);
}
END_TEST

START_TEST(record_round_trip)
{
	struct jfmt_rec_head r = { .len = 5, .type = JFMT_TYPE_RAW, .lsn = 77, .time = 99 }, g;
	uint8_t b[64];
	struct jerr e;
	size_t n = jfmt_rec_build(&r, "a\0b\nc", b);

	ck_assert_uint_eq(n, JFMT_REC_OVERHEAD + 5);
	ck_assert_int_eq(jfmt_rec_decode(b, 1, &g, &e), 0);
	ck_assert_uint_eq(g.len, 5);
	ck_assert_uint_eq(g.type, JFMT_TYPE_RAW);
	ck_assert_uint_eq(g.lsn, 77);
	ck_assert_uint_eq(g.time, 99);
	ck_assert(memcmp(b + JFMT_REC_HEAD, "a\0b\nc", 5) == 0);
	ck_assert_uint_eq(jfmt_get32(b + JFMT_REC_HEAD + 5), jfmt_rec_crc(b, b + JFMT_REC_HEAD, 5));
	ck_assert_uint_eq(jfmt_get32(b + JFMT_REC_HEAD + 5), jcrc32c(0, b, JFMT_REC_HEAD + 5));
	ck_assert(!jfmt_is_trailer(b));
	/* empty payload */
	r.len = 0;
	ck_assert_uint_eq(jfmt_rec_build(&r, NULL, b), JFMT_REC_OVERHEAD);
	ck_assert_int_eq(jfmt_rec_decode(b, 1, &g, &e), 0);
	ck_assert_uint_eq(g.len, 0);
	/* local checks */
	r.len = JFMT_MAX_PAYLOAD;
	jfmt_rec_encode(&r, b);
	ck_assert_int_eq(jfmt_rec_decode(b, 1, &g, &e), 0);
	r.len = JFMT_MAX_PAYLOAD + 1;
	jfmt_rec_encode(&r, b);
	ck_assert_int_eq(jfmt_rec_decode(b, 1, &g, &e), -1);
	ck_assert_str_eq(e.msg, "record length 16777217 exceeds the limit of 16777216");
	r.len = 1;
	jfmt_rec_encode(&r, b);
	b[5] = 1;
	ck_assert_int_eq(jfmt_rec_decode(b, 1, &g, &e), -1);
	jfmt_rec_encode(&r, b);
	b[7] = 1;
	ck_assert_int_eq(jfmt_rec_decode(b, 1, &g, &e), -1);
	/* the batch field: 0 in version 1, any count in version 2 */
	ck_assert_int_eq(jfmt_rec_decode(b, 2, &g, &e), 0);
	ck_assert_uint_eq(g.batch, 256);
	r.batch = 65535;
	jfmt_rec_encode(&r, b);
	ck_assert_uint_eq(jfmt_get16(b + 6), 65535);
	ck_assert_int_eq(jfmt_rec_decode(b, 2, &g, &e), 0);
	ck_assert_uint_eq(g.batch, 65535);
	ck_assert_int_eq(jfmt_rec_decode(b, 1, &g, &e), -1);
	r.batch = 0;
	r.type = 0;
	jfmt_rec_encode(&r, b);
	ck_assert_int_eq(jfmt_rec_decode(b, 1, &g, &e), -1);
	ck_assert_str_eq(e.msg, "record has type 0");
}
END_TEST

/* Version 3: the flags byte holds the continues bit (groups), and nothing else. */
START_TEST(record_flags)
{
	struct jfmt_rec_head r = { .len = 1, .type = JFMT_TYPE_ROW, .lsn = 5,
	                           .flags = JFMT_REC_CONTINUES }, g;
	uint8_t b[64];
	struct jerr e;

	ck_assert_int_eq(JFMT_VERSION, 3);
	jfmt_rec_build(&r, "x", b);
	ck_assert_uint_eq(b[5], 0x01);
	ck_assert_int_eq(jfmt_rec_decode(b, 3, &g, &e), 0);
	ck_assert_uint_eq(g.flags, JFMT_REC_CONTINUES);
	ck_assert_int_eq(jfmt_rec_decode(b, 2, &g, &e), -1);
	ck_assert_str_eq(e.msg, "record has unknown flags or reserved bytes set");
	ck_assert_int_eq(jfmt_rec_decode(b, 1, &g, &e), -1);
	b[5] = 0x02;
	ck_assert_int_eq(jfmt_rec_decode(b, 3, &g, &e), -1);
	b[5] = 0x81;
	ck_assert_int_eq(jfmt_rec_decode(b, 3, &g, &e), -1);
	b[5] = 0;
	ck_assert_int_eq(jfmt_rec_decode(b, 3, &g, &e), 0);
	ck_assert_uint_eq(g.flags, 0);
	ck_assert_str_eq(jfmt_type_name(JFMT_TYPE_ROW), "row");
	ck_assert_str_eq(jfmt_type_name(JFMT_TYPE_CHECK), "check");
	ck_assert_int_eq(jfmt_type_parse("row"), 128);
	ck_assert_int_eq(jfmt_type_parse("check"), 129);
	ck_assert_ptr_null(jfmt_type_name(130));
}
END_TEST

START_TEST(trailer_round_trip)
{
	struct jfmt_trailer t = { .records = 3, .last_lsn = 10, .sealed = 5, .flags = JFMT_FINAL,
	                          .size = 400 }, g;
	uint8_t b[JFMT_TRAILER_SIZE];
	struct jerr e;

	memset(t.digest, 0x5a, sizeof t.digest);
	jfmt_trailer_encode(&t, b);
	ck_assert(jfmt_is_trailer(b));
	ck_assert(memcmp(b + 4, "SEAL", 4) == 0);
	ck_assert(memcmp(b + 48, t.digest, 32) == 0);
	ck_assert_int_eq(jfmt_trailer_decode(b, &g, &e), 0);
	ck_assert_uint_eq(g.records, 3);
	ck_assert_uint_eq(g.last_lsn, 10);
	ck_assert_uint_eq(g.sealed, 5);
	ck_assert_uint_eq(g.flags, JFMT_FINAL);
	ck_assert_uint_eq(g.size, 400);
	ck_assert(memcmp(g.digest, t.digest, 32) == 0);
	b[32] = 2;
	ck_assert_int_eq(jfmt_trailer_decode(b, &g, &e), -1);
	b[32] = 1;
	b[37] = 1;
	ck_assert_int_eq(jfmt_trailer_decode(b, &g, &e), -1);
	b[37] = 0;
	b[5] = 'X';
	ck_assert_int_eq(jfmt_trailer_decode(b, &g, &e), -1);
	ck_assert_str_eq(e.msg, "bad trailer mark");
}
END_TEST

START_TEST(types_and_ints)
{
	uint8_t b[8];

	ck_assert_str_eq(jfmt_type_name(JFMT_TYPE_SQL), "sql");
	ck_assert_str_eq(jfmt_type_name(JFMT_TYPE_RAW), "raw");
	ck_assert_ptr_null(jfmt_type_name(7));
	ck_assert_int_eq(jfmt_type_parse("sql"), JFMT_TYPE_SQL);
	ck_assert_int_eq(jfmt_type_parse("raw"), JFMT_TYPE_RAW);
	ck_assert_int_eq(jfmt_type_parse("200"), 200);
	ck_assert_int_eq(jfmt_type_parse("0"), -1);
	ck_assert_int_eq(jfmt_type_parse("256"), -1);
	ck_assert_int_eq(jfmt_type_parse(""), -1);
	ck_assert_int_eq(jfmt_type_parse("SQL"), -1);
	jfmt_put64(b, 0x0102030405060708ull);
	ck_assert_uint_eq(b[0], 8);
	ck_assert_uint_eq(b[7], 1);
	ck_assert_uint_eq(jfmt_get64(b), 0x0102030405060708ull);
	jfmt_put64(b, UINT64_MAX);
	ck_assert_uint_eq(jfmt_get64(b), UINT64_MAX);
	jfmt_put32(b, 0xdeadbeef);
	ck_assert_uint_eq(jfmt_get32(b), 0xdeadbeef);
	jfmt_put16(b, 0xbeef);
	ck_assert_uint_eq(jfmt_get16(b), 0xbeef);
}
END_TEST

Suite *
suite_fmt(void)
{
	Suite *s = suite_create("fmt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, header_round_trip);
	tcase_add_test(tc, header_checks);
	tcase_add_test(tc, record_round_trip);
	tcase_add_test(tc, record_flags);
	tcase_add_test(tc, trailer_round_trip);
	tcase_add_test(tc, types_and_ints);
	suite_add_tcase(s, tc);
	return s;
}
