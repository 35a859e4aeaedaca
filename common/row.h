/*
 * row: the payload of a row record (type JFMT_TYPE_ROW), encoded and decoded. man/jmirror.5
 * (ROW RECORDS) is the specification; this is its one implementation.
 *
 * Building a record (a buffer the builder owns, never larger than its limit):
 *     struct jrow_builder b;
 *     jrow_builder_init(&b, 0);                       limit 0: JFMT_MAX_PAYLOAD
 *     jrow_start(&b, first, last);                    a new record: positions
 *     jrow_change(&b, JROW_UPDATE, "", 0, "t", 1);    then its key columns, in order,
 *     jrow_col(&b, "id", 2, &v);                      ...
 *     jrow_row(&b);                                   then (not for a delete) the row:
 *     jrow_col(&b, "id", 2, &v); ...
 *     rc = jrow_end(&b, &e);     0 the change is in; 1 it does not fit: it was taken out,
 *                                the record is full (send it, jrow_start, put it again);
 *                                -1 e: the change is malformed or larger than a whole
 *                                record (EX_DATAERR)
 *     jrow_sql(&b, text, len) is a whole change (op JROW_SQL), also finished by jrow_end.
 *     jrow_position(&b, first, last) rewrites the record's positions at any time.
 *     b.buf[0 .. b.len) is the payload; jrow_builder_free(&b).
 * Errors of the calls between jrow_change and jrow_end wait for jrow_end, so that callers
 * check once per change.
 *
 * Reading (every count and length is checked before use; nothing is allocated):
 *     struct jrow_reader rd;
 *     if (jrow_open(&rd, data, len, &e) < 0) ...      rd.first, rd.last
 *     while ((rc = jrow_next(&rd, &c, &e)) == 1) {    the whole change is checked here
 *             struct jrow_cols it; struct jrow_col col;
 *             jrow_key(&c, &it); while (jrow_cols_next(&it, &col)) ...
 *             jrow_cols(&c, &it); while (jrow_cols_next(&it, &col)) ...
 *     }
 *     rc < 0: damaged (EX_DATAERR, "row record offset N: what")
 * Pointers returned point into the caller's payload and live as long as it does.
 *
 * Text forms, written through a callback (common/ never prints):
 *     jrow_text(&c, json, put, arg)    one change: "insert t (id=1) -> (id=1, v='x')", or
 *                                      a JSON object (man/jcat.1); put returns 0 or -1,
 *                                      and a -1 stops the writing and is returned.
 *     jrow_key_text, jrow_table_text   the parts of it that name a row, for messages
 *     jrow_where(&c, &w)               both, into w.table and w.key (NUL-terminated, cut
 *                                      to fit), for the appliers' messages
 *
 * Divergence, said the same by every applier:
 *     jrow_refuse(&c, lsn, problem, why, &e)  -1 with EX_CONFIG: "LSN n: table T, key K:
 *                                      problem: the mirror differs from the primary
 *                                      (jintegrate --repair applies it anyway)", or, with
 *                                      why, "..., and the repair failed: why"
 *     jrow_repaired(&c, lsn, problem, what, line, size)
 *                                      the line a repair reports: "LSN n: table T,
 *                                      key K: op: problem: what"
 */
#ifndef JM_ROW_H
#define JM_ROW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum { JROW_INSERT = 1, JROW_UPDATE = 2, JROW_DELETE = 3, JROW_SQL = 4 };

enum {
	JROW_NULL = 0, JROW_INTEGER = 1, JROW_REAL = 2, JROW_TEXT = 3, JROW_BLOB = 4,
	JROW_NUMERIC = 5, JROW_TIMESTAMP = 6, JROW_BOOLEAN = 7, JROW_UNCHANGED = 8
};

#define JROW_POSITIONS 16        /* bytes of the two positions that start a payload */
#define JROW_VALUE_HEAD 9        /* the longest fixed part of a value's encoding */

struct jrow_value {
	uint8_t        tag;      /* JROW_NULL ... */
	int64_t        i;        /* integer; boolean 0 or 1 */
	double         r;        /* real, bit for bit */
	const uint8_t *p;        /* text, blob, numeric, timestamp */
	uint32_t       len;
};

