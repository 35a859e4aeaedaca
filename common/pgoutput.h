/*
 * pgoutput: the messages of PostgreSQL's pgoutput logical decoding plugin (protocol version
 * 1, text values), taken apart without a server, and their values turned into row record
 * values (row.h) by column type. Pure functions over the caller's bytes: nothing is
 * allocated, every length is checked against what the message holds.
 *
 *     struct jpgo_msg m;
 *     if (jpgo_parse(data, len, &m, &e) < 0) ...      m.kind: JPGO_BEGIN ...
 *     Relation:  jpgo_col_next(&m.cols, &col) walks its columns (name, type, key flag)
 *     Insert, Update, Delete: m.oldt (Update, Delete: the key 'K' or old row 'O', n 0
 *       when absent) and m.newt (Insert, Update); jpgo_datum_next(&t, &d) walks a tuple
 *     jpgo_value(typoid, d.p, d.len, &v)   one 't' datum as a value of the type: 0, or -1
 *       when the text is not a value of that type (bytea is decoded in place: p is the
 *       caller's, writable)
 * Pointers in m point into data. Errors: -1 with e (EX_DATAERR, "pgoutput: what").
 */
#ifndef JM_PGOUTPUT_H
#define JM_PGOUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "row.h"

enum {
	JPGO_BEGIN = 'B', JPGO_COMMIT = 'C', JPGO_ORIGIN = 'O', JPGO_RELATION = 'R',
	JPGO_TYPE = 'Y', JPGO_INSERT = 'I', JPGO_UPDATE = 'U', JPGO_DELETE = 'D',
	JPGO_TRUNCATE = 'T', JPGO_MESSAGE = 'M'
};

/* Type OIDs of the types that are not text (pg_type.h). */
enum {
	JPGO_BOOL = 16, JPGO_BYTEA = 17, JPGO_INT8 = 20, JPGO_INT2 = 21, JPGO_INT4 = 23,
	JPGO_FLOAT4 = 700, JPGO_FLOAT8 = 701, JPGO_DATE = 1082, JPGO_TIMESTAMP = 1114,
	JPGO_TIMESTAMPTZ = 1184, JPGO_NUMERIC = 1700
};

struct jpgo_cols {                /* a Relation's columns, still encoded */
	const uint8_t *p, *end;
	uint16_t       n;
};

struct jpgo_col {
	int            key;       /* part of the replica identity */
	const char    *name;      /* NUL-terminated, in the message */
	uint32_t       typoid;
	int32_t        typmod;
};

struct jpgo_tuple {
	const uint8_t *p, *end;
	uint16_t       n;         /* columns left */
	char           kind;      /* 'K' key, 'O' old row, 'N' new row; 0 none */
};

struct jpgo_datum {
	char           kind;      /* 'n' null, 'u' unchanged TOAST, 't' text */
	uint8_t       *p;         /* 't': the text, len bytes (not NUL-terminated) */
	uint32_t       len;
};

struct jpgo_msg {
	char           kind;
	uint64_t       lsn;       /* Begin: final (commit) LSN; Commit: commit LSN;
	                             Message: its LSN */
	uint64_t       end_lsn;   /* Commit: the end of the commit record */
	uint32_t       xid;       /* Begin */
	uint32_t       relid;     /* Relation, Insert, Update, Delete */
	const char    *nspname, *relname;   /* Relation */
	char           replident; /* Relation: 'd', 'n', 'f', 'i' */
	struct jpgo_cols cols;    /* Relation */
	struct jpgo_tuple oldt, newt;
	uint32_t       nrel;      /* Truncate: relations, then their ids at rels */
	const uint8_t *rels;
	int            transactional;       /* Message */
	const char    *prefix;    /* Message */
	const uint8_t *content;   /* Message, len bytes */
	uint32_t       len;
};

int jpgo_parse(uint8_t *data, size_t len, struct jpgo_msg *m, struct jerr *e);
/* 1 a column, 0 the end; -1 the list is damaged (checked by jpgo_parse: cannot happen). */
int jpgo_col_next(struct jpgo_cols *it, struct jpgo_col *c);
int jpgo_datum_next(struct jpgo_tuple *it, struct jpgo_datum *d);
uint32_t jpgo_truncated(const struct jpgo_msg *m, uint32_t i);   /* relid of the i-th */
int jpgo_value(uint32_t typoid, uint8_t *p, uint32_t len, struct jrow_value *v);

#endif
