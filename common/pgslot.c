/*
 * pgslot: a captured PostgreSQL primary's replication slot, as jstatus reports it
 * (pgslot.h). It only reads: peeking at a slot's stream does not move it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "apply_pgrow.h"
#include "clock.h"
#include "pgcheck.h"
#include "pgslot.h"
#include "row.h"
#include "pg.h"

#define PG_EPOCH 946684800ull           /* 2000-01-01, PostgreSQL's epoch, in Unix seconds */

void
jpgslot_name(const char *lineage_hex, uint32_t timeline, char *buf, size_t size)
{
	snprintf(buf, size, "jmirror_%s_%u", lineage_hex, (unsigned)timeline);
}

/* The commit age of the oldest transaction an idle pgoutput slot holds: pgoutput's BEGIN
 * message ('B', final LSN, commit time in microseconds since 2000, xid) of the first
 * transaction a peek decodes. 0 none waits; -1 unreadable (e is not set: the age is then
 * unknown, the other figures stand). */
static int64_t
peek_age(PGconn *c, const char *slot)
{
	const char *prm[1] = { slot };
	PGresult *r = PQexecParams(c, "SELECT data FROM pg_logical_slot_peek_binary_changes("
	    "$1::name, NULL, 1, 'proto_version', '1', 'publication_names', $1::text) LIMIT 1", 1,
	    NULL, prm, NULL, NULL, 1);
	int64_t age = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 0)
		age = 0;
	else if (PQresultStatus(r) == PGRES_TUPLES_OK && PQgetlength(r, 0, 0) >= 21 &&
	    PQgetvalue(r, 0, 0)[0] == 'B') {
		struct jpgcheck_col i8 = { "", 0, JPGCHECK_INT, 0 };
		struct jrow_value us;
		uint64_t t;
		jpgcheck_value(&i8, PQgetvalue(r, 0, 0) + 9, 8, 0, &us);
		t = (PG_EPOCH * 1000000ull + (uint64_t)us.i) * 1000ull;
		age = (int64_t)jclock_age(jclock_now(), t);
	}
	PQclear(r);
	return age;
}

/* An active slot: its walsender's flush_lag (0 when caught up, or when no such figure). */
static int64_t
stream_age(PGconn *c, const char *pid)
{
	const char *prm[1] = { pid };
	PGresult *r = PQexecParams(c, "SELECT coalesce(extract(epoch FROM flush_lag), 0) FROM "
	    "pg_stat_replication WHERE pid = $1::int", 1, NULL, prm, NULL, NULL, 0);
	int64_t age = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		age = PQntuples(r) ? (int64_t)(strtod(PQgetvalue(r, 0, 0), NULL) * 1e9) : 0;
	PQclear(r);
	return age;
}

int
jpgslot_read(const char *url, const char *slot, struct jpgslot_status *st, struct jerr *e)
{
	const char *prm[1] = { slot };
	PGconn *c;
	PGresult *r;
	int rc = 1;

	memset(st, 0, sizeof *st);
	if (jpg_connect(url, "the primary database", NULL, 0, &c, e) < 0)
		return -1;
	r = PQexecParams(c, "SELECT pg_current_wal_lsn() - restart_lsn, pg_current_wal_lsn() - "
	    "confirmed_flush_lsn, active, active_pid, plugin = 'pgoutput' FROM pg_replication_slots"
	    " WHERE slot_name = $1 AND database = current_database()", 1, NULL, prm, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = jpg_err(e, c, r, "unable to read the replication slots");
	} else if (PQntuples(r) == 0) {
		rc = 0;
		PQclear(r);
	} else {
		st->retained = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
		st->lag = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
		st->active = PQgetvalue(r, 0, 2)[0] == 't';
		st->age = st->active ? stream_age(c, PQgetvalue(r, 0, 3)) :
		    PQgetvalue(r, 0, 4)[0] == 't' ? peek_age(c, slot) : -1;
		PQclear(r);
	}
	PQfinish(c);
	return rc;
}
