#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lock.h"
#include "shipq.h"
#include "unit.h"

START_TEST(ranges_merge)
{
	struct jshipq_state s = { 0 };
	uint32_t tl;
	uint64_t seq;

	ck_assert_int_eq(jshipq_newest(&s, &tl, &seq), 0);
	ck_assert_int_eq(jshipq_add(&s, 1, 3), 0);
	ck_assert_int_eq(jshipq_add(&s, 1, 1), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert(!jshipq_has(&s, 1, 2));       /* the hole of the report: 1 and 3, not 2 */
	ck_assert(jshipq_has(&s, 1, 1) && jshipq_has(&s, 1, 3));
	ck_assert_int_eq(jshipq_add(&s, 1, 2), 0);
	ck_assert_uint_eq(s.n, 1);             /* 1-3 in one run */
	ck_assert_uint_eq(s.r[0].first, 1);
	ck_assert_uint_eq(s.r[0].last, 3);
	ck_assert_int_eq(jshipq_add(&s, 1, 5), 0);
	ck_assert_int_eq(jshipq_add(&s, 2, 1), 0);
	ck_assert_int_eq(jshipq_add(&s, 1, 4), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert(!jshipq_has(&s, 1, 6));
	ck_assert(!jshipq_has(&s, 2, 2));
	ck_assert(!jshipq_has(&s, 3, 1));
	ck_assert(!jshipq_has(&s, 1, 0));
	ck_assert_int_eq(jshipq_newest(&s, &tl, &seq), 1);
	ck_assert_uint_eq(tl, 2);
	ck_assert_uint_eq(seq, 1);
	ck_assert_int_eq(jshipq_add(&s, 2, 1), 0);  /* again: no change */
	ck_assert_uint_eq(s.n, 2);
	jshipq_free(&s);
}
END_TEST

START_TEST(state_roundtrip)
{
	char *d = unit_tmpdir(), p1[600], p2[600];
	struct jshipq_state s = { 0 }, r, *v;
	struct jerr e = { 0, "" };
	size_t n, len;
	char *text;

	ck_assert_int_eq(jshipq_path(p1, sizeof p1, d, "db", "sftp://m1/in/", NULL), 0);
	ck_assert_int_eq(jshipq_path(p2, sizeof p2, d, "db", "sftp://m2/in/", NULL), 0);
	ck_assert_str_ne(p1, p2);
	ck_assert_int_eq(jshipq_read(p1, &r, &e), 0);
	ck_assert_uint_eq(r.n, 0);
	strcpy(s.url, "sftp://m1/in/");
	for (uint64_t q = 1; q <= 42; q++)
		if (q != 7)
			ck_assert_int_eq(jshipq_add(&s, 1, q), 0);
	ck_assert_int_eq(jshipq_write(p1, &s, &e), 0);
	text = unit_read_file(p1, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(len, strlen("jship-state 2\nurl sftp://m1/in/\nhas 1 1 6\nhas 1 8 42\n"));
	ck_assert(memcmp(text, "jship-state 2\nurl sftp://m1/in/\nhas 1 1 6\nhas 1 8 42\n", len) == 0);
	free(text);
	ck_assert_int_eq(jshipq_read(p1, &r, &e), 1);
	ck_assert_str_eq(r.url, "sftp://m1/in/");
	ck_assert(jshipq_has(&r, 1, 42));
	ck_assert(!jshipq_has(&r, 1, 7));
	ck_assert(!jshipq_has(&r, 1, 43));
	ck_assert(!jshipq_has(&r, 2, 1));
	jshipq_free(&r);
	ck_assert_int_eq(jshipq_states(d, "db", &v, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(jshipq_has(&v[0], 1, 8));
	jshipq_states_free(v, n);
	ck_assert_int_eq(unit_write_file(p2, "garbage\n", 8), 0);
	ck_assert_int_eq(jshipq_read(p2, &r, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(jshipq_states(d, "db", &v, &n, &e), -1);
	jshipq_free(&s);
	unit_rmrf(d);
	free(d);
}
END_TEST

START_TEST(parse_forms)
{
	struct jshipq_state s;
	struct jerr e = { 0, "" };

	/* version 1: the high-water mark vouches for its own segment only */
	ck_assert_int_eq(jshipq_parse("jship-state 1\nurl file:///a/\nacked 1 4\n", &s, &e), 0);
	ck_assert(jshipq_has(&s, 1, 4));
	ck_assert(!jshipq_has(&s, 1, 3));
	ck_assert(!jshipq_has(&s, 1, 1));
	jshipq_free(&s);
	ck_assert_int_eq(jshipq_parse("jship-state 1\nurl file:///a/\nacked 0 0\n", &s, &e), 0);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(jshipq_parse("jship-state 1\nurl file:///a/\n", &s, &e), -1);
	/* version 2: ranges in any order, overlapping, are merged */
	ck_assert_int_eq(jshipq_parse("jship-state 2\nurl u\nhas 1 5 9\nhas 1 1 3\nhas 1 4 6\n"
	    "has 2 1 1\n", &s, &e), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.r[0].first, 1);
	ck_assert_uint_eq(s.r[0].last, 9);
	jshipq_free(&s);
	ck_assert_int_eq(jshipq_parse("jship-state 2\nurl u\n", &s, &e), 0);
	ck_assert_uint_eq(s.n, 0);
	static const char *bad[] = {
		"jship-state 2\nhas 1 5 4\n", "jship-state 2\nhas 0 1 1\n",
		"jship-state 2\nhas 1 0 1\n", "jship-state 2\nhas 1 1\n",
		"jship-state 2\nhas 1 1 2 x\n", "jship-state 2\nhas 1 1 2", "jship-state 3\n",
		"jship-state 2\nacked 1 4\n", "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(jshipq_parse(bad[i], &s, &e) == -1, "accepted %s", bad[i]);
		ck_assert_int_eq(e.code, EX_DATAERR);
	}
}
END_TEST

/* The one queue definition: NAME's sealed segments, one per sequence (plain first,
 * compressed when alone), that the destination lacks. */
START_TEST(queue)
{
	char *d = unit_tmpdir(), p[600];
	static const char *names[] = {
		"db.0002-000000000001.journal", "db.0001-000000000010.journal.zst",
		"db.0001-000000000010.journal", "db.0001-000000000002.journal", "db.journal",
		".db.0001-000000000003.journal.part", "other.txt", "a.0001-000000000005.journal",
		"db.0001-000000000003.journal.xz", "db.0001-000000000001.journal",
	};
	struct jsegdir_ent *v;
	struct jshipq_state s = { 0 };
	struct jerr e = { 0, "" };
	char got[512] = "";
	size_t n, sealed = 0;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", d, names[i]);
		ck_assert_int_eq(unit_write_file(p, "x", 1), 0);
	}
	ck_assert_int_eq(jsegdir_list(d, &v, &n, &e), 0);
	ck_assert_int_eq(jshipq_add(&s, 1, 1), 0);
	ck_assert_int_eq(jshipq_add(&s, 1, 3), 0);
	for (size_t i = 0; i < n; i++) {
		sealed += (size_t)jshipq_pending(v, n, i, "db", NULL);
		if (jshipq_pending(v, n, i, "db", &s)) {
			strcat(got, v[i].base);
			strcat(got, " ");
		}
	}
	ck_assert_uint_eq(sealed, 5);
	ck_assert_str_eq(got, "db.0001-000000000002.journal db.0001-000000000010.journal "
	    "db.0002-000000000001.journal ");
	ck_assert_int_eq(jshipq_pending(v, n, n, "db", NULL), 0);
	jshipq_free(&s);
	free(v);
	unit_rmrf(d);
	free(d);
}
END_TEST

/* The longest NAME (215 bytes): the state file and its temporary fit in 255 bytes, and
 * two destinations' states (which differ only at their end) stay apart. */
START_TEST(long_name)
{
	char *d = unit_tmpdir(), name[216], p1[1024], p2[1024];
	struct jshipq_state s = { 0 }, r;
	struct jerr e = { 0, "" };

	memset(name, 'n', 215);
	name[215] = 0;
	ck_assert_int_eq(jshipq_path(p1, sizeof p1, d, name, "sftp://m1/in/", NULL), 0);
	ck_assert_int_eq(jshipq_path(p2, sizeof p2, d, name, "sftp://m2/in/", NULL), 0);
	ck_assert_int_eq(jshipq_add(&s, 1, 1), 0);
	ck_assert_msg(jshipq_write(p1, &s, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(jshipq_add(&s, 1, 2), 0);
	ck_assert_msg(jshipq_write(p2, &s, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(jshipq_read(p1, &r, &e), 1);
	ck_assert(!jshipq_has(&r, 1, 2));
	jshipq_free(&r);
	ck_assert_int_eq(jshipq_read(p2, &r, &e), 1);
	ck_assert(jshipq_has(&r, 1, 2));
	jshipq_free(&r);
	jshipq_free(&s);
	unit_rmrf(d);
	free(d);
}
END_TEST

/* Recording adds to what is there, never takes away; a held lock is "busy", not waited for. */
START_TEST(record)
{
	char *d = unit_tmpdir(), p[600], lp[600];
	struct jshipq_state had = { 0 }, r, v[2];
	struct jerr e = { 0, "" };
	int lfd;

	ck_assert_int_eq(jshipq_add(&had, 1, 1), 0);
	ck_assert_int_eq(jshipq_add(&had, 1, 3), 0);
	ck_assert_int_eq(jshipq_record(d, "db", "file:///a/", &had, 0, &e), 0);
	jshipq_free(&had);
	ck_assert_int_eq(jshipq_add(&had, 1, 2), 0);
	ck_assert_int_eq(jshipq_record(d, "db", "file:///a/", &had, 0, &e), 0);
	ck_assert_int_eq(jshipq_path(p, sizeof p, d, "db", "file:///a/", NULL), 0);
	ck_assert_int_eq(jshipq_read(p, &r, &e), 1);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(r.r[0].last, 3);
	ck_assert_str_eq(r.url, "file:///a/");
	jshipq_free(&r);
	ck_assert_int_eq(jshipq_path(lp, sizeof lp, d, "db", "file:///a/", ".lock"), 0);
	lfd = jlock_acquire(lp, JLOCK_NOWAIT, &e);
	ck_assert_int_ge(lfd, 0);
	jshipq_free(&had);
	ck_assert_int_eq(jshipq_add(&had, 1, 4), 0);
	ck_assert_int_eq(jshipq_record(d, "db", "file:///a/", &had, 0, &e), 1);   /* busy */
	ck_assert_int_eq(jshipq_read(p, &r, &e), 1);
	ck_assert(!jshipq_has(&r, 1, 4));
	jshipq_free(&r);
	ck_assert_int_eq(jshipq_record(d, "db", "file:///a/", &had, 1, &e), 0);   /* holder */
	jlock_close(lfd);
	ck_assert_int_eq(jshipq_read(p, &v[0], &e), 1);
	ck_assert(jshipq_has(&v[0], 1, 4));
	/* pruning: only what every destination has */
	memset(&v[1], 0, sizeof v[1]);
	ck_assert_int_eq(jshipq_add(&v[1], 1, 2), 0);
	ck_assert(jshipq_all_have(v, 2, 1, 2));
	ck_assert(!jshipq_all_have(v, 2, 1, 1));
	ck_assert(!jshipq_all_have(v, 2, 1, 5));
	ck_assert(jshipq_all_have(v, 1, 1, 1));
	jshipq_free(&v[0]);
	jshipq_free(&v[1]);
	jshipq_free(&had);
	unit_rmrf(d);
	free(d);
}
END_TEST

/* Random adds against a plain bitmap: membership, the canonical form (sorted, disjoint,
 * not adjacent) and the text round trip always agree. */
START_TEST(model)
{
	enum { TL = 3, SEQ = 64 };
	unsigned seed = 12345;

	for (int round = 0; round < 200; round++) {
		struct jshipq_state s = { 0 }, r;
		struct jerr e = { 0, "" };
		char text[8192];
		int have[TL + 1][SEQ + 1] = { { 0 } }, n = rand_r(&seed) % 120;
		size_t len;

		for (int i = 0; i < n; i++) {
			uint32_t tl = 1 + (uint32_t)(rand_r(&seed) % TL);
			uint64_t q = 1 + (uint64_t)(rand_r(&seed) % SEQ);
			ck_assert_int_eq(jshipq_add(&s, tl, q), 0);
			have[tl][q] = 1;
		}
		for (size_t i = 0; i + 1 < s.n; i++)
			ck_assert(s.r[i].timeline < s.r[i + 1].timeline ||
			    s.r[i].last + 1 < s.r[i + 1].first);
		len = (size_t)snprintf(text, sizeof text, "jship-state 2\nurl u\n");
		for (size_t i = s.n; i-- > 0;)         /* written backwards: still read right */
			len += (size_t)snprintf(text + len, sizeof text - len, "has %u %llu %llu\n",
			    s.r[i].timeline, (unsigned long long)s.r[i].first,
			    (unsigned long long)s.r[i].last);
		ck_assert_int_eq(jshipq_parse(text, &r, &e), 0);
		for (uint32_t tl = 1; tl <= TL + 1; tl++)
			for (uint64_t q = 1; q <= SEQ + 1; q++) {
				int want = tl <= TL && q <= SEQ && have[tl][q];
				ck_assert_int_eq(jshipq_has(&s, tl, q), want);
				ck_assert_int_eq(jshipq_has(&r, tl, q), want);
			}
		ck_assert_uint_eq(r.n, s.n);
		jshipq_free(&r);
		jshipq_free(&s);
	}
}
END_TEST

static int pruned, held;

static void
count_held(void *arg, const char *why)
{
	(void)arg;
	ck_assert_ptr_nonnull(strstr(why, "acknowledges receipt, not durability"));
	held++;
}

static void
count_removed(void *arg, const char *path)
{
	(void)arg; (void)path;
	pruned++;
}

static void
has_upto(const char *dir, const char *url, uint64_t last)
{
	struct jshipq_state s = { .n = 0 };
	struct jerr e = { 0, "" };
	char path[600];

	snprintf(s.url, sizeof s.url, "%s", url);
	for (uint64_t q = 1; q <= last; q++)
		ck_assert_int_eq(jshipq_add(&s, 1, q), 0);
	ck_assert_int_eq(jshipq_path(path, sizeof path, dir, "db", url, NULL), 0);
	ck_assert_int_eq(jshipq_write(path, &s, &e), 0);
	jshipq_free(&s);
}

static int
left(const char *dir, uint64_t seq)
{
	char p[600];

	snprintf(p, sizeof p, "%s/db.0001-%012llu.journal", dir, (unsigned long long)seq);
	return access(p, F_OK) == 0;
}

/* Only what every destination has goes, and never the keep newest sequences; a remote
 * receipt alone removes nothing unless keep_for says how long to wait. */
START_TEST(prune)
{
	char *d = unit_tmpdir(), p[600];
	struct jsegdir_ent *v;
	struct jerr e = { 0, "" };
	struct jshipq_prune pr = { .keep = 1, .removed = count_removed, .held = count_held };
	size_t n;

	for (int q = 1; q <= 5; q++) {
		snprintf(p, sizeof p, "%s/db.0001-%012d.journal", d, q);
		ck_assert_int_eq(unit_write_file(p, "x", 1), 0);
	}
	ck_assert_int_eq(jsegdir_list(d, &v, &n, &e), 0);
	pruned = 0;
	ck_assert_int_eq(jshipq_prune(d, "db", v, n, &pr), 0);     /* no destination yet */
	ck_assert_int_eq(pruned, 0);
	has_upto(d, "sftp://a/in/", 4);
	has_upto(d, "file:///b/in/", 3);
	held = 0;
	ck_assert_int_eq(jshipq_prune(d, "db", v, n, &pr), 1);     /* sftp: receipt only */
	ck_assert_int_eq(held, 1);
	ck_assert_int_eq(pruned, 0);
	pr.keep_for = 1;
	pr.keep_for_ns = 3600ull * 1000000000ull;                   /* all too young */
	ck_assert_int_eq(jshipq_prune(d, "db", v, n, &pr), 0);
	ck_assert_int_eq(pruned, 0);
	pr.keep_for_ns = 0;
	ck_assert_int_eq(jshipq_prune(d, "db", v, n, &pr), 0);
	ck_assert_int_eq(pruned, 3);
	ck_assert(!left(d, 1) && !left(d, 2) && !left(d, 3));
	ck_assert(left(d, 4) && left(d, 5));                        /* b lacks 4; 5 is kept */
	free(v);
	unit_rmrf(d);
	free(d);
}
END_TEST

Suite *
suite_shipq(void)
{
	Suite *s = suite_create("shipq");
	TCase *tc = tcase_create("shipq");

	tcase_add_test(tc, ranges_merge);
	tcase_add_test(tc, state_roundtrip);
	tcase_add_test(tc, parse_forms);
	tcase_add_test(tc, queue);
	tcase_add_test(tc, long_name);
	tcase_add_test(tc, record);
	tcase_add_test(tc, model);
	tcase_add_test(tc, prune);
	suite_add_tcase(s, tc);
	return s;
}
