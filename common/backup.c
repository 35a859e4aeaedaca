/*
 * backup: a consistent copy of a live SQLite database. sqlite3_backup_step(-1) copies every
 * page inside one read transaction of the source, so the copy MUST be a state the source
 * was in at one moment; the copy MUST be durable (fsync'd) before jbackup_copy returns, so
 * that a backup file built from it never names data that a power loss took away.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "backup.h"

static int
fail(struct jerr *e, int code, sqlite3 *db, const char *what)
{
	return jerr_set(e, code, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

int
jbackup_copy(const char *src, const char *dst, struct jerr *e)
{
	sqlite3 *s = NULL, *d = NULL;
	sqlite3_backup *b;
	int rc;

	if (access(src, F_OK) < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "%s", src);
	if (sqlite3_open_v2(src, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fail(e, EX_NOINPUT, s, src);
		goto bad;
	}
	sqlite3_busy_timeout(s, 10000);
	if (sqlite3_open_v2(dst, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		fail(e, EX_CANTCREAT, d, dst);
		goto bad;
	}
	if (!(b = sqlite3_backup_init(d, "main", s, "main"))) {
		fail(e, EX_CANTCREAT, d, dst);
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
	return jbackup_settle(dst, e);
bad:
	sqlite3_close(s);
	sqlite3_close(d);
	return -1;
}

int
jbackup_settle(const char *path, struct jerr *e)
{
	sqlite3 *d = NULL;
	int fd;

	if (sqlite3_open_v2(path, &d, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(d, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		fail(e, EX_IOERR, d, path);
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
jbackup_quick_check(const char *db, struct jerr *e)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *q = NULL;
	int rc, ok = 0;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fail(e, EX_DATAERR, h, db);
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
		fail(e, EX_DATAERR, h, db);
	}
	sqlite3_finalize(q);
	sqlite3_close(h);
	return ok ? 0 : -1;
}
