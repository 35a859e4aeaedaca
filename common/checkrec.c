/*
 * checkrec: check records, taken on a primary and verified on a mirror (checkrec.h). The
 * format is man/jmirror.5's CHECK RECORDS.
 *
 * Invariants:
 * - A table's chunks MUST cover every row whose key holds no NULL exactly once: the first
 *   has no lower bound, each next one's lower bound is the previous one's upper bound (keys
 *   greater than it), the last has no upper bound. So a row the mirror has beyond the
 *   primary's last key, or before its first, falls in a chunk and is found.
 * - Taking and verifying MUST select a chunk's rows with the same statement (select_sql),
 *   and encode each value with the same rule (value_put), so that equal tables give equal
 *   digests whichever side computes them.
 * - Every chunk of one jcheck_take comes from one snapshot: one read transaction.
 * - jcheck_open MUST check every count, length, tag and reserved bit of a payload before
 *   anything of it is used; the iterators after it never read beyond the payload.
 * - Memory is bounded by one record and one row.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkrec.h"
#include "clock.h"
#include "fmt.h"
#include "grow.h"
#include "row.h"
#include "sqlite.h"

struct buf {
	uint8_t *p;
	size_t   len, cap;
};

static int
buf_put(struct buf *b, const void *p, size_t n)
{
	if (jgrow(&b->p, &b->cap, b->len + n, 1, 4096) < 0)
		return -1;
	if (n && p)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int
buf_u16(struct buf *b, uint16_t v)
{
	uint8_t x[2];

	jfmt_put16(x, v);
	return buf_put(b, x, 2);
}

static int
buf_name(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	return n > UINT16_MAX || buf_u16(b, (uint16_t)n) < 0 ? -1 : buf_put(b, s, n);
}

/* Append value i of src's row to out as a row record encodes it (row.h: the one rule); -1
 * when out of memory. */
static int
value_put(const struct jcheck_source *src, int i, struct buf *out)
{
	struct jrow_value v;
	size_t n;

	src->value(src->arg, i, &v);
	n = jrow_value_size(&v);
	if (buf_put(out, NULL, n) < 0)
		return -1;
	jrow_value_encode(&v, out->p + out->len - n);
	return 0;
}

/* What select_sql selects from: a table, its key and its columns, NUL-terminated. */
struct tinfo {
	char  *schema, *name;
	int    nkey, ncol;
	char **keys, **cols;
};

static void
tinfo_free(struct tinfo *t)
{
	for (int i = 0; t->keys && i < t->nkey; i++)
		free(t->keys[i]);
	for (int i = 0; t->cols && i < t->ncol; i++)
		free(t->cols[i]);
	free(t->keys);
	free(t->cols);
	free(t->schema);
	free(t->name);
	memset(t, 0, sizeof *t);
}

/* "("a", "b")" or the parameters "(?3, ?4)" when param is not 0. */
static void
row_value(sqlite3_str *s, char **names, int n, int param)
{
	sqlite3_str_appendchar(s, 1, '(');
	for (int i = 0; i < n; i++) {
		if (param)
			sqlite3_str_appendf(s, "%s?%d", i ? ", " : "", param + i);
		else
			sqlite3_str_appendf(s, "%s\"%w\"", i ? ", " : "", names[i]);
	}
	sqlite3_str_appendchar(s, 1, ')');
}

/*
 * The rows of a chunk, in key order: the columns, then the key. Lower bound: ?1..?nkey,
 * upper bound: ?nkey+1..; a key holding a NULL is in no chunk (it compares to nothing).
 */
