/*
 * apply: the mirror side. Applies records to a SQLite mirror database (or pipes them to a
 * command, the exec applier) and keeps the mirror's bookkeeping (apply_state.h): where it
 * is in the chain. jintegrate drives it; jstatus, jpromote and jbackup read (and jpromote
 * changes) the bookkeeping through it. Which segment is due is chain.h's to say.
 *
 * This header is the one tools use, whatever the applier. Each applier is one file behind
 * apply_ops.h: apply_sqlite.c (over sqlite.h, which opens and syncs every SQLite database) and
 * apply_exec.c; apply.c picks one from struct japply_opts. A new applier (row records,
 * PostgreSQL) is one new file and one line in japply_open.
 *
 * THE BOOKKEEPING lives in the mirror database itself, one row, written in the same
 * transaction as the data it describes, so that a crash never applies a record twice or
 * skips one:
 *
 *   CREATE TABLE jmirror_state(
 *     id         INTEGER PRIMARY KEY CHECK (id = 1),
 *     version    INTEGER NOT NULL,  -- 1: this layout
 *     role       TEXT NOT NULL,     -- 'mirror', or 'operational' once promoted (jpromote):
 *                                   --   jintegrate then refuses the database (exit 69)
 *     name       TEXT NOT NULL,     -- the journal's NAME (NAME.TTTT-SSSSSSSSSSSS.journal)
 *     lineage    TEXT NOT NULL,     -- 32 hex digits: the journal's lineage id
 *     timeline   INTEGER NOT NULL,  -- timeline of the segment applied last
 *     seq        INTEGER NOT NULL,  -- sequence of the segment applied last (maybe in part)
 *     last_lsn   INTEGER NOT NULL,  -- every record with LSN <= last_lsn is applied, no other
 *     sealed     INTEGER NOT NULL,  -- 1: segment seq is wholly applied and its digest known;
 *                                   -- 0: only up to last_lsn (a live journal, or --until/
 *                                   --    --delay stopped inside it); seq's sealed segment
 *                                   --    will apply the records after last_lsn
 *     digest     TEXT NOT NULL,     -- 64 hex: digest of the last wholly applied segment
 *                                   -- (seq if sealed, else seq - 1; zeros before the first),
 *                                   -- i.e. the prev_digest the next segment must carry
 *     final      INTEGER NOT NULL,  -- 1: segment seq was sealed final (jrotate --final)
 *     last_time  INTEGER NOT NULL,  -- commit time of record last_lsn, ns since the epoch
 *     applied_at INTEGER NOT NULL,  -- when this row was written on the mirror, ns
 *     segment    TEXT NOT NULL      -- base name of the file segment seq was applied from
 *   );
 *   CREATE TABLE jmirror_timeline(   -- each timeline the mirror followed, and from where
 *     timeline INTEGER PRIMARY KEY,
 *     seq      INTEGER NOT NULL,     -- the first sequence applied on it
 *     lsn      INTEGER NOT NULL      -- the first LSN of that segment
 *   );
 *   CREATE TABLE jmirror_trust(      -- made when a key is first trusted (jintegrate --trust):
 *     pubkey TEXT PRIMARY KEY        --   the base64 line of each minisign public key; while
 *   );                               --   any is there, only segments it signed are applied
 *   CREATE TABLE jmirror_check(       -- the last check record that passed (checkrec.h); made
 *     id       INTEGER PRIMARY KEY CHECK (id = 1),   -- by the first one, in its transaction
 *     lsn      INTEGER NOT NULL,     -- its LSN: the mirror equalled the primary there
 *     time     INTEGER NOT NULL,     -- its commit time: when the primary took it, ns
 *     verified_at INTEGER NOT NULL   -- when the mirror verified it, ns
 *   );
 *   CREATE TABLE jmirror_captured(    -- made by the first row record applied, in its
 *     id    INTEGER PRIMARY KEY CHECK (id = 1),      -- transaction: the primary was captured
 *     lsn   INTEGER NOT NULL         -- (jcapture), so jpromote captures the promoted database
 *   );                               -- too (st->captured); lsn: that first row record's LSN
 *
 * A database without jmirror_state is an empty mirror: it accepts only the beginning of a
 * lineage (seq 1, first LSN 1, zero previous digest) and adopts that lineage. Readers (jstatus)
 * may read the row at any time without the lock: WAL gives them a consistent snapshot.
 *
 * The exec applier (--exec) has no database: its bookkeeping is a text file DIR/.BASE.state
 * beside the name given as the mirror (jname_aux(db, "state")), replaced atomically, with one
 * "key value" line per column above, one "timeline T SEQ LSN" line per timeline row and one
 * "trust PUBKEY" line per trusted key.
 *
 * THE LOCK: DIR/.BASE.lock (jname_aux(db, "lock")), flock(2) through lock.h. It MUST be held by
 * whoever changes the mirror database or its bookkeeping:
 * - jintegrate holds it while it applies (from reading the bookkeeping to its last commit
 *   of a batch) and releases it while it waits for input or sleeps for --delay; after each
 *   take it re-reads the bookkeeping, and reopens the database when the file at the path is
 *   no longer the one it had open (a restore replaced it).
 * - jbackup holds it for a whole backup or restore: a backup never sees half a batch, and a
 *   restore never replaces the file under an integration.
 * - jpromote takes it without waiting (busy: integration is running) and holds it while it
 *   promotes.
 * A second holder waits, or with JLOCK_NOWAIT fails with EX_TEMPFAIL.
 *
 * Durability: the mirror runs in WAL mode with synchronous=NORMAL by default: a power loss
 * can lose the last transactions, but always together with their bookkeeping, so the mirror
 * is never ahead of or behind what it claims; the segments are still in place to be applied
 * again. japply_sync makes every commit so far durable: only after it may the segments
 * those commits applied be archived or removed. japply_open with sync set uses
 * synchronous=FULL: every commit is durable before it returns.
 *
 * Records never reach the bookkeeping: the authorizer refuses (EX_DATAERR) any statement of
 * a record that reads, writes, alters, drops, indexes or builds a trigger or view on a
 * jmirror_* table, or creates one, attaches a database or sets a PRAGMA that would bypass
 * the bookkeeping; a trigger or view a record creates is checked at once as if used.
 * The database, and with it its -wal and -shm files, is created 0640.
 *
 * A check record (checkrec.h) is verified where it stands, after the records before it and
 * in their transaction: a mirror that differs refuses the batch with JAPPLY_EAPPLY, naming the
 * table and the key range; one that passes moves jmirror_check (st->verified_lsn) with the
 * batch. An sql record that calls a non-deterministic function is refused (EX_DATAERR)
 * unless japply_opts.allow_nondet.
 *
 * Every function returns 0 (or the documented value) or -1 with e filled: EX_DATAERR for a
 * database whose bookkeeping is foreign or damaged, EX_CANTCREAT when it cannot be opened or created, EX_IOERR,
 * EX_TEMPFAIL (busy), EX_CONFIG (JAPPLY_EAPPLY) when a record failed to apply, EX_DATAERR
 * when a record was refused (it would touch the bookkeeping).
 */
