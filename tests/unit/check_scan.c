#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"
#include "unit.h"

static void
touch(const char *dir, const char *name)
{
	char p[4096];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	ck_assert_int_eq(unit_write_file(p, "x", 1), 0);
}

START_TEST(order_and_filter)
{
	char *d = unit_tmpdir(), p[4096], q[4096];
	struct jscan_ent *v;
	struct jerr e;
	size_t n;

	touch(d, "db.0002-000000000001.journal");
	touch(d, "db.0001-000000000010.journal");
	touch(d, "db.0001-000000000009.journal.zst");
	touch(d, "db.0001-000000000009.journal");
	touch(d, "aa.0001-000000000005.journal.gz");
	touch(d, "db.journal");                           /* live journal: not a segment */
	touch(d, ".db.0001-000000000011.journal.part");   /* temporary */
	touch(d, "db.0001-00000000001.journal");          /* too few digits */
	touch(d, "README");
	snprintf(p, sizeof p, "%s/db.0001-000000000012.journal", d);
	ck_assert_int_eq(mkdir(p, 0700), 0);              /* a directory */
	snprintf(p, sizeof p, "%s/db.0001-000000000013.journal", d);
	snprintf(q, sizeof q, "%s/db.0001-000000000010.journal", d);
	ck_assert_int_eq(symlink(q, p), 0);               /* a symlink */

	ck_assert_int_eq(jscan_dir(d, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[0].base, "aa.0001-000000000005.journal.gz");
	ck_assert_str_eq(v[1].base, "db.0001-000000000009.journal");
	ck_assert_str_eq(v[2].base, "db.0001-000000000009.journal.zst");
	ck_assert_str_eq(v[3].base, "db.0001-000000000010.journal");
	ck_assert_str_eq(v[4].base, "db.0002-000000000001.journal");
	ck_assert_uint_eq(v[4].n.timeline, 2);
	ck_assert_uint_eq(v[3].n.seq, 10);
	free(v);
	unit_rmrf(d);
	free(d);
}
END_TEST

START_TEST(empty_and_missing)
{
	char *d = unit_tmpdir(), p[4096];
	struct jscan_ent *v;
	struct jerr e;
	size_t n;

	ck_assert_int_eq(jscan_dir(d, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
	snprintf(p, sizeof p, "%s/nope", d);
	ck_assert_int_eq(jscan_dir(p, &v, &n, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_ptr_null(v);
	unit_rmrf(d);
	free(d);
}
END_TEST

Suite *
suite_scan(void)
{
	Suite *s = suite_create("scan");
	TCase *t = tcase_create("scan");

	tcase_add_test(t, order_and_filter);
	tcase_add_test(t, empty_and_missing);
	suite_add_tcase(s, t);
	return s;
}
