#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "part.h"
#include "unit.h"

START_TEST(names)
{
	char name[256], leaf[512], host[80], big[300];
	long pid;

	ck_assert_int_eq(jpart_name(leaf, sizeof leaf, "db.0001-000000000001.journal",
	    "web-1", 4242, 0xabcdef01u), 0);
	ck_assert_str_eq(leaf, ".db.0001-000000000001.journal.web-1-4242-abcdef01.part");
	ck_assert_int_eq(jpart_owner(leaf, host, sizeof host, &pid), 1);
	ck_assert_str_eq(host, "web-1");
	ck_assert_int_eq(pid, 4242);
	/* the longest segment name (NAME of 215 bytes, .zst) and the longest host: 255 bytes */
	memset(name, 'n', 215);
	strcpy(name + 215, ".0001-000000000001.journal.zst");
	memset(big, 'h', JPART_HOST_MAX);
	big[JPART_HOST_MAX] = 0;
	ck_assert_int_eq(jpart_name(leaf, sizeof leaf, name, big, 2147483647, 1), 0);
	ck_assert_uint_le(strlen(leaf), 255);
	ck_assert_int_eq(jpart_owner(leaf, host, sizeof host, &pid), 1);
	ck_assert_str_eq(host, big);
	ck_assert_int_eq(pid, 2147483647);
	/* not ours */
	static const char *no[] = {
		".db.0001-000000000001.journal.part", "db.x-1-abcdef01.part", ".x.h-1-abcdef0.part",
		".x.h-1-abcdefgh.part", ".x.h--abcdef01.part", ".x.h-0-abcdef01.part",
		".x.-1-abcdef01.part", ".h-1-abcdef01.part", ".x.h-1-abcdef01.tmp",
	};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		ck_assert_msg(jpart_owner(no[i], host, sizeof host, &pid) == 0, "%s", no[i]);
	/* stale: this host's with no such process; any, once old */
	jpart_host(host, sizeof host);
	ck_assert_int_eq(jpart_name(leaf, sizeof leaf, "a.journal", host, (long)getpid(), 1),
	    0);
	ck_assert_int_eq(jpart_stale(leaf, host, 0, 0), 0);          /* ours, alive */
	ck_assert_int_eq(jpart_name(leaf, sizeof leaf, "a.journal", host, 4194305, 1), 0);
	ck_assert_int_eq(jpart_stale(leaf, host, 0, 0), 1);          /* no such pid */
	ck_assert_int_eq(jpart_name(leaf, sizeof leaf, "a.journal", "elsewhere", 4194305, 1),
	    0);
	ck_assert_int_eq(jpart_stale(leaf, host, 0, 0), 0);          /* another host's */
	ck_assert_int_eq(jpart_stale(leaf, host, 1000, 1000 + JPART_STALE + 1), 1);
	ck_assert_int_eq(jpart_stale(leaf, host, 1000, 1000 + JPART_STALE - 1), 0);
}
END_TEST

START_TEST(fresh_ones_differ)
{
	char host[JPART_HOST_MAX + 1], a[256], b[256], h2[80];
	long pid;

	jpart_host(host, sizeof host);
	jpart_new(a, sizeof a, "db.0001-000000000001.journal", host);
	jpart_new(b, sizeof b, "db.0001-000000000001.journal", host);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(jpart_owner(a, h2, sizeof h2, &pid), 1);
	ck_assert_str_eq(h2, host);
	ck_assert_int_eq(pid, (long)getpid());
	ck_assert_int_eq(strncmp(a, ".db.0001-000000000001.journal.", 30), 0);
}
END_TEST

Suite *
suite_part(void)
{
	Suite *s = suite_create("part");
	TCase *tc = tcase_create("part");

	tcase_add_test(tc, names);
	tcase_add_test(tc, fresh_ones_differ);
	suite_add_tcase(s, tc);
	return s;
}
