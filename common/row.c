/*
 * row: the row record payload of man/jmirror.5 (ROW RECORDS), built and read.
 *
 * Invariants:
 * - The builder MUST NOT grow its buffer beyond its limit, whatever it is given: a change
 *   that would pass the limit is taken out whole, and the record stays as it was before it.
 * - What the builder accepts, the reader accepts, and reads back to the same values (the
 *   unit tests and tests/fuzz/fuzz_row.c hold both sides to it).
 * - The reader MUST check every count, length and tag against the bytes left before it
 *   uses them, and MUST check a whole change before it returns it, so that the column
 *   iterators that follow cannot fail and no damaged record is half applied.
 * - Values are exact: integers as i64, reals as their 8 bytes, text and blobs as bytes.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "row.h"
#include "text.h"

enum { ST_NONE, ST_KEY, ST_ROW, ST_SQL };

/* ---- building ---- */

void
jrow_builder_init(struct jrow_builder *b, size_t limit)
{
	memset(b, 0, sizeof *b);
	b->limit = limit && limit < JFMT_MAX_PAYLOAD ? limit : JFMT_MAX_PAYLOAD;
	if (b->limit < JROW_POSITIONS)
		b->limit = JROW_POSITIONS;
}

void
jrow_builder_free(struct jrow_builder *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

static int
reserve(struct jrow_builder *b, size_t need)
{
	size_t c = b->cap ? b->cap : 4096;
	uint8_t *nb;

	if (need <= b->cap)
		return 0;
	while (c < need)
		c *= 2;
	if (c > b->limit)
		c = b->limit;
	if (!(nb = realloc(b->buf, c)))
		return -1;
	b->buf = nb;
	b->cap = c;
	return 0;
}

/* The open change is malformed: remember the first reason. */
static void
bad(struct jrow_builder *b, const char *why)
{
	if (!b->err.code)
		jerr_set(&b->err, EX_DATAERR, "%s", why);
}

static void
put(struct jrow_builder *b, const void *p, size_t n)
{
	if (b->over || b->err.code || n == 0)
		return;
	if (n > b->limit - b->len) {
		b->over = 1;
		return;
	}
	if (reserve(b, b->len + n) < 0) {
		jerr_sys(&b->err, EX_OSERR, "out of memory");
		return;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void
put_u16(struct jrow_builder *b, uint16_t v)
{
	uint8_t x[2];

	jfmt_put16(x, v);
	put(b, x, 2);
}

static void
put_u32(struct jrow_builder *b, uint32_t v)
{
	uint8_t x[4];

	jfmt_put32(x, v);
	put(b, x, 4);
}

static void
put_name(struct jrow_builder *b, const char *s, size_t n, int empty_ok, const char *what)
{
	if ((n == 0 && !empty_ok) || n > UINT16_MAX || (n && memchr(s, 0, n)))
		bad(b, what);
	put_u16(b, (uint16_t)n);
	put(b, s, n);
}

int
jrow_start(struct jrow_builder *b, uint64_t first, uint64_t last)
{
	b->len = 0;
	b->state = ST_NONE;
	b->over = 0;
	memset(&b->err, 0, sizeof b->err);
	if (reserve(b, JROW_POSITIONS) < 0)
		return -1;
	b->len = JROW_POSITIONS;
	jrow_position(b, first, last);
	return 0;
}

void
jrow_position(struct jrow_builder *b, uint64_t first, uint64_t last)
{
	jfmt_put64(b->buf, first);
	jfmt_put64(b->buf + 8, last);
}

/* A change begun while the last one is open: the open one is taken out, and the new one
 * fails at jrow_end, so that the record holds neither. */
static void
unended(struct jrow_builder *b)
{
	b->len = b->mark;
	b->over = 0;
	bad(b, "a change begun before the last one ended");
}

/* Open a section's column count, to be filled in by close_section. */
static void
open_section(struct jrow_builder *b, int state)
{
	b->state = state;
	b->nat = b->len;
	b->n = 0;
	put_u16(b, 0);
}

static void
close_section(struct jrow_builder *b)
{
	if (!b->over && !b->err.code)
		jfmt_put16(b->buf + b->nat, b->n);
}

void
jrow_change(struct jrow_builder *b, uint8_t op, const char *schema, size_t slen,
    const char *table, size_t tlen)
{
	if (b->state != ST_NONE)
		unended(b);
	else
		b->mark = b->len;
	b->op = op;
	if (op < JROW_INSERT || op > JROW_DELETE)
		bad(b, "bad operation");
	put(b, &op, 1);
	put_name(b, schema, slen, 1, "bad schema name");
	put_name(b, table, tlen, 0, "bad table name");
	open_section(b, ST_KEY);
}

/*
 * The fixed part of v's encoding (tag, then the integer, the real's bits, the boolean or the
 * length) in head; its size, or 0 when v cannot be encoded (an unknown tag, a boolean
 * neither 0 nor 1). The bytes of text, blobs, numerics and timestamps follow it.
 */
static size_t
value_head(const struct jrow_value *v, uint8_t *head)
{
	uint64_t bits;

	head[0] = v->tag;
	switch (v->tag) {
	case JROW_NULL:
	case JROW_UNCHANGED:
		return 1;
	case JROW_INTEGER:
		jfmt_put64(head + 1, (uint64_t)v->i);
		return 9;
	case JROW_REAL:
		memcpy(&bits, &v->r, 8);
		jfmt_put64(head + 1, bits);
		return 9;
	case JROW_BOOLEAN:
		head[1] = (uint8_t)v->i;
		return v->i == 0 || v->i == 1 ? 2 : 0;
	case JROW_TEXT:
	case JROW_BLOB:
	case JROW_NUMERIC:
	case JROW_TIMESTAMP:
		jfmt_put32(head + 1, v->len);
		return 5;
	}
	return 0;
}

static int
has_bytes(uint8_t tag)
{
	return tag == JROW_TEXT || tag == JROW_BLOB || tag == JROW_NUMERIC || tag == JROW_TIMESTAMP;
}

static void
put_value(struct jrow_builder *b, const struct jrow_value *v)
{
	uint8_t head[JROW_VALUE_HEAD];
	size_t n = value_head(v, head);

	if (n == 0) {
		bad(b, v->tag == JROW_BOOLEAN ? "a boolean is 0 or 1" : "bad value tag");
		return;
	}
	put(b, head, n);
	if (has_bytes(v->tag))
		put(b, v->p, v->len);
}

size_t
jrow_value_size(const struct jrow_value *v)
{
	uint8_t head[JROW_VALUE_HEAD];
	size_t n = value_head(v, head);

	return n && has_bytes(v->tag) ? n + v->len : n;
}

size_t
jrow_value_encode(const struct jrow_value *v, uint8_t *out)
{
	size_t n = value_head(v, out);

	if (n && has_bytes(v->tag) && v->len)
		memcpy(out + n, v->p, v->len);
	return n && has_bytes(v->tag) ? n + v->len : n;
}

void
jrow_col(struct jrow_builder *b, const char *name, size_t nlen, const struct jrow_value *v)
{
	if (b->state != ST_KEY && b->state != ST_ROW)
		bad(b, "a column outside a change");
	else if (b->n == UINT16_MAX)
		bad(b, "too many columns");
	if (v->tag == JROW_UNCHANGED && (b->state != ST_ROW || b->op != JROW_UPDATE))
		bad(b, "an unchanged value outside the row of an update");
	put_name(b, name, nlen, 0, "bad column name");
	put_value(b, v);
	b->n++;
}

void
jrow_row(struct jrow_builder *b)
{
	if (b->state != ST_KEY)
		bad(b, "a row outside a change");
	else if (b->n == 0)
		bad(b, "a change without a key");
	else if (b->op == JROW_DELETE)
		bad(b, "a delete has no row");
	close_section(b);
	open_section(b, ST_ROW);
}

void
jrow_sql(struct jrow_builder *b, const char *sql, size_t len)
{
	uint8_t op = JROW_SQL;

	if (b->state != ST_NONE)
		unended(b);
	else
		b->mark = b->len;
	b->op = op;
	b->state = ST_SQL;
	if (len > UINT32_MAX)
		bad(b, "statement too long");
	put(b, &op, 1);
	put_u32(b, (uint32_t)len);
	put(b, sql, len);
}

/* The checks only the end of a change can make. */
static void
end_checks(struct jrow_builder *b)
{
	if (b->state == ST_NONE) {
		b->mark = b->len;
		bad(b, "no change begun");
		return;
	}
	if (b->state == ST_SQL)
		return;
	if (b->state == ST_KEY) {
		if (b->n == 0)
			bad(b, "a change without a key");
		else if (b->op != JROW_DELETE)
			bad(b, "an insert or update without its row");
		close_section(b);
		open_section(b, ST_ROW);        /* a delete's empty row */
	} else if (b->n == 0) {
		bad(b, "an empty row");
	}
	close_section(b);
}

int
jrow_end(struct jrow_builder *b, struct jerr *e)
{
	end_checks(b);
	b->state = ST_NONE;
	if (b->err.code || b->over) {
		int over = b->over && !b->err.code;

		b->len = b->mark;
		b->over = 0;
		if (!over) {
			if (e)
				*e = b->err;
			memset(&b->err, 0, sizeof b->err);
			return -1;
		}
		if (b->mark == JROW_POSITIONS)
			return jerr_set(e, EX_DATAERR, "a change larger than a whole record "
			    "(%zu bytes at most)", b->limit - JROW_POSITIONS);
		return 1;
	}
	return 0;
}

/* ---- reading ---- */

static int
damaged(const struct jrow_reader *rd, size_t at, const char *why, struct jerr *e)
{
	return jerr_set(e, EX_DATAERR, "row record offset %zu: %s", at, why);
}

int
jrow_open(struct jrow_reader *rd, const void *data, size_t len, struct jerr *e)
{
	rd->p = data;
	rd->len = len;
	rd->off = 0;
	if (len < JROW_POSITIONS)
		return damaged(rd, 0, "shorter than its positions", e);
	rd->first = jfmt_get64(rd->p);
	rd->last = jfmt_get64(rd->p + 8);
	if (rd->first > rd->last)
		return damaged(rd, 0, "first position above the last", e);
	rd->off = JROW_POSITIONS;
	return 0;
}

/* A cursor over the payload: take() hands out n bytes or says they are not there. */
struct cur {
	const uint8_t *p;
	size_t         off, len;
	const char    *why;
};

static const uint8_t *
take(struct cur *c, size_t n, const char *why)
{
	const uint8_t *q;

	if (c->why)
		return NULL;
	if (n > c->len - c->off) {
		c->why = why;
		return NULL;
	}
	q = c->p + c->off;
	c->off += n;
	return q;
}

static const char *
take_name(struct cur *c, uint16_t *n, int empty_ok)
{
	const uint8_t *q = take(c, 2, "name length runs past the end");
	const char *s;

	if (!q)
		return NULL;
	*n = jfmt_get16(q);
	if (!(s = (const char *)take(c, *n, "name runs past the end")))
		return NULL;
	if ((*n == 0 && !empty_ok) || memchr(s, 0, *n))
		c->why = *n ? "name holds a NUL byte" : "empty name";
	return c->why ? NULL : s;
}

static int
numeric_ok(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!strchr("0123456789+-.eE", p[i]) &&
		    !((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z'))
			return 0;
	return n > 0;
}

/* One value at the cursor into v (checked); 0 or -1 with c->why. */
static int
take_value(struct cur *c, struct jrow_value *v)
{
	const uint8_t *q = take(c, 1, "value runs past the end");

	if (!q)
		return -1;
	memset(v, 0, sizeof *v);
	v->tag = *q;
	switch (v->tag) {
	case JROW_NULL:
	case JROW_UNCHANGED:
		return 0;
	case JROW_INTEGER:
	case JROW_REAL:
		if (!(q = take(c, 8, "value runs past the end")))
			return -1;
		if (v->tag == JROW_INTEGER) {
			v->i = (int64_t)jfmt_get64(q);
		} else {
			uint64_t bits = jfmt_get64(q);
			memcpy(&v->r, &bits, 8);
		}
		return 0;
	case JROW_BOOLEAN:
		if (!(q = take(c, 1, "value runs past the end")))
			return -1;
		if (*q > 1)
			return c->why = "boolean neither 0 nor 1", -1;
		v->i = *q;
		return 0;
	case JROW_TEXT:
	case JROW_BLOB:
	case JROW_NUMERIC:
	case JROW_TIMESTAMP:
		if (!(q = take(c, 4, "value length runs past the end")))
			return -1;
		v->len = jfmt_get32(q);
		if (!(v->p = take(c, v->len, "value runs past the end")))
			return -1;
		if (v->tag == JROW_NUMERIC && !numeric_ok(v->p, v->len))
			return c->why = "numeric value is not a number", -1;
		return 0;
	}
	c->why = "unknown value tag";
	return -1;
}

/* n columns at the cursor; unchanged values only where allowed. */
static int
take_cols(struct cur *c, uint16_t n, int unchanged_ok)
{
	for (uint16_t i = 0; i < n; i++) {
		struct jrow_value v;
		uint16_t nl;

		if (!take_name(c, &nl, 0) || take_value(c, &v) < 0)
			return -1;
		if (v.tag == JROW_UNCHANGED && !unchanged_ok)
			return c->why = "unchanged value outside the row of an update", -1;
	}
	return 0;
}

static int
take_change(struct cur *c, struct jrow_change *ch)
{
	const uint8_t *q;

	if (!(ch->schema = take_name(c, &ch->slen, 1)) ||
	    !(ch->table = take_name(c, &ch->tlen, 0)) ||
	    !(q = take(c, 2, "key count runs past the end")))
		return -1;
	ch->nkey = jfmt_get16(q);
	ch->keys = c->p + c->off;
	if (ch->nkey == 0)
		return c->why = "a change without a key", -1;
	if (take_cols(c, ch->nkey, 0) < 0 || !(q = take(c, 2, "column count runs past the end")))
		return -1;
	ch->ncol = jfmt_get16(q);
	ch->cols = c->p + c->off;
	if (ch->op == JROW_DELETE ? ch->ncol != 0 : ch->ncol == 0)
		return c->why = ch->ncol ? "a delete with a row" : "an insert or update without "
		    "its row", -1;
	return take_cols(c, ch->ncol, ch->op == JROW_UPDATE);
}

int
jrow_next(struct jrow_reader *rd, struct jrow_change *ch, struct jerr *e)
{
	struct cur c = { .p = rd->p, .off = rd->off, .len = rd->len };
	const uint8_t *q;
	size_t at = rd->off;

	if (rd->off == rd->len)
		return 0;
	memset(ch, 0, sizeof *ch);
	q = take(&c, 1, "");
	ch->op = *q;
	if (ch->op == JROW_SQL) {
		if ((q = take(&c, 4, "statement length runs past the end"))) {
			ch->sqllen = jfmt_get32(q);
			ch->sql = (const char *)take(&c, ch->sqllen, "statement runs past the end");
		}
	} else if (ch->op >= JROW_INSERT && ch->op <= JROW_DELETE) {
		take_change(&c, ch);
	} else {
		c.why = "unknown operation";
	}
	if (c.why) {
		rd->off = rd->len;      /* a damaged record yields nothing more */
		return damaged(rd, at, c.why, e);
	}
	rd->off = c.off;
	return 1;
}

ssize_t
jrow_value_decode(const void *data, size_t len, struct jrow_value *v, struct jerr *e)
{
	struct cur c = { .p = data, .len = len };

	if (take_value(&c, v) < 0)
		return jerr_set(e, EX_DATAERR, "value: %s", c.why);
	return (ssize_t)c.off;
}

void
jrow_key(const struct jrow_change *c, struct jrow_cols *it)
{
	it->p = c->keys;
	it->n = c->op == JROW_SQL ? 0 : c->nkey;
}

void
jrow_cols(const struct jrow_change *c, struct jrow_cols *it)
{
	it->p = c->cols;
	it->n = c->op == JROW_SQL ? 0 : c->ncol;
}

int
jrow_cols_next(struct jrow_cols *it, struct jrow_col *col)
{
	struct cur c = { .p = it->p, .len = SIZE_MAX };

	if (it->n == 0)
		return 0;
	col->name = take_name(&c, &col->nlen, 0);
	take_value(&c, &col->v);
	it->p += c.off;
	it->n--;
	return 1;
}

const char *
jrow_op_name(uint8_t op)
{
	static const char *const names[] = { NULL, "insert", "update", "delete", "sql" };

	return op < sizeof names / sizeof names[0] ? names[op] : NULL;
}

int
jrow_op_parse(const char *s)
{
	for (int op = JROW_INSERT; op <= JROW_SQL; op++)
		if (strcmp(s, jrow_op_name((uint8_t)op)) == 0)
			return op;
	return -1;
}

/* ---- text forms ---- */

struct out {
	jrow_put_fn put;
	void       *arg;
	int         failed;
};

static void
out_n(struct out *o, const char *s, size_t n)
{
	if (!o->failed && n && o->put(o->arg, s, n) < 0)
		o->failed = 1;
}

static void
out_s(struct out *o, const char *s)
{
	out_n(o, s, strlen(s));
}

/* The shortest decimal form that reads back to the same double, with a ".0" where it
 * would look like an integer; NULL for NaN and infinities. */
static const char *
real_text(double r, char *buf, size_t size)
{
	if (isnan(r) || isinf(r))
		return NULL;
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, size, "%.*g", digits, r);
		if (strtod(buf, NULL) == r && (r != 0 || signbit(r) == (buf[0] == '-')))
			break;
	}
	if (!strpbrk(buf, ".e"))
		strncat(buf, ".0", size - strlen(buf) - 1);
	return buf;
}

static void
out_hex(struct out *o, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char buf[4096];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		buf[k++] = hx[p[i] >> 4];
		buf[k++] = hx[p[i] & 15];
		if (k == sizeof buf) {
			out_n(o, buf, k);
			k = 0;
		}
	}
	out_n(o, buf, k);
}

static void
out_json(struct out *o, const void *s, size_t n)
{
	char buf[4096];
	size_t used, k;

	out_s(o, "\"");
	for (const char *p = s; n > 0; p += used, n -= used) {
		k = jtext_json(p, n, &used, buf, sizeof buf);
		out_n(o, buf, k);
	}
	out_s(o, "\"");
}

static int
utf8_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0, u; i < n; i += u)
		if (!(u = p[i] < 0x80 ? 1 : jtext_utf8_len(p + i, n - i)))
			return 0;
	return 1;
}

