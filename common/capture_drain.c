/*
 * capture_drain: moving the outbox of a captured SQLite database into its journal, exactly
 * once (capture.h).
 *
 * A drain is a ladder of steps, each a function of its own:
 *   drain_forget   outbox rows at or below the journal's position are in the journal
 *                  already (a drain was stopped after appending): delete them
 *   drain_read     one WAL read transaction, so only committed, whole transactions; the
 *                  schema is checked against the one the triggers were made for; every
 *                  outbox row above the position becomes a change of a row record whose
 *                  positions are the first and last sequence numbers it holds (a 'd' row
 *                  becomes a deletion, just before the change of its table that removed
 *                  the row, or nothing: capture.c); with
 *                  jcapture_checksum, drain_check takes the check records in the same
 *                  snapshot, appended with the last record, nothing between them
 *   drain_append   the record appended and made durable (JJ_SYNC); a drain larger than one
 *                  record is a group (each record but the last flagged "continues"), which
 *                  the journal cuts off whole if the drain dies before its last record
 *   drain_forget   again: what was appended deleted from the outbox, and the 'P' row
 *                  left at the position, in one write transaction
 *
 * Invariants:
 * - One drainer at a time per database: the drain lock (DIR/.BASE.capture.lock beside the
 *   database) is held from jcapture_open to jcapture_close.
 * - The position (the last source position the journal holds) MUST be read from the journal
 *   itself (the last row record of the live journal, else what its header carries over from
 *   the segments before it), never from the database: the journal and the database cannot
 *   commit together, and the journal is the one that decides what was sent.
 * - An outbox row MUST be deleted only after the record holding it is durable, and a row at
 *   or below the position MUST never be appended again. So a SIGKILL or a power cut at any
 *   instruction leaves every change either in the outbox above the position (appended by the
 *   next drain) or in the journal (and maybe still in the outbox, below the position:
 *   forgotten by the next drain), never both above and in the journal, never neither.
 * - The database's commits that a record holds MUST be durable before the record is
 *   appended (jsqlite_sync), so that a power cut never leaves the mirror with a transaction
 *   the primary lost.
 * - The schema MUST be the one the triggers were installed for: a change made outside
 *   jcapture --ddl stops every drain (JCAP_ESCHEMA) with the outbox untouched.
 *
 * JM_TEST_CRASH=STEP (crash.h, test-only): capture-read (the last record built, not appended),
 * capture-group (first record of a group appended), capture-appended (the journal holds the
 * drain, the outbox too), capture-deleted (drain complete, before returning).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_int.h"
#include "checkrec.h"
#include "crash.h"
#include "digest.h"
#include "journal.h"
#include "lock.h"
#include "row.h"
#include "seg.h"
#include "sqlite.h"

struct shape {
	sqlite3_int64 s;
	char        *tbl;
	int          ncol, nkey;
	char       **col, **key;
	int         *keyat;       /* where each key column is in the row */
	int          held;        /* a 'd' row waits for the table's next change */
	struct jrow_value *hv;    /* its key: nkey values, their bytes in hbuf */
	uint8_t     *hbuf;
};

struct jcapture {
	char          *dbpath, *journal;
	sqlite3       *db;
	int            lockfd;
	struct jjournal *j;
	uint64_t       pos;
	int            pos_known;
	int            width;     /* c0 .. c<width-1> in the outbox */
	sqlite3_stmt  *sel;
	struct shape  *shapes;
	int            nshapes;
	struct jrow_builder b;
	uint64_t       first, last;
	int            in_group;  /* records of this drain appended with "continues" */
	struct jcapture_stats st;
	int            checksum;  /* jcapture_checksum */
	struct jjournal_payload *chk;   /* check records taken in this drain's snapshot */
	size_t         nchk;
};

/* ---- where the journal stands ---- */

