#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shipq.h"
#include "unit.h"
#include "xfer.h"

START_TEST(redact)
{
	char buf[256];

	ck_assert_str_eq(jxfer_redact("sftp://u:pw@h:22/a/", buf, sizeof buf), "sftp://u@h:22/a/");
	ck_assert_str_eq(jxfer_redact("ftp://h/a/", buf, sizeof buf), "ftp://h/a/");
	ck_assert_str_eq(jxfer_redact("http://u@h/a@b/", buf, sizeof buf), "http://u@h/a@b/");
	ck_assert_str_eq(jxfer_redact("http://:pw@h/", buf, sizeof buf), "http://@h/");
	ck_assert_str_eq(jxfer_redact("nourl", buf, sizeof buf), "nourl");
}
END_TEST

START_TEST(open_urls)
{
	static const struct { const char *url; int code, dir; const char *red; } cases[] = {
		{ "file:///tmp/x/", 0, 1, "file:///tmp/x/" },
		{ "ftp://h/in/", 0, 1, "ftp://h/in/" },
		{ "ftpes://u@h:2121/in/", 0, 1, "ftpes://u@h:2121/in/" },
		{ "FTPS://h/in/f.journal", 0, 0, "FTPS://h/in/f.journal" },
		{ "https://h/in/", 0, 1, "https://h/in/" },
		{ "http://u:secret@h/in/", EX_USAGE, 0, NULL },
		{ "gopher://h/in/", EX_USAGE, 0, NULL },
		{ "ftp://h", EX_USAGE, 0, NULL },
		{ "file://host/x/", EX_USAGE, 0, NULL },
		{ "http://h/in/.hidden", EX_USAGE, 0, NULL },
		{ "http://h/in/a%zz", EX_USAGE, 0, NULL },
		{ "http://h/in/?q", EX_USAGE, 0, NULL },
		{ "not a url", EX_USAGE, 0, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct jxfer *x = NULL;
		struct jerr e = { 0, "" };
		int rc = jxfer_open(cases[i].url, NULL, &x, &e);
		if (cases[i].code) {
			ck_assert_msg(rc < 0 && e.code == cases[i].code, "%s", cases[i].url);
			ck_assert_msg(!strstr(e.msg, "secret"), "password printed: %s", e.msg);
			continue;
		}
		ck_assert_msg(rc == 0, "%s: %s", cases[i].url, e.msg);
		ck_assert_int_eq(jxfer_is_dir(x), cases[i].dir);
		ck_assert_str_eq(jxfer_url(x), cases[i].red);
		jxfer_close(x);
	}
}
END_TEST

START_TEST(ssh_needs_known_hosts)
{
	char *d = unit_tmpdir(), key[512], kh[512];
	struct jxfer_opts o = { 0 };
	struct jxfer *x;
	struct jerr e = { 0, "" };

	snprintf(key, sizeof key, "%s/key", d);
	snprintf(kh, sizeof kh, "%s/known_hosts", d);
	ck_assert_int_eq(unit_write_file(key, "k", 1), 0);
	o.key = key;
	o.known_hosts = kh;
	ck_assert_int_eq(jxfer_open("sftp://h/in/", &o, &x, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "known_hosts"));
	ck_assert_int_eq(unit_write_file(kh, "", 0), 0);
	ck_assert_int_eq(jxfer_open("sftp://h/in/", &o, &x, &e), 0);
	jxfer_close(x);
	o.key = "/nonexistent/key";
	ck_assert_int_eq(jxfer_open("scp://h/in/", &o, &x, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	unit_rmrf(d);
	free(d);
}
END_TEST

START_TEST(file_publish)
{
	char *d = unit_tmpdir(), src[512], url[600], dst[600], part[600];
	struct jxfer *x;
	struct jerr e = { 0, "" };
	int fd;

	snprintf(src, sizeof src, "%s/src", d);
	ck_assert_int_eq(unit_write_file(src, "hello", 5), 0);
	snprintf(url, sizeof url, "file://%s/", d);
	ck_assert_int_eq(jxfer_open(url, NULL, &x, &e), 0);
	fd = open(src, O_RDONLY);
	ck_assert_int_eq(jxfer_put(x, fd, 5, "a.journal", &e), 1);
	ck_assert_int_eq(jxfer_put(x, fd, 5, "a.journal", &e), 0);    /* identical: accepted */
	ck_assert_int_eq(jxfer_put(x, fd, 4, "a.journal", &e), -1);   /* different: refused */
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(jxfer_put(x, fd, 6, "b.journal", &e), -1);   /* source too short */
	ck_assert_int_eq(e.code, EX_IOERR);
	snprintf(dst, sizeof dst, "%s/b.journal", d);
	snprintf(part, sizeof part, "%s/.b.journal.part", d);
	ck_assert_int_ne(access(dst, F_OK), 0);
	ck_assert_int_ne(access(part, F_OK), 0);
	close(fd);
	jxfer_close(x);
	unit_rmrf(d);
	free(d);
}
END_TEST

START_TEST(state_roundtrip)
{
	char *d = unit_tmpdir(), p1[600], p2[600];
	struct jshipq_state s = { "", 1, 42 }, r, *v;
	struct jerr e = { 0, "" };
	size_t n;

	ck_assert_int_eq(jshipq_path(p1, sizeof p1, d, "db", "sftp://m1/in/", NULL), 0);
	ck_assert_int_eq(jshipq_path(p2, sizeof p2, d, "db", "sftp://m2/in/", NULL), 0);
	ck_assert_str_ne(p1, p2);
	ck_assert_int_eq(jshipq_read(p1, &r, &e), 0);
	strcpy(s.url, "sftp://m1/in/");
	ck_assert_int_eq(jshipq_write(p1, &s, &e), 0);
	ck_assert_int_eq(jshipq_read(p1, &r, &e), 1);
	ck_assert_str_eq(r.url, "sftp://m1/in/");
	ck_assert_uint_eq(r.timeline, 1);
	ck_assert_uint_eq(r.seq, 42);
	ck_assert(jshipq_acked(&r, 1, 42));
	ck_assert(!jshipq_acked(&r, 1, 43));
	ck_assert(!jshipq_acked(&r, 2, 1));
	ck_assert_int_eq(jshipq_states(d, "db", &v, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	free(v);
	ck_assert_int_eq(unit_write_file(p2, "garbage\n", 8), 0);
	ck_assert_int_eq(jshipq_read(p2, &r, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	unit_rmrf(d);
	free(d);
}
END_TEST

START_TEST(queue_order)
{
	char *d = unit_tmpdir(), p[600];
	static const char *names[] = {
		"db.0002-000000000001.journal", "db.0001-000000000010.journal.zst",
		"db.0001-000000000010.journal", "db.0001-000000000002.journal", "db.journal",
		".db.0001-000000000003.journal.part", "other.txt", "a.0001-000000000005.journal",
	};
	struct jshipq_seg *v;
	struct jerr e = { 0, "" };
	size_t n;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", d, names[i]);
		ck_assert_int_eq(unit_write_file(p, "x", 1), 0);
	}
	ck_assert_int_eq(jshipq_list(d, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[0].base, "a.0001-000000000005.journal");
	ck_assert_str_eq(v[1].base, "db.0001-000000000002.journal");
	ck_assert_str_eq(v[2].base, "db.0001-000000000010.journal");
	ck_assert_str_eq(v[3].base, "db.0001-000000000010.journal.zst");
	ck_assert_str_eq(v[4].base, "db.0002-000000000001.journal");
	free(v);
	unit_rmrf(d);
	free(d);
}
END_TEST

Suite *
suite_xfer(void)
{
	Suite *s = suite_create("xfer");
	TCase *tc = tcase_create("xfer");

	jxfer_global_init(NULL);
	tcase_add_test(tc, redact);
	tcase_add_test(tc, open_urls);
	tcase_add_test(tc, ssh_needs_known_hosts);
	tcase_add_test(tc, file_publish);
	tcase_add_test(tc, state_roundtrip);
	tcase_add_test(tc, queue_order);
	suite_add_tcase(s, tc);
	return s;
}
