/*
 * sqlite: opening, reporting, durability and consistent copies for every SQLite database
 * jmirror touches. Invariants:
 * - A database jmirror creates, and with it its -wal and -shm files, MUST be created 0640,
 *   like every file jmirror writes.
 * - A copy MUST be a state its source was in at one moment (one read transaction), and MUST
 *   be durable before jsqlite_copy returns, so that a backup built from it never names data
 *   that a power loss took away.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "row.h"
#include "sqlite.h"

#define BUSY_MS 10000

int
jsqlite_err(struct jerr *e, sqlite3 *db, int rc, const char *what)
{
	int code;

	switch (rc & 0xff) {
	case SQLITE_BUSY: case SQLITE_LOCKED: code = EX_TEMPFAIL; break;
	case SQLITE_IOERR: case SQLITE_FULL: case SQLITE_NOMEM: code = EX_IOERR; break;
	case SQLITE_CANTOPEN: code = EX_CANTCREAT; break;
	case SQLITE_READONLY: case SQLITE_PERM: case SQLITE_AUTH: code = EX_NOPERM; break;
	case SQLITE_CORRUPT: case SQLITE_NOTADB: code = EX_DATAERR; break;
	default: code = EX_CONFIG;
	}
	return jerr_set(e, code, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

int
jsqlite_exec(sqlite3 *db, const char *sql, struct jerr *e)
{
	char *msg = NULL, what[48];
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc == SQLITE_OK)
		return 0;
	snprintf(what, sizeof what, "%.40s", sql);
	jsqlite_err(e, NULL, rc, what);
	if (msg && e)
		snprintf(e->msg, sizeof e->msg, "%s: %s", what, msg);
	sqlite3_free(msg);
	return -1;
}

static int
create_0640(const char *path, struct jerr *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

	if (fd < 0)
		return errno == EEXIST ? 0 : jerr_sys(e, EX_CANTCREAT, "unable to create %s",
		    path);
	if (fsync(fd) < 0 || close(fd) < 0 || jio_fsync_dir(path) < 0)
		return jerr_sys(e, EX_IOERR, "unable to create %s", path);
	return 0;
}

int
jsqlite_open(const char *path, int flags, sqlite3 **dbp, struct jerr *e)
{
	sqlite3 *db = NULL;
	int rc;

	*dbp = NULL;
	if ((flags & SQLITE_OPEN_CREATE) && create_0640(path, e) < 0)
		return -1;
	if ((rc = sqlite3_open_v2(path, &db, flags, NULL)) != SQLITE_OK) {
		jerr_set(e, (flags & SQLITE_OPEN_CREATE) ? EX_CANTCREAT : EX_NOINPUT,
		    "unable to open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, BUSY_MS);
	sqlite3_extended_result_codes(db, 0);
	*dbp = db;
	return 0;
}

/*
 * The file behind op (SQLITE_FCNTL_FILE_POINTER: the database; SQLITE_FCNTL_JOURNAL_POINTER:
 * the -wal in WAL mode) synced through SQLite's own descriptor: opening and closing one of
 * our own would drop every POSIX lock the process holds on the file, SQLite's included. A
 * connection that lost its shared lock lets a reader in another process take itself for the
 * last connection, checkpoint and delete the WAL: this connection's next commits then go
 * into the deleted file, unseen (a mirror lost applied segments so, e2e 1280). A file
 * SQLite has not opened (no -wal yet) holds nothing to sync.
 */
static int
sync_file(sqlite3 *db, int op)
{
	sqlite3_file *f = NULL;

	if (sqlite3_file_control(db, "main", op, &f) != SQLITE_OK || !f || !f->pMethods)
		return SQLITE_OK;
	return f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
}

