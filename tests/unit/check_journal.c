#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"
#include "seg.h"
#include "unit.h"

static char *dir;
static char jpath[4096];

static void
setup(void)
{
	dir = unit_tmpdir();
	snprintf(jpath, sizeof jpath, "%s/db.journal", dir);
}

static void
teardown(void)
{
	unit_rmrf(dir);
	free(dir);
}

static char *
segname(uint64_t seq)
{
	static char p[4096];

	snprintf(p, sizeof p, "%s/db.0001-%012llu.journal", dir, (unsigned long long)seq);
	return p;
}

static void
append_strs(struct jjournal *j, int n, const char *prefix, uint64_t want_first)
{
	struct jjournal_payload r[64];
	char bufs[64][32];
	uint64_t first;
	struct jerr e;

	ck_assert_int_le(n, 64);
	for (int i = 0; i < n; i++) {
		snprintf(bufs[i], sizeof bufs[i], "%s%d", prefix, i);
		r[i].type = JFMT_TYPE_SQL;
		r[i].data = bufs[i];
		r[i].len = (uint32_t)strlen(bufs[i]);
	}
	ck_assert_msg(jjournal_append(j, r, (size_t)n, &first, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(first, want_first);
}

/* Read a file through with the streaming reader: records, first LSN; digest to prev. */
static uint64_t
read_all(const char *path, int mode, uint64_t *first, uint8_t *digest, uint32_t *flags)
{
	struct jseg *s;
	struct jseg_rec r;
	struct jerr e;
	uint64_t n = 0, lsn;
	int rc;

	ck_assert_msg(jseg_open(path, mode, &s, &e) == 0, "%s: %s", path, e.msg);
	lsn = jseg_header(s)->first_lsn;
	if (first)
		*first = lsn;
	while ((rc = jseg_next(s, &r, &e)) == 1) {
		ck_assert_uint_eq(r.lsn, lsn + n);
		n++;
	}
	ck_assert_msg(rc == 0, "%s: %s", path, e.msg);
	ck_assert_uint_eq(jseg_torn(s), 0);
	if (digest) {
		ck_assert_ptr_nonnull(jseg_trailer(s));
		memcpy(digest, jseg_trailer(s)->digest, JDIGEST_LEN);
		*flags = jseg_trailer(s)->flags;
	}
	jseg_close(s);
	return n;
}

/* Records a live journal's reader returns before it stops (it must not fail). */
static uint64_t
read_all_live(const char *path)
{
	struct jseg *s;
	struct jseg_rec r;
	struct jerr e;
	uint64_t n = 0;
	int rc;

	ck_assert_msg(jseg_open(path, JSEG_LIVE, &s, &e) == 0, "%s: %s", path, e.msg);
	while ((rc = jseg_next(s, &r, &e)) == 1)
		n++;
	ck_assert_msg(rc == 0, "%s: %s", path, e.msg);
	jseg_close(s);
	return n;
}

static off_t
fsize(const char *p)
{
	struct stat st;

	ck_assert_int_eq(stat(p, &st), 0);
	return st.st_size;
}

START_TEST(create_refuses)
{
	struct jerr e;
	char other[4096];

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_create(jpath, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_int_eq(fsize(jpath), JFMT_HEADER_SIZE);
	ck_assert_uint_eq(fsize(jpath) & 0, 0);
	/* A segment of the name without a live journal: no new lineage beside it. */
	snprintf(other, sizeof other, "%s/db.0001-000000000007.journal", dir);
	ck_assert_int_eq(rename(jpath, other), 0);
	ck_assert_int_eq(jjournal_create(jpath, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	snprintf(other, sizeof other, "%s/.hidden.journal", dir);
	ck_assert_int_eq(jjournal_create(other, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
}
END_TEST

START_TEST(round_trip)
{
	struct jjournal *j;
	struct jerr e;
	struct stat st;

	umask(0);
	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(stat(jpath, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	ck_assert_int_eq(jjournal_open(jpath, JJ_SYNC, &j, &e), 0);
	append_strs(j, 3, "a", 1);
	append_strs(j, 10, "b", 4);
	ck_assert_int_eq(jjournal_close(j, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, 1, "c", 14);
	ck_assert_int_eq(jjournal_close(j, &e), 0);
	ck_assert_uint_eq(read_all(jpath, JSEG_LIVE, NULL, NULL, NULL), 14);
	umask(022);
}
END_TEST

START_TEST(two_handles_interleave)
{
	struct jjournal *a, *b;
	struct jerr e;

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &a, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &b, &e), 0);
	append_strs(a, 2, "a", 1);
	append_strs(b, 2, "b", 3);
	append_strs(a, 1, "a", 5);
	jjournal_close(a, &e);
	jjournal_close(b, &e);
	ck_assert_uint_eq(read_all(jpath, JSEG_LIVE, NULL, NULL, NULL), 5);
}
END_TEST

START_TEST(torn_tail_cut)
{
	struct jjournal *j, *k;
	struct jerr e;
	off_t good;
	int fd;

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, 3, "a", 1);
	good = fsize(jpath);
	/* A writer killed mid-write: half a frame after the last record. */
	fd = open(jpath, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "\x10\0\0\0\x01\0\0\0\x04\0", 10), 10);
	close(fd);
	/* A fresh writer cuts it; so does one with a cached handle. */
	ck_assert_int_eq(jjournal_open(jpath, 0, &k, &e), 0);
	ck_assert_int_eq(fsize(jpath), good);
	fd = open(jpath, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, "garbage", 7), 7);
	close(fd);
	append_strs(j, 1, "b", 4);
	append_strs(k, 1, "c", 5);
	jjournal_close(j, &e);
	jjournal_close(k, &e);
	ck_assert_uint_eq(read_all(jpath, JSEG_LIVE, NULL, NULL, NULL), 5);
}
END_TEST

/* ---- the torn-tail rule, as the writer, the rotator and the reader apply it ---- */

#define SW_REC 32                           /* "aaaa": 28 + 4 bytes */
#define SW_END (JFMT_HEADER_SIZE + 4 * SW_REC)

static const char *sw_payload[4] = { "aaaa", "bbbb", "cccc", "dddd" };

/* The 4-record live journal of the sweep: four appends, or one (one batch). */
static void
sweep_journal(uint8_t *out, int one_batch)
{
	struct jjournal_payload r[4];
	struct jjournal *j;
	struct jerr e;
	uint8_t *got;
	size_t n;

	for (int i = 0; i < 4; i++)
		r[i] = (struct jjournal_payload){ JFMT_TYPE_SQL, sw_payload[i], 4 };
	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	if (one_batch)
		ck_assert_int_eq(jjournal_append(j, r, 4, NULL, &e), 0);
	else
		for (int i = 0; i < 4; i++)
			ck_assert_int_eq(jjournal_append(j, r + i, 1, NULL, &e), 0);
	jjournal_close(j, &e);
	ck_assert_ptr_nonnull(got = unit_read_file(jpath, &n));
	ck_assert_uint_eq(n, SW_END);
	memcpy(out, got, n);
	free(got);
	unlink(jpath);
}

/* Records of a live journal (or segment) as the reader sees them: count, or -1 refused. */
static int
sweep_read(const char *p, int mode, char payloads[][8])
{
	struct jseg *s;
	struct jseg_rec r;
	struct jerr e;
	int n = 0, rc;

	ck_assert_int_eq(jseg_open(p, mode, &s, &e), 0);
	while ((rc = jseg_next(s, &r, &e)) == 1) {
		ck_assert_uint_eq(r.lsn, (uint64_t)n + 1);
		ck_assert_uint_le(r.len, 7);
		memcpy(payloads[n], r.data, r.len);
		payloads[n++][r.len] = '\0';
	}
	jseg_close(s);
	if (rc < 0)
		ck_assert_int_eq(e.code, EX_DATAERR);
	return rc < 0 ? -1 : n;
}

/*
 * One damaged copy (the damage in record victim, 0-based): jappend's API, jrotate's and
 * jcat's reader must agree; only a damaged last record may go, and only that one.
 */
static void
sweep_case(const uint8_t *orig, const uint8_t *bad, int victim, const char *what)
{
	char p[8][8], seg[4096];
	struct jjrotate o = { 0 };
	struct jjournal_payload rec = { JFMT_TYPE_SQL, "eeee", 4 };
	struct jjournal *j;
	struct jerr e;
	uint64_t first = 0;
	uint8_t *now;
	size_t n;
	int seen, wrc, rrc;

	/* the reader */
	ck_assert_int_eq(unit_write_file(jpath, bad, SW_END), 0);
	seen = sweep_read(jpath, JSEG_LIVE, p);
	/* the writer */
	wrc = jjournal_open(jpath, 0, &j, &e);
	if (wrc == 0) {
		wrc = jjournal_append(j, &rec, 1, &first, &e);
		jjournal_close(j, NULL);
	}
	ck_assert_ptr_nonnull(now = unit_read_file(jpath, &n));
	if (wrc < 0) {
		ck_assert_msg(e.code == EX_DATAERR, "%s: %s", what, e.msg);
		ck_assert_msg(n == SW_END && memcmp(now, bad, n) == 0, "%s: changed", what);
		ck_assert_msg(seen == -1, "%s: the writer refused, the reader read %d", what, seen);
	} else {
		ck_assert_msg(victim == 3, "%s: cut, not the last record: %s", what, e.msg);
		ck_assert_msg(seen == 3, "%s: the writer cut, the reader read %d", what, seen);
		ck_assert_uint_eq(first, 4);
		ck_assert(memcmp(now, orig, JFMT_HEADER_SIZE + 3 * SW_REC) == 0);
		ck_assert_int_eq(sweep_read(jpath, JSEG_LIVE, p), 4);
		ck_assert_str_eq(p[2], "cccc");
		ck_assert_str_eq(p[3], "eeee");
	}
	free(now);
	/* the rotator: the same verdict */
	ck_assert_int_eq(unit_write_file(jpath, bad, SW_END), 0);
	rrc = jjournal_rotate(jpath, &o, seg, sizeof seg, &e);
	ck_assert_msg((rrc < 0) == (wrc < 0), "%s: jjournal_rotate %d, append %d", what, rrc, wrc);
	if (rrc < 0) {
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_ptr_nonnull(now = unit_read_file(jpath, &n));
		ck_assert_msg(n == SW_END && memcmp(now, bad, n) == 0, "%s: rotate changed", what);
		free(now);
	} else {
		ck_assert_int_eq(sweep_read(seg, JSEG_SEALED, p), 3);
		unlink(seg);
	}
	unlink(jpath);
}

static void
sweep(int one_batch)
{
	static const uint32_t lens[] = { 1000, 1u << 20, JFMT_MAX_PAYLOAD, 0xffffffffu };
	uint8_t orig[SW_END], bad[SW_END];
	char what[64];

	sweep_journal(orig, one_batch);
	for (size_t off = JFMT_HEADER_SIZE; off < SW_END; off++) {
		memcpy(bad, orig, sizeof bad);
		bad[off] ^= 0xff;
		snprintf(what, sizeof what, "%s, byte %zu flipped", one_batch ? "one batch" :
		    "four appends", off);
		sweep_case(orig, bad, (int)(off - JFMT_HEADER_SIZE) / SW_REC, what);
	}
	for (int rec = 0; rec < 4; rec++)
		for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
			memcpy(bad, orig, sizeof bad);
			jfmt_put32(bad + JFMT_HEADER_SIZE + rec * SW_REC, lens[k]);
			snprintf(what, sizeof what, "%s, record %d length %u", one_batch ?
			    "one batch" : "four appends", rec + 1, lens[k]);
			sweep_case(orig, bad, rec, what);
		}
}

/* Every byte flipped, every length field made large: the repro of the cut records. */
START_TEST(damage_sweep_appends)
{
	sweep(0);
}
END_TEST

/* The same inside one batch: damage there is no torn write either (no run of zeros). */
START_TEST(damage_sweep_batch)
{
	sweep(1);
}
END_TEST

/* ---- torn batches: what a power cut leaves of an unsynced write ---- */

/* Append n records as one write (n 1: one record), the first with LSN first. */
static off_t
append_batch(const char *prefix, int n, uint64_t first)
{
	struct jjournal *j;
	struct jerr e;

	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, n, prefix, first);
	jjournal_close(j, &e);
	return fsize(jpath);
}

/*
 * A journal with 2 records (s), then 3 single appends and a 12-record batch, none of them
 * synced; then what LazyFS's torn-op leaves of the batch's write in three parts: parts
 * not in persist are zeros (or cut off when they are the last), and when lost_before is
 * set the three single appends were lost too (zeros). The next writer must cut the torn
 * batch (keeping any whole records before the first bad byte) and go on with the next LSN.
 */
static void
torn_case(const char *persist, int lost_before, uint64_t want_kept)
{
	uint8_t *buf;
	size_t n, size, part;
	off_t synced, before, end;
	char what[64];

	ck_assert_int_eq(jjournal_create(jpath, NULL), 0);
	synced = append_batch("s", 2, 1);
	append_batch("x", 1, 3);
	append_batch("y", 1, 4);
	before = append_batch("z", 1, 5);
	end = append_batch("batch-record-", 12, 6);
	ck_assert_ptr_nonnull(buf = unit_read_file(jpath, &n));
	part = (size_t)(end - before) / 3;
	size = (size_t)end;
	for (int k = 0; k < 3; k++) {
		size_t from = (size_t)before + (size_t)k * part;
		size_t to = k == 2 ? (size_t)end : from + part;
		if (strchr(persist, '1' + k))
			continue;
		if (k == 2)
			size = from;
		else
			memset(buf + from, 0, to - from);
	}
	if (lost_before)
		memset(buf + synced, 0, (size_t)(before - synced));
	ck_assert_int_eq(unit_write_file(jpath, buf, size), 0);
	free(buf);
	snprintf(what, sizeof what, "persist=%s%s", persist, lost_before ? ", lost before" : "");
	/* the reader ignores the torn batch; the writer cuts it and goes on */
	ck_assert_msg(read_all_live(jpath) == want_kept, "%s: reader", what);
	append_batch("next", 1, want_kept + 1);
	ck_assert_uint_eq(read_all(jpath, JSEG_LIVE, NULL, NULL, NULL), want_kept + 1);
	unit_rmrf(dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
}

START_TEST(torn_batch_cut)
{
	/* 12 records of 42 bytes in 3 parts of 168: part 1 holds 4 whole records */
	torn_case("2,3", 0, 5);
	torn_case("1,3", 0, 9);
	torn_case("1,2", 0, 13);
	torn_case("2", 0, 5);
	torn_case("3", 0, 5);
	torn_case("1", 0, 9);
	torn_case("2,3", 1, 2);
	torn_case("1,3", 1, 2);
}
END_TEST

/* A one-record write that lost its first third: fewer zeros than a record head, but
 * nothing whole after them either; what LazyFS's torn-op leaves of a short append. */
START_TEST(torn_record_cut)
{
	uint8_t *buf;
	size_t n;
	off_t synced, end;

	ck_assert_int_eq(jjournal_create(jpath, NULL), 0);
	synced = append_batch("s", 2, 1);
	end = append_batch("next", 1, 3);
	ck_assert_ptr_nonnull(buf = unit_read_file(jpath, &n));
	memset(buf + synced, 0, (size_t)(end - synced) / 3);
	ck_assert_int_eq(unit_write_file(jpath, buf, n), 0);
	free(buf);
	ck_assert_uint_eq(read_all_live(jpath), 2);
	append_batch("after", 1, 3);
	ck_assert_uint_eq(read_all(jpath, JSEG_LIVE, NULL, NULL, NULL), 3);
}
END_TEST

/* Zeros followed by whole records of a later write are not a torn write: refused. */
START_TEST(torn_batch_refused)
{
	struct jjournal *j;
	struct jerr e;
	uint8_t *buf, *now;
	size_t n, m;
	off_t synced, mid;

	ck_assert_int_eq(jjournal_create(jpath, NULL), 0);
	synced = append_batch("s", 2, 1);
	mid = append_batch("first-write-", 6, 3);
	append_batch("second-write-", 6, 9);
	ck_assert_ptr_nonnull(buf = unit_read_file(jpath, &n));
	/* the first write's first half lost: its second half ends batch 3..8, then 9..14 */
	memset(buf + synced, 0, (size_t)(mid - synced) / 2);
	ck_assert_int_eq(unit_write_file(jpath, buf, n), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_ptr_nonnull(now = unit_read_file(jpath, &m));
	ck_assert(m == n && memcmp(now, buf, n) == 0);
	free(now);
	/* the same first write alone, torn the same way, is cut */
	ck_assert_int_eq(unit_write_file(jpath, buf, (size_t)mid), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	jjournal_close(j, &e);
	ck_assert_int_eq(fsize(jpath), synced);
	free(buf);
}
END_TEST

/* The batch field: version 2 counts down within a write, split at 65536 records; a
 * version 1 live journal gets 0 there until its rotation starts a version 2 successor. */
START_TEST(batch_field)
{
	size_t n = JFMT_MAX_BATCH + 1, len;
	struct jjournal_payload *r = calloc(n, sizeof *r);
	struct jjrotate o = { 0 };
	struct jfmt_header h;
	struct jjournal *j;
	struct jerr e;
	uint8_t *buf, raw[JFMT_HEADER_SIZE];
	char seg[4096];

	ck_assert_ptr_nonnull(r);
	for (size_t i = 0; i < n; i++)
		r[i] = (struct jjournal_payload){ JFMT_TYPE_RAW, "x", 1 };
	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	ck_assert_int_eq(jjournal_append(j, r, n, NULL, &e), 0);
	jjournal_close(j, &e);
	ck_assert_ptr_nonnull(buf = unit_read_file(jpath, &len));
	ck_assert_uint_eq(jfmt_get16(buf + 8), JFMT_VERSION);
	ck_assert_uint_eq(jfmt_get16(buf + JFMT_HEADER_SIZE + 6), JFMT_MAX_BATCH - 1);
	ck_assert_uint_eq(jfmt_get16(buf + JFMT_HEADER_SIZE + 29 * (JFMT_MAX_BATCH - 2) + 6), 1);
	ck_assert_uint_eq(jfmt_get16(buf + JFMT_HEADER_SIZE + 29 * (JFMT_MAX_BATCH - 1) + 6), 0);
	ck_assert_uint_eq(jfmt_get16(buf + JFMT_HEADER_SIZE + 29 * JFMT_MAX_BATCH + 6), 0);
	free(buf);
	free(r);
	ck_assert_uint_eq(read_all(jpath, JSEG_LIVE, NULL, NULL, NULL), n);
	/* a version 1 live journal (made by 0.1.0) */
	unlink(jpath);
	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_ptr_nonnull(buf = unit_read_file(jpath, &len));
	ck_assert_int_eq(jfmt_header_decode(buf, &h, &e), 0);
	free(buf);
	h.version = 1;
	jfmt_header_encode(&h, raw);
	ck_assert_int_eq(unit_write_file(jpath, raw, sizeof raw), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, 3, "v1-", 1);
	ck_assert_ptr_nonnull(buf = unit_read_file(jpath, &len));
	for (size_t off = JFMT_HEADER_SIZE; off < len; off += JFMT_REC_OVERHEAD + 4)
		ck_assert_uint_eq(jfmt_get16(buf + off + 6), 0);
	free(buf);
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	ck_assert_ptr_nonnull(buf = unit_read_file(seg, &len));
	ck_assert_uint_eq(jfmt_get16(buf + 8), 1);
	free(buf);
	append_strs(j, 3, "v2-", 4);
	jjournal_close(j, &e);
	ck_assert_ptr_nonnull(buf = unit_read_file(jpath, &len));
	ck_assert_uint_eq(jfmt_get16(buf + 8), JFMT_VERSION);
	ck_assert_uint_eq(jfmt_get16(buf + JFMT_HEADER_SIZE + 6), 2);
	ck_assert_uint_eq(jfmt_get16(buf + JFMT_HEADER_SIZE + 2 * (JFMT_REC_OVERHEAD + 4) + 6), 0);
	free(buf);
}
END_TEST

START_TEST(rotate_chain)
{
	struct jjrotate o = { 0 };
	struct jjournal *j;
	struct jerr e;
	char seg[4096];
	uint8_t d1[JDIGEST_LEN], d2[JDIGEST_LEN];
	uint32_t fl;
	uint64_t first;
	struct jseg *s;

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 0);   /* empty */
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, 5, "a", 1);
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	ck_assert_str_eq(seg, segname(1));
	/* The writer's handle follows the rotation into the successor. */
	append_strs(j, 2, "b", 6);
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	ck_assert_str_eq(seg, segname(2));
	append_strs(j, 1, "c", 8);
	ck_assert_uint_eq(read_all(segname(1), JSEG_SEALED, &first, d1, &fl), 5);
	ck_assert_uint_eq(first, 1);
	ck_assert_uint_eq(read_all(segname(2), JSEG_SEALED, &first, d2, &fl), 2);
	ck_assert_uint_eq(first, 6);
	ck_assert_int_eq(jseg_open(segname(2), JSEG_SEALED, &s, &e), 0);
	ck_assert_mem_eq(jseg_header(s)->prev_digest, d1, JDIGEST_LEN);
	ck_assert_uint_eq(jseg_header(s)->seq, 2);
	jseg_close(s);
	ck_assert_int_eq(jseg_open(jpath, JSEG_LIVE, &s, &e), 0);
	ck_assert_mem_eq(jseg_header(s)->prev_digest, d2, JDIGEST_LEN);
	ck_assert_uint_eq(jseg_header(s)->seq, 3);
	ck_assert_uint_eq(jseg_header(s)->first_lsn, 8);
	jseg_close(s);
	jjournal_close(j, &e);
}
END_TEST

START_TEST(rotate_conditions)
{
	struct jjrotate o = { 0 };
	struct jjournal *j;
	struct jerr e;
	char seg[4096];

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, 5, "a", 1);
	o.if_size = 1 << 20;
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 0);
	o.if_size = 200;
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	append_strs(j, 1, "b", 6);
	o.if_size = 0;
	o.if_age = 3600ull * 1000000000ull;
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 0);
	o.if_age = 1;
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	jjournal_close(j, &e);
}
END_TEST

START_TEST(final_refuses)
{
	struct jjrotate o = { 0 };
	struct jjournal *j, *k;
	struct jerr e;
	char seg[4096];
	uint8_t d[JDIGEST_LEN];
	uint32_t fl;

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	o.final = 1;
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);   /* even empty */
	ck_assert_str_eq(seg, segname(1));
	ck_assert_uint_eq(read_all(segname(1), JSEG_SEALED, NULL, d, &fl), 0);
	ck_assert_uint_eq(fl & JFMT_FINAL, JFMT_FINAL);
	{
		struct jjournal_payload r = { JFMT_TYPE_SQL, "x", 1 };

		ck_assert_int_eq(jjournal_append(j, &r, 1, NULL, &e), -1);
		ck_assert_int_eq(e.code, JJ_ECLOSED);
		ck_assert_ptr_nonnull(strstr(e.msg, "db.0001-000000000001.journal"));
	}
	ck_assert_int_eq(jjournal_open(jpath, 0, &k, &e), -1);
	ck_assert_int_eq(e.code, JJ_ECLOSED);
	/* Again --final: idempotent; a plain rotation: closed. */
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	o.final = 0;
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), -1);
	ck_assert_int_eq(e.code, JJ_ECLOSED);
	jjournal_close(j, &e);
}
END_TEST