/* Put "what: " (and "record LSN: ") before e's message; -1. */
static int
in_what(struct jerr *e, int code, const char *what, uint64_t lsn)
{
	char why[sizeof e->msg];

	snprintf(why, sizeof why, "%s", e->msg);
	if (lsn)
		return jerr_set(e, code, "%s: record %llu: %s", what, (unsigned long long)lsn, why);
	return jerr_set(e, code, "%s: %s", what, why);
}

int
jcap_journal_where(const char *journal, char lineage[JCAP_LINEAGE_HEX], uint32_t *timeline,
                   uint64_t *pos, struct jerr *e)
{
	struct jseg *s;
	struct jseg_rec r;
	int rc;

	if (jseg_open(journal, JSEG_LIVE, &s, e) < 0)
		return -1;
	jdigest_hex(jseg_header(s)->lineage, JFMT_LINEAGE_LEN, lineage);
	if (timeline)
		*timeline = jseg_header(s)->timeline;
	*pos = jseg_header(s)->source_pos;
	while ((rc = jseg_next(s, &r, e)) == 1) {
		struct jrow_reader rd;

		if (r.type != JFMT_TYPE_ROW)
			continue;
		if (jrow_open(&rd, r.data, r.len, e) < 0) {
			rc = in_what(e, EX_DATAERR, journal, r.lsn);
			break;
		}
		if (rd.last > *pos)
			*pos = rd.last;
	}
	/* A trailer without the final flag: a rotation is under way, and its successor
	 * carries the same position. */
	if (rc == 0 && jseg_trailer(s) && (jseg_trailer(s)->flags & JFMT_FINAL))
		rc = jerr_set(e, JJ_ECLOSED, "%s: the journal was closed by a final rotation", journal);
	jseg_close(s);
	return rc < 0 ? -1 : 0;
}

/* ---- shapes: the columns a change was noted with ---- */

static void
shape_free(struct shape *sh)
{
	for (int i = 0; i < sh->ncol; i++)
		free(sh->col[i]);
	for (int i = 0; i < sh->nkey; i++)
		free(sh->key[i]);
	free(sh->col);
	free(sh->key);
	free(sh->keyat);
	free(sh->tbl);
	free(sh->hv);
	free(sh->hbuf);
}

static void
shapes_free(struct jcapture *c)
{
	for (int i = 0; i < c->nshapes; i++)
		shape_free(&c->shapes[i]);
	free(c->shapes);
	c->shapes = NULL;
	c->nshapes = 0;
}

/* The elements of json array column which of shape s. */
static int
shape_names(sqlite3 *db, sqlite3_int64 s, const char *which, char ***v, int *n, struct jerr *e)
{
	char sql[160];
	sqlite3_stmt *q;
	int rc;

	snprintf(sql, sizeof sql, "SELECT j.value FROM main.jmirror_shape, json_each(%s) j "
	    "WHERE s = ?1 ORDER BY j.key", which);
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL)) != SQLITE_OK)
		return jsqlite_err(e, db, rc, "reading the capture's shapes");
	sqlite3_bind_int64(q, 1, s);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		char **nv = realloc(*v, (size_t)(*n + 1) * sizeof *nv);
		const char *t = (const char *)sqlite3_column_text(q, 0);

		if (!nv || !(nv[*n] = strdup(t ? t : ""))) {
			if (nv)
				*v = nv;
			sqlite3_finalize(q);
			return jerr_set(e, EX_OSERR, "out of memory");
		}
		*v = nv;
		(*n)++;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : jsqlite_err(e, db, rc, "reading the capture's shapes");
}

