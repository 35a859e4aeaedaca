/* zio: single-stream compression round trips; a cut stream is an error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name.h"
#include "unit.h"
#include "zio.h"

struct mem {
	uint8_t *p;
	size_t n, cap;
};

static int
mem_sink(void *arg, const void *buf, size_t n)
{
	struct mem *m = arg;

	if (m->n + n > m->cap) {
		m->cap = (m->n + n) * 2;
		m->p = realloc(m->p, m->cap);
		ck_assert_ptr_nonnull(m->p);
	}
	memcpy(m->p + m->n, buf, n);
	m->n += n;
	return 0;
}

static int
fail_sink(void *arg, const void *buf, size_t n)
{
	errno = ENOSPC;
	return -1;
}

static char *dir;
static void setup(void) { dir = unit_tmpdir(); }
static void teardown(void) { unit_rmrf(dir); free(dir); }

/* Decompress the file at p fully into out; returns total or -1. */
static ssize_t
inflate_file(const char *p, uint8_t *out, size_t cap, int *filter, struct jerr *e)
{
	struct jzio *z;
	int fd = open(p, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	ck_assert_int_ge(fd, 0);
	if (jzio_open_read(fd, &z, e) < 0) {
		close(fd);
		return -1;
	}
	*filter = jzio_filter(z);
	while ((r = jzio_read(z, out + n, cap - n > 1000 ? 1000 : cap - n, e)) > 0)
		n += (size_t)r;
	jzio_close(z);
	close(fd);
	return r < 0 ? -1 : (ssize_t)n;
}

START_TEST(round_trip)
{
	size_t len = 300000;
	uint8_t *data = malloc(len), *out = malloc(len + 10);
	char p[4096];

	srand(7);
	for (size_t i = 0; i < len; i++)
		data[i] = i % 251 < 200 ? (uint8_t)('a' + i % 7) : (uint8_t)rand();
	for (int c = JCOMP_ZSTD; c <= JCOMP_XZ; c++)
		for (int level = 0; level <= 1; level++) {
			struct mem m = { 0 };
			struct jzio_w *w;
			struct jerr e;
			int filter;
			ssize_t got;

			ck_assert_int_eq(jzio_open_write(c, level, mem_sink, &m, &w, &e), 0);
			for (size_t off = 0; off < len; off += 7777)
				ck_assert_int_eq(jzio_write(w, data + off, off + 7777 > len ? len - off : 7777, &e), 0);
			ck_assert_int_eq(jzio_finish(w, &e), 0);
			ck_assert_uint_lt(m.n, len);
			snprintf(p, sizeof p, "%s/x%s", dir, jcomp_suffix(c));
			ck_assert_int_eq(unit_write_file(p, m.p, m.n), 0);
			got = inflate_file(p, out, len + 10, &filter, &e);
			ck_assert_int_eq(got, (ssize_t)len);
			ck_assert_int_eq(filter, c);
			ck_assert(memcmp(out, data, len) == 0);
			/* cut anywhere after the magic, the stream is an error, never a short read */
			for (size_t cut = 1; cut < m.n; cut += cut < 64 ? 1 : m.n / 7 + 1) {
				ck_assert_int_eq(unit_write_file(p, m.p, cut), 0);
				got = inflate_file(p, out, len + 10, &filter, &e);
				/* (a stub too short to recognise reads as itself, filter none) */
				ck_assert_msg(got == -1 || (cut < 32 && filter == JCOMP_NONE),
				    "%s cut at %zu of %zu read %zd bytes", jcomp_name(c), cut, m.n, got);
				if (got == -1)
					ck_assert_int_eq(e.code, EX_DATAERR);
			}
			free(m.p);
		}
	free(data);
	free(out);
}
END_TEST

START_TEST(plain_and_empty)
{
	uint8_t out[64];
	char p[4096];
	struct jerr e;
	int filter;

	snprintf(p, sizeof p, "%s/plain", dir);
	ck_assert_int_eq(unit_write_file(p, "hello", 5), 0);
	ck_assert_int_eq(inflate_file(p, out, sizeof out, &filter, &e), 5);
	ck_assert_int_eq(filter, JCOMP_NONE);
	ck_assert_int_eq(unit_write_file(p, "", 0), 0);
	ck_assert_int_eq(inflate_file(p, out, sizeof out, &filter, &e), -1);
}
END_TEST

START_TEST(sink_error)
{
	static uint8_t junk[200000];
	struct jzio_w *w;
	struct jerr e;
	int rc = 0;

	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 2654435761u >> 13);
	ck_assert_int_eq(jzio_open_write(JCOMP_GZIP, 1, fail_sink, NULL, &w, &e), 0);
	for (int i = 0; i < 20 && rc == 0; i++)
		rc = jzio_write(w, junk, sizeof junk, &e);
	if (rc == 0)
		rc = jzio_finish(w, &e);
	else
		jzio_abort(w);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e.code, EX_IOERR);
	ck_assert_ptr_nonnull(strstr(e.msg, strerror(ENOSPC)));
}
END_TEST

