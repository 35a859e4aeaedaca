/* seg: the streaming reader against every kind of damage a segment can suffer. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "digest.h"
#include "fmt.h"
#include "name.h"
#include "seg.h"
#include "unit.h"
#include "zio.h"

#define NREC 3

static const char *payloads[NREC] = { "CREATE TABLE t(x);", "", "INSERT INTO t VALUES('a\nb');" };

/* A segment (trailer != 0) or live journal of NREC records in buf; returns its size. */
static size_t
build(uint8_t *buf, int trailer, uint32_t flags)
{
	struct jfmt_header h = { .timeline = 1, .seq = 1, .first_lsn = 1, .created = 1000 };
	struct jfmt_trailer t = { .records = NREC, .last_lsn = NREC, .sealed = 2000, .flags = flags };
	struct jdigest d;
	size_t n = 0;

	memset(h.lineage, 0xab, sizeof h.lineage);
	jfmt_header_encode(&h, buf);
	n = JFMT_HEADER_SIZE;
	for (int i = 0; i < NREC; i++) {
		struct jfmt_rec_head r = { .len = (uint32_t)strlen(payloads[i]), .type = JFMT_TYPE_SQL,
		                      .lsn = (uint64_t)i + 1, .time = 1500 + (uint64_t)i };
		n += jfmt_rec_build(&r, payloads[i], buf + n);
	}
	if (!trailer)
		return n;
	t.size = n + JFMT_TRAILER_SIZE;
	jfmt_trailer_encode(&t, buf + n);
	ck_assert_int_eq(jdigest_init(&d), 0);
	jdigest_update(&d, buf, n + JFMT_TRAILER_SIZE - JDIGEST_LEN);
	jdigest_final(&d, buf + n + JFMT_TRAILER_SIZE - JDIGEST_LEN);
	return n + JFMT_TRAILER_SIZE;
}

static char *dir;

static char *
path(const char *base)
{
	static char p[4096];

	snprintf(p, sizeof p, "%s/%s", dir, base);
	return p;
}

static void setup(void) { dir = unit_tmpdir(); }
static void teardown(void) { unit_rmrf(dir); free(dir); }

/* Read a whole file; returns jseg_verify's result and the records seen in *nrec. */
static int
readall(const char *p, int mode, uint64_t *nrec, uint64_t *torn, struct jerr *e)
{
	struct jseg *s;
	struct jseg_rec r;
	int rc;

	*nrec = 0;
	if (jseg_open(p, mode, &s, e) < 0)
		return -1;
	while ((rc = jseg_next(s, &r, e)) == 1) {
		ck_assert_uint_eq(r.lsn, *nrec + 1);
		ck_assert_uint_le(r.len, JFMT_MAX_PAYLOAD);
		(*nrec)++;
	}
	if (torn)
		*torn = jseg_torn(s);
	jseg_close(s);
	return rc;
}

