/*
 * apply_pg: the PostgreSQL applier (apply_ops.h), over libpq (connections and the classes of
 * failures are pg.c's, row and check records apply_pgrow.c's). The mirror is a database named
 * by a postgresql:// URL (or any libpq connection URI); its bookkeeping is the schema jmirror in that database:
 *
 *   CREATE TABLE jmirror.state(   -- the columns of apply.h's jmirror_state, one row (id 1)
 *     id int PRIMARY KEY CHECK (id = 1), version int, role text, name text, lineage text,
 *     timeline bigint, seq bigint, last_lsn bigint, sealed int, digest text, final int,
 *     last_time bigint, applied_at bigint, segment text);   -- every column NOT NULL
 *   CREATE TABLE jmirror.timeline(timeline bigint PRIMARY KEY, seq bigint, lsn bigint);
 *   CREATE TABLE jmirror.repairs(lsn, "table", key, operation, what, at)  -- --repair's
 *   CREATE TABLE jmirror.check(id 1, lsn, time, verified_at)  -- the last check that passed
 *   CREATE TABLE jmirror.captured(id 1, lsn)  -- made with the first row record applied: the
 *                                 primary was captured, so jpromote captures this one too
 *
 * Row and check records are apply_pgrow.c's (apply_pgrow.h), in the same transaction.
 *   CREATE TABLE jmirror.trust(ord int, pubkey text PRIMARY KEY);   -- the keys trusted
 *                                 (apply_state.h), once one is; rewritten with the state row
 *
 * Invariants:
 * - The bookkeeping row MUST be written in the same transaction as the records it counts, and
 *   only if it still holds what this applier last loaded (a compare-and-set on timeline, seq,
 *   last_lsn and sealed): a second integrator, or a record that changed the bookkeeping by a
 *   path the lexer cannot see (dynamic SQL), makes the batch fail and roll back instead of
 *   applying anything twice.
 * - A record MUST NOT end or abandon the applier's transaction: it runs one statement at a
 *   time (pgsql.h splits it; the extended protocol refuses a chunk holding two statements),
 *   its own BEGIN, START TRANSACTION, COMMIT and END are recognised and not run, ROLLBACK,
 *   ABORT and two-phase commands are refused, and the transaction status is checked after
 *   each statement. A statement naming the jmirror schema is refused before it runs.
 * - Every commit is durable when it returns: synchronous_commit is set on at each batch, so a
 *   record's SET cannot weaken the next batch.
 * - The integration lock is a session advisory lock in the mirror database (japply_take),
 *   so that integrators on different hosts exclude each other.
 * - Passwords never travel in the URL (a URL holding one is refused): libpq reads
 *   ~/.pgpass, PGPASSFILE or PGPASSWORD.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "apply_ops.h"
#include "apply_pgrow.h"
#include "pg.h"
#include "clock.h"
#include "lock.h"
#include "pgsql.h"
#include "text.h"

#define LOCK_KEY "7596543223146738002"      /* the advisory lock key: "jmirror" */

struct pg_applier {
	struct japply base;
	PGconn       *conn;
	const char   *url;
	int           loaded;          /* what the bookkeeping held at the last load: */
	struct japply_state was;       /* the compare-and-set's expected value */
	int           locked;
	char         *stmt;            /* NUL-terminated copy of one statement */
	size_t        stmtcap;
	struct jpgrow *rows;           /* row records (apply_pgrow.c) */
	int           noted;           /* this batch made sure of jmirror.captured */
	void        (*repaired)(const char *line);
};

static struct pg_applier *
P(struct japply *a)
{
	return (struct pg_applier *)a;
}

static const char schema[] =
    "CREATE SCHEMA IF NOT EXISTS jmirror;"
    "CREATE TABLE IF NOT EXISTS jmirror.state(id int PRIMARY KEY CHECK (id = 1),"
    "version int NOT NULL, role text NOT NULL, name text NOT NULL, lineage text NOT NULL,"
    "timeline bigint NOT NULL, seq bigint NOT NULL, last_lsn bigint NOT NULL,"
    "sealed int NOT NULL, digest text NOT NULL, final int NOT NULL, last_time bigint NOT NULL,"
    "applied_at bigint NOT NULL, segment text NOT NULL);"
    "CREATE TABLE IF NOT EXISTS jmirror.timeline(timeline bigint PRIMARY KEY,"
    "seq bigint NOT NULL, lsn bigint NOT NULL);"
    "CREATE TABLE IF NOT EXISTS jmirror.repairs(lsn bigint NOT NULL, \"table\" text NOT NULL,"
    "key text NOT NULL, operation text NOT NULL, what text NOT NULL, at bigint NOT NULL);"
    "CREATE TABLE IF NOT EXISTS jmirror.check(id int PRIMARY KEY CHECK (id = 1),"
    "lsn bigint NOT NULL, time bigint NOT NULL, verified_at bigint NOT NULL);";

