/*
 * capture: installing and removing change capture in an SQLite database (capture.h). The
 * drain lives in capture_drain.c; both share capture_int.h.
 *
 * What the database holds once installed (every name starts with jmirror_):
 *   jmirror_capture   one row: the journal's lineage (hex), the schema the triggers were
 *                     made for (the application's sqlite_master text, compared by every
 *                     drain), the install time
 *   jmirror_shape     one row per captured table and install: its name, its row columns
 *                     (json array, the rowid first when the rowid is the key but no column),
 *                     its key columns (json array); a shape never changes, so that a change
 *                     noted before a --ddl is read with the columns it was noted with
 *   jmirror_outbox    the changes: seq (never reused, so that a position in the journal
 *                     names one change for ever: see the 'P' row), shape, op ('I' insert: c0..
 *                     the row; 'U' update: the old key then the new row; 'D' delete: the key;
 *                     'd' the key of a row that a REPLACE may be about to remove, see below;
 *                     'S' SQL: c0 the text; 'P' no change, the journal's position: see the
 *                     drain), capture time (s), c0 .. cN typeless: a value is kept exactly as
 *                     the application stored it (no affinity, no text form)
 *   jmirror_pending   rows that an INSERT or UPDATE OR REPLACE is about to remove without
 *                     firing a delete trigger, for tables with unique indexes; see below
 *   triggers          jmirror_capture_{bi,bu,ai,au,ad}_<shape> on every captured table, and
 *                     jmirror_capture_{pi,pu,pd}_<shape> on those with unique indexes
 *
 * Invariants:
 * - Install, uninstall and every --ddl MUST run in one exclusive transaction: a database is
 *   captured whole or not at all, and the outbox orders DDL exactly among the data.
 * - Every row change of a captured table MUST leave exactly one outbox row, in the
 *   application's transaction and in the order it happened. REPLACE conflict resolution
 *   deletes rows without delete triggers (unless recursive_triggers), in two ways:
 *   - A table whose only unique column set is its key (an INTEGER PRIMARY KEY or no
 *     declared key and no unique index; a WITHOUT ROWID table with no unique index): the
 *     one row a REPLACE can remove has the new row's key. The BEFORE trigger notes it in
 *     the outbox as 'd'; the drain makes it a deletion when the next outbox row of the table
 *     is the insertion of that key, or the update of another row to it (the REPLACE went
 *     through), and drops it otherwise (INSERT OR IGNORE, an upsert, a failed row, or the
 *     delete trigger noted the deletion itself). Each change then costs two trigger
 *     programs, the common one a single probe.
 *   - Any other table: the BEFORE trigger notes every existing row that conflicts with the
 *     new one on the key or on a unique index as pending, and the AFTER trigger turns into
 *     deletions those pending rows that are really gone (or whose key the new row took),
 *     then clears the pending list. INSERT OR IGNORE fires BEFORE but not AFTER: its pending
 *     rows still exist, are never confirmed, and the next AFTER trigger on the table clears
 *     them; a delete or an update of a pending row clears them too, so that a row gone for
 *     another reason is never deleted twice.
 * - The outbox sequence MUST continue above every position the bound journal already holds,
 *   so that a reinstall never reuses a position the drain would skip: SQLite numbers a row
 *   one above the highest in the table, so the install and every drain leave a 'P' row at
 *   the journal's position (no AUTOINCREMENT: its bookkeeping costs every statement a
 *   write).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"
#include "clock.h"
#include "sqlite.h"

/* ---- SQL helpers shared with capture_drain.c ---- */

int
jcap_db_open(const char *path, sqlite3 **dbp, struct jerr *e)
{
	if (jsqlite_open(path, SQLITE_OPEN_READWRITE, dbp, e) < 0)
		return -1;
	/* The capture's own writes must not fire the application's triggers: the mirror
	 * gets what those triggers write as captured rows. */
	sqlite3_db_config(*dbp, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	return 0;
}

/* One integer from a query (0 when it returns no row); -1 with e filled. */
int
jcap_int(sqlite3 *db, const char *sql, sqlite3_int64 *v, struct jerr *e)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

	if (rc != SQLITE_OK)
		return jsqlite_err(e, db, rc, "SQL");
	*v = 0;
	if ((rc = sqlite3_step(q)) == SQLITE_ROW)
		*v = sqlite3_column_int64(q, 0);
	else if (rc != SQLITE_DONE) {
		jsqlite_err(e, db, rc, "SQL");
		sqlite3_finalize(q);
		return -1;
	}
	sqlite3_finalize(q);
	return 0;
}

