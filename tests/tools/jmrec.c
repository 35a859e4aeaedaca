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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "err.h"
#include "fmt.h"

int
main(int argc, char **argv)
{
	uint32_t tl = 1;
	uint64_t seq = 1, lsn = 1, n = 0, when = 0;
	int type = JFMT_TYPE_SQL, final = 0, live = 0, c;
	uint8_t prev[JDIGEST_LEN] = { 0 }, lineage[JFMT_LINEAGE_LEN], hb[JFMT_HEADER_SIZE];
	uint8_t tb[JFMT_TRAILER_SIZE], *fb;
	struct jfmt_header h = { 0 };
	struct jfmt_trailer t = { 0 };
	struct jdigest d;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t size = 0;
	FILE *f;

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
	if (!(f = fopen(argv[optind], "w")) || jdigest_init(&d) < 0)
		jdie(EX_CANTCREAT, "%s", argv[optind]);
	h.timeline = tl;
	h.seq = seq;
	h.first_lsn = lsn;
	h.created = jfmt_now();
	memcpy(h.lineage, lineage, sizeof lineage);
	memcpy(h.prev_digest, prev, sizeof prev);
	jfmt_header_encode(&h, hb);
	jdigest_update(&d, hb, sizeof hb);
	fwrite(hb, 1, sizeof hb, f);
	size += sizeof hb;
	while ((len = getdelim(&line, &cap, '\0', stdin)) > 0) {
		struct jfmt_rec r = { .type = (uint8_t)type, .lsn = lsn++,
		                      .time = when ? when : jfmt_now() };
		size_t fl;
		if (line[len - 1] == '\0')
			len--;
		r.len = (uint32_t)len;
		if (!(fb = malloc((size_t)len + JFMT_REC_OVERHEAD)))
			jdie(EX_OSERR, "malloc");
		fl = jfmt_rec_build(&r, line, fb);
		jdigest_update(&d, fb, fl);
		fwrite(fb, 1, fl, f);
		free(fb);
		size += fl;
		n++;
	}
	if (!live) {
		char hex[JDIGEST_HEX];
		t.records = n;
		t.last_lsn = lsn - 1;
		t.sealed = jfmt_now();
		t.flags = final ? JFMT_FINAL : 0;
		t.size = size + JFMT_TRAILER_SIZE;
		jfmt_trailer_encode(&t, tb);
		jdigest_update(&d, tb, JFMT_TRAILER_SIZE - JDIGEST_LEN);
		jdigest_final(&d, prev);
		memcpy(tb + JFMT_TRAILER_SIZE - JDIGEST_LEN, prev, JDIGEST_LEN);
		fwrite(tb, 1, sizeof tb, f);
		jdigest_hex(prev, JDIGEST_LEN, hex);
		fprintf(stderr, "%s\n", hex);
	} else
		jdigest_free(&d);
	free(line);
	if (fclose(f) != 0)
		jdie(EX_IOERR, "%s", argv[optind]);
	return 0;
}