static char *
select_sql(const struct tinfo *t, int bounds)
{
	sqlite3_str *s = sqlite3_str_new(NULL);

	sqlite3_str_appendall(s, "SELECT ");
	for (int i = 0; i < t->ncol; i++)
		sqlite3_str_appendf(s, "%s\"%w\"", i ? ", " : "", t->cols[i]);
	for (int i = 0; i < t->nkey; i++)
		sqlite3_str_appendf(s, ", \"%w\"", t->keys[i]);
	sqlite3_str_appendf(s, " FROM \"%w\".\"%w\" WHERE ", t->schema, t->name);
	if (bounds & JCHECK_LO) {
		row_value(s, t->keys, t->nkey, 0);
		sqlite3_str_appendall(s, " > ");
		row_value(s, t->keys, t->nkey, 1);
	} else {
		for (int i = 0; i < t->nkey; i++)
			sqlite3_str_appendf(s, "%s\"%w\" IS NOT NULL", i ? " AND " : "", t->keys[i]);
	}
	if (bounds & JCHECK_HI) {
		sqlite3_str_appendall(s, " AND ");
		row_value(s, t->keys, t->nkey, 0);
		sqlite3_str_appendall(s, " <= ");
		row_value(s, t->keys, t->nkey, t->nkey + 1);
	}
	sqlite3_str_appendall(s, " ORDER BY ");
	for (int i = 0; i < t->nkey; i++)
		sqlite3_str_appendf(s, "%s\"%w\"", i ? ", " : "", t->keys[i]);
	return sqlite3_str_finish(s);
}

/* ---- reading a payload ---- */

struct cur {
	const uint8_t *p;
	size_t         len, off;
};

static const uint8_t *
take(struct cur *c, size_t n)
{
	const uint8_t *p;

	if (c->len - c->off < n)
		return NULL;
	p = c->p + c->off;
	c->off += n;
	return p;
}

static int
take_u16(struct cur *c, uint16_t *v)
{
	const uint8_t *p = take(c, 2);

	if (!p)
		return -1;
	*v = jfmt_get16(p);
	return 0;
}

/* A name: len:u16, bytes without NUL; empty only where empty_ok. */
static const char *
take_name(struct cur *c, uint16_t *n, int empty_ok)
{
	const uint8_t *p;

	if (take_u16(c, n) < 0 || (!*n && !empty_ok) || !(p = take(c, *n)) || memchr(p, 0, *n))
		return NULL;
	return (const char *)p;
}

/* One value as row records encode it; "unchanged" has no place in a check record. */
static int
take_value(struct cur *c)
{
	struct jrow_value v;
	struct jerr e;
	ssize_t n = jrow_value_decode(c->p + c->off, c->len - c->off, &v, &e);

	if (n <= 0 || v.tag == JROW_UNCHANGED)
		return -1;
	c->off += (size_t)n;
	return 0;
}

static int
take_names(struct cur *c, uint16_t *n)
{
	uint16_t len;

	if (take_u16(c, n) < 0 || *n == 0)
		return -1;
	for (uint16_t i = 0; i < *n; i++)
		if (!take_name(c, &len, 0))
			return -1;
	return 0;
}

static int
take_chunk(struct cur *c, uint16_t nkey, struct jcheck_chunk *ch)
{
	const uint8_t *p = take(c, 1);
	size_t at;

	if (!p || (*p & ~(JCHECK_LO | JCHECK_HI)))
		return -1;
	ch->bounds = *p;
	for (int side = 0; side < 2; side++) {
		if (!(ch->bounds & (side ? JCHECK_HI : JCHECK_LO)))
			continue;
		at = c->off;
		for (uint16_t i = 0; i < nkey; i++)
			if (take_value(c) < 0)
				return -1;
		*(side ? &ch->hi : &ch->lo) = c->p + at;
		*(side ? &ch->hilen : &ch->lolen) = c->off - at;
	}
	if (!(p = take(c, 8)))
		return -1;
	ch->rows = jfmt_get64(p);
	return (ch->digest = take(c, JDIGEST_LEN)) ? 0 : -1;
}

/* A table's head, up to its chunks; the names stay encoded in t->keys and t->cols. */
static int
take_table(struct cur *c, struct jcheck_table *t)
{
	const uint8_t *p;
	size_t at;

	if (!(t->schema = take_name(c, &t->slen, 1)) || !(t->table = take_name(c, &t->tlen, 0)))
		return -1;
	at = c->off;
	if (take_names(c, &t->nkey) < 0)
		return -1;
	t->keys = c->p + at + 2;
	at = c->off;
	if (take_names(c, &t->ncol) < 0)
		return -1;
	t->cols = c->p + at + 2;
	if (!(p = take(c, 4)) || (t->nchunk = jfmt_get32(p)) == 0)
		return -1;
	return 0;
}

