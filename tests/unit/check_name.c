/* name: what a file is follows from its name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "unit.h"

static int
kind(const char *base)
{
	struct jname n;

	return jname_parse(base, &n);
}

START_TEST(segments)
{
	struct jname n;

	ck_assert_int_eq(jname_parse("db.0001-000000000001.journal", &n), JNAME_SEGMENT);
	ck_assert_str_eq(n.name, "db");
	ck_assert_uint_eq(n.timeline, 1);
	ck_assert_uint_eq(n.seq, 1);
	ck_assert_int_eq(n.comp, JCOMP_NONE);
	ck_assert_int_eq(jname_parse("my.orders.db.9999-999999999999.journal.zst", &n), JNAME_SEGMENT);
	ck_assert_str_eq(n.name, "my.orders.db");
	ck_assert_uint_eq(n.timeline, 9999);
	ck_assert_uint_eq(n.seq, 999999999999ull);
	ck_assert_int_eq(n.comp, JCOMP_ZSTD);
	ck_assert_int_eq(jname_parse("x.0002-000000000042.journal.gz", &n), JNAME_SEGMENT);
	ck_assert_int_eq(n.comp, JCOMP_GZIP);
	ck_assert_int_eq(jname_parse("x.0002-000000000042.journal.xz", &n), JNAME_SEGMENT);
	ck_assert_int_eq(n.comp, JCOMP_XZ);
	/* a NAME that itself looks like a segment's stem */
	ck_assert_int_eq(jname_parse("a.0001-000000000001.0001-000000000002.journal", &n), JNAME_SEGMENT);
	ck_assert_str_eq(n.name, "a.0001-000000000001");
	ck_assert_uint_eq(n.seq, 2);
}
END_TEST

START_TEST(live)
{
	struct jname n;

	ck_assert_int_eq(jname_parse("db.journal", &n), JNAME_LIVE);
	ck_assert_str_eq(n.name, "db");
	ck_assert_int_eq(jname_parse("my.db.journal", &n), JNAME_LIVE);
	ck_assert_str_eq(n.name, "my.db");
	ck_assert_int_eq(jname_parse("db-2024.journal", &n), JNAME_LIVE);
	ck_assert_int_eq(jname_parse("x.journal", &n), JNAME_LIVE);
}
END_TEST

START_TEST(others)
{
	static const char *bad[] = {
		"", ".journal", ".db.journal", ".db.0001-000000000001.journal",   /* dot files */
		".db.journal.lock", ".db.0001-000000000001.journal.tmp.42",
		"db.journal.zst", "db.journal.gz",                    /* a live journal is never compressed */
		"db.001-000000000001.journal", "db.00001-000000000001.journal",   /* widths */
		"db.0001-00000000001.journal", "db.0001-0000000000001.journal",
		"db.1-1.journal", "db.0000-000000000001.journal",     /* zero fields */
		"db.0001-000000000000.journal", "db.0001-000000000001.journal.bz2",
		"db.0001-000000000001.journal.", "db.0001-000000000001.jour",
		"a/b.journal", "journal", "db.JOURNAL",
		"db.0001-000000000001.journal.zst.zst", "db.journal.journal.gz",
	};
	char longname[400];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(kind(bad[i]) == JNAME_OTHER, "%s is not ours", bad[i]);
	memset(longname, 'a', sizeof longname);
	strcpy(longname + 300, ".journal");
	ck_assert_int_eq(kind(longname), JNAME_OTHER);
	/* an odd NAME, but a live journal: ".0001-..." needs a NAME before it */
	ck_assert_int_eq(kind("0001-000000000001.journal"), JNAME_LIVE);
}
END_TEST

