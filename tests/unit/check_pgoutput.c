/* pgoutput: pgoutput's messages taken apart, damage refused, values exact by type. */
#include <math.h>
#include <string.h>

#include "pgoutput.h"
#include "unit.h"

/* A message written by hand: 'b' a byte, 'h' 16 bits, 'w' 32 bits, 'q' 64 bits, 's' a string
 * with its NUL, 'x' raw bytes (length then pointer). */
struct msg {
	uint8_t b[512];
	size_t  n;
};

static void
put(struct msg *m, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		m->b[m->n++] = (uint8_t)(v >> (8 * i));
}

static void
puts_(struct msg *m, const char *s)
{
	memcpy(m->b + m->n, s, strlen(s) + 1);
	m->n += strlen(s) + 1;
}

static void
text(struct msg *m, const char *s)
{
	put(m, 't', 1);
	put(m, strlen(s), 4);
	memcpy(m->b + m->n, s, strlen(s));
	m->n += strlen(s);
}

START_TEST(begin_commit)
{
	struct msg m = { .n = 0 };
	struct jpgo_msg g;
	struct jerr e;

	put(&m, 'B', 1); put(&m, 0x100000028ull, 8); put(&m, 7, 8); put(&m, 42, 4);
	ck_assert_int_eq(jpgo_parse(m.b, m.n, &g, &e), 0);
	ck_assert_int_eq(g.kind, JPGO_BEGIN);
	ck_assert_uint_eq(g.lsn, 0x100000028ull);
	ck_assert_uint_eq(g.xid, 42);
	ck_assert_int_eq(jpgo_parse(m.b, m.n - 1, &g, &e), -1);      /* cut short */
	ck_assert_int_eq(e.code, EX_DATAERR);
	m.n = 0;
	put(&m, 'C', 1); put(&m, 0, 1); put(&m, 0x28, 8); put(&m, 0x58, 8); put(&m, 9, 8);
	ck_assert_int_eq(jpgo_parse(m.b, m.n, &g, &e), 0);
	ck_assert_uint_eq(g.lsn, 0x28);
	ck_assert_uint_eq(g.end_lsn, 0x58);
	put(&m, 0, 1);
	ck_assert_int_eq(jpgo_parse(m.b, m.n, &g, &e), -1);          /* a byte too many */
	m.b[0] = 'Z';
	ck_assert_int_eq(jpgo_parse(m.b, 1, &g, &e), -1);            /* unknown */
	ck_assert_int_eq(jpgo_parse(m.b, 0, &g, &e), -1);
}
END_TEST

START_TEST(relation)
{
	struct msg m = { .n = 0 };
	struct jpgo_msg g;
	struct jpgo_col c;
	struct jerr e;

	put(&m, 'R', 1); put(&m, 16384, 4); puts_(&m, "public"); puts_(&m, "t"); put(&m, 'd', 1);
	put(&m, 2, 2);
	put(&m, 1, 1); puts_(&m, "id"); put(&m, JPGO_INT8, 4); put(&m, (uint32_t)-1, 4);
	put(&m, 0, 1); puts_(&m, "v"); put(&m, 25, 4); put(&m, (uint32_t)-1, 4);
	ck_assert_int_eq(jpgo_parse(m.b, m.n, &g, &e), 0);
	ck_assert_uint_eq(g.relid, 16384);
	ck_assert_str_eq(g.nspname, "public");
	ck_assert_str_eq(g.relname, "t");
	ck_assert_int_eq(jpgo_col_next(&g.cols, &c), 1);
	ck_assert_str_eq(c.name, "id");
	ck_assert_int_eq(c.key, 1);
	ck_assert_uint_eq(c.typoid, JPGO_INT8);
	ck_assert_int_eq(c.typmod, -1);
	ck_assert_int_eq(jpgo_col_next(&g.cols, &c), 1);
	ck_assert_str_eq(c.name, "v");
	ck_assert_int_eq(c.key, 0);
	ck_assert_int_eq(jpgo_col_next(&g.cols, &c), 0);
	for (size_t n = 1; n < m.n; n++)                     /* every cut is refused */
		ck_assert_int_eq(jpgo_parse(m.b, n, &g, &e), -1);
	m.b[m.n - 10] = 1;                                  /* "v" loses its NUL: damage */
	ck_assert_int_eq(jpgo_parse(m.b, m.n - 9, &g, &e), -1);
}
END_TEST

