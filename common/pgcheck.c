/*
 * pgcheck: check records taken on a PostgreSQL primary, and the rules that a PostgreSQL
 * verifier shares with it (pgcheck.h).
 *
 * Invariants:
 * - Every digest of one check MUST describe exactly the commits that precede the check's
 *   own commit in commit order, which is the order logical decoding delivers: the tables
 *   are locked IN SHARE MODE before the transaction's first query takes its snapshot
 *   (REPEATABLE READ), so that every writer to them has committed or aborted before the
 *   snapshot and every later one waits for the check's COMMIT. All chunks share that one
 *   snapshot.
 * - The check records MUST reach the stream in the check's own transaction (transactional
 *   logical messages), so that a check that fails or is killed leaves nothing behind.
 * - The check MUST give way to writers: a lock not granted within the lock timeout (below
 *   the server's deadlock_timeout) rolls everything back and is asked again later, so that
 *   the deadlock detector never picks an application's transaction instead.
 * - Taking and verifying MUST select with jpgcheck_select and encode with jpgcheck_value:
 *   numeric and date/time values as text, booleans as the integers 0 and 1 (the forms an
 *   SQLite mirror holds them in), so that either engine verifies what either took.
 * - Memory is bounded by one record and JPGCHECK_FETCH rows (a cursor, read in steps).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply_pgrow.h"
#include "backoff.h"
#include "crash.h"
#include "grow.h"
#include "pgcheck.h"
#include "pgsql.h"
#include "row.h"
#include "pg.h"

/* ---- shared with the verifier ---- */

int
jpgcheck_kind(unsigned long oid)
{
	switch (oid) {
	case 20: case 21: case 23: return JPGCHECK_INT;          /* int8, int2, int4 */
	case 700: return JPGCHECK_REAL4;
	case 701: return JPGCHECK_REAL8;
	case 16: return JPGCHECK_BOOL;
	case 17: return JPGCHECK_BLOB;
	case 1700: return JPGCHECK_NUMERIC;
	case 1082: case 1114: case 1184: return JPGCHECK_TIME;   /* date, timestamp(tz) */
	default: return JPGCHECK_TEXT;
	}
}

static uint64_t
be(const char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | (uint8_t)p[i];
	return v;
}

void
jpgcheck_value(const struct jpgcheck_col *c, const char *p, int n, int isnull,
    struct jrow_value *v)
{
	uint64_t u;
	uint32_t w;
	float f;

	memset(v, 0, sizeof *v);
	v->tag = JROW_NULL;
	if (isnull)
		return;
	switch (c->kind) {
	case JPGCHECK_INT:
		u = be(p, n);
		v->tag = JROW_INTEGER;
		v->i = n == 8 ? (int64_t)u : n == 4 ? (int32_t)u : (int16_t)u;
		break;
	case JPGCHECK_REAL4:
		w = (uint32_t)be(p, n);
		memcpy(&f, &w, 4);
		v->tag = JROW_REAL;
		v->r = f;
		break;
	case JPGCHECK_REAL8:
		u = be(p, n);
		v->tag = JROW_REAL;
		memcpy(&v->r, &u, 8);
		break;
	case JPGCHECK_BOOL:
		v->tag = JROW_INTEGER;
		v->i = p[0] != 0;
		break;
	default:
		v->tag = c->kind == JPGCHECK_BLOB ? JROW_BLOB : JROW_TEXT;
		v->p = (const uint8_t *)p;
		v->len = (uint32_t)n;
	}
}

struct sql {
	char  *p;
	size_t n, cap;
	int    fail;
};