static int
shape_load(struct jcapture *c, sqlite3_int64 s, struct shape *sh, struct jerr *e)
{
	char *sql = sqlite3_mprintf("SELECT tbl FROM main.jmirror_shape WHERE s = %lld", s);

	memset(sh, 0, sizeof *sh);
	sh->s = s;
	sh->tbl = sql ? jcap_text(c->db, sql, e) : NULL;
	sqlite3_free(sql);
	if (!sh->tbl || !*sh->tbl ||
	    shape_names(c->db, s, "cols", &sh->col, &sh->ncol, e) < 0 ||
	    shape_names(c->db, s, "keys", &sh->key, &sh->nkey, e) < 0)
		goto fail;
	if (!(sh->keyat = calloc((size_t)sh->nkey + 1, sizeof *sh->keyat)))
		goto fail;
	for (int k = 0; k < sh->nkey; k++) {
		sh->keyat[k] = -1;
		for (int i = 0; i < sh->ncol; i++)
			if (strcmp(sh->key[k], sh->col[i]) == 0)
				sh->keyat[k] = i;
		if (sh->keyat[k] < 0)
			goto fail;
	}
	if (sh->ncol && sh->nkey)
		return 0;
fail:
	if (e->code == 0)
		jerr_set(e, EX_SOFTWARE, "capture shape %lld is damaged", s);
	shape_free(sh);
	return -1;
}

