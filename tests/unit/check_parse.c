/* parse: sizes and durations as operators write them. */
#include <errno.h>
#include <stdint.h>

#include "parse.h"
#include "unit.h"

static uint64_t
size(const char *s)
{
	uint64_t v = 0;

	ck_assert_msg(jparse_size(s, &v) == 0, "%s should parse", s);
	return v;
}

static uint64_t
dur(const char *s)
{
	uint64_t v = 0;

	ck_assert_msg(jparse_duration(s, &v) == 0, "%s should parse", s);
	return v;
}

static void
bad(int (*f)(const char *, uint64_t *), const char *s, int err)
{
	uint64_t v = 12345;

	errno = 0;
	ck_assert_msg(f(s, &v) == -1, "%s should not parse", s);
	ck_assert_msg(errno == err, "%s: errno %d, wanted %d", s, errno, err);
	ck_assert_uint_eq(v, 12345);
}

START_TEST(sizes)
{
	ck_assert_uint_eq(size("0"), 0);
	ck_assert_uint_eq(size("512"), 512);
	ck_assert_uint_eq(size("512B"), 512);
	ck_assert_uint_eq(size("4K"), 4096);
	ck_assert_uint_eq(size("4k"), 4096);
	ck_assert_uint_eq(size("64M"), 64ull << 20);
	ck_assert_uint_eq(size("64MiB"), 64ull << 20);
	ck_assert_uint_eq(size("1.5G"), 3ull << 29);
	ck_assert_uint_eq(size("2T"), 2ull << 40);
	ck_assert_uint_eq(size(".5K"), 512);
	ck_assert_uint_eq(size("15T"), 15ull << 40);
	ck_assert_uint_eq(size("18446744073709551615"), UINT64_MAX);
	bad(jparse_size, "", EINVAL);
	bad(jparse_size, "M", EINVAL);
	bad(jparse_size, "-1", EINVAL);
	bad(jparse_size, "+1", EINVAL);
	bad(jparse_size, " 1", EINVAL);
	bad(jparse_size, "1 ", EINVAL);
	bad(jparse_size, "1X", EINVAL);
	bad(jparse_size, "0x10", EINVAL);
	bad(jparse_size, "1e3", EINVAL);
	bad(jparse_size, ".", EINVAL);
	bad(jparse_size, "nan", EINVAL);
	bad(jparse_size, "inf", EINVAL);
	bad(jparse_size, "1.2.3", EINVAL);
	bad(jparse_size, "16777216T", ERANGE);
	bad(jparse_size, "18446744073709551616", ERANGE);
	bad(jparse_size, "99999999999999999999999999999999999999999", ERANGE);
}
END_TEST

START_TEST(durations)
{
	ck_assert_uint_eq(dur("90"), 90000000000ull);
	ck_assert_uint_eq(dur("90s"), 90000000000ull);
	ck_assert_uint_eq(dur("1.5s"), 1500000000ull);
	ck_assert_uint_eq(dur("100ms"), 100000000ull);
	ck_assert_uint_eq(dur("0.1s"), 100000000ull);
	ck_assert_uint_eq(dur("250us"), 250000ull);
	ck_assert_uint_eq(dur("7ns"), 7);
	ck_assert_uint_eq(dur("2m"), 120000000000ull);
	ck_assert_uint_eq(dur("2min"), 120000000000ull);
	ck_assert_uint_eq(dur("1h"), 3600000000000ull);
	ck_assert_uint_eq(dur("1d"), 86400000000000ull);
	ck_assert_uint_eq(dur("0"), 0);
	bad(jparse_duration, "", EINVAL);
	bad(jparse_duration, "s", EINVAL);
	bad(jparse_duration, "-1s", EINVAL);
	bad(jparse_duration, "1 s", EINVAL);
	bad(jparse_duration, "1S", EINVAL);
	bad(jparse_duration, "1y", EINVAL);
	bad(jparse_duration, "1h30m", EINVAL);
	bad(jparse_duration, "1e9ns", EINVAL);
	bad(jparse_duration, "300000d", ERANGE);
	bad(jparse_duration, "18446744074s", ERANGE);
}
END_TEST

START_TEST(u64)
{
	uint64_t v;

	ck_assert_int_eq(jparse_u64("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(jparse_u64("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	bad(jparse_u64, "18446744073709551616", ERANGE);
	bad(jparse_u64, "", EINVAL);
	bad(jparse_u64, "-1", EINVAL);
	bad(jparse_u64, "1k", EINVAL);
	bad(jparse_u64, " 1", EINVAL);
}
END_TEST

/* Printed durations read naturally and parse back to the same value. */
START_TEST(format)
{
	static const struct { uint64_t ns; const char *s; } v[] = {
		{ 0, "0ns" }, { 7, "7ns" }, { 1500, "1.5us" }, { 250000000, "250ms" },
		{ 1500000000, "1.5s" }, { 90000000000ull, "90s" }, { 120000000000ull, "2m" },
		{ 3600000000000ull, "1h" }, { 5400000000000ull, "90m" }, { 86400000000000ull, "1d" },
		{ 3601000000000ull, "3601s" }, { 100000000, "100ms" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		ck_assert_str_eq(jparse_fmt_duration(v[i].ns, buf, sizeof buf), v[i].s);
		ck_assert_uint_eq(dur(buf), v[i].ns);
	}
	ck_assert_str_eq(jparse_fmt_size(512, buf, sizeof buf), "512B");
	ck_assert_str_eq(jparse_fmt_size(64ull << 20, buf, sizeof buf), "64.0MiB");
	ck_assert_str_eq(jparse_fmt_size(1536, buf, sizeof buf), "1.5KiB");
}
END_TEST

Suite *
suite_parse(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sizes);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, u64);
	tcase_add_test(tc, format);
	suite_add_tcase(s, tc);
	return s;
}
