/* apply_exec: the exec applier, through apply.h as jintegrate drives it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "unit.h"

static struct jfmt_header
hdr1(void)
{
	struct jfmt_header h = { .version = 1, .timeline = 1, .seq = 1, .first_lsn = 1 };

	memset(h.lineage, 0x11, sizeof h.lineage);
	return h;
}

static struct jseg_rec
rec(uint64_t lsn, const char *s)
{
	return (struct jseg_rec){ .lsn = lsn, .type = JFMT_TYPE_SQL, .data = (const uint8_t *)s,
	    .len = strlen(s) };
}

/* The command gets every record, each sql one ending its statement, and the batch's
 * environment; the state is written after it exited 0. */
START_TEST(exec_batch)
{
	char *dir = unit_tmpdir(), db[512], cmd[1200], out[600];
	struct japply_opts o = { .db = db, .exec = cmd };
	struct japply_state st = { 0 }, got;
	struct jfmt_header h = hdr1();
	struct jfmt_trailer t = { .last_lsn = 2 };
	struct jseg_rec r1 = rec(1, "INSERT 1"), r2 = rec(2, "INSERT 2; \n");
	struct japply *a;
	struct jerr e;
	size_t n;
	char *text;

	snprintf(db, sizeof db, "%s/m", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(cmd, sizeof cmd, "{ echo \"$JM_SEGMENT $JM_FIRST_LSN $JM_LAST_LSN\"; cat; } >'%s'",
	    out);
	ck_assert_int_eq(japply_open(&o, &a, &e), 0);
	ck_assert_int_eq(japply_is_exec(a), 1);
	ck_assert_int_eq(japply_refresh(a, &e), 0);
	ck_assert_int_eq(japply_load(a, &got, &e), 0);
	ck_assert_int_eq(got.present, 0);
	ck_assert_int_eq(japply_state_read(db, 1, &got, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_int_eq(japply_begin(a, "s1", 1, 2, &e), 0);
	ck_assert_int_eq(japply_record(a, &r1, &e), 0);
	ck_assert_int_eq(japply_record(a, &r2, &e), 0);
	japply_advance(&st, &h, "db.0001-000000000001.journal", 2, 9, &t);
	ck_assert_int_eq(japply_commit(a, &st, &e), 0);
	ck_assert_int_eq(japply_sync(a, &e), 0);
	text = unit_read_file(out, &n);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(n, strlen("s1 1 2\nINSERT 1\n;\nINSERT 2; \n\n"));
	ck_assert_mem_eq(text, "s1 1 2\nINSERT 1\n;\nINSERT 2; \n\n", n);
	free(text);
	ck_assert_int_eq(japply_state_read(db, 1, &got, &e), 0);
	ck_assert_int_eq(got.present, 1);
	ck_assert_uint_eq(got.last_lsn, 2);
	ck_assert_uint_eq(got.last_time, 9);
	ck_assert_int_eq(japply_state_set_role(db, 1, &e), -1);  /* no database to promote */
	japply_close(a);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

/* A command that fails or is killed applied nothing: the state stays. */
START_TEST(exec_failure)
{
	char *dir = unit_tmpdir(), db[512];
	const char *cmds[] = { "cat >/dev/null; exit 3", "cat >/dev/null; kill -9 $$" };
	struct japply_state st = { 0 }, got;
	struct jfmt_header h = hdr1();
	struct jfmt_trailer t = { .last_lsn = 1 };
	struct japply *a;
	struct jerr e;
	struct jseg_rec r = rec(1, "INSERT 1");

	snprintf(db, sizeof db, "%s/m", dir);
	japply_advance(&st, &h, "db.0001-000000000001.journal", 1, 0, &t);
	for (int i = 0; i < 2; i++) {
		struct japply_opts o = { .db = db, .exec = cmds[i] };
		ck_assert_int_eq(japply_open(&o, &a, &e), 0);
		ck_assert_int_eq(japply_begin(a, "s1", 1, 1, &e), 0);
		ck_assert_int_eq(japply_record(a, &r, &e), 0);
		ck_assert_int_eq(japply_commit(a, &st, &e), -1);
		ck_assert_int_eq(e.code, JAPPLY_EAPPLY);
		ck_assert_int_eq(japply_load(a, &got, &e), 0);
		ck_assert_int_eq(got.present, 0);
		japply_close(a);
	}
	unit_rmrf(dir);
	free(dir);
}
END_TEST

/* Rolling back a batch stops its command: nothing waits for it to finish on its own. */
START_TEST(exec_rollback)
{
	char *dir = unit_tmpdir(), db[512];
	struct japply_opts o = { .db = db, .exec = "exec sleep 60" };
	struct japply *a;
	struct jerr e;
	time_t t0 = time(NULL);

	/* the runner's SIGTERM handler would run in the command's process if the signal came
	 * before its exec, and stop the whole test: the tools' own handlers only set a flag */
	signal(SIGTERM, SIG_DFL);
	snprintf(db, sizeof db, "%s/m", dir);
	ck_assert_int_eq(japply_open(&o, &a, &e), 0);
	ck_assert_int_eq(japply_begin(a, "s1", 1, 1, &e), 0);
	japply_rollback(a);
	japply_close(a);
	ck_assert_int_lt(time(NULL) - t0, 30);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

Suite *
suite_apply_exec(void)
{
	Suite *s = suite_create("apply_exec");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, exec_batch);
	tcase_add_test(tc, exec_failure);
	tcase_add_test(tc, exec_rollback);
	suite_add_tcase(s, tc);
	return s;
}