static int
res_err(struct jerr *e, PGconn *c, PGresult *r, const char *what)
{
	return jpg_err(e, c, r, what);
}

/* Run sql (no parameters, no rows wanted): 0 or -1 with e. */
static int
run(PGconn *c, const char *sql, struct jerr *e)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		return res_err(e, c, r, "PostgreSQL");
	PQclear(r);
	return 0;
}

static int
connect_db(const char *url, PGconn **cp, struct jerr *e)
{
	PGconn *c;

	if (jpg_connect(url, "the mirror database", NULL, 0, cp, e) < 0)
		return -1;
	c = *cp;
	/* a killed jintegrate's backend notices the dead client within a second, even inside a
	 * long statement, and releases the transaction and the lock it held */
	if (PQserverVersion(c) >= 140000 &&
	    run(c, "SET client_connection_check_interval = '1s'", e) < 0)
		return -1;
	return run(c, "SET synchronous_commit = on; SET client_min_messages = warning", e);
}

/* The trusted keys, in the order they were trusted (none while jmirror.trust is not there). */
static int
trust_load(PGconn *c, struct japply_state *st, struct jerr *e)
{
	PGresult *r = PQexec(c, "SELECT to_regclass('jmirror.trust') IS NOT NULL");

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return res_err(e, c, r, "unable to read the trusted keys");
	if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		PQclear(r);
		return 0;               /* no such table: no key was ever trusted */
	}
	PQclear(r);
	r = PQexec(c, "SELECT pubkey FROM jmirror.trust ORDER BY ord");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return res_err(e, c, r, "unable to read the trusted keys");
	for (int i = 0; i < PQntuples(r); i++) {
		struct jsig_pub k;
		if (jsig_pub_parse(PQgetvalue(r, i, 0), &k) < 0 ||
		    jsig_trust_add(&st->trust, &k, NULL) < 0) {
			PQclear(r);
			return jerr_set(e, EX_DATAERR, "jmirror.trust: a key not understood");
		}
	}
	PQclear(r);
	return 0;
}

