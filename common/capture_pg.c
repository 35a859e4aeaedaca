/*
 * capture_pg: a PostgreSQL primary's changes into its journal, exactly once (capture_pg.h),
 * through a logical replication slot streamed with pgoutput (pgoutput.c decodes it).
 *
 * The binding: the publication and the slot are both named jmirror_<lineage>_<timeline>
 * after the journal's (pgslot.c), so a database is only ever drained into the journal it
 * was installed for; another journal finds no slot of its name (refused, EX_DATAERR). The
 * timeline keeps apart the slots of a primary and of its mirror promoted in the same
 * cluster.
 *
 * Install is a ladder: publication (FOR ALL TABLES; a table without a primary key gets
 * REPLICA IDENTITY FULL, so that the application's own UPDATEs of it stay allowed and
 * reach the capture, which refuses them), then the slot with an exported snapshot, then
 * in that snapshot the schema as portable DDL and every row, journaled as one group whose
 * position is the slot's consistent point (a --no-snapshot install journals an empty row
 * record with it). A journal at position 0 has no completed install: a slot found with it
 * was left by an interrupted install, and install drops it and starts again.
 *
 * A drain streams from the journal's position. Invariants:
 * - The position (what the journal holds) MUST be read from the journal itself
 *   (jcap_journal_where), never from the slot: the slot only ever lags it.
 * - A transaction whose commit LSN is at or below the position is in the journal already
 *   and MUST be skipped; one above it is appended whole (a group when larger than a
 *   record: a crash inside it leaves an incomplete group, cut as a torn tail), its records
 *   carrying its commit LSN as their position.
 * - The slot's flush position MUST be reported only up to what the journal holds durably:
 *   the journal is synced before each standby status update that follows an append (one
 *   fdatasync per update, not per transaction: a backlog of small transactions drains at
 *   the speed of decoding), and at the end of every drain, install and --ddl-done. So a
 *   SIGKILL, a power cut or a server restart at any instruction leaves every transaction
 *   either in the journal or still in the slot; what a power cut takes from the journal's
 *   unsynced tail the slot still holds, and the next drain journals it again.
 * - Memory is bounded by one record: a transaction larger than one goes out in parts.
 * - Changes the row record cannot carry stop the drain (EX_CONFIG) before the transaction
 *   holding them is journaled, so the slot keeps it: an UPDATE or DELETE of a table without
 *   a key, a table described again with other columns and no --ddl journaled since.
 * - Transactional logical messages are journaled at their place in their transaction:
 *   jmirror.ddl (jpgcap_ddl) as an sql change, jmirror.check as the check record it holds.
 * - Sequences, which the stream lacks, travel as rows of captured_sequences, raised on the
 *   primary at the start of each drain (sequences_sql).
 * - A drain takes every transaction committed before it began: it has the server flush
 *   its WAL (flush_sql) before it reads where the WAL stands.
 * - The schema jmirror is the bookkeeping of a mirror (one that jpromote made the primary
 *   and installed capture in): its tables MUST NOT be journaled, in the snapshot or after.
 *
 * JM_TEST_CRASH=STEP (crash.h, test-only): pgcap-group (first record of a large transaction
 * appended), pgcap-appended (a transaction durable, the slot not told).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <libpq-fe.h>

#include "capture_pg.h"
#include "crash.h"
#include "grow.h"
#include "journal.h"
#include "pg.h"
#include "pgoutput.h"
#include "pgslot.h"
#include "row.h"

#define SLOT_LEN 64
#define SETTINGS "-c extra_float_digits=3 -c bytea_output=hex -c DateStyle=ISO " \
	"-c TimeZone=UTC -c IntervalStyle=postgres -c client_min_messages=warning"
#define CHECK_PREFIX "jmirror.check"
#define DDL_PREFIX "jmirror.ddl"
#define FLUSH_PREFIX "jmirror.flush"
#define MAX_CHECKS 64

struct rel {
	uint32_t   id;
	char      *schema, *name;  /* schema "" for public */
	int        ncol, keyless;
	int        own;           /* in the schema jmirror: a promoted mirror's bookkeeping */
	uint64_t   ddl;           /* c->ddls when it was described */
	char     **col;
	uint32_t  *typ;
	int       *key;
};

struct jpgcap {
	char            *url, *journal;
	char             slot[SLOT_LEN];
	PGconn          *sql, *repl;
	struct jjournal *j;
	uint64_t         pos, flushed, received;
	struct rel      *rels;
	size_t           nrels, relcap;
	struct jrow_value *kv, *nv;    /* a change's key (old) and new values, decoded once */
	size_t           kvcap, nvcap;
	struct jrow_builder b;
	int              in_tx, skip, in_group, nchg;
	int              unsynced;  /* appended since the journal was last synced */
	uint64_t         tx_lsn;
	uint64_t         ddls;    /* schema changes journaled by this process */
	struct jcapture_stats st;
};

/* ---- connections ---- */

static int
run(PGconn *c, const char *sql, struct jerr *e)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		return jpg_err(e, c, r, "PostgreSQL");
	PQclear(r);
	return 0;
}

/* sql with parameters p (n of them), rows wanted: the result, or NULL with e. */
static PGresult *
query(PGconn *c, const char *sql, int n, const char *const *p, struct jerr *e)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);

	if (PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK)
		return r;
	jpg_err(e, c, r, "PostgreSQL");
	return NULL;
}

static uint64_t
lsn_parse(const char *s)
{
	unsigned hi, lo;

	return sscanf(s, "%X/%X", &hi, &lo) == 2 ? (uint64_t)hi << 32 | lo : 0;
}

