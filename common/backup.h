/*
 * backup: the SQLite side of jbackup. The second module that includes sqlite3.h (after the
 * applier): it copies a database that other processes may be reading or writing with
 * SQLite's online backup API (sqlite3_backup_*), which gives a consistent snapshot of the
 * whole file in one read transaction. Keeping it out of apply.c keeps the applier about
 * applying; the bookkeeping of a copy is still read and written through apply.h.
 *
 *     jbackup_copy(src, dst, e)    dst becomes a consistent copy of src, in rollback-journal
 *                                  mode (one self-contained file), fsync'd. dst is a new
 *                                  path of the caller's choosing (a temporary): nothing
 *                                  checks that it is free, and a database there would be
 *                                  overwritten. The caller holds the integration lock of
 *                                  src (japply_lock), so that a copy of a mirror never
 *                                  holds half a batch and never overlaps an integration.
 *     jbackup_settle(path, e)      put the database at path in rollback-journal mode (its WAL
 *                                  checkpointed into it) and fsync it: one file that holds
 *                                  everything, ready to be archived or put in place
 *     jbackup_quick_check(db, e)   PRAGMA quick_check on db, opened read-only
 *
 * Each returns 0, or -1 with e filled. jbackup_copy: EX_NOINPUT (src missing or not
 * openable), EX_DATAERR (src is not a database, or a damaged one), EX_CANTCREAT (dst),
 * EX_TEMPFAIL (src busy beyond the 10 s timeout), EX_IOERR. jbackup_settle: EX_IOERR.
 * jbackup_quick_check: EX_DATAERR (not openable, not a database, or damaged: e says what
 * quick_check found).
 */
#ifndef JM_BACKUP_H
#define JM_BACKUP_H

#include "err.h"

int jbackup_copy(const char *src, const char *dst, struct jerr *e);
int jbackup_settle(const char *path, struct jerr *e);
int jbackup_quick_check(const char *db, struct jerr *e);

#endif