/* Rewrite the trusted keys in the batch's transaction (made with the first one). */
static int
trust_put(struct pg_applier *a, const struct japply_state *st, struct jerr *e)
{
	PGresult *r;

	if (st->trust.n == 0 && a->was.trust.n == 0)
		return 0;
	if (run(a->conn, "CREATE TABLE IF NOT EXISTS jmirror.trust(ord int NOT NULL, pubkey text "
	    "PRIMARY KEY); DELETE FROM jmirror.trust", e) < 0)
		return -1;
	for (size_t i = 0; i < st->trust.n; i++) {
		char b64[JSIG_PUB_B64], ord[24];
		const char *p[2] = { ord, b64 };
		snprintf(ord, sizeof ord, "%zu", i);
		jsig_pub_format(&st->trust.keys[i], b64);
		r = PQexecParams(a->conn, "INSERT INTO jmirror.trust VALUES ($1, $2)", 2, NULL, p,
		    NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			return res_err(e, a->conn, r, "unable to write the trusted keys");
		PQclear(r);
	}
	return 0;
}

/* Read the bookkeeping: st->present 0 when the schema or its row is not there yet. */
static int
load_pg(PGconn *c, struct japply_state *st, struct jerr *e)
{
	PGresult *r;

	memset(st, 0, sizeof *st);
	r = PQexec(c, "SELECT to_regclass('jmirror.state') IS NOT NULL");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return res_err(e, c, r, "unable to read the bookkeeping");
	if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		PQclear(r);
		return 0;
	}
	PQclear(r);
	r = PQexec(c, "SELECT version, role, name, lineage, timeline, seq, last_lsn, sealed, "
	    "digest, final, last_time, applied_at, segment FROM jmirror.state WHERE id = 1");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return res_err(e, c, r, "unable to read the bookkeeping");
	if (PQntuples(r) == 1) {
		if (atoi(PQgetvalue(r, 0, 0)) != JAPPLY_STATE_VERSION ||
		    jdigest_unhex(PQgetvalue(r, 0, 3), st->lineage, JFMT_LINEAGE_LEN) < 0 ||
		    jdigest_unhex(PQgetvalue(r, 0, 8), st->digest, JDIGEST_LEN) < 0) {
			PQclear(r);
			return jerr_set(e, EX_DATAERR, "jmirror.state: a version or content not "
			    "understood");
		}
		st->present = 1;
		st->operational = !strcmp(PQgetvalue(r, 0, 1), "operational");
		snprintf(st->name, sizeof st->name, "%s", PQgetvalue(r, 0, 2));
		st->timeline = (uint32_t)strtoul(PQgetvalue(r, 0, 4), NULL, 10);
		st->seq = strtoull(PQgetvalue(r, 0, 5), NULL, 10);
		st->last_lsn = strtoull(PQgetvalue(r, 0, 6), NULL, 10);
		st->sealed = atoi(PQgetvalue(r, 0, 7));
		st->final = atoi(PQgetvalue(r, 0, 9));
		st->last_time = strtoull(PQgetvalue(r, 0, 10), NULL, 10);
		st->applied_at = strtoull(PQgetvalue(r, 0, 11), NULL, 10);
		snprintf(st->segment, sizeof st->segment, "%s", PQgetvalue(r, 0, 12));
	}
	PQclear(r);
	r = PQexec(c, "SELECT lsn, time FROM jmirror.check WHERE to_regclass('jmirror.check') "
	    "IS NOT NULL");
	if (PQresultStatus(r) != PGRES_TUPLES_OK && strcmp(PQresultErrorField(r,
	    PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "", "42P01"))
		return res_err(e, c, r, "unable to read the bookkeeping");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		st->verified_lsn = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		st->verified_time = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
	}
	PQclear(r);
	r = PQexec(c, "SELECT to_regclass('jmirror.captured') IS NOT NULL");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return res_err(e, c, r, "unable to read the bookkeeping");
	st->captured = !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	r = PQexec(c, "SELECT timeline, seq, lsn FROM (SELECT * FROM jmirror.timeline ORDER BY "
	    "timeline DESC LIMIT 16) t ORDER BY timeline");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return res_err(e, c, r, "unable to read the bookkeeping");
	for (int i = 0; i < PQntuples(r); i++)
		japply_state_add_tl(st, (uint32_t)strtoul(PQgetvalue(r, i, 0), NULL, 10),
		    strtoull(PQgetvalue(r, i, 1), NULL, 10), strtoull(PQgetvalue(r, i, 2), NULL, 10));
	PQclear(r);
	return trust_load(c, st, e);
}

static int statements(void *arg, const char *text, size_t len, uint64_t lsn, struct jerr *e);

static void
row_repaired(void *arg, const char *line)
{
	struct pg_applier *a = arg;

	if (a->repaired)
		a->repaired(line);
}

static int
p_open(const struct japply_opts *o, struct japply **ap, struct jerr *e)
{
	struct pg_applier *a = calloc(1, sizeof *a);

	*ap = NULL;
	if (!a)
		return jerr_sys(e, EX_OSERR, "out of memory");
	a->base.ops = &japply_pg_ops;
	a->url = o->db;
	a->repaired = o->repaired;
	if (connect_db(o->db, &a->conn, e) < 0) {
		PQfinish(a->conn);
		free(a);
		return -1;
	}
	struct jpgrow_host h = { .conn = a->conn, .repair = o->repair,
	                         .repaired = row_repaired, .statements = statements, .arg = a };
	if (!(a->rows = jpgrow_new(&h, e))) {
		PQfinish(a->conn);
		free(a);
		return -1;
	}
	*ap = &a->base;
	return 0;
}

static int
p_load(struct japply *ap, struct japply_state *st, struct jerr *e)
{
	struct pg_applier *a = P(ap);

	if (load_pg(a->conn, st, e) < 0)
		return -1;
	a->was = *st;
	a->loaded = 1;
	return 0;
}

static int
p_begin(struct japply *ap, const char *seg, uint64_t first, uint64_t last, struct jerr *e)
{
	struct pg_applier *a = P(ap);

	if (run(a->conn, "SET synchronous_commit = on; BEGIN", e) < 0)
		return -1;
	jpgrow_begin(a->rows);
	a->noted = a->was.captured;
	/* the bookkeeping exists before any record runs: none can take its names */
	if (run(a->conn, schema, e) < 0) {
		japply_pg_ops.rollback(ap);
		return -1;
	}
	return 0;
}

