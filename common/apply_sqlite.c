/*
 * apply_sqlite: the SQLite applier (apply_ops.h). Opening, error codes and durability are
 * sqlite.h's, shared with every SQLite user. The bookkeeping is the tables jmirror_state and jmirror_timeline (apply.h),
 * jmirror_trust once a key is trusted, jmirror_check once a check record passed and
 * jmirror_captured once a row record was applied, in the mirror database itself.
 *
 * Invariants:
 * - The bookkeeping row MUST be written in the same SQLite transaction as the records it
 *   counts, so that after any crash it names exactly the records the database holds.
 * - A record's own BEGIN, COMMIT or END MUST NOT end the applier's transaction: they are
 *   recognised while preparing (the authorizer) and not run; ROLLBACK is refused. Records
 *   MUST NOT reach the bookkeeping tables by any path: every authorizer action is checked
 *   against the argument that names its table (the second one for triggers, indexes and
 *   ALTER TABLE), and a trigger or view a record creates is prepared as if used before the
 *   record counts as applied. The bookkeeping tables MUST exist before a record runs, and
 *   the applier's own statements name them main.jmirror_*, so no record takes or shadows
 *   their names.
 * - The database, its -wal and -shm MUST be created 0640, like every file jmirror writes.
 * - Unless allowed (japply_opts.allow_nondet), a record MUST NOT call a non-deterministic
 *   function, wherever the call is written: in its text, in a column DEFAULT or in a
 *   trigger it fires. A call is seen when it runs, not guessed from the text (nondet_*).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply_ops.h"
#include "apply_row.h"
#include "checkrec.h"
#include "clock.h"
#include "io.h"
#include "sqlite.h"
#include "text.h"

struct sqlite_applier {
	struct japply base;
	const char   *dbpath;
	int           sync;
	sqlite3      *db;
	dev_t         dev;
	ino_t         ino;
	sqlite3_stmt *st_put, *st_tl;
	int           in_record;
	const char   *txn_word;        /* BEGIN/COMMIT/ROLLBACK seen while preparing a record */
	const char   *refused;         /* why the authorizer refused a record's statement */
	int           created;         /* 't' trigger or 'v' view created by the statement */
	char          created_on[256]; /* the trigger's table or view, or the view */
	char          created_db[16];
	char         *sql;             /* NUL-terminated copy of one record */
	size_t        sqlcap;
	struct jrowapply *rows;        /* row records (apply_row.c), on this connection */
	int           repair;          /* --repair: apply divergent row changes anyway */
	void        (*repaired)(const char *line);
	int           allow_nondet;    /* --allow-nondeterministic */
	struct nondet_fn {             /* what the overriding functions know of themselves */
		struct sqlite_applier *a;
		const char *name;
	} fns[5];
	const char   *nondet;          /* the non-deterministic function a statement called */
	char          timefn[32];      /* the first date/time function a statement may call */
	char          ins[4][128];     /* tables it inserts into, whose DEFAULTs may read the clock */
	int           nins;
	char          why[256];
};

static struct sqlite_applier *
S(struct japply *a)
{
	return (struct sqlite_applier *)a;
}