static int
slot_name(const char *journal, char slot[SLOT_LEN], uint64_t *pos, struct jerr *e)
{
	char lineage[JCAP_LINEAGE_HEX];
	uint32_t tl;

	if (jcap_journal_where(journal, lineage, &tl, pos, e) < 0)
		return -1;
	jpgslot_name(lineage, tl, slot, SLOT_LEN);
	return 0;
}

/* The jmirror_ slot of this database other than ours, if any, into other. */
static int
slots(PGconn *c, const char *ours, int *have, char other[SLOT_LEN], struct jerr *e)
{
	PGresult *r = query(c, "SELECT slot_name FROM pg_replication_slots WHERE database = "
	    "current_database() AND slot_name LIKE 'jmirror\\_%'", 0, NULL, e);

	if (!r)
		return -1;
	*have = 0;
	other[0] = 0;
	for (int i = 0; i < PQntuples(r); i++)
		if (!strcmp(PQgetvalue(r, i, 0), ours))
			*have = 1;
		else
			snprintf(other, SLOT_LEN, "%s", PQgetvalue(r, i, 0));
	PQclear(r);
	return 0;
}

/* ---- relations: what a Relation message said, for the changes that follow ---- */

static void
rel_free(struct rel *r)
{
	for (int i = 0; i < r->ncol; i++)
		free(r->col[i]);
	free(r->col);
	free(r->typ);
	free(r->key);
	free(r->schema);
	free(r->name);
	memset(r, 0, sizeof *r);
}

static struct rel *
rel_find(struct jpgcap *c, uint32_t id)
{
	for (size_t i = 0; i < c->nrels; i++)
		if (c->rels[i].id == id)
			return &c->rels[i];
	return NULL;
}

static int
rel_same(const struct rel *a, const struct rel *b)
{
	if (a->ncol != b->ncol || strcmp(a->schema, b->schema) || strcmp(a->name, b->name))
		return 0;
	for (int i = 0; i < a->ncol; i++)
		if (strcmp(a->col[i], b->col[i]) || a->typ[i] != b->typ[i])
			return 0;
	return 1;
}

/* Remember (or replace) the relation m describes. A table described again with other
 * columns, with no schema change journaled since, was changed behind the capture's back:
 * refused before anything of the transaction using it is journaled. */
static int
rel_learn(struct jpgcap *c, const struct jpgo_msg *m, struct jerr *e)
{
	struct rel *r = rel_find(c, m->relid), n = { .id = m->relid };
	struct jpgo_cols it = m->cols;
	struct jpgo_col col;
	int k = 0;

	n.ncol = it.n;
	n.schema = strdup(strcmp(m->nspname, "public") ? m->nspname : "");
	n.name = strdup(m->relname);
	n.col = calloc((size_t)n.ncol + 1, sizeof *n.col);
	n.typ = calloc((size_t)n.ncol + 1, sizeof *n.typ);
	n.key = calloc((size_t)n.ncol + 1, sizeof *n.key);
	if (!n.schema || !n.name || !n.col || !n.typ || !n.key)
		goto oom;
	for (int i = 0; jpgo_col_next(&it, &col) == 1; i++) {
		if (!(n.col[i] = strdup(col.name)))
			goto oom;
		n.typ[i] = col.typoid;
		n.key[i] = col.key;
		k += col.key;
	}
	/* FULL identity flags every column: such a table has no key of its own */
	n.keyless = !k || m->replident == 'f' || m->replident == 'n';
	n.own = !strcmp(m->nspname, "jmirror");
	n.ddl = c->ddls;
	if (r && !c->skip && !n.own && r->ddl == c->ddls && !rel_same(r, &n)) {
		jerr_set(e, JCAP_ESCHEMA, "table %s%s%s was changed without jcapture --ddl; "
		    "nothing of what follows was journaled and the slot keeps it: journal the "
		    "change with jcapture --ddl-done 'SQL' (see jcapture(1))", n.schema,
		    *n.schema ? "." : "", n.name);
		rel_free(&n);
		return -1;
	}
	if (!r) {
		if (jgrow(&c->rels, &c->relcap, c->nrels + 1, sizeof *c->rels, 16) < 0)
			goto oom;
		r = &c->rels[c->nrels++];
	} else {
		rel_free(r);
	}
	*r = n;
	return 0;
oom:
	n.ncol = n.col ? n.ncol : 0;
	rel_free(&n);
	return jerr_set(e, EX_OSERR, "out of memory");
}

/* ---- a change into the record being built ---- */

/* Every datum of t into v (values point into the message: decoded once, bytea in place). */
static int
decode(const struct rel *r, struct jpgo_tuple t, struct jrow_value *v, struct jerr *e)
{
	struct jpgo_datum d;

	if (t.n != r->ncol)
		return jerr_set(e, EX_DATAERR, "table %s: a change of %u columns, not %d",
		    r->name, t.n, r->ncol);
	for (int i = 0; jpgo_datum_next(&t, &d) == 1; i++) {
		v[i] = (struct jrow_value){ .tag = d.kind == 'u' ? JROW_UNCHANGED : JROW_NULL };
		if (d.kind == 't' && jpgo_value(r->typ[i], d.p, d.len, &v[i]) < 0)
			return jerr_set(e, EX_DATAERR, "table %s: column %s: '%.*s' is not a value "
			    "of type %u", r->name, r->col[i], (int)(d.len > 40 ? 40 : d.len), d.p,
			    r->typ[i]);
	}
	return 0;
}

/* The values of an Insert, Update or Delete, decoded into c->kv (key) and c->nv (row). */
static int
decode_change(struct jpgcap *c, const struct jpgo_msg *m, const struct rel *r, struct jerr *e)
{
	size_t n = (size_t)r->ncol + 1;

	if (jgrow(&c->kv, &c->kvcap, n, sizeof *c->kv, 64) < 0 ||
	    jgrow(&c->nv, &c->nvcap, n, sizeof *c->nv, 64) < 0)
		return jerr_set(e, EX_OSERR, "out of memory");
	if (m->kind != JPGO_DELETE && decode(r, m->newt, c->nv, e) < 0)
		return -1;
	if (!m->oldt.kind) {
		memcpy(c->kv, c->nv, (size_t)r->ncol * sizeof *c->kv);
		return 0;
	}
	return decode(r, m->oldt, c->kv, e);
}

