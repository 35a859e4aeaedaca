/* text: times in UTC at each precision; JSON strings valid for any bytes, never cut. */
#include <string.h>

#include "text.h"
#include "unit.h"

#define NS(s, f) ((uint64_t)(s) * 1000000000u + (f))

START_TEST(time_precisions)
{
	char b[JTEXT_TIME_MAX];
	uint64_t t = NS(1796035100, 123456789);         /* 2026-11-30T10:38:20 */

	ck_assert_str_eq(jtext_time(t, 0, b, sizeof b), "2026-11-30T10:38:20Z");
	ck_assert_str_eq(jtext_time(t, 3, b, sizeof b), "2026-11-30T10:38:20.123Z");
	ck_assert_str_eq(jtext_time(t, 6, b, sizeof b), "2026-11-30T10:38:20.123456Z");
	ck_assert_str_eq(jtext_time(t, 9, b, sizeof b), "2026-11-30T10:38:20.123456789Z");
	ck_assert_str_eq(jtext_time(NS(0, 5000000), 3, b, sizeof b), "1970-01-01T00:00:00.005Z");
	ck_assert_str_eq(jtext_time(UINT64_MAX, 0, b, sizeof b), "2554-07-21T23:34:33Z");
}
END_TEST

START_TEST(time_refused)
{
	char b[JTEXT_TIME_MAX];

	ck_assert_ptr_null(jtext_time(0, -1, b, sizeof b));
	ck_assert_ptr_null(jtext_time(0, 10, b, sizeof b));
	ck_assert_ptr_null(jtext_time(0, 3, b, 24));    /* the Z would not fit */
	ck_assert_ptr_nonnull(jtext_time(0, 3, b, 25));
}
END_TEST

START_TEST(utf8_lengths)
{
	ck_assert_uint_eq(jtext_utf8_len((const uint8_t *)"a", 1), 0);
	ck_assert_uint_eq(jtext_utf8_len((const uint8_t *)"\xc3\xa9", 2), 2);
	ck_assert_uint_eq(jtext_utf8_len((const uint8_t *)"\xe2\x82\xac", 3), 3);
	ck_assert_uint_eq(jtext_utf8_len((const uint8_t *)"\xf0\x9f\x98\x80", 4), 4);
	ck_assert_uint_eq(jtext_utf8_len((const uint8_t *)"\xe2\x82\xac", 2), 0);   /* cut */
	ck_assert_uint_eq(jtext_utf8_len((const uint8_t *)"\xc0\xaf", 2), 0);       /* overlong */
	ck_assert_uint_eq(jtext_utf8_len((const uint8_t *)"\xe0\x80\xaf", 3), 0);   /* overlong */
	ck_assert_uint_eq(jtext_utf8_len((const uint8_t *)"\xed\xa0\x80", 3), 0);   /* surrogate */
	ck_assert_uint_eq(jtext_utf8_len((const uint8_t *)"\xf4\x90\x80\x80", 4), 0);
	ck_assert_uint_eq(jtext_utf8_len((const uint8_t *)"\xff", 1), 0);
	ck_assert_uint_eq(jtext_utf8_len((const uint8_t *)"\xc3", 0), 0);
}
END_TEST

static void
json_is(const char *in, size_t n, const char *want)
{
	char out[256];
	size_t used, k = jtext_json(in, n, &used, out, sizeof out);

	ck_assert_uint_eq(used, n);
	ck_assert_uint_eq(k, strlen(want));
	ck_assert_mem_eq(out, want, k);
}

START_TEST(json_escapes)
{
	json_is("plain", 5, "plain");
	json_is("a\"b\\c", 5, "a\\\"b\\\\c");
	json_is("\n\t\r", 3, "\\n\\t\\r");
	json_is("\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f");
	json_is("\0", 1, "\\u0000");
	json_is("caf\xc3\xa9", 5, "caf\xc3\xa9");
	json_is("\xff\xc3", 2, "\\u00ff\\u00c3");       /* not UTF-8: escaped, never raw */
	json_is("\xed\xa0\x80", 3, "\\u00ed\\u00a0\\u0080");
}
END_TEST

START_TEST(json_never_cuts)
{
	const char *in = "ab\xe2\x82\xac\x01z";
	char out[8];
	size_t used, k;

	k = jtext_json(in, 7, &used, out, 4);           /* "ab" fits, the euro sign not */
	ck_assert_uint_eq(k, 2);
	ck_assert_uint_eq(used, 2);
	k = jtext_json(in + 2, 5, &used, out, 5);       /* euro (3), then \u0001 does not fit */
	ck_assert_uint_eq(k, 3);
	ck_assert_uint_eq(used, 3);
	k = jtext_json(in + 5, 2, &used, out, JTEXT_JSON_MIN);
	ck_assert_uint_eq(k, 6);
	ck_assert_uint_eq(used, 1);
	ck_assert_mem_eq(out, "\\u0001", 6);
	k = jtext_json(in, 7, &used, out, 0);
	ck_assert_uint_eq(k, 0);
	ck_assert_uint_eq(used, 0);
}
END_TEST

START_TEST(statement_start)
{
	char out[80], tiny[8];
	char longer[100];

	jtext_statement("\n\t  INSERT INTO t\nVALUES (1)", out, sizeof out);
	ck_assert_str_eq(out, "INSERT INTO t VALUES (1)");
	memset(longer, 'x', sizeof longer - 1);
	longer[sizeof longer - 1] = 0;
	jtext_statement(longer, out, sizeof out);
	ck_assert_uint_eq(strlen(out), 63);
	ck_assert_str_eq(out + 60, "...");
	jtext_statement("SELECT 1", tiny, sizeof tiny);
	ck_assert_str_eq(tiny, "SELE");
}
END_TEST

Suite *
suite_text(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, time_precisions);
	tcase_add_test(tc, time_refused);
	tcase_add_test(tc, utf8_lengths);
	tcase_add_test(tc, json_escapes);
	tcase_add_test(tc, json_never_cuts);
	tcase_add_test(tc, statement_start);
	suite_add_tcase(s, tc);
	return s;
}