struct jrow_col {
	const char       *name;  /* not NUL-terminated: nlen bytes */
	uint16_t          nlen;
	struct jrow_value v;
};

struct jrow_change {
	uint8_t        op;       /* JROW_INSERT ... */
	const char    *schema, *table;
	uint16_t       slen, tlen;
	uint16_t       nkey, ncol;
	const uint8_t *keys, *cols;   /* the encoded columns, checked */
	const char    *sql;      /* JROW_SQL: the statement, sqllen bytes */
	uint32_t       sqllen;
};

struct jrow_cols {
	const uint8_t *p;
	uint16_t       n;
};

struct jrow_builder {
	uint8_t *buf;
	size_t   len, cap, limit;
	size_t   mark;           /* where the open change starts */
	size_t   nat;            /* offset of the open section's count */
	uint16_t n;              /* columns in the open section */
	int      state;          /* 0 none, 1 key, 2 row, 3 sql */
	uint8_t  op;
	int      over;           /* the open change went past the limit */
	struct jerr err;         /* code != 0: the open change is malformed */
};

void jrow_builder_init(struct jrow_builder *b, size_t limit);
void jrow_builder_free(struct jrow_builder *b);
int  jrow_start(struct jrow_builder *b, uint64_t first, uint64_t last);
void jrow_position(struct jrow_builder *b, uint64_t first, uint64_t last);
void jrow_change(struct jrow_builder *b, uint8_t op, const char *schema, size_t slen,
                 const char *table, size_t tlen);
void jrow_col(struct jrow_builder *b, const char *name, size_t nlen, const struct jrow_value *v);
void jrow_row(struct jrow_builder *b);
void jrow_sql(struct jrow_builder *b, const char *sql, size_t len);
int  jrow_end(struct jrow_builder *b, struct jerr *e);

struct jrow_reader {
	const uint8_t *p;
	size_t         len, off;
	uint64_t       first, last;
};

int  jrow_open(struct jrow_reader *rd, const void *data, size_t len, struct jerr *e);
int  jrow_next(struct jrow_reader *rd, struct jrow_change *c, struct jerr *e);
void jrow_key(const struct jrow_change *c, struct jrow_cols *it);
void jrow_cols(const struct jrow_change *c, struct jrow_cols *it);
int  jrow_cols_next(struct jrow_cols *it, struct jrow_col *col);

/*
 * One value in the encoding of jmirror(5) (a tag, then its data), for whoever stores or
 * hashes values the way row records do (check records): jrow_value_size is the bytes
 * jrow_value_encode writes to out (0: v cannot be encoded, an unknown tag or a boolean
 * neither 0 nor 1); jrow_value_decode reads one value of at most len bytes, checked as
 * the reader checks them: the bytes it used, or -1 (EX_DATAERR). v points into data.
 */
size_t  jrow_value_size(const struct jrow_value *v);
size_t  jrow_value_encode(const struct jrow_value *v, uint8_t *out);
ssize_t jrow_value_decode(const void *data, size_t len, struct jrow_value *v, struct jerr *e);

const char *jrow_op_name(uint8_t op);     /* "insert", ... or NULL */
int         jrow_op_parse(const char *s); /* JROW_*, or -1 */

typedef int (*jrow_put_fn)(void *arg, const char *s, size_t n);
int jrow_text(const struct jrow_change *c, int json, jrow_put_fn put, void *arg);
/* The key alone, as in the text form: "(id=1, k='x')"; the table: "schema.table" or "table". */
int jrow_key_text(const struct jrow_change *c, jrow_put_fn put, void *arg);
int jrow_table_text(const struct jrow_change *c, jrow_put_fn put, void *arg);

struct jrow_where {
	char table[512], key[512];
};
void jrow_where(const struct jrow_change *c, struct jrow_where *w);
int  jrow_refuse(const struct jrow_change *c, uint64_t lsn, const char *problem,
                 const char *why, struct jerr *e);
void jrow_repaired(const struct jrow_change *c, uint64_t lsn, const char *problem,
                   const char *what, char *line, size_t size);

#endif