/*
 * Crash states built by hand: seal with a rotation, then undo its later steps as a crash
 * would have left them, and check the next writer (or rotator) finishes the job.
 */
static void
sealed_state(struct jjournal **j, off_t *sealed_size)
{
	struct jjrotate o = { 0 };
	struct jerr e;
	char seg[4096];

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, j, &e), 0);
	append_strs(*j, 4, "a", 1);
	/* Save the live file, rotate, and put the sealed file back under the live name. */
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	*sealed_size = fsize(segname(1));
}

static void
check_after(struct jjournal *j, uint64_t next_lsn)
{
	struct jerr e;
	uint8_t d[JDIGEST_LEN];
	uint32_t fl;
	struct jseg *s;

	append_strs(j, 1, "z", next_lsn);
	ck_assert_uint_eq(read_all(segname(1), JSEG_SEALED, NULL, d, &fl), 4);
	ck_assert_int_eq(jseg_open(jpath, JSEG_LIVE, &s, &e), 0);
	ck_assert_uint_eq(jseg_header(s)->seq, 2);
	ck_assert_uint_eq(jseg_header(s)->first_lsn, 5);
	ck_assert_mem_eq(jseg_header(s)->prev_digest, d, JDIGEST_LEN);
	jseg_close(s);
	ck_assert_uint_eq(read_all(jpath, JSEG_LIVE, NULL, NULL, NULL), 1);
}