static struct shape *
shape_get(struct jcapture *c, sqlite3_int64 s, struct jerr *e)
{
	struct shape *v;

	for (int i = 0; i < c->nshapes; i++)
		if (c->shapes[i].s == s)
			return &c->shapes[i];
	if (!(v = realloc(c->shapes, (size_t)(c->nshapes + 1) * sizeof *v))) {
		jerr_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	c->shapes = v;
	e->code = 0;
	if (shape_load(c, s, &v[c->nshapes], e) < 0)
		return NULL;
	return &c->shapes[c->nshapes++];
}

/* ---- one outbox row into the record being built ---- */

static void
put_value(struct jrow_builder *b, const char *name, sqlite3_stmt *q, int col)
{
	struct jrow_value v;

	jsqlite_value(q, col, &v);
	jrow_col(b, name, strlen(name), &v);
}

#define C0 3                      /* seq, s, op, then c0 ... */

/* ---- 'd': the key of a row a REPLACE may be about to remove (capture.c) ---- */

/* Keep the key of the 'd' row q until the table's next change decides. */
static int
hold(struct shape *sh, sqlite3_stmt *q, struct jerr *e)
{
	struct jrow_value v;
	size_t n = 1, off = 0;
	uint8_t *buf;

	for (int k = 0; k < sh->nkey; k++) {
		jsqlite_value(q, C0 + k, &v);
		n += v.len;
	}
	if ((!sh->hv && !(sh->hv = calloc((size_t)sh->nkey, sizeof *sh->hv))) ||
	    !(buf = malloc(n)))
		return jerr_set(e, EX_OSERR, "out of memory");
	for (int k = 0; k < sh->nkey; k++) {
		jsqlite_value(q, C0 + k, &v);
		memcpy(buf + off, v.p, v.len);
		v.p = buf + off;
		off += v.len;
		sh->hv[k] = v;
	}
	free(sh->hbuf);
	sh->hbuf = buf;
	sh->held = 1;
	return 0;
}

/* Equal as keys: SQLite's comparison of two stored values, with the binary collation. */
static int
same_value(const struct jrow_value *a, const struct jrow_value *b)
{
	if (a->tag == JROW_INTEGER && b->tag == JROW_INTEGER)
		return a->i == b->i;
	if (a->tag == JROW_INTEGER && b->tag == JROW_REAL)
		return (double)a->i == b->r;
	if (a->tag == JROW_REAL && b->tag == JROW_INTEGER)
		return a->r == (double)b->i;
	if (a->tag == JROW_REAL && b->tag == JROW_REAL)
		return a->r == b->r;
	return a->tag == b->tag && (a->tag == JROW_TEXT || a->tag == JROW_BLOB) &&
	    a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* Is the key at column at of q the held one? */
static int
held_key_at(const struct shape *sh, sqlite3_stmt *q, int at, const int *pos)
{
	struct jrow_value v;

	for (int k = 0; k < sh->nkey; k++) {
		jsqlite_value(q, at + (pos ? pos[k] : k), &v);
		if (!same_value(&v, &sh->hv[k]))
			return 0;
	}
	return 1;
}

/*
 * The table's next change after a 'd' (o, q) decides it: the REPLACE went through when it
 * inserts the held key, or moves another row to it; otherwise (OR IGNORE, an upsert, a
 * failed row, the delete trigger's own 'D') nothing was removed silently.
 */
static int
held_removed(const struct shape *sh, int o, sqlite3_stmt *q)
{
	if (o == 'I')
		return held_key_at(sh, q, C0, sh->keyat);
	return o == 'U' && held_key_at(sh, q, C0 + sh->nkey, sh->keyat) &&
	    !held_key_at(sh, q, C0, NULL);
}

/* Before the table's change o: the held row's deletion, when it was removed. 0, 1 full. */
static int
put_held(struct jcapture *c, struct shape *sh, int o, sqlite3_stmt *q, struct jerr *e)
{
	int rc = 0;

	if (!sh->held)
		return 0;
	if (held_removed(sh, o, q)) {
		jrow_change(&c->b, JROW_DELETE, "", 0, sh->tbl, strlen(sh->tbl));
		for (int k = 0; k < sh->nkey; k++)
			jrow_col(&c->b, sh->key[k], strlen(sh->key[k]), &sh->hv[k]);
		if ((rc = jrow_end(&c->b, e)) != 0)
			return rc;      /* full: held still, for the next record */
	}
	sh->held = 0;
	return 0;
}

static void
held_drop(struct jcapture *c)
{
	for (int i = 0; i < c->nshapes; i++)
		c->shapes[i].held = 0;
}

/* Encode the change the selected row q holds: 0, 1 the record is full, -1. */
static int
put_change(struct jcapture *c, sqlite3_stmt *q, struct jerr *e)
{
	const char *op = (const char *)sqlite3_column_text(q, 2);
	struct shape *sh;
	int o = op ? op[0] : 0, at = C0, rc;

	if (o == 'S') {
		jrow_sql(&c->b, (const char *)sqlite3_column_text(q, C0),
		    (size_t)sqlite3_column_bytes(q, C0));
		return jrow_end(&c->b, e);
	}
	if (!(sh = shape_get(c, sqlite3_column_int64(q, 1), e)))
		return -1;
	if ((o == 'U' && sh->nkey + sh->ncol > c->width) || sh->ncol > c->width || !strchr("IUDd", o))
		return jerr_set(e, EX_SOFTWARE, "outbox row %lld is damaged",
		    (long long)sqlite3_column_int64(q, 0));
	if ((rc = put_held(c, sh, o, q, e)) != 0)
		return rc;
	if (o == 'd')
		return hold(sh, q, e);
	jrow_change(&c->b, o == 'I' ? JROW_INSERT : o == 'U' ? JROW_UPDATE : JROW_DELETE, "", 0,
	    sh->tbl, strlen(sh->tbl));
	for (int k = 0; k < sh->nkey; k++)
		put_value(&c->b, sh->key[k], q, o == 'I' ? C0 + sh->keyat[k] : C0 + k);
	if (o != 'I')
		at += sh->nkey;
	if (o != 'D') {
		jrow_row(&c->b);
		for (int i = 0; i < sh->ncol; i++)
			put_value(&c->b, sh->col[i], q, at + i);
	}
	return jrow_end(&c->b, e);
}

/* ---- the steps of a drain ---- */

/*
 * Delete what the journal holds, leaving the 'P' row at the position: SQLite numbers the
 * next change one above it even when nothing else is left (capture.c). The write lock is
 * taken only when there is something to do.
 */
static int
drain_forget(struct jcapture *c, struct jerr *e)
{
	unsigned long long p = (unsigned long long)c->pos;
	char sql[512];
	sqlite3_int64 some;

	snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM main.jmirror_outbox WHERE seq < "
	    "%llu OR (seq = %llu AND op <> 'P')) OR (%llu > 0 AND NOT EXISTS (SELECT 1 FROM "
	    "main.jmirror_outbox WHERE seq >= %llu))", p, p, p, p);
	if (jcap_int(c->db, sql, &some, e) < 0)
		return -1;
	if (!some)
		return 0;
	snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; DELETE FROM main.jmirror_outbox WHERE seq <= "
	    "%llu; INSERT INTO main.jmirror_outbox(seq, s, op, t) SELECT %llu, 0, 'P', 0 WHERE "
	    "%llu > 0; COMMIT", p, p, p);
	if (jsqlite_exec(c->db, sql, e) == 0)
		return 0;
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* ---- check records in the drain's snapshot (checkrec.h) ---- */

static void
check_free(struct jcapture *c)
{
	for (size_t i = 0; i < c->nchk; i++)
		free((void *)c->chk[i].data);
	free(c->chk);
	c->chk = NULL;
	c->nchk = 0;
}

static int
check_keep(void *arg, const void *payload, size_t len, struct jerr *e)
{
	struct jcapture *c = arg;
	struct jjournal_payload *np = realloc(c->chk, sizeof *np * (c->nchk + 1));
	void *copy = malloc(len);

	if (np)
		c->chk = np;
	if (!np || !copy) {
		free(copy);
		return jerr_sys(e, EX_OSERR, "out of memory");
	}
	memcpy(copy, payload, len);
	c->chk[c->nchk++] = (struct jjournal_payload){ JFMT_TYPE_CHECK, copy, (uint32_t)len };
	return 0;
}

/* In drain_read's snapshot: every table's digests, when asked for. */
static int
drain_check(struct jcapture *c, struct jerr *e)
{
	check_free(c);
	if (!c->checksum)
		return 0;
	if (jcheck_take(c->db, NULL, 0, NULL, check_keep, c, e) < 0) {
		check_free(c);
		return jerr_set(e, e->code, "%s: checksum: %s", c->dbpath, e->msg);
	}
	return 0;
}

void
jcapture_checksum(struct jcapture *c, int on)
{
	c->checksum = on;
}

/*
 * Append the record built so far. more: the drain goes on in the next record, so this one
 * opens or continues a group (the journal's writers' lock is held until its last record);
 * the position moves only when the group, or the single record, is complete. The last
 * record (more 0) goes with the check records of the drain's snapshot, if any, in the same
 * write (closing the group, if one is open), so that nothing comes between them; with no
 * change, the check records go alone.
 */
static int
drain_append(struct jcapture *c, int more, struct jerr *e)
{
	struct jjournal_payload p[1 + 64];
	size_t n = 0;
	uint64_t lsn;
	int rc;

	if (c->nchk > 64)
		return jerr_set(e, EX_DATAERR, "%s: checksum: more than 64 check records",
		    c->dbpath);
	/* What the snapshot holds may sit in the -wal unsynced (synchronous=NORMAL): a power
	 * cut could take it from the database after the journal has it. */
	if (!c->in_group && jsqlite_sync(c->db, e) < 0)
		return -1;
	if (more || c->last) {
		jrow_position(&c->b, c->first, c->last);
		p[n++] = (struct jjournal_payload){ JFMT_TYPE_ROW, c->b.buf, (uint32_t)c->b.len };
		c->pos_known = 0;
	}
	for (size_t i = 0; !more && i < c->nchk; i++)
		p[n++] = c->chk[i];
	if (more) {
		if (!c->in_group && jjournal_group_begin(c->j, e) < 0)
			return -1;
		c->in_group = 1;
		rc = jjournal_group_add(c->j, p, n, &lsn, e);
	} else if (c->in_group) {
		rc = jjournal_group_end(c->j, p, n, &lsn, e);
	} else {
		rc = jjournal_append(c->j, p, n, &lsn, e);
	}
	if (rc == 0 && !more && c->nchk)   /* the group's end gives the group's first LSN */
		c->st.check_lsn = c->in_group ? c->st.first_lsn + c->st.records + 1 :
		    lsn + n - c->nchk;
	if (!more)
		check_free(c);
	if (rc < 0) {
		c->in_group = 0;        /* a failed add or end aborted the group */
		return -1;
	}
	if (!more && !c->last)
		return 0;               /* the check records alone */
	if (!c->st.records++)
		c->st.first_lsn = lsn;
	if (more) {
		jcrash_point("capture-group");
		return 0;
	}
	c->in_group = 0;
	c->pos = c->last;
	c->pos_known = 1;
	return 0;
}

static int
schema_check(struct jcapture *c, struct jerr *e)
{
	char *sql = sqlite3_mprintf("SELECT (SELECT schema FROM main.jmirror_capture) IS (%s)",
	    jcap_schema_sql);
	sqlite3_int64 same;
	int rc = sql ? jcap_int(c->db, sql, &same, e) : jerr_set(e, EX_OSERR, "out of memory");

	sqlite3_free(sql);
	if (rc < 0)
		return -1;
	if (!same)
		return jerr_set(e, JCAP_ESCHEMA, "the schema was changed without jcapture --ddl; "
		    "nothing was drained and the outbox is kept: undo the change, or journal it "
		    "with jcapture --ddl-done 'SQL' (see jcapture(1))");
	return 0;
}

static int
select_prepare(struct jcapture *c, struct jerr *e)
{
	sqlite3_str *s = sqlite3_str_new(c->db);
	sqlite3_int64 w;
	char *sql;
	int rc;

	if (jcap_int(c->db, "SELECT count(*) FROM pragma_table_info('jmirror_outbox') WHERE "
	    "name GLOB 'c[0-9]*'", &w, e) < 0)
		return -1;
	c->width = (int)w;
	sqlite3_str_appendf(s, "SELECT seq, s, op");
	for (int i = 0; i < c->width; i++)
		sqlite3_str_appendf(s, ",c%d", i);
	sqlite3_str_appendf(s, " FROM main.jmirror_outbox WHERE seq > ?1 ORDER BY seq");
	if (!(sql = sqlite3_str_finish(s)))
		return jerr_set(e, EX_OSERR, "out of memory");
	sqlite3_finalize(c->sel);
	c->sel = NULL;
	rc = sqlite3_prepare_v2(c->db, sql, -1, &c->sel, NULL);
	sqlite3_free(sql);
	return rc == SQLITE_OK ? 0 : jsqlite_err(e, c->db, rc, "reading the outbox");
}

/* Read the outbox above the position in one snapshot, appending as records fill. */
static int
drain_read(struct jcapture *c, struct jerr *e)
{
	int rc;

	if (jsqlite_exec(c->db, "BEGIN", e) < 0)
		return -1;
	if (schema_check(c, e) < 0 || select_prepare(c, e) < 0)
		goto fail;
	sqlite3_bind_int64(c->sel, 1, (sqlite3_int64)c->pos);
	held_drop(c);
	jrow_start(&c->b, 0, 0);
	c->first = c->last = 0;
	while ((rc = sqlite3_step(c->sel)) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(c->sel, 0);

		if ((rc = put_change(c, c->sel, e)) == 1) {
			if (drain_append(c, 1, e) < 0)
				goto fail;
			jrow_start(&c->b, 0, 0);
			c->first = 0;
			rc = put_change(c, c->sel, e);
		}
		if (rc < 0) {
			if (e->code == EX_DATAERR) {
				char why[sizeof e->msg];

				snprintf(why, sizeof why, "%s", e->msg);
				jerr_set(e, EX_DATAERR, "outbox row %llu: %s",
				    (unsigned long long)seq, why);
			}
			goto fail;
		}
		if (!c->first)
			c->first = seq;
		c->last = seq;
		c->st.changes++;
	}
	if (rc != SQLITE_DONE) {
		jsqlite_err(e, c->db, rc, "reading the outbox");
		goto fail;
	}
	sqlite3_reset(c->sel);
	held_drop(c);                   /* never decided: nothing was removed */
	if (drain_check(c, e) < 0)
		goto fail;
	return jsqlite_exec(c->db, "COMMIT", e);
fail:
	if (c->in_group)
		jjournal_group_abort(c->j);
	c->in_group = 0;
	sqlite3_reset(c->sel);
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int
position(struct jcapture *c, struct jerr *e)
{
	char lineage[JCAP_LINEAGE_HEX];

	if (c->pos_known)
		return 0;
	if (jcap_journal_where(c->journal, lineage, NULL, &c->pos, e) < 0)
		return -1;
	c->pos_known = 1;
	return 0;
}

int
jcapture_drain(struct jcapture *c, struct jcapture_stats *st, struct jerr *e)
{
	memset(&c->st, 0, sizeof c->st);
	if (position(c, e) < 0 || drain_forget(c, e) < 0)
		return -1;
	if (drain_read(c, e) < 0)
		return -1;
	if (c->last) {
		jcrash_point("capture-read");
		if (drain_append(c, 0, e) < 0)
			return -1;
		jcrash_point("capture-appended");
		if (drain_forget(c, e) < 0)
			return -1;
		jcrash_point("capture-deleted");
	} else if (c->nchk && drain_append(c, 0, e) < 0) {
		return -1;                      /* no change: the check records alone */
	}
	c->st.pos = c->pos;
	if (st)
		*st = c->st;
	return 0;
}

/* ---- open, close ---- */

static int
drain_lock(struct jcapture *c, struct jerr *e)
{
	char *d = strdup(c->dbpath), *b = strdup(c->dbpath), *path = NULL;
	int rc = -1;

	if (d && b && asprintf(&path, "%s/.%s.capture.lock", dirname(d), basename(b)) >= 0) {
		if ((c->lockfd = jlock_acquire(path, JLOCK_NOWAIT, e)) >= 0)
			rc = 0;
		else if (e->code == EX_TEMPFAIL)
			jerr_set(e, EX_TEMPFAIL, "%s: busy: another jcapture drains it", c->dbpath);
		else
			in_what(e, e->code, path, 0);
	} else {
		jerr_set(e, EX_OSERR, "out of memory");
	}
	free(path);
	free(d);
	free(b);
	return rc;
}

static int
check_binding(struct jcapture *c, struct jerr *e)
{
	char have[JCAP_LINEAGE_HEX], lineage[JCAP_LINEAGE_HEX];
	int rc = jcap_installed(c->db, have, e);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return jerr_set(e, EX_USAGE, "%s: capture is not installed (jcapture --install)",
		    c->dbpath);
	if (jcap_journal_where(c->journal, lineage, NULL, &c->pos, e) < 0)
		return -1;
	c->pos_known = 1;
	if (strcmp(have, lineage) != 0)
		return jerr_set(e, EX_DATAERR, "%s: captured for another journal (lineage %s), not "
		    "%s (lineage %s)", c->dbpath, have, c->journal, lineage);
	return 0;
}

int
jcapture_open(const char *db, const char *journal, struct jcapture **cp, struct jerr *e)
{
	struct jcapture *c = calloc(1, sizeof *c);

	if (!c)
		return jerr_set(e, EX_OSERR, "out of memory");
	c->lockfd = -1;
	jrow_builder_init(&c->b, 0);
	if (!(c->dbpath = strdup(db)) || !(c->journal = strdup(journal))) {
		jcapture_close(c);
		return jerr_set(e, EX_OSERR, "out of memory");
	}
	if (access(db, F_OK) < 0) {
		jerr_sys(e, EX_NOINPUT, "unable to open %s", db);
		goto fail;
	}
	if (drain_lock(c, e) < 0 || jcap_db_open(db, &c->db, e) < 0 ||
	    check_binding(c, e) < 0 || jjournal_open(journal, JJ_SYNC, &c->j, e) < 0)
		goto fail;
	*cp = c;
	return 0;
fail:
	jcapture_close(c);
	return -1;
}

void
jcapture_close(struct jcapture *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->sel);
	sqlite3_close(c->db);
	jjournal_close(c->j, NULL);
	if (c->lockfd >= 0)
		jlock_close(c->lockfd);
	shapes_free(c);
	check_free(c);
	jrow_builder_free(&c->b);
	free(c->dbpath);
	free(c->journal);
	free(c);
}

/* ---- schema changes ---- */

/* The operator's statement, run with the capture's triggers gone: its failure is bad input. */
static int
ddl_run(struct jcapture *c, const char *sql, struct jerr *e)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		return 0;
	jsqlite_err(e, c->db, rc, "the DDL failed");
	if (e->code == EX_CONFIG)
		e->code = EX_DATAERR;     /* the operator's statement, not the database */
	return -1;
}

