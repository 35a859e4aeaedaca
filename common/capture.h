/*
 * capture: change capture for an SQLite database, the only module of jcapture that speaks
 * SQL. Triggers written in plain SQL note every row change of every ordinary table in an
 * outbox table, inside the application's own transaction; a drain moves what committed
 * transactions left there into the journal, exactly once, and only then removes it.
 *
 *     jcapture_install(db, journal, &opts, &e)   outbox, triggers, binding to the journal's
 *                                                lineage, and (unless opts.no_snapshot) the
 *                                                schema and every row as the first changes;
 *                                                one exclusive transaction
 *     jcapture_uninstall(db, force, &e)          every trace removed; refused with
 *                                                JCAP_EPENDING while changes wait in the
 *                                                outbox, unless force
 *     jcapture_open(db, journal, &c, &e)         the drainer: takes the drain lock (one at a
 *                                                time per database: EX_TEMPFAIL when busy),
 *                                                checks the binding, finds where the journal
 *                                                stands
 *     jcapture_drain(c, &st, &e)                 one drain: one row record (a group when
 *                                                over 16 MiB) per WAL snapshot; 0 with st
 *                                                filled. Killed at any instruction, the
 *                                                next drain neither loses nor repeats.
 *     jcapture_checksum(c, on)                   with on, the next drains also take a check
 *                                                record of every table (checkrec.h) in the
 *                                                drain's read snapshot, appended in one write
 *                                                with the drain's last record (alone when the
 *                                                drain has no change): it describes exactly
 *                                                what the journal holds up to it
 *     jcapture_ddl(c, sql, &e)                   DDL, its place in the outbox and the new
 *                                                triggers in one exclusive transaction
 *     jcapture_ddl_done(c, sql, &e)              the same for DDL already run behind the
 *                                                capture's back (not run again); EX_USAGE
 *                                                when the schema did not change
 *     jcapture_close(c)                          frees c (NULL is a no-op)
 *     jcapture_depth(db, &d, &e)                 outbox depth and oldest change, for jstatus:
 *                                                1 captured, 0 not a captured database
 *
 * Errors: -1 with e filled: EX_NOINPUT missing database or journal, JCAP_EINSTALLED
 * install: capture is installed already for this journal, EX_DATAERR a journal of
 * another lineage or a damaged journal, EX_TEMPFAIL busy (database locked, another drain),
 * JCAP_ESCHEMA (EX_CONFIG, 78: needs attention) the schema changed behind jcapture's back,
 * EX_USAGE not installed, EX_IOERR, EX_NOPERM, EX_SOFTWARE a broken invariant.
 */
#ifndef JM_CAPTURE_H
#define JM_CAPTURE_H

#include <stdint.h>

#include "err.h"
#include "fmt.h"

#define JCAP_ESCHEMA  EX_CONFIG     /* 78: the database needs attention */
#define JCAP_EPENDING EX_CONFIG     /* 78: uninstall would drop undrained changes */
#define JCAP_EINSTALLED EX_CANTCREAT /* 73: install: already installed for this journal */

struct jcapture_install {
	int no_snapshot;          /* the mirror is seeded another way (jbackup) */
};

struct jcapture_stats {
	uint64_t changes;         /* outbox rows moved into the journal */
	uint64_t records;         /* records appended */
	uint64_t first_lsn;       /* of the first record appended, when records > 0 */
	uint64_t pos;             /* the source position the journal holds now */
	uint64_t check_lsn;       /* of the first check record appended, 0 if none */
};

struct jcapture_depth {
	uint64_t changes;         /* rows waiting in the outbox */
	uint64_t oldest;          /* capture time of the oldest (ns since the epoch), 0 if none */
	uint64_t pos;             /* highest source position captured so far */
};

struct jcapture;

#define JCAP_LINEAGE_HEX (2 * JFMT_LINEAGE_LEN + 1)

/* The journal's lineage (hex), its timeline (when timeline is not NULL) and the last source
 * position it holds (jmirror(5), "Source position carried over"): the one reading of it,
 * for the capture of either engine (capture_drain.c). */
int  jcap_journal_where(const char *journal, char lineage[JCAP_LINEAGE_HEX],
                        uint32_t *timeline, uint64_t *pos, struct jerr *e);

int  jcapture_install(const char *db, const char *journal, const struct jcapture_install *o,
                      struct jerr *e);
int  jcapture_uninstall(const char *db, int force, struct jerr *e);
int  jcapture_open(const char *db, const char *journal, struct jcapture **c, struct jerr *e);
int  jcapture_drain(struct jcapture *c, struct jcapture_stats *st, struct jerr *e);
void jcapture_checksum(struct jcapture *c, int on);
int  jcapture_ddl(struct jcapture *c, const char *sql, struct jerr *e);
int  jcapture_ddl_done(struct jcapture *c, const char *sql, struct jerr *e);
void jcapture_close(struct jcapture *c);
int  jcapture_depth(const char *db, struct jcapture_depth *d, struct jerr *e);

#endif
