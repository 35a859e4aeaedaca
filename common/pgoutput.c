/*
 * pgoutput: a decoder of pgoutput's logical replication messages (PostgreSQL's protocol
 * "Logical Replication Message Formats", version 1, values in text form) and the one
 * place where a PostgreSQL value's text becomes a row record value.
 *
 * Guarantees:
 * - jpgo_parse reads nothing outside data[0 .. len): every count, length and string is
 *   checked before use, and a message that fails a check is refused whole (EX_DATAERR),
 *   so that a later walk of its columns or tuples (jpgo_col_next, jpgo_datum_next) cannot
 *   fail. Strings are used in place: they MUST end with their NUL inside the message.
 * - jpgo_value is exact: an integer type becomes an integer, float4 and float8 a real
 *   with the same bits (float4 widened exactly; NaN, Infinity, -Infinity, -0 kept),
 *   numeric and the time types their text as the server printed it, bool a boolean,
 *   bytea (hex output) a blob; every other type its text as it is. A text that is not a
 *   value of its type is refused, never guessed at.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pgoutput.h"

struct rd {
	uint8_t *p, *end;
	const char *why;
};

static int
need(struct rd *r, size_t n, const char *what)
{
	if ((size_t)(r->end - r->p) < n) {
		r->why = what;
		return -1;
	}
	return 0;
}

static uint64_t
be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int
get(struct rd *r, int n, uint64_t *v, const char *what)
{
	if (need(r, (size_t)n, what) < 0)
		return -1;
	*v = be(r->p, n);
	r->p += n;
	return 0;
}

static int
str(struct rd *r, const char **s, const char *what)
{
	uint8_t *z = r->p < r->end ? memchr(r->p, 0, (size_t)(r->end - r->p)) : NULL;

	if (!z) {
		r->why = what;
		return -1;
	}
	*s = (const char *)r->p;
	r->p = z + 1;
	return 0;
}

/* A TupleData: checked, and t set to walk it. */
static int
tuple(struct rd *r, char kind, struct jpgo_tuple *t)
{
	uint64_t n, l, k;

	if (get(r, 2, &n, "tuple column count") < 0)
		return -1;
	t->p = r->p;
	t->n = (uint16_t)n;
	t->kind = kind;
	for (uint64_t i = 0; i < n; i++) {
		if (get(r, 1, &k, "tuple column kind") < 0)
			return -1;
		if (k == 'n' || k == 'u')
			continue;
		if (k != 't')
			return r->why = "tuple column of unknown kind", -1;
		if (get(r, 4, &l, "text length") < 0 || need(r, l, "text") < 0)
			return -1;
		r->p += l;
	}
	t->end = r->p;
	return 0;
}

static int
relation(struct rd *r, struct jpgo_msg *m)
{
	uint64_t v, n;
	const char *name;

	if (str(r, &m->nspname, "namespace") < 0 || str(r, &m->relname, "relation name") < 0 ||
	    get(r, 1, &v, "replica identity") < 0 || get(r, 2, &n, "column count") < 0)
		return -1;
	m->replident = (char)v;
	m->cols.p = r->p;
	m->cols.n = (uint16_t)n;
	for (uint64_t i = 0; i < n; i++)
		if (get(r, 1, &v, "column flags") < 0 || str(r, &name, "column name") < 0 ||
		    !*name || need(r, 8, "column type") < 0)
			return r->why ? -1 : (r->why = "empty column name", -1);
		else
			r->p += 8;
	m->cols.end = r->p;
	return 0;
}

/* Insert, Update, Delete after the relation id. */
static int
change(struct rd *r, struct jpgo_msg *m)
{
	uint64_t k;

	if (get(r, 1, &k, "tuple kind") < 0)
		return -1;
	if (m->kind != JPGO_INSERT && (k == 'K' || k == 'O')) {
		if (tuple(r, (char)k, &m->oldt) < 0)
			return -1;
		if (m->kind == JPGO_DELETE)
			return 0;
		if (get(r, 1, &k, "tuple kind") < 0)
			return -1;
	}
	if (m->kind == JPGO_DELETE)
		return r->why = "delete without its key", -1;
	if (k != 'N')
		return r->why = "a change without its new row", -1;
	return tuple(r, 'N', &m->newt);
}

