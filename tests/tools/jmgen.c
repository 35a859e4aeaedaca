/*
 * jmgen: write a valid chain of sealed segments with the journal module's segment writer,
 * for tests and benchmarks that need segments without running jappend and jrotate.
 *
 *   jmgen [-n NAME] [-t TIMELINE] [-s FIRSTSEQ] [-l FIRSTLSN] [-p PREVHEX] [-L LINEAGEHEX]
 *         [-r RECORDS] [-b PAYLOADBYTES] [-T sql|raw] [-F] DIR COUNT
 *
 * Writes COUNT segments NAME.TTTT-SSSS.journal into DIR, each with RECORDS records (default
 * 10). sql payloads are "INSERT INTO t VALUES(LSN,'xxx...');" padded to about PAYLOADBYTES,
 * after a first record "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT);" when
 * FIRSTLSN is 1. -F marks the last segment final. Prints each path, and on stderr the last
 * digest (hex), so that a later call can continue the chain with -p.
 * The lineage defaults to 16 bytes of 0x11 so that separate calls make one chain.
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
#include "io.h"
#include "journal.h"
#include "name.h"
#include "seg.h"

/* The payload of record lsn into pl (cap bytes): its length. */
static uint32_t
fill(uint8_t *pl, size_t cap, int type, uint64_t lsn, uint64_t payload)
{
	int n;

	if (type == JFMT_TYPE_SQL && lsn == 1)
		return (uint32_t)snprintf((char *)pl, cap,
		    "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT);");
	if (type == JFMT_TYPE_SQL) {
		n = snprintf((char *)pl, cap, "INSERT INTO t VALUES(%llu,'", (unsigned long long)lsn);
		for (; (uint64_t)n + 3 < payload; n++)
			pl[n] = (uint8_t)('a' + (lsn + (uint64_t)n) % 26);
		return (uint32_t)(n + snprintf((char *)pl + n, cap - (size_t)n, "');"));
	}
	for (n = 0; (uint64_t)n < payload; n++)
		pl[n] = (uint8_t)(lsn * 7 + (uint64_t)n);
	return (uint32_t)n;
}

int
main(int argc, char **argv)
{
	const char *name = "db";
	uint32_t tl = 1;
	uint64_t seq = 1, lsn = 1, records = 10, payload = 40, count;
	int type = JFMT_TYPE_SQL, final = 0, c;
	uint8_t prev[JDIGEST_LEN] = { 0 }, lineage[JFMT_LINEAGE_LEN];
	size_t cap = 1 << 20;
	uint8_t *pl;

	jerr_init(argv[0]);
	memset(lineage, 0x11, sizeof lineage);
	while ((c = getopt(argc, argv, "n:t:s:l:p:L:r:b:T:F")) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 't': tl = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': seq = strtoull(optarg, NULL, 10); break;
		case 'l': lsn = strtoull(optarg, NULL, 10); break;
		case 'p': if (jdigest_unhex(optarg, prev, sizeof prev) < 0) jdiex(EX_USAGE, "bad -p"); break;
		case 'L': if (jdigest_unhex(optarg, lineage, sizeof lineage) < 0) jdiex(EX_USAGE, "bad -L"); break;
		case 'r': records = strtoull(optarg, NULL, 10); break;
		case 'b': payload = strtoull(optarg, NULL, 10); break;
		case 'T': type = jfmt_type_parse(optarg); break;
		case 'F': final = 1; break;
		default: jusage("jmgen [-n NAME] [-t TL] [-s SEQ] [-l LSN] [-p PREV] [-L LINEAGE] "
		             "[-r RECORDS] [-b BYTES] [-T TYPE] [-F] DIR COUNT", EX_USAGE);
		}
	}
	if (argc - optind != 2 || type < 0)
		jusage("jmgen [options] DIR COUNT", EX_USAGE);
	count = strtoull(argv[optind + 1], NULL, 10);
	if (payload + 64 > cap)
		cap = payload + 64;
	if (!(pl = malloc(cap)))
		jdie(EX_OSERR, "malloc");
	for (uint64_t s = 0; s < count; s++, seq++) {
		char path[4096], fn[512];
		struct jfmt_header h = { .timeline = tl, .seq = seq, .first_lsn = lsn,
		                         .created = jclock_now() };
		struct jfmt_trailer t;
		struct jjsegment *w;
		struct jerr e;
		int fd;

		memcpy(h.lineage, lineage, sizeof lineage);
		memcpy(h.prev_digest, prev, sizeof prev);
		if (jname_segment(fn, sizeof fn, name, tl, seq, JCOMP_NONE) < 0)
			jdie(EX_USAGE, "segment name");
		snprintf(path, sizeof path, "%s/%s", argv[optind], fn);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640)) < 0)
			jdie(EX_CANTCREAT, "%s", path);
		if (jjournal_segment_begin(fd, path, &h, 0, &w, &e) < 0)
			jdiex(e.code, "%s", e.msg);
		for (uint64_t r = 0; r < records; r++, lsn++) {
			struct jseg_rec fr = { .type = (uint8_t)type, .lsn = lsn, .time = jclock_now(),
			                   .data = pl };
			fr.len = fill(pl, cap, type, lsn, payload);
			if (jjournal_segment_add(w, &fr, &e) < 0)
				jdiex(e.code, "%s", e.msg);
		}
		if (jjournal_segment_seal(w, final && s + 1 == count ? JFMT_FINAL : 0, &t, &e) < 0)
			jdiex(e.code, "%s", e.msg);
		jjournal_segment_end(w);
		memcpy(prev, t.digest, sizeof prev);
		if (close(fd) != 0)
			jdie(EX_IOERR, "%s", path);
		printf("%s\n", path);
	}
	{
		char hex[JDIGEST_HEX];
		jdigest_hex(prev, JDIGEST_LEN, hex);
		fprintf(stderr, "%s\n", hex);
	}
	free(pl);
	return jio_fshut(stdout) == 0 ? 0 : EX_IOERR;
}