/* Text between single quotes: '' for a quote, \\ for a backslash, \xHH for a control
 * byte or a byte that is not UTF-8, so that a line shows one change. */
static void
out_quoted(struct out *o, const uint8_t *p, size_t n)
{
	size_t i = 0, run = 0, u;
	char esc[8];

	out_s(o, "'");
	while (i + run < n) {
		const uint8_t *q = p + i + run;
		u = *q < 0x80 ? 1 : jtext_utf8_len(q, n - i - run);
		if (u && *q >= 0x20 && *q != 0x7f && *q != '\'' && *q != '\\') {
			run += u;
			continue;
		}
		out_n(o, (const char *)p + i, run);
		if (*q == '\'')
			out_s(o, "''");
		else if (*q == '\\')
			out_s(o, "\\\\");
		else {
			snprintf(esc, sizeof esc, "\\x%02x", *q);
			out_s(o, esc);
		}
		i += run + 1;
		run = 0;
	}
	out_n(o, (const char *)p + i, run);
	out_s(o, "'");
}

static void
value_text(struct out *o, const struct jrow_value *v)
{
	char buf[64];

	switch (v->tag) {
	case JROW_NULL: out_s(o, "NULL"); return;
	case JROW_UNCHANGED: out_s(o, "unchanged"); return;
	case JROW_BOOLEAN: out_s(o, v->i ? "true" : "false"); return;
	case JROW_INTEGER:
		snprintf(buf, sizeof buf, "%lld", (long long)v->i);
		out_s(o, buf);
		return;
	case JROW_REAL:
		out_s(o, real_text(v->r, buf, sizeof buf) ? buf : isnan(v->r) ? "NaN" :
		    v->r < 0 ? "-Inf" : "Inf");
		return;
	case JROW_TEXT: out_quoted(o, v->p, v->len); return;
	case JROW_BLOB:
		out_s(o, "x'");
		out_hex(o, v->p, v->len);
		out_s(o, "'");
		return;
	case JROW_NUMERIC:
		out_n(o, (const char *)v->p, v->len);
		out_s(o, "::numeric");
		return;
	case JROW_TIMESTAMP:
		out_quoted(o, v->p, v->len);
		out_s(o, "::timestamp");
		return;
	}
}