static int
ddl_in(struct jcapture *c, const char *sql, int run, struct jerr *e)
{
	char *ins;
	int rc;

	if (jcap_drop_triggers(c->db, e) < 0 || (run && ddl_run(c, sql, e) < 0))
		return -1;
	ins = sqlite3_mprintf("INSERT INTO main.jmirror_outbox(s, op, t, c0) VALUES(0, 'S', "
	    JCAP_NOW ", '%q')", sql);
	rc = ins ? jsqlite_exec(c->db, ins, e) : jerr_set(e, EX_OSERR, "out of memory");
	sqlite3_free(ins);
	if (rc == 0)
		rc = jcap_install_tables(c->db, 0, e);
	if (rc == 0)
		rc = jcap_remember_schema(c->db, e);
	return rc;
}

/*
 * run: execute sql (--ddl), on the schema the triggers were made for. Otherwise (--ddl-done)
 * sql was executed already behind jcapture's back: the schema MUST have changed.
 */
static int
ddl(struct jcapture *c, const char *sql, int run, struct jerr *e)
{
	int rc = jsqlite_exec(c->db, "BEGIN EXCLUSIVE", e);

	if (rc == 0 && run)
		rc = schema_check(c, e);
	if (rc == 0 && !run && schema_check(c, e) == 0)
		rc = jerr_set(e, EX_USAGE, "the schema is the one capture was installed for: "
		    "nothing was changed behind its back (use --ddl to change it)");
	if (rc == 0)
		rc = ddl_in(c, sql, run, e);
	if (rc == 0)
		rc = jsqlite_exec(c->db, "COMMIT", e);
	if (rc < 0)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	shapes_free(c);
	return rc;
}