static int
statement(struct pg_applier *a, const char *s, size_t n, uint64_t lsn, struct jerr *e)
{
	char start[80], line[400];
	int kind = jpgsql_kind(s, n);
	PGresult *r;
	ExecStatusType rs;

	if (n + 1 > a->stmtcap) {
		char *nb = realloc(a->stmt, n + 1);
		if (!nb)
			return jerr_sys(e, EX_OSERR, "out of memory");
		a->stmt = nb;
		a->stmtcap = n + 1;
	}
	memcpy(a->stmt, s, n);
	a->stmt[n] = 0;
	jtext_statement(a->stmt, start, sizeof start);
	if (kind == JPGSQL_TXN_START || kind == JPGSQL_TXN_END)
		return 0;
	if (kind == JPGSQL_TXN_ABORT)
		return jerr_set(e, JAPPLY_EAPPLY, "LSN %llu: %s: a record is applied whole or not "
		    "at all", (unsigned long long)lsn, start);
	if (jpgsql_names_schema(s, n, "jmirror"))
		return jerr_set(e, EX_DATAERR, "LSN %llu: %s: records may not touch the "
		    "bookkeeping (schema jmirror): refused", (unsigned long long)lsn, start);
	r = PQexecParams(a->conn, a->stmt, 0, NULL, NULL, NULL, NULL, 0);
	rs = PQresultStatus(r);
	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK && rs != PGRES_EMPTY_QUERY) {
		jerr_set(e, jpg_code(r), "LSN %llu: %s: %s", (unsigned long long)lsn, start,
		    jpg_line(r ? PQresultErrorMessage(r) : PQerrorMessage(a->conn), line,
		    sizeof line));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	if (PQtransactionStatus(a->conn) != PQTRANS_INTRANS)
		return jerr_set(e, EX_SOFTWARE, "LSN %llu: %s: the statement ended the applier's "
		    "transaction", (unsigned long long)lsn, start);
	return 0;
}

/* The statements of an sql record, or of a row record's sql change, one at a time. */
static int
statements(void *arg, const char *text, size_t len, uint64_t lsn, struct jerr *e)
{
	struct pg_applier *a = arg;
	size_t off = 0, start, n;

	if (memchr(text, 0, len))
		return jerr_set(e, JAPPLY_EAPPLY, "LSN %llu: sql with a NUL byte",
		    (unsigned long long)lsn);
	while ((n = jpgsql_next(text, len, &off, &start)) > 0)
		if (statement(a, text + start, n, lsn, e) < 0)
			return -1;
	return 0;
}

/* A check record verified where it stands (apply_pgrow.h); one that passes is remembered
 * in jmirror.check, in the segment's transaction. */
static int
check_record(struct pg_applier *a, const struct jseg_rec *r, struct jerr *e)
{
	char v[3][32];
	const char *p[3] = { v[0], v[1], v[2] };
	PGresult *q;

	if (jpgrow_check(a->rows, r->lsn, r->data, r->len, e) < 0)
		return -1;
	snprintf(v[0], sizeof v[0], "%llu", (unsigned long long)r->lsn);
	snprintf(v[1], sizeof v[1], "%llu", (unsigned long long)r->time);
	snprintf(v[2], sizeof v[2], "%llu", (unsigned long long)jclock_now());
	q = PQexecParams(a->conn, "INSERT INTO jmirror.check VALUES (1, $1, $2, $3) ON CONFLICT "
	    "(id) DO UPDATE SET lsn = EXCLUDED.lsn, time = EXCLUDED.time, "
	    "verified_at = EXCLUDED.verified_at", 3, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(q) != PGRES_COMMAND_OK)
		return res_err(e, a->conn, q, "unable to write the bookkeeping");
	PQclear(q);
	return 0;
}

/* Row records come from a captured primary: the first one applied makes jmirror.captured in
 * its transaction, so that jpromote captures this database too when it becomes the primary
 * (the mark apply_sqlite.c keeps in jmirror_captured). */
static int
captured_note(struct pg_applier *a, uint64_t lsn, struct jerr *e)
{
	char sql[200];

	if (a->noted)
		return 0;
	snprintf(sql, sizeof sql, "CREATE TABLE IF NOT EXISTS jmirror.captured(id int PRIMARY KEY "
	    "CHECK (id = 1), lsn bigint NOT NULL); INSERT INTO jmirror.captured VALUES (1, %llu) "
	    "ON CONFLICT DO NOTHING", (unsigned long long)lsn);
	if (run(a->conn, sql, e) < 0)
		return -1;
	a->noted = 1;
	return 0;
}