START_TEST(round_trip)
{
	uint8_t buf[4096];
	size_t n = build(buf, 1, JFMT_FINAL);
	const char *p = path("db.0001-000000000001.journal");
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jseg *s;
	struct jseg_rec r;
	struct jerr e;
	int i = 0, rc;

	ck_assert_int_eq(unit_write_file(p, buf, n), 0);
	ck_assert_int_eq(jseg_open(p, JSEG_AUTO, &s, &e), 0);
	ck_assert_int_eq(jseg_mode(s), JSEG_SEALED);
	ck_assert_uint_eq(jseg_header(s)->seq, 1);
	while ((rc = jseg_next(s, &r, &e)) == 1) {
		ck_assert_uint_eq(r.len, strlen(payloads[i]));
		ck_assert(memcmp(r.data, payloads[i], r.len) == 0);
		ck_assert_uint_eq(r.time, 1500 + (uint64_t)i);
		ck_assert_uint_eq(r.type, JFMT_TYPE_SQL);
		i++;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(i, NREC);
	ck_assert_ptr_nonnull(jseg_trailer(s));
	ck_assert_uint_eq(jseg_trailer(s)->flags, JFMT_FINAL);
	ck_assert_uint_eq(jseg_trailer(s)->size, n);
	ck_assert_uint_eq(jseg_offset(s), n);
	ck_assert_int_eq(jseg_next(s, &r, &e), 0);      /* stays at the end */
	jseg_close(s);
	ck_assert_int_eq(jseg_verify(p, JSEG_SEALED, &h, &t, &e), 0);
	ck_assert_uint_eq(t.records, NREC);
	ck_assert_int_eq(jseg_probe(p, &h, &t, &e), 1);
	ck_assert_int_eq(jseg_probe(p, NULL, NULL, &e), 1);
	/* a sealed segment read as live (a rotation that died after writing the trailer) */
	ck_assert_int_eq(jseg_verify(p, JSEG_LIVE, &h, &t, &e), 0);
	ck_assert_uint_eq(t.records, NREC);
}
END_TEST

/* Flipping any bit pattern of any single byte of a sealed segment is detected. */
START_TEST(every_byte_sealed)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff, 0x20 };
	uint8_t buf[4096], bad[4096];
	size_t n = build(buf, 1, 0);
	const char *p = path("db.0001-000000000001.journal");
	struct jerr e;
	uint64_t nrec;

	for (size_t i = 0; i < n; i++)
		for (size_t m = 0; m < sizeof masks; m++) {
			memcpy(bad, buf, n);
			bad[i] ^= masks[m];
			ck_assert_int_eq(unit_write_file(p, bad, n), 0);
			if (readall(p, JSEG_AUTO, &nrec, NULL, &e) != -1)
				ck_abort_msg("flip 0x%02x at offset %zu not detected", masks[m], i);
			ck_assert_int_eq(e.code, EX_DATAERR);
			ck_assert_int_eq(strncmp(e.msg, "offset ", 7), 0);
			ck_assert_int_ne(jseg_verify(p, JSEG_SEALED, NULL, NULL, &e), 0);
		}
}
END_TEST

/*
 * In a live journal a damaged byte fails the read, or, in the last record (where it cannot
 * be told from a torn write), ends it early: never a wrong record.
 */
START_TEST(every_byte_live)
{
	uint8_t buf[4096], bad[4096];
	size_t n = build(buf, 0, 0), last = n - JFMT_REC_OVERHEAD - strlen(payloads[NREC - 1]);
	const char *p = path("db.journal");
	struct jerr e;
	uint64_t nrec;
	int rc;

	for (size_t i = 0; i < n; i++) {
		memcpy(bad, buf, n);
		bad[i] ^= 0x04;
		ck_assert_int_eq(unit_write_file(p, bad, n), 0);
		rc = readall(p, JSEG_AUTO, &nrec, NULL, &e);
		if (i < last && rc != -1)
			ck_abort_msg("flip at offset %zu, before the last record, not an error", i);
		if (rc == 0 && nrec >= NREC)
			ck_abort_msg("flip at offset %zu of a live journal not noticed", i);
	}
}
END_TEST