/* The change decoded: 0, 1 the record is full (taken out), -1. */
static int
put_change(struct jpgcap *c, const struct jpgo_msg *m, const struct rel *r, struct jerr *e)
{
	uint8_t op = m->kind == JPGO_INSERT ? JROW_INSERT : m->kind == JPGO_UPDATE ?
	    JROW_UPDATE : JROW_DELETE;

	jrow_change(&c->b, op, r->schema, strlen(r->schema), r->name, strlen(r->name));
	for (int i = 0; i < r->ncol; i++)
		if (r->keyless || r->key[i])
			jrow_col(&c->b, r->col[i], strlen(r->col[i]), &c->kv[i]);
	if (op != JROW_DELETE) {
		jrow_row(&c->b);
		for (int i = 0; i < r->ncol; i++)
			jrow_col(&c->b, r->col[i], strlen(r->col[i]), &c->nv[i]);
	}
	return jrow_end(&c->b, e);
}

/* Is the change one the journal can carry? */
static const struct rel *
change_rel(struct jpgcap *c, const struct jpgo_msg *m, struct jerr *e)
{
	const struct rel *r = rel_find(c, m->relid);

	if (!r) {
		jerr_set(e, EX_DATAERR, "a change of relation %u before its description", m->relid);
		return NULL;
	}
	if (r->own)
		return r;
	if (r->keyless && m->kind != JPGO_INSERT) {
		jerr_set(e, EX_CONFIG, "table %s%s%s has no primary key: an %s of it cannot be "
		    "mirrored (only inserts are); the slot keeps it: add a primary key, then "
		    "install again", r->schema, *r->schema ? "." : "", r->name,
		    m->kind == JPGO_UPDATE ? "UPDATE" : "DELETE");
		return NULL;
	}
	return r;
}

/* name quoted as an SQL identifier ("" for "), then tail, at out[n]; the new length (names
 * are at most 63 bytes: out has room). */
static size_t
ident(char *out, size_t size, size_t n, const char *name, const char *tail)
{
	out[n++] = '"';
	for (; *name && n + 4 < size; name++) {
		if (*name == '"')
			out[n++] = '"';
		out[n++] = *name;
	}
	out[n++] = '"';
	while (*tail && n + 1 < size)
		out[n++] = *tail++;
	out[n] = 0;
	return n;
}

static int
put_truncate(struct jpgcap *c, const struct jpgo_msg *m, uint32_t i, struct jerr *e)
{
	const struct rel *r = rel_find(c, jpgo_truncated(m, i));
	char sql[1200];

	if (!r)
		return jerr_set(e, EX_DATAERR, "TRUNCATE of a relation before its description");
	size_t n = 0;

	n += (size_t)snprintf(sql, sizeof sql, "DELETE FROM ");
	if (*r->schema)
		n = ident(sql, sizeof sql, n, r->schema, ".");
	n = ident(sql, sizeof sql, n, r->name, "");
	jrow_sql(&c->b, sql, n);
	return jrow_end(&c->b, e);
}

/* ---- appending a transaction ---- */

/* Append p: a part of the transaction when more (a group), else its end. */
static int
append(struct jpgcap *c, const struct jjournal_payload *p, int more, struct jerr *e)
{
	uint64_t lsn;
	int rc;

	if (more) {
		if (!c->in_group && jjournal_group_begin(c->j, e) < 0)
			return -1;
		c->in_group = 1;
		rc = jjournal_group_add(c->j, p, 1, &lsn, e);
	} else {
		rc = c->in_group ? jjournal_group_end(c->j, p, 1, &lsn, e) :
		    jjournal_append(c->j, p, 1, &lsn, e);
	}
	if (rc < 0) {
		c->in_group = 0;        /* a failed add or end aborted the group */
		return -1;
	}
	c->unsynced = 1;
	if (!c->st.records++)
		c->st.first_lsn = lsn;
	if (more && c->st.records == 1)
		jcrash_point("pgcap-group");
	if (!more)
		c->in_group = 0;
	return 0;
}

/* The record built so far, as a part (more) or the end of the transaction. */
static int
append_rows(struct jpgcap *c, int more, struct jerr *e)
{
	struct jjournal_payload p = { JFMT_TYPE_ROW, c->b.buf, (uint32_t)c->b.len };
	int rc;

	jrow_position(&c->b, c->tx_lsn, c->tx_lsn);
	rc = append(c, &p, more, e);
	jrow_start(&c->b, c->tx_lsn, c->tx_lsn);
	c->nchg = 0;
	return rc;
}

static void
tx_abort(struct jpgcap *c)
{
	if (c->in_group)
		jjournal_group_abort(c->j);
	c->in_group = 0;
	c->in_tx = 0;
}

/* A table of the schema jmirror (the bookkeeping of a mirror that was promoted and is
 * captured now) is the mirror's own, never the application's: its changes are not carried. */
static int
own(struct jpgcap *c, uint32_t relid)
{
	const struct rel *r = rel_find(c, relid);

	return r && r->own;
}