static int
message(struct rd *r, struct jpgo_msg *m)
{
	uint64_t f, l;

	if (get(r, 1, &f, "message flags") < 0 || get(r, 8, &m->lsn, "message LSN") < 0 ||
	    str(r, &m->prefix, "message prefix") < 0 || get(r, 4, &l, "message length") < 0 ||
	    need(r, l, "message content") < 0)
		return -1;
	m->transactional = (int)(f & 1);
	m->content = r->p;
	m->len = (uint32_t)l;
	r->p += l;
	return 0;
}

static int
body(struct rd *r, struct jpgo_msg *m)
{
	uint64_t v, t;
	const char *s;

	switch (m->kind) {
	case JPGO_BEGIN:
		if (get(r, 8, &m->lsn, "final LSN") < 0 || get(r, 8, &t, "time") < 0 ||
		    get(r, 4, &v, "xid") < 0)
			return -1;
		m->xid = (uint32_t)v;
		return 0;
	case JPGO_COMMIT:
		return get(r, 1, &v, "flags") < 0 || get(r, 8, &m->lsn, "commit LSN") < 0 ||
		    get(r, 8, &m->end_lsn, "end LSN") < 0 || get(r, 8, &t, "time") < 0 ? -1 : 0;
	case JPGO_ORIGIN:
		return get(r, 8, &v, "origin LSN") < 0 || str(r, &s, "origin") < 0 ? -1 : 0;
	case JPGO_TYPE:
		return get(r, 4, &v, "type") < 0 || str(r, &s, "type namespace") < 0 ||
		    str(r, &s, "type name") < 0 ? -1 : 0;
	case JPGO_MESSAGE:
		return message(r, m);
	case JPGO_TRUNCATE:
		if (get(r, 4, &v, "relation count") < 0 || get(r, 1, &t, "options") < 0 ||
		    need(r, v * 4, "relation ids") < 0)
			return -1;
		m->nrel = (uint32_t)v;
		m->rels = r->p;
		r->p += v * 4;
		return 0;
	case JPGO_RELATION: case JPGO_INSERT: case JPGO_UPDATE: case JPGO_DELETE:
		if (get(r, 4, &v, "relation id") < 0)
			return -1;
		m->relid = (uint32_t)v;
		return m->kind == JPGO_RELATION ? relation(r, m) : change(r, m);
	default:
		return r->why = "unknown message", -1;
	}
}

int
jpgo_parse(uint8_t *data, size_t len, struct jpgo_msg *m, struct jerr *e)
{
	struct rd r = { data, data + len, NULL };

	memset(m, 0, sizeof *m);
	if (len < 1)
		return jerr_set(e, EX_DATAERR, "pgoutput: an empty message");
	m->kind = (char)*r.p++;
	if (body(&r, m) < 0)
		return jerr_set(e, EX_DATAERR, "pgoutput: '%c' message: %s", m->kind >= 32 &&
		    m->kind < 127 ? m->kind : '?', r.why ? r.why : "damaged");
	if (r.p != r.end)
		return jerr_set(e, EX_DATAERR, "pgoutput: '%c' message: %zu bytes after its end",
		    m->kind, (size_t)(r.end - r.p));
	return 0;
}

int
jpgo_col_next(struct jpgo_cols *it, struct jpgo_col *c)
{
	struct rd r = { (uint8_t *)it->p, (uint8_t *)it->end, NULL };
	uint64_t f, oid, mod;

	if (!it->n)
		return 0;
	if (get(&r, 1, &f, "") < 0 || str(&r, &c->name, "") < 0 || get(&r, 4, &oid, "") < 0 ||
	    get(&r, 4, &mod, "") < 0)
		return -1;
	c->key = (int)(f & 1);
	c->typoid = (uint32_t)oid;
	c->typmod = (int32_t)(uint32_t)mod;
	it->p = r.p;
	it->n--;
	return 1;
}