static void
sql_add(struct sql *s, const char *p, size_t n)
{
	if (s->fail || jgrow(&s->p, &s->cap, s->n + n + 1, 1, 256) < 0) {
		s->fail = 1;
		return;
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = 0;
}

static void
sql_str(struct sql *s, const char *p)
{
	sql_add(s, p, strlen(p));
}

/* A name quoted: "a""b" */
static void
sql_name(struct sql *s, const char *p, size_t n)
{
	if (s->fail || jgrow(&s->p, &s->cap, s->n + 2 * n + 3, 1, 256) < 0) {
		s->fail = 1;
		return;
	}
	s->n += jpgsql_quote(s->p + s->n, p, n);
	s->p[s->n] = 0;
}

/* "k1 COLLATE "C", k2" */
static void
sql_keys(struct sql *s, const struct jpgcheck_rel *t)
{
	for (int i = 0; i < t->nkey; i++) {
		sql_str(s, i ? ", " : "");
		sql_name(s, t->key[i].name, t->key[i].nlen);
		if (t->key[i].collate)
			sql_str(s, " COLLATE \"C\"");
	}
}

/*
 * A column as the digest reads it: as its type's output function prints it (what logical
 * decoding and the capture's snapshot carry), never through a cast to text, which differs
 * for some types: character(n) loses its padding, inet gains a netmask.
 */
static void
sql_col(struct sql *s, const struct jpgcheck_col *col)
{
	if (col->kind < JPGCHECK_NUMERIC) {
		sql_name(s, col->name, col->nlen);
		return;
	}
	sql_str(s, "CASE WHEN ");
	sql_name(s, col->name, col->nlen);
	sql_str(s, " IS NULL THEN NULL ELSE concat(");
	sql_name(s, col->name, col->nlen);
	sql_str(s, ") END");
}

char *
jpgcheck_select(const struct jpgcheck_rel *t, int bounds, int keys)
{
	struct sql s = { 0 };
	char b[32];
	int n = 1;

	sql_str(&s, "SELECT ");
	for (int i = 0; i < t->ncol; i++) {
		sql_str(&s, i ? ", " : "");
		sql_col(&s, t->col + i);
	}
	for (int i = 0; keys && i < t->nkey; i++) {
		sql_str(&s, ", ");
		sql_col(&s, t->key + i);
	}
	sql_str(&s, " FROM ");
	if (t->slen) {
		sql_name(&s, t->schema, t->slen);
		sql_str(&s, ".");
	}
	sql_name(&s, t->table, t->tlen);
	for (int bit = JCHECK_LO; bit <= JCHECK_HI; bit <<= 1) {
		if (!(bounds & bit))
			continue;
		sql_str(&s, n == 1 ? " WHERE (" : " AND (");
		sql_keys(&s, t);
		sql_str(&s, bit == JCHECK_LO ? ") > (" : ") <= (");
		for (int i = 0; i < t->nkey; i++) {
			snprintf(b, sizeof b, "%s$%d", i ? ", " : "", n++);
			sql_str(&s, b);
		}
		sql_str(&s, ")");
	}
	sql_str(&s, " ORDER BY ");
	sql_keys(&s, t);
	if (s.fail) {
		free(s.p);
		return NULL;
	}
	return s.p;
}

/* ---- taking ---- */

static int
pg_run(PGconn *c, const char *sql, const char *what, struct jerr *e)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		return jpg_err(e, c, r, what);
	PQclear(r);
	return 0;
}

/* A table a check covers, as the catalog names it; col: its columns, then its key. */
struct ptable {
	int                  ncol, nkey;
	struct jpgcheck_col *col;
	char               **names;      /* ncol + nkey, NUL-terminated */
};

static void
ptable_free(struct ptable *t)
{
	for (int i = 0; t->names && i < t->ncol + t->nkey; i++)
		free(t->names[i]);
	free(t->names);
	free(t->col);
	memset(t, 0, sizeof *t);
}

/* t's columns (attnum order, no generated or dropped one) and its primary key (in the
 * key's order), from the catalog; the table's oid is oid. */
