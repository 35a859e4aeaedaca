#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fan.h"
#include "unit.h"

#define JOBS 500

struct worker {
	int       id;
	int       seen[JOBS];       /* order in which this worker got the jobs */
	int       nseen;
	int       idles;
	int       fail_at;          /* job this worker fails, or -1 */
};

static int done_order[JOBS], done_ok[JOBS], ndone;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int max_ahead;

static int
work(void *w_, void *job)
{
	struct worker *w = w_;
	int n = (int)(intptr_t)job;

	w->seen[w->nseen++] = n;
	pthread_mutex_lock(&mu);
	if (n - ndone > max_ahead)
		max_ahead = n - ndone;
	pthread_mutex_unlock(&mu);
	if (w->id == 0 && n % 50 == 0) {        /* one slow worker now and then */
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return n == w->fail_at ? -1 : 0;
}

static void
idle(void *w_)
{
	((struct worker *)w_)->idles++;
}

static void
done(void *arg, void *job, int ok)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	done_ok[ndone] = ok;
	done_order[ndone++] = (int)(intptr_t)job;
	pthread_mutex_unlock(&mu);
}

START_TEST(every_worker_every_job_in_order)
{
	static struct worker w[3];
	struct jfan_ops ops = { work, idle, done, NULL };
	void *ws[3];
	struct jfan *f;
	struct jerr e = { 0, "" };

	memset(w, 0, sizeof w);
	ndone = 0;
	max_ahead = 0;
	for (int i = 0; i < 3; i++) {
		w[i].id = i;
		w[i].fail_at = i == 2 ? 7 : -1;
		ws[i] = &w[i];
	}
	ck_assert_int_eq(jfan_start(&f, ws, NULL, 3, &ops, &e), 0);
	for (int n = 0; n < JOBS; n++)
		jfan_add(f, (void *)(intptr_t)n);
	jfan_finish(f);
	ck_assert_int_eq(ndone, JOBS);
	for (int n = 0; n < JOBS; n++) {
		ck_assert_int_eq(done_order[n], n);
		ck_assert_int_eq(done_ok[n], n != 7);       /* one worker failed it */
		for (int i = 0; i < 3; i++)
			ck_assert_int_eq(w[i].seen[n], n);
	}
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(w[i].nseen, JOBS);
		ck_assert_int_ge(w[i].idles, 1);            /* at least once, at the end */
	}
	ck_assert_int_le(max_ahead, JFAN_RING);
}
END_TEST

START_TEST(bad_worker_count)
{
	struct jfan_ops ops = { work, NULL, done, NULL };
	struct jfan *f;
	struct jerr e = { 0, "" };

	ck_assert_int_eq(jfan_start(&f, NULL, NULL, 0, &ops, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
}
END_TEST

/* Lanes: group 0 has three workers, group 1 one. Job 0 holds its lane until job 1 has
 * started in another lane of group 0: the group does not wait for one job to end before
 * handing out the next. */
static pthread_cond_t lane_cv = PTHREAD_COND_INITIALIZER;
static int lane_started1, lane_timeout, lane_runs[JOBS][2];

static int
lane_work(void *w_, void *job)
{
	struct worker *w = w_;
	int n = (int)(intptr_t)job, g = w->id < 3 ? 0 : 1;

	if (w->nseen > 0 && w->seen[w->nseen - 1] >= n)
		lane_timeout = -1;                      /* a worker got a job out of order */
	w->seen[w->nseen++] = n;
	pthread_mutex_lock(&mu);
	lane_runs[n][g]++;
	if (g == 0 && n == 1) {
		lane_started1 = 1;
		pthread_cond_broadcast(&lane_cv);
	}
	if (g == 0 && n == 0) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 10;
		while (!lane_started1 && !lane_timeout)
			if (pthread_cond_timedwait(&lane_cv, &mu, &until) != 0)
				lane_timeout = 1;
	}
	pthread_mutex_unlock(&mu);
	return g == 0 && n == 9 ? -1 : 0;
}

START_TEST(lanes_share_a_group)
{
	static struct worker w[4];
	struct jfan_ops ops = { lane_work, NULL, done, NULL };
	void *ws[4];
	int group[4] = { 0, 0, 0, 1 };
	struct jfan *f;
	struct jerr e = { 0, "" };
	int total = 0;

	memset(w, 0, sizeof w);
	memset(lane_runs, 0, sizeof lane_runs);
	ndone = 0;
	for (int i = 0; i < 4; i++) {
		w[i].id = i;
		ws[i] = &w[i];
	}
	ck_assert_int_eq(jfan_start(&f, ws, group, 4, &ops, &e), 0);
	for (int n = 0; n < JOBS; n++)
		jfan_add(f, (void *)(intptr_t)n);
	jfan_finish(f);
	ck_assert_int_eq(lane_timeout, 0);
	ck_assert_int_eq(ndone, JOBS);
	for (int n = 0; n < JOBS; n++) {
		ck_assert_int_eq(done_order[n], n);             /* collected in order */
		ck_assert_int_eq(done_ok[n], n != 9);
		ck_assert_int_eq(lane_runs[n][0], 1);           /* once per group */
		ck_assert_int_eq(lane_runs[n][1], 1);
	}
	ck_assert_int_eq(w[3].nseen, JOBS);
	for (int i = 0; i < 3; i++)
		total += w[i].nseen;
	ck_assert_int_eq(total, JOBS);
}
END_TEST

START_TEST(bad_groups)
{
	struct jfan_ops ops = { work, NULL, done, NULL };
	struct jfan *f;
	struct jerr e = { 0, "" };
	int skip[2] = { 0, 2 };

	ck_assert_int_eq(jfan_start(&f, NULL, skip, 2, &ops, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
}
END_TEST

Suite *
suite_fan(void)
{
	Suite *s = suite_create("fan");
	TCase *tc = tcase_create("fan");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, every_worker_every_job_in_order);
	tcase_add_test(tc, bad_worker_count);
	tcase_add_test(tc, lanes_share_a_group);
	tcase_add_test(tc, bad_groups);
	suite_add_tcase(s, tc);
	return s;
}
