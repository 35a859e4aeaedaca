/*
 * apply_row: row records applied by key to a SQLite mirror (apply_row.h).
 *
 * Invariants:
 * - Every change MUST run inside the host's transaction, in record order, and a change that
 *   does not fit the mirror MUST fail the record (EX_CONFIG) unless the host repairs: the
 *   mirror never diverges silently. What fits: an insert under a key the mirror lacks (or
 *   of the identical row), an update or delete that finds its row by its old key.
 * - Every statement MUST be prepared through the host, whose authorizer keeps records off
 *   the bookkeeping tables; the repairs table is written by this module alone.
 * - The application's triggers MUST NOT fire for a row record: what they wrote on the
 *   primary arrives as rows of its own.
 * - Values are bound exactly as the record carries them (integers as i64, reals as their
 *   double, text and blobs as bytes, an empty one as empty, never as NULL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply_row.h"
#include "clock.h"
#include "row.h"
#include "rowcache.h"


/* The statements of one shape: the change, and those only divergence needs. */
enum { Q_CHANGE, Q_SAME, Q_EXISTS, Q_FIX, Q_FIXUP, NQ };

struct shape {
	sqlite3_stmt *q[NQ];
};

struct jrowapply {
	struct jrowapply_host h;
	struct jrowcache *shapes;
	int           triggers;       /* -1 not known, else what the connection has */
	char          why[256];       /* SQLite's message for the last failed step */
};

struct jrowapply *
jrowapply_new(const struct jrowapply_host *host, struct jerr *e)
{
	struct jrowapply *ra = calloc(1, sizeof *ra);

	if (!ra) {
		jerr_sys(e, EX_OSERR, "out of memory");
		return NULL;
	}
	ra->h = *host;
	ra->triggers = -1;
	if (!(ra->shapes = jrowcache_new(sizeof(struct shape), 0, e))) {
		free(ra);
		return NULL;
	}
	return ra;
}

static void
shape_done(void *data)
{
	struct shape *sh = data;

	for (int k = 0; k < NQ; k++)
		sqlite3_finalize(sh->q[k]);
}

void
jrowapply_free(struct jrowapply *ra)
{
	if (!ra)
		return;
	jrowcache_free(ra->shapes, shape_done);
	free(ra);
}

void
jrowapply_triggers(struct jrowapply *ra, int on)
{
	if (ra->triggers == on)
		return;
	/* Changing it expires every prepared statement (SQLite re-prepares them): only when
	 * a run of row records meets an sql record, or the other way round. */
	sqlite3_db_config(ra->h.db, SQLITE_DBCONFIG_ENABLE_TRIGGER, on, (int *)NULL);
	ra->triggers = on;
}

/* ---- SQL text of a shape's statements ---- */

static void
sql_name(sqlite3_str *s, const char *p, size_t n)
{
	sqlite3_str_appendchar(s, 1, '"');
	for (size_t i = 0; i < n; i++)
		sqlite3_str_appendchar(s, p[i] == '"' ? 2 : 1, p[i]);
	sqlite3_str_appendchar(s, 1, '"');
}

static void
sql_table(sqlite3_str *s, const struct jrow_change *c)
{
	if (c->slen)
		sql_name(s, c->schema, c->slen);
	else
		sqlite3_str_appendall(s, "\"main\"");
	sqlite3_str_appendchar(s, 1, '.');
	sql_name(s, c->table, c->tlen);
}

/* "c1 IS ?N AND c2 IS ?N+1" (sep " AND ", op " IS ") or "c1 = ?N, ..." over the columns
 * of it (the row's sent ones only); returns the next parameter number. */
static int
sql_cols(sqlite3_str *s, struct jrow_cols it, const char *op, const char *sep, int n)
{
	struct jrow_col col;
	int first = 1;

	while (jrow_cols_next(&it, &col)) {
		if (col.v.tag == JROW_UNCHANGED)
			continue;
		if (!first)
			sqlite3_str_appendall(s, sep);
		first = 0;
		sql_name(s, col.name, col.nlen);
		sqlite3_str_appendf(s, "%s?%d", op, n++);
	}
	return n;
}

