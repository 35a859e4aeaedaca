/*
 * jmpgcheck: a check of a PostgreSQL primary (pgcheck.h), before a capture carries it, for
 * tests.
 *
 *   jmpgcheck [-n ROWS] [-l LIMIT] [-w LOCK_MS] [-T TRIES] URL
 *       takes a check (jpgcheck_take): its records go into the WAL as 'jmirror.check'
 *       messages; prints "TABLES tables, ROWS rows, RECORDS records, SKIPPED skipped".
 *   jmpgcheck -s SLOT URL JOURNAL
 *       reads what test_decoding slot SLOT has (pg_logical_slot_get_binary_changes: the
 *       slot advances) and appends every 'jmirror.check' message in it to JOURNAL as a check
 *       record, in one batch; prints the LSN of the first, or nothing when there was none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "journal.h"
#include "pgcheck.h"
#include "report.h"

static const char usage[] = "jmpgcheck [-n ROWS] [-l LIMIT] [-w LOCK_MS] [-T TRIES] URL\n"
    "       jmpgcheck -s SLOT URL JOURNAL";

static int
from_slot(const char *slot, const char *url, const char *journal)
{
	static const char head[] = "message: transactional: 1 prefix: jmirror.check, sz: ";
	struct jjournal_payload r[256];
	const char *prm[1] = { slot };
	struct jjournal *j;
	struct jerr e;
	uint64_t first;
	size_t n = 0;
	PGconn *c = PQconnectdb(url);
	PGresult *res;

	if (PQstatus(c) != CONNECTION_OK)
		jdiex(EX_TEMPFAIL, "%s", PQerrorMessage(c));
	res = PQexecParams(c, "SELECT data FROM pg_logical_slot_get_binary_changes($1, NULL, "
	    "NULL)", 1, NULL, prm, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		jdiex(EX_TEMPFAIL, "%s", PQresultErrorMessage(res));
	for (int i = 0; i < PQntuples(res) && n < 256; i++) {
		const char *p = PQgetvalue(res, i, 0), *at;
		size_t len = (size_t)PQgetlength(res, i, 0), sz;
		if (len < sizeof head || memcmp(p, head, sizeof head - 1))
			continue;
		sz = strtoul(p + sizeof head - 1, NULL, 10);
		if (!(at = memmem(p, len, " content:", 9)) || (size_t)(p + len - at - 9) != sz)
			jdiex(EX_DATAERR, "a message not understood");
		r[n++] = (struct jjournal_payload){ JFMT_TYPE_CHECK, at + 9, (uint32_t)sz };
	}
	if (n && (jjournal_open(journal, 0, &j, &e) < 0 ||
	    jjournal_append(j, r, n, &first, &e) < 0 || jjournal_close(j, &e) < 0))
		jdiex(e.code, "%s: %s", journal, e.msg);
	if (n)
		printf("%llu\n", (unsigned long long)first);
	PQclear(res);
	PQfinish(c);
	return 0;
}

int
main(int argc, char **argv)
{
	struct jpgcheck_opts o = { 0 };
	struct jpgcheck_stats st;
	struct jerr e;
	const char *slot = NULL;
	int c;

	jerr_init(argv[0]);
	while ((c = getopt(argc, argv, "n:l:w:T:s:")) != -1) {
		switch (c) {
		case 'n': o.chunk_rows = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'l': o.limit = strtoull(optarg, NULL, 10); break;
		case 'w': o.lock_ms = atoi(optarg); break;
		case 'T': o.tries = atoi(optarg); break;
		case 's': slot = optarg; break;
		default: jusage(usage, EX_USAGE);
		}
	}
	if (argc - optind != (slot ? 2 : 1))
		jusage(usage, EX_USAGE);
	if (slot)
		return from_slot(slot, argv[optind], argv[optind + 1]);
	if (jpgcheck_take(argv[optind], &o, &st, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	printf("%llu tables, %llu rows, %llu records, %llu skipped\n",
	    (unsigned long long)st.tables, (unsigned long long)st.rows,
	    (unsigned long long)st.records, (unsigned long long)st.skipped);
	return 0;
}
