/* row: the row record codec, every value type and its edges, the builder's bounds, the
 * reader's checks, and the text forms jcat shows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "row.h"
#include "unit.h"

static struct jrow_value
ival(int64_t i)
{
	return (struct jrow_value){ .tag = JROW_INTEGER, .i = i };
}

static struct jrow_value
rval(double r)
{
	return (struct jrow_value){ .tag = JROW_REAL, .r = r };
}

static struct jrow_value
bval(uint8_t tag, const void *p, uint32_t len)
{
	return (struct jrow_value){ .tag = tag, .p = p, .len = len };
}

static void
col(struct jrow_builder *b, const char *name, struct jrow_value v)
{
	jrow_col(b, name, strlen(name), &v);
}

static uint64_t
bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, 8);
	return u;
}

/* Every tag, with the edge values of the issue: they read back bit for bit. */
START_TEST(every_type_round_trips)
{
	static const uint8_t blob[] = { 0, 1, 0xff, 0x80 };
	double reals[] = { 0.1 + 0.2, 1e308, INFINITY, -INFINITY, NAN, -0.0, 5e-324, 0 };
	int64_t ints[] = { INT64_MIN, INT64_MAX, 0, -1, 1 };
	struct jrow_builder b;
	struct jrow_reader rd;
	struct jrow_change c;
	struct jrow_cols it;
	struct jrow_col cl;
	struct jerr e;
	size_t k;

	jrow_builder_init(&b, 0);
	ck_assert_int_eq(jrow_start(&b, 7, 9), 0);
	jrow_change(&b, JROW_UPDATE, "main", 4, "t", 1);
	col(&b, "id", ival(42));
	jrow_row(&b);
	for (k = 0; k < sizeof ints / sizeof ints[0]; k++)
		col(&b, "i", ival(ints[k]));
	for (k = 0; k < sizeof reals / sizeof reals[0]; k++)
		col(&b, "r", rval(reals[k]));
	col(&b, "t", bval(JROW_TEXT, "a\0b\xff\n'", 6));
	col(&b, "e", bval(JROW_TEXT, "", 0));
	col(&b, "b", bval(JROW_BLOB, blob, sizeof blob));
	col(&b, "n", bval(JROW_NUMERIC, "-12.340", 7));
	col(&b, "ts", bval(JROW_TIMESTAMP, "2026-11-30 12:00:00.123456+00", 29));
	col(&b, "yes", (struct jrow_value){ .tag = JROW_BOOLEAN, .i = 1 });
	col(&b, "no", (struct jrow_value){ .tag = JROW_BOOLEAN, .i = 0 });
	col(&b, "z", (struct jrow_value){ .tag = JROW_NULL });
	col(&b, "u", (struct jrow_value){ .tag = JROW_UNCHANGED });
	ck_assert_int_eq(jrow_end(&b, &e), 0);

	ck_assert_int_eq(jrow_open(&rd, b.buf, b.len, &e), 0);
	ck_assert_uint_eq(rd.first, 7);
	ck_assert_uint_eq(rd.last, 9);
	ck_assert_int_eq(jrow_next(&rd, &c, &e), 1);
	ck_assert_uint_eq(c.op, JROW_UPDATE);
	ck_assert(c.slen == 4 && memcmp(c.schema, "main", 4) == 0);
	ck_assert(c.tlen == 1 && c.table[0] == 't');
	ck_assert_uint_eq(c.nkey, 1);
	jrow_key(&c, &it);
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
	ck_assert(cl.nlen == 2 && memcmp(cl.name, "id", 2) == 0);
	ck_assert_int_eq(cl.v.i, 42);
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 0);
	jrow_cols(&c, &it);
	for (k = 0; k < sizeof ints / sizeof ints[0]; k++) {
		ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
		ck_assert_uint_eq(cl.v.tag, JROW_INTEGER);
		ck_assert(cl.v.i == ints[k]);
	}
	for (k = 0; k < sizeof reals / sizeof reals[0]; k++) {
		ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
		ck_assert_uint_eq(cl.v.tag, JROW_REAL);
		ck_assert_uint_eq(bits(cl.v.r), bits(reals[k]));
	}
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
	ck_assert(cl.v.tag == JROW_TEXT && cl.v.len == 6 && memcmp(cl.v.p, "a\0b\xff\n'", 6) == 0);
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
	ck_assert(cl.v.tag == JROW_TEXT && cl.v.len == 0);
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
	ck_assert(cl.v.tag == JROW_BLOB && cl.v.len == 4 && memcmp(cl.v.p, blob, 4) == 0);
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
	ck_assert(cl.v.tag == JROW_NUMERIC && cl.v.len == 7 && memcmp(cl.v.p, "-12.340", 7) == 0);
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
	ck_assert(cl.v.tag == JROW_TIMESTAMP && cl.v.len == 29);
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
	ck_assert(cl.v.tag == JROW_BOOLEAN && cl.v.i == 1);
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
	ck_assert(cl.v.tag == JROW_BOOLEAN && cl.v.i == 0);
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
	ck_assert_uint_eq(cl.v.tag, JROW_NULL);
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 1);
	ck_assert_uint_eq(cl.v.tag, JROW_UNCHANGED);
	ck_assert_int_eq(jrow_cols_next(&it, &cl), 0);
	ck_assert_int_eq(jrow_next(&rd, &c, &e), 0);
	jrow_builder_free(&b);
}
END_TEST

