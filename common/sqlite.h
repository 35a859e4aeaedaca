/*
 * sqlite: what every SQLite user in jmirror shares, so that each SQLite database is opened,
 * reported on, made durable and copied the same way. The SQLite modules are this one, the
 * applier (apply_sqlite.c: a mirror) and the capture of a primary; no tool includes
 * sqlite3.h. Handles are sqlite3 pointers, owned by the caller (sqlite3_close).
 *
 *     jsqlite_open(path, flags, &db, e)  open with SQLite's flags (SQLITE_OPEN_*); with
 *                                        SQLITE_OPEN_CREATE a missing database is first
 *                                        created empty, 0640, its directory fsync'd (SQLite
 *                                        would make it 0644 less the umask, and gives its
 *                                        -wal and -shm the database's mode); a busy database
 *                                        is waited for up to 10 s
 *     jsqlite_err(e, db, rc, what)       fill e from a SQLite result code: EX_TEMPFAIL busy or
 *                                        locked, EX_IOERR, EX_CANTCREAT, EX_NOPERM, EX_DATAERR
 *                                        for a damaged or foreign file, EX_CONFIG for anything
 *                                        else (a statement failed: the database needs
 *                                        attention); the message is "what: SQLite's message"
 *     jsqlite_exec(db, sql, e)           run statements with no result, errors as above
 *     jsqlite_value(q, col, &v)          the value in column col of q's current row as a row
 *                                        record holds it (row.h): integer, real, text, blob or
 *                                        NULL; v.p points into q until it steps (never NULL)
 *     jsqlite_sync(db, e)                make every commit of db so far durable: fsync the -wal
 *                                        file, the database and their directory (a commit
 *                                        with synchronous=NORMAL is in the -wal but not on
 *                                        disk) through SQLite's own descriptors; takes no
 *                                        lock, so readers are never blocked
 *
 * Copies (jbackup):
 *     jsqlite_copy(src, dst, e)          dst becomes a consistent copy of src, in rollback-
 *                                        journal mode (one self-contained file), fsync'd. The
 *                                        online backup API copies every page inside one read
 *                                        transaction of src, so the copy MUST be a state src
 *                                        was in at one moment. dst is a new path of the
 *                                        caller's choosing (a temporary): a database there
 *                                        would be overwritten. The caller holds the integration
 *                                        lock of src (japply_lock), so that a copy of a mirror
 *                                        never holds half a batch.
 *     jsqlite_settle(path, e)            put the database at path in rollback-journal mode (its
 *                                        WAL checkpointed into it) and fsync it
 *     jsqlite_quick_check(db, e)         PRAGMA quick_check on db, opened read-only
 *
 * Each returns 0, or -1 with e filled. jsqlite_copy: EX_NOINPUT (src missing or not openable),
 * EX_DATAERR (src is not a database, or a damaged one), EX_CANTCREAT (dst), EX_TEMPFAIL (src
 * busy beyond the timeout), EX_IOERR. jsqlite_settle: EX_IOERR. jsqlite_quick_check:
 * EX_DATAERR (not openable, not a database, or damaged: e says what quick_check found).
 */
#ifndef JM_SQLITE_H
#define JM_SQLITE_H

#include <sqlite3.h>

#include "err.h"

int jsqlite_open(const char *path, int flags, sqlite3 **db, struct jerr *e);
int jsqlite_err(struct jerr *e, sqlite3 *db, int rc, const char *what);
int jsqlite_exec(sqlite3 *db, const char *sql, struct jerr *e);
int jsqlite_sync(sqlite3 *db, struct jerr *e);

struct jrow_value;
void jsqlite_value(sqlite3_stmt *q, int col, struct jrow_value *v);

int jsqlite_copy(const char *src, const char *dst, struct jerr *e);
int jsqlite_settle(const char *path, struct jerr *e);
int jsqlite_quick_check(const char *db, struct jerr *e);

#endif
