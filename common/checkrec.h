/*
 * checkrec: check records (type JFMT_TYPE_CHECK, 129): digests of a source database's tables,
 * taken in one snapshot, that a mirror verifies itself against. man/jmirror.5 (CHECK RECORDS)
 * is the specification; this is its one implementation. Values are encoded for the digest
 * and for chunk bounds as row records encode them (row.h: the rule lives there).
 *
 * Taking (SQLite, on the primary):
 *     struct jcheck_opts o = { .chunk_rows = 0, .limit = 0, .rest_pct = 0 };   0: defaults
 *     jcheck_take(db, tables, n, &o, emit, arg, &e)
 *   digests tables (NULL: every ordinary table of main but sqlite_* and jmirror_*) in key
 *   order, one chunk per o.chunk_rows rows, and calls emit once per check record it fills
 *   (payload, len: the caller's to append; valid during the call only). A pass larger than one
 *   record gives several: the caller appends them together, with nothing between them. The
 *   pass reads one snapshot: the caller's read transaction if it has one open on db (jcapture's
 *   drain, so that the check describes exactly what the drain appended), else one jcheck_take
 *   opens and ends. In WAL mode a reader never holds a writer back; and after each chunk the
 *   pass rests (sleeps) o.rest_pct percent of the time the chunk took, so that on a busy
 *   machine the writers keep a share of the CPU. Memory is bounded by one record.
 *
 * Taking from any engine (jcheck_take above is one user, pgcheck.c another): a pass writes
 * the tables it is given into check records, chunked and emitted as jcheck_take does, each
 * table's rows read from a source in key order:
 *     struct jcheck_pass *p = jcheck_pass_new(&o, emit, arg, &e);     NULL: EX_OSERR
 *     jcheck_pass_table(p, &desc, &src, &e)    one table: desc names it as the record will
 *                                              (schema "" the default one), src gives its
 *                                              rows: next() 1 a row, 0 the end, -1 with e;
 *                                              value(i) column i of the row, i < ncol the
 *                                              digested columns, then the nkey key values
 *     jcheck_pass_end(p, &e)                   emits the last record and frees p
 *     jcheck_pass_free(p)                      abandons the pass (NULL is a no-op)
 *
 * Reading (every count and length checked by jcheck_open before anything is used; nothing
 * is allocated; pointers point into the caller's payload):
 *     struct jcheck_reader rd; struct jcheck_table t; struct jcheck_chunk c;
 *     if (jcheck_open(&rd, data, len, &e) < 0) ...      damaged: EX_DATAERR
 *     while (jcheck_next_table(&rd, &t))
 *             while (jcheck_next_chunk(&rd, &c)) ...
 *
 * Verifying (SQLite, on the mirror, inside the applier's transaction):
 *     jcheck_verify(db, data, len, &e)
 *   0 when every chunk matches; -1 with e: EX_DATAERR a damaged record, JCHECK_EMISMATCH (78)
 *   the mirror differs (the message names the table and the key range), EX_TEMPFAIL,
 *   EX_IOERR from SQLite.
 */
#ifndef JM_CHECKREC_H
#define JM_CHECKREC_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"

#define JCHECK_EMISMATCH   EX_CONFIG      /* 78: the mirror needs attention */
#define JCHECK_CHUNK_ROWS  10000          /* default rows per chunk */
#define JCHECK_REST_PCT    100            /* default rest after a chunk: as long as it took */
#define JCHECK_LO          0x1            /* chunk bounds: rows with key > lo */
#define JCHECK_HI          0x2            /* rows with key <= hi */

struct sqlite3;

struct jcheck_opts {
	uint32_t chunk_rows;                  /* 0: JCHECK_CHUNK_ROWS */
	size_t   limit;                       /* largest payload; 0: JFMT_MAX_PAYLOAD */
	int      rest_pct;                    /* 0: JCHECK_REST_PCT; < 0: no rest */
};

typedef int (*jcheck_emit_fn)(void *arg, const void *payload, size_t len, struct jerr *e);

struct jrow_value;

struct jcheck_desc {
	const char        *schema, *name;     /* as the record names the table */
	int                nkey, ncol;
	const char *const *keys, *const *cols;
};

struct jcheck_source {
	int  (*next)(void *arg, struct jerr *e);
	void (*value)(void *arg, int i, struct jrow_value *v);
	void  *arg;
};

struct jcheck_pass;

struct jcheck_pass *jcheck_pass_new(const struct jcheck_opts *o, jcheck_emit_fn emit, void *arg,
                                    struct jerr *e);
int  jcheck_pass_table(struct jcheck_pass *p, const struct jcheck_desc *t,
                       const struct jcheck_source *src, struct jerr *e);
int  jcheck_pass_end(struct jcheck_pass *p, struct jerr *e);
void jcheck_pass_free(struct jcheck_pass *p);

int jcheck_take(struct sqlite3 *db, const char *const *tables, size_t ntables,
                const struct jcheck_opts *o, jcheck_emit_fn emit, void *arg, struct jerr *e);

struct jcheck_table {
	const char    *schema, *table;        /* not NUL-terminated: slen, tlen bytes */
	uint16_t       slen, tlen;
	uint16_t       nkey, ncol;
	const uint8_t *keys, *cols;           /* nkey, ncol encoded names (len:u16 bytes) */
	uint32_t       nchunk;
};

struct jcheck_chunk {
	uint8_t        bounds;                /* JCHECK_LO | JCHECK_HI */
	const uint8_t *lo, *hi;               /* nkey encoded values each, when present */
	size_t         lolen, hilen;
	uint64_t       rows;
	const uint8_t *digest;                /* JDIGEST_LEN bytes */
};

struct jcheck_reader {
	const uint8_t *p;
	size_t         len, off;
	uint16_t       ntable, tleft;
	uint32_t       cleft;
	uint16_t       nkey;
};

int jcheck_open(struct jcheck_reader *rd, const void *data, size_t len, struct jerr *e);
int jcheck_next_table(struct jcheck_reader *rd, struct jcheck_table *t);   /* 1, or 0: end */
int jcheck_next_chunk(struct jcheck_reader *rd, struct jcheck_chunk *c);   /* 1, or 0 */

int jcheck_verify(struct sqlite3 *db, const void *data, size_t len, struct jerr *e);

/* A chunk's key range for messages, the same for every verifier: "keys > 5 and <= 1005",
 * "keys <= 1005", "keys > 5", "all keys" (values cut short). */
void jcheck_range_text(const struct jcheck_chunk *c, int nkey, char *out, size_t size);

/* Does a chunk of the mirror match c: rows rows whose digest is dg, the same for every
 * verifier. 0, or -1 with e JCHECK_EMISMATCH: "check: table T, RANGE: the mirror has N rows,
 * the primary M" or "...: the mirror's N rows differ from the primary's". */
int jcheck_compare(const char *table, const char *range, uint64_t rows,
                   const uint8_t dg[JDIGEST_LEN], const struct jcheck_chunk *c, struct jerr *e);

#endif