START_TEST(crash_before_link)
{
	struct jjournal *j;
	struct jerr e;
	off_t sz;
	char next[4096];

	sealed_state(&j, &sz);
	/* Sealed live file, no segment link, no successor; a stale half .next. */
	ck_assert_int_eq(rename(segname(1), jpath), 0);
	snprintf(next, sizeof next, "%s/.db.journal.next", dir);
	ck_assert_int_eq(unit_write_file(next, "junk", 4), 0);
	check_after(j, 5);
	ck_assert_int_eq(access(next, F_OK), -1);
	jjournal_close(j, &e);
}
END_TEST

START_TEST(crash_after_link)
{
	struct jjournal *j, *k;
	struct jerr e;
	off_t sz;

	sealed_state(&j, &sz);
	/* Sealed live file and its link, no successor: a new writer finishes. */
	ck_assert_int_eq(unlink(jpath), 0);
	ck_assert_int_eq(link(segname(1), jpath), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &k, &e), 0);
	check_after(k, 5);
	jjournal_close(k, &e);
	jjournal_close(j, &e);
}
END_TEST

START_TEST(crash_torn_trailer)
{
	struct jjournal *j;
	struct jerr e;
	struct jjrotate o = { 0 };
	char seg[4096];
	off_t sz;

	sealed_state(&j, &sz);
	/* Half a trailer on the live file, never linked: cut as a torn tail. */
	ck_assert_int_eq(rename(segname(1), jpath), 0);
	ck_assert_int_eq(truncate(jpath, sz - 40), 0);
	append_strs(j, 1, "b", 5);
	ck_assert_int_eq(fsize(jpath), sz - JFMT_TRAILER_SIZE + JFMT_REC_OVERHEAD + 2);
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	ck_assert_str_eq(seg, segname(1));
	ck_assert_uint_eq(read_all(segname(1), JSEG_SEALED, NULL, NULL, NULL) , 5);
	jjournal_close(j, &e);
}
END_TEST