static int
ptable_load(PGconn *c, const char *oid, struct ptable *t, struct jerr *e)
{
	const char *prm[1] = { oid };
	PGresult *r = PQexecParams(c, "SELECT a.attname, a.atttypid, a.attcollation <> 0, k.ord "
	    "FROM pg_attribute a LEFT JOIN (SELECT i.k, i.ord FROM pg_index x, unnest(x.indkey::"
	    "int2[]) WITH ORDINALITY AS i(k, ord) WHERE x.indrelid = $1::oid AND x.indisprimary) k"
	    " ON k.k = a.attnum WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT "
	    "a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum", 1, NULL, prm, NULL, NULL,
	    0);
	int n, at;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return jpg_err(e, c, r, "unable to read the columns of a table");
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		t->nkey += !PQgetisnull(r, i, 3);
	t->ncol = n;
	if (!(t->col = calloc((size_t)(n + t->nkey), sizeof *t->col)) ||
	    !(t->names = calloc((size_t)(n + t->nkey), sizeof *t->names)))
		goto oom;
	for (int i = 0; i < n; i++) {
		t->col[i].kind = jpgcheck_kind(strtoul(PQgetvalue(r, i, 1), NULL, 10));
		t->col[i].collate = PQgetvalue(r, i, 2)[0] == 't';
		if (!(t->names[i] = strdup(PQgetvalue(r, i, 0))))
			goto oom;
		if (PQgetisnull(r, i, 3))
			continue;
		at = n + atoi(PQgetvalue(r, i, 3)) - 1;      /* the key's columns, in its order */
		if (at < n || at >= n + t->nkey || !(t->names[at] = strdup(t->names[i])))
			goto oom;
		t->col[at] = t->col[i];
	}
	for (int i = 0; i < n + t->nkey; i++) {
		t->col[i].name = t->names[i];
		t->col[i].nlen = (uint16_t)strlen(t->names[i]);
	}
	PQclear(r);
	return 0;
oom:
	PQclear(r);
	return jerr_sys(e, EX_OSERR, "out of memory");
}

/* A table's rows in key order, through a cursor read JPGCHECK_FETCH rows at a time. */
struct psrc {
	PGconn                    *c;
	const struct jpgcheck_col *col;
	PGresult                  *r;
	int                        row, n;
	uint64_t                  *rows;        /* counted as read */
	struct jcheck_source       src;
};

static int
psrc_next(void *arg, struct jerr *e)
{
	struct psrc *s = arg;
	char fetch[64];

	if (s->r && ++s->row < s->n) {
		++*s->rows;
		return 1;
	}
	if (s->r && s->n < JPGCHECK_FETCH)
		return 0;                       /* the last fetch came short: no more rows */
	PQclear(s->r);
	snprintf(fetch, sizeof fetch, "FETCH FORWARD %d FROM jmirror_check", JPGCHECK_FETCH);
	s->r = PQexecParams(s->c, fetch, 0, NULL, NULL, NULL, NULL, 1);
	if (PQresultStatus(s->r) != PGRES_TUPLES_OK) {
		jpg_err(e, s->c, s->r, "unable to read a table");
		s->r = NULL;
		return -1;
	}
	s->row = 0;
	s->n = PQntuples(s->r);
	*s->rows += s->n > 0;
	return s->n > 0;
}

static void
psrc_value(void *arg, int i, struct jrow_value *v)
{
	struct psrc *s = arg;

	jpgcheck_value(s->col + i, PQgetvalue(s->r, s->row, i), PQgetlength(s->r, s->row, i),
	    PQgetisnull(s->r, s->row, i), v);
}