START_TEST(truncated_sealed)
{
	uint8_t buf[4096];
	size_t n = build(buf, 1, 0);
	const char *p = path("db.0001-000000000001.journal");
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jerr e;
	uint64_t nrec;

	for (size_t len = 0; len < n; len++) {
		ck_assert_int_eq(unit_write_file(p, buf, len), 0);
		if (readall(p, JSEG_AUTO, &nrec, NULL, &e) != -1)
			ck_abort_msg("truncation to %zu bytes not detected", len);
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_int_ne(jseg_probe(p, &h, &t, &e), 1);
	}
	/* one byte too many */
	buf[n] = 0;
	ck_assert_int_eq(unit_write_file(p, buf, n + 1), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_str_eq(e.msg + strlen(e.msg) - strlen("data after the trailer"),
	    "data after the trailer");
}
END_TEST

/* A live journal cut anywhere after its header reads as its complete records. */
START_TEST(truncated_live)
{
	uint8_t buf[4096];
	size_t n = build(buf, 0, 0), ends[NREC + 1], k = 0;
	const char *p = path("db.journal");
	struct jerr e;
	uint64_t nrec, torn;

	ends[k++] = JFMT_HEADER_SIZE;
	for (int i = 0; i < NREC; i++)
		ends[k] = ends[k - 1] + JFMT_REC_OVERHEAD + strlen(payloads[i]), k++;
	ck_assert_uint_eq(ends[NREC], n);
	for (size_t len = 0; len <= n; len++) {
		uint64_t want = 0;
		ck_assert_int_eq(unit_write_file(p, buf, len), 0);
		if (len < JFMT_HEADER_SIZE) {
			ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, &torn, &e), -1);
			continue;
		}
		while (want < NREC && ends[want + 1] <= len)
			want++;
		if (readall(p, JSEG_AUTO, &nrec, &torn, &e) != 0)
			ck_abort_msg("live journal cut at %zu: %s", len, e.msg);
		ck_assert_uint_eq(nrec, want);
		ck_assert_uint_eq(torn, len - ends[want]);
	}
	/* the same cuts of a sealed segment's trailer are tolerated in a live journal */
	n = build(buf, 1, 0);
	for (size_t len = n - JFMT_TRAILER_SIZE; len < n; len++) {
		ck_assert_int_eq(unit_write_file(p, buf, len), 0);
		ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, &torn, &e), 0);
		ck_assert_uint_eq(nrec, NREC);
	}
}
END_TEST

/* A power loss can leave zeros at the end, longer than the reader's buffer. */
START_TEST(zero_tail)
{
	size_t zeros = 600 * 1024;
	uint8_t *buf = calloc(1, 4096 + zeros + 16);
	size_t n = build(buf, 0, 0), m;
	const char *p = path("db.journal");
	struct jerr e;
	uint64_t nrec, torn;

	ck_assert_int_eq(unit_write_file(p, buf, n + zeros), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, &torn, &e), 0);
	ck_assert_uint_eq(nrec, NREC);
	ck_assert_uint_eq(torn, zeros);
	/* zeros and then the rest of a write is what a lost write leaves: torn too */
	buf[n + zeros + 3] = 1;
	ck_assert_int_eq(unit_write_file(p, buf, n + zeros + 8), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, &torn, &e), 0);
	ck_assert_uint_eq(torn, zeros + 8);
	/* but a record after fewer zeros than a record head is not a lost write: damage */
	{
		struct jfmt_rec_head r = { .len = 1, .type = JFMT_TYPE_SQL, .lsn = NREC + 2 };
		memset(buf + n, 0, JFMT_REC_HEAD - 1);
		m = n + JFMT_REC_HEAD - 1 + jfmt_rec_build(&r, "x", buf + n + JFMT_REC_HEAD - 1);
	}
	ck_assert_int_eq(unit_write_file(p, buf, m), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, &torn, &e), -1);
	{
		char want[128];
		snprintf(want, sizeof want, "offset %zu: record has type 0 (a valid record follows "
		    "at offset %zu)", n, n + JFMT_REC_HEAD - 1);
		ck_assert_str_eq(e.msg, want);
	}
	/* a damaged record followed by good ones is damage in a live journal too */
	n = build(buf, 0, 0);
	buf[JFMT_HEADER_SIZE + JFMT_REC_HEAD] ^= 1;
	ck_assert_int_eq(unit_write_file(p, buf, n), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, &torn, &e), -1);
	{
		char want[128];
		snprintf(want, sizeof want, "offset 128: record checksum mismatch (a valid record "
		    "follows at offset %zu)", JFMT_HEADER_SIZE + JFMT_REC_OVERHEAD + strlen(payloads[0]));
		ck_assert_str_eq(e.msg, want);
	}
	free(buf);
}
END_TEST

static void
put_record(uint8_t *at, uint32_t len, uint64_t lsn)
{
	struct jfmt_rec_head r = { .len = len, .type = JFMT_TYPE_RAW, .lsn = lsn, .time = 1 };

	jfmt_rec_encode(&r, at);
}