START_TEST(changes)
{
	struct msg m = { .n = 0 };
	struct jpgo_msg g;
	struct jpgo_datum d;
	struct jerr e;

	/* an update whose key changed: the old key, then the new row with an unchanged TOAST */
	put(&m, 'U', 1); put(&m, 16384, 4);
	put(&m, 'K', 1); put(&m, 3, 2); text(&m, "1"); put(&m, 'n', 1); put(&m, 'n', 1);
	put(&m, 'N', 1); put(&m, 3, 2); text(&m, "2"); put(&m, 'u', 1); put(&m, 'n', 1);
	ck_assert_int_eq(jpgo_parse(m.b, m.n, &g, &e), 0);
	ck_assert_int_eq(g.oldt.kind, 'K');
	ck_assert_int_eq(g.newt.kind, 'N');
	ck_assert_int_eq(jpgo_datum_next(&g.oldt, &d), 1);
	ck_assert_int_eq(d.kind, 't');
	ck_assert_int_eq(d.len, 1);
	ck_assert_int_eq(d.p[0], '1');
	ck_assert_int_eq(jpgo_datum_next(&g.newt, &d), 1);
	ck_assert_int_eq(jpgo_datum_next(&g.newt, &d), 1);
	ck_assert_int_eq(d.kind, 'u');
	ck_assert_int_eq(jpgo_datum_next(&g.newt, &d), 1);
	ck_assert_int_eq(d.kind, 'n');
	ck_assert_int_eq(jpgo_datum_next(&g.newt, &d), 0);
	for (size_t n = 1; n < m.n; n++)
		ck_assert_int_eq(jpgo_parse(m.b, n, &g, &e), -1);
	/* a text longer than the message */
	m.n = 0;
	put(&m, 'I', 1); put(&m, 1, 4); put(&m, 'N', 1); put(&m, 1, 2); put(&m, 't', 1);
	put(&m, 0xffffffff, 4);
	ck_assert_int_eq(jpgo_parse(m.b, m.n, &g, &e), -1);
	/* a delete names its key */
	m.n = 0;
	put(&m, 'D', 1); put(&m, 1, 4); put(&m, 'N', 1); put(&m, 0, 2);
	ck_assert_int_eq(jpgo_parse(m.b, m.n, &g, &e), -1);
	m.b[5] = 'K';
	ck_assert_int_eq(jpgo_parse(m.b, m.n, &g, &e), 0);
	ck_assert_int_eq(g.oldt.kind, 'K');
}
END_TEST

START_TEST(message_truncate)
{
	struct msg m = { .n = 0 };
	struct jpgo_msg g;
	struct jerr e;

	put(&m, 'M', 1); put(&m, 1, 1); put(&m, 0x99, 8); puts_(&m, "jmirror.check");
	put(&m, 3, 4); memcpy(m.b + m.n, "abc", 3); m.n += 3;
	ck_assert_int_eq(jpgo_parse(m.b, m.n, &g, &e), 0);
	ck_assert_int_eq(g.transactional, 1);
	ck_assert_str_eq(g.prefix, "jmirror.check");
	ck_assert_uint_eq(g.len, 3);
	ck_assert_int_eq(memcmp(g.content, "abc", 3), 0);
	m.n = 0;
	put(&m, 'T', 1); put(&m, 2, 4); put(&m, 0, 1); put(&m, 7, 4); put(&m, 9, 4);
	ck_assert_int_eq(jpgo_parse(m.b, m.n, &g, &e), 0);
	ck_assert_uint_eq(g.nrel, 2);
	ck_assert_uint_eq(jpgo_truncated(&g, 1), 9);
	ck_assert_int_eq(jpgo_parse(m.b, m.n - 1, &g, &e), -1);
}
END_TEST

static int
val(uint32_t typ, const char *s, struct jrow_value *v)
{
	static uint8_t buf[64];

	memcpy(buf, s, strlen(s));
	return jpgo_value(typ, buf, (uint32_t)strlen(s), v);
}

