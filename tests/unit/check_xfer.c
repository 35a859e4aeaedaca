#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "xfer.h"

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
	ck_assert_msg(jxfer_put(x, fd, 5, "a.journal", &e) == 1, "%s", e.msg);
	ck_assert_int_eq(jxfer_put(x, fd, 5, "a.journal", &e), 0);    /* identical: accepted */
	ck_assert_int_eq(jxfer_put(x, fd, 4, "a.journal", &e), -1);   /* different: refused */
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(jxfer_put(x, fd, 6, "b.journal", &e), -1);   /* source too short */
	ck_assert_int_eq(e.code, EX_IOERR);
	snprintf(dst, sizeof dst, "%s/b.journal", d);
	ck_assert_int_ne(access(dst, F_OK), 0);
	{
		/* nothing left but the source and a.journal: no temporary */
		DIR *dh = opendir(d);
		struct dirent *de;
		int others = 0;
		while ((de = readdir(dh)))
			others += de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0;
		closedir(dh);
		ck_assert_int_eq(others, 0);
		(void)part;
	}
	close(fd);
	jxfer_close(x);
	unit_rmrf(d);
	free(d);
}
END_TEST

START_TEST(netrc_refused)
{
	char *d = unit_tmpdir(), nrc[512], url[] = "ftp://h/in/";
	struct jxfer_opts o = { 0 };
	struct jxfer *x;
	struct jerr e = { 0, "" };

	snprintf(nrc, sizeof nrc, "%s/netrc", d);
	ck_assert_int_eq(unit_write_file(nrc, "machine h login u password p\n", 29), 0);
	o.netrc = nrc;
	ck_assert_int_eq(jxfer_open(url, &o, &x, &e), 0);
	ck_assert_int_eq(jxfer_plain_password(x), 1);
	jxfer_close(x);
	ck_assert_int_eq(jxfer_open("ftpes://h/in/", &o, &x, &e), 0);
	ck_assert_int_eq(jxfer_plain_password(x), 0);            /* TLS required */
	jxfer_close(x);
	ck_assert_int_eq(jxfer_open("http://other/in/", &o, &x, &e), 0);
	ck_assert_int_eq(jxfer_plain_password(x), 0);            /* no entry for it */
	jxfer_close(x);
	chmod(nrc, 0640);
	ck_assert_int_eq(jxfer_open(url, &o, &x, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	ck_assert_int_eq(jxfer_open("file:///tmp/", &o, &x, &e), 0);   /* not used there */
	jxfer_close(x);
	unit_rmrf(d);
	free(d);
}
END_TEST

static int
gate_says(void *arg, struct jerr *e)
{
	return *(int *)arg ? 0 : jerr_set(e, EX_DATAERR, "refused by the gate");
}

static int
dot_files(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(dh)))
		n += de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0;
	closedir(dh);
	return n;
}

/* file:// through the gate: a no publishes nothing and leaves no temporary. */
START_TEST(file_gated)
{
	char *d = unit_tmpdir(), src[512], url[600], dst[600], buf[200];
	struct jxfer *x;
	struct jerr e = { 0, "" };
	int fd, yes = 0;

	memset(buf, 'a', sizeof buf);
	snprintf(src, sizeof src, "%s/src", d);
	ck_assert_int_eq(unit_write_file(src, buf, sizeof buf), 0);
	snprintf(url, sizeof url, "file://%s/", d);
	snprintf(dst, sizeof dst, "%s/g.journal", d);
	ck_assert_int_eq(jxfer_open(url, NULL, &x, &e), 0);
	fd = open(src, O_RDONLY);
	jxfer_set_gate(x, gate_says, &yes);
	ck_assert_int_eq(jxfer_put(x, fd, sizeof buf, "g.journal", &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "refused by the gate");
	ck_assert_int_eq(jxfer_retryable(x), 0);
	ck_assert_int_ne(access(dst, F_OK), 0);
	ck_assert_int_eq(dot_files(d), 0);
	yes = 1;
	ck_assert_msg(jxfer_put(x, fd, sizeof buf, "g.journal", &e) == 1, "%s", e.msg);
	jxfer_set_gate(x, NULL, NULL);
	yes = 0;
	ck_assert_int_eq(jxfer_put(x, fd, sizeof buf, "g.journal", &e), 0);
	close(fd);
	jxfer_close(x);
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
	tcase_add_test(tc, open_urls);
	tcase_add_test(tc, ssh_needs_known_hosts);
	tcase_add_test(tc, file_publish);
	tcase_add_test(tc, netrc_refused);
	tcase_add_test(tc, file_gated);
	suite_add_tcase(s, tc);
	return s;
}