/* A huge length field is refused without allocating it; a large one reads no further. */
START_TEST(huge_length)
{
	uint8_t buf[4096];
	size_t n = build(buf, 0, 0);
	const char *p = path("db.0001-000000000001.journal");
	struct jerr e;
	uint64_t nrec;
	char want[128];

	put_record(buf + n, 0xfffffff0u, NREC + 1);
	ck_assert_int_eq(unit_write_file(p, buf, n + 64), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	snprintf(want, sizeof want, "offset %zu: record length 4294967280 exceeds the limit of %u",
	    n, JFMT_MAX_PAYLOAD);
	ck_assert_str_eq(e.msg, want);
	put_record(buf + n, JFMT_MAX_PAYLOAD, NREC + 1);
	ck_assert_int_eq(unit_write_file(p, buf, n + 64), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_uint_eq(nrec, NREC);
	ck_assert_ptr_nonnull(strstr(e.msg, "truncated record"));
	/* a damaged length in a live journal, pointing past the end, with records after it */
	{
		uint8_t live[4096];
		size_t m = build(live, 0, 0);
		jfmt_put32(live + JFMT_HEADER_SIZE, 1000);
		ck_assert_int_eq(unit_write_file(path("db.journal"), live, m), 0);
		ck_assert_int_eq(readall(path("db.journal"), JSEG_AUTO, &nrec, NULL, &e), -1);
		snprintf(want, sizeof want, "offset 128: record length 1000 runs past the end (a "
		    "valid record follows at offset %zu)", JFMT_HEADER_SIZE + JFMT_REC_OVERHEAD +
		    strlen(payloads[0]));
		ck_assert_str_eq(e.msg, want);
	}
	/* in a live journal the same large frame at the end is a torn tail */
	ck_assert_int_eq(unit_write_file(path("db.journal"), buf, n + 64), 0);
	ck_assert_int_eq(readall(path("db.journal"), JSEG_AUTO, &nrec, NULL, &e), 0);
	ck_assert_uint_eq(nrec, NREC);
}
END_TEST

/* Version 1 files (jmirror 0.1.0) read as before; their batch field must stay 0. */
START_TEST(version_1)
{
	uint8_t buf[4096];
	size_t n = build(buf, 0, 0);
	const char *p = path("db.journal");
	struct jfmt_header h;
	struct jerr e;
	uint64_t nrec, torn;

	ck_assert_int_eq(jfmt_header_decode(buf, &h, &e), 0);
	ck_assert_uint_eq(h.version, JFMT_VERSION);
	h.version = 1;
	jfmt_header_encode(&h, buf);
	ck_assert_int_eq(unit_write_file(p, buf, n), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, &torn, &e), 0);
	ck_assert_uint_eq(nrec, NREC);
	/* a batch field in the middle record: damage in version 1, not in version 2 */
	buf[JFMT_HEADER_SIZE + JFMT_REC_OVERHEAD + strlen(payloads[0]) + 6] = 1;
	ck_assert_int_eq(unit_write_file(p, buf, n), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, &torn, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "unknown flags or reserved bytes"));
}
END_TEST

START_TEST(lsn_sequence)
{
	uint8_t buf[4096];
	size_t n = build(buf, 0, 0);
	const char *p = path("db.journal");
	struct jfmt_rec_head r = { .len = 1, .type = JFMT_TYPE_RAW, .lsn = NREC + 2, .time = 1 };
	struct jerr e;
	uint64_t nrec;

	n += jfmt_rec_build(&r, "x", buf + n);
	ck_assert_int_eq(unit_write_file(p, buf, n), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "LSN out of sequence"));
}
END_TEST

/* Convert every LF to CR LF, or every CR LF to LF, as an ASCII-mode transfer does. */
static size_t
crlf(const uint8_t *in, size_t n, uint8_t *out, int to_crlf)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (to_crlf && in[i] == '\n')
			out[o++] = '\r';
		if (!to_crlf && in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
			continue;
		out[o++] = in[i];
	}
	return o;
}