static int
on_change(struct jpgcap *c, const struct jpgo_msg *m, struct jerr *e)
{
	const struct rel *r = NULL;
	uint32_t n = m->kind == JPGO_TRUNCATE ? m->nrel : 1;

	if (m->kind != JPGO_TRUNCATE) {
		if (!(r = change_rel(c, m, e)))
			return -1;
		if (r->own)
			return 0;
		if (decode_change(c, m, r, e) < 0)
			return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (!r && own(c, jpgo_truncated(m, i)))
			continue;
		int rc = r ? put_change(c, m, r, e) : put_truncate(c, m, i, e);

		if (rc == 1) {
			if (append_rows(c, 1, e) < 0)
				return -1;
			rc = r ? put_change(c, m, r, e) : put_truncate(c, m, i, e);
		}
		if (rc < 0)
			return -1;
		c->nchg++;
		c->st.changes++;
	}
	return 0;
}

/* A check record taken on the primary (pg_logical_emit_message(true, 'jmirror.check', ...)):
 * at its place, after the changes before it. */
static int
on_message(struct jpgcap *c, const struct jpgo_msg *m, struct jerr *e)
{
	struct jjournal_payload p = { JFMT_TYPE_CHECK, m->content, m->len };
	int rc;

	if (!m->transactional)
		return 0;
	if (!strcmp(m->prefix, DDL_PREFIX)) {       /* jpgcap_ddl: at its place */
		for (int i = 0; i < 2; i++) {
			jrow_sql(&c->b, (const char *)m->content, m->len);
			if ((rc = jrow_end(&c->b, e)) != 1)
				break;
			if (append_rows(c, 1, e) < 0)
				return -1;
		}
		if (rc < 0)
			return -1;
		c->nchg++;
		c->ddls++;
		return 0;
	}
	if (strcmp(m->prefix, CHECK_PREFIX) != 0)
		return 0;
	if (c->nchg && append_rows(c, 1, e) < 0)
		return -1;
	return append(c, &p, 1, e);
}

static int
on_commit(struct jpgcap *c, const struct jpgo_msg *m, struct jerr *e)
{
	c->in_tx = 0;
	if (c->skip || (!c->nchg && !c->in_group)) {
		c->flushed = m->end_lsn;        /* in the journal already, or nothing to carry */
		return 0;
	}
	if (append_rows(c, 0, e) < 0)
		return -1;
	c->pos = c->tx_lsn;
	c->st.pos = c->pos;
	jcrash_point("pgcap-appended");
	c->flushed = m->end_lsn;
	return 0;
}

/* One pgoutput message (the caller's buffer). */
static int
on_message_data(struct jpgcap *c, uint8_t *p, size_t len, struct jerr *e)
{
	struct jpgo_msg m;

	if (jpgo_parse(p, len, &m, e) < 0)
		return -1;
	switch (m.kind) {
	case JPGO_BEGIN:
		c->in_tx = 1;
		c->tx_lsn = m.lsn;
		c->skip = m.lsn <= c->pos;
		c->nchg = 0;
		jrow_start(&c->b, m.lsn, m.lsn);
		return 0;
	case JPGO_COMMIT:
		return on_commit(c, &m, e);
	case JPGO_RELATION:
		return rel_learn(c, &m, e);
	case JPGO_INSERT: case JPGO_UPDATE: case JPGO_DELETE: case JPGO_TRUNCATE:
		return c->skip ? 0 : on_change(c, &m, e);
	case JPGO_MESSAGE:
		return c->skip || !c->in_tx ? 0 : on_message(c, &m, e);
	default:
		return 0;
	}
}

/* ---- the stream ---- */

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Standby status update: written and flushed up to what the journal holds, made durable
 * first. */
static int
status(struct jpgcap *c, int reply, struct jerr *e)
{
	uint8_t m[34];
	struct timeval tv;
	uint64_t now;

	if (c->unsynced && jjournal_sync(c->j, e) < 0)
		return -1;
	c->unsynced = 0;
	gettimeofday(&tv, NULL);
	now = ((uint64_t)tv.tv_sec - 946684800u) * 1000000u + (uint64_t)tv.tv_usec;
	m[0] = 'r';
	put64(m + 1, c->flushed);
	put64(m + 9, c->flushed);
	put64(m + 17, c->flushed);
	put64(m + 25, now);
	m[33] = (uint8_t)reply;
	if (PQputCopyData(c->repl, (const char *)m, sizeof m) != 1 || PQflush(c->repl) != 0)
		return jpg_err(e, c->repl, NULL, "replication stream");
	return 0;
}

static int
stream_start(struct jpgcap *c, struct jerr *e)
{
	char sql[300];
	PGresult *r;

	if (c->repl)
		return 0;
	if (jpg_connect(c->url, c->url, SETTINGS, 1, &c->repl, e) < 0)
		return -1;
	snprintf(sql, sizeof sql, "START_REPLICATION SLOT \"%s\" LOGICAL %X/%X (proto_version "
	    "'1', publication_names '%s', messages 'true')", c->slot,
	    (unsigned)(c->pos >> 32), (unsigned)c->pos, c->slot);
	r = PQexec(c->repl, sql);
	if (PQresultStatus(r) != PGRES_COPY_BOTH) {
		jpg_err(e, c->repl, r, "unable to stream the replication slot");
		PQfinish(c->repl);
		c->repl = NULL;
		return -1;
	}
	PQclear(r);
	c->flushed = c->pos;
	return 0;
}

static void
stream_stop(struct jpgcap *c)
{
	PQfinish(c->repl);
	c->repl = NULL;
	tx_abort(c);
}

/* One CopyData message: 1 caught up with target, 0 go on, -1. */
static int
on_copy(struct jpgcap *c, uint8_t *p, int n, uint64_t target, struct jerr *e)
{
	if (n >= 25 && p[0] == 'w') {
		c->received = be64(p + 9);
		return on_message_data(c, p + 25, (size_t)n - 25, e);
	}
	if (n >= 18 && p[0] == 'k') {
		uint64_t end = be64(p + 1);

		if (!c->in_tx && end > c->flushed)
			c->flushed = end;       /* everything before end was sent and is handled */
		if (p[17] && status(c, 0, e) < 0)
			return -1;
		return !c->in_tx && end >= target;
	}
	return jerr_set(e, EX_DATAERR, "replication stream: an unknown message");
}