static void
value_json(struct out *o, const struct jrow_value *v)
{
	static const char *const wrap[] = { [JROW_BLOB] = "blob", [JROW_NUMERIC] = "numeric",
	                                    [JROW_TIMESTAMP] = "timestamp" };
	char buf[64];

	switch (v->tag) {
	case JROW_NULL: out_s(o, "null"); return;
	case JROW_UNCHANGED: out_s(o, "{\"unchanged\":true}"); return;
	case JROW_BOOLEAN: out_s(o, v->i ? "true" : "false"); return;
	case JROW_INTEGER:
		snprintf(buf, sizeof buf, "%lld", (long long)v->i);
		out_s(o, buf);
		return;
	case JROW_REAL:
		if (real_text(v->r, buf, sizeof buf))
			out_s(o, buf);
		else
			out_s(o, isnan(v->r) ? "{\"real\":\"NaN\"}" : v->r < 0 ?
			    "{\"real\":\"-Infinity\"}" : "{\"real\":\"Infinity\"}");
		return;
	case JROW_TEXT:
		if (utf8_ok(v->p, v->len)) {
			out_json(o, v->p, v->len);
			return;
		}
		out_s(o, "{\"text_hex\":\"");
		out_hex(o, v->p, v->len);
		out_s(o, "\"}");
		return;
	}
	out_s(o, "{\"");
	out_s(o, wrap[v->tag]);
	out_s(o, "\":");
	if (v->tag == JROW_BLOB) {
		out_s(o, "\"");
		out_hex(o, v->p, v->len);
		out_s(o, "\"");
	} else {
		out_json(o, v->p, v->len);
	}
	out_s(o, "}");
}

