/*
 * apply_pgrow: row records applied by key to a PostgreSQL mirror (apply_pgrow.h).
 *
 * Invariants:
 * - Every change MUST run inside the host's transaction, in record order, and a change that
 *   does not fit the mirror MUST fail the record (EX_CONFIG) unless the host repairs: the
 *   mirror never diverges silently. Inserts say ON CONFLICT DO NOTHING, so that a conflict
 *   leaves the transaction usable for the checks that follow (identical row, or divergence).
 * - Consecutive inserts of one shape are held (pointers into the record, never beyond it)
 *   and sent as one multi-row INSERT, flushed before any other change and at the record's
 *   end: order is kept, memory stays bounded by one record. When fewer rows went in than
 *   were sent, each row is checked as a single insert would have been.
 * - The application's triggers MUST NOT fire for a row record (session_replication_role
 *   replica, SET LOCAL: it ends with the transaction).
 * - Values go as text parameters of no declared type, so that each takes the type of the
 *   column it is compared with or stored into; reals are printed so that they read back
 *   bit for bit. Keys are compared with '=' (indexable), a NULL key column with IS NULL.
 * - Tables of schema jmirror are refused before anything runs (EX_DATAERR).
 * - A check record is verified with the digests a SQLite mirror computes: rows in the
 *   source's key order (text keys in the C collation), each value encoded as the row record
 *   that carried it was, read back in binary one row at a time (memory bounded by a row).
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "apply_pgrow.h"
#include "checkrec.h"
#include "clock.h"
#include "grow.h"
#include "pgcheck.h"
#include "pgsql.h"
#include "row.h"
#include "rowcache.h"
#include "pg.h"

#define BATCH    128            /* rows of one multi-row INSERT */
#define MAXPARAM 65535          /* the protocol's limit on parameters */

enum { Q_CHANGE, Q_BATCH, Q_SAME, Q_EXISTS, Q_FIX, NQ };

struct shape {
	unsigned      id;
	int           ncol;         /* the row's sent columns (inserts) */
	int           batch;        /* rows of Q_BATCH */
	unsigned      prepared;     /* bit k: statement k is prepared */
};

struct sbuf {
	char  *p;
	size_t n, cap;
	int    fail;
};

struct jpgrow {
	struct jpgrow_host h;
	struct jrowcache *shapes;
	unsigned      nshape;
	int           replica;      /* session_replication_role is replica in this transaction */
	struct sbuf   enc;          /* a value encoded for a check's digest */
	struct sbuf   sql;
	struct sbuf   val;          /* parameter text, NUL-terminated, one after another */
	size_t       *off;          /* each parameter's offset in val, (size_t)-1 for NULL */
	const char  **pv;
	size_t        noff, offcap;
	/* held inserts of one shape */
	struct shape *psh;
	struct jrow_change pc[BATCH];
	int           pn;
	uint64_t      plsn;
	char          why[400];
};

/* ---- buffers ---- */

static void
sb_add(struct sbuf *s, const void *p, size_t n)
{
	if (jgrow(&s->p, &s->cap, s->n + n + 1, 1, 256) < 0) {
		s->fail = 1;
		return;
	}
	if (n && p)                     /* p NULL: room for n bytes the caller writes */
		memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = 0;
}

static void
sb_str(struct sbuf *s, const char *p)
{
	sb_add(s, p, strlen(p));
}