int
jpgo_datum_next(struct jpgo_tuple *it, struct jpgo_datum *d)
{
	struct rd r = { (uint8_t *)it->p, (uint8_t *)it->end, NULL };
	uint64_t k, l = 0;

	if (!it->n)
		return 0;
	if (get(&r, 1, &k, "") < 0)
		return -1;
	if (k == 't' && (get(&r, 4, &l, "") < 0 || need(&r, l, "") < 0))
		return -1;
	d->kind = (char)k;
	d->p = r.p;
	d->len = (uint32_t)l;
	it->p = r.p + l;
	it->n--;
	return 1;
}

uint32_t
jpgo_truncated(const struct jpgo_msg *m, uint32_t i)
{
	return i < m->nrel ? (uint32_t)be(m->rels + 4 * (size_t)i, 4) : 0;
}

/* ---- values ---- */

static int
integer(const uint8_t *p, uint32_t len, struct jrow_value *v)
{
	char buf[24], *end;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, p, len);
	buf[len] = 0;
	errno = 0;
	v->i = strtoll(buf, &end, 10);
	v->tag = JROW_INTEGER;
	return errno || *end ? -1 : 0;
}

/* float4 and float8 print the shortest text that reads back exactly (PostgreSQL 12 on),
 * or with extra_float_digits 3 enough digits: read as the type it was. */
static int
real(const uint8_t *p, uint32_t len, int single, struct jrow_value *v)
{
	char buf[64], *end;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, p, len);
	buf[len] = 0;
	v->tag = JROW_REAL;
	if (!strcmp(buf, "NaN"))
		v->r = NAN;
	else if (!strcmp(buf, "Infinity") || !strcmp(buf, "-Infinity"))
		v->r = buf[0] == '-' ? -INFINITY : INFINITY;
	else
		v->r = single ? (double)strtof(buf, &end) : strtod(buf, &end);
	return isnan(v->r) || isinf(v->r) || *end == 0 ? 0 : -1;
}

static int
hexval(uint8_t c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* bytea in hex output ("\x00ff"), decoded in place. */
static int
bytea(uint8_t *p, uint32_t len, struct jrow_value *v)
{
	uint32_t n = 0;

	if (len < 2 || p[0] != '\\' || p[1] != 'x' || len % 2)
		return -1;
	for (uint32_t i = 2; i < len; i += 2) {
		int hi = hexval(p[i]), lo = hexval(p[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		p[n++] = (uint8_t)(hi << 4 | lo);
	}
	v->tag = JROW_BLOB;
	v->p = p;
	v->len = n;
	return 0;
}

int
jpgo_value(uint32_t typoid, uint8_t *p, uint32_t len, struct jrow_value *v)
{
	memset(v, 0, sizeof *v);
	switch (typoid) {
	case JPGO_INT2: case JPGO_INT4: case JPGO_INT8:
		return integer(p, len, v);
	case JPGO_FLOAT4: case JPGO_FLOAT8:
		return real(p, len, typoid == JPGO_FLOAT4, v);
	case JPGO_BOOL:
		if (len != 1 || (p[0] != 't' && p[0] != 'f'))
			return -1;
		v->tag = JROW_BOOLEAN;
		v->i = p[0] == 't';
		return 0;
	case JPGO_BYTEA:
		return bytea(p, len, v);
	case JPGO_NUMERIC:
		v->tag = JROW_NUMERIC;
		break;
	case JPGO_DATE: case JPGO_TIMESTAMP: case JPGO_TIMESTAMPTZ:
		v->tag = JROW_TIMESTAMP;
		break;
	default:
		v->tag = JROW_TEXT;
		break;
	}
	v->p = p;
	v->len = len;
	return 0;
}
