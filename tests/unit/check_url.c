#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "url.h"

START_TEST(redact)
{
	char buf[256];

	ck_assert_str_eq(jurl_redact("sftp://u:pw@h:22/a/", buf, sizeof buf), "sftp://u@h:22/a/");
	ck_assert_str_eq(jurl_redact("ftp://h/a/", buf, sizeof buf), "ftp://h/a/");
	ck_assert_str_eq(jurl_redact("http://u@h/a@b/", buf, sizeof buf), "http://u@h/a@b/");
	ck_assert_str_eq(jurl_redact("http://:pw@h/", buf, sizeof buf), "http://@h/");
	ck_assert_str_eq(jurl_redact("nourl", buf, sizeof buf), "nourl");
}
END_TEST

START_TEST(parts)
{
	struct jurl u;
	struct jerr e = { 0, "" };

	ck_assert_int_eq(jurl_parse("ftpes://u@h:2121/in/sub%20dir/", &u, &e), 0);
	ck_assert_int_eq(u.scheme, JURL_FTP);
	ck_assert_int_eq(u.tls, 1);
	ck_assert_str_eq(u.url, "ftp://u@h:2121/in/sub%20dir/");
	ck_assert_str_eq(u.redacted, "ftpes://u@h:2121/in/sub%20dir/");
	ck_assert_str_eq(u.base, "ftp://u@h:2121");
	ck_assert_str_eq(u.dirurl, "ftp://u@h:2121/in/sub%20dir/");
	ck_assert_str_eq(u.dirpath, "/in/sub dir/");
	ck_assert_str_eq(u.fname, "");
	ck_assert_int_eq(jurl_parse("HTTPS://h/a/b%2Bc.journal", &u, &e), 0);
	ck_assert_int_eq(u.scheme, JURL_HTTP);
	ck_assert_int_eq(u.tls, 0);
	ck_assert_str_eq(u.url, "https://h/a/b%2Bc.journal");
	ck_assert_str_eq(u.dirpath, "/a/");
	ck_assert_str_eq(u.fname, "b+c.journal");
	ck_assert_int_eq(jurl_parse("file:///x/", &u, &e), 0);
	ck_assert_int_eq(u.scheme, JURL_FILE);
	ck_assert_str_eq(u.dirpath, "/x/");
}
END_TEST

START_TEST(refused)
{
	static const char *const bad[] = {
		"http://u:secret@h/in/", "gopher://h/in/", "ftp://h", "file://host/x/",
		"http://h/in/.hidden", "http://h/in/a%zz", "http://h/in/a%00", "http://h/in/?q",
		"http://h/in/#f", "not a url", "://h/",
	};
	struct jurl u;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct jerr e = { 0, "" };
		ck_assert_msg(jurl_parse(bad[i], &u, &e) == -1 && e.code == EX_USAGE, "%s", bad[i]);
		ck_assert_msg(!strstr(e.msg, "secret"), "password printed: %s", e.msg);
	}
}
END_TEST

START_TEST(host_and_port)
{
	static const struct { const char *url, *host; unsigned port; } cases[] = {
		{ "sftp://h/in/", "h", 0 },
		{ "sftp://u@h:2222/in/", "h", 2222 },
		{ "sftp://u@[::1]:2222/in/", "::1", 2222 },
		{ "http://[fe80::1]/in/", "fe80::1", 0 },
		{ "ftp://127.0.0.1:21/", "127.0.0.1", 21 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct jurl u;
		struct jerr e = { 0, "" };
		char host[64];
		unsigned port = 99;
		ck_assert_msg(jurl_parse(cases[i].url, &u, &e) == 0, "%s: %s", cases[i].url, e.msg);
		ck_assert_int_eq(jurl_host(&u, host, sizeof host, &port), 0);
		ck_assert_str_eq(host, cases[i].host);
		ck_assert_uint_eq(port, cases[i].port);
	}
}
END_TEST

Suite *
suite_url(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("url");

	tcase_add_test(tc, redact);
	tcase_add_test(tc, parts);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, host_and_port);
	suite_add_tcase(s, tc);
	return s;
}