START_TEST(build)
{
	char buf[256];
	struct jname n;

	ck_assert_int_eq(jname_segment(buf, sizeof buf, "db", 1, 1, JCOMP_NONE), 0);
	ck_assert_str_eq(buf, "db.0001-000000000001.journal");
	ck_assert_int_eq(jname_segment(buf, sizeof buf, "o.db", 12, 345678, JCOMP_XZ), 0);
	ck_assert_str_eq(buf, "o.db.0012-000000345678.journal.xz");
	ck_assert_int_eq(jname_parse(buf, &n), JNAME_SEGMENT);
	ck_assert_uint_eq(n.seq, 345678);
	errno = 0;
	ck_assert_int_eq(jname_segment(buf, sizeof buf, "db", 0, 1, 0), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(jname_segment(buf, sizeof buf, "db", 10000, 1, 0), -1);
	ck_assert_int_eq(jname_segment(buf, sizeof buf, "db", 1, 0, 0), -1);
	ck_assert_int_eq(jname_segment(buf, sizeof buf, "db", 1, JNAME_MAX_SEQ + 1, 0), -1);
	ck_assert_int_eq(jname_segment(buf, 20, "db", 1, 1, 0), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	ck_assert_int_eq(jname_aux(buf, sizeof buf, "/j/db.journal", "lock"), 0);
	ck_assert_str_eq(buf, "/j/.db.journal.lock");
	ck_assert_int_eq(jname_aux(buf, sizeof buf, "db.journal", "lock"), 0);
	ck_assert_str_eq(buf, "./.db.journal.lock");
	ck_assert_int_eq(jname_aux(buf, 8, "/j/db.journal", "lock"), -1);
	ck_assert_str_eq(jcomp_suffix(JCOMP_ZSTD), ".zst");
	ck_assert_str_eq(jcomp_name(JCOMP_GZIP), "gzip");
	ck_assert_str_eq(jcomp_suffix(99), "");
}
END_TEST

START_TEST(valid)
{
	ck_assert(jname_valid("db"));
	ck_assert(jname_valid("orders.db"));
	ck_assert(jname_valid("a-1"));
	ck_assert(!jname_valid(""));
	ck_assert(!jname_valid(".db"));
	ck_assert(!jname_valid("a/b"));
	ck_assert(!jname_valid("db.0001-000000000001"));
	ck_assert(!jname_valid("db.1-2"));          /* would be neither segment nor live */
	ck_assert(!jname_valid("db.0000-000000000000"));
	ck_assert(!jname_valid("a\nb"));           /* would print as two lines */
	ck_assert(!jname_valid("a\tb"));
	ck_assert(!jname_valid("a\x01" "b"));
	ck_assert(!jname_valid("a\x7f" "b"));
	ck_assert(jname_valid("caf\xc3\xa9"));      /* UTF-8 is fine */
}
END_TEST

/* A name shaped as a segment or a live journal whose NAME breaks the rule is nobody's. */
START_TEST(bad_names)
{
	static const char *bad[] = {
		"a\nb.0001-000000000001.journal", "a\nb.0001-000000000001.journal.zst",
		"\ndb.journal", "db\r.0001-000000000002.journal", "d\x1b[2Jb.journal",
		"db\x7f.0001-000000000001.journal",
	};
	struct jname n;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(jname_parse(bad[i], &n), JNAME_OTHER);
		ck_assert_int_eq(n.bad, 1);
		ck_assert_str_eq(n.name, "");
	}
	ck_assert_int_eq(jname_parse("notes.txt\n", &n), JNAME_OTHER);   /* not shaped as ours */
	ck_assert_int_eq(n.bad, 0);
	ck_assert_int_eq(jname_parse("db.0001-000000000001.journal", &n), JNAME_SEGMENT);
	ck_assert_int_eq(n.bad, 0);
}
END_TEST

START_TEST(check_and_quote)
{
	struct jname n;
	struct jerr e;
	char buf[64];

	jname_parse("db.0001-000000000099.journal", &n);
	ck_assert_int_eq(jname_check(&n, 1, 99, &e), 0);
	ck_assert_int_eq(jname_check(&n, 1, 1, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "the name says timeline 1 seq 99, the header timeline 1 seq 1: "
	    "renamed or damaged");
	ck_assert_int_eq(jname_check(&n, 2, 99, &e), -1);
	jname_parse("db.journal", &n);
	ck_assert_int_eq(jname_check(&n, 7, 7, &e), 0);             /* a live name says nothing */
	ck_assert_str_eq(jname_quote("a\nb\tc\\d\x01" "e", buf, sizeof buf), "a\\nb\\tc\\\\d\\x01e");
	ck_assert_str_eq(jname_quote("abcdef", buf, 4), "abc");
	ck_assert_str_eq(jname_quote("ab\n", buf, 4), "ab");       /* never half an escape */
}
END_TEST

static int
cmp_names(const void *a, const void *b)
{
	struct jname x, y;

	jname_parse(*(char *const *)a, &x);
	jname_parse(*(char *const *)b, &y);
	return jname_cmp(&x, &y);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* String order of the names is (timeline, seq) order. */
START_TEST(order)
{
	char *v[] = {
		"db.0002-000000000010.journal", "db.0001-000000000002.journal",
		"db.0001-000000000010.journal", "db.0010-000000000001.journal",
		"db.0001-000000000009.journal", "db.0002-000000000003.journal",
		"db.0001-100000000000.journal",
	};
	char *w[sizeof v / sizeof v[0]];
	size_t n = sizeof v / sizeof v[0];

	memcpy(w, v, sizeof v);
	qsort(v, n, sizeof v[0], cmp_str);
	qsort(w, n, sizeof w[0], cmp_names);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(v[i], w[i]);
	ck_assert_str_eq(v[0], "db.0001-000000000002.journal");
	ck_assert_str_eq(v[n - 1], "db.0010-000000000001.journal");
}
END_TEST

Suite *
suite_name(void)
{
	Suite *s = suite_create("name");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, segments);
	tcase_add_test(tc, live);
	tcase_add_test(tc, others);
	tcase_add_test(tc, build);
	tcase_add_test(tc, valid);
	tcase_add_test(tc, bad_names);
	tcase_add_test(tc, check_and_quote);
	tcase_add_test(tc, order);
	suite_add_tcase(s, tc);
	return s;
}