/* The bytes of man/jmirror.5, for a delete and a statement. */
START_TEST(encoding_is_the_specified_one)
{
	static const uint8_t want[] = {
		1, 0, 0, 0, 0, 0, 0, 0,  2, 0, 0, 0, 0, 0, 0, 0,    /* first 1, last 2 */
		3,                                                  /* delete */
		0, 0,  1, 0, 't',                                   /* no schema, table t */
		1, 0,  2, 0, 'i', 'd',  1, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0, 0,                                               /* no row */
		4,  3, 0, 0, 0, 'S', 'Q', 'L',                      /* sql */
	};
	struct jrow_builder b;
	struct jerr e;

	jrow_builder_init(&b, 0);
	jrow_start(&b, 0, 0);
	jrow_change(&b, JROW_DELETE, "", 0, "t", 1);
	col(&b, "id", ival(-2));
	ck_assert_int_eq(jrow_end(&b, &e), 0);
	jrow_sql(&b, "SQL", 3);
	ck_assert_int_eq(jrow_end(&b, &e), 0);
	jrow_position(&b, 1, 2);
	ck_assert_uint_eq(b.len, sizeof want);
	ck_assert(memcmp(b.buf, want, sizeof want) == 0);
	jrow_builder_free(&b);
}
END_TEST

