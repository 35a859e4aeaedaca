/*
 * apply_row: row records (jmirror(5), ROW RECORDS) applied to a SQLite mirror by key. A part
 * of the SQLite applier: apply_sqlite.c hands it each row record inside the transaction that
 * also writes the bookkeeping, and it is one of the SQLite modules (sqlite.h).
 *
 *     struct jrowapply *ra = jrowapply_new(&host, &e);      NULL on failure (EX_OSERR)
 *     jrowapply_record(ra, lsn, data, len, &e)  every change of one record, in order, in the
 *                                               host's open transaction
 *     jrowapply_triggers(ra, on)                the application's triggers fire (1) or not (0)
 *                                               for what runs next: off for row records
 *                                               (what triggers wrote on the primary is
 *                                               captured and applied like any row), on for
 *                                               sql records; switched only when it changes
 *     jrowapply_free(ra)
 *
 * A change that does not fit the mirror is divergence: an update or delete of a row it
 * lacks, an insert over a different row with the same key, or a change that would break a
 * unique constraint (another row in the way). It fails with EX_CONFIG (78: the mirror needs
 * attention), naming the LSN, table and key; the caller rolls back, and the mirror is
 * unchanged. An insert of a row identical to the one under its key is no change. With
 * host.repair, it is applied anyway: the row is inserted, overwritten (INSERT OR REPLACE,
 * which also removes rows in the way on other unique columns), or found already deleted,
 * and each repair is reported through host.repaired and written in the same transaction to
 *
 *   CREATE TABLE main.jmirror_repairs(lsn INTEGER NOT NULL, "table" TEXT NOT NULL,
 *       key TEXT NOT NULL, operation TEXT NOT NULL, what TEXT NOT NULL, at INTEGER NOT NULL)
 *
 * (created by the first repair; key as jcat shows it, at in ns since the epoch).
 * A damaged payload is EX_DATAERR, as is a change on a jmirror_* table (the host's prepare
 * refuses it); other SQLite failures are EX_CONFIG with SQLite's message. Prepared
 * statements are kept per table and shape (the columns a change names), so that applying
 * costs one bind and one step a change.
 */
#ifndef JM_APPLY_ROW_H
#define JM_APPLY_ROW_H

#include <stddef.h>
#include <stdint.h>

#include "sqlite.h"

struct jrowapply_host {
	sqlite3 *db;
	int      repair;
	/* a repair was made: "LSN N: table T, key K: OP: what was done" (NULL: not reported) */
	void   (*repaired)(void *arg, const char *line);
	/* prepare sql as a record's statement would be (the authorizer guards the bookkeeping):
	 * 0, or -1 with e (EX_DATAERR when refused) */
	int    (*prepare)(void *arg, const char *sql, uint64_t lsn, sqlite3_stmt **q,
	                  struct jerr *e);
	/* run the statements of an sql change as an sql record's */
	int    (*statements)(void *arg, const char *sql, size_t len, uint64_t lsn,
	                     struct jerr *e);
	void    *arg;
};

struct jrowapply;

struct jrowapply *jrowapply_new(const struct jrowapply_host *host, struct jerr *e);
int  jrowapply_record(struct jrowapply *ra, uint64_t lsn, const void *data, size_t len,
                      struct jerr *e);
void jrowapply_triggers(struct jrowapply *ra, int on);
void jrowapply_free(struct jrowapply *ra);

#endif