int
jcheck_open(struct jcheck_reader *rd, const void *data, size_t len, struct jerr *e)
{
	struct cur c = { data, len, 0 };
	struct jcheck_table t;
	struct jcheck_chunk ch;
	const uint8_t *p;
	uint16_t n;

	memset(rd, 0, sizeof *rd);
	if (!(p = take(&c, 1)) || *p != 0 || take_u16(&c, &n) < 0)
		goto bad;
	for (uint16_t i = 0; i < n; i++) {
		if (take_table(&c, &t) < 0)
			goto bad;
		for (uint32_t j = 0; j < t.nchunk; j++)
			if (take_chunk(&c, t.nkey, &ch) < 0)
				goto bad;
	}
	if (c.off != len)
		goto bad;
	rd->p = data;
	rd->len = len;
	rd->off = 3;
	rd->ntable = rd->tleft = n;
	return 0;
bad:
	return jerr_set(e, EX_DATAERR, "check record offset %zu: damaged", c.off);
}

int
jcheck_next_table(struct jcheck_reader *rd, struct jcheck_table *t)
{
	struct cur c = { rd->p, rd->len, rd->off };
	struct jcheck_chunk ch;

	while (rd->cleft > 0) {                 /* chunks the caller did not read */
		take_chunk(&c, rd->nkey, &ch);
		rd->cleft--;
	}
	if (rd->tleft == 0)
		return 0;
	take_table(&c, t);
	rd->tleft--;
	rd->cleft = t->nchunk;
	rd->nkey = t->nkey;
	rd->off = c.off;
	return 1;
}

int
jcheck_next_chunk(struct jcheck_reader *rd, struct jcheck_chunk *ch)
{
	struct cur c = { rd->p, rd->len, rd->off };

	if (rd->cleft == 0)
		return 0;
	take_chunk(&c, rd->nkey, ch);
	rd->cleft--;
	rd->off = c.off;
	return 1;
}

/* ---- taking ---- */

/* The record being filled, and where the table being written stands in it: a pass. */
struct jcheck_pass {
	struct buf          b;
	size_t              limit;
	uint16_t            ntable;
	size_t              nchunk_at;     /* offset of the open table's chunk count, or 0 */
	uint32_t            nchunk;
	uint32_t            chunk_rows;    /* rows per chunk */
	const struct jcheck_desc *t;
	jcheck_emit_fn      emit;
	void               *arg;
	int                 rest_pct;      /* rest after a chunk, percent of its time */
	uint64_t            started;       /* when the chunk being read started, ns */
};