/* One table (oid, schema, name) into the pass. */
static int
take_table(PGconn *c, struct jcheck_pass *p, const char *oid, const char *schema,
    const char *name, struct jpgcheck_stats *st, struct jerr *e)
{
	struct ptable t = { 0 };
	struct jpgcheck_rel rel;
	struct jcheck_desc d;
	struct psrc s = { .c = c, .rows = &st->rows };
	struct sql q = { 0 };
	char *sel = NULL;
	int rc = -1;

	if (ptable_load(c, oid, &t, e) < 0)
		goto out;
	rel = (struct jpgcheck_rel){ schema, name, (uint16_t)strlen(schema),
	    (uint16_t)strlen(name), t.ncol, t.nkey, t.col, t.col + t.ncol };
	sql_str(&q, "DECLARE jmirror_check BINARY NO SCROLL CURSOR FOR ");
	if ((sel = jpgcheck_select(&rel, 0, 1)))
		sql_str(&q, sel);
	if (!sel || q.fail) {
		jerr_sys(e, EX_OSERR, "out of memory");
		goto out;
	}
	if (pg_run(c, q.p, name, e) < 0)
		goto out;
	d = (struct jcheck_desc){ strcmp(schema, "public") ? schema : "", name, t.nkey, t.ncol,
	    (const char *const *)t.names + t.ncol, (const char *const *)t.names };
	s.col = t.col;
	s.src = (struct jcheck_source){ psrc_next, psrc_value, &s };
	if (jcheck_pass_table(p, &d, &s.src, e) == 0 &&
	    pg_run(c, "CLOSE jmirror_check", name, e) == 0)
		rc = 0;
	st->tables++;
out:
	PQclear(s.r);
	free(sel);
	free(q.p);
	ptable_free(&t);
	return rc;
}

struct sink {
	PGconn                *c;
	struct jpgcheck_stats *st;
};

/* Each record, into the WAL as a transactional message of the check's transaction. */
static int
emit(void *arg, const void *payload, size_t len, struct jerr *e)
{
	struct sink *k = arg;
	PGconn *c = k->c;
	const Oid types[1] = { 17 };
	const char *v[1] = { payload };
	const int lens[1] = { (int)len }, fmts[1] = { 1 };
	PGresult *r = PQexecParams(c, "SELECT pg_logical_emit_message(true, 'jmirror.check', $1)",
	    1, types, v, lens, fmts, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return jpg_err(e, c, r, "unable to write the check into the WAL");
	PQclear(r);
	k->st->records++;
	return 0;
}

/* The tables a check covers: ordinary, logged tables outside the system schemas and the
 * bookkeeping's, in schema and name order; those without a primary key are counted in
 * st->skipped and left out (a check chunks by key). */
static PGresult *
list_tables(PGconn *c, struct jpgcheck_stats *st, struct jerr *e)
{
	PGresult *r = PQexec(c, "SELECT c.oid, n.nspname, c.relname, EXISTS (SELECT 1 FROM "
	    "pg_index x WHERE x.indrelid = c.oid AND x.indisprimary) FROM pg_class c JOIN "
	    "pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND "
	    "c.relpersistence = 'p' AND n.nspname NOT IN ('pg_catalog', 'information_schema', "
	    "'jmirror') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY n.nspname COLLATE \"C\", "
	    "c.relname COLLATE \"C\"");

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		jpg_err(e, c, r, "unable to list the tables");
		return NULL;
	}
	st->skipped = 0;
	for (int i = 0; i < PQntuples(r); i++)
		st->skipped += PQgetvalue(r, i, 3)[0] != 't';
	return r;
}

/* BEGIN, then the SHARE locks on tabs, before any query takes the snapshot: 1 held, 0 not
 * granted within the lock timeout (rolled back), -1 with e. */