/* Wait up to ms for the stream; on silence, ask the server where it stands. */
static int
wait_stream(struct jpgcap *c, int ms, struct jerr *e)
{
	struct pollfd pfd = { PQsocket(c->repl), POLLIN, 0 };
	int rc = poll(&pfd, 1, ms);

	if (rc < 0 && errno != EINTR)
		return jerr_sys(e, EX_OSERR, "poll");
	if (rc == 0 && !c->in_tx)
		return status(c, 1, e);
	if (rc > 0 && !PQconsumeInput(c->repl))
		return jpg_err(e, c->repl, NULL, "replication stream");
	return 0;
}

static int
stream(struct jpgcap *c, uint64_t target, struct jerr *e)
{
	for (;;) {
		char *buf = NULL;
		int n = PQgetCopyData(c->repl, &buf, 1), rc;

		if (n == 0) {
			if (wait_stream(c, 200, e) < 0)
				return -1;
			continue;
		}
		if (n < 0) {
			PGresult *r = PQgetResult(c->repl);

			if (PQresultStatus(r) == PGRES_COMMAND_OK) {
				PQclear(r);
				r = NULL;
			}
			return jpg_err(e, c->repl, r, "replication stream ended");
		}
		rc = on_copy(c, (uint8_t *)buf, n, target, e);
		PQfreemem(buf);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
}

/*
 * Sequences are not in PostgreSQL 15's stream: their values go through it as rows of
 * captured_sequences, which each drain brings up to date on the primary before it reads
 * where the WAL stands, so that the drain itself journals them. A value only grows there,
 * and a sequence's last value is never below what committed transactions drew from it
 * before that update; a promoted mirror also looks at the column a sequence is owned by
 * (examples/pg/promote-sequences.sql) for what committed after it.
 */
static const char sequences_sql[] =
    "INSERT INTO public.captured_sequences AS s(name, value) "
    "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
    "WHERE last_value IS NOT NULL ON CONFLICT (name) DO UPDATE SET value = excluded.value "
    "WHERE s.value < excluded.value";

/*
 * Logical decoding reads only WAL the server has flushed, and a transaction committed
 * asynchronously (synchronous_commit = off) can wait in its WAL buffers for the WAL writer
 * (wal_writer_delay). When the server holds WAL it has not flushed, a logical message
 * committed synchronously has it flushed: its commit writes WAL (a transaction that only
 * took an xid commits asynchronously whatever the setting), and flushing it flushes
 * everything before it. So a drain takes every transaction committed before it began.
 * 'local': the flush, not a wait for synchronous standbys.
 */
static const char flush_sql[] =
    "SELECT set_config('synchronous_commit', 'local', true), "
    "pg_logical_emit_message(true, '" FLUSH_PREFIX "', '') "
    "WHERE pg_current_wal_insert_lsn() > pg_current_wal_flush_lsn()";

int
jpgcap_drain(struct jpgcap *c, struct jcapture_stats *st, struct jerr *e)
{
	PGresult *r;
	uint64_t target;
	int rc, reused;

	memset(&c->st, 0, sizeof c->st);
	/* a stream left open while the server goes down would hold its shutdown back */
	if ((!c->sql && jpg_connect(c->url, c->url, SETTINGS, 0, &c->sql, e) < 0) ||
	    run(c->sql, sequences_sql, e) < 0 || run(c->sql, flush_sql, e) < 0 ||
	    !(r = query(c->sql, "SELECT pg_current_wal_lsn()", 0, NULL, e))) {
		PQfinish(c->sql);
		c->sql = NULL;
		if (c->repl)
			stream_stop(c);
		return -1;
	}
	target = lsn_parse(PQgetvalue(r, 0, 0));
	PQclear(r);
	reused = c->repl != NULL;
	if (stream_start(c, e) < 0)
		return -1;
	rc = stream(c, target, e);
	if (rc < 0 && reused && e->code == EX_TEMPFAIL && !c->st.records) {
		/* a stream idle past wal_sender_timeout between two drains: once more, anew */
		stream_stop(c);
		rc = stream_start(c, e) < 0 ? -1 : stream(c, target, e);
	}
	/* What the journal holds is made durable, whatever the server says next: a slot that
	 * cannot be told now is told by the next drain, which starts from the journal's
	 * position anyway. */
	if (rc == 0 && c->unsynced && jjournal_sync(c->j, e) < 0) {
		rc = -1;
	} else if (rc == 0) {
		c->unsynced = 0;
		if (status(c, 0, e) < 0)
			stream_stop(c);
	}
	if (rc < 0)
		stream_stop(c);
	c->st.pos = c->pos;
	if (st)
		*st = c->st;
	return rc;
}

/* ---- schema changes ---- */

/* The operator's DDL and a transactional message holding it, committed together: the
 * stream brings the statement at its place among the changes (on_message). */
int
jpgcap_ddl(struct jpgcap *c, const char *sql, struct jerr *e)
{
	const char *p[1] = { sql };
	PGresult *r;

	if (run(c->sql, "BEGIN", e) < 0)
		return -1;
	r = PQexec(c->sql, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		jpg_err(e, c->sql, r, "the DDL failed");
		if (e->code == EX_CONFIG)
			e->code = EX_DATAERR;       /* the operator's statement, not the database */
		run(c->sql, "ROLLBACK", NULL);
		return -1;
	}
	PQclear(r);
	if (!(r = query(c->sql, "SELECT pg_logical_emit_message(true, '" DDL_PREFIX "', $1)", 1,
	    p, e))) {
		run(c->sql, "ROLLBACK", NULL);
		return -1;
	}
	PQclear(r);
	return run(c->sql, "COMMIT", e);
}

/* DDL already run behind the capture's back: journaled now, before whatever the stream
 * still holds, at the position the journal has (which it does not move). */
int
jpgcap_ddl_done(struct jpgcap *c, const char *sql, struct jerr *e)
{
	struct jjournal_payload p;
	uint64_t lsn;

	jrow_start(&c->b, c->pos, c->pos);
	jrow_sql(&c->b, sql, strlen(sql));
	if (jrow_end(&c->b, e) != 0)
		return e->code ? -1 : jerr_set(e, EX_DATAERR, "the statement is too large");
	p = (struct jjournal_payload){ JFMT_TYPE_ROW, c->b.buf, (uint32_t)c->b.len };
	if (jjournal_append(c->j, &p, 1, &lsn, e) < 0 || jjournal_sync(c->j, e) < 0)
		return -1;
	c->ddls++;
	return 0;
}

/* ---- open, close ---- */

int
jpgcap_open(const char *url, const char *journal, struct jpgcap **cp, struct jerr *e)
{
	struct jpgcap *c = calloc(1, sizeof *c);
	char other[SLOT_LEN];
	int have;

	if (!c)
		return jerr_set(e, EX_OSERR, "out of memory");
	jrow_builder_init(&c->b, 0);
	if (!(c->url = strdup(url)) || !(c->journal = strdup(journal))) {
		jpgcap_close(c);
		return jerr_set(e, EX_OSERR, "out of memory");
	}
	if (slot_name(journal, c->slot, &c->pos, e) < 0 ||
	    jpg_connect(url, url, SETTINGS, 0, &c->sql, e) < 0 ||
	    slots(c->sql, c->slot, &have, other, e) < 0)
		goto fail;
	if (!have && *other) {
		jerr_set(e, EX_DATAERR, "%s: captured for another journal (slot %s), not %s "
		    "(slot %s)", url, other, journal, c->slot);
		goto fail;
	}
	if (!have || !c->pos) {
		jerr_set(e, EX_USAGE, "%s: capture is not installed for %s (jcapture --install)",
		    url, journal);
		goto fail;
	}
	if (jjournal_open(journal, 0, &c->j, e) < 0)
		goto fail;
	*cp = c;
	return 0;
fail:
	jpgcap_close(c);
	return -1;
}

void
jpgcap_close(struct jpgcap *c)
{
	if (!c)
		return;
	if (c->repl)
		stream_stop(c);
	PQfinish(c->sql);
	jjournal_close(c->j, NULL);
	for (size_t i = 0; i < c->nrels; i++)
		rel_free(&c->rels[i]);
	free(c->rels);
	free(c->kv);
	free(c->nv);
	jrow_builder_free(&c->b);
	free(c->url);
	free(c->journal);
	free(c);
}

/* ---- install: publication, slot, and the snapshot as the first records ---- */

struct snap {
	struct jpgcap *c;           /* its builder, journal and position */
	PGconn        *db;
	const char    *schema, *table;   /* schema "" for public */
	char           qname[300];  /* "schema"."table" as SQL */
	int            ncol, nkey;
	int            key[1600];   /* the key columns' places in the row */
	uint32_t       typ[1600];
};

/* Identifiers are quoted with format('%I'), the server's own rule. */
static const char tables_sql[] =
    "SELECT c.oid, n.nspname, c.relname, format('%I.%I', n.nspname, c.relname) "
    "FROM pg_publication_tables p JOIN pg_namespace n ON n.nspname = p.schemaname "
    "JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename "
    "WHERE p.pubname = $1 AND p.schemaname <> 'jmirror' ORDER BY 2, 3";
static const char cols_sql[] =
    "SELECT a.attname, a.atttypid, CASE WHEN format_type(a.atttypid, a.atttypmod) "
    "~ '^[a-z][a-z0-9 ,()]*$' THEN format_type(a.atttypid, a.atttypmod) ELSE 'text' END, "
    "a.attnotnull, coalesce((SELECT k.n FROM unnest(i.indkey) WITH ORDINALITY k(a, n) "
    "WHERE k.a = a.attnum), 0) "
    "FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
    "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

/* Row i of r into s->c->nv, decoded once (bytea in place). */
static int
snap_decode(struct snap *s, PGresult *r, int i, struct jerr *e)
{
	struct jpgcap *c = s->c;

	if (jgrow(&c->nv, &c->nvcap, (size_t)s->ncol + 1, sizeof *c->nv, 64) < 0)
		return jerr_set(e, EX_OSERR, "out of memory");
	for (int col = 0; col < s->ncol; col++) {
		uint8_t *p = (uint8_t *)PQgetvalue(r, i, col);

		c->nv[col] = (struct jrow_value){ .tag = JROW_NULL };
		if (!PQgetisnull(r, i, col) &&
		    jpgo_value(s->typ[col], p, (uint32_t)PQgetlength(r, i, col), &c->nv[col]) < 0)
			return jerr_set(e, EX_DATAERR, "%s: column %s: '%.40s' is not a value of "
			    "type %u", s->qname, PQfname(r, col), (const char *)p, s->typ[col]);
	}
	return 0;
}

/* put(s, arg) builds one change: when the record is full, it goes out as a part of the
 * snapshot's group and the change is built again in the next. */
static int
snap_put(struct snap *s, int (*put)(struct snap *, void *, struct jerr *), void *arg,
         struct jerr *e)
{
	int rc = put(s, arg, e);

	if (rc == 1) {
		if (append_rows(s->c, 1, e) < 0)
			return -1;
		rc = put(s, arg, e);
	}
	if (rc == 0)
		s->c->nchg++;
	return rc < 0 ? -1 : 0;
}

static int
put_sql(struct snap *s, void *sql, struct jerr *e)
{
	jrow_sql(&s->c->b, sql, strlen(sql));
	return jrow_end(&s->c->b, e);
}

/* The row decoded into c->nv as an insertion; r names its columns. */
static int
put_row(struct snap *s, void *r, struct jerr *e)
{
	struct jrow_builder *b = &s->c->b;

	jrow_change(b, JROW_INSERT, s->schema, strlen(s->schema), s->table, strlen(s->table));
	for (int k = 0; k < (s->nkey ? s->nkey : s->ncol); k++) {
		int col = s->nkey ? s->key[k] : k;
		const char *name = PQfname(r, col);

		jrow_col(b, name, strlen(name), &s->c->nv[col]);
	}
	jrow_row(b);
	for (int col = 0; col < s->ncol; col++) {
		const char *name = PQfname(r, col);

		jrow_col(b, name, strlen(name), &s->c->nv[col]);
	}
	return jrow_end(b, e);
}

/* Append one string to a growing buffer. */
static int
cat(char **s, size_t *len, size_t *cap, const char *t)
{
	size_t n = strlen(t);

	if (jgrow(s, cap, *len + n + 1, 1, 256) < 0)
		return -1;
	memcpy(*s + *len, t, n + 1);
	*len += n;
	return 0;
}

static char *
quote(PGconn *db, const char *name, char *buf, size_t size)
{
	char *q = PQescapeIdentifier(db, name, strlen(name));

	snprintf(buf, size, "%s", q ? q : "\"\"");
	PQfreemem(q);
	return buf;
}

/* The table's columns as portable DDL (names quoted, PostgreSQL's type names, NOT NULL and
 * the primary key; no defaults, no other constraints), and its key's places. */
static int
snap_ddl(struct snap *s, PGresult *cols, struct jerr *e)
{
	char *sql = NULL, q[300], tq[300];
	size_t len = 0, cap = 0;
	int rc = 0, nk = 0, fail = 0;

	s->ncol = PQntuples(cols);
	if (s->ncol > 1600)
		return jerr_set(e, EX_DATAERR, "%s: too many columns", s->qname);
	fail |= cat(&sql, &len, &cap, "CREATE TABLE IF NOT EXISTS ");
	if (*s->schema)
		fail |= cat(&sql, &len, &cap, quote(s->db, s->schema, q, sizeof q)) |
		    cat(&sql, &len, &cap, ".");
	fail |= cat(&sql, &len, &cap, quote(s->db, s->table, tq, sizeof tq)) |
	    cat(&sql, &len, &cap, " (");
	for (int i = 0; i < s->ncol; i++) {
		int at = atoi(PQgetvalue(cols, i, 4));

		s->typ[i] = (uint32_t)strtoul(PQgetvalue(cols, i, 1), NULL, 10);
		if (at > 0 && at <= 1600) {
			s->key[at - 1] = i;
			nk = at > nk ? at : nk;
		}
		fail |= cat(&sql, &len, &cap, i ? ", " : "") |
		    cat(&sql, &len, &cap, quote(s->db, PQgetvalue(cols, i, 0), q, sizeof q)) |
		    cat(&sql, &len, &cap, " ") | cat(&sql, &len, &cap, PQgetvalue(cols, i, 2)) |
		    cat(&sql, &len, &cap, *PQgetvalue(cols, i, 3) == 't' ? " NOT NULL" : "");
	}
	for (int k = 0; k < nk; k++)
		fail |= cat(&sql, &len, &cap, k ? ", " : ", PRIMARY KEY (") |
		    cat(&sql, &len, &cap, quote(s->db, PQgetvalue(cols, s->key[k], 0), q, sizeof q));
	fail |= cat(&sql, &len, &cap, nk ? "))" : ")");
	s->nkey = nk;
	if (fail)
		rc = jerr_set(e, EX_OSERR, "out of memory");
	else
		rc = snap_put(s, put_sql, sql, e);
	free(sql);
	return rc;
}

/* Every row of the table, through a cursor: memory bounded by a fetch and a record. */
static int
snap_rows(struct snap *s, struct jerr *e)
{
	char sql[400];
	PGresult *r;
	int n;

	snprintf(sql, sizeof sql, "DECLARE jmirror_snap NO SCROLL CURSOR FOR SELECT * FROM "
	    "ONLY %s", s->qname);
	if (run(s->db, sql, e) < 0)
		return -1;
	do {
		if (!(r = query(s->db, "FETCH FORWARD 1000 FROM jmirror_snap", 0, NULL, e)))
			return -1;
		n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			if (snap_decode(s, r, i, e) < 0 || snap_put(s, put_row, r, e) < 0) {
				PQclear(r);
				return -1;
			}
		}
		PQclear(r);
	} while (n > 0);
	return run(s->db, "CLOSE jmirror_snap", e);
}

