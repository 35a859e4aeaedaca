/*
 * apply_pgrow: row records (jmirror(5), ROW RECORDS) applied to a PostgreSQL mirror by key. A
 * part of the PostgreSQL applier: apply_pg.c hands it each row record inside the transaction
 * that also writes the bookkeeping, and it is one of the libpq modules.
 *
 *     struct jpgrow *ra = jpgrow_new(&host, &e);     NULL on failure (EX_OSERR)
 *     jpgrow_begin(ra)                    a new transaction began (the triggers are on again)
 *     jpgrow_record(ra, lsn, data, len, &e)   every change of one record, in order, in the
 *                                         host's open transaction
 *     jpgrow_triggers(ra, on, &e)         the application's triggers fire (1) or not (0) for
 *                                         what runs next: off for row records, on for sql
 *                                         records (SET LOCAL session_replication_role,
 *                                         which needs a superuser or GRANT SET ON PARAMETER:
 *                                         EX_NOPERM otherwise)
 *     jpgrow_free(ra)
 *
 * The same rules as the SQLite applier (apply_row.h): a change that does not fit the mirror
 * (an update or delete of a row it lacks, an insert over a different row with the same key or
 * refused by another unique constraint) fails with EX_CONFIG naming the LSN, table and key,
 * and the caller rolls back; an insert of the identical row is no change. With host.repair
 * it is applied anyway (an insert becomes an upsert on the key, an update of a missing row
 * an insert, a missing delete nothing) and each repair is reported and written to
 * jmirror.repairs (created by the applier's schema) in the same transaction. An update that
 * a unique constraint refuses is not repaired: PostgreSQL has already aborted the
 * transaction; it fails with EX_CONFIG.
 *
 * Values are sent as text and take the type of the column they go into (jmirror(5), "Row
 * values in PostgreSQL"): a text value holding a NUL byte cannot be stored and fails with
 * EX_CONFIG naming the column. A change on a table of schema jmirror is EX_DATAERR.
 * Statements are prepared per table and shape (the columns a change names); consecutive
 * inserts of one shape go as one multi-row INSERT.
 */
#ifndef JM_APPLY_PGROW_H
#define JM_APPLY_PGROW_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "err.h"

struct jpgrow_host {
	PGconn *conn;
	int     repair;
	/* a repair was made: "LSN N: table T, key K: OP: what was done" (NULL: not reported) */
	void  (*repaired)(void *arg, const char *line);
	/* run the statements of an sql change as an sql record's: 0, or -1 with e */
	int   (*statements)(void *arg, const char *sql, size_t len, uint64_t lsn, struct jerr *e);
	void   *arg;
};

struct jpgrow;

struct jpgrow *jpgrow_new(const struct jpgrow_host *host, struct jerr *e);
void jpgrow_begin(struct jpgrow *ra);
int  jpgrow_record(struct jpgrow *ra, uint64_t lsn, const void *data, size_t len,
                   struct jerr *e);
int  jpgrow_triggers(struct jpgrow *ra, int on, struct jerr *e);
void jpgrow_free(struct jpgrow *ra);

/*
 * A check record (checkrec.h) verified against the mirror, in the host's transaction: each
 * chunk's rows selected by key (text keys in the C collation, SQLite's byte order; keys
 * compared as row values), read back in binary and encoded as a PostgreSQL capture encodes
 * them (integer types as integer, real and double precision as real, boolean, bytea as
 * blob, numeric and date/time types as their text, every other type as text), counted and
 * digested. 0 when all match; -1 with e: EX_DATAERR damaged, JCHECK_EMISMATCH (78) the
 * mirror differs or lacks a table or column (naming the table and key range).
 */
int  jpgrow_check(struct jpgrow *ra, uint64_t lsn, const void *data, size_t len,
                  struct jerr *e);

#endif
