/*
 * jmgen: write a valid chain of sealed segments directly with the format codec, for tests
 * and benchmarks that need segments without running the journal writer.
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

#include "digest.h"
#include "err.h"
#include "fmt.h"
#include "io.h"
#include "name.h"

int
main(int argc, char **argv)
{
	const char *name = "db";
	uint32_t tl = 1;
	uint64_t seq = 1, lsn = 1, records = 10, payload = 40, count;
	int type = JFMT_TYPE_SQL, final = 0, c;
	uint8_t prev[JDIGEST_LEN] = { 0 }, lineage[JFMT_LINEAGE_LEN];
	size_t cap = 1 << 20;
	uint8_t *buf, *pl;

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
	if (!(buf = malloc(cap + JFMT_REC_OVERHEAD)) || !(pl = malloc(cap)))
		jdie(EX_OSERR, "malloc");
	for (uint64_t s = 0; s < count; s++, seq++) {
		char path[4096], fn[512];
		struct jfmt_header h = { .timeline = tl, .seq = seq, .first_lsn = lsn,
		                         .created = jfmt_now() };
		struct jfmt_trailer t = { 0 };
		struct jdigest d;
		uint8_t hb[JFMT_HEADER_SIZE], tb[JFMT_TRAILER_SIZE];
		uint64_t size = 0;
		FILE *f;
		int fd;

		memcpy(h.lineage, lineage, sizeof lineage);
		memcpy(h.prev_digest, prev, sizeof prev);
		if (jname_segment(fn, sizeof fn, name, tl, seq, JCOMP_NONE) < 0)
			jdie(EX_USAGE, "segment name");
		snprintf(path, sizeof path, "%s/%s", argv[optind], fn);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640)) < 0)
			jdie(EX_CANTCREAT, "%s", path);
		if (!(f = fdopen(fd, "w")) || jdigest_init(&d) < 0)
			jdie(EX_OSERR, "fdopen");
		jfmt_header_encode(&h, hb);
		jdigest_update(&d, hb, sizeof hb);
		fwrite(hb, 1, sizeof hb, f);
		size += sizeof hb;
		for (uint64_t r = 0; r < records; r++, lsn++) {
			struct jfmt_rec fr = { .type = (uint8_t)type, .lsn = lsn, .time = jfmt_now() };
			int n;
			if (type == JFMT_TYPE_SQL && lsn == 1)
				n = snprintf((char *)pl, cap,
				    "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT);");
			else if (type == JFMT_TYPE_SQL) {
				n = snprintf((char *)pl, cap, "INSERT INTO t VALUES(%llu,'",
				    (unsigned long long)lsn);
				for (; (uint64_t)n + 3 < payload; n++)
					pl[n] = (uint8_t)('a' + (lsn + (uint64_t)n) % 26);
				n += snprintf((char *)pl + n, cap - (size_t)n, "');");
			} else {
				for (n = 0; (uint64_t)n < payload; n++)
					pl[n] = (uint8_t)(lsn * 7 + (uint64_t)n);
			}
			fr.len = (uint32_t)n;
			size_t fl = jfmt_rec_build(&fr, pl, buf);
			jdigest_update(&d, buf, fl);
			fwrite(buf, 1, fl, f);
			size += fl;
		}
		t.records = records;
		t.last_lsn = lsn - 1;
		t.sealed = jfmt_now();
		t.flags = final && s + 1 == count ? JFMT_FINAL : 0;
		t.size = size + JFMT_TRAILER_SIZE;
		jfmt_trailer_encode(&t, tb);
		jdigest_update(&d, tb, JFMT_TRAILER_SIZE - JDIGEST_LEN);
		jdigest_final(&d, prev);
		memcpy(tb + JFMT_TRAILER_SIZE - JDIGEST_LEN, prev, JDIGEST_LEN);
		fwrite(tb, 1, sizeof tb, f);
		if (fclose(f) != 0)
			jdie(EX_IOERR, "%s", path);
		printf("%s\n", path);
	}
	{
		char hex[JDIGEST_HEX];
		jdigest_hex(prev, JDIGEST_LEN, hex);
		fprintf(stderr, "%s\n", hex);
	}
	free(buf);
	free(pl);
	return jio_fshut(stdout) == 0 ? 0 : EX_IOERR;
}