START_TEST(ascii_transfer)
{
	uint8_t buf[4096], out[8192];
	size_t n = build(buf, 1, 0), m;
	const char *p = path("db.0001-000000000001.journal");
	struct jerr e;
	uint64_t nrec;

	m = crlf(buf, n, out, 1);
	ck_assert_int_eq(unit_write_file(p, out, m), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "offset 0: bad magic: LF converted to CR/LF (ASCII-mode transfer)");
	m = crlf(buf, n, out, 0);
	ck_assert_int_eq(unit_write_file(p, out, m), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "offset 0: bad magic: CR/LF converted to LF (ASCII-mode transfer)");
	/* even when the damaged copy is shorter than a header */
	ck_assert_int_eq(unit_write_file(p, out, 20), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "offset 0: bad magic: CR/LF converted to LF (ASCII-mode transfer)");
	out[0] &= 0x7f;
	ck_assert_int_eq(unit_write_file(p, buf, n), 0);
	memcpy(out, buf, n);
	out[0] &= 0x7f;
	ck_assert_int_eq(unit_write_file(p, out, n), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "offset 0: bad magic: high bit stripped (7-bit transfer)");
	ck_assert_int_eq(unit_write_file(p, "hello", 5), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "offset 0: not a jmirror journal (bad magic)");
	ck_assert_int_eq(unit_write_file(p, "", 0), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "offset 0: truncated: 0 bytes, shorter than a header");
	ck_assert_int_eq(jseg_open(path("missing.journal"), JSEG_AUTO, &(struct jseg *){ 0 }, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
}
END_TEST

static int
fd_sink(void *arg, const void *buf, size_t n)
{
	return write(*(int *)arg, buf, n) == (ssize_t)n ? 0 : -1;
}

static void
compress_to(const char *p, int comp, const uint8_t *buf, size_t n)
{
	struct jzio_w *w;
	struct jerr e;
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(jzio_open_write(comp, 0, fd_sink, &fd, &w, &e), 0);
	ck_assert_int_eq(jzio_write(w, buf, n, &e), 0);
	ck_assert_int_eq(jzio_finish(w, &e), 0);
	close(fd);
}

START_TEST(compressed)
{
	uint8_t buf[4096];
	size_t n = build(buf, 1, 0);
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jerr e;
	uint64_t nrec;
	char *p;

	for (int c = JCOMP_ZSTD; c <= JCOMP_XZ; c++) {
		char base[128];
		jname_segment(base, sizeof base, "db", 1, 1, c);
		p = path(base);
		compress_to(p, c, buf, n);
		ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), 0);
		ck_assert_uint_eq(nrec, NREC);
		ck_assert_int_eq(jseg_probe(p, &h, &t, &e), 1);
		/* compressed with another method than the name says */
		compress_to(p, c == JCOMP_ZSTD ? JCOMP_GZIP : JCOMP_ZSTD, buf, n);
		ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
		ck_assert_ptr_nonnull(strstr(e.msg, "the name says"));
	}
	/* and the other way round: a compressed stream without its suffix */
	compress_to(path("db.0001-000000000002.journal"), JCOMP_XZ, buf, n);
	ck_assert_int_eq(readall(path("db.0001-000000000002.journal"), JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "offset 0: bad magic: compressed data (xz) under a name without "
	    "its suffix");
	p = path("db.0001-000000000001.journal.zst");
	ck_assert_int_eq(unit_write_file(p, buf, n), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "offset 0: the name says zstd, but the file is not compressed");
}
END_TEST

START_TEST(probe)
{
	uint8_t buf[4096];
	size_t n = build(buf, 1, 0);
	const char *p = path("db.0001-000000000001.journal");
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jerr e;

	ck_assert_int_eq(unit_write_file(p, buf, n - 1), 0);
	ck_assert_int_eq(jseg_probe(p, &h, &t, &e), 0);
	ck_assert_int_eq(unit_write_file(p, buf, 10), 0);
	ck_assert_int_eq(jseg_probe(p, &h, &t, &e), 0);
	ck_assert_int_eq(unit_write_file(p, "0123456789", 10), 0);
	ck_assert_int_eq(jseg_probe(p, &h, &t, &e), -1);
	ck_assert_int_eq(jseg_probe(path("nope.0001-000000000001.journal"), &h, &t, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
}
END_TEST

/* A version 3 file of n records whose continues flags are flags[i] (and batch 0); sealed
 * with trailer != 0. Record i's payload is "ri" (2 bytes); returns the size. */
static size_t
build_group(uint8_t *buf, const uint8_t *flags, int n, int trailer)
{
	struct jfmt_header h = { .version = 3, .timeline = 1, .seq = 1, .first_lsn = 1, .created = 1 };
	struct jfmt_trailer t = { .records = (uint64_t)n, .last_lsn = (uint64_t)n, .sealed = 2 };
	struct jdigest d;
	size_t len = JFMT_HEADER_SIZE;

	jfmt_header_encode(&h, buf);
	for (int i = 0; i < n; i++) {
		char p[2] = { 'r', (char)('0' + i) };
		struct jfmt_rec_head r = { .len = 2, .type = JFMT_TYPE_ROW, .lsn = (uint64_t)i + 1,
		                           .flags = flags[i] };
		len += jfmt_rec_build(&r, p, buf + len);
	}
	if (!trailer)
		return len;
	t.size = len + JFMT_TRAILER_SIZE;
	jfmt_trailer_encode(&t, buf + len);
	ck_assert_int_eq(jdigest_init(&d), 0);
	jdigest_update(&d, buf, len + JFMT_TRAILER_SIZE - JDIGEST_LEN);
	jdigest_final(&d, buf + len + JFMT_TRAILER_SIZE - JDIGEST_LEN);
	return len + JFMT_TRAILER_SIZE;
}

#define C JFMT_REC_CONTINUES
#define RECSZ (JFMT_REC_OVERHEAD + 2)

/* Groups in sealed segments: read whole, flags returned; ending inside one is damage. */
START_TEST(group_sealed)
{
	static const uint8_t whole[] = { 0, C, C, 0 }, open_end[] = { 0, C };
	uint8_t buf[4096];
	const char *p = path("db.0001-000000000001.journal");
	struct jseg_rec r;
	struct jseg *s;
	struct jerr e;
	uint64_t nrec;
	size_t n;
	int i = 0, rc;

	ck_assert_int_eq(unit_write_file(p, buf, build_group(buf, whole, 4, 1)), 0);
	ck_assert_int_eq(jseg_open(p, JSEG_AUTO, &s, &e), 0);
	while ((rc = jseg_next(s, &r, &e)) == 1)
		ck_assert_uint_eq(r.flags, whole[i++]);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(i, 4);
	jseg_close(s);
	ck_assert_int_eq(unit_write_file(p, buf, build_group(buf, open_end, 2, 1)), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "offset 188: the segment ends inside a group (its last record "
	    "says the group continues)");
	/* a version 2 file has no groups: the flag is damage there */
	n = build_group(buf, whole, 4, 1);
	jfmt_put16(buf + 8, 2);
	jfmt_put32(buf + 124, jcrc32c(0, buf, 124));
	ck_assert_int_eq(unit_write_file(p, buf, n), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "offset 158: record has unknown flags or reserved bytes set");
}
END_TEST

/* Live journals: a group is returned only once its last record is there; an incomplete
 * one at the end, torn or whole, is part of the torn tail, cut back to its first record. */
START_TEST(group_live)
{
	static const uint8_t flags[] = { 0, C, C, 0, C, C };
	uint8_t buf[4096];
	const char *p = path("db.journal");
	struct jerr e;
	uint64_t nrec, torn;
	size_t n = build_group(buf, flags, 6, 0);

	for (size_t len = JFMT_HEADER_SIZE; len <= n; len++) {
		size_t whole = (len - JFMT_HEADER_SIZE) / RECSZ;
		uint64_t want = whole >= 4 ? 4 : whole >= 1 ? 1 : 0;

		ck_assert_int_eq(unit_write_file(p, buf, len), 0);
		if (readall(p, JSEG_AUTO, &nrec, &torn, &e) != 0)
			ck_abort_msg("cut at %zu: %s", len, e.msg);
		ck_assert_msg(nrec == want, "cut at %zu: %llu records", len,
		    (unsigned long long)nrec);
		ck_assert_uint_eq(torn, len - JFMT_HEADER_SIZE - want * RECSZ);
	}
}
END_TEST

/* A record damaged inside a group, with a valid record after it, is damage, not a tail. */
START_TEST(group_live_damage)
{
	static const uint8_t flags[] = { 0, C, C, 0 };
	uint8_t buf[4096];
	const char *p = path("db.journal");
	struct jerr e;
	uint64_t nrec;
	size_t n = build_group(buf, flags, 4, 0);

	buf[JFMT_HEADER_SIZE + 2 * RECSZ + JFMT_REC_HEAD] ^= 1;       /* record 3's payload */
	ck_assert_int_eq(unit_write_file(p, buf, n), 0);
	ck_assert_int_eq(readall(p, JSEG_AUTO, &nrec, NULL, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_uint_eq(nrec, 1);
	ck_assert_msg(strstr(e.msg, "record checksum mismatch") != NULL, "%s", e.msg);
}
END_TEST

/* The writer's and rotator's way of reading (pread, then resume under the lock): a group
 * still being written is left for later, and read whole once its last record is there. */
START_TEST(group_resume)
{
	static const uint8_t flags[] = { 0, C, C, 0 };
	uint8_t buf[4096];
	const char *p = path("db.journal");
	size_t n = build_group(buf, flags, 4, 0);
	struct jseg_rec r;
	struct jseg *s;
	struct jerr e;
	int fd, got = 0, rc;

	ck_assert_int_eq(unit_write_file(p, buf, n - RECSZ), 0);
	ck_assert_int_ge((fd = open(p, O_RDWR)), 0);
	ck_assert_int_eq(jseg_open_pread(fd, NULL, &s, &e), 0);
	while ((rc = jseg_next(s, &r, &e)) == 1)
		got++;
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(got, 1);
	ck_assert_uint_eq(jseg_end(s), JFMT_HEADER_SIZE + RECSZ);
	ck_assert_uint_eq(jseg_torn(s), 2 * RECSZ);
	ck_assert_int_eq(pwrite(fd, buf + n - RECSZ, RECSZ, (off_t)(n - RECSZ)), RECSZ);
	ck_assert_int_eq(jseg_resume(s), 0);
	while ((rc = jseg_next(s, &r, &e)) == 1)
		ck_assert_uint_eq(r.flags, flags[got++]);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(got, 4);
	ck_assert_uint_eq(jseg_torn(s), 0);
	ck_assert_uint_eq(jseg_end(s), n);
	jseg_close(s);
	close(fd);
}
END_TEST

Suite *
suite_seg(void)
{
	Suite *s = suite_create("seg");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, every_byte_sealed);
	tcase_add_test(tc, every_byte_live);
	tcase_add_test(tc, truncated_sealed);
	tcase_add_test(tc, truncated_live);
	tcase_add_test(tc, zero_tail);
	tcase_add_test(tc, huge_length);
	tcase_add_test(tc, lsn_sequence);
	tcase_add_test(tc, version_1);
	tcase_add_test(tc, ascii_transfer);
	tcase_add_test(tc, compressed);
	tcase_add_test(tc, probe);
	tcase_add_test(tc, group_sealed);
	tcase_add_test(tc, group_live);
	tcase_add_test(tc, group_live_damage);
	tcase_add_test(tc, group_resume);
	suite_add_tcase(s, tc);
	return s;
}