/* "INSERT [OR REPLACE] INTO t(c1, c2) VALUES(?1, ?2)" over the row's sent columns. */
static void
sql_insert(sqlite3_str *s, const struct jrow_change *c, const char *verb)
{
	struct jrow_cols it;
	struct jrow_col col;
	int n = 0;

	sqlite3_str_appendf(s, "%s INTO ", verb);
	sql_table(s, c);
	sqlite3_str_appendchar(s, 1, '(');
	for (jrow_cols(c, &it); jrow_cols_next(&it, &col); )
		if (col.v.tag != JROW_UNCHANGED) {
			if (n++)
				sqlite3_str_appendall(s, ", ");
			sql_name(s, col.name, col.nlen);
		}
	sqlite3_str_appendall(s, ") VALUES(");
	for (int i = 1; i <= n; i++)
		sqlite3_str_appendf(s, "%s?%d", i > 1 ? ", " : "", i);
	sqlite3_str_appendchar(s, 1, ')');
}

/* The SQL of statement k of c's shape (sqlite3_free it), or NULL when out of memory. */
static char *
shape_sql(const struct jrow_change *c, int k)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	struct jrow_cols key, row;
	int n;

	jrow_key(c, &key);
	jrow_cols(c, &row);
	if (k == Q_FIX || (k == Q_CHANGE && c->op == JROW_INSERT)) {
		sql_insert(s, c, k == Q_FIX ? "INSERT OR REPLACE" : "INSERT");
	} else if (k == Q_SAME || k == Q_EXISTS) {
		sqlite3_str_appendall(s, "SELECT 1 FROM ");
		sql_table(s, c);
		sqlite3_str_appendall(s, " WHERE ");
		sql_cols(s, k == Q_SAME ? row : key, " IS ", " AND ", 1);
	} else if (c->op == JROW_DELETE) {
		sqlite3_str_appendall(s, "DELETE FROM ");
		sql_table(s, c);
		sqlite3_str_appendall(s, " WHERE ");
		sql_cols(s, key, " IS ", " AND ", 1);
	} else {
		sqlite3_str_appendall(s, k == Q_FIXUP ? "UPDATE OR REPLACE " : "UPDATE ");
		sql_table(s, c);
		sqlite3_str_appendall(s, " SET ");
		n = sql_cols(s, row, " = ", ", ", 1);
		sqlite3_str_appendall(s, " WHERE ");
		sql_cols(s, key, " IS ", " AND ", n);
	}
	return sqlite3_str_finish(s);
}

/* The cached shape of c (its change statement prepared), or NULL with e. */
static struct shape *
shape_get(struct jrowapply *ra, const struct jrow_change *c, uint64_t lsn, struct jerr *e)
{
	struct shape *sh;
	char *sql;
	int fresh, rc;

	if (!(sh = jrowcache_get(ra->shapes, c, &fresh, e)) || !fresh)
		return sh;
	if (!(sql = shape_sql(c, Q_CHANGE))) {
		jrowcache_drop(ra->shapes, sh);
		jerr_sys(e, EX_OSERR, "out of memory");
		return NULL;
	}
	rc = ra->h.prepare(ra->h.arg, sql, lsn, &sh->q[Q_CHANGE], e);
	sqlite3_free(sql);
	if (rc < 0) {
		jrowcache_drop(ra->shapes, sh);
		return NULL;
	}
	return sh;
}

/* Statement k of sh, prepared when first needed. */
static sqlite3_stmt *
shape_stmt(struct jrowapply *ra, struct shape *sh, const struct jrow_change *c, int k,
    uint64_t lsn, struct jerr *e)
{
	char *sql;
	int rc;

	if (sh->q[k])
		return sh->q[k];
	if (!(sql = shape_sql(c, k))) {
		jerr_sys(e, EX_OSERR, "out of memory");
		return NULL;
	}
	rc = ra->h.prepare(ra->h.arg, sql, lsn, &sh->q[k], e);
	sqlite3_free(sql);
	return rc < 0 ? NULL : sh->q[k];
}

/* ---- binding and running ---- */