/* A chunk was read: rest r->rest_pct percent of the time it took, then start the next. */
static void
rec_rest(struct jcheck_pass *r)
{
	uint64_t took = jclock_mono_ns() - r->started;

	uint64_t rest = took / 100 * (uint64_t)(r->rest_pct > 0 ? r->rest_pct : 0);
	struct timespec ts = { (time_t)(rest / 1000000000u), (long)(rest % 1000000000u) };

	while (rest && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	r->started = jclock_mono_ns();
}

static int
rec_start(struct jcheck_pass *r)
{
	static const uint8_t head[3] = { 0, 0, 0 };

	r->b.len = 0;
	r->ntable = 0;
	r->nchunk_at = 0;
	return buf_put(&r->b, head, sizeof head);
}

static int
rec_table(struct jcheck_pass *r)
{
	const struct jcheck_desc *t = r->t;
	uint8_t zero[4] = { 0 };

	if (buf_name(&r->b, t->schema) < 0 || buf_name(&r->b, t->name) < 0 ||
	    buf_u16(&r->b, (uint16_t)t->nkey) < 0)
		return -1;
	for (int i = 0; i < t->nkey; i++)
		if (buf_name(&r->b, t->keys[i]) < 0)
			return -1;
	if (buf_u16(&r->b, (uint16_t)t->ncol) < 0)
		return -1;
	for (int i = 0; i < t->ncol; i++)
		if (buf_name(&r->b, t->cols[i]) < 0)
			return -1;
	r->nchunk_at = r->b.len;
	r->nchunk = 0;
	r->ntable++;
	return buf_put(&r->b, zero, 4);
}

/* The open table has all its chunks in this record. */
static void
rec_table_end(struct jcheck_pass *r)
{
	if (r->nchunk_at)
		jfmt_put32(r->b.p + r->nchunk_at, r->nchunk);
	r->nchunk_at = 0;
}

static int
rec_emit(struct jcheck_pass *r, struct jerr *e)
{
	rec_table_end(r);
	jfmt_put16(r->b.p + 1, r->ntable);
	if (r->emit(r->arg, r->b.p, r->b.len, e) < 0)
		return -1;
	if (rec_start(r) < 0)
		return jerr_sys(e, EX_OSERR, "out of memory");
	return 0;
}

struct chunk {
	struct buf    lo, hi;       /* nkey encoded values */
	struct buf    scratch;      /* one value encoded, to digest */
	int           has_lo;
	uint64_t      rows;
	struct jdigest d;
};

/* Put chunk k (with its upper bound when hi) into the record, emitting it first if full. */
static int
rec_chunk(struct jcheck_pass *r, struct chunk *k, int hi, struct jerr *e)
{
	uint8_t bounds = (k->has_lo ? JCHECK_LO : 0) | (hi ? JCHECK_HI : 0), rows[8];
	uint8_t dg[JDIGEST_LEN];
	size_t need = 1 + (k->has_lo ? k->lo.len : 0) + (hi ? k->hi.len : 0) + 8 + JDIGEST_LEN;

	jdigest_final(&k->d, dg);
	for (int pass = 0; pass < 2; pass++) {
		size_t mark = r->b.len;
		int fresh = !r->nchunk_at;
		if (fresh && rec_table(r) < 0)
			return jerr_sys(e, EX_OSERR, "out of memory");
		if (r->b.len + need <= r->limit)
			break;
		if (pass == 1 || (r->ntable == 1 && r->nchunk == 0 && !fresh) ||
		    (fresh && r->ntable == 1))
			return jerr_set(e, EX_DATAERR, "%s: a key too large for a check record",
			    r->t->name);
		if (fresh) {                    /* no table without a chunk in a record */
			r->b.len = mark;
			r->ntable--;
			r->nchunk_at = 0;
		}
		if (rec_emit(r, e) < 0)
			return -1;
	}
	jfmt_put64(rows, k->rows);
	if (buf_put(&r->b, &bounds, 1) < 0 || (k->has_lo && buf_put(&r->b, k->lo.p,
	    k->lo.len) < 0) || (hi && buf_put(&r->b, k->hi.p, k->hi.len) < 0) ||
	    buf_put(&r->b, rows, 8) < 0 || buf_put(&r->b, dg, sizeof dg) < 0)
		return jerr_sys(e, EX_OSERR, "out of memory");
	r->nchunk++;
	return 0;
}

/* Digest the ncol columns of src's row into d (through scratch); with key set, put its nkey
 * key values there. -1 when out of memory. */
static int
row_digest(const struct jcheck_source *src, int ncol, int nkey, struct jdigest *d,
    struct buf *key, struct buf *scratch)
{
	for (int i = 0; i < ncol; i++) {
		scratch->len = 0;
		if (value_put(src, i, scratch) < 0)
			return -1;
		jdigest_update(d, scratch->p, scratch->len);
	}
	if (!key)
		return 0;
	key->len = 0;
	for (int i = ncol; i < ncol + nkey; i++)
		if (value_put(src, i, key) < 0)
			return -1;
	return 0;
}

/* ---- an SQLite statement as a source of rows ---- */

struct sqlsrc {
	sqlite3_stmt *q;
	const char   *name;
	struct jcheck_source src;
};

static int
sqlsrc_next(void *arg, struct jerr *e)
{
	struct sqlsrc *s = arg;
	int rc = sqlite3_step(s->q);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return jsqlite_err(e, sqlite3_db_handle(s->q), rc, s->name);
}

static void
sqlsrc_value(void *arg, int i, struct jrow_value *v)
{
	jsqlite_value(((struct sqlsrc *)arg)->q, i, v);
}

static void
sqlsrc_init(struct sqlsrc *s, sqlite3_stmt *q, const char *name)
{
	s->q = q;
	s->name = name;
	s->src = (struct jcheck_source){ sqlsrc_next, sqlsrc_value, s };
}

/* One table, read from src in key order, in chunks of r->chunk_rows rows, into r. */
static int
take_rows(struct jcheck_pass *r, const struct jcheck_source *src, struct jerr *e)
{
	struct chunk k = { 0 };
	struct buf tmp;
	int rc;

	if (jdigest_init(&k.d) < 0)
		goto oom;
	while ((rc = src->next(src->arg, e)) == 1) {
		if (k.rows == r->chunk_rows) {  /* full, and a row follows: cut here */
			if (rec_chunk(r, &k, 1, e) < 0)
				goto bad;
			rec_rest(r);
			tmp = k.lo;
			k.lo = k.hi;
			k.hi = tmp;
			k.has_lo = 1;
			k.rows = 0;
			if (jdigest_init(&k.d) < 0)
				goto oom;
		}
		if (row_digest(src, r->t->ncol, r->t->nkey, &k.d, &k.hi, &k.scratch) < 0)
			goto oom;
		k.rows++;
	}
	if (rc < 0 || rec_chunk(r, &k, 0, e) < 0)
		goto bad;
	rec_table_end(r);
	free(k.lo.p);
	free(k.hi.p);
	free(k.scratch.p);
	return 0;
oom:
	jerr_sys(e, EX_OSERR, "out of memory");
bad:
	jdigest_free(&k.d);
	free(k.lo.p);
	free(k.hi.p);
	free(k.scratch.p);
	return -1;
}

static char *
dup_or_null(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static int
tinfo_add(char ***v, int *n, const char *s)
{
	char **nv = realloc(*v, sizeof **v * (size_t)(*n + 1));

	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = dup_or_null(s, strlen(s))))
		return -1;
	(*n)++;
	return 0;
}