static void __attribute__((format(printf, 2, 3)))
sb_fmt(struct sbuf *s, const char *fmt, ...)
{
	char b[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	sb_str(s, b);
}

static void
sb_reset(struct sbuf *s)
{
	s->n = 0;
	s->fail = 0;
	if (s->p)
		s->p[0] = 0;
}

struct jpgrow *
jpgrow_new(const struct jpgrow_host *host, struct jerr *e)
{
	struct jpgrow *ra = calloc(1, sizeof *ra);

	if (!ra) {
		jerr_sys(e, EX_OSERR, "out of memory");
		return NULL;
	}
	ra->h = *host;
	if (!(ra->shapes = jrowcache_new(sizeof(struct shape), 1, e))) {
		free(ra);
		return NULL;
	}
	return ra;
}

void
jpgrow_free(struct jpgrow *ra)
{
	if (!ra)
		return;
	jrowcache_free(ra->shapes, NULL);
	free(ra->enc.p);
	free(ra->sql.p);
	free(ra->val.p);
	free(ra->off);
	free(ra->pv);
	free(ra);
}

void
jpgrow_begin(struct jpgrow *ra)
{
	ra->replica = 0;
	ra->pn = 0;
}

/* The first line of a failed result's message. */
static const char *
pg_why(struct jpgrow *ra, const PGresult *r)
{
	const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(ra->h.conn);
	size_t n = strcspn(m ? m : "", "\n");

	snprintf(ra->why, sizeof ra->why, "%.*s", (int)(n < sizeof ra->why ? n :
	    sizeof ra->why - 1), m ? m : "");
	return ra->why;
}

int
jpgrow_triggers(struct jpgrow *ra, int on, struct jerr *e)
{
	PGresult *r;

	if (ra->replica == !on)
		return 0;
	r = PQexec(ra->h.conn, on ? "SET LOCAL session_replication_role = origin" :
	    "SET LOCAL session_replication_role = replica");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		jerr_set(e, jpg_code(r), "unable to keep the application's triggers quiet "
		    "for row records (session_replication_role needs a superuser, or GRANT SET ON "
		    "PARAMETER session_replication_role): %s", pg_why(ra, r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	ra->replica = !on;
	return 0;
}

/* ---- shapes ---- */

static int
sent(struct jrow_cols it)
{
	struct jrow_col col;
	int n = 0;

	while (jrow_cols_next(&it, &col))
		n += col.v.tag != JROW_UNCHANGED;
	return n;
}

static struct shape *
shape_get(struct jpgrow *ra, const struct jrow_change *c, struct jerr *e)
{
	struct shape *sh;
	struct jrow_cols it;
	int fresh;

	if (!(sh = jrowcache_get(ra->shapes, c, &fresh, e)) || !fresh)
		return sh;
	sh->id = ++ra->nshape;
	jrow_cols(c, &it);
	sh->ncol = sent(it);
	sh->batch = sh->ncol ? (MAXPARAM / sh->ncol < BATCH ? MAXPARAM / sh->ncol : BATCH) : 1;
	return sh;
}

/* ---- SQL text ---- */

static void
sql_name(struct sbuf *s, const char *p, size_t n)
{
	size_t at = s->n;

	sb_add(s, NULL, 2 * n + 2);
	if (!s->fail) {
		s->n = at + jpgsql_quote(s->p + at, p, n);
		s->p[s->n] = 0;
	}
}

static void
sql_table(struct sbuf *s, const struct jrow_change *c)
{
	if (c->slen) {
		sql_name(s, c->schema, c->slen);
		sb_add(s, ".", 1);
	}
	sql_name(s, c->table, c->tlen);
}

/* The sent columns of it as "c1 op $n sep c2 op $n+1"; a NULL key column (nullkey) as
 * "c IS NULL" with no parameter. The next parameter number. */
static int
sql_cols(struct sbuf *s, struct jrow_cols it, const char *op, const char *sep, int n,
    int nullkey)
{
	struct jrow_col col;
	int first = 1;

	while (jrow_cols_next(&it, &col)) {
		if (col.v.tag == JROW_UNCHANGED)
			continue;
		if (!first)
			sb_str(s, sep);
		first = 0;
		sql_name(s, col.name, col.nlen);
		if (nullkey && col.v.tag == JROW_NULL)
			sb_str(s, " IS NULL");
		else
			sb_fmt(s, "%s$%d", op, n++);
	}
	return n;
}

/* "INSERT INTO t(c1, c2) VALUES ($1, $2), ($3, $4) ..." for rows rows. */
static void
sql_insert(struct sbuf *s, const struct jrow_change *c, int ncol, int rows)
{
	struct jrow_cols it;
	struct jrow_col col;
	int n = 0;

	sb_str(s, "INSERT INTO ");
	sql_table(s, c);
	sb_str(s, " (");
	for (jrow_cols(c, &it); jrow_cols_next(&it, &col); )
		if (col.v.tag != JROW_UNCHANGED) {
			if (n++)
				sb_str(s, ", ");
			sql_name(s, col.name, col.nlen);
		}
	sb_str(s, ") VALUES ");
	for (int r = 0, p = 1; r < rows; r++) {
		sb_str(s, r ? ", (" : "(");
		for (int i = 0; i < ncol; i++)
			sb_fmt(s, "%s$%d", i ? ", " : "", p++);
		sb_str(s, ")");
	}
}

/* "ON CONFLICT (k1, k2) DO UPDATE SET c1 = EXCLUDED.c1, ...": the repair of an insert. */
static void
sql_upsert(struct sbuf *s, const struct jrow_change *c)
{
	struct jrow_cols it;
	struct jrow_col col;
	int n = 0;

	sb_str(s, " ON CONFLICT (");
	for (jrow_key(c, &it); jrow_cols_next(&it, &col); n++) {
		if (n)
			sb_str(s, ", ");
		sql_name(s, col.name, col.nlen);
	}
	sb_str(s, ") DO UPDATE SET ");
	n = 0;
	for (jrow_cols(c, &it); jrow_cols_next(&it, &col); )
		if (col.v.tag != JROW_UNCHANGED) {
			if (n++)
				sb_str(s, ", ");
			sql_name(s, col.name, col.nlen);
			sb_str(s, " = EXCLUDED.");
			sql_name(s, col.name, col.nlen);
		}
}

/* The SQL of statement k of c's shape, in ra->sql. */
static void
shape_sql(struct jpgrow *ra, const struct shape *sh, const struct jrow_change *c, int k)
{
	struct sbuf *s = &ra->sql;
	struct jrow_cols key, row;
	int n;

	sb_reset(s);
	jrow_key(c, &key);
	jrow_cols(c, &row);
	if (k == Q_BATCH || k == Q_FIX || (k == Q_CHANGE && c->op == JROW_INSERT)) {
		sql_insert(s, c, sh->ncol, k == Q_BATCH ? sh->batch : 1);
		if (k == Q_FIX)
			sql_upsert(s, c);
		else
			sb_str(s, " ON CONFLICT DO NOTHING");
	} else if (k == Q_SAME || k == Q_EXISTS) {
		sb_str(s, "SELECT 1 FROM ");
		sql_table(s, c);
		sb_str(s, " WHERE ");
		if (k == Q_SAME)
			sql_cols(s, row, " IS NOT DISTINCT FROM ", " AND ", 1, 0);
		else
			sql_cols(s, key, " = ", " AND ", 1, 1);
	} else if (c->op == JROW_DELETE) {
		sb_str(s, "DELETE FROM ");
		sql_table(s, c);
		sb_str(s, " WHERE ");
		sql_cols(s, key, " = ", " AND ", 1, 1);
	} else {
		sb_str(s, "UPDATE ");
		sql_table(s, c);
		sb_str(s, " SET ");
		if (sh->ncol) {
			n = sql_cols(s, row, " = ", ", ", 1, 0);
		} else {                /* nothing sent: the update only finds its row */
			struct jrow_col col;
			jrow_cols_next(&key, &col);
			sql_name(s, col.name, col.nlen);
			sb_str(s, " = ");
			sql_name(s, col.name, col.nlen);
			jrow_key(c, &key);
			n = 1;
		}
		sb_str(s, " WHERE ");
		sql_cols(s, key, " = ", " AND ", n, 1);
	}
}

/* Statement k of sh prepared (its name in name), or -1 with e. */
static int
shape_prepare(struct jpgrow *ra, struct shape *sh, const struct jrow_change *c, int k,
    char *name, size_t size, uint64_t lsn, struct jerr *e)
{
	PGresult *r;

	snprintf(name, size, "jmirror_row_%u_%d", sh->id, k);
	if (sh->prepared & (1u << k))
		return 0;
	shape_sql(ra, sh, c, k);
	if (ra->sql.fail)
		return jerr_sys(e, EX_OSERR, "out of memory");
	r = PQprepare(ra->h.conn, name, ra->sql.p, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		jerr_set(e, jpg_code(r), "LSN %llu: %s", (unsigned long long)lsn,
		    pg_why(ra, r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	sh->prepared |= 1u << k;
	return 0;
}

/* ---- messages ---- */

/* The n changes from c on, sent as one statement, failed with result r: the mirror needs
 * attention, unless the failure is the server's (japply_pg_code). Clears r. */
static int
failed_n(struct jpgrow *ra, const struct jrow_change *c, int n, uint64_t lsn, PGresult *r,
    struct jerr *e)
{
	struct jrow_where w;
	char more[64] = "";

	jrow_where(c, &w);
	if (n > 1)
		snprintf(more, sizeof more, " (and the %d after it, in one statement)", n - 1);
	jerr_set(e, jpg_code(r), "LSN %llu: table %s, key %s%s: %s: %s",
	    (unsigned long long)lsn, w.table, w.key, more, jrow_op_name(c->op), pg_why(ra, r));
	PQclear(r);
	return -1;
}

static int
failed(struct jpgrow *ra, const struct jrow_change *c, uint64_t lsn, PGresult *r,
    struct jerr *e)
{
	return failed_n(ra, c, 1, lsn, r, e);
}

/* ---- parameters ---- */

/* v as the next parameter (text, or NULL): 0, or -1 for a text holding a NUL byte (e
 * untouched) or no memory (ra->val.fail). */
static int
param_value(struct jpgrow *ra, const struct jrow_value *v)
{
	static const char hex[] = "0123456789abcdef";
	size_t at = ra->val.n;

	if (ra->noff == ra->offcap) {
		size_t cap = ra->offcap ? ra->offcap * 2 : 256;
		size_t *no = realloc(ra->off, cap * sizeof *no);
		const char **np = no ? realloc(ra->pv, cap * sizeof *np) : NULL;
		if (no)
			ra->off = no;
		if (!np) {
			ra->val.fail = 1;
			return -1;
		}
		ra->pv = np;
		ra->offcap = cap;
	}
	switch (v->tag) {
	case JROW_INTEGER:
		sb_fmt(&ra->val, "%" PRId64, v->i);
		break;
	case JROW_BOOLEAN:
		sb_str(&ra->val, v->i ? "1" : "0");
		break;
	case JROW_REAL:
		if (isnan(v->r))
			sb_str(&ra->val, "NaN");
		else if (isinf(v->r))
			sb_str(&ra->val, v->r > 0 ? "Infinity" : "-Infinity");
		else
			sb_fmt(&ra->val, "%.17g", v->r);
		break;
	case JROW_BLOB:
		sb_str(&ra->val, "\\x");
		for (uint32_t i = 0; i < v->len; i++) {
			char b[2] = { hex[v->p[i] >> 4], hex[v->p[i] & 15] };
			sb_add(&ra->val, b, 2);
		}
		break;
	case JROW_TEXT:
	case JROW_NUMERIC:
	case JROW_TIMESTAMP:
		if (v->len && memchr(v->p, 0, v->len))
			return -1;
		sb_add(&ra->val, v->p, v->len);
		break;
	default:
		ra->off[ra->noff++] = (size_t)-1;
		return 0;
	}
	sb_add(&ra->val, "", 1);        /* the NUL that ends it, kept */
	ra->off[ra->noff++] = at;
	return 0;
}

static int
param_add(struct jpgrow *ra, const struct jrow_col *col, const struct jrow_change *c,
    uint64_t lsn, struct jerr *e)
{
	struct jrow_where w;

	if (param_value(ra, &col->v) == 0)
		return 0;
	if (ra->val.fail)
		return jerr_sys(e, EX_OSERR, "out of memory");
	jrow_where(c, &w);
	return jerr_set(e, EX_CONFIG, "LSN %llu: table %s, key %s: column %.*s: text with a NUL "
	    "byte, which PostgreSQL cannot store", (unsigned long long)lsn, w.table, w.key,
	    (int)col->nlen, col->name);
}

/* The sent columns of it as parameters (a NULL key column has none: nullkey). */
static int
params_cols(struct jpgrow *ra, struct jrow_cols it, int nullkey, const struct jrow_change *c,
    uint64_t lsn, struct jerr *e)
{
	struct jrow_col col;

	while (jrow_cols_next(&it, &col)) {
		if (col.v.tag == JROW_UNCHANGED || (nullkey && col.v.tag == JROW_NULL))
			continue;
		if (param_add(ra, &col, c, lsn, e) < 0)
			return -1;
	}
	return 0;
}

/* The parameters of statement k for c, added to those already there. */
static int
params_for(struct jpgrow *ra, const struct jrow_change *c, int k, uint64_t lsn,
    struct jerr *e)
{
	struct jrow_cols key, row;

	jrow_key(c, &key);
	jrow_cols(c, &row);
	if (k == Q_EXISTS || (k == Q_CHANGE && c->op == JROW_DELETE))
		return params_cols(ra, key, 1, c, lsn, e);
	if (k != Q_CHANGE || c->op == JROW_INSERT)
		return params_cols(ra, row, 0, c, lsn, e);
	if (sent(row) && params_cols(ra, row, 0, c, lsn, e) < 0)
		return -1;
	return params_cols(ra, key, 1, c, lsn, e);
}

static void
params_reset(struct jpgrow *ra)
{
	sb_reset(&ra->val);
	ra->noff = 0;
}

/* The parameters as libpq takes them (val no longer moves). */
static const char *const *
params(struct jpgrow *ra)
{
	for (size_t i = 0; i < ra->noff; i++)
		ra->pv[i] = ra->off[i] == (size_t)-1 ? NULL : ra->val.p + ra->off[i];
	return ra->pv;
}

/* Run statement k of sh for c: the result, or NULL with e (not a failed statement: that is
 * the result, for the caller to read). */
static PGresult *
run(struct jpgrow *ra, struct shape *sh, const struct jrow_change *c, int k, uint64_t lsn,
    struct jerr *e)
{
	char name[64];

	if (shape_prepare(ra, sh, c, k, name, sizeof name, lsn, e) < 0)
		return NULL;
	params_reset(ra);
	if (params_for(ra, c, k, lsn, e) < 0)
		return NULL;
	if (ra->val.fail) {
		jerr_sys(e, EX_OSERR, "out of memory");
		return NULL;
	}
	return PQexecPrepared(ra->h.conn, name, (int)ra->noff, params(ra), NULL, NULL, 0);
}

/* ---- divergence and repair ---- */

static int
note_repair(struct jpgrow *ra, const struct jrow_change *c, uint64_t lsn,
    const char *problem, const char *what, struct jerr *e)
{
	struct jrow_where w;
	char line[1400];
	char l[32], at[32];
	const char *p[6] = { l, w.table, w.key, jrow_op_name(c->op), what, at };
	PGresult *r;

	jrow_where(c, &w);
	snprintf(l, sizeof l, "%llu", (unsigned long long)lsn);
	snprintf(at, sizeof at, "%llu", (unsigned long long)jclock_now());
	r = PQexecParams(ra->h.conn, "INSERT INTO jmirror.repairs VALUES ($1, $2, $3, $4, $5, $6)",
	    6, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		jerr_set(e, jpg_code(r), "unable to record a repair: %s", pg_why(ra, r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	jrow_repaired(c, lsn, problem, what, line, sizeof line);
	if (ra->h.repaired)
		ra->h.repaired(ra->h.arg, line);
	return 0;
}

/*
 * c does not fit the mirror, as problem says. Without repair: EX_CONFIG. With it: run
 * statement fix of c's shape (none: -1), then report and record what was done.
 */
static int
diverged(struct jpgrow *ra, struct shape *sh, const struct jrow_change *c, uint64_t lsn,
    const char *problem, int fix, const char *what, struct jerr *e)
{
	PGresult *r;
	int ok;

	if (!ra->h.repair)
		return jrow_refuse(c, lsn, problem, NULL, e);
	if (fix >= 0) {
		if (!(r = run(ra, sh, c, fix, lsn, e)))
			return -1;
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			jrow_refuse(c, lsn, problem, pg_why(ra, r), e);
		PQclear(r);
		if (!ok)
			return -1;
	}
	return note_repair(ra, c, lsn, problem, what, e);
}

/* Run statement k (a SELECT) for c: 1 a row, 0 none, -1 with e. */
static int
found(struct jpgrow *ra, struct shape *sh, const struct jrow_change *c, int k, uint64_t lsn,
    struct jerr *e)
{
	PGresult *r = run(ra, sh, c, k, lsn, e);
	int n;

	if (!r)
		return -1;
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return failed(ra, c, lsn, r, e);
	n = PQntuples(r) > 0;
	PQclear(r);
	return n;
}

/* An insert that did not go in: the identical row is no change; anything else in the way
 * is divergence. */
static int
insert_check(struct jpgrow *ra, struct shape *sh, const struct jrow_change *c, uint64_t lsn,
    struct jerr *e)
{
	int n;

	if ((n = found(ra, sh, c, Q_SAME, lsn, e)) != 0)
		return n < 0 ? -1 : 0;
	if ((n = found(ra, sh, c, Q_EXISTS, lsn, e)) < 0)
		return -1;
	return diverged(ra, sh, c, lsn, n ? "an insert over a different row with the same key" :
	    "an insert refused by a unique constraint (another row in the way)", Q_FIX,
	    "overwrote what was there", e);
}

/* ---- held inserts ---- */

/* Send the held inserts as one statement, then check those that did not go in. */
static int
flush(struct jpgrow *ra, struct jerr *e)
{
	struct shape *sh = ra->psh;
	int n = ra->pn, k = n == 1 ? Q_CHANGE : Q_BATCH;
	char name[64];
	PGresult *r;

	if (!n)
		return 0;
	ra->pn = 0;
	if (n == 1 || n == sh->batch) {
		if (shape_prepare(ra, sh, ra->pc, k, name, sizeof name, ra->plsn, e) < 0)
			return -1;
	} else {
		sb_reset(&ra->sql);
		sql_insert(&ra->sql, ra->pc, sh->ncol, n);
		sb_str(&ra->sql, " ON CONFLICT DO NOTHING");
	}
	params_reset(ra);
	for (int i = 0; i < n; i++)
		if (params_for(ra, ra->pc + i, Q_CHANGE, ra->plsn, e) < 0)
			return -1;
	if (ra->val.fail || ra->sql.fail)
		return jerr_sys(e, EX_OSERR, "out of memory");
	if (n == 1 || n == sh->batch)
		r = PQexecPrepared(ra->h.conn, name, (int)ra->noff, params(ra), NULL, NULL, 0);
	else
		r = PQexecParams(ra->h.conn, ra->sql.p, (int)ra->noff, NULL, params(ra), NULL,
		    NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return failed_n(ra, ra->pc, n, ra->plsn, r, e);
	k = atoi(PQcmdTuples(r));
	PQclear(r);
	for (int i = 0; k < n && i < n; i++)
		if (insert_check(ra, sh, ra->pc + i, ra->plsn, e) < 0)
			return -1;
	return 0;
}

static int
hold_insert(struct jpgrow *ra, struct shape *sh, const struct jrow_change *c, uint64_t lsn,
    struct jerr *e)
{
	if (ra->pn && ra->psh != sh && flush(ra, e) < 0)
		return -1;
	ra->psh = sh;
	ra->plsn = lsn;
	ra->pc[ra->pn++] = *c;
	return ra->pn == sh->batch ? flush(ra, e) : 0;
}

/* ---- one change ---- */

static int
apply_change(struct jpgrow *ra, const struct jrow_change *c, uint64_t lsn, struct jerr *e)
{
	struct shape *sh;
	PGresult *r;
	int n;

	if (c->op != JROW_INSERT && flush(ra, e) < 0)
		return -1;
	if (c->op == JROW_SQL)
		return ra->h.statements(ra->h.arg, c->sql, c->sqllen, lsn, e);
	if (c->slen == 7 && !memcmp(c->schema, "jmirror", 7))
		return jerr_set(e, EX_DATAERR, "LSN %llu: a change on a table of schema jmirror: "
		    "records may not touch the bookkeeping", (unsigned long long)lsn);
	if (!(sh = shape_get(ra, c, e)))
		return -1;
	if (c->op == JROW_INSERT)
		return hold_insert(ra, sh, c, lsn, e);
	if (!(r = run(ra, sh, c, Q_CHANGE, lsn, e)))
		return -1;
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return failed(ra, c, lsn, r, e);
	n = atoi(PQcmdTuples(r));
	PQclear(r);
	if (n > 0)
		return 0;
	if (c->op == JROW_UPDATE)
		return diverged(ra, sh, c, lsn, "an update of a row the mirror lacks", Q_FIX,
		    "inserted the row", e);
	return diverged(ra, sh, c, lsn, "a delete of a row the mirror lacks", -1,
	    "nothing to delete", e);
}

int
jpgrow_record(struct jpgrow *ra, uint64_t lsn, const void *data, size_t len, struct jerr *e)
{
	struct jrow_reader rd;
	struct jrow_change c;
	char why[sizeof e->msg];
	int rc;

	ra->pn = 0;
	if (jrow_open(&rd, data, len, e) < 0)
		goto damaged;
	if (jpgrow_triggers(ra, 0, e) < 0)
		return -1;
	while ((rc = jrow_next(&rd, &c, e)) == 1)
		if (apply_change(ra, &c, lsn, e) < 0) {
			ra->pn = 0;
			return -1;
		}
	if (rc == 0)
		return flush(ra, e);
	ra->pn = 0;
damaged:
	snprintf(why, sizeof why, "%s", e ? e->msg : "");
	return jerr_set(e, EX_DATAERR, "LSN %llu: %s", (unsigned long long)lsn, why);
}

/* ---- check records ---- */

/* The column named n of the table whose pg_attribute rows r holds (attname, atttypid,
 * collatable): 0 with *c filled, or -1 (no such column). */
static int
ccol_find(const PGresult *r, const char *n, uint16_t nlen, struct jpgcheck_col *c)
{
	for (int i = 0; i < PQntuples(r); i++) {
		const char *a = PQgetvalue(r, i, 0);
		if (strlen(a) != nlen || memcmp(a, n, nlen))
			continue;
		c->name = n;
		c->nlen = nlen;
		c->collate = PQgetvalue(r, i, 2)[0] == 't';
		c->kind = jpgcheck_kind(strtoul(PQgetvalue(r, i, 1), NULL, 10));
		return 0;
	}
	return -1;
}

struct ctable {
	struct jcheck_table t;
	struct jpgcheck_rel rel;
	char          name[300];     /* "schema.table" for messages */
	struct jpgcheck_col *col, *key;
	char         *sel;           /* the chunk's SELECT (jpgcheck_select) */
};

/* Look t's columns up in the mirror: 0, or -1 with e (78 when the mirror lacks the table
 * or a column). */
static int
ctable_load(struct jpgrow *ra, const struct jcheck_table *t, struct ctable *ct, struct jerr *e)
{
	const uint8_t *p = t->cols;
	const char *prm[1];
	PGresult *r;
	int rc = 0;

	ct->t = *t;
	snprintf(ct->name, sizeof ct->name, "%.*s%s%.*s", (int)t->slen, t->schema,
	    t->slen ? "." : "", (int)t->tlen, t->table);
	sb_reset(&ra->sql);
	if (t->slen) {
		sql_name(&ra->sql, t->schema, t->slen);
		sb_add(&ra->sql, ".", 1);
	}
	sql_name(&ra->sql, t->table, t->tlen);
	if (ra->sql.fail || !(ct->col = calloc(t->ncol + t->nkey, sizeof *ct->col)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	ct->key = ct->col + t->ncol;
	ct->rel = (struct jpgcheck_rel){ t->schema, t->table, t->slen, t->tlen, t->ncol, t->nkey,
	    ct->col, ct->key };
	prm[0] = ra->sql.p;
	r = PQexecParams(ra->h.conn, "SELECT attname, atttypid, attcollation <> 0 FROM "
	    "pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
	    1, NULL, prm, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		jerr_set(e, jpg_code(r), "check: table %s: %s", ct->name, pg_why(ra, r));
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) == 0)
		rc = jerr_set(e, JCHECK_EMISMATCH, "check: table %s: the mirror lacks it", ct->name);
	for (int i = 0, n = t->ncol + t->nkey; rc == 0 && i < n; i++) {
		uint16_t len;
		p = i == 0 ? t->cols : i == t->ncol ? t->keys : p;
		memcpy(&len, p, 2);
		if (ccol_find(r, (const char *)p + 2, len, ct->col + i) < 0)
			rc = jerr_set(e, JCHECK_EMISMATCH, "check: table %s: the mirror lacks its "
			    "column %.*s", ct->name, (int)len, (const char *)p + 2);
		p += 2 + len;
	}
	PQclear(r);
	return rc;
}

/* Row i of r (binary), digested as jpgcheck_value encodes its values. */
static int
cdigest(struct jpgrow *ra, const struct ctable *ct, const PGresult *r, int i,
    struct jdigest *d)
{
	struct jrow_value v;

	for (int c = 0; c < ct->t.ncol; c++) {
		jpgcheck_value(ct->col + c, PQgetvalue(r, i, c), PQgetlength(r, i, c),
		    PQgetisnull(r, i, c), &v);
		sb_reset(&ra->enc);
		sb_add(&ra->enc, NULL, jrow_value_size(&v));
		if (ra->enc.fail)
			return -1;
		jdigest_update(d, ra->enc.p, jrow_value_encode(&v, (uint8_t *)ra->enc.p));
	}
	return 0;
}

/* The nkey values encoded at p as parameters: 0, or -1 (a NUL byte in a text or no memory:
 * such a key cannot be in a PostgreSQL mirror either). */
static int
cbound(struct jpgrow *ra, const uint8_t *p, size_t len, int nkey)
{
	struct jrow_value v;
	struct jerr e;
	ssize_t n;

	for (int i = 0; i < nkey; i++, p += n, len -= (size_t)n)
		if ((n = jrow_value_decode(p, len, &v, &e)) <= 0 || param_value(ra, &v) < 0)
			return -1;
	return 0;
}

/* Read a chunk's rows (one at a time: memory stays bounded), count and digest them. */
static int
cread(struct jpgrow *ra, const struct ctable *ct, const char *range, uint64_t *rows,
    struct jdigest *d, struct jerr *e)
{
	PGresult *r;
	int rc = 0;

	if (!PQsendQueryParams(ra->h.conn, ct->sel, (int)ra->noff, NULL, params(ra), NULL,
	    NULL, 1) || !PQsetSingleRowMode(ra->h.conn))
		rc = jerr_set(e, EX_TEMPFAIL, "check: table %s: %s", ct->name, pg_why(ra, NULL));
	while ((r = PQgetResult(ra->h.conn))) {
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_SINGLE_TUPLE) {
			if (rc == 0 && cdigest(ra, ct, r, 0, d) < 0)
				rc = jerr_sys(e, EX_OSERR, "out of memory");
			++*rows;
		} else if (st != PGRES_TUPLES_OK && rc == 0) {
			rc = jerr_set(e, jpg_code(r) == JAPPLY_EAPPLY ? JCHECK_EMISMATCH :
			    jpg_code(r), "check: table %s, %s: the mirror cannot be checked: %s",
			    ct->name, range, pg_why(ra, r));
		}
		PQclear(r);
	}
	return rc;
}

static int
cchunk(struct jpgrow *ra, struct ctable *ct, const struct jcheck_chunk *c,
    struct jerr *e)
{
	char range[400];
	struct jdigest d;
	uint8_t dg[JDIGEST_LEN];
	uint64_t rows = 0;

	jcheck_range_text(c, ct->t.nkey, range, sizeof range);
	free(ct->sel);
	if (!(ct->sel = jpgcheck_select(&ct->rel, c->bounds, 0)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	params_reset(ra);
	if (((c->bounds & JCHECK_LO) && cbound(ra, c->lo, c->lolen, ct->t.nkey) < 0) ||
	    ((c->bounds & JCHECK_HI) && cbound(ra, c->hi, c->hilen, ct->t.nkey) < 0))
		return ra->val.fail ? jerr_sys(e, EX_OSERR, "out of memory") :
		    jerr_set(e, JCHECK_EMISMATCH, "check: table %s, %s: a key PostgreSQL cannot "
		    "hold (a NUL byte)", ct->name, range);
	if (jdigest_init(&d) < 0)
		return jerr_sys(e, EX_OSERR, "out of memory");
	if (cread(ra, ct, range, &rows, &d, e) < 0) {
		jdigest_free(&d);
		return -1;
	}
	jdigest_final(&d, dg);
	return jcheck_compare(ct->name, range, rows, dg, c, e);
}

int
jpgrow_check(struct jpgrow *ra, uint64_t lsn, const void *data, size_t len, struct jerr *e)
{
	struct jcheck_reader rd;
	struct jcheck_table t;
	struct jcheck_chunk c;
	struct ctable ct;
	char why[sizeof e->msg];
	int rc = 0;

	if (jcheck_open(&rd, data, len, e) < 0)
		goto fail;
	while (rc == 0 && jcheck_next_table(&rd, &t)) {
		memset(&ct, 0, sizeof ct);
		rc = ctable_load(ra, &t, &ct, e);
		while (rc == 0 && jcheck_next_chunk(&rd, &c))
			rc = cchunk(ra, &ct, &c, e);
		free(ct.col);
		free(ct.sel);
	}
	if (rc == 0)
		return 0;
fail:
	snprintf(why, sizeof why, "%s", e->msg);
	return jerr_set(e, e->code, "LSN %llu: %s", (unsigned long long)lsn, why);
}