int
jsqlite_sync(sqlite3 *db, struct jerr *e)
{
	const char *path = sqlite3_db_filename(db, "main");

	if (!path || !*path)
		return 0;               /* a temporary or in-memory database */
	if (sync_file(db, SQLITE_FCNTL_JOURNAL_POINTER) != SQLITE_OK ||
	    sync_file(db, SQLITE_FCNTL_FILE_POINTER) != SQLITE_OK || jio_fsync_dir(path) < 0)
		return jerr_sys(e, EX_IOERR, "unable to make %s durable", path);
	return 0;
}

int
jsqlite_copy(const char *src, const char *dst, struct jerr *e)
{
	sqlite3 *s = NULL, *d = NULL;
	sqlite3_backup *b;
	int rc;

	if (access(src, F_OK) < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "%s", src);
	if (jsqlite_open(src, SQLITE_OPEN_READONLY, &s, e) < 0)
		return -1;
	if (jsqlite_open(dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &d, e) < 0)
		goto bad;
	if (!(b = sqlite3_backup_init(d, "main", s, "main"))) {
		jerr_set(e, EX_CANTCREAT, "%s: %s", dst, sqlite3_errmsg(d));
		goto bad;
	}
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		jerr_set(e, rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? EX_TEMPFAIL :
		    rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? EX_DATAERR : EX_IOERR,
		    "unable to copy %s: %s", src, sqlite3_errstr(rc));
		goto bad;
	}
	sqlite3_close(s);
	if (sqlite3_close(d) != SQLITE_OK)
		return jerr_set(e, EX_IOERR, "unable to close %s", dst);
	return jsqlite_settle(dst, e);
bad:
	sqlite3_close(s);
	sqlite3_close(d);
	return -1;
}

int
jsqlite_settle(const char *path, struct jerr *e)
{
	sqlite3 *d = NULL;
	int fd;

	if (sqlite3_open_v2(path, &d, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(d, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		jerr_set(e, EX_IOERR, "%s: %s", path, d ? sqlite3_errmsg(d) : "out of memory");
		sqlite3_close(d);
		return -1;
	}
	if (sqlite3_close(d) != SQLITE_OK)
		return jerr_set(e, EX_IOERR, "unable to close %s", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) < 0) {
		jerr_sys(e, EX_IOERR, "unable to sync %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
jsqlite_quick_check(const char *db, struct jerr *e)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *q = NULL;
	int rc, ok = 0;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		jerr_set(e, EX_DATAERR, "%s: %s", db, h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return -1;
	}
	rc = sqlite3_prepare_v2(h, "PRAGMA quick_check", -1, &q, NULL);
	if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(q, 0);
		ok = r && !strcmp(r, "ok");
		if (!ok)
			jerr_set(e, EX_DATAERR, "%s: damaged database: %s", db, r ? r : "?");
	} else {
		jerr_set(e, EX_DATAERR, "%s: %s", db, sqlite3_errmsg(h));
	}
	sqlite3_finalize(q);
	sqlite3_close(h);
	return ok ? 0 : -1;
}

/* ---- values ---- */

void
jsqlite_value(sqlite3_stmt *q, int col, struct jrow_value *v)
{
	memset(v, 0, sizeof *v);
	switch (sqlite3_column_type(q, col)) {
	case SQLITE_INTEGER:
		v->tag = JROW_INTEGER;
		v->i = sqlite3_column_int64(q, col);
		break;
	case SQLITE_FLOAT:
		v->tag = JROW_REAL;
		v->r = sqlite3_column_double(q, col);
		break;
	case SQLITE_TEXT:
		v->tag = JROW_TEXT;
		v->p = sqlite3_column_text(q, col);
		v->len = (uint32_t)sqlite3_column_bytes(q, col);
		break;
	case SQLITE_BLOB:
		v->tag = JROW_BLOB;
		v->p = sqlite3_column_blob(q, col);
		v->len = (uint32_t)sqlite3_column_bytes(q, col);
		break;
	default:
		v->tag = JROW_NULL;
	}
	if (!v->p)
		v->p = (const uint8_t *)"";    /* SQLite gives NULL for an empty blob */
}
