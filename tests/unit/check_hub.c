#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hub.h"
#include "unit.h"

struct seen {
	char   names[8][64];
	size_t n;
	uint64_t size;
};

static int
seen_cb(void *arg, const struct jhub_entry *ent, struct jerr *e)
{
	struct seen *s = arg;

	(void)e;
	if (s->n < 8)
		snprintf(s->names[s->n++], 64, "%s", ent->name);
	if (strcmp(ent->name, "b") == 0)
		s->size = ent->size;
	return 0;
}

static int
stop_cb(void *arg, const struct jhub_entry *ent, struct jerr *e)
{
	(void)arg; (void)ent;
	return jerr_set(e, EX_SOFTWARE, "stop here");
}

static struct jhub *
open_hub(const char *dir)
{
	char url[4200];
	struct jerr e;
	struct jhub *h;

	snprintf(url, sizeof url, "file://%s/", dir);
	ck_assert_int_eq(jxfer_global_init(&e), 0);
	ck_assert_int_eq(jhub_open(url, NULL, &h, &e), 0);
	return h;
}

/* Listing: plain files only, after the start name, dot names and directories hidden. */
START_TEST(list)
{
	char *dir = unit_tmpdir(), p[4300];
	struct jhub *h = open_hub(dir);
	struct seen s;
	struct jerr e;

	for (const char *const *n = (const char *const[]){ "a", "b", "c", ".tmp.part", NULL };
	    *n; n++) {
		snprintf(p, sizeof p, "%s/%s", dir, *n);
		ck_assert_int_eq(unit_write_file(p, "12345", 5), 0);
	}
	snprintf(p, sizeof p, "%s/sub", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(jhub_list(h, JHUB_DATA, NULL, seen_cb, &s, &e), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.size, 5);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(jhub_list(h, JHUB_DATA, "a", seen_cb, &s, &e), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert(strcmp(s.names[0], "a") != 0 && strcmp(s.names[1], "a") != 0);
	ck_assert_int_eq(jhub_list(h, JHUB_DATA, NULL, stop_cb, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "stop here");
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(jhub_list(h, JHUB_META, NULL, seen_cb, &s, &e), 0);
	ck_assert_uint_eq(s.n, 0);               /* no .jmirror yet: empty */
	jhub_close(h);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

/* Get: exactly the listed size; a missing object; names that are not plain. */
START_TEST(get)
{
	char *dir = unit_tmpdir(), p[4300], got[16];
	struct jhub *h = open_hub(dir);
	struct jerr e;
	int fd;

	snprintf(p, sizeof p, "%s/obj", dir);
	ck_assert_int_eq(unit_write_file(p, "0123456789", 10), 0);
	fd = open(dir, O_TMPFILE | O_RDWR, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(jhub_get(h, JHUB_DATA, "obj", 10, fd, &e), 0);
	ck_assert_int_eq(pread(fd, got, sizeof got, 0), 10);
	ck_assert_int_eq(memcmp(got, "0123456789", 10), 0);
	ck_assert_int_eq(jhub_get(h, JHUB_DATA, "obj", 9, fd, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_int_eq(jhub_retryable(h), 0);
	ck_assert_int_eq(jhub_get(h, JHUB_DATA, "obj", 11, fd, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_int_eq(jhub_get(h, JHUB_DATA, "gone", 1, fd, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_int_eq(jhub_get(h, JHUB_DATA, "../obj", 10, fd, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_int_eq(jhub_get(h, JHUB_DATA, ".obj", 10, fd, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	close(fd);
	jhub_close(h);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

/* Put is create-only: 1 created, 0 identical there, EX_DATAERR different; remove. */
START_TEST(put_remove)
{
	char *dir = unit_tmpdir(), p[4300];
	struct jhub *h = open_hub(dir);
	struct jerr e;
	size_t len;
	char *back;
	int fd = open(dir, O_TMPFILE | O_RDWR, 0600), fd2 = open(dir, O_TMPFILE | O_RDWR, 0600);

	ck_assert_int_eq(write(fd, "cursor", 6), 6);
	ck_assert_int_eq(write(fd2, "CURSOR", 6), 6);
	ck_assert_int_eq(jhub_put(h, JHUB_META, "m.cursor.0001-000000000001", fd, 6, &e), 1);
	snprintf(p, sizeof p, "%s/.jmirror/m.cursor.0001-000000000001", dir);
	ck_assert_ptr_nonnull(back = unit_read_file(p, &len));
	ck_assert_uint_eq(len, 6);
	free(back);
	ck_assert_int_eq(jhub_put(h, JHUB_META, "m.cursor.0001-000000000001", fd, 6, &e), 0);
	ck_assert_int_eq(jhub_put(h, JHUB_META, "m.cursor.0001-000000000001", fd2, 6, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(jhub_remove(h, JHUB_META, "m.cursor.0001-000000000001", &e), 0);
	ck_assert_int_ne(access(p, F_OK), 0);
	ck_assert_int_eq(jhub_remove(h, JHUB_META, "m.cursor.0001-000000000001", &e), 0);
	ck_assert_int_eq(jhub_remove(h, JHUB_DATA, "a/b", &e), -1);
	close(fd);
	close(fd2);
	jhub_close(h);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(urls)
{
	struct jerr e;
	struct jhub *h;

	ck_assert_int_eq(jhub_open("scp://h/x/", NULL, &h, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_int_eq(jhub_open("file:///tmp/x", NULL, &h, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_int_eq(jhub_open("gopher://h/x/", NULL, &h, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_int_eq(jhub_open("ftp://u:secret@h/x/", NULL, &h, &e), -1);
	ck_assert_ptr_null(strstr(e.msg, "secret"));
}
END_TEST

Suite *
suite_hub(void)
{
	Suite *s = suite_create("hub");
	TCase *tc = tcase_create("hub");

	tcase_add_test(tc, list);
	tcase_add_test(tc, get);
	tcase_add_test(tc, put_remove);
	tcase_add_test(tc, urls);
	suite_add_tcase(s, tc);
	return s;
}
