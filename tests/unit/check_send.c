#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "name.h"
#include "send.h"
#include "unit.h"
#include "zio.h"

#define SEG "db.0001-000000000001.journal"

START_TEST(source_plain_and_compressed)
{
	char *d = unit_tmpdir(), p[600], tname[300], buf[64];
	struct jerr e = { 0, "" };
	struct jzio *z;
	uint64_t size;
	ssize_t n;
	int fd;

	snprintf(p, sizeof p, "%s/%s", d, SEG);
	ck_assert_int_eq(unit_write_file(p, "segment bytes", 13), 0);
	ck_assert_int_eq(jsend_source(p, JCOMP_NONE, 0, &fd, &size, tname, sizeof tname, &e), 0);
	ck_assert_str_eq(tname, SEG);
	ck_assert_uint_eq(size, 13);
	close(fd);
	ck_assert_int_eq(jsend_source(p, JCOMP_ZSTD, 0, &fd, &size, tname, sizeof tname, &e), 0);
	ck_assert_str_eq(tname, SEG ".zst");
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);          /* senders use pread */
	ck_assert_int_eq(jzio_open_read(fd, &z, &e), 0);
	n = jzio_read(z, buf, sizeof buf, &e);
	ck_assert_int_eq(n, 13);
	ck_assert_int_eq(memcmp(buf, "segment bytes", 13), 0);
	jzio_close(z);
	close(fd);
	/* already compressed: sent as it is */
	snprintf(p, sizeof p, "%s/%s.gz", d, SEG);
	ck_assert_int_eq(unit_write_file(p, "gz", 2), 0);
	ck_assert_int_eq(jsend_source(p, JCOMP_ZSTD, 0, &fd, &size, tname, sizeof tname, &e), 0);
	ck_assert_str_eq(tname, SEG ".gz");
	ck_assert_uint_eq(size, 2);
	close(fd);
	snprintf(p, sizeof p, "%s/gone.journal", d);
	ck_assert_int_eq(jsend_source(p, JCOMP_NONE, 0, &fd, &size, tname, sizeof tname, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	unit_rmrf(d);
	free(d);
}
END_TEST

static int notified;
static double waited;

static void
notify(void *arg, const char *msg, double wait)
{
	(void)arg; (void)msg;
	notified++;
	waited = wait;
}

/* A refused connection is worth retrying: once here, after 0.25 to 0.5 s; never beyond
 * the time allowed; never a failure that trying again cannot cure. */
START_TEST(put_retries_what_is_transient)
{
	char *d = unit_tmpdir(), p[600], url[700];
	struct jsend_retry r = { .retries = 1, .max_ns = 60000000000ull, .notify = notify };
	struct jxfer *x;
	struct jerr e = { 0, "" };
	int fd, s;

	snprintf(p, sizeof p, "%s/src", d);
	ck_assert_int_eq(unit_write_file(p, "x", 1), 0);
	fd = open(p, O_RDONLY);
	/* a port nothing listens on: bind one, do not listen, keep it */
	{
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t al = sizeof a;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s = socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
		ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &al), 0);
		snprintf(url, sizeof url, "http://127.0.0.1:%d/in/", ntohs(a.sin_port));
	}
	ck_assert_int_eq(jxfer_global_init(&e), 0);
	ck_assert_int_eq(jxfer_open(url, NULL, &x, &e), 0);
	notified = 0;
	ck_assert_int_eq(jsend_put(x, fd, 1, "a.journal", &r, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_int_eq(notified, 1);
	ck_assert(waited >= 0.25 && waited <= 0.5);
	r.max_ns = 100000000ull;                        /* 0.1 s: no wait fits */
	notified = 0;
	ck_assert_int_eq(jsend_put(x, fd, 1, "a.journal", &r, &e), -1);
	ck_assert_int_eq(notified, 0);
	ck_assert_int_eq(jxfer_retryable(x), 1);
	/* a refused name is never worth retrying, whatever the put before it said */
	ck_assert_int_eq(jxfer_put(x, fd, 1, ".hidden", &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_int_eq(jxfer_retryable(x), 0);
	jxfer_close(x);
	snprintf(url, sizeof url, "file://%s/none/", d);     /* no such directory */
	ck_assert_int_eq(jxfer_open(url, NULL, &x, &e), 0);
	r.max_ns = 60000000000ull;
	ck_assert_int_eq(jsend_put(x, fd, 1, "a.journal", &r, &e), -1);
	ck_assert_int_eq(notified, 0);
	jxfer_close(x);
	close(s);
	close(fd);
	unit_rmrf(d);
	free(d);
}
END_TEST

static int
check_fails(const char *path, struct jerr *e)
{
	return jerr_set(e, EX_DATAERR, "%s: damaged", path);
}

static int
check_passes(const char *path, struct jerr *e)
{
	(void)path; (void)e;
	return 0;
}

START_TEST(verify_in_flight)
{
	struct jsend_verify *v;
	struct jerr e = { 0, "" };

	ck_assert_int_eq(jsend_verify_start("/x/seg", check_fails, &v, &e), 0);
	ck_assert_int_eq(jsend_verify_gate(v, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "/x/seg: damaged");
	e.code = 0;
	ck_assert_int_eq(jsend_verify_gate(v, &e), -1);         /* the same verdict again */
	ck_assert_int_eq(jsend_verify_end(v, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(jsend_verify_start("/x/seg", check_passes, &v, &e), 0);
	ck_assert_int_eq(jsend_verify_gate(v, &e), 0);
	ck_assert_int_eq(jsend_verify_end(v, &e), 0);
}
END_TEST

Suite *
suite_send(void)
{
	Suite *s = suite_create("send");
	TCase *tc = tcase_create("send");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, source_plain_and_compressed);
	tcase_add_test(tc, put_retries_what_is_transient);
	tcase_add_test(tc, verify_in_flight);
	suite_add_tcase(s, tc);
	return s;
}