/* A name as is when it is a plain identifier, else between double quotes (SQL's). */
static void
name_text(struct out *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= '0' && s[i] <= '9' && i > 0) ||
		    ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
			break;
	if (i == n && n > 0) {
		out_n(o, s, n);
		return;
	}
	out_s(o, "\"");
	for (i = 0; i < n; i++)
		out_n(o, s[i] == '"' ? "\"\"" : s + i, s[i] == '"' ? 2 : 1);
	out_s(o, "\"");
}

static void
cols_text(struct out *o, struct jrow_cols *it, int json)
{
	struct jrow_col col;

	out_s(o, json ? "{" : "(");
	for (int first = 1; jrow_cols_next(it, &col); first = 0) {
		if (!first)
			out_s(o, json ? "," : ", ");
		if (json) {
			out_json(o, col.name, col.nlen);
			out_s(o, ":");
			value_json(o, &col.v);
		} else {
			name_text(o, col.name, col.nlen);
			out_s(o, "=");
			value_text(o, &col.v);
		}
	}
	out_s(o, json ? "}" : ")");
}

static void
change_json(struct out *o, const struct jrow_change *c)
{
	struct jrow_cols it;

	out_s(o, "{\"op\":\"");
	out_s(o, jrow_op_name(c->op));
	if (c->op == JROW_SQL) {
		out_s(o, "\",\"sql\":");
		out_json(o, c->sql, c->sqllen);
		out_s(o, "}");
		return;
	}
	out_s(o, "\",\"schema\":");
	out_json(o, c->schema, c->slen);
	out_s(o, ",\"table\":");
	out_json(o, c->table, c->tlen);
	out_s(o, ",\"key\":");
	jrow_key(c, &it);
	cols_text(o, &it, 1);
	if (c->op != JROW_DELETE) {
		out_s(o, ",\"row\":");
		jrow_cols(c, &it);
		cols_text(o, &it, 1);
	}
	out_s(o, "}");
}

