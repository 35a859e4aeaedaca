/*
 * jjdump: read a chain of segments and a live journal (in the order given) with the
 * streaming reader, check the chain (lineage, timeline, sequence, LSN continuity, previous
 * digest, nothing after a final segment), and print one line per record: "LSN<TAB>payload".
 * Exit 0 when all is valid, 65 with a message naming the file otherwise. A test tool: the
 * journal tests use it to count records without depending on jcat.
 *
 *   jjdump [-q] FILE...      -q: check only, print nothing
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "seg.h"

int
main(int argc, char **argv)
{
	uint8_t prev[JDIGEST_LEN], lineage[JFMT_LINEAGE_LEN];
	uint64_t seq = 0, lsn = 0;
	int quiet = 0, have = 0, final = 0, c;

	jerr_init(argv[0]);
	while ((c = getopt(argc, argv, "q")) != -1) {
		if (c == 'q')
			quiet = 1;
		else
			jusage("jjdump [-q] FILE...", EX_USAGE);
	}
	for (int i = optind; i < argc; i++) {
		struct jseg *s;
		struct jerr e;
		struct jseg_rec r;
		const struct jfmt_header *h;
		const struct jfmt_trailer *t;
		int rc;

		if (jseg_open(argv[i], JSEG_AUTO, &s, &e) < 0)
			jdiex(EX_DATAERR, "%s: %s", argv[i], e.msg);
		h = jseg_header(s);
		if (final)
			jdiex(EX_DATAERR, "%s: follows a final segment", argv[i]);
		if (have) {
			if (memcmp(lineage, h->lineage, sizeof lineage))
				jdiex(EX_DATAERR, "%s: another lineage", argv[i]);
			if (h->seq != seq + 1)
				jdiex(EX_DATAERR, "%s: seq %llu after %llu", argv[i],
				    (unsigned long long)h->seq, (unsigned long long)seq);
			if (h->first_lsn != lsn + 1)
				jdiex(EX_DATAERR, "%s: first LSN %llu after %llu", argv[i],
				    (unsigned long long)h->first_lsn, (unsigned long long)lsn);
			if (memcmp(prev, h->prev_digest, sizeof prev))
				jdiex(EX_DATAERR, "%s: previous digest does not match", argv[i]);
		} else {
			memcpy(lineage, h->lineage, sizeof lineage);
		}
		while ((rc = jseg_next(s, &r, &e)) == 1)
			if (!quiet)
				printf("%llu\t%.*s\n", (unsigned long long)r.lsn, (int)r.len,
				    (const char *)r.data);
		if (rc < 0)
			jdiex(EX_DATAERR, "%s: %s", argv[i], e.msg);
		if (jseg_torn(s))
			jdiex(EX_DATAERR, "%s: torn tail of %llu bytes", argv[i],
			    (unsigned long long)jseg_torn(s));
		t = jseg_trailer(s);
		seq = h->seq;
		lsn = jseg_last_lsn(s);
		have = 1;
		if (t) {
			memcpy(prev, t->digest, sizeof prev);
			final = (t->flags & JFMT_FINAL) != 0;
		} else if (i + 1 < argc) {
			jdiex(EX_DATAERR, "%s: a live journal must come last", argv[i]);
		}
		jseg_close(s);
	}
	if (fflush(stdout) != 0)
		jdie(EX_IOERR, "stdout");
	return 0;
}