static int
snap_table(struct snap *s, const char *oid, struct jerr *e)
{
	const char *p[1] = { oid };
	PGresult *cols = query(s->db, cols_sql, 1, p, e);
	int rc;

	if (!cols)
		return -1;
	rc = snap_ddl(s, cols, e);
	PQclear(cols);
	return rc == 0 ? snap_rows(s, e) : rc;
}

/* In the exported snapshot: every published table's DDL and rows. */
static int
snap_all(struct snap *s, const char *snapshot, struct jerr *e)
{
	const char *p[1] = { s->c->slot };
	char sql[200];
	PGresult *t;
	int rc = 0;

	snprintf(sql, sizeof sql, "BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION "
	    "SNAPSHOT '%s'", snapshot);
	if (run(s->db, sql, e) < 0 || !(t = query(s->db, tables_sql, 1, p, e)))
		return -1;
	for (int i = 0; rc == 0 && i < PQntuples(t); i++) {
		s->schema = strcmp(PQgetvalue(t, i, 1), "public") ? PQgetvalue(t, i, 1) : "";
		s->table = PQgetvalue(t, i, 2);
		snprintf(s->qname, sizeof s->qname, "%s", PQgetvalue(t, i, 3));
		rc = snap_table(s, PQgetvalue(t, i, 0), e);
	}
	PQclear(t);
	if (rc == 0)
		rc = run(s->db, "COMMIT", e);
	return rc;
}

