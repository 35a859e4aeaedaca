#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cred.h"
#include "unit.h"

START_TEST(scrub)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "Authorization: Basic c2hpcDpzZWNyZXQ=", "Authorization: [hidden]" },
		{ "authorization: Bearer x", "authorization: [hidden]" },
		{ "Proxy-Authorization: Basic eA==", "Proxy-Authorization: [hidden]" },
		{ "Cookie: session=1", "Cookie: [hidden]" },
		{ "Set-Cookie: a=b; path=/", "Set-Cookie: [hidden]" },
		{ "PASS hush", "PASS [hidden]" },
		{ "USER ship", "USER [hidden]" },
		{ "Connected to ftp://u:pw@h:21/in/ now", "Connected to ftp://u@h:21/in/ now" },
		{ "a http://x:y@h/ b sftp://k:l@m/", "a http://x@h/ b sftp://k@m/" },
		{ "GET /in/a:b@c HTTP/1.1", "GET /in/a:b@c HTTP/1.1" },
		{ "Host: 127.0.0.1:8080", "Host: 127.0.0.1:8080" },
		{ "RNFR .a.h-1-00000001.part", "RNFR .a.h-1-00000001.part" },
	};
	char buf[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_str_eq(jcred_scrub(cases[i].in, buf, sizeof buf), cases[i].out);
}
END_TEST

START_TEST(defaults_and_refusals)
{
	char *d = unit_tmpdir(), nrc[512], key[512], kh[512], old[4096] = "";
	const char *home = getenv("HOME");
	struct jurl u;
	struct jcred c;
	struct jerr e = { 0, "" };

	if (home)
		snprintf(old, sizeof old, "%s", home);
	setenv("HOME", d, 1);
	snprintf(nrc, sizeof nrc, "%s/.netrc", d);
	snprintf(key, sizeof key, "%s/.ssh/id_ecdsa", d);
	snprintf(kh, sizeof kh, "%s/.ssh/known_hosts", d);
	/* sftp: no key at all */
	ck_assert_int_eq(jurl_parse("sftp://h/in/", &u, &e), 0);
	ck_assert_int_eq(jcred_find(&u, NULL, NULL, NULL, NULL, &c, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "no SSH key"));
	/* the second default key, then known_hosts found under HOME */
	{
		char ssh[512];
		snprintf(ssh, sizeof ssh, "%s/.ssh", d);
		ck_assert_int_eq(mkdir(ssh, 0700), 0);
	}
	ck_assert_int_eq(unit_write_file(key, "k", 1), 0);
	ck_assert_int_eq(jcred_find(&u, NULL, NULL, NULL, NULL, &c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "known_hosts"));
	ck_assert_int_eq(unit_write_file(kh, "", 0), 0);
	ck_assert_msg(jcred_find(&u, NULL, NULL, NULL, NULL, &c, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(c.key, key);
	ck_assert_str_eq(c.known_hosts, kh);
	ck_assert_str_eq(c.pub, "");
	/* a netrc others may read: refused for ftp, not looked at for sftp or file */
	ck_assert_int_eq(unit_write_file(nrc, "default password p\n", 19), 0);
	chmod(nrc, 0644);
	ck_assert_int_eq(jurl_parse("ftp://h/in/", &u, &e), 0);
	ck_assert_int_eq(jcred_find(&u, NULL, NULL, NULL, NULL, &c, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	ck_assert_int_eq(jurl_parse("file:///in/", &u, &e), 0);
	ck_assert_int_eq(jcred_find(&u, NULL, NULL, NULL, NULL, &c, &e), 0);
	/* a default entry's password goes in clear over plain ftp, not over ftpes */
	chmod(nrc, 0600);
	ck_assert_int_eq(jurl_parse("ftp://h/in/", &u, &e), 0);
	ck_assert_int_eq(jcred_find(&u, NULL, NULL, NULL, NULL, &c, &e), 0);
	ck_assert_int_eq(jcred_plain_password(&u, &c), 1);
	ck_assert_int_eq(jurl_parse("ftpes://h/in/", &u, &e), 0);
	ck_assert_int_eq(jcred_find(&u, NULL, NULL, NULL, NULL, &c, &e), 0);
	ck_assert_int_eq(jcred_plain_password(&u, &c), 0);
	if (home)
		setenv("HOME", old, 1);
	else
		unsetenv("HOME");
	unit_rmrf(d);
	free(d);
}
END_TEST

Suite *
suite_cred(void)
{
	Suite *s = suite_create("cred");
	TCase *tc = tcase_create("cred");

	tcase_add_test(tc, scrub);
	tcase_add_test(tc, defaults_and_refusals);
	suite_add_tcase(s, tc);
	return s;
}