static void
bind_value(sqlite3_stmt *q, int i, const struct jrow_value *v)
{
	const char *p = v->p ? (const char *)v->p : "";

	switch (v->tag) {
	case JROW_INTEGER:
	case JROW_BOOLEAN:
		sqlite3_bind_int64(q, i, v->i);
		break;
	case JROW_REAL:
		sqlite3_bind_double(q, i, v->r);
		break;
	case JROW_BLOB:
		sqlite3_bind_blob(q, i, p, (int)v->len, SQLITE_STATIC);
		break;
	case JROW_TEXT:
	case JROW_NUMERIC:
	case JROW_TIMESTAMP:
		sqlite3_bind_text(q, i, p, (int)v->len, SQLITE_STATIC);
		break;
	default:
		sqlite3_bind_null(q, i);
	}
}

/* Bind the sent columns of it from parameter n on; the next parameter number. */
static int
bind_cols(sqlite3_stmt *q, struct jrow_cols it, int n)
{
	struct jrow_col col;

	while (jrow_cols_next(&it, &col))
		if (col.v.tag != JROW_UNCHANGED)
			bind_value(q, n++, &col.v);
	return n;
}

/* Bind statement k's parameters from c, step it once and reset it: SQLite's result code,
 * and in *changed the rows it changed. */
static int
run(struct jrowapply *ra, sqlite3_stmt *q, const struct jrow_change *c, int k, int *changed)
{
	struct jrow_cols key, row;
	int rc;

	jrow_key(c, &key);
	jrow_cols(c, &row);
	if (k == Q_EXISTS || (k == Q_CHANGE && c->op == JROW_DELETE))
		bind_cols(q, key, 1);
	else if (k == Q_CHANGE && c->op == JROW_INSERT)
		bind_cols(q, row, 1);
	else if (k == Q_SAME || k == Q_FIX)
		bind_cols(q, row, 1);
	else
		bind_cols(q, key, bind_cols(q, row, 1));
	rc = sqlite3_step(q);
	*changed = sqlite3_changes(ra->h.db);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		snprintf(ra->why, sizeof ra->why, "%s", sqlite3_errmsg(ra->h.db));
	sqlite3_reset(q);
	return rc;
}

/* ---- divergence and repair ---- */

/* Write one repair to main.jmirror_repairs, in the open transaction, and report it. */
static int
note_repair(struct jrowapply *ra, const struct jrow_change *c, uint64_t lsn,
    const char *problem, const char *what, struct jerr *e)
{
	struct jrow_where w;
	char line[1400];
	sqlite3_stmt *q = NULL;
	int rc;

	jrow_where(c, &w);
	if (jsqlite_exec(ra->h.db, "CREATE TABLE IF NOT EXISTS main.jmirror_repairs("
	    "lsn INTEGER NOT NULL, \"table\" TEXT NOT NULL, key TEXT NOT NULL, "
	    "operation TEXT NOT NULL, what TEXT NOT NULL, at INTEGER NOT NULL)", e) < 0)
		return -1;
	rc = sqlite3_prepare_v2(ra->h.db, "INSERT INTO main.jmirror_repairs VALUES(?, ?, ?, ?, ?, ?)",
	    -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, (sqlite3_int64)lsn);
		sqlite3_bind_text(q, 2, w.table, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, w.key, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, jrow_op_name(c->op), -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, what, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 6, (sqlite3_int64)jclock_now());
		rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	if (rc != SQLITE_OK)
		jsqlite_err(e, ra->h.db, rc, "unable to record a repair");
	sqlite3_finalize(q);
	if (rc != SQLITE_OK)
		return -1;
	jrow_repaired(c, lsn, problem, what, line, sizeof line);
	if (ra->h.repaired)
		ra->h.repaired(ra->h.arg, line);
	return 0;
}

/*
 * c does not fit the mirror, as problem says. Without repair: EX_CONFIG. With it: run
 * statement fix of c's shape (none: -1), then report and record what was done.
 */
static int
diverged(struct jrowapply *ra, struct shape *sh, const struct jrow_change *c, uint64_t lsn,
    const char *problem, int fix, const char *what, struct jerr *e)
{
	sqlite3_stmt *q;
	int changed;

	if (!ra->h.repair)
		return jrow_refuse(c, lsn, problem, NULL, e);
	if (fix >= 0) {
		if (!(q = shape_stmt(ra, sh, c, fix, lsn, e)))
			return -1;
		if (run(ra, q, c, fix, &changed) != SQLITE_DONE)
			return jrow_refuse(c, lsn, problem, ra->why, e);
	}
	return note_repair(ra, c, lsn, problem, what, e);
}