START_TEST(values)
{
	struct jrow_value v;
	double d;
	uint64_t bits, want;

	ck_assert_int_eq(val(JPGO_INT8, "-9223372036854775808", &v), 0);
	ck_assert_int_eq(v.tag, JROW_INTEGER);
	ck_assert(v.i == INT64_MIN);
	ck_assert_int_eq(val(JPGO_INT8, "9223372036854775808", &v), -1);   /* out of range */
	ck_assert_int_eq(val(JPGO_INT4, "12x", &v), -1);
	ck_assert_int_eq(val(JPGO_INT2, "", &v), -1);
	ck_assert_int_eq(val(JPGO_FLOAT8, "0.1", &v), 0);
	ck_assert_int_eq(v.tag, JROW_REAL);
	ck_assert(v.r == 0.1);
	ck_assert_int_eq(val(JPGO_FLOAT4, "0.1", &v), 0);     /* float4 widened exactly */
	ck_assert(v.r == (double)0.1f);
	ck_assert_int_eq(val(JPGO_FLOAT8, "NaN", &v), 0);
	ck_assert(isnan(v.r));
	ck_assert_int_eq(val(JPGO_FLOAT8, "-Infinity", &v), 0);
	ck_assert(isinf(v.r) && v.r < 0);
	ck_assert_int_eq(val(JPGO_FLOAT8, "-0", &v), 0);
	d = -0.0;
	memcpy(&want, &d, 8);
	memcpy(&bits, &v.r, 8);
	ck_assert_uint_eq(bits, want);
	ck_assert_int_eq(val(JPGO_FLOAT8, "4.9406564584124654e-324", &v), 0);
	ck_assert(v.r == 4.9406564584124654e-324);
	ck_assert_int_eq(val(JPGO_FLOAT8, "1.5x", &v), -1);
	ck_assert_int_eq(val(JPGO_BOOL, "t", &v), 0);
	ck_assert_int_eq(v.tag, JROW_BOOLEAN);
	ck_assert_int_eq(v.i, 1);
	ck_assert_int_eq(val(JPGO_BOOL, "x", &v), -1);
	ck_assert_int_eq(val(JPGO_BYTEA, "\\x00fF", &v), 0);
	ck_assert_int_eq(v.tag, JROW_BLOB);
	ck_assert_uint_eq(v.len, 2);
	ck_assert_int_eq(v.p[0], 0);
	ck_assert_int_eq(v.p[1], 0xff);
	ck_assert_int_eq(val(JPGO_BYTEA, "\\x", &v), 0);
	ck_assert_uint_eq(v.len, 0);
	ck_assert_int_eq(val(JPGO_BYTEA, "\\x0", &v), -1);
	ck_assert_int_eq(val(JPGO_BYTEA, "\\000", &v), -1);      /* escape output: refused */
	ck_assert_int_eq(val(JPGO_NUMERIC, "-12.340", &v), 0);
	ck_assert_int_eq(v.tag, JROW_NUMERIC);
	ck_assert_int_eq(v.len, 7);
	ck_assert_int_eq(val(JPGO_TIMESTAMPTZ, "2026-11-30 12:00:00+00", &v), 0);
	ck_assert_int_eq(v.tag, JROW_TIMESTAMP);
	ck_assert_int_eq(val(JPGO_DATE, "infinity", &v), 0);
	ck_assert_int_eq(v.tag, JROW_TIMESTAMP);
	ck_assert_int_eq(val(25, "é€", &v), 0);
	ck_assert_int_eq(v.tag, JROW_TEXT);
	ck_assert_int_eq(val(3802, "{\"a\": 1}", &v), 0);      /* jsonb: its text */
	ck_assert_int_eq(v.tag, JROW_TEXT);
}
END_TEST

Suite *
suite_pgoutput(void)
{
	Suite *s = suite_create("pgoutput");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, begin_commit);
	tcase_add_test(tc, relation);
	tcase_add_test(tc, changes);
	tcase_add_test(tc, message_truncate);
	tcase_add_test(tc, values);
	suite_add_tcase(s, tc);
	return s;
}
