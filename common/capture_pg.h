/*
 * capture_pg: change capture from a PostgreSQL primary through logical decoding (a
 * replication slot streamed with pgoutput over the replication protocol), into the same
 * row records as the SQLite capture (capture.h). The only module of jcapture that speaks
 * libpq.
 *
 *     jpgcap_install(url, journal, &opts, &e)  publication and slot named from the journal's
 *                                              lineage (jmirror_<lineage>), and (unless
 *                                              opts.no_snapshot) the schema and every row
 *                                              read in the slot's exported snapshot as the
 *                                              first records; then the slot's start
 *                                              position is the journal's
 *     jpgcap_uninstall(url, &e)                slot and publication dropped
 *     jpgcap_open(url, journal, &c, &e)        checks the binding (the slot of this
 *                                              journal's lineage), finds where the
 *                                              journal stands
 *     jpgcap_drain(c, &st, &e)                 streams what committed up to now: each
 *                                              transaction whose commit LSN is above the
 *                                              journal's position becomes one row record
 *                                              (a group when larger), made durable before
 *                                              the slot is told it may forget it; the
 *                                              stream stays open for the next drain
 *     jpgcap_ddl(c, sql, &e)                   runs sql on the primary in a transaction that
 *                                              also holds it as a logical message, so the
 *                                              next drain journals it at its place
 *                                              (EX_DATAERR: the statement failed, nothing
 *                                              changed)
 *     jpgcap_ddl_done(c, sql, &e)              journals sql, run behind the capture's back
 *                                              already, before what the slot still holds
 *     jpgcap_close(c)                          frees c (NULL is a no-op)
 *
 * Errors: -1 with e: EX_USAGE not installed or a bad URL, JCAP_EINSTALLED installed
 * already, EX_DATAERR a journal of another lineage, a damaged journal or stream,
 * EX_TEMPFAIL the server is unreachable, restarting, or the slot busy (another jcapture),
 * EX_CONFIG (78) the database needs attention (wal_level is not logical; a change the
 * journal cannot carry; a table whose columns changed without jpgcap_ddl), EX_NOINPUT missing journal or database, EX_IOERR.
 */
#ifndef JM_CAPTURE_PG_H
#define JM_CAPTURE_PG_H

#include "capture.h"

struct jpgcap;

int  jpgcap_install(const char *url, const char *journal, const struct jcapture_install *o,
                    struct jerr *e);
int  jpgcap_uninstall(const char *url, struct jerr *e);
int  jpgcap_open(const char *url, const char *journal, struct jpgcap **c, struct jerr *e);
int  jpgcap_drain(struct jpgcap *c, struct jcapture_stats *st, struct jerr *e);
int  jpgcap_ddl(struct jpgcap *c, const char *sql, struct jerr *e);
int  jpgcap_ddl_done(struct jpgcap *c, const char *sql, struct jerr *e);
void jpgcap_close(struct jpgcap *c);

#endif