/* Malformed changes are refused by jrow_end and leave the record as it was. */
START_TEST(builder_refuses_malformed)
{
	struct jrow_value two = { .tag = JROW_BOOLEAN, .i = 2 }, un = { .tag = JROW_UNCHANGED };
	struct jrow_builder b;
	struct jerr e;
	size_t len;

	jrow_builder_init(&b, 0);
	jrow_start(&b, 0, 0);
	len = b.len;
	jrow_change(&b, JROW_INSERT, "", 0, "t", 1);
	jrow_row(&b);
	col(&b, "a", ival(1));
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	ck_assert_str_eq(e.msg, "a change without a key");
	ck_assert_uint_eq(b.len, len);
	jrow_change(&b, JROW_INSERT, "", 0, "t", 1);
	col(&b, "a", ival(1));
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	ck_assert_str_eq(e.msg, "an insert or update without its row");
	jrow_change(&b, JROW_DELETE, "", 0, "t", 1);
	col(&b, "a", ival(1));
	jrow_row(&b);
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	ck_assert_str_eq(e.msg, "a delete has no row");
	jrow_change(&b, JROW_UPDATE, "", 0, "t", 1);
	jrow_col(&b, "a", 1, &un);
	jrow_row(&b);
	col(&b, "a", ival(1));
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	ck_assert_str_eq(e.msg, "an unchanged value outside the row of an update");
	jrow_change(&b, JROW_INSERT, "", 0, "t", 1);
	col(&b, "a", ival(1));
	jrow_row(&b);
	jrow_col(&b, "a", 1, &un);
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	jrow_change(&b, JROW_INSERT, "", 0, "", 0);
	col(&b, "a", ival(1));
	jrow_row(&b);
	col(&b, "a", ival(1));
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	ck_assert_str_eq(e.msg, "bad table name");
	jrow_change(&b, JROW_INSERT, "", 0, "t", 1);
	jrow_col(&b, "a\0b", 3, &two);
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	ck_assert_str_eq(e.msg, "bad column name");
	jrow_change(&b, JROW_DELETE, "", 0, "t", 1);
	jrow_col(&b, "a", 1, &two);
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	ck_assert_str_eq(e.msg, "a boolean is 0 or 1");
	jrow_change(&b, 9, "", 0, "t", 1);
	col(&b, "a", ival(1));
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	ck_assert_str_eq(e.msg, "no change begun");
	ck_assert_uint_eq(b.len, len);
	jrow_change(&b, JROW_DELETE, "", 0, "t", 1);       /* never ended */
	col(&b, "a", ival(1));
	jrow_sql(&b, "x", 1);
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	ck_assert_str_eq(e.msg, "a change begun before the last one ended");
	ck_assert_uint_eq(b.len, len);
	/* and a good change still goes in after all that */
	jrow_change(&b, JROW_DELETE, "", 0, "t", 1);
	col(&b, "a", ival(1));
	ck_assert_int_eq(jrow_end(&b, &e), 0);
	ck_assert_uint_gt(b.len, len);
	jrow_builder_free(&b);
}
END_TEST

/* A change that passes the limit is taken out whole: 1 when the record has others, -1
 * when it alone is larger than a record; the buffer never grows past the limit. */
