/*
 * backup: the SQLite side of jbackup. The second module that includes sqlite3.h (after the
 * applier): it copies a database that other processes may be reading or writing with
 * SQLite's online backup API (sqlite3_backup_*), which gives a consistent snapshot of the
 * whole file in one read transaction. Keeping it out of apply.c keeps the applier about
 * applying; the bookkeeping of a copy is still read and written through apply.h.
 *
 *     jbackup_copy(src, dst, e)    dst (which must not exist) becomes a consistent copy of
 *                                  src, in rollback-journal mode (one self-contained file),
 *                                  fsync'd. The caller holds the integration lock of src
 *                                  (japply_lock), so that a copy of a mirror never holds
 *                                  half a batch and never overlaps an integration.
 *     jbackup_settle(path, e)      put the database at path in rollback-journal mode (its WAL
 *                                  checkpointed into it) and fsync it: one file that holds
 *                                  everything, ready to be archived or put in place
 *     jbackup_quick_check(db, e)   PRAGMA quick_check on db: 0 ok, -1 (EX_DATAERR) damaged
 *
 * Both return 0 or -1 with e filled: EX_NOINPUT (src missing), EX_DATAERR (src is not a
 * database, or a damaged one), EX_CANTCREAT, EX_IOERR,
 * EX_TEMPFAIL (src busy beyond the timeout).
 */
#ifndef JM_BACKUP_H
#define JM_BACKUP_H

#include "err.h"

int jbackup_copy(const char *src, const char *dst, struct jerr *e);
int jbackup_settle(const char *path, struct jerr *e);
int jbackup_quick_check(const char *db, struct jerr *e);

#endif