/* The table of sequence values (capture_sequences), the publication, and REPLICA IDENTITY
 * FULL for tables without a primary key (their UPDATEs would be refused by the server
 * otherwise), in one transaction. */
static const char publication_sql[] =
    "CREATE TABLE IF NOT EXISTS public.captured_sequences(name text PRIMARY KEY, "
    "value bigint NOT NULL);"
    "DO $$ DECLARE t regclass; BEGIN "
    "IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = '%s') THEN "
    "CREATE PUBLICATION %s FOR ALL TABLES; END IF; "
    "FOR t IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'r' AND c.relreplident = 'd' AND n.nspname NOT IN "
    "('pg_catalog', 'information_schema', 'jmirror') AND n.nspname !~ '^pg_' AND NOT EXISTS "
    "(SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) LOOP "
    "EXECUTE format('ALTER TABLE %%s REPLICA IDENTITY FULL', t); END LOOP; END $$";

static int
install_publication(struct jpgcap *c, struct jerr *e)
{
	char sql[sizeof publication_sql + 2 * SLOT_LEN];

	snprintf(sql, sizeof sql, publication_sql, c->slot, c->slot);
	return run(c->sql, sql, e);
}

/* A slot left by an install that did not complete (the journal has no position): dropped. */
static int
install_check(struct jpgcap *c, struct jerr *e)
{
	char other[SLOT_LEN], sql[200];
	int have;

	if (jpg_logical(c->sql, e) < 0 || slots(c->sql, c->slot, &have, other, e) < 0)
		return -1;
	if (*other)
		return jerr_set(e, JCAP_EINSTALLED, "%s is captured already, for another journal "
		    "(slot %s)", c->url, other);
	if (have && c->pos)
		return jerr_set(e, JCAP_EINSTALLED, "capture is installed already for %s (slot %s)",
		    c->journal, c->slot);
	if (!have)
		return 0;
	snprintf(sql, sizeof sql, "SELECT pg_drop_replication_slot('%s')", c->slot);
	return run(c->sql, sql, e);
}