/*
 * Table name of main as a row record names it: the key is the declared primary key in its
 * order, or rowid when there is none (and then rowid is the first column); the columns are
 * every column but generated and hidden ones, in declared order.
 */
static int
tinfo_load(sqlite3 *db, const char *name, struct tinfo *t, struct jerr *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	memset(t, 0, sizeof *t);
	if (!(t->schema = dup_or_null("main", 4)) || !(t->name = dup_or_null(name, strlen(name))))
		goto oom;
	rc = sqlite3_prepare_v2(db, "SELECT name, pk FROM pragma_table_xinfo(?1, 'main') WHERE "
	    "hidden = 0 ORDER BY pk = 0, pk, cid", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return jsqlite_err(e, db, rc, name);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (sqlite3_column_int(q, 1) > 0 && tinfo_add(&t->keys, &t->nkey,
		    (const char *)sqlite3_column_text(q, 0)) < 0)
			goto oom;
	if (rc == SQLITE_DONE && t->nkey == 0 && (tinfo_add(&t->keys, &t->nkey, "rowid") < 0 ||
	    tinfo_add(&t->cols, &t->ncol, "rowid") < 0))
		goto oom;
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE || (rc = sqlite3_prepare_v2(db, "SELECT name FROM "
	    "pragma_table_xinfo(?1, 'main') WHERE hidden = 0 ORDER BY cid", -1, &q, NULL)) != SQLITE_OK)
		return jsqlite_err(e, db, rc, name);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (tinfo_add(&t->cols, &t->ncol, (const char *)sqlite3_column_text(q, 0)) < 0)
			goto oom;
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return jsqlite_err(e, db, rc, name);
	if (t->ncol <= (t->keys && !strcmp(t->keys[0], "rowid") ? 1 : 0))
		return jerr_set(e, EX_NOINPUT, "%s: no such table", name);
	return 0;
oom:
	sqlite3_finalize(q);
	return jerr_sys(e, EX_OSERR, "out of memory");
}