/* One stream decodes to at most JMIRROR_MAX_SEGMENT bytes: exactly that is fine, one byte
 * more is damaged input, whatever the method; a bad value is a usage error. */
START_TEST(size_cap)
{
	size_t len = 300000;
	uint8_t *data = calloc(1, len), *out = malloc(len + 10);
	char p[4096], lim[32];
	struct jerr e;
	int filter;

	for (int c = JCOMP_ZSTD; c <= JCOMP_XZ; c++) {
		struct mem m = { 0 };
		struct jzio_w *w;

		ck_assert_int_eq(jzio_open_write(c, 0, mem_sink, &m, &w, &e), 0);
		ck_assert_int_eq(jzio_write(w, data, len, &e), 0);
		ck_assert_int_eq(jzio_finish(w, &e), 0);
		snprintf(p, sizeof p, "%s/z%s", dir, jcomp_suffix(c));
		ck_assert_int_eq(unit_write_file(p, m.p, m.n), 0);
		snprintf(lim, sizeof lim, "%zu", len);
		setenv("JMIRROR_MAX_SEGMENT", lim, 1);
		ck_assert_int_eq(inflate_file(p, out, len + 10, &filter, &e), (ssize_t)len);
		snprintf(lim, sizeof lim, "%zu", len - 1);
		setenv("JMIRROR_MAX_SEGMENT", lim, 1);
		ck_assert_int_eq(inflate_file(p, out, len + 10, &filter, &e), -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_ptr_nonnull(strstr(e.msg, "expands beyond 299999 bytes"));
		setenv("JMIRROR_MAX_SEGMENT", "lots", 1);
		ck_assert_int_eq(inflate_file(p, out, len + 10, &filter, &e), -1);
		ck_assert_int_eq(e.code, EX_USAGE);
		unsetenv("JMIRROR_MAX_SEGMENT");
		free(m.p);
	}
	uint64_t max;
	ck_assert_int_eq(jzio_max_size(&max, &e), 0);
	ck_assert_uint_eq(max, (uint64_t)4 << 30);
	free(data);
	free(out);
}
END_TEST

START_TEST(parse_spec)
{
	int c, l;

	ck_assert_int_eq(jzio_parse("zstd", &c, &l), 0);
	ck_assert_int_eq(c, JCOMP_ZSTD);
	ck_assert_int_eq(l, 0);
	ck_assert_int_eq(jzio_parse("zstd:19", &c, &l), 0);
	ck_assert_int_eq(l, 19);
	ck_assert_int_eq(jzio_parse("gzip:9", &c, &l), 0);
	ck_assert_int_eq(c, JCOMP_GZIP);
	ck_assert_int_eq(jzio_parse("xz:1", &c, &l), 0);
	ck_assert_int_eq(c, JCOMP_XZ);
	ck_assert_int_eq(jzio_parse("gzip:10", &c, &l), -1);
	ck_assert_int_eq(jzio_parse("zstd:23", &c, &l), -1);
	ck_assert_int_eq(jzio_parse("zstd:0", &c, &l), -1);
	ck_assert_int_eq(jzio_parse("zstd:", &c, &l), -1);
	ck_assert_int_eq(jzio_parse("zst", &c, &l), -1);
	ck_assert_int_eq(jzio_parse("none", &c, &l), -1);
	ck_assert_int_eq(jzio_parse("", &c, &l), -1);
	ck_assert_int_eq(jzio_parse("bzip2", &c, &l), -1);
}
END_TEST

/* The tar archives jbackup writes: a round trip per compression, a cut archive is an error. */
/* Write an archive with a manifest from memory and a file from a descriptor. */
static void
write_archive(const char *path, int comp, const uint8_t *data, size_t len)
{
	char src[4096];
	struct jzio_tar *t;
	struct jerr e;
	int fd, in;

	snprintf(src, sizeof src, "%s/member", dir);
	ck_assert_int_eq(unit_write_file(src, data, len), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	in = open(src, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(in, 0);
	ck_assert_int_eq(jzio_tar_open_write(fd, comp, 0, &t, &e), 0);
	ck_assert_int_eq(jzio_tar_add_buf(t, "MANIFEST", "jbackup 1\n", 10, 1000, &e), 0);
	ck_assert_int_eq(jzio_tar_add(t, "database", in, len, 1000, &e), 0);
	ck_assert_int_eq(jzio_tar_finish(t, &e), 0);
	close(in);
	close(fd);
}

START_TEST(tar_round_trip)
{
	size_t len = 200000;
	uint8_t *data = malloc(len), *out = malloc(len);
	char path[4096], name[256], man[32];

	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + i / 1000);
	for (int c = JCOMP_NONE; c <= JCOMP_XZ; c++) {
		struct jzio_tar *t;
		struct jerr e;
		uint64_t n;
		size_t got = 0;
		ssize_t r;
		int fd;

		snprintf(path, sizeof path, "%s/a.tar%s", dir, jcomp_suffix(c));
		write_archive(path, c, data, len);
		fd = open(path, O_RDONLY);
		ck_assert_int_eq(jzio_tar_open_read(fd, &t, &e), 0);
		ck_assert_int_eq(jzio_tar_next(t, name, sizeof name, &n, &e), 1);
		ck_assert_str_eq(name, "MANIFEST");
		ck_assert_uint_eq(n, 10);
		ck_assert_int_eq(jzio_tar_read(t, man, sizeof man, &e), 10);
		ck_assert_int_eq(memcmp(man, "jbackup 1\n", 10), 0);
		ck_assert_int_eq(jzio_tar_next(t, name, sizeof name, &n, &e), 1);
		ck_assert_str_eq(name, "database");
		ck_assert_uint_eq(n, len);
		while ((r = jzio_tar_read(t, out + got, len - got > 4096 ? 4096 : len - got,
		    &e)) > 0)
			got += (size_t)r;
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(got, len);
		ck_assert_int_eq(memcmp(out, data, len), 0);
		ck_assert_int_eq(jzio_tar_next(t, name, sizeof name, &n, &e), 0);
		jzio_tar_close(t);
		close(fd);
	}
	free(data);
	free(out);
}
END_TEST

START_TEST(tar_cut)
{
	size_t len = 100000, alen;
	uint8_t *data = malloc(len), *a;
	char path[4096], cut[4096], name[256], buf[4096];
	struct jzio_tar *t;
	struct jerr e;
	uint64_t n;
	ssize_t r = 0;
	int fd, rc;

	srand(3);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)rand();
	snprintf(path, sizeof path, "%s/a.tar.zst", dir);
	snprintf(cut, sizeof cut, "%s/cut.tar.zst", dir);
	write_archive(path, JCOMP_ZSTD, data, len);
	a = unit_read_file(path, &alen);
	ck_assert_int_eq(unit_write_file(cut, a, alen / 2), 0);
	free(a);
	fd = open(cut, O_RDONLY);
	/* the cut shows at the open (libarchive reads ahead) or later, never not at all */
	if ((rc = jzio_tar_open_read(fd, &t, &e)) == 0) {
		while ((rc = jzio_tar_next(t, name, sizeof name, &n, &e)) == 1)
			while ((r = jzio_tar_read(t, buf, sizeof buf, &e)) > 0)
				;
		jzio_tar_close(t);
	}
	ck_assert(rc < 0 || r < 0);
	ck_assert_int_eq(e.code, EX_DATAERR);
	close(fd);
	free(data);
}
END_TEST

Suite *
suite_zio(void)
{
	Suite *s = suite_create("zio");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, plain_and_empty);
	tcase_add_test(tc, sink_error);
	tcase_add_test(tc, parse_spec);
	tcase_add_test(tc, size_cap);
	tcase_add_test(tc, tar_round_trip);
	tcase_add_test(tc, tar_cut);
	suite_add_tcase(s, tc);
	return s;
}