/* The slot, its consistent point the position of the snapshot journaled from it while the
 * replication connection that exported it stays open. */
static int
install_slot(struct jpgcap *c, int rows, struct jerr *e)
{
	struct snap s = { .c = c, .db = c->sql };
	char sql[200];
	PGresult *r;
	int rc;

	if (jpg_connect(c->url, c->url, SETTINGS, 1, &c->repl, e) < 0)
		return -1;
	snprintf(sql, sizeof sql, "CREATE_REPLICATION_SLOT \"%s\" LOGICAL pgoutput "
	    "EXPORT_SNAPSHOT", c->slot);
	r = PQexec(c->repl, sql);     /* no extended protocol on a replication connection */
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return jpg_err(e, c->repl, r, "unable to create the replication slot");
	c->tx_lsn = lsn_parse(PQgetvalue(r, 0, 1));
	jrow_start(&c->b, c->tx_lsn, c->tx_lsn);
	c->nchg = 0;
	rc = rows ? snap_all(&s, PQgetvalue(r, 0, 2), e) : 0;
	PQclear(r);
	if (rc == 0)
		rc = append_rows(c, 0, e);
	if (rc < 0) {
		tx_abort(c);
		run(c->sql, "ROLLBACK", NULL);
	}
	return rc;
}

int
jpgcap_install(const char *url, const char *journal, const struct jcapture_install *o,
               struct jerr *e)
{
	struct jpgcap *c = calloc(1, sizeof *c);
	int rc = -1;

	if (!c)
		return jerr_set(e, EX_OSERR, "out of memory");
	jrow_builder_init(&c->b, 0);
	if (!(c->url = strdup(url)) || !(c->journal = strdup(journal)))
		jerr_set(e, EX_OSERR, "out of memory");
	else if (slot_name(journal, c->slot, &c->pos, e) == 0 &&
	    jpg_connect(url, url, SETTINGS, 0, &c->sql, e) == 0 && install_check(c, e) == 0 &&
	    install_publication(c, e) == 0 && jjournal_open(journal, JJ_SYNC, &c->j, e) == 0)
		rc = install_slot(c, !o->no_snapshot, e);
	jpgcap_close(c);
	return rc;
}

int
jpgcap_uninstall(const char *url, struct jerr *e)
{
	PGconn *db;
	PGresult *r;
	int rc = 0;

	if (jpg_connect(url, url, SETTINGS, 0, &db, e) < 0)
		return -1;
	r = query(db, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
	    "WHERE database = current_database() AND slot_name LIKE 'jmirror\\_%'", 0, NULL, e);
	if (!r)
		rc = -1;
	PQclear(r);
	if (rc == 0 && !(r = query(db, "SELECT pubname FROM pg_publication WHERE pubname LIKE "
	    "'jmirror\\_%'", 0, NULL, e)))
		rc = -1;
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		char sql[200];

		snprintf(sql, sizeof sql, "DROP PUBLICATION \"%s\"", PQgetvalue(r, i, 0));
		rc = run(db, sql, e);
	}
	if (rc == 0)
		rc = run(db, "DROP TABLE IF EXISTS public.captured_sequences", e);
	PQclear(r);
	PQfinish(db);
	return rc;
}