static int
take_table_named(sqlite3 *db, struct jcheck_pass *r, const char *name, struct jerr *e)
{
	struct tinfo t;
	struct jcheck_desc d;
	struct sqlsrc src;
	sqlite3_stmt *q = NULL;
	char *sql = NULL;
	int rc = -1;

	if (tinfo_load(db, name, &t, e) < 0)
		goto out;
	if (!(sql = select_sql(&t, 0)) || (rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL)) !=
	    SQLITE_OK) {
		rc = jsqlite_err(e, db, sql ? rc : SQLITE_NOMEM, name);
		goto out;
	}
	d = (struct jcheck_desc){ "", t.name, t.nkey, t.ncol, (const char *const *)t.keys,
	    (const char *const *)t.cols };
	sqlsrc_init(&src, q, name);
	rc = jcheck_pass_table(r, &d, &src.src, e);
out:
	sqlite3_finalize(q);
	sqlite3_free(sql);
	tinfo_free(&t);
	return rc;
}

/* Every ordinary table of main that check records cover, by name. */
static int
take_all(sqlite3 *db, struct jcheck_pass *r, struct jerr *e)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT name FROM main.sqlite_schema WHERE type = 'table'"
	    " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'jmirror\\_%' ESCAPE "
	    "'\\' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name", -1, &q, NULL);

	if (rc != SQLITE_OK)
		return jsqlite_err(e, db, rc, "unable to list the tables");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (take_table_named(db, r, (const char *)sqlite3_column_text(q, 0), e) < 0) {
			sqlite3_finalize(q);
			return -1;
		}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : jsqlite_err(e, db, rc, "unable to list the tables");
}

struct jcheck_pass *
jcheck_pass_new(const struct jcheck_opts *o, jcheck_emit_fn emit, void *arg, struct jerr *e)
{
	struct jcheck_pass *r = calloc(1, sizeof *r);

	if (!r || rec_start(r) < 0) {
		free(r);
		jerr_sys(e, EX_OSERR, "out of memory");
		return NULL;
	}
	r->limit = o && o->limit ? o->limit : JFMT_MAX_PAYLOAD;
	r->chunk_rows = o && o->chunk_rows ? o->chunk_rows : JCHECK_CHUNK_ROWS;
	r->rest_pct = o && o->rest_pct ? o->rest_pct : JCHECK_REST_PCT;
	r->emit = emit;
	r->arg = arg;
	r->started = jclock_mono_ns();
	return r;
}

int
jcheck_pass_table(struct jcheck_pass *r, const struct jcheck_desc *t,
    const struct jcheck_source *src, struct jerr *e)
{
	int rc;

	r->t = t;
	rc = take_rows(r, src, e);
	r->t = NULL;
	return rc;
}

int
jcheck_pass_end(struct jcheck_pass *r, struct jerr *e)
{
	int rc = rec_emit(r, e);

	jcheck_pass_free(r);
	return rc;
}

void
jcheck_pass_free(struct jcheck_pass *r)
{
	if (r)
		free(r->b.p);
	free(r);
}