static void
table_text(struct out *o, const struct jrow_change *c)
{
	if (c->slen) {
		name_text(o, c->schema, c->slen);
		out_s(o, ".");
	}
	name_text(o, c->table, c->tlen);
}

int
jrow_table_text(const struct jrow_change *c, jrow_put_fn fn, void *arg)
{
	struct out o = { .put = fn, .arg = arg };

	table_text(&o, c);
	return o.failed ? -1 : 0;
}

int
jrow_key_text(const struct jrow_change *c, jrow_put_fn fn, void *arg)
{
	struct out o = { .put = fn, .arg = arg };
	struct jrow_cols it;

	jrow_key(c, &it);
	cols_text(&o, &it, 0);
	return o.failed ? -1 : 0;
}

int
jrow_text(const struct jrow_change *c, int json, jrow_put_fn fn, void *arg)
{
	struct out o = { .put = fn, .arg = arg };
	struct jrow_cols it;

	if (json) {
		change_json(&o, c);
		return o.failed ? -1 : 0;
	}
	out_s(&o, jrow_op_name(c->op));
	out_s(&o, " ");
	if (c->op == JROW_SQL) {
		out_quoted(&o, (const uint8_t *)c->sql, c->sqllen);
		return o.failed ? -1 : 0;
	}
	table_text(&o, c);
	out_s(&o, " ");
	jrow_key(c, &it);
	cols_text(&o, &it, 0);
	if (c->op != JROW_DELETE) {
		out_s(&o, " -> ");
		jrow_cols(c, &it);
		cols_text(&o, &it, 0);
	}
	return o.failed ? -1 : 0;
}

