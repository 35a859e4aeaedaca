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

START_TEST(s3_credentials_file)
{
	struct jcred_s3 k;
	const char *text =
	    "# comment\n[default]\naws_access_key_id=AKDEF\naws_secret_access_key = sdef\n"
	    "\n[ceph]\r\n  aws_access_key_id = AKCEPH \r\n; another comment\n"
	    "aws_secret_access_key\t=\tsceph/+=\naws_session_token = tok\n[half]\n"
	    "aws_access_key_id = AKHALF\n[other]\naws_secret_access_key = x\n";

	ck_assert_int_eq(jcred_s3_parse(text, "default", &k), 1);
	ck_assert_str_eq(k.id, "AKDEF");
	ck_assert_str_eq(k.secret, "sdef");
	ck_assert_str_eq(k.token, "");
	ck_assert_int_eq(jcred_s3_parse(text, "ceph", &k), 1);
	ck_assert_str_eq(k.id, "AKCEPH");
	ck_assert_str_eq(k.secret, "sceph/+=");
	ck_assert_str_eq(k.token, "tok");
	ck_assert_int_eq(jcred_s3_parse(text, "half", &k), 0);     /* a key id alone */
	ck_assert_int_eq(jcred_s3_parse(text, "missing", &k), 0);
	ck_assert_int_eq(jcred_s3_parse("", "default", &k), 0);
	jcred_s3_clear(&k);
	ck_assert_str_eq(k.secret, "");
}
END_TEST

START_TEST(s3_credentials_find)
{
	char *d = unit_tmpdir(), f[512], old[4096] = "";
	const char *home = getenv("HOME");
	struct jurl u;
	struct jcred_s3 k;
	struct jerr e = { 0, "" };

	if (home)
		snprintf(old, sizeof old, "%s", home);
	setenv("HOME", d, 1);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SESSION_TOKEN");
	ck_assert_int_eq(jurl_parse("s3://bucket/p/", &u, &e), 0);
	ck_assert_int_eq(u.scheme, JURL_S3);
	ck_assert_str_eq(u.dirpath, "/p/");
	/* the environment first */
	setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "senv", 1);
	ck_assert_int_eq(jcred_s3_find(&u, &k, &e), 0);
	ck_assert_str_eq(k.id, "AKENV");
	ck_assert_str_eq(k.source, "AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	ck_assert_int_eq(jcred_s3_find(&u, &k, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	unsetenv("AWS_ACCESS_KEY_ID");
	/* then ~/.aws/credentials, owner-only */
	ck_assert_int_eq(jcred_s3_find(&u, &k, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "no S3 credentials"));
	snprintf(f, sizeof f, "%s/.aws", d);
	ck_assert_int_eq(mkdir(f, 0700), 0);
	snprintf(f, sizeof f, "%s/.aws/credentials", d);
	ck_assert_int_eq(unit_write_file(f, "[p2]\naws_access_key_id=A2\naws_secret_access_key=s2\n",
	    51), 0);
	chmod(f, 0640);
	setenv("AWS_PROFILE", "p2", 1);
	ck_assert_int_eq(jcred_s3_find(&u, &k, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "can be read by others"));
	chmod(f, 0600);
	ck_assert_msg(jcred_s3_find(&u, &k, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(k.id, "A2");
	ck_assert_str_eq(k.secret, "s2");
	ck_assert_ptr_nonnull(strstr(k.source, "[p2]"));
	ck_assert_ptr_null(strstr(k.source, "s2"));
	unsetenv("AWS_PROFILE");
	ck_assert_int_eq(jcred_s3_find(&u, &k, &e), -1);            /* no [default] */
	ck_assert_ptr_nonnull(strstr(e.msg, "[default]"));
	/* AWS_SHARED_CREDENTIALS_FILE names another file */
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds", 1);
	ck_assert_int_eq(jcred_s3_find(&u, &k, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/creds"));
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	if (home)
		setenv("HOME", old, 1);
	else
		unsetenv("HOME");
	unit_rmrf(d);
	free(d);
}
END_TEST

START_TEST(s3_token_scrubbed)
{
	char buf[256];

	ck_assert_str_eq(jcred_scrub("x-amz-security-token: SECRET", buf, sizeof buf),
	    "x-amz-security-token: [hidden]");
}
END_TEST

Suite *
suite_cred(void)
{
	Suite *s = suite_create("cred");
	TCase *tc = tcase_create("cred");

	tcase_add_test(tc, scrub);
	tcase_add_test(tc, defaults_and_refusals);
	tcase_add_test(tc, s3_credentials_file);
	tcase_add_test(tc, s3_credentials_find);
	tcase_add_test(tc, s3_token_scrubbed);
	suite_add_tcase(s, tc);
	return s;
}
