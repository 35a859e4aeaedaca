/*
 * capture_int: what capture.c (install) and capture_drain.c (drain) share; not for tools.
 * Every function returns 0 (or what it says) or -1 with e filled.
 */
#ifndef JM_CAPTURE_INT_H
#define JM_CAPTURE_INT_H

#include <stdint.h>

#include <sqlite3.h>

#include "capture.h"
#include "fmt.h"

#define JCAP_LINEAGE_HEX (2 * JFMT_LINEAGE_LEN + 1)

/* The capture time the triggers note, in seconds since the epoch: julianday() is in every
 * SQLite an application may link, and cheaper than formatting the time with strftime(). */
#define JCAP_NOW "CAST((julianday('now') - 2440587.5) * 86400 AS INTEGER)"

extern const char jcap_schema_sql[];

int   jcap_db_open(const char *path, sqlite3 **db, struct jerr *e);
int   jcap_int(sqlite3 *db, const char *sql, sqlite3_int64 *v, struct jerr *e);
char *jcap_text(sqlite3 *db, const char *sql, struct jerr *e);
/* 1 installed (lineage copied when not NULL), 0 not. */
int   jcap_installed(sqlite3 *db, char lineage[JCAP_LINEAGE_HEX], struct jerr *e);
/* Shapes and triggers for every table; with snapshot, their rows as insertions. */
int   jcap_install_tables(sqlite3 *db, int snapshot, struct jerr *e);
int   jcap_drop_triggers(sqlite3 *db, struct jerr *e);
int   jcap_remember_schema(sqlite3 *db, struct jerr *e);

/* The journal's lineage (hex) and the last source position it holds (capture_drain.c). */
int   jcap_journal_where(const char *journal, char lineage[JCAP_LINEAGE_HEX], uint64_t *pos,
                         struct jerr *e);

#endif