/* The application's schema as the drain compares it: every object but SQLite's and ours. */
const char jcap_schema_sql[] =
    "SELECT coalesce(group_concat(type || ' ' || name || ' ' || coalesce(sql, ''), char(10)),"
    " '') FROM (SELECT type, name, sql FROM main.sqlite_master"
    " WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'jmirror\\_%' ESCAPE '\\'"
    " AND tbl_name NOT LIKE 'jmirror\\_%' ESCAPE '\\' ORDER BY rowid)";

/* A string from a query, malloc'ed ("" when no row); NULL with e filled. */
char *
jcap_text(sqlite3 *db, const char *sql, struct jerr *e)
{
	sqlite3_stmt *q;
	char *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

	if (rc != SQLITE_OK) {
		jsqlite_err(e, db, rc, "SQL");
		return NULL;
	}
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		jsqlite_err(e, db, rc, "SQL");
	else if (!(s = strdup(rc == SQLITE_ROW && sqlite3_column_text(q, 0) ?
	    (const char *)sqlite3_column_text(q, 0) : "")))
		jerr_set(e, EX_OSERR, "out of memory");
	sqlite3_finalize(q);
	return s;
}

/* ---- what a table looks like to the triggers ---- */

struct names {
	int    n;
	char **v;
};

struct table {
	char        *name;
	struct names row;         /* what an insert notes: [rowid alias name,] columns */
	struct names key;         /* the key: the rowid, or the WITHOUT ROWID table's key */
	struct names *uniq;       /* every set of columns a REPLACE may conflict on */
	int          nuniq;
	char        *order;       /* the rowid's name in a rowid table: snapshot order */
	int          keyonly;     /* the key is the only column set a REPLACE conflicts on */
	sqlite3_int64 shape;
};