static int
lock_tables(PGconn *c, const PGresult *tabs, int lock_ms, struct jerr *e)
{
	struct sql q = { 0 };
	char b[96];
	const char *st;
	PGresult *r;
	int n = 0, rc;

	snprintf(b, sizeof b, "BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL lock_timeout = "
	    "%d", lock_ms);
	if (pg_run(c, b, "unable to start the check", e) < 0)
		return -1;
	sql_str(&q, "LOCK TABLE ");
	for (int i = 0; i < PQntuples(tabs); i++) {
		if (PQgetvalue(tabs, i, 3)[0] != 't')
			continue;
		sql_str(&q, n++ ? ", ONLY " : "ONLY ");
		sql_name(&q, PQgetvalue(tabs, i, 1), strlen(PQgetvalue(tabs, i, 1)));
		sql_str(&q, ".");
		sql_name(&q, PQgetvalue(tabs, i, 2), strlen(PQgetvalue(tabs, i, 2)));
	}
	sql_str(&q, " IN SHARE MODE");
	if (q.fail) {
		free(q.p);
		return jerr_sys(e, EX_OSERR, "out of memory");
	}
	if (n == 0) {
		free(q.p);
		return 1;
	}
	r = PQexec(c, q.p);
	free(q.p);
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		PQclear(r);
		return 1;
	}
	st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	rc = (jpg_code(r) == EX_TEMPFAIL || (st && !strcmp(st, "42P01"))) &&
	    PQstatus(c) == CONNECTION_OK ? 0 : -1;     /* in time, or a table dropped: again */
	jpg_err(e, c, r, "unable to lock the tables");
	if (rc == 0 && pg_run(c, "ROLLBACK", "unable to give the locks back", e) < 0)
		return -1;
	return rc;
}

static void
pause_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The check's transaction, on c, with the locks asked for up to o's tries. */
static int
take_locked(PGconn *c, const struct jpgcheck_opts *o, struct jpgcheck_stats *st,
    struct jerr *e)
{
	struct jcheck_opts co = { o ? o->chunk_rows : 0, o ? o->limit : 0, -1 };
	int lock_ms = o && o->lock_ms ? o->lock_ms : JPGCHECK_LOCK_MS;
	int tries = o && o->tries ? o->tries : JPGCHECK_TRIES, rc = 0;
	struct jcheck_pass *p = NULL;
	struct sink k = { c, st };
	PGresult *tabs = NULL;

	for (int i = 0; i < tries; i++) {  /* listed anew each time: a table may have gone */
		if (i)
			pause_ms(jbackoff_delay(50, (unsigned)i - 1, 1000));
		if (!(tabs = list_tables(c, st, e)) || (rc = lock_tables(c, tabs, lock_ms, e)))
			break;
		PQclear(tabs);
		tabs = NULL;
	}
	if (rc <= 0) {                  /* e says why: not granted in time, or worse */
		rc = -1;
		goto out;
	}
	rc = -1;
	if (!(p = jcheck_pass_new(&co, emit, &k, e)))
		goto out;
	for (int i = 0; i < PQntuples(tabs); i++)
		if (PQgetvalue(tabs, i, 3)[0] == 't' && take_table(c, p, PQgetvalue(tabs, i, 0),
		    PQgetvalue(tabs, i, 1), PQgetvalue(tabs, i, 2), st, e) < 0)
			goto out;
	rc = jcheck_pass_end(p, e);
	p = NULL;
	jcrash_point("pgcheck-emitted");        /* killed here, the server rolls it all back */
	if (rc == 0)
		rc = pg_run(c, "COMMIT", "unable to commit the check", e);
out:
	jcheck_pass_free(p);
	PQclear(tabs);
	return rc;
}

int
jpgcheck_take(const char *url, const struct jpgcheck_opts *o, struct jpgcheck_stats *st,
    struct jerr *e)
{
	PGconn *c;
	int rc;

	memset(st, 0, sizeof *st);
	if (jpg_connect(url, "the primary database", NULL, 0, &c, e) < 0)
		return -1;
	rc = jpg_logical(c, e);
	if (rc == 0)
		rc = pg_run(c, "SET client_min_messages = warning", "PostgreSQL", e);
	if (rc == 0)
		rc = take_locked(c, o, st, e);
	PQfinish(c);
	return rc;
}