#ifndef JM_APPLY_H
#define JM_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "apply_state.h"
#include "err.h"
#include "seg.h"

#define JAPPLY_EAPPLY     EX_CONFIG   /* e->code: an sql statement or the exec command failed */

/* Is db a PostgreSQL connection URI (postgresql:// or postgres://)? Then the PostgreSQL
 * applier (apply_pg.c) serves it. */
int japply_is_pg(const char *db);

/* DIR/.BASE.lock for the SQLite mirror at db, taken: the fd (jlock_close it), or -1. */
int japply_lock(const char *db, int how, struct jerr *e);

/*
 * Read the bookkeeping without the lock (jstatus): of the SQLite database at db, or with
 * exec set of the exec applier's state file for db. A missing database or state file is
 * EX_NOINPUT; a database without bookkeeping gives st->present = 0.
 */
int japply_state_read(const char *db, int exec, struct japply_state *st, struct jerr *e);

/*
 * For jpromote, under the lock: set the role ('operational' when operational is 1) in the
 * database's bookkeeping, in one transaction. Fails with EX_DATAERR if there is none.
 */
int japply_state_set_role(const char *db, int operational, struct jerr *e);

/*
 * The applier. One batch at a time:
 *     japply_open(&o, &a, &e)               open the database (WAL), or set up the exec command
 *     japply_load(a, &st, &e)               read the bookkeeping (after each lock take)
 *     japply_begin(a, seg, first, last, &e) start a batch: a transaction, or the command with
 *                                           JM_SEGMENT=seg JM_FIRST_LSN=first JM_LAST_LSN=last
 *     japply_record(a, &r, &e)              apply one record (sql: statements; others: skipped
 *                                           by SQLite, passed as they are by exec)
 *     japply_commit(a, &st, &e)             write st as the bookkeeping and commit; for exec,
 *                                           wait for the command, then write the state file
 *     japply_rollback(a)                    abandon the batch (kills the command)
 *     japply_sync(a, &e)                    make every commit so far durable: the point
 *                                           after which the segments they applied may go
 *     japply_close(a)
 * A failed record leaves the batch to roll back; e names the LSN, the statement's start and
 * SQLite's message (code JAPPLY_EAPPLY), or the command's exit status.
 * A batch with no records (japply_begin, japply_commit) rewrites the bookkeeping alone: that
 * is how a tool other than jintegrate changes it (under the lock), e.g. jpromote recording a
 * sealed closing segment.
 */
struct japply;

struct japply_opts {
	const char *db;          /* the mirror database, or for exec the name of the mirror */
	const char *exec;        /* NULL: SQLite; else the command (run by /bin/sh -c) */
	int         sync;        /* make every commit durable (synchronous=FULL; fsync state) */
	int         repair;      /* row records: apply divergent changes anyway (apply_row.h) */
	void      (*repaired)(const char *line);   /* each repair made, for the tool to report */
	int         allow_nondet; /* apply sql records that call non-deterministic functions */
};

int  japply_open(const struct japply_opts *o, struct japply **a, struct jerr *e);
/* Is the open database still the file at the path? If not (replaced by a restore), reopen. */
int  japply_refresh(struct japply *a, struct jerr *e);
int  japply_load(struct japply *a, struct japply_state *st, struct jerr *e);
int  japply_begin(struct japply *a, const char *seg, uint64_t first, uint64_t last,
                  struct jerr *e);
int  japply_record(struct japply *a, const struct jseg_rec *r, struct jerr *e);
int  japply_commit(struct japply *a, const struct japply_state *st, struct jerr *e);
int  japply_sync(struct japply *a, struct jerr *e);
void japply_rollback(struct japply *a);
void japply_close(struct japply *a);
int  japply_is_exec(const struct japply *a);
/*
 * The integration lock of the open applier's mirror (how: JLOCK_WAIT or JLOCK_NOWAIT, busy
 * is EX_TEMPFAIL): japply_lock's file for SQLite and exec, a session advisory lock in the
 * database for PostgreSQL. Taking it twice is a no-op; japply_close releases it.
 */
int  japply_take(struct japply *a, int how, struct jerr *e);
void japply_release(struct japply *a);

#endif