int
jcheck_take(sqlite3 *db, const char *const *tables, size_t ntables, const struct jcheck_opts *o,
    jcheck_emit_fn emit, void *arg, struct jerr *e)
{
	struct jcheck_pass *r = jcheck_pass_new(o, emit, arg, e);
	int own = sqlite3_get_autocommit(db), rc = -1;

	if (!r)
		return -1;
	if (own && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		jcheck_pass_free(r);
		return jsqlite_err(e, db, SQLITE_ERROR, "unable to start a read transaction");
	}
	if (tables) {
		rc = 0;
		for (size_t i = 0; i < ntables && rc == 0; i++)
			rc = take_table_named(db, r, tables[i], e);
	} else
		rc = take_all(db, r, e);
	if (rc == 0)
		rc = jcheck_pass_end(r, e);
	else
		jcheck_pass_free(r);
	if (own)
		sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* ---- verifying ---- */

/* The record's names of t as a struct tinfo (schema "" is main). */
static int
tinfo_from(const struct jcheck_table *t, struct tinfo *ti)
{
	struct cur c = { t->keys, SIZE_MAX / 2, 0 };
	const char *s;
	uint16_t n;

	memset(ti, 0, sizeof *ti);
	if (!(ti->schema = t->slen ? dup_or_null(t->schema, t->slen) : dup_or_null("main", 4)) ||
	    !(ti->name = dup_or_null(t->table, t->tlen)) ||
	    !(ti->keys = calloc(t->nkey, sizeof *ti->keys)) ||
	    !(ti->cols = calloc(t->ncol, sizeof *ti->cols)))
		return -1;
	for (; ti->nkey < t->nkey; ti->nkey++)
		if (!(s = take_name(&c, &n, 0)) || !(ti->keys[ti->nkey] = dup_or_null(s, n)))
			return -1;
	c = (struct cur){ t->cols, SIZE_MAX / 2, 0 };
	for (; ti->ncol < t->ncol; ti->ncol++)
		if (!(s = take_name(&c, &n, 0)) || !(ti->cols[ti->ncol] = dup_or_null(s, n)))
			return -1;
	return 0;
}

/* Bind the nkey values encoded at p (len bytes, checked by jcheck_open) as ?at, ... */
static void
bind_key(sqlite3_stmt *q, const uint8_t *p, size_t len, int nkey, int at)
{
	struct jrow_value v;
	struct jerr e;
	ssize_t n;

	for (int i = 0; i < nkey && (n = jrow_value_decode(p, len, &v, &e)) > 0; i++, p += n,
	    len -= (size_t)n) {
		switch (v.tag) {
		case JROW_INTEGER: case JROW_BOOLEAN:
			sqlite3_bind_int64(q, at + i, v.i);
			break;
		case JROW_REAL:
			sqlite3_bind_double(q, at + i, v.r);
			break;
		case JROW_BLOB:
			sqlite3_bind_blob(q, at + i, v.p, (int)v.len, SQLITE_STATIC);
			break;
		case JROW_TEXT: case JROW_NUMERIC: case JROW_TIMESTAMP:
			sqlite3_bind_text(q, at + i, (const char *)v.p, (int)v.len, SQLITE_STATIC);
			break;
		default:
			sqlite3_bind_null(q, at + i);
		}
	}
}

/* A key for a message: "1005", "(1, 'abc')", values cut short. */
static void
key_text(const uint8_t *p, size_t len, int nkey, char *out, size_t size)
{
	struct jrow_value v;
	struct jerr e;
	size_t off = 0;
	ssize_t n;

	for (int i = 0; i < nkey && off < size && (n = jrow_value_decode(p, len, &v, &e)) > 0;
	    i++, p += n, len -= (size_t)n) {
		const char *sep = i ? ", " : nkey > 1 ? "(" : "";
		if (v.tag == JROW_INTEGER || v.tag == JROW_BOOLEAN)
			off += (size_t)snprintf(out + off, size - off, "%s%lld", sep, (long long)v.i);
		else if (v.tag == JROW_REAL)
			off += (size_t)snprintf(out + off, size - off, "%s%.17g", sep, v.r);
		else if (v.tag == JROW_BLOB)
			off += (size_t)snprintf(out + off, size - off, "%sa blob of %u bytes", sep,
			    v.len);
		else if (v.tag == JROW_NULL)
			off += (size_t)snprintf(out + off, size - off, "%sNULL", sep);
		else
			off += (size_t)snprintf(out + off, size - off, "%s'%.*s%s'", sep,
			    v.len > 40 ? 40 : (int)v.len, (const char *)v.p, v.len > 40 ? "..." : "");
	}
	if (nkey > 1 && off < size)
		snprintf(out + off, size - off, ")");
}

/* "keys > 5 and <= 1005", "keys <= 1005", "keys > 5", "all keys" */
void
jcheck_range_text(const struct jcheck_chunk *c, int nkey, char *out, size_t size)
{
	char lo[160] = "", hi[160] = "";

	if (c->bounds & JCHECK_LO)
		key_text(c->lo, c->lolen, nkey, lo, sizeof lo);
	if (c->bounds & JCHECK_HI)
		key_text(c->hi, c->hilen, nkey, hi, sizeof hi);
	if ((c->bounds & JCHECK_LO) && (c->bounds & JCHECK_HI))
		snprintf(out, size, "keys > %s and <= %s", lo, hi);
	else if (c->bounds & JCHECK_LO)
		snprintf(out, size, "keys > %s", lo);
	else if (c->bounds & JCHECK_HI)
		snprintf(out, size, "keys <= %s", hi);
	else
		snprintf(out, size, "all keys");
}

static int
verify_chunk(sqlite3 *db, const struct tinfo *t, const struct jcheck_chunk *c, struct jerr *e)
{
	char *sql = select_sql(t, c->bounds), range[400];
	sqlite3_stmt *q = NULL;
	struct jdigest d;
	struct buf scratch = { 0 };
	struct sqlsrc src;
	uint8_t dg[JDIGEST_LEN];
	uint64_t rows = 0;
	int rc = sql ? sqlite3_prepare_v2(db, sql, -1, &q, NULL) : SQLITE_NOMEM, oom = 0;

	sqlite3_free(sql);
	jcheck_range_text(c, t->nkey, range, sizeof range);
	if (rc == SQLITE_ERROR)
		return jerr_set(e, JCHECK_EMISMATCH, "check: table %s, %s: the mirror cannot be "
		    "checked: %s", t->name, range, sqlite3_errmsg(db));
	if (rc != SQLITE_OK)
		return jsqlite_err(e, db, rc, t->name);
	if (c->bounds & JCHECK_LO)
		bind_key(q, c->lo, c->lolen, t->nkey, 1);
	if (c->bounds & JCHECK_HI)
		bind_key(q, c->hi, c->hilen, t->nkey, t->nkey + 1);
	if (jdigest_init(&d) < 0) {
		sqlite3_finalize(q);
		return jerr_sys(e, EX_OSERR, "out of memory");
	}
	sqlsrc_init(&src, q, t->name);
	while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		oom = row_digest(&src.src, t->ncol, t->nkey, &d, NULL, &scratch) < 0;
		rows++;
	}
	sqlite3_finalize(q);
	jdigest_final(&d, dg);
	free(scratch.p);
	if (oom)
		return jerr_sys(e, EX_OSERR, "out of memory");
	if (rc != SQLITE_DONE)
		return jsqlite_err(e, db, rc, t->name);
	return jcheck_compare(t->name, range, rows, dg, c, e);
}