START_TEST(builder_is_bounded)
{
	static char big[300];
	struct jrow_builder b;
	struct jerr e;
	size_t len;
	int rc, n = 0;

	memset(big, 'x', sizeof big);
	jrow_builder_init(&b, 200);
	jrow_start(&b, 0, 0);
	do {
		len = b.len;
		jrow_change(&b, JROW_INSERT, "", 0, "t", 1);
		col(&b, "id", ival(n));
		jrow_row(&b);
		col(&b, "v", bval(JROW_TEXT, big, 40));
		rc = jrow_end(&b, &e);
		n += rc == 0;
	} while (rc == 0);
	ck_assert_int_eq(rc, 1);
	ck_assert_uint_eq(b.len, len);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_le(b.cap, 200);
	jrow_start(&b, 0, 0);
	jrow_change(&b, JROW_INSERT, "", 0, "t", 1);
	col(&b, "id", ival(1));
	jrow_row(&b);
	col(&b, "v", bval(JROW_BLOB, big, sizeof big));
	ck_assert_int_eq(jrow_end(&b, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "a change larger than a whole record (184 bytes at most)");
	ck_assert_uint_eq(b.len, JROW_POSITIONS);
	ck_assert_uint_le(b.cap, 200);
	jrow_builder_free(&b);
}
END_TEST

/* A small record with two changes, for the reader's tests. */
static size_t
sample(uint8_t *out, size_t size)
{
	struct jrow_builder b;
	struct jerr e;
	size_t n;

	jrow_builder_init(&b, 0);
	jrow_start(&b, 3, 4);
	jrow_change(&b, JROW_INSERT, "s", 1, "t", 1);
	col(&b, "id", ival(1));
	jrow_row(&b);
	col(&b, "id", ival(1));
	col(&b, "v", bval(JROW_TEXT, "hello", 5));
	col(&b, "n", bval(JROW_NUMERIC, "1.5", 3));
	col(&b, "ok", (struct jrow_value){ .tag = JROW_BOOLEAN, .i = 1 });
	ck_assert_int_eq(jrow_end(&b, &e), 0);
	jrow_change(&b, JROW_DELETE, "", 0, "t", 1);
	col(&b, "id", ival(2));
	ck_assert_int_eq(jrow_end(&b, &e), 0);
	ck_assert_uint_le(b.len, size);
	memcpy(out, b.buf, b.len);
	n = b.len;
	jrow_builder_free(&b);
	return n;
}

/* Read all of p; the number of changes, or -1 when refused. */
static int
read_all(const uint8_t *p, size_t len, struct jerr *e)
{
	struct jrow_reader rd;
	struct jrow_change c;
	int n = 0, rc;

	if (jrow_open(&rd, p, len, e) < 0)
		return -1;
	while ((rc = jrow_next(&rd, &c, e)) == 1)
		n++;
	return rc < 0 ? -1 : n;
}

/* Every cut of a record is refused except at a change's end; no byte read beyond it
 * (each cut is copied to a buffer of its exact size, for the sanitizers). */
START_TEST(reader_checks_every_length)
{
	uint8_t p[256];
	size_t len = sample(p, sizeof p), cut;
	struct jerr e;
	int whole = 0;

	ck_assert_int_eq(read_all(p, len, &e), 2);
	for (cut = 0; cut < len; cut++) {
		uint8_t *q = malloc(cut + 1);
		int rc;

		memcpy(q, p, cut);
		rc = read_all(q, cut, &e);
		if (rc >= 0)
			whole++;
		else
			ck_assert_int_eq(e.code, EX_DATAERR);
		free(q);
	}
	ck_assert_int_eq(whole, 2);     /* positions only, and the first change alone */
	/* every byte changed to every value: refused or read, never past the end */
	for (size_t i = 0; i < len; i++)
		for (int v = 0; v < 256; v++) {
			uint8_t *q = malloc(len);
			memcpy(q, p, len);
			q[i] = (uint8_t)v;
			(void)read_all(q, len, &e);
			free(q);
		}
}
END_TEST

static void
refused(const uint8_t *p, size_t len, const char *msg)
{
	struct jerr e;

	ck_assert_int_eq(read_all(p, len, &e), -1);
	ck_assert_str_eq(e.msg, msg);
}

START_TEST(reader_refuses)
{
	uint8_t p[256], q[256];
	size_t len = sample(p, sizeof p);

	refused(p, 15, "row record offset 0: shorter than its positions");
	memcpy(q, p, len);
	q[0] = 9;                                 /* first 9 > last 4 */
	refused(q, len, "row record offset 0: first position above the last");
	memcpy(q, p, len);
	q[16] = 5;
	refused(q, len, "row record offset 16: unknown operation");
	memcpy(q, p, len);
	q[16] = JROW_DELETE;                      /* the insert as a delete: it has a row */
	refused(q, len, "row record offset 16: a delete with a row");
	memcpy(q, p, len);
	q[17 + 3 + 3 + 2 + 4] = 9;                /* the key's value tag */
	refused(q, len, "row record offset 16: unknown value tag");
	memcpy(q, p, len);
	q[20] = 0;                                /* the table name: "" */
	refused(q, len, "row record offset 16: empty name");
	memcpy(q, p, len);
	q[22] = 0;                                /* the table name: "\0" */
	refused(q, len, "row record offset 16: name holds a NUL byte");
	static const uint8_t keyless[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	                                   3, 0, 0, 1, 0, 't', 0, 0, 0, 0 };
	refused(keyless, sizeof keyless, "row record offset 16: a change without a key");
	static const uint8_t unkey[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	                                 3, 0, 0, 1, 0, 't', 1, 0, 1, 0, 'k', 8, 0, 0 };
	refused(unkey, sizeof unkey, "row record offset 16: unchanged value outside the row "
	    "of an update");
	static const uint8_t boolean[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	                                   3, 0, 0, 1, 0, 't', 1, 0, 1, 0, 'k', 7, 2, 0, 0 };
	refused(boolean, sizeof boolean, "row record offset 16: boolean neither 0 nor 1");
	static const uint8_t numeric[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	                                   3, 0, 0, 1, 0, 't', 1, 0, 1, 0, 'k', 5, 1, 0, 0, 0,
	                                   '"', 0, 0 };
	refused(numeric, sizeof numeric, "row record offset 16: numeric value is not a number");
}
END_TEST

static int
to_buf(void *arg, const char *s, size_t n)
{
	char *b = arg;
	size_t have = strlen(b);

	if (have + n >= 4096)
		return -1;
	memcpy(b + have, s, n);
	b[have + n] = '\0';
	return 0;
}

static void
shows(const struct jrow_change *c, int json, const char *want)
{
	char buf[4096] = "";

	ck_assert_int_eq(jrow_text(c, json, to_buf, buf), 0);
	ck_assert_str_eq(buf, want);
}

START_TEST(text_forms)
{
	static const uint8_t blob[] = { 0, 0xab };
	struct jrow_builder b;
	struct jrow_reader rd;
	struct jrow_change c;
	struct jerr e;

	jrow_builder_init(&b, 0);
	jrow_start(&b, 0, 0);
	jrow_change(&b, JROW_UPDATE, "main", 4, "my t", 4);
	col(&b, "id", ival(-5));
	jrow_row(&b);
	col(&b, "id", ival(6));
	col(&b, "a", rval(0.1 + 0.2));
	col(&b, "b", rval(1e308));
	col(&b, "c", rval(-INFINITY));
	col(&b, "d", rval(NAN));
	col(&b, "e", rval(-0.0));
	col(&b, "f", rval(3));
	col(&b, "t", bval(JROW_TEXT, "it's\n\xff\\", 7));
	col(&b, "x", bval(JROW_BLOB, blob, 2));
	col(&b, "n", bval(JROW_NUMERIC, "1.50", 4));
	col(&b, "ts", bval(JROW_TIMESTAMP, "2026-01-01", 10));
	col(&b, "ok", (struct jrow_value){ .tag = JROW_BOOLEAN, .i = 0 });
	col(&b, "z", (struct jrow_value){ .tag = JROW_NULL });
	col(&b, "u", (struct jrow_value){ .tag = JROW_UNCHANGED });
	ck_assert_int_eq(jrow_end(&b, &e), 0);
	jrow_sql(&b, "ALTER TABLE t ADD c", 19);
	ck_assert_int_eq(jrow_end(&b, &e), 0);
	jrow_change(&b, JROW_DELETE, "", 0, "t", 1);
	col(&b, "k", bval(JROW_TEXT, "\xc3\xa9", 2));
	ck_assert_int_eq(jrow_end(&b, &e), 0);

	ck_assert_int_eq(jrow_open(&rd, b.buf, b.len, &e), 0);
	ck_assert_int_eq(jrow_next(&rd, &c, &e), 1);
	shows(&c, 0, "update main.\"my t\" (id=-5) -> (id=6, a=0.30000000000000004, b=1e+308, "
	    "c=-Inf, d=NaN, e=-0.0, f=3.0, t='it''s\\x0a\\xff\\\\', x=x'00ab', n=1.50::numeric, "
	    "ts='2026-01-01'::timestamp, ok=false, z=NULL, u=unchanged)");
	shows(&c, 1, "{\"op\":\"update\",\"schema\":\"main\",\"table\":\"my t\",\"key\":{\"id\":-5},"
	    "\"row\":{\"id\":6,\"a\":0.30000000000000004,\"b\":1e+308,\"c\":{\"real\":\"-Infinity\"},"
	    "\"d\":{\"real\":\"NaN\"},\"e\":-0.0,\"f\":3.0,\"t\":{\"text_hex\":\"69742773"
	    "0aff5c\"},\"x\":{\"blob\":\"00ab\"},\"n\":{\"numeric\":\"1.50\"},\"ts\":"
	    "{\"timestamp\":\"2026-01-01\"},\"ok\":false,\"z\":null,\"u\":{\"unchanged\":true}}}");
	ck_assert_int_eq(jrow_next(&rd, &c, &e), 1);
	shows(&c, 0, "sql 'ALTER TABLE t ADD c'");
	shows(&c, 1, "{\"op\":\"sql\",\"sql\":\"ALTER TABLE t ADD c\"}");
	ck_assert_int_eq(jrow_next(&rd, &c, &e), 1);
	shows(&c, 0, "delete t (k='\xc3\xa9')");
	shows(&c, 1, "{\"op\":\"delete\",\"schema\":\"\",\"table\":\"t\",\"key\":{\"k\":\"\xc3\xa9\"}}");
	ck_assert_int_eq(jrow_op_parse("delete"), JROW_DELETE);
	ck_assert_int_eq(jrow_op_parse("upsert"), -1);
	jrow_builder_free(&b);
}
END_TEST

/* One value alone, encoded and decoded by the rule of row records (for check records). */
START_TEST(single_values)
{
	struct jrow_value in[] = {
		{ .tag = JROW_NULL }, { .tag = JROW_INTEGER, .i = -7 }, { .tag = JROW_REAL, .r = -0.0 },
		{ .tag = JROW_TEXT, .p = (const uint8_t *)"ab", .len = 2 },
		{ .tag = JROW_BLOB, .p = NULL, .len = 0 }, { .tag = JROW_BOOLEAN, .i = 1 },
		{ .tag = JROW_UNCHANGED },
	};
	size_t want[] = { 1, 9, 9, 7, 5, 2, 1 };
	struct jrow_value bad = { .tag = JROW_BOOLEAN, .i = 2 }, out;
	uint8_t buf[32];
	struct jerr e;

	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		ck_assert_uint_eq(jrow_value_size(&in[i]), want[i]);
		ck_assert_uint_eq(jrow_value_encode(&in[i], buf), want[i]);
		ck_assert_int_eq(jrow_value_decode(buf, want[i], &out, &e), (ssize_t)want[i]);
		ck_assert_uint_eq(out.tag, in[i].tag);
		ck_assert(out.i == in[i].i && out.len == in[i].len);
		ck_assert_uint_eq(bits(out.r), bits(in[i].r));
		if (want[i] > 1)
			ck_assert_int_eq(jrow_value_decode(buf, want[i] - 1, &out, &e), -1);
	}
	ck_assert_uint_eq(buf[0], JROW_UNCHANGED);
	jrow_value_encode(&in[3], buf);
	ck_assert(memcmp(buf, "\x03\x02\0\0\0ab", 7) == 0);
	ck_assert_uint_eq(jrow_value_size(&bad), 0);
	buf[0] = 99;
	ck_assert_int_eq(jrow_value_decode(buf, 1, &out, &e), -1);
	ck_assert_str_eq(e.msg, "value: unknown value tag");
}
END_TEST

Suite *
suite_row(void)
{
	Suite *s = suite_create("row");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, every_type_round_trips);
	tcase_add_test(tc, encoding_is_the_specified_one);
	tcase_add_test(tc, builder_refuses_malformed);
	tcase_add_test(tc, builder_is_bounded);
	tcase_add_test(tc, reader_checks_every_length);
	tcase_add_test(tc, reader_refuses);
	tcase_add_test(tc, text_forms);
	tcase_add_test(tc, single_values);
	suite_add_tcase(s, tc);
	return s;
}
