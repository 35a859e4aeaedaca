/*
 * jmrec: write one segment (or a live journal) whose records are given on standard input,
 * for tests that need particular payloads before jappend and jrotate exist.
 *
 *   jmrec [-t TIMELINE] [-s SEQ] [-l FIRSTLSN] [-p PREVHEX] [-L LINEAGEHEX] [-T sql|raw]
 *         [-c TIME] [-F] [-W] FILE < records
 *
 * Records are NUL-terminated on standard input. -W writes a live journal (no trailer);
 * otherwise the segment is sealed (-F: final). -c gives every record the commit time TIME
 * (ns since the epoch) instead of the clock's. The lineage defaults to 16 bytes of 0x11, as
 * jmgen's, so that the two make one chain. Prints the digest (hex) on stderr when sealed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "digest.h"
#include "report.h"
#include "fmt.h"
#include "journal.h"
#include "seg.h"

int
main(int argc, char **argv)
{
	uint32_t tl = 1;
	uint64_t seq = 1, lsn = 1, when = 0;
	int type = JFMT_TYPE_SQL, final = 0, live = 0, c, fd;
	uint8_t prev[JDIGEST_LEN] = { 0 }, lineage[JFMT_LINEAGE_LEN];
	struct jfmt_header h = { 0 };
	struct jfmt_trailer t;
	struct jjsegment *w;
	struct jerr e;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	jerr_init(argv[0]);
	memset(lineage, 0x11, sizeof lineage);
	while ((c = getopt(argc, argv, "t:s:l:p:L:T:c:FW")) != -1) {
		switch (c) {
		case 't': tl = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': seq = strtoull(optarg, NULL, 10); break;
		case 'l': lsn = strtoull(optarg, NULL, 10); break;
		case 'p': if (jdigest_unhex(optarg, prev, sizeof prev) < 0) jdiex(EX_USAGE, "bad -p"); break;
		case 'L': if (jdigest_unhex(optarg, lineage, sizeof lineage) < 0) jdiex(EX_USAGE, "bad -L"); break;
		case 'T': type = jfmt_type_parse(optarg); break;
		case 'c': when = strtoull(optarg, NULL, 10); break;
		case 'F': final = 1; break;
		case 'W': live = 1; break;
		default: jusage("jmrec [-t TL] [-s SEQ] [-l LSN] [-p PREV] [-L LINEAGE] [-T TYPE] [-F] "
		             "[-W] FILE", EX_USAGE);
		}
	}
	if (argc - optind != 1 || type < 0)
		jusage("jmrec [options] FILE", EX_USAGE);
	if ((fd = open(argv[optind], O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
		jdie(EX_CANTCREAT, "%s", argv[optind]);
	h.timeline = tl;
	h.seq = seq;
	h.first_lsn = lsn;
	h.created = jclock_now();
	memcpy(h.lineage, lineage, sizeof lineage);
	memcpy(h.prev_digest, prev, sizeof prev);
	if (jjournal_segment_begin(fd, argv[optind], &h, 0, &w, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	while ((len = getdelim(&line, &cap, '\0', stdin)) > 0) {
		struct jseg_rec r = { .type = (uint8_t)type, .lsn = lsn++,
		                  .time = when ? when : jclock_now(), .data = (uint8_t *)line };
		if (line[len - 1] == '\0')
			len--;
		r.len = (uint32_t)len;
		if (jjournal_segment_add(w, &r, &e) < 0)
			jdiex(e.code, "%s", e.msg);
	}
	if (!live) {
		char hex[JDIGEST_HEX];
		if (jjournal_segment_seal(w, final ? JFMT_FINAL : 0, &t, &e) < 0)
			jdiex(e.code, "%s", e.msg);
		jdigest_hex(t.digest, JDIGEST_LEN, hex);
		fprintf(stderr, "%s\n", hex);
	}
	jjournal_segment_end(w);
	free(line);
	if (close(fd) != 0)
		jdie(EX_IOERR, "%s", argv[optind]);
	return 0;
}