static void s_rollback(struct japply *ap);
static int check_load(sqlite3 *db, struct japply_state *st, struct jerr *e);
static int captured_load(sqlite3 *db, struct japply_state *st, struct jerr *e);
static int check_record(struct sqlite_applier *a, const struct jseg_rec *r, struct jerr *e);
static void nondet_note(struct sqlite_applier *a, const char *fn, const char *tbl);
static int nondet_install(struct sqlite_applier *a, struct jerr *e);
static const char *clock_vfs_name(void);

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS main.jmirror_state("
    "id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, role TEXT NOT NULL,"
    "name TEXT NOT NULL, lineage TEXT NOT NULL, timeline INTEGER NOT NULL,"
    "seq INTEGER NOT NULL, last_lsn INTEGER NOT NULL, sealed INTEGER NOT NULL,"
    "digest TEXT NOT NULL, final INTEGER NOT NULL, last_time INTEGER NOT NULL,"
    "applied_at INTEGER NOT NULL, segment TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS main.jmirror_timeline(timeline INTEGER PRIMARY KEY,"
    "seq INTEGER NOT NULL, lsn INTEGER NOT NULL);";

static int
reserved(const char *name)
{
	return name && sqlite3_strnicmp(name, "jmirror_", 8) == 0;
}

/* PRAGMAs a record may not set: they would change the schema behind SQLite's back, or the
 * durability and locking that the bookkeeping relies on. */
static int
forbidden_pragma(const char *name)
{
	static const char *const no[] = { "writable_schema", "schema_version", "journal_mode",
	    "synchronous", "locking_mode", "query_only", "trusted_schema", "wal_autocheckpoint",
	    "fullfsync", "checkpoint_fullfsync", "temp_store_directory", "data_store_directory",
	    "legacy_alter_table" };

	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (!sqlite3_stricmp(name, no[i]))
			return 1;
	return 0;
}

static int
refuse(struct sqlite_applier *a, const char *why)
{
	if (!a->refused)
		a->refused = why;
	return SQLITE_DENY;
}

/*
 * While a record is prepared: no reference at all to a jmirror_* object (SQLite hands over
 * the declared name, whatever the record's quoting, case or schema prefix; a trigger's or a
 * view's statements are authorized when a statement that uses them is prepared, which
 * check_created forces at once). The table name is the first argument for most actions,
 * the second for triggers, indexes and ALTER TABLE (the first is then the database).
 */
static int
authorize(void *arg, int action, const char *a1, const char *a2, const char *a3,
    const char *a4)
{
	static const char book[] = "records may not touch the bookkeeping tables (jmirror_*)";
	struct sqlite_applier *a = arg;

	(void)a4;
	if (!a->in_record)
		return SQLITE_OK;
	if (action == SQLITE_FUNCTION || action == SQLITE_INSERT)
		nondet_note(a, action == SQLITE_FUNCTION ? a2 : NULL, action == SQLITE_INSERT ?
		    a1 : NULL);
	switch (action) {
	case SQLITE_TRANSACTION:
		a->txn_word = a1 && !strcmp(a1, "ROLLBACK") ? "ROLLBACK" : a1 && !strcmp(a1,
		    "BEGIN") ? "BEGIN" : "COMMIT";
		return SQLITE_OK;
	case SQLITE_CREATE_TRIGGER: case SQLITE_CREATE_TEMP_TRIGGER:
		if (reserved(a1) || reserved(a2))
			return refuse(a, book);
		a->created = 't';
		snprintf(a->created_on, sizeof a->created_on, "%s", a2 ? a2 : "");
		return SQLITE_OK;
	case SQLITE_CREATE_VIEW: case SQLITE_CREATE_TEMP_VIEW:
		if (reserved(a1))
			return refuse(a, book);
		a->created = 'v';
		snprintf(a->created_on, sizeof a->created_on, "%s", a1 ? a1 : "");
		snprintf(a->created_db, sizeof a->created_db, "%s", a3 ? a3 : "main");
		return SQLITE_OK;
	case SQLITE_CREATE_INDEX: case SQLITE_CREATE_TEMP_INDEX: case SQLITE_DROP_INDEX:
	case SQLITE_DROP_TEMP_INDEX: case SQLITE_DROP_TRIGGER: case SQLITE_DROP_TEMP_TRIGGER:
		return reserved(a1) || reserved(a2) ? refuse(a, book) : SQLITE_OK;
	case SQLITE_ALTER_TABLE:
		return reserved(a2) ? refuse(a, book) : SQLITE_OK;
	case SQLITE_CREATE_TABLE: case SQLITE_CREATE_TEMP_TABLE: case SQLITE_DROP_TABLE:
	case SQLITE_DROP_TEMP_TABLE: case SQLITE_DROP_VIEW: case SQLITE_DROP_TEMP_VIEW:
	case SQLITE_INSERT: case SQLITE_UPDATE: case SQLITE_DELETE: case SQLITE_READ:
	case SQLITE_REINDEX: case SQLITE_ANALYZE: case SQLITE_CREATE_VTABLE:
	case SQLITE_DROP_VTABLE:
		return reserved(a1) ? refuse(a, book) : SQLITE_OK;
	case SQLITE_ATTACH: case SQLITE_DETACH:
		return refuse(a, "records may not attach or detach databases");
	case SQLITE_PRAGMA:
		if (a2 && a1 && forbidden_pragma(a1))
			return refuse(a, "records may not set this PRAGMA");
		return SQLITE_OK;
	}
	return SQLITE_OK;
}

static const char *
text(sqlite3_stmt *q, int col)
{
	const char *s = (const char *)sqlite3_column_text(q, col);

	return s ? s : "";
}

/*
 * The trusted keys (apply_state.h) are the table jmirror_trust(pubkey TEXT PRIMARY KEY), one
 * row per key as the base64 line of its public key file: made with the first trusted key,
 * rewritten with the rest of the bookkeeping in the same transaction.
 */
static int
trust_load(sqlite3 *db, struct japply_state *st, struct jerr *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT pubkey FROM main.jmirror_trust ORDER BY rowid", -1,
	    &q, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(q);
		return 0;               /* no such table: no key was ever trusted */
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct jsig_pub k;
		if (jsig_pub_parse(text(q, 0), &k) < 0 || jsig_trust_add(&st->trust, &k, NULL) < 0) {
			sqlite3_finalize(q);
			return jerr_set(e, EX_DATAERR, "jmirror_trust: a key not understood");
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : jsqlite_err(e, db, rc, "unable to read the trusted keys");
}

static int
trust_put(struct sqlite_applier *a, const struct japply_state *st, struct jerr *e)
{
	sqlite3_stmt *q = NULL;
	int rc = SQLITE_DONE;

	if (st->trust.n == 0 && sqlite3_table_column_metadata(a->db, "main", "jmirror_trust",
	    NULL, NULL, NULL, NULL, NULL, NULL) != SQLITE_OK)
		return 0;
	if (jsqlite_exec(a->db, "CREATE TABLE IF NOT EXISTS main.jmirror_trust(pubkey TEXT "
	    "PRIMARY KEY); DELETE FROM main.jmirror_trust", e) < 0)
		return -1;
	if (sqlite3_prepare_v2(a->db, "INSERT INTO main.jmirror_trust(pubkey) VALUES(?)", -1, &q,
	    NULL) != SQLITE_OK)
		return jsqlite_err(e, a->db, sqlite3_errcode(a->db), "unable to write the trusted keys");
	for (size_t i = 0; i < st->trust.n && rc == SQLITE_DONE; i++) {
		char b64[JSIG_PUB_B64];
		jsig_pub_format(&st->trust.keys[i], b64);
		sqlite3_bind_text(q, 1, b64, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : jsqlite_err(e, a->db, rc, "unable to write the trusted keys");
}

static int
load_sql(sqlite3 *db, struct japply_state *st, struct jerr *e)
{
	sqlite3_stmt *q = NULL;
	int rc, n = 0;

	memset(st, 0, sizeof *st);
	rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM main.sqlite_master WHERE type='table' AND "
	    "name='jmirror_state'", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return jsqlite_err(e, db, rc, "unable to read the bookkeeping");
	if ((rc = sqlite3_step(q)) == SQLITE_ROW)
		n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return jsqlite_err(e, db, rc, "unable to read the bookkeeping");
	if (n == 0)
		return 0;
	rc = sqlite3_prepare_v2(db, "SELECT version, role, name, lineage, timeline, seq, "
	    "last_lsn, sealed, digest, final, last_time, applied_at, segment FROM "
	    "main.jmirror_state WHERE id = 1", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return jsqlite_err(e, db, rc, "unable to read the bookkeeping");
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		const char *role = (const char *)sqlite3_column_text(q, 1);
		const char *lin = (const char *)sqlite3_column_text(q, 3);
		const char *dg = (const char *)sqlite3_column_text(q, 8);
		if (sqlite3_column_int(q, 0) != JAPPLY_STATE_VERSION || !role || !lin || !dg ||
		    jdigest_unhex(lin, st->lineage, JFMT_LINEAGE_LEN) < 0 ||
		    jdigest_unhex(dg, st->digest, JDIGEST_LEN) < 0) {
			sqlite3_finalize(q);
			return jerr_set(e, EX_DATAERR, "jmirror_state: a version or content not "
			    "understood");
		}
		st->present = 1;
		st->operational = !strcmp(role, "operational");
		snprintf(st->name, sizeof st->name, "%s", text(q, 2));
		st->timeline = (uint32_t)sqlite3_column_int64(q, 4);
		st->seq = (uint64_t)sqlite3_column_int64(q, 5);
		st->last_lsn = (uint64_t)sqlite3_column_int64(q, 6);
		st->sealed = sqlite3_column_int(q, 7);
		st->final = sqlite3_column_int(q, 9);
		st->last_time = (uint64_t)sqlite3_column_int64(q, 10);
		st->applied_at = (uint64_t)sqlite3_column_int64(q, 11);
		snprintf(st->segment, sizeof st->segment, "%s", text(q, 12));
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return jsqlite_err(e, db, rc, "unable to read the bookkeeping");
	rc = sqlite3_prepare_v2(db, "SELECT timeline, seq, lsn FROM (SELECT * FROM "
	    "main.jmirror_timeline ORDER BY timeline DESC LIMIT 16) ORDER BY timeline", -1, &q,
	    NULL);
	if (rc != SQLITE_OK)
		return jsqlite_err(e, db, rc, "unable to read the bookkeeping");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		japply_state_add_tl(st, (uint32_t)sqlite3_column_int64(q, 0),
		    (uint64_t)sqlite3_column_int64(q, 1), (uint64_t)sqlite3_column_int64(q, 2));
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return jsqlite_err(e, db, rc, "unable to read the bookkeeping");
	if (trust_load(db, st, e) < 0 || captured_load(db, st, e) < 0)
		return -1;
	return check_load(db, st, e);
}

static int rows_open(struct sqlite_applier *a, struct jerr *e);

static void
sql_close(struct sqlite_applier *a)
{
	jrowapply_free(a->rows);
	a->rows = NULL;
	sqlite3_finalize(a->st_put);
	sqlite3_finalize(a->st_tl);
	a->st_put = a->st_tl = NULL;
	if (a->db)
		sqlite3_wal_checkpoint_v2(a->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	sqlite3_close(a->db);
	a->db = NULL;
}

static int
sql_open(struct sqlite_applier *a, struct jerr *e)
{
	struct stat sb;
	sqlite3_stmt *q;
	int rc;

	if (!clock_vfs_name() && !a->allow_nondet)
		return jerr_set(e, EX_SOFTWARE, "%s: no VFS whose clock can be watched", a->dbpath);
	if (jsqlite_open(a->dbpath, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &a->db, e) < 0)
		return -1;
	if (stat(a->dbpath, &sb) < 0) {
		jerr_sys(e, EX_CANTCREAT, "unable to open %s", a->dbpath);
		goto bad;
	}
	a->dev = sb.st_dev;
	a->ino = sb.st_ino;
	rc = sqlite3_prepare_v2(a->db, "PRAGMA journal_mode=WAL", -1, &q, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(q, 0), "wal") != 0) {
		sqlite3_finalize(q);
		jerr_set(e, EX_CANTCREAT, "%s: unable to switch to WAL mode", a->dbpath);
		goto bad;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW) {
		jsqlite_err(e, a->db, rc, a->dbpath);
		goto bad;
	}
	if (jsqlite_exec(a->db, a->sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
	    e) < 0)
		goto bad;
	/*
	 * The last connection to close a WAL database checkpoints it under an exclusive lock,
	 * and readers that open it meanwhile get "database is locked": the warm standby would
	 * not be readable while jintegrate exits. Close without it (sql_close checkpoints
	 * passively first, which never blocks a reader) and leave the WAL file in place.
	 */
	sqlite3_db_config(a->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_set_authorizer(a->db, authorize, a);
	if (rows_open(a, e) < 0 || nondet_install(a, e) < 0)
		goto bad;
	return 0;
bad:
	sql_close(a);
	return -1;
}

static int
sql_prepare_put(struct sqlite_applier *a, struct jerr *e)
{
	int rc;

	if (jsqlite_exec(a->db, schema, e) < 0)
		return -1;
	if (a->st_put)
		return 0;
	rc = sqlite3_prepare_v2(a->db, "INSERT OR REPLACE INTO main.jmirror_state(id, version, "
	    "role, name, lineage, timeline, seq, last_lsn, sealed, digest, final, last_time, applied_at,"
	    " segment) VALUES(1,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &a->st_put, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(a->db, "INSERT OR IGNORE INTO main.jmirror_timeline("
		    "timeline, seq, lsn) VALUES(?,?,?)", -1, &a->st_tl, NULL);
	if (rc != SQLITE_OK)
		return jsqlite_err(e, a->db, rc, "unable to write the bookkeeping");
	return 0;
}

static int
sql_put(struct sqlite_applier *a, const struct japply_state *st, struct jerr *e)
{
	char lin[JDIGEST_HEX], dg[JDIGEST_HEX];
	sqlite3_stmt *q;
	int rc;

	if (!a->st_put && sql_prepare_put(a, e) < 0)
		return -1;
	q = a->st_put;
	jdigest_hex(st->lineage, JFMT_LINEAGE_LEN, lin);
	jdigest_hex(st->digest, JDIGEST_LEN, dg);
	sqlite3_bind_int(q, 1, JAPPLY_STATE_VERSION);
	sqlite3_bind_text(q, 2, st->operational ? "operational" : "mirror", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, st->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 4, lin, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 5, st->timeline);
	sqlite3_bind_int64(q, 6, (sqlite3_int64)st->seq);
	sqlite3_bind_int64(q, 7, (sqlite3_int64)st->last_lsn);
	sqlite3_bind_int(q, 8, st->sealed);
	sqlite3_bind_text(q, 9, dg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 10, st->final);
	sqlite3_bind_int64(q, 11, (sqlite3_int64)st->last_time);
	sqlite3_bind_int64(q, 12, (sqlite3_int64)st->applied_at);
	sqlite3_bind_text(q, 13, st->segment, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return jsqlite_err(e, a->db, rc, "unable to write the bookkeeping");
	for (int i = 0; i < st->ntl; i++) {
		q = a->st_tl;
		sqlite3_bind_int64(q, 1, st->tl[i].timeline);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)st->tl[i].seq);
		sqlite3_bind_int64(q, 3, (sqlite3_int64)st->tl[i].lsn);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
		if (rc != SQLITE_DONE)
			return jsqlite_err(e, a->db, rc, "unable to write the bookkeeping");
	}
	return trust_put(a, st, e);
}

/* A statement refused, or failed: e says which, with the LSN and the statement's start. */
static int
stmt_error(struct sqlite_applier *a, const char *p, uint64_t lsn, struct jerr *e)
{
	char start[80];

	jtext_statement(p, start, sizeof start);
	if (a->refused)
		return jerr_set(e, EX_DATAERR, "LSN %llu: %s: %s: refused", (unsigned long long)lsn,
		    start, a->refused);
	return jerr_set(e, JAPPLY_EAPPLY, "LSN %llu: %s: %s", (unsigned long long)lsn, start,
	    sqlite3_errmsg(a->db));
}

/* Prepare (not run) sql as if a record had it: 0, or -1 when the authorizer refused it. */
static int
probe(struct sqlite_applier *a, const char *sql)
{
	sqlite3_stmt *q = NULL;

	a->in_record = 1;
	sqlite3_prepare_v2(a->db, sql, -1, &q, NULL);     /* errors other than ours: no matter */
	sqlite3_finalize(q);
	a->in_record = 0;
	return a->refused ? -1 : 0;
}

/* "UPDATE db.tbl SET c1 = c1, ...": every column that can be set (not a generated one,
 * which would fail the whole statement), so that every UPDATE OF trigger is coded too. */
static char *
update_all(sqlite3 *db, const char *dbname, const char *tbl)
{
	sqlite3_stmt *q = NULL;
	char *u = NULL;
	int n = 0;

	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_xinfo(?1, ?2) WHERE hidden = 0",
	    -1, &q, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(q, 1, tbl, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, dbname, -1, SQLITE_STATIC);
	u = sqlite3_mprintf("UPDATE \"%w\".\"%w\" SET ", dbname, tbl);
	while (u && sqlite3_step(q) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(q, 0);
		char *next = sqlite3_mprintf("%s%s\"%w\" = \"%w\"", u, n++ ? ", " : "", c, c);
		sqlite3_free(u);
		u = next;
	}
	sqlite3_finalize(q);
	if (n == 0) {
		sqlite3_free(u);
		return NULL;
	}
	return u;
}

/*
 * A record just created a trigger or a view. SQLite authorizes their statements only when
 * a statement that fires or reads them is prepared; prepare those now (a trigger's table may
 * be in main or, for a TEMP trigger, either), so that one writing or reading jmirror_* is
 * refused with the record that created it, before it could ever run.
 */
static int
check_created(struct sqlite_applier *a)
{
	static const char *const dbs[] = { "main", "temp" };
	int kind = a->created;
	char *sql;
	int rc = 0;

	a->created = 0;
	if (kind == 'v') {
		sql = sqlite3_mprintf("SELECT * FROM \"%w\".\"%w\"", a->created_db, a->created_on);
		rc = sql ? probe(a, sql) : 0;
		sqlite3_free(sql);
		return rc;
	}
	for (int i = 0; kind == 't' && i < 2 && rc == 0; i++) {
		sql = sqlite3_mprintf("INSERT INTO \"%w\".\"%w\" DEFAULT VALUES", dbs[i],
		    a->created_on);
		rc = sql ? probe(a, sql) : 0;
		sqlite3_free(sql);
		sql = sqlite3_mprintf("DELETE FROM \"%w\".\"%w\"", dbs[i], a->created_on);
		if (rc == 0 && sql)
			rc = probe(a, sql);
		sqlite3_free(sql);
		sql = update_all(a->db, dbs[i], a->created_on);
		if (rc == 0 && sql)
			rc = probe(a, sql);
		sqlite3_free(sql);
	}
	return rc;
}

/*
 * Non-deterministic SQL. A record replayed on the mirror must give the values it gave on the
 * primary; random(), the clock and the connection's own counters give others. Whether a
 * statement calls one is known only when it runs (SQLite codes a column DEFAULT without
 * showing its functions to the authorizer, and date('2020-01-01') is deterministic where
 * date('now') is not), so the calls are caught as they happen:
 * - random, randomblob, changes, last_insert_rowid and total_changes are overridden on the
 *   mirror's connection by a function that fails the statement (a connection's own function
 *   comes before the built-in one, in a DEFAULT and in a trigger body too);
 * - the date and time functions, CURRENT_TIMESTAMP, _DATE and _TIME read the clock through
 *   the VFS when, and only when, they mean 'now': the mirror is opened through a copy of the
 *   default VFS whose clock counts its readers (clock_reads; the copy becomes the process's
 *   default, as jsqlite_open takes no VFS), and a statement that read it is refused once it
 *   ran, inside the batch, which then rolls back.
 * The authorizer notes which date and time functions, and which tables' DEFAULTs, a
 * statement may reach (nondet_note): that only names the function in the message.
 */
static const struct {
	const char *name;
	int         nargs;
} nondet_fns[] = { { "random", 0 }, { "randomblob", 1 }, { "changes", 0 },
    { "last_insert_rowid", 0 }, { "total_changes", 0 } };
static const char *const time_fns[] = { "date", "time", "datetime", "julianday", "strftime",
    "unixepoch", "current_timestamp", "current_date", "current_time" };

static sqlite3_vfs clock_vfs, *base_vfs;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;
static unsigned long clock_reads;    /* a process applies with one thread */

static int
clock_now64(sqlite3_vfs *v, sqlite3_int64 *t)
{
	(void)v;
	clock_reads++;
	return base_vfs->xCurrentTimeInt64(base_vfs, t);
}

static int
clock_now(sqlite3_vfs *v, double *t)
{
	(void)v;
	clock_reads++;
	return base_vfs->xCurrentTime(base_vfs, t);
}

static void
clock_register(void)
{
	sqlite3_vfs *b = sqlite3_vfs_find(NULL);

	if (!b || !b->xCurrentTime)
		return;
	clock_vfs = *b;
	clock_vfs.zName = "jmirror-clock";
	clock_vfs.pNext = NULL;
	clock_vfs.xCurrentTime = clock_now;
	if (b->iVersion >= 2 && b->xCurrentTimeInt64)
		clock_vfs.xCurrentTimeInt64 = clock_now64;
	else if (b->iVersion >= 2)
		clock_vfs.iVersion = 1;
	base_vfs = b;
	if (sqlite3_vfs_register(&clock_vfs, 1) != SQLITE_OK)
		base_vfs = NULL;
}

/* Make the counting VFS the process's default, which jsqlite_open then opens the mirror
 * through (it differs from SQLite's own only in counting); its name, or NULL when there was
 * none to copy. */
static const char *
clock_vfs_name(void)
{
	pthread_once(&clock_once, clock_register);
	return base_vfs ? clock_vfs.zName : NULL;
}

static void
nondet_call(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	struct nondet_fn *f = sqlite3_user_data(c);

	(void)argc;
	(void)argv;
	if (!f->a->nondet)
		f->a->nondet = f->name;
	sqlite3_result_error(c, "a non-deterministic function", -1);
}

/* Unless allowed, make the non-deterministic functions fail on a's connection. */
static int
nondet_install(struct sqlite_applier *a, struct jerr *e)
{
	if (a->allow_nondet)
		return 0;
	for (size_t i = 0; i < sizeof nondet_fns / sizeof nondet_fns[0]; i++) {
		int rc;
		a->fns[i].a = a;
		a->fns[i].name = nondet_fns[i].name;
		rc = sqlite3_create_function_v2(a->db, nondet_fns[i].name, nondet_fns[i].nargs,
		    SQLITE_UTF8, &a->fns[i], nondet_call, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return jsqlite_err(e, a->db, rc, a->dbpath);
	}
	return 0;
}

/* From the authorizer: a function fn the statement may call, a table tbl it inserts into. */
static void
nondet_note(struct sqlite_applier *a, const char *fn, const char *tbl)
{
	for (size_t i = 0; fn && !a->timefn[0] && i < sizeof time_fns / sizeof time_fns[0]; i++)
		if (!sqlite3_stricmp(fn, time_fns[i]))
			snprintf(a->timefn, sizeof a->timefn, "%s", time_fns[i]);
	if (!tbl || a->nins == (int)(sizeof a->ins / sizeof a->ins[0]))
		return;
	for (int i = 0; i < a->nins; i++)
		if (!strcmp(a->ins[i], tbl))
			return;
	snprintf(a->ins[a->nins++], sizeof a->ins[0], "%s", tbl);
}

/* The clock was read and the statement shows no date or time function: which DEFAULT of
 * a table it inserts into calls one? Into a->why. */
static void
nondet_default(struct sqlite_applier *a)
{
	int n = a->nins;

	snprintf(a->why, sizeof a->why, "the current time (in a column DEFAULT)");
	for (int i = 0; i < n; i++) {
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(a->db, "SELECT name, dflt_value FROM pragma_table_xinfo(?1)"
		    " WHERE dflt_value IS NOT NULL", -1, &q, NULL) != SQLITE_OK)
			return;
		sqlite3_bind_text(q, 1, a->ins[i], -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			char *sql = sqlite3_mprintf("SELECT (%s)", text(q, 1));
			a->timefn[0] = 0;
			if (sql)
				probe(a, sql);
			sqlite3_free(sql);
			if (a->timefn[0]) {
				snprintf(a->why, sizeof a->why, "%s (the DEFAULT of %s.%s)",
				    a->timefn, a->ins[i], text(q, 0));
				sqlite3_finalize(q);
				return;
			}
		}
		sqlite3_finalize(q);
	}
}

/* A statement ran, having found the clock read reads times before: did it call a
 * non-deterministic function? 0, or -1 with e (EX_DATAERR) naming it. */
static int
nondet_check(struct sqlite_applier *a, const char *p, uint64_t lsn, unsigned long reads,
    struct jerr *e)
{
	char start[80];

	if (a->allow_nondet)
		return 0;
	if (a->nondet)
		snprintf(a->why, sizeof a->why, "%s()", a->nondet);
	else if (clock_reads == reads)
		return 0;
	else if (a->timefn[0])
		snprintf(a->why, sizeof a->why, "%s%s of the current time", a->timefn,
		    strncmp(a->timefn, "current_", 8) ? "()" : "");
	else
		nondet_default(a);
	jtext_statement(p, start, sizeof start);
	return jerr_set(e, EX_DATAERR, "LSN %llu: %s: calls %s, which is not deterministic: the "
	    "mirror would differ from the primary; refused (--allow-nondeterministic applies it)",
	    (unsigned long long)lsn, start, a->why);
}

/* Run one statement of a record starting at p; *tail: where the next one starts. */
static int
sql_statement(struct sqlite_applier *a, const char *p, int len, uint64_t lsn, const char **tail,
    struct jerr *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	unsigned long reads = clock_reads;

	a->txn_word = NULL;
	a->refused = NULL;
	a->created = 0;
	a->nondet = NULL;
	a->timefn[0] = 0;
	a->nins = 0;
	*tail = NULL;
	a->in_record = 1;
	rc = sqlite3_prepare_v2(a->db, p, len, &q, tail);
	if (rc != SQLITE_OK) {
		a->in_record = 0;
		return stmt_error(a, p, lsn, e);
	}
	if (!q)
		goto out;               /* only blanks or comments left */
	if (a->txn_word && !strcmp(a->txn_word, "ROLLBACK")) {
		sqlite3_finalize(q);
		a->in_record = 0;
		return jerr_set(e, JAPPLY_EAPPLY, "LSN %llu: ROLLBACK in a record: a record is "
		    "applied whole or not at all", (unsigned long long)lsn);
	}
	if (!a->txn_word) {
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			;
		if (nondet_check(a, p, lsn, reads, e) < 0) {
			sqlite3_finalize(q);
			a->in_record = 0;
			return -1;
		}
		if (rc != SQLITE_DONE) {
			stmt_error(a, p, lsn, e);
			sqlite3_finalize(q);
			a->in_record = 0;
			return -1;
		}
	}
	sqlite3_finalize(q);
	a->in_record = 0;
	if (a->created && check_created(a) < 0)
		return stmt_error(a, p, lsn, e);
out:
	a->in_record = 0;
	return q ? 1 : 0;
}

/*
 * Check records. Verified where they stand, after the records before them and in their
 * transaction, so that what is compared is exactly the primary's snapshot; one that passes
 * is remembered in jmirror_check in that transaction too (made by the first that passes, so
 * that a mirror that never sees one keeps its old layout).
 */
static int
check_record(struct sqlite_applier *a, const struct jseg_rec *r, struct jerr *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (jcheck_verify(a->db, r->data, r->len, e) < 0) {
		char msg[sizeof e->msg];
		snprintf(msg, sizeof msg, "%s", e->msg);
		return jerr_set(e, e->code, "LSN %llu: %s", (unsigned long long)r->lsn, msg);
	}
	if (jsqlite_exec(a->db, "CREATE TABLE IF NOT EXISTS main.jmirror_check(id INTEGER PRIMARY "
	    "KEY CHECK (id = 1), lsn INTEGER NOT NULL, time INTEGER NOT NULL, verified_at INTEGER"
	    " NOT NULL)", e) < 0)
		return -1;
	rc = sqlite3_prepare_v2(a->db, "INSERT OR REPLACE INTO main.jmirror_check(id, lsn, time, "
	    "verified_at) VALUES(1, ?, ?, ?)", -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, (sqlite3_int64)r->lsn);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)r->time);
		sqlite3_bind_int64(q, 3, (sqlite3_int64)jclock_now());
		rc = sqlite3_step(q);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return jsqlite_err(e, a->db, rc, "unable to write the bookkeeping");
	return 0;
}

/* The last check record that passed, if any, into st. */
static int
check_load(sqlite3 *db, struct japply_state *st, struct jerr *e)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT lsn, time FROM main.jmirror_check WHERE id = 1",
	    -1, &q, NULL);

	if (rc != SQLITE_OK) {          /* no such table: no check record passed yet */
		sqlite3_finalize(q);
		return strstr(sqlite3_errmsg(db), "no such table") ? 0 :
		    jsqlite_err(e, db, rc, "unable to read the bookkeeping");
	}
	if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		st->verified_lsn = (uint64_t)sqlite3_column_int64(q, 0);
		st->verified_time = (uint64_t)sqlite3_column_int64(q, 1);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : jsqlite_err(e, db, rc, "unable to read the bookkeeping");
}

/* The mark of a captured primary's mirror (apply_ops.h), jmirror_captured. */
static int
s_captured(struct japply *ap, uint64_t lsn, struct jerr *e)
{
	char sql[256];

	snprintf(sql, sizeof sql, "CREATE TABLE IF NOT EXISTS main.jmirror_captured(id INTEGER "
	    "PRIMARY KEY CHECK (id = 1), lsn INTEGER NOT NULL); INSERT OR IGNORE INTO "
	    "main.jmirror_captured(id, lsn) VALUES(1, %llu)", (unsigned long long)lsn);
	return jsqlite_exec(S(ap)->db, sql, e);
}

/* Whether row records were ever applied, into st. */
static int
captured_load(sqlite3 *db, struct japply_state *st, struct jerr *e)
{
	sqlite3_int64 n = 0;
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM main.sqlite_master WHERE type = "
	    "'table' AND name = 'jmirror_captured'", -1, &q, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		n = sqlite3_column_int64(q, 0);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return jsqlite_err(e, db, rc, "unable to read the bookkeeping");
	st->captured = n > 0;
	return 0;
}

static int
sql_record(struct sqlite_applier *a, const struct jseg_rec *r, struct jerr *e)
{
	const char *p, *tail;
	int rc;

	if (r->type == JFMT_TYPE_CHECK)
		return check_record(a, r, e);
	if (r->type != JFMT_TYPE_SQL)
		return 0;                       /* raw and other types: not for SQLite */
	if (memchr(r->data, 0, r->len))
		return jerr_set(e, JAPPLY_EAPPLY, "LSN %llu: an sql record with a NUL byte",
		    (unsigned long long)r->lsn);
	if (r->len + 1 > a->sqlcap) {
		size_t cap = r->len + 1 < 4096 ? 4096 : r->len + 1;
		char *nb = realloc(a->sql, cap);
		if (!nb)
			return jerr_sys(e, EX_OSERR, "out of memory");
		a->sql = nb;
		a->sqlcap = cap;
	}
	memcpy(a->sql, r->data, r->len);
	a->sql[r->len] = 0;
	for (p = a->sql; *p; p = tail) {
		rc = sql_statement(a, p, (int)(a->sql + r->len + 1 - p), r->lsn, &tail, e);
		if (rc < 0)
			return -1;
		if (rc == 0 || !tail || tail <= p)
			break;
	}
	return 0;
}


/* ---- row records (apply_row.c): the applier lends them its guarded statements ---- */

/* Prepare a row change's statement as a record's: the authorizer keeps it off jmirror_*. */
static int
row_prepare(void *arg, const char *sql, uint64_t lsn, sqlite3_stmt **q, struct jerr *e)
{
	struct sqlite_applier *a = arg;
	int rc;

	a->refused = NULL;
	a->in_record = 1;
	rc = sqlite3_prepare_v3(a->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL);
	a->in_record = 0;
	return rc == SQLITE_OK ? 0 : stmt_error(a, sql, lsn, e);
}

/* A statement change (schema changes captured with the data) runs as an sql record. */
static int
row_statements(void *arg, const char *sql, size_t len, uint64_t lsn, struct jerr *e)
{
	struct jseg_rec r = { .lsn = lsn, .type = JFMT_TYPE_SQL, .data = (const uint8_t *)sql,
	                      .len = (uint32_t)len };

	return sql_record(arg, &r, e);
}

static void
row_repaired(void *arg, const char *line)
{
	struct sqlite_applier *a = arg;

	if (a->repaired)
		a->repaired(line);
}

static int
rows_open(struct sqlite_applier *a, struct jerr *e)
{
	struct jrowapply_host h = { .db = a->db, .repair = a->repair, .repaired = row_repaired,
	                            .prepare = row_prepare, .statements = row_statements,
	                            .arg = a };

	return (a->rows = jrowapply_new(&h, e)) ? 0 : -1;
}

static int
s_open(const struct japply_opts *o, struct japply **ap, struct jerr *e)
{
	struct sqlite_applier *a = calloc(1, sizeof *a);

	*ap = NULL;
	if (!a)
		return jerr_sys(e, EX_OSERR, "out of memory");
	a->base.ops = &japply_sqlite_ops;
	a->dbpath = o->db;
	a->sync = o->sync;
	a->repair = o->repair;
	a->repaired = o->repaired;
	a->allow_nondet = o->allow_nondet;
	if (sql_open(a, e) < 0) {
		free(a);
		return -1;
	}
	*ap = &a->base;
	return 0;
}

static int
s_refresh(struct japply *ap, struct jerr *e)
{
	struct sqlite_applier *a = S(ap);
	struct stat sb;

	if (stat(a->dbpath, &sb) == 0 && sb.st_dev == a->dev && sb.st_ino == a->ino)
		return 0;
	sql_close(a);
	return sql_open(a, e);
}

static int
s_load(struct japply *a, struct japply_state *st, struct jerr *e)
{
	return load_sql(S(a)->db, st, e);
}

static int
s_begin(struct japply *ap, const char *seg, uint64_t first, uint64_t last, struct jerr *e)
{
	struct sqlite_applier *a = S(ap);

	if (jsqlite_exec(a->db, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	/* the bookkeeping tables exist before any record runs: none can take their names */
	if (sql_prepare_put(a, e) < 0) {
		s_rollback(ap);
		return -1;
	}
	return 0;
}

static int
s_record(struct japply *ap, const struct jseg_rec *r, struct jerr *e)
{
	struct sqlite_applier *a = S(ap);

	if (r->type == JFMT_TYPE_ROW)
		return jrowapply_record(a->rows, r->lsn, r->data, r->len, e);
	if (r->type > JFMT_TYPE_CHECK)
		return jfmt_type_unknown(r->type, r->lsn, e);
	jrowapply_triggers(a->rows, 1);
	return sql_record(a, r, e);
}

static int
s_commit(struct japply *ap, const struct japply_state *st, struct jerr *e)
{
	struct sqlite_applier *a = S(ap);

	if (sql_put(a, st, e) < 0)
		return -1;
	if (jsqlite_exec(a->db, "COMMIT", e) < 0) {
		s_rollback(ap);
		return -1;
	}
	return 0;
}

static void
s_rollback(struct japply *ap)
{
	struct sqlite_applier *a = S(ap);
	int saved = errno;

	if (a->db && !sqlite3_get_autocommit(a->db))
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	errno = saved;
}

static void
s_close(struct japply *ap)
{
	struct sqlite_applier *a = S(ap);

	s_rollback(ap);
	sql_close(a);
	free(a->sql);
	free(a);
}

static int
s_sync(struct japply *ap, struct jerr *e)
{
	struct sqlite_applier *a = S(ap);

	if (a->sync)
		return 0;       /* a FULL commit is durable already */
	return jsqlite_sync(a->db, e);
}

static int
s_read(const char *db, struct japply_state *st, struct jerr *e)
{
	sqlite3 *h;
	int rc;

	if (access(db, F_OK) < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "%s", db);
	if (jsqlite_open(db, SQLITE_OPEN_READONLY, &h, e) < 0)
		return -1;
	rc = load_sql(h, st, e);
	sqlite3_close(h);
	return rc;
}

static int
s_set_role(const char *db, int operational, struct jerr *e)
{
	sqlite3 *h;
	sqlite3_stmt *q = NULL;
	int rc;

	if (access(db, F_OK) < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "%s", db);
	if (jsqlite_open(db, SQLITE_OPEN_READWRITE, &h, e) < 0)
		return -1;
	if (jsqlite_exec(h, "PRAGMA synchronous=FULL", e) < 0 ||
	    jsqlite_exec(h, "BEGIN IMMEDIATE", e) < 0)
		goto bad;
	rc = sqlite3_prepare_v2(h, "UPDATE main.jmirror_state SET role = ?, applied_at = ? WHERE "
	    "id = 1", -1, &q, NULL);
	if (rc != SQLITE_OK) {
		if (strstr(sqlite3_errmsg(h), "no such table"))
			jerr_set(e, EX_DATAERR, "%s: no mirror bookkeeping", db);
		else
			jsqlite_err(e, h, rc, db);
		goto bad;
	}
	sqlite3_bind_text(q, 1, operational ? "operational" : "mirror", -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)jclock_now());
	if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
		jsqlite_err(e, h, rc, db);
		goto bad;
	}
	if (sqlite3_changes(h) != 1) {
		jerr_set(e, EX_DATAERR, "%s: no mirror bookkeeping", db);
		goto bad;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (jsqlite_exec(h, "COMMIT", e) < 0)
		goto bad;
	sqlite3_close(h);
	return 0;
bad:
	sqlite3_finalize(q);
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(h);
	return -1;
}

const struct japply_ops japply_sqlite_ops = {
	.name = "sqlite",
	.open = s_open,
	.refresh = s_refresh,
	.load = s_load,
	.begin = s_begin,
	.record = s_record,
	.commit = s_commit,
	.sync = s_sync,
	.rollback = s_rollback,
	.close = s_close,
	.read = s_read,
	.set_role = s_set_role,
	.captured = s_captured,
};
