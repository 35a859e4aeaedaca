/*
 * jmcheck: append check records (checkrec.h) describing an SQLite database to a journal, for
 * tests before jcapture --checksum, and for the fuzz corpus.
 *
 *   jmcheck [-n ROWS] [-l LIMIT] [-r REST%] [-o FILE] [-t TABLE]... DB JOURNAL
 *
 * The records of one pass are appended in one batch, so that nothing comes between them.
 * -n: rows per chunk; -l: the largest payload; -r: rest after a chunk, percent of its time
 * (-1: none); -o: also write the first payload to FILE;
 * -t: only these tables (default: every table check records cover). Prints the LSN of the
 * first record appended.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "checkrec.h"
#include "journal.h"
#include "report.h"

struct pass {
	struct jjournal_payload r[256];
	size_t n;
	const char *out;
};

static int
keep(void *arg, const void *payload, size_t len, struct jerr *e)
{
	struct pass *p = arg;
	void *copy = malloc(len);

	if (!copy || p->n == sizeof p->r / sizeof p->r[0])
		return jerr_set(e, EX_SOFTWARE, "too many records");
	memcpy(copy, payload, len);
	p->r[p->n++] = (struct jjournal_payload){ JFMT_TYPE_CHECK, copy, (uint32_t)len };
	if (p->out && p->n == 1) {
		FILE *f = fopen(p->out, "wb");
		if (!f || fwrite(payload, 1, len, f) != len || fclose(f) != 0)
			return jerr_set(e, EX_CANTCREAT, "%s: unable to write", p->out);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct jcheck_opts o = { 0 };
	struct pass p = { .n = 0 };
	const char *tables[64];
	size_t nt = 0;
	struct jjournal *j;
	struct jerr e;
	uint64_t first;
	sqlite3 *db;
	int c;

	jerr_init(argv[0]);
	while ((c = getopt(argc, argv, "n:l:r:o:t:")) != -1) {
		switch (c) {
		case 'n': o.chunk_rows = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'l': o.limit = strtoull(optarg, NULL, 10); break;
		case 'r': o.rest_pct = atoi(optarg); break;
		case 'o': p.out = optarg; break;
		case 't': if (nt < 64) tables[nt++] = optarg; break;
		default: jusage("jmcheck [-n ROWS] [-l LIMIT] [-o FILE] [-t TABLE]... DB JOURNAL",
		             EX_USAGE);
		}
	}
	if (argc - optind != 2)
		jusage("jmcheck [-n ROWS] [-l LIMIT] [-o FILE] [-t TABLE]... DB JOURNAL", EX_USAGE);
	if (sqlite3_open_v2(argv[optind], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		jdiex(EX_NOINPUT, "%s: %s", argv[optind], sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 10000);
	if (jcheck_take(db, nt ? tables : NULL, nt, &o, keep, &p, &e) < 0)
		jdiex(e.code, "%s: %s", argv[optind], e.msg);
	sqlite3_close(db);
	if (jjournal_open(argv[optind + 1], 0, &j, &e) < 0 ||
	    jjournal_append(j, p.r, p.n, &first, &e) < 0 || jjournal_close(j, &e) < 0)
		jdiex(e.code, "%s: %s", argv[optind + 1], e.msg);
	printf("%llu\n", (unsigned long long)first);
	for (size_t i = 0; i < p.n; i++)
		free((void *)p.r[i].data);
	return 0;
}
