/*
 * pg: connections and failures for every libpq user (pg.h). One rule each: a password never
 * travels in a URL, a failure's class follows its SQLSTATE the same way for the applier and
 * the capture, and a capture or a check that travels with it needs wal_level = logical.
 */
#include <stdio.h>
#include <string.h>

#include "pg.h"

/* common/ never prints: libpq's notices (a WARNING as the server goes down) are dropped. */
static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

const char *
jpg_line(const char *m, char *buf, size_t size)
{
	size_t n = strcspn(m ? m : "", "\n");

	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), m ? m : "");
	return buf;
}

static int
has_password(const char *url, struct jerr *e)
{
	PQconninfoOption *o = PQconninfoParse(url, NULL);
	int pw = 0;

	if (!o)
		return jerr_set(e, EX_USAGE, "%s: not a PostgreSQL connection URI", url);
	for (PQconninfoOption *p = o; p->keyword; p++)
		pw |= !strcmp(p->keyword, "password") && p->val && *p->val;
	PQconninfoFree(o);
	if (pw)
		return jerr_set(e, EX_USAGE, "a password in the database URL: put it in ~/.pgpass "
		    "(or PGPASSFILE) instead");
	return 0;
}

int
jpg_connect(const char *url, const char *what, const char *options, int replication,
    PGconn **cp, struct jerr *e)
{
	const char *kw[4] = { "dbname", NULL, NULL, NULL };
	const char *val[4] = { url, NULL, NULL, NULL };
	char line[400];
	int n = 1;

	*cp = NULL;
	if (has_password(url, e) < 0)
		return -1;
	if (options) {
		kw[n] = "options";
		val[n++] = options;
	}
	if (replication) {
		kw[n] = "replication";
		val[n++] = "database";
	}
	*cp = PQconnectdbParams(kw, val, 1);
	if (PQstatus(*cp) != CONNECTION_OK) {
		const char *m = PQerrorMessage(*cp);
		int code = strstr(m, "does not exist") ? EX_NOINPUT :
		    strstr(m, "authentication failed") || strstr(m, "permission denied") ||
		    strstr(m, "replication connection") ? EX_NOPERM : EX_TEMPFAIL;

		jerr_set(e, code, "unable to connect to %s: %s", what, jpg_line(m, line, sizeof line));
		PQfinish(*cp);
		*cp = NULL;
		return -1;
	}
	PQsetNoticeProcessor(*cp, quiet, NULL);
	return 0;
}

int
jpg_code(const PGresult *r)
{
	return jpg_class(r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL);
}

int
jpg_class(const char *st)
{
	if (!st)
		return EX_TEMPFAIL;             /* no result: the connection is gone */
	if (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strncmp(st, "08", 2) ||
	    !strncmp(st, "57P", 3) || !strcmp(st, "55P03") || !strcmp(st, "55006") ||
	    !strcmp(st, "53300"))
		return EX_TEMPFAIL;     /* conflicts, gone, shutting down, lock or slot busy,
		                           too many connections */
	if (!strcmp(st, "53400"))
		return EX_CONFIG;       /* a configured limit (max_replication_slots...) */
	if (!strncmp(st, "53", 2) || !strncmp(st, "58", 2))
		return EX_IOERR;        /* disk full, out of memory, the server's I/O */
	if (!strcmp(st, "42501"))
		return EX_NOPERM;
	return EX_CONFIG;
}

int
jpg_err(struct jerr *e, PGconn *c, PGresult *r, const char *what)
{
	char line[400];

	jerr_set(e, jpg_code(r), "%s: %s", what,
	    jpg_line(r ? PQresultErrorMessage(r) : PQerrorMessage(c), line, sizeof line));
	PQclear(r);
	return -1;
}

int
jpg_logical(PGconn *c, struct jerr *e)
{
	PGresult *r = PQexec(c, "SELECT current_setting('wal_level')");
	int rc = 0;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return jpg_err(e, c, r, "unable to read wal_level");
	if (strcmp(PQgetvalue(r, 0, 0), "logical") != 0)
		rc = jerr_set(e, EX_CONFIG, "wal_level is %s, not logical: set wal_level = "
		    "logical in postgresql.conf and restart PostgreSQL", PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}