int
jcheck_compare(const char *table, const char *range, uint64_t rows,
    const uint8_t dg[JDIGEST_LEN], const struct jcheck_chunk *c, struct jerr *e)
{
	if (rows != c->rows)
		return jerr_set(e, JCHECK_EMISMATCH, "check: table %s, %s: the mirror has %llu "
		    "rows, the primary %llu", table, range, (unsigned long long)rows,
		    (unsigned long long)c->rows);
	if (memcmp(dg, c->digest, JDIGEST_LEN))
		return jerr_set(e, JCHECK_EMISMATCH, "check: table %s, %s: the mirror's %llu rows "
		    "differ from the primary's", table, range, (unsigned long long)rows);
	return 0;
}

int
jcheck_verify(sqlite3 *db, const void *data, size_t len, struct jerr *e)
{
	struct jcheck_reader rd;
	struct jcheck_table t;
	struct jcheck_chunk c;
	struct tinfo ti;
	int rc = 0;

	if (jcheck_open(&rd, data, len, e) < 0)
		return -1;
	while (rc == 0 && jcheck_next_table(&rd, &t)) {
		if (tinfo_from(&t, &ti) < 0)
			rc = jerr_sys(e, EX_OSERR, "out of memory");
		while (rc == 0 && jcheck_next_chunk(&rd, &c))
			rc = verify_chunk(db, &ti, &c, e);
		tinfo_free(&ti);
	}
	return rc;
}