/* A fixed buffer that text is cut to fit into, always NUL-terminated. */
struct cutbuf {
	char  *b;
	size_t size, n;
};

static int
cut_put(void *arg, const char *s, size_t n)
{
	struct cutbuf *t = arg;

	if (n > t->size - 1 - t->n)
		n = t->size - 1 - t->n;
	memcpy(t->b + t->n, s, n);
	t->n += n;
	t->b[t->n] = 0;
	return 0;
}

/* "table T, key K" of c, for messages. */
void
jrow_where(const struct jrow_change *c, struct jrow_where *w)
{
	struct cutbuf tab = { w->table, sizeof w->table, 0 };
	struct cutbuf key = { w->key, sizeof w->key, 0 };

	w->table[0] = w->key[0] = 0;
	jrow_table_text(c, cut_put, &tab);
	jrow_key_text(c, cut_put, &key);
}

int
jrow_refuse(const struct jrow_change *c, uint64_t lsn, const char *problem, const char *why,
    struct jerr *e)
{
	struct jrow_where w;

	jrow_where(c, &w);
	if (why)
		return jerr_set(e, EX_CONFIG, "LSN %llu: table %s, key %s: %s, and the repair "
		    "failed: %s", (unsigned long long)lsn, w.table, w.key, problem, why);
	return jerr_set(e, EX_CONFIG, "LSN %llu: table %s, key %s: %s: the mirror differs from "
	    "the primary (jintegrate --repair applies it anyway)", (unsigned long long)lsn,
	    w.table, w.key, problem);
}

void
jrow_repaired(const struct jrow_change *c, uint64_t lsn, const char *problem,
    const char *what, char *line, size_t size)
{
	struct jrow_where w;

	jrow_where(c, &w);
	snprintf(line, size, "LSN %llu: table %s, key %s: %s: %s: %s", (unsigned long long)lsn,
	    w.table, w.key, jrow_op_name(c->op), problem, what);
}