static void
names_free(struct names *n)
{
	for (int i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

static int
names_add(struct names *n, const char *s)
{
	char **v = realloc(n->v, (size_t)(n->n + 1) * sizeof *v);

	if (!v)
		return -1;
	n->v = v;
	if (!(n->v[n->n] = strdup(s)))
		return -1;
	n->n++;
	return 0;
}

static void
table_free(struct table *t)
{
	free(t->name);
	free(t->order);
	names_free(&t->row);
	names_free(&t->key);
	for (int i = 0; i < t->nuniq; i++)
		names_free(&t->uniq[i]);
	free(t->uniq);
	memset(t, 0, sizeof *t);
}

static int
names_has(const struct names *n, const char *s)
{
	for (int i = 0; i < n->n; i++)
		if (sqlite3_stricmp(n->v[i], s) == 0)
			return 1;
	return 0;
}

/* Run sql (one text parameter: the table) and add column 0 of each row to n. */
static int
collect(sqlite3 *db, const char *sql, const char *arg, struct names *n, struct jerr *e)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

	if (rc != SQLITE_OK)
		return jsqlite_err(e, db, rc, "reading the schema");
	sqlite3_bind_text(q, 1, arg, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(q, 0);

		if (names_add(n, s ? s : "") < 0) {
			sqlite3_finalize(q);
			return jerr_set(e, EX_OSERR, "out of memory");
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : jsqlite_err(e, db, rc, "reading the schema");
}

/* The name by which the rowid is reachable when no column hides it. */
static const char *
rowid_name(const struct names *cols)
{
	static const char *const alt[] = { "rowid", "_rowid_", "oid" };

	for (size_t i = 0; i < sizeof alt / sizeof alt[0]; i++)
		if (!names_has(cols, alt[i]))
			return alt[i];
	return NULL;
}

static int
table_uniques(sqlite3 *db, struct table *t, struct jerr *e)
{
	struct names idx = { 0, NULL };
	int rc = collect(db, "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" AND "
	    "NOT EXISTS (SELECT 1 FROM pragma_index_info(name) WHERE cid < 0)", t->name, &idx, e);

	for (int i = 0; rc == 0 && i < idx.n; i++) {
		struct names *u = realloc(t->uniq, (size_t)(t->nuniq + 1) * sizeof *u);

		if (!u) {
			rc = jerr_set(e, EX_OSERR, "out of memory");
			break;
		}
		t->uniq = u;
		memset(&u[t->nuniq], 0, sizeof *u);
		rc = collect(db, "SELECT name FROM pragma_index_info(?1) ORDER BY seqno", idx.v[i],
		    &u[t->nuniq++], e);
	}
	names_free(&idx);
	/* a rowid table's first set is the rowid, which its key is unless a unique index
	 * (the declared key's own, when it is not the rowid) comes with it */
	t->keyonly = rc == 0 && t->nuniq == 1 && (t->order || t->uniq[0].n == t->key.n);
	for (int k = 0; t->keyonly && !t->order && k < t->key.n; k++)
		t->keyonly = names_has(&t->uniq[0], t->key.v[k]);
	return rc;
}

/*
 * Read what the triggers need of table name (man/jmirror.5, ROW RECORDS): its columns; its
 * key, the declared primary key, or for a rowid table without one the rowid, which the row
 * then carries first under the name rowid; and every column set a REPLACE may conflict on
 * (the rowid of a rowid table, the primary key, each unique index on plain columns).
 */
static int
table_read(sqlite3 *db, const char *name, int wr, struct table *t, struct jerr *e)
{
	struct names cols = { 0, NULL };
	const char *rn = NULL;

	memset(t, 0, sizeof *t);
	if (!(t->name = strdup(name)))
		return jerr_set(e, EX_OSERR, "out of memory");
	if (collect(db, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", name, &cols, e) < 0 ||
	    collect(db, "SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk", name,
	    &t->key, e) < 0)
		goto fail;
	if (!wr && !(rn = rowid_name(&cols))) {
		jerr_set(e, EX_DATAERR, "table %s: columns named rowid, _rowid_ and oid hide its "
		    "rowid: it cannot be captured", name);
		goto fail;
	}
	if (!wr && t->key.n == 0) {
		if (strcmp(rn, "rowid") != 0) {
			jerr_set(e, EX_DATAERR, "table %s: it has no primary key and a column named "
			    "rowid: it cannot be captured (declare a primary key)", name);
			goto fail;
		}
		if (names_add(&t->key, rn) < 0 || names_add(&t->row, rn) < 0)
			goto oom;
	}
	for (int i = 0; i < cols.n; i++)
		if (names_add(&t->row, cols.v[i]) < 0)
			goto oom;
	names_free(&cols);
	if (!wr) {
		/* the rowid is a unique column set of its own: a REPLACE may conflict on it */
		if (!(t->uniq = calloc(1, sizeof *t->uniq)) || names_add(&t->uniq[0], rn) < 0 ||
		    !(t->order = strdup(rn)))
			goto oom;
		t->nuniq = 1;
	}
	return table_uniques(db, t, e);
oom:
	jerr_set(e, EX_OSERR, "out of memory");
fail:
	names_free(&cols);
	table_free(t);
	return -1;
}

/* ---- the SQL text of the triggers ---- */

/* Append "P.\"a\",P.\"b\"" (prefix P, may be empty). */
static void
put_list(sqlite3_str *s, const char *prefix, const struct names *n)
{
	for (int i = 0; i < n->n; i++)
		sqlite3_str_appendf(s, "%s%s\"%w\"", i ? "," : "", prefix, n->v[i]);
}

/* Append "c<from>,...,c<from+n-1>". */
static void
put_cols(sqlite3_str *s, char c, int from, int n)
{
	for (int i = 0; i < n; i++)
		sqlite3_str_appendf(s, ",%c%d", c, from + i);
}

/* Append "a.\"x\"=b.\"x\" AND ..." for the columns of n. */
static void
put_match(sqlite3_str *s, const char *a, const struct names *n, const char *b)
{
	for (int i = 0; i < n->n; i++)
		sqlite3_str_appendf(s, "%s%s\"%w\"=%s\"%w\"", i ? " AND " : "", a, n->v[i], b,
		    n->v[i]);
}

/* Append the test that some existing row other than OLD's conflicts with NEW. */
static void
put_conflict_rows(sqlite3_str *s, const struct table *t, int update, int select_key)
{
	for (int i = 0; i < t->nuniq; i++) {
		if (select_key) {
			sqlite3_str_appendf(s, "%sSELECT %lld", i ? " UNION " : "", t->shape);
			if (t->keyonly)
				sqlite3_str_appendf(s, ",'d'," JCAP_NOW);
			for (int k = 0; k < t->key.n; k++)
				sqlite3_str_appendf(s, ",\"%w\"", t->key.v[k]);
		} else {
			sqlite3_str_appendf(s, "%sEXISTS(SELECT 1", i ? " OR " : "");
		}
		sqlite3_str_appendf(s, " FROM \"%w\" WHERE ", t->name);
		put_match(s, "", &t->uniq[i], "NEW.");
		if (update) {
			sqlite3_str_appendf(s, " AND NOT (");
			put_match(s, "", &t->key, "OLD.");
			sqlite3_str_appendf(s, ")");
		}
		if (!select_key)
			sqlite3_str_appendf(s, ")");
	}
}

/* BEFORE INSERT or UPDATE: note the rows a REPLACE would remove silently (as 'd' in the
 * outbox when the key is the only unique column set, else as pending). */
static void
put_before(sqlite3_str *s, const struct table *t, int update)
{
	sqlite3_str_appendf(s, "CREATE TRIGGER main.jmirror_capture_b%c_%lld BEFORE %s ON "
	    "main.\"%w\" WHEN ", update ? 'u' : 'i', t->shape, update ? "UPDATE" : "INSERT",
	    t->name);
	put_conflict_rows(s, t, update, 0);
	if (t->keyonly) {
		sqlite3_str_appendf(s, " BEGIN INSERT INTO jmirror_outbox(s,op,t");
		put_cols(s, 'c', 0, t->key.n);
	} else {
		sqlite3_str_appendf(s, " BEGIN INSERT INTO jmirror_pending(s");
		put_cols(s, 'k', 0, t->key.n);
	}
	sqlite3_str_appendf(s, ") ");
	put_conflict_rows(s, t, update, 1);
	sqlite3_str_appendf(s, "; END; ");
}

/*
 * In an AFTER trigger: the pending rows really gone become deletions; the list is cleared.
 * Gone: no row has the pending key any more, or the new row took it. The row an UPDATE
 * changes (OLD) is never one REPLACE removed: an upsert notes it in its BEFORE INSERT and
 * then updates it, and a key it leaves is not a deletion.
 */
static void
put_confirm(sqlite3_str *s, const struct table *t, int update)
{
	sqlite3_str_appendf(s, "INSERT INTO jmirror_outbox(s,op,t");
	put_cols(s, 'c', 0, t->key.n);
	sqlite3_str_appendf(s, ") SELECT DISTINCT s,'D'," JCAP_NOW);
	put_cols(s, 'k', 0, t->key.n);
	sqlite3_str_appendf(s, " FROM jmirror_pending p WHERE s=%lld AND ", t->shape);
	if (update) {
		sqlite3_str_appendf(s, "NOT (");
		for (int k = 0; k < t->key.n; k++)
			sqlite3_str_appendf(s, "%sOLD.\"%w\"=p.k%d", k ? " AND " : "", t->key.v[k], k);
		sqlite3_str_appendf(s, ") AND ");
	}
	sqlite3_str_appendf(s, "(NOT EXISTS(SELECT 1 FROM \"%w\" x WHERE ", t->name);
	for (int k = 0; k < t->key.n; k++)
		sqlite3_str_appendf(s, "%sx.\"%w\"=p.k%d", k ? " AND " : "", t->key.v[k], k);
	sqlite3_str_appendf(s, ") OR (");
	for (int k = 0; k < t->key.n; k++)
		sqlite3_str_appendf(s, "%sNEW.\"%w\"=p.k%d", k ? " AND " : "", t->key.v[k], k);
	sqlite3_str_appendf(s, ")) ORDER BY rowid; ");
	sqlite3_str_appendf(s, "DELETE FROM jmirror_pending WHERE s=%lld; ", t->shape);
}

/* AFTER op: note the change. */
static void
put_after(sqlite3_str *s, const struct table *t, char op)
{
	static const char *const what[] = { "INSERT", "UPDATE", "DELETE" };
	const char *w = what[op == 'I' ? 0 : op == 'U' ? 1 : 2];
	int n = op == 'I' ? t->row.n : op == 'U' ? t->key.n + t->row.n : t->key.n;

	sqlite3_str_appendf(s, "CREATE TRIGGER main.jmirror_capture_a%c_%lld AFTER %s ON "
	    "main.\"%w\" BEGIN ", op == 'I' ? 'i' : op == 'U' ? 'u' : 'd', t->shape, w, t->name);
	sqlite3_str_appendf(s, "INSERT INTO jmirror_outbox(s,op,t");
	put_cols(s, 'c', 0, n);
	sqlite3_str_appendf(s, ") VALUES(%lld,'%c'," JCAP_NOW ",",
	    t->shape, op);
	if (op != 'I')
		put_list(s, "OLD.", &t->key);
	if (op == 'U')
		sqlite3_str_appendf(s, ",");
	if (op != 'D')
		put_list(s, "NEW.", &t->row);
	sqlite3_str_appendf(s, "); END; ");
}

/*
 * AFTER op, only while rows are pending: confirm them (INSERT, UPDATE) or forget them (a
 * DELETE: with recursive_triggers, REPLACE's deletions fire the delete trigger, which
 * notes them itself). SQLite fires the triggers of one event newest first: made after
 * put_after's, this one runs before it, so the deletions precede the change in the outbox
 * (the tests of REPLACE fail if that ever changes). A trigger of its own, with a WHEN, so
 * that the common case (nothing pending) costs one index probe, not two statements.
 */
static void
put_pending(sqlite3_str *s, const struct table *t, char op)
{
	static const char *const what[] = { "INSERT", "UPDATE", "DELETE" };
	const char *w = what[op == 'I' ? 0 : op == 'U' ? 1 : 2];

	sqlite3_str_appendf(s, "CREATE TRIGGER main.jmirror_capture_p%c_%lld AFTER %s ON "
	    "main.\"%w\" WHEN EXISTS (SELECT 1 FROM jmirror_pending WHERE s=%lld) BEGIN ",
	    op == 'I' ? 'i' : op == 'U' ? 'u' : 'd', t->shape, w, t->name, t->shape);
	if (op == 'D')
		sqlite3_str_appendf(s, "DELETE FROM jmirror_pending WHERE s=%lld; ", t->shape);
	else
		put_confirm(s, t, op == 'U');
	sqlite3_str_appendf(s, "END; ");
}

/* ---- install ---- */

static const char tables_sql[] =
    "CREATE TABLE IF NOT EXISTS main.jmirror_capture(id INTEGER PRIMARY KEY CHECK (id = 1),"
    " lineage TEXT NOT NULL, schema TEXT NOT NULL, installed INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS main.jmirror_shape(s INTEGER PRIMARY KEY, tbl TEXT NOT NULL,"
    " cols TEXT NOT NULL, keys TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS main.jmirror_outbox(seq INTEGER PRIMARY KEY,"
    " s INTEGER NOT NULL, op TEXT NOT NULL, t INTEGER NOT NULL, c0);"
    "CREATE TABLE IF NOT EXISTS main.jmirror_pending(s INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS main.jmirror_pending_s ON jmirror_pending(s);";

/* Give table tbl (outbox or pending) columns c0 .. c<n-1> (or k...), typeless. */
static int
widen(sqlite3 *db, const char *tbl, char c, int n, struct jerr *e)
{
	char sql[128];
	sqlite3_int64 have;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s') WHERE "
	    "name GLOB '%c[0-9]*'", tbl, c);
	if (jcap_int(db, sql, &have, e) < 0)
		return -1;
	for (int i = (int)have; i < n; i++) {
		snprintf(sql, sizeof sql, "ALTER TABLE main.%s ADD COLUMN %c%d", tbl, c, i);
		if (jsqlite_exec(db, sql, e) < 0)
			return -1;
	}
	return 0;
}

static int
json_names(sqlite3_str *s, const struct names *n)
{
	sqlite3_str_appendf(s, "json_array(");
	for (int i = 0; i < n->n; i++)
		sqlite3_str_appendf(s, "%s'%q'", i ? "," : "", n->v[i]);
	sqlite3_str_appendf(s, ")");
	return 0;
}

/* Register t's shape and create its triggers. */
static int
table_install(sqlite3 *db, struct table *t, int *width, int *kwidth, struct jerr *e)
{
	sqlite3_str *s = sqlite3_str_new(db);
	char *sql;
	int rc;

	sqlite3_str_appendf(s, "INSERT INTO main.jmirror_shape(tbl, cols, keys) VALUES('%q',",
	    t->name);
	json_names(s, &t->row);
	sqlite3_str_appendf(s, ",");
	json_names(s, &t->key);
	sqlite3_str_appendf(s, ")");
	if (!(sql = sqlite3_str_finish(s)))
		return jerr_set(e, EX_OSERR, "out of memory");
	rc = jsqlite_exec(db, sql, e);
	sqlite3_free(sql);
	if (rc < 0)
		return -1;
	t->shape = sqlite3_last_insert_rowid(db);
	if (t->key.n + t->row.n > *width)
		*width = t->key.n + t->row.n;
	if (t->key.n > *kwidth)
		*kwidth = t->key.n;
	if (widen(db, "jmirror_outbox", 'c', *width, e) < 0 ||
	    widen(db, "jmirror_pending", 'k', *kwidth, e) < 0)
		return -1;
	s = sqlite3_str_new(db);
	put_before(s, t, 0);
	put_before(s, t, 1);
	put_after(s, t, 'I');
	put_after(s, t, 'U');
	put_after(s, t, 'D');
	if (!t->keyonly) {
		put_pending(s, t, 'I');     /* after put_after's: fired before them */
		put_pending(s, t, 'U');
		put_pending(s, t, 'D');
	}
	if (!(sql = sqlite3_str_finish(s)))
		return jerr_set(e, EX_OSERR, "out of memory");
	rc = jsqlite_exec(db, sql, e);
	sqlite3_free(sql);
	if (rc < 0) {
		char why[sizeof e->msg];

		snprintf(why, sizeof why, "%s", e->msg);
		return jerr_set(e, e->code, "table %s: %s", t->name, why);
	}
	return 0;
}

/* The current contents of t as insertions, for the snapshot. */
static int
table_snapshot(sqlite3 *db, const struct table *t, struct jerr *e)
{
	sqlite3_str *s = sqlite3_str_new(db);
	char *sql;
	int rc;

	sqlite3_str_appendf(s, "INSERT INTO main.jmirror_outbox(s,op,t");
	put_cols(s, 'c', 0, t->row.n);
	sqlite3_str_appendf(s, ") SELECT %lld,'I'," JCAP_NOW ",",
	    t->shape);
	put_list(s, "", &t->row);
	sqlite3_str_appendf(s, " FROM main.\"%w\" ORDER BY ", t->name);
	if (t->order)
		sqlite3_str_appendf(s, "\"%w\"", t->order);
	else
		put_list(s, "", &t->key);
	if (!(sql = sqlite3_str_finish(s)))
		return jerr_set(e, EX_OSERR, "out of memory");
	rc = jsqlite_exec(db, sql, e);
	sqlite3_free(sql);
	return rc;
}

/* Every ordinary table of the application: name and whether it is WITHOUT ROWID. */
static int
list_tables(sqlite3 *db, struct names *names, struct names *wr, struct jerr *e)
{
	if (collect(db, "SELECT name FROM pragma_table_list WHERE schema = 'main' AND "
	    "type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE "
	    "'jmirror\\_%' ESCAPE '\\' AND name <> ?1 ORDER BY name", "", names, e) < 0)
		return -1;
	return collect(db, "SELECT name FROM pragma_table_list WHERE schema = 'main' AND "
	    "type = 'table' AND wr AND name <> ?1", "", wr, e);
}

/* Triggers and shapes for every table; with snapshot, their rows as insertions. */
int
jcap_install_tables(sqlite3 *db, int snapshot, struct jerr *e)
{
	struct names names = { 0, NULL }, wr = { 0, NULL };
	sqlite3_int64 w = 0;
	int width, kwidth, rc = list_tables(db, &names, &wr, e);

	if (rc == 0)
		rc = jcap_int(db, "SELECT count(*) FROM pragma_table_info('jmirror_outbox') WHERE "
		    "name GLOB 'c[0-9]*'", &w, e);
	width = (int)w;
	kwidth = 0;
	for (int i = 0; rc == 0 && i < names.n; i++) {
		struct table t;

		if ((rc = table_read(db, names.v[i], names_has(&wr, names.v[i]), &t, e)) < 0)
			break;
		rc = table_install(db, &t, &width, &kwidth, e);
		if (rc == 0 && snapshot)
			rc = table_snapshot(db, &t, e);
		table_free(&t);
	}
	names_free(&names);
	names_free(&wr);
	return rc;
}

/* Remove every capture trigger (their names are ours alone). */
int
jcap_drop_triggers(sqlite3 *db, struct jerr *e)
{
	struct names trg = { 0, NULL };
	int rc = collect(db, "SELECT name FROM main.sqlite_master WHERE type = 'trigger' AND "
	    "name LIKE 'jmirror\\_capture\\_%' ESCAPE '\\' AND name <> ?1", "", &trg, e);

	for (int i = 0; rc == 0 && i < trg.n; i++) {
		char *sql = sqlite3_mprintf("DROP TRIGGER main.\"%w\"", trg.v[i]);

		rc = sql ? jsqlite_exec(db, sql, e) : jerr_set(e, EX_OSERR, "out of memory");
		sqlite3_free(sql);
	}
	names_free(&trg);
	return rc < 0 ? -1 : jsqlite_exec(db, "DELETE FROM main.jmirror_pending", e);
}

/* Store the schema the triggers were made for: what every drain compares. */
int
jcap_remember_schema(sqlite3 *db, struct jerr *e)
{
	char *schema = jcap_text(db, jcap_schema_sql, e), *sql;
	int rc;

	if (!schema)
		return -1;
	sql = sqlite3_mprintf("UPDATE main.jmirror_capture SET schema = '%q'", schema);
	rc = sql ? jsqlite_exec(db, sql, e) : jerr_set(e, EX_OSERR, "out of memory");
	sqlite3_free(sql);
	free(schema);
	return rc;
}

/* The schema snapshot: every application object's SQL, in creation order, as one 'S'. */
static int
snapshot_schema(sqlite3 *db, struct jerr *e)
{
	return jsqlite_exec(db, "INSERT INTO main.jmirror_outbox(s, op, t, c0) SELECT 0, 'S', "
	    JCAP_NOW ", group_concat(sql, ';' || char(10)) || ';' FROM "
	    "(SELECT sql FROM main.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE "
	    "'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'jmirror\\_%' ESCAPE '\\' AND tbl_name "
	    "NOT LIKE 'jmirror\\_%' ESCAPE '\\' ORDER BY rowid) HAVING count(*) > 0", e);
}

static int
install_in(sqlite3 *db, const char *lineage, uint64_t pos, int snapshot, struct jerr *e)
{
	char *sql;
	int rc;

	if (jsqlite_exec(db, tables_sql, e) < 0)
		return -1;
	sql = sqlite3_mprintf("INSERT INTO main.jmirror_capture(id, lineage, schema, installed) "
	    "VALUES(1, '%q', '', %lld); INSERT INTO main.jmirror_outbox(seq, s, op, t) SELECT "
	    "%lld, 0, 'P', 0 WHERE %lld > 0", lineage, (long long)(jclock_now() / 1000000000u),
	    (long long)pos, (long long)pos);
	rc = sql ? jsqlite_exec(db, sql, e) : jerr_set(e, EX_OSERR, "out of memory");
	sqlite3_free(sql);
	if (rc == 0 && snapshot)
		rc = snapshot_schema(db, e);
	if (rc == 0)
		rc = jcap_install_tables(db, snapshot, e);
	if (rc == 0)
		rc = jcap_remember_schema(db, e);
	return rc;
}

/* Is capture installed? 1 yes (lineage copied when not NULL), 0 no. */
int
jcap_installed(sqlite3 *db, char lineage[JCAP_LINEAGE_HEX], struct jerr *e)
{
	sqlite3_int64 n;
	char *l;

	if (jcap_int(db, "SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND "
	    "name = 'jmirror_capture'", &n, e) < 0)
		return -1;
	if (!n)
		return 0;
	if (!(l = jcap_text(db, "SELECT lineage FROM main.jmirror_capture", e)))
		return -1;
	if (lineage)
		snprintf(lineage, JCAP_LINEAGE_HEX, "%s", l);
	free(l);
	return 1;
}

int
jcapture_install(const char *dbpath, const char *journal, const struct jcapture_install *o,
                 struct jerr *e)
{
	char lineage[JCAP_LINEAGE_HEX], have[JCAP_LINEAGE_HEX];
	uint64_t pos;
	sqlite3 *db;
	int rc;

	if (jcap_journal_where(journal, lineage, NULL, &pos, e) < 0 ||
	    jcap_db_open(dbpath, &db, e) < 0)
		return -1;
	rc = jsqlite_exec(db, "PRAGMA journal_mode=WAL", e);
	if (rc == 0)
		rc = jsqlite_exec(db, "BEGIN EXCLUSIVE", e);
	if (rc == 0 && (rc = jcap_installed(db, have, e)) == 1) {
		rc = strcmp(have, lineage) == 0 ?
		    jerr_set(e, JCAP_EINSTALLED, "capture is already installed") :
		    jerr_set(e, EX_DATAERR, "capture is installed for another journal "
		    "(lineage %s, %s has %s)", have, journal, lineage);
	}
	if (rc == 0)
		rc = install_in(db, lineage, pos, !o->no_snapshot, e);
	if (rc == 0)
		rc = jsqlite_exec(db, "COMMIT", e);
	if (rc < 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc < 0 ? -1 : 0;
}

int
jcapture_uninstall(const char *dbpath, int force, struct jerr *e)
{
	sqlite3_int64 n = 0;
	sqlite3 *db;
	int rc;

	if (jcap_db_open(dbpath, &db, e) < 0)
		return -1;
	rc = jsqlite_exec(db, "BEGIN EXCLUSIVE", e);
	if (rc == 0 && (rc = jcap_installed(db, NULL, e)) == 0)
		rc = jerr_set(e, EX_USAGE, "capture is not installed");
	if (rc == 1)
		rc = jcap_int(db, "SELECT count(*) FROM main.jmirror_outbox WHERE op <> 'P'", &n, e);
	if (rc == 0 && n && !force)
		rc = jerr_set(e, JCAP_EPENDING, "%lld changes wait in the outbox: drain them "
		    "first (jcapture DB JOURNAL) or give --force to drop them", (long long)n);
	if (rc == 0)
		rc = jcap_drop_triggers(db, e);
	if (rc == 0)
		rc = jsqlite_exec(db, "DROP TABLE main.jmirror_outbox; DROP TABLE main.jmirror_pending;"
		    "DROP TABLE main.jmirror_shape; DROP TABLE main.jmirror_capture; COMMIT", e);
	if (rc < 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc < 0 ? -1 : 0;
}