static int
p_record(struct japply *ap, const struct jseg_rec *r, struct jerr *e)
{
	struct pg_applier *a = P(ap);

	if (r->type > JFMT_TYPE_CHECK)
		return jfmt_type_unknown(r->type, r->lsn, e);
	if (r->type == JFMT_TYPE_ROW)
		return captured_note(a, r->lsn, e) < 0 ? -1 :
		    jpgrow_record(a->rows, r->lsn, r->data, r->len, e);
	if (r->type == JFMT_TYPE_CHECK)
		return check_record(a, r, e);
	if (r->type != JFMT_TYPE_SQL)
		return 0;                       /* raw and other types: not for this applier */
	/* the application's triggers fire for sql records, as on the primary */
	if (jpgrow_triggers(a->rows, 1, e) < 0)
		return -1;
	return statements(a, (const char *)r->data, r->len, r->lsn, e);
}

/* Write st where the bookkeeping held exactly what the last load saw. */
static int
put_state(struct pg_applier *a, const struct japply_state *st, struct jerr *e)
{
	char lin[JDIGEST_HEX], dg[JDIGEST_HEX], v[13][32];
	const char *p[17];
	PGresult *r;
	int n;

	jdigest_hex(st->lineage, JFMT_LINEAGE_LEN, lin);
	jdigest_hex(st->digest, JDIGEST_LEN, dg);
	snprintf(v[0], sizeof v[0], "%d", JAPPLY_STATE_VERSION);
	snprintf(v[1], sizeof v[1], "%u", st->timeline);
	snprintf(v[2], sizeof v[2], "%llu", (unsigned long long)st->seq);
	snprintf(v[3], sizeof v[3], "%llu", (unsigned long long)st->last_lsn);
	snprintf(v[4], sizeof v[4], "%d", st->sealed);
	snprintf(v[5], sizeof v[5], "%d", st->final);
	snprintf(v[6], sizeof v[6], "%llu", (unsigned long long)st->last_time);
	snprintf(v[7], sizeof v[7], "%llu", (unsigned long long)st->applied_at);
	snprintf(v[8], sizeof v[8], "%u", a->was.timeline);
	snprintf(v[9], sizeof v[9], "%llu", (unsigned long long)a->was.seq);
	snprintf(v[10], sizeof v[10], "%llu", (unsigned long long)a->was.last_lsn);
	snprintf(v[11], sizeof v[11], "%d", a->was.sealed);
	snprintf(v[12], sizeof v[12], "%d", a->was.present);
	p[0] = v[0]; p[1] = st->operational ? "operational" : "mirror"; p[2] = st->name;
	p[3] = lin; p[4] = v[1]; p[5] = v[2]; p[6] = v[3]; p[7] = v[4]; p[8] = dg; p[9] = v[5];
	p[10] = v[6]; p[11] = v[7]; p[12] = st->segment;
	p[13] = v[8]; p[14] = v[9]; p[15] = v[10]; p[16] = v[11];
	if (!a->was.present)
		r = PQexecParams(a->conn, "INSERT INTO jmirror.state VALUES (1, $1, $2, $3, $4, $5, "
		    "$6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING", 13, NULL, p,
		    NULL, NULL, 0);
	else
		r = PQexecParams(a->conn, "UPDATE jmirror.state SET version = $1, role = $2, "
		    "name = $3, lineage = $4, timeline = $5, seq = $6, last_lsn = $7, sealed = $8, "
		    "digest = $9, final = $10, last_time = $11, applied_at = $12, segment = $13 "
		    "WHERE id = 1 AND timeline = $14 AND seq = $15 AND last_lsn = $16 AND "
		    "sealed = $17", 17, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return res_err(e, a->conn, r, "unable to write the bookkeeping");
	n = atoi(PQcmdTuples(r));
	PQclear(r);
	if (n != 1)
		return jerr_set(e, EX_TEMPFAIL, "%s: the bookkeeping changed under this batch "
		    "(another integration, or a record that wrote it): rolled back", a->url);
	for (int i = 0; i < st->ntl; i++) {
		char t[3][32];
		const char *tp[3] = { t[0], t[1], t[2] };
		snprintf(t[0], sizeof t[0], "%u", st->tl[i].timeline);
		snprintf(t[1], sizeof t[1], "%llu", (unsigned long long)st->tl[i].seq);
		snprintf(t[2], sizeof t[2], "%llu", (unsigned long long)st->tl[i].lsn);
		r = PQexecParams(a->conn, "INSERT INTO jmirror.timeline VALUES ($1, $2, $3) "
		    "ON CONFLICT (timeline) DO NOTHING", 3, NULL, tp, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			return res_err(e, a->conn, r, "unable to write the bookkeeping");
		PQclear(r);
	}
	return trust_put(a, st, e);
}

static int
p_commit(struct japply *ap, const struct japply_state *st, struct jerr *e)
{
	struct pg_applier *a = P(ap);

	if (!a->loaded)
		return jerr_set(e, EX_SOFTWARE, "%s: commit before the bookkeeping was read",
		    a->url);
	if (put_state(a, st, e) < 0 || run(a->conn, "COMMIT", e) < 0) {
		japply_pg_ops.rollback(ap);
		return -1;
	}
	a->was = *st;
	a->was.present = 1;
	return 0;
}

static void
p_rollback(struct japply *ap)
{
	struct pg_applier *a = P(ap);
	int saved = errno;

	if (a->conn && PQtransactionStatus(a->conn) != PQTRANS_IDLE)
		PQclear(PQexec(a->conn, "ROLLBACK"));
	errno = saved;
}

static void
p_close(struct japply *ap)
{
	struct pg_applier *a = P(ap);

	p_rollback(ap);
	PQfinish(a->conn);
	jpgrow_free(a->rows);
	free(a->stmt);
	free(a);
}

/* The integration lock: a session advisory lock held on the applier's connection. */
static int
p_take(struct japply *ap, int how, struct jerr *e)
{
	struct pg_applier *a = P(ap);
	PGresult *r;
	int got;

	r = PQexec(a->conn, how == JLOCK_NOWAIT ? "SELECT pg_try_advisory_lock(" LOCK_KEY ")" :
	    "SELECT pg_advisory_lock(" LOCK_KEY "), true");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return res_err(e, a->conn, r, "unable to take the integration lock");
	got = !strcmp(PQgetvalue(r, 0, PQnfields(r) - 1), "t");
	PQclear(r);
	if (!got)
		return jerr_set(e, EX_TEMPFAIL, "%s: busy: another integration holds its lock",
		    a->url);
	a->locked = 1;
	return 0;
}

static void
p_release(struct japply *ap)
{
	struct pg_applier *a = P(ap);

	if (a->locked)
		PQclear(PQexec(a->conn, "SELECT pg_advisory_unlock(" LOCK_KEY ")"));
	a->locked = 0;
}

static int
p_read(const char *db, struct japply_state *st, struct jerr *e)
{
	PGconn *c;
	int rc;

	if (connect_db(db, &c, e) < 0) {
		PQfinish(c);
		return -1;
	}
	rc = load_pg(c, st, e);
	PQfinish(c);
	return rc;
}

static int
p_set_role(const char *db, int operational, struct jerr *e)
{
	char now[32];
	const char *p[2] = { operational ? "operational" : "mirror", now };
	PGconn *c;
	PGresult *r;
	int n;

	if (connect_db(db, &c, e) < 0) {
		PQfinish(c);
		return -1;
	}
	snprintf(now, sizeof now, "%llu", (unsigned long long)jclock_now());
	r = PQexecParams(c, "UPDATE jmirror.state SET role = $1, applied_at = $2 WHERE id = 1",
	    2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (st && !strcmp(st, "42P01")) {
			PQclear(r);
			PQfinish(c);
			return jerr_set(e, EX_DATAERR, "%s: no mirror bookkeeping", db);
		}
		res_err(e, c, r, db);
		PQfinish(c);
		return -1;
	}
	n = atoi(PQcmdTuples(r));
	PQclear(r);
	PQfinish(c);
	return n == 1 ? 0 : jerr_set(e, EX_DATAERR, "%s: no mirror bookkeeping", db);
}

const struct japply_ops japply_pg_ops = {
	.name = "postgresql",
	.open = p_open,
	.load = p_load,
	.begin = p_begin,
	.record = p_record,
	.commit = p_commit,
	.rollback = p_rollback,
	.close = p_close,
	.take = p_take,
	.release = p_release,
	.read = p_read,
	.set_role = p_set_role,
};
