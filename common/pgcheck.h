/*
 * pgcheck: check records (checkrec.h, jmirror(5) CHECK RECORDS) on PostgreSQL. The one home
 * of how a PostgreSQL table's rows are selected, ordered and encoded for a check record, so
 * that the primary that takes a check (here) and a PostgreSQL mirror that verifies one
 * (apply_pgrow.c) compute the same bytes as an SQLite mirror does.
 *
 * Taking, on a PostgreSQL primary whose changes jcapture decodes from a replication slot:
 *     struct jpgcheck_stats st;
 *     jpgcheck_take(url, &o, &st, &e)
 *   one transaction, REPEATABLE READ: LOCK TABLE ... IN SHARE MODE on every table a check
 *   covers (writers to them wait until the COMMIT: see jmirror(5)), then the digests of
 *   each table in one snapshot, in chunks of o.chunk_rows rows (0: JCHECK_CHUNK_ROWS), each
 *   check record written into the WAL as a transactional logical message
 *   pg_logical_emit_message(true, 'jmirror.check', payload), then COMMIT: the decoded stream
 *   carries the records at the place of this transaction in commit order, after exactly
 *   the commits they describe. The locks are asked for with a lock timeout (o.lock_ms, 0:
 *   JPGCHECK_LOCK_MS) and asked again, o.tries times (0: JPGCHECK_TRIES), so that the check
 *   gives way to a writer rather than deadlock with it. Memory is bounded by one record and
 *   JPGCHECK_FETCH rows.
 *   Killed at any point, the server rolls the transaction back: no check reaches the stream
 *   and the locks are gone (JM_TEST_CRASH=pgcheck-emitted: after the messages, before the
 *   COMMIT).
 *   0 with st filled; -1 with e: EX_USAGE a bad URL, EX_NOINPUT no such database,
 *   EX_TEMPFAIL (server gone, locks not granted in time: try again), EX_NOPERM,
 *   EX_CONFIG (78) wal_level is not logical or the server refused a statement,
 *   EX_DATAERR a key too large for a record.
 *
 * Shared with the verifier (values read in binary, one statement for both sides):
 *     jpgcheck_kind(type_oid)             how a column of that type is read and encoded
 *     jpgcheck_select(&rel, bounds, keys)
 *                                         the SELECT of a table's rows in key order: its
 *                                         columns (with keys: then its key columns),
 *                                         bounds JCHECK_LO ($1..$nkey) and JCHECK_HI (the
 *                                         next nkey parameters); malloc'd, NULL: no memory
 *     jpgcheck_value(&col, p, len, isnull, &v)
 *                                         a binary result value as the row value digested
 */
#ifndef JM_PGCHECK_H
#define JM_PGCHECK_H

#include <stdint.h>

#include <libpq-fe.h>

#include "checkrec.h"
#include "err.h"

#define JPGCHECK_LOCK_MS 200        /* lock timeout, below the server's deadlock_timeout */
#define JPGCHECK_TRIES   25         /* lock attempts before EX_TEMPFAIL */
#define JPGCHECK_FETCH   500        /* rows read at a time */

enum { JPGCHECK_INT, JPGCHECK_REAL4, JPGCHECK_REAL8, JPGCHECK_BOOL, JPGCHECK_BLOB,
       JPGCHECK_NUMERIC, JPGCHECK_TIME, JPGCHECK_TEXT };   /* >= NUMERIC: read as printed */

struct jpgcheck_col {
	const char *name;           /* not NUL-terminated: nlen bytes */
	uint16_t    nlen;
	int         kind;           /* JPGCHECK_* */
	int         collate;        /* a collatable type: ordered COLLATE "C" */
};

struct jpgcheck_rel {
	const char *schema, *table; /* slen 0: the search_path's (public) */
	uint16_t    slen, tlen;
	int         ncol, nkey;
	const struct jpgcheck_col *col, *key;
};

struct jpgcheck_opts {
	uint32_t chunk_rows;        /* 0: JCHECK_CHUNK_ROWS */
	size_t   limit;             /* largest payload; 0: JFMT_MAX_PAYLOAD */
	int      lock_ms, tries;    /* 0: the defaults above */
};

struct jpgcheck_stats {
	uint64_t tables, rows, records;
	uint64_t skipped;           /* tables without a primary key: not checked */
};

int   jpgcheck_take(const char *url, const struct jpgcheck_opts *o, struct jpgcheck_stats *st,
                    struct jerr *e);

int   jpgcheck_kind(unsigned long type_oid);
char *jpgcheck_select(const struct jpgcheck_rel *t, int bounds, int keys);
void  jpgcheck_value(const struct jpgcheck_col *c, const char *p, int len, int isnull,
                     struct jrow_value *v);

#endif