START_TEST(crash_rotator_completes)
{
	struct jjournal *j;
	struct jerr e;
	struct jjrotate o = { 0 };
	char seg[4096];
	off_t sz;

	sealed_state(&j, &sz);
	ck_assert_int_eq(rename(segname(1), jpath), 0);
	/* The next rotation completes the interrupted one and reports its segment. */
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	ck_assert_str_eq(seg, segname(1));
	check_after(j, 5);
	jjournal_close(j, &e);
}
END_TEST

START_TEST(two_segments_one_seq)
{
	struct jjournal *j;
	struct jerr e;
	off_t sz;
	char copy[8300];

	sealed_state(&j, &sz);
	ck_assert_int_eq(rename(segname(1), jpath), 0);
	/* Someone put another file under the segment name: refuse, never overwrite. */
	snprintf(copy, sizeof copy, "cp '%s' '%s'", jpath, segname(1));
	ck_assert_int_eq(system(copy), 0);
	{
		struct jjournal_payload r = { JFMT_TYPE_SQL, "x", 1 };

		ck_assert_int_eq(jjournal_append(j, &r, 1, NULL, &e), -1);
		ck_assert_int_eq(e.code, EX_SOFTWARE);
	}
	jjournal_close(j, &e);
}
END_TEST

/* jjournal_create_at (jpromote): a new timeline continues a journal closed as final. */
/* Copy segment src record by record into dst with the segment writer. */
static void
copy_segment(const char *src, const char *dst, uint32_t flags, struct jfmt_trailer *t)
{
	struct jjsegment *w;
	struct jseg *s;
	struct jseg_rec r;
	struct jerr e;
	int fd, rc;

	ck_assert_msg(jseg_open(src, JSEG_AUTO, &s, &e) == 0, "%s", e.msg);
	ck_assert_int_ge(fd = open(dst, O_RDWR | O_CREAT | O_EXCL, 0640), 0);
	ck_assert_msg(jjournal_segment_begin(fd, dst, jseg_header(s), JJ_SYNC, &w, &e) == 0,
	    "%s", e.msg);
	while ((rc = jseg_next(s, &r, &e)) == 1)
		ck_assert_msg(jjournal_segment_add(w, &r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(rc, 0);
	if (t)
		ck_assert_msg(jjournal_segment_seal(w, flags, t, &e) == 0, "%s", e.msg);
	jjournal_segment_end(w);
	jseg_close(s);
	ck_assert_int_eq(close(fd), 0);
}

/* A segment written whole is sealed as a rotation seals: same bytes up to the trailer,
 * and a trailer the reader verifies (count, last LSN, size, digest). */
START_TEST(segment_writer_seals)
{
	struct jjrotate o = { 0 };
	struct jjournal *j;
	struct jfmt_header h;
	struct jfmt_trailer t, t2;
	struct jerr e;
	char seg[4096], copy[4096];
	void *a, *b;
	size_t na, nb;

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	for (int i = 0; i < 4; i++)
		append_strs(j, 1, "w", (uint64_t)i + 1);     /* one record a batch: batch 0 */
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	jjournal_close(j, &e);
	snprintf(copy, sizeof copy, "%s/copy.0001-000000000001.journal", dir);
	copy_segment(seg, copy, JFMT_FINAL, &t);
	ck_assert_msg(jseg_verify(copy, JSEG_SEALED, &h, &t2, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(t2.records, 4);
	ck_assert_uint_eq(t2.last_lsn, 4);
	ck_assert_uint_eq(t2.flags, JFMT_FINAL);
	ck_assert_uint_eq(t2.size, (uint64_t)fsize(copy));
	ck_assert_mem_eq(t2.digest, t.digest, JDIGEST_LEN);
	ck_assert_ptr_nonnull(a = unit_read_file(seg, &na));
	ck_assert_ptr_nonnull(b = unit_read_file(copy, &nb));
	ck_assert_uint_eq(na, nb);
	ck_assert_mem_eq(a, b, na - JFMT_TRAILER_SIZE);
	free(a);
	free(b);
}
END_TEST

/* Left unsealed it is a live journal; a record out of LSN order is refused. */
START_TEST(segment_writer_live_and_order)
{
	struct jjournal *j;
	struct jjsegment *w;
	struct jfmt_header h = { .timeline = 1, .seq = 1, .first_lsn = 1 };
	struct jseg_rec r = { .lsn = 1, .type = JFMT_TYPE_SQL, .len = 1, .data = (const uint8_t *)"x" };
	struct jerr e;
	char live[4096];
	int fd;

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, 3, "v", 1);
	jjournal_close(j, &e);
	snprintf(live, sizeof live, "%s/copy.journal", dir);
	copy_segment(jpath, live, 0, NULL);
	ck_assert_uint_eq(read_all_live(live), 3);
	ck_assert_int_ge(fd = open(live, O_RDWR | O_TRUNC), 0);
	ck_assert_int_eq(jjournal_segment_begin(fd, live, &h, 0, &w, &e), 0);
	ck_assert_int_eq(jjournal_segment_add(w, &r, &e), 0);
	ck_assert_int_eq(jjournal_segment_add(w, &r, &e), -1);      /* LSN 1 again */
	ck_assert_int_eq(e.code, EX_SOFTWARE);
	r.lsn = 2;
	r.type = 0;
	ck_assert_int_eq(jjournal_segment_add(w, &r, &e), -1);      /* no type */
	r.type = JFMT_TYPE_RAW;
	ck_assert_int_eq(jjournal_segment_add(w, &r, &e), 0);
	jjournal_segment_end(w);
	close(fd);
	ck_assert_uint_eq(read_all_live(live), 2);
}
END_TEST

START_TEST(create_at_continues_final)
{
	struct jjrotate o = { 0 };
	struct jjournal *j;
	struct jerr e;
	struct jseg *s;
	struct jfmt_header h;
	char seg[4096], other[4096];
	uint8_t d[JDIGEST_LEN];
	uint32_t fl;

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, 2, "a", 1);
	ck_assert_int_eq(jseg_open(jpath, JSEG_LIVE, &s, &e), 0);
	h = *jseg_header(s);
	jseg_close(s);
	/* Not closed: refused. */
	ck_assert_int_eq(jjournal_create_at(jpath, &h, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	o.final = 1;
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	ck_assert_uint_eq(read_all(segname(1), JSEG_SEALED, NULL, d, &fl), 2);
	h.timeline = 2;
	h.seq = 2;
	h.first_lsn = 3;
	memcpy(h.prev_digest, d, JDIGEST_LEN);
	/* Another lineage: refused. */
	h.lineage[0] ^= 1;
	ck_assert_int_eq(jjournal_create_at(jpath, &h, &e), -1);
	h.lineage[0] ^= 1;
	ck_assert_int_eq(jjournal_create_at(jpath, &h, &e), 0);
	/* The old writer's handle follows into the new timeline. */
	append_strs(j, 1, "b", 3);
	ck_assert_int_eq(jseg_open(jpath, JSEG_LIVE, &s, &e), 0);
	ck_assert_uint_eq(jseg_header(s)->timeline, 2);
	jseg_close(s);
	o.final = 0;
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	snprintf(other, sizeof other, "%s/db.0002-000000000002.journal", dir);
	ck_assert_str_eq(seg, other);
	/* A fresh path: written as given. */
	snprintf(other, sizeof other, "%s/fresh.journal", dir);
	ck_assert_int_eq(jjournal_create_at(other, &h, &e), 0);
	ck_assert_int_eq(jjournal_create_at(other, &h, &e), -1);
	jjournal_close(j, &e);
}
END_TEST

/* Records a live reader returns (with their flags in flags[], up to 16), and its torn bytes. */
static uint64_t
read_live(const char *p, uint8_t *flags, uint64_t *torn)
{
	struct jseg *s;
	struct jseg_rec r;
	struct jerr e;
	uint64_t n = 0;
	int rc;

	ck_assert_msg(jseg_open(p, JSEG_AUTO, &s, &e) == 0, "%s", e.msg);
	while ((rc = jseg_next(s, &r, &e)) == 1) {
		if (flags && n < 16)
			flags[n] = r.flags;
		n++;
	}
	ck_assert_msg(rc == 0, "%s: %s", p, e.msg);
	if (torn)
		*torn = jseg_torn(s);
	jseg_close(s);
	return n;
}

static const struct jjournal_payload grp[2] = { { JFMT_TYPE_ROW, "g0", 2 },
                                                { JFMT_TYPE_ROW, "g1", 2 } };

/* A group: invisible to readers until its last record, then whole, flags as specified;
 * appends and rotation go on after it. */
START_TEST(group_append)
{
	struct jjrotate o = { 0 };
	struct jjournal *j;
	struct jerr e;
	uint8_t fl[16];
	uint64_t first, torn;
	char seg[4096];

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, 1, "a", 1);
	ck_assert_int_eq(jjournal_group_begin(j, &e), 0);
	ck_assert_int_eq(jjournal_group_add(j, grp, 2, &first, &e), 0);
	ck_assert_uint_eq(first, 2);
	ck_assert_uint_eq(read_live(jpath, NULL, &torn), 1);
	ck_assert_uint_eq(torn, 2 * (JFMT_REC_OVERHEAD + 2));
	ck_assert_int_eq(jjournal_group_add(j, grp, 1, &first, &e), 0);
	ck_assert_uint_eq(first, 4);
	ck_assert_int_eq(jjournal_group_end(j, grp + 1, 1, &first, &e), 0);
	ck_assert_uint_eq(first, 2);
	ck_assert_uint_eq(read_live(jpath, fl, &torn), 5);
	ck_assert_uint_eq(torn, 0);
	ck_assert(fl[0] == 0 && fl[1] == JFMT_REC_CONTINUES && fl[2] == JFMT_REC_CONTINUES &&
	    fl[3] == JFMT_REC_CONTINUES && fl[4] == 0);
	append_strs(j, 1, "b", 6);
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	ck_assert_uint_eq(read_all(seg, JSEG_SEALED, NULL, NULL, NULL), 6);
	/* a group of one record carries no flag */
	ck_assert_int_eq(jjournal_group_begin(j, &e), 0);
	ck_assert_int_eq(jjournal_group_end(j, grp, 1, &first, &e), 0);
	ck_assert_uint_eq(first, 7);
	ck_assert_uint_eq(read_live(jpath, fl, NULL), 1);
	ck_assert_uint_eq(fl[0], 0);
	/* misuse */
	ck_assert_int_eq(jjournal_group_add(j, grp, 1, NULL, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
	jjournal_close(j, &e);
}
END_TEST

/* An aborted group leaves nothing; so does closing inside one. */
START_TEST(group_abort)
{
	struct jjournal *j;
	struct jerr e;
	off_t size;

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, 1, "a", 1);
	size = fsize(jpath);
	ck_assert_int_eq(jjournal_group_begin(j, &e), 0);
	ck_assert_int_eq(jjournal_group_add(j, grp, 2, NULL, &e), 0);
	jjournal_group_abort(j);
	ck_assert_int_eq(fsize(jpath), size);
	append_strs(j, 1, "b", 2);
	size = fsize(jpath);
	ck_assert_int_eq(jjournal_group_begin(j, &e), 0);
	ck_assert_int_eq(jjournal_group_add(j, grp, 2, NULL, &e), 0);
	jjournal_close(j, &e);
	ck_assert_int_eq(fsize(jpath), size);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, 1, "c", 3);
	jjournal_close(j, &e);
}
END_TEST

/* A writer killed inside a group: the rotation cuts the group, never seals it. */
START_TEST(group_killed)
{
	struct jjrotate o = { 0 };
	struct jjournal *j;
	struct jerr e;
	char seg[4096];
	pid_t pid;
	int st;

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	append_strs(j, 2, "a", 1);
	if ((pid = fork()) == 0) {
		struct jjournal *k;
		if (jjournal_open(jpath, 0, &k, &e) < 0 || jjournal_group_begin(k, &e) < 0 ||
		    jjournal_group_add(k, grp, 2, NULL, &e) < 0)
			_exit(1);
		_exit(0);       /* killed inside the group: the kernel drops the lock */
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_uint_eq(read_live(jpath, NULL, NULL), 2);
	ck_assert_int_eq(jjournal_rotate(jpath, &o, seg, sizeof seg, &e), 1);
	ck_assert_uint_eq(read_all(seg, JSEG_SEALED, NULL, NULL, NULL), 2);
	append_strs(j, 1, "b", 3);
	jjournal_close(j, &e);
}
END_TEST

/* A version 2 live journal takes no group; a segment written whole cannot end in one. */
START_TEST(group_refused)
{
	struct jfmt_header h = { .timeline = 1, .seq = 1, .first_lsn = 1 };
	struct jseg_rec r = { .lsn = 1, .type = JFMT_TYPE_ROW, .len = 1, .data = (const uint8_t *)"x",
	                      .flags = JFMT_REC_CONTINUES };
	struct jjsegment *w;
	struct jfmt_trailer t;
	struct jjournal *j;
	struct jerr e;
	uint8_t hb[JFMT_HEADER_SIZE];
	char p[4096];
	int fd;

	ck_assert_int_eq(jjournal_create(jpath, &e), 0);
	ck_assert_int_ge((fd = open(jpath, O_RDWR)), 0);
	ck_assert_int_eq(pread(fd, hb, sizeof hb, 0), sizeof hb);
	ck_assert_int_eq(jfmt_header_decode(hb, &h, &e), 0);
	h.version = 2;
	jfmt_header_encode(&h, hb);
	ck_assert_int_eq(pwrite(fd, hb, sizeof hb, 0), sizeof hb);
	close(fd);
	ck_assert_int_eq(jjournal_open(jpath, 0, &j, &e), 0);
	ck_assert_int_eq(jjournal_group_begin(j, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_msg(strstr(e.msg, "is format version 2, which holds no groups: rotate it "
	    "first") != NULL, "%s", e.msg);
	append_strs(j, 1, "a", 1);      /* the lock was dropped */
	jjournal_close(j, &e);

	snprintf(p, sizeof p, "%s/w.0001-000000000001.journal", dir);
	ck_assert_int_ge((fd = open(p, O_WRONLY | O_CREAT, 0600)), 0);
	h.version = 0;
	ck_assert_int_eq(jjournal_segment_begin(fd, p, &h, 0, &w, &e), 0);
	ck_assert_int_eq(jjournal_segment_add(w, &r, &e), 0);
	ck_assert_int_eq(jjournal_segment_seal(w, 0, &t, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	jjournal_segment_end(w);
	close(fd);
}
END_TEST

Suite *
suite_journal(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, create_refuses);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, two_handles_interleave);
	tcase_add_test(tc, torn_tail_cut);
	tcase_add_test(tc, damage_sweep_appends);
	tcase_add_test(tc, damage_sweep_batch);
	tcase_add_test(tc, torn_batch_cut);
	tcase_add_test(tc, torn_record_cut);
	tcase_add_test(tc, torn_batch_refused);
	tcase_add_test(tc, batch_field);
	tcase_add_test(tc, rotate_chain);
	tcase_add_test(tc, rotate_conditions);
	tcase_add_test(tc, final_refuses);
	tcase_add_test(tc, crash_before_link);
	tcase_add_test(tc, crash_after_link);
	tcase_add_test(tc, crash_torn_trailer);
	tcase_add_test(tc, crash_rotator_completes);
	tcase_add_test(tc, two_segments_one_seq);
	tcase_add_test(tc, create_at_continues_final);
	tcase_add_test(tc, segment_writer_seals);
	tcase_add_test(tc, group_append);
	tcase_add_test(tc, group_abort);
	tcase_add_test(tc, group_killed);
	tcase_add_test(tc, group_refused);
	tcase_add_test(tc, segment_writer_live_and_order);
	suite_add_tcase(s, tc);
	return s;
}