int
jcapture_ddl(struct jcapture *c, const char *sql, struct jerr *e)
{
	return ddl(c, sql, 1, e);
}

int
jcapture_ddl_done(struct jcapture *c, const char *sql, struct jerr *e)
{
	return ddl(c, sql, 0, e);
}

/* ---- for jstatus ---- */

int
jcapture_depth(const char *dbpath, struct jcapture_depth *d, struct jerr *e)
{
	sqlite3 *db;
	sqlite3_int64 n = 0, t = 0, p = 0;
	int rc;

	memset(d, 0, sizeof *d);
	if (jsqlite_open(dbpath, SQLITE_OPEN_READONLY, &db, e) < 0)
		return -1;
	rc = jsqlite_exec(db, "BEGIN", e);
	if (rc == 0)
		rc = jcap_installed(db, NULL, e);
	if (rc == 1 && (jcap_int(db, "SELECT count(*) FROM main.jmirror_outbox WHERE op <> 'P'",
	    &n, e) < 0 || jcap_int(db, "SELECT t FROM main.jmirror_outbox WHERE op <> 'P' ORDER "
	    "BY seq LIMIT 1", &t, e) < 0 ||
	    jcap_int(db, "SELECT max(seq) FROM main.jmirror_outbox", &p, e) < 0))
		rc = -1;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	d->changes = (uint64_t)n;
	d->oldest = (uint64_t)t * 1000000000u;
	d->pos = (uint64_t)p;
	return rc;
}