/* An insert refused by a constraint: the identical row is no change; anything else in the
 * way is divergence. */
static int
insert_refused(struct jrowapply *ra, struct shape *sh, const struct jrow_change *c,
    uint64_t lsn, struct jerr *e)
{
	char why[sizeof ra->why + 64];
	sqlite3_stmt *q;
	int n, rc;

	snprintf(why, sizeof why, "an insert refused by a constraint (%s)", ra->why);
	if (!(q = shape_stmt(ra, sh, c, Q_SAME, lsn, e)))
		return -1;
	if ((rc = run(ra, q, c, Q_SAME, &n)) == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE) {
		if (!(q = shape_stmt(ra, sh, c, Q_EXISTS, lsn, e)))
			return -1;
		if ((rc = run(ra, q, c, Q_EXISTS, &n)) == SQLITE_ROW)
			snprintf(why, sizeof why, "an insert over a different row with the same key");
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return jerr_set(e, EX_CONFIG, "LSN %llu: %s", (unsigned long long)lsn, ra->why);
	return diverged(ra, sh, c, lsn, why, Q_FIX, "overwrote what was there", e);
}

/* A change failed with SQLite's rc: the mirror needs attention (78), unless the failure is
 * the disk's (74), memory's or a busy database's, as jsqlite_err classes them. */
static int
failed(struct jrowapply *ra, const struct jrow_change *c, uint64_t lsn, int rc, struct jerr *e)
{
	struct jrow_where w;
	struct jerr kind;

	jsqlite_err(&kind, NULL, rc, "");
	jrow_where(c, &w);
	return jerr_set(e, kind.code, "LSN %llu: table %s, key %s: %s: %s",
	    (unsigned long long)lsn, w.table, w.key, jrow_op_name(c->op), ra->why);
}

static int
apply_change(struct jrowapply *ra, const struct jrow_change *c, uint64_t lsn, struct jerr *e)
{
	struct shape *sh;
	int rc, n;

	if (c->op == JROW_SQL)
		return ra->h.statements(ra->h.arg, c->sql, c->sqllen, lsn, e);
	if (!(sh = shape_get(ra, c, lsn, e)))
		return -1;
	rc = run(ra, sh->q[Q_CHANGE], c, Q_CHANGE, &n);
	if (rc == SQLITE_DONE && (c->op == JROW_INSERT || n > 0))
		return 0;
	if (rc == SQLITE_CONSTRAINT && c->op == JROW_INSERT)
		return insert_refused(ra, sh, c, lsn, e);
	if (rc == SQLITE_CONSTRAINT && c->op == JROW_UPDATE) {
		char why[sizeof ra->why + 64];
		snprintf(why, sizeof why, "an update refused by a constraint (%s)", ra->why);
		return diverged(ra, sh, c, lsn, why, Q_FIXUP, "overwrote what was in the way", e);
	}
	if (rc != SQLITE_DONE)
		return failed(ra, c, lsn, rc, e);
	if (c->op == JROW_UPDATE)
		return diverged(ra, sh, c, lsn, "an update of a row the mirror lacks", Q_FIX,
		    "inserted the row", e);
	return diverged(ra, sh, c, lsn, "a delete of a row the mirror lacks", -1,
	    "nothing to delete", e);
}

int
jrowapply_record(struct jrowapply *ra, uint64_t lsn, const void *data, size_t len,
    struct jerr *e)
{
	struct jrow_reader rd;
	struct jrow_change c;
	char why[sizeof e->msg];
	int rc;

	if (jrow_open(&rd, data, len, e) < 0)
		goto damaged;
	jrowapply_triggers(ra, 0);
	while ((rc = jrow_next(&rd, &c, e)) == 1)
		if (apply_change(ra, &c, lsn, e) < 0)
			return -1;
	if (rc == 0)
		return 0;
damaged:
	snprintf(why, sizeof why, "%s", e ? e->msg : "");
	return jerr_set(e, EX_DATAERR, "LSN %llu: %s", (unsigned long long)lsn, why);
}
