/*
 * pg: what every libpq user of jmirror shares (the mirror applier, the capture of a primary,
 * its checks and its slot's figures): connecting, the class of a failure, and the one rule
 * that logical decoding needs wal_level = logical.
 *
 *     jpg_connect(url, what, options, replication, &c, &e)
 *                         a connection to url ("postgresql://..."), with the server options
 *                         given (NULL: none) and, with replication, a logical replication
 *                         connection; the server's notices are dropped (common/ never
 *                         prints). A password in url is refused (EX_USAGE: ~/.pgpass).
 *                         -1 with e naming what: EX_NOINPUT no such database, EX_NOPERM,
 *                         EX_TEMPFAIL a server that cannot be reached
 *     jpg_code(r)         the class of failed result r (NULL: the connection failed):
 *                         jpg_class of its SQLSTATE
 *     jpg_class(sqlstate) EX_TEMPFAIL (NULL, gone, shutting down, a conflict, a lock or
 *                         object busy, too many connections), EX_IOERR (out of disk or
 *                         memory, the server's I/O), EX_NOPERM, else EX_CONFIG (the database
 *                         needs attention: a configured limit such as
 *                         max_replication_slots reached, an SQL error)
 *     jpg_err(&e, c, r, what)
 *                         -1 with e "what: the first line of the server's message" and
 *                         jpg_code's class; r cleared
 *     jpg_line(m, buf, size)
 *                         the first line of a libpq message, in buf
 *     jpg_logical(c, &e)  0 when wal_level is logical, else -1 with EX_CONFIG saying how
 *                         to set it
 */
#ifndef JM_PG_H
#define JM_PG_H

#include <stddef.h>

#include <libpq-fe.h>

#include "err.h"

int         jpg_connect(const char *url, const char *what, const char *options,
                        int replication, PGconn **c, struct jerr *e);
int         jpg_code(const PGresult *r);
int         jpg_class(const char *sqlstate);
int         jpg_err(struct jerr *e, PGconn *c, PGresult *r, const char *what);
const char *jpg_line(const char *m, char *buf, size_t size);
int         jpg_logical(PGconn *c, struct jerr *e);

#endif
