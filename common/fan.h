/*
 * fan: the same jobs, in order, to each of several groups of workers, each worker in its
 * own thread at its own pace; the caller collects every job, in order, once every group is
 * done with it. A group is a destination; its workers are its lanes (connections): each job
 * goes to one worker of each group, the first free one, so a group's jobs start in order
 * and may end in any order.
 *
 *     struct jfan_ops ops = { work, idle, done, arg };
 *     if (jfan_start(&f, workers, group, n, &ops, e) < 0) ...
 *                                n threads, one per workers[i]; group[i] is worker i's
 *                                group (0, 1, ...: consecutive, from 0), or group NULL: each
 *                                worker is a group of its own
 *     jfan_add(f, job);          waits while JFAN_RING jobs are unfinished; collects
 *     jfan_finish(f);            collects every job, stops and joins the workers, frees f
 *
 *     work(worker, job)          in the worker's thread: 0, or -1 (the job failed there)
 *     idle(worker)               in the worker's thread, each time it has caught up with
 *                                the jobs added so far, and once at the end (may be NULL)
 *     done(arg, job, ok)         in the caller's thread (inside jfan_add or jfan_finish),
 *                                in the order of jfan_add; ok: no worker failed it. The job
 *                                is the caller's again: free it there.
 * Jobs are the caller's pointers; a group is never handed a job twice nor out of order,
 * and each worker sees its own jobs in the order they were added.
 */
#ifndef JM_FAN_H
#define JM_FAN_H

#include "err.h"

#define JFAN_RING 64            /* how far the fastest worker may run ahead of the output */
#define JFAN_MAX  160           /* workers */

struct jfan;

struct jfan_ops {
	int  (*work)(void *worker, void *job);
	void (*idle)(void *worker);
	void (*done)(void *arg, void *job, int ok);
	void  *arg;
};

int  jfan_start(struct jfan **f, void **workers, const int *group, int n,
                const struct jfan_ops *ops, struct jerr *e);
void jfan_add(struct jfan *f, void *job);
void jfan_finish(struct jfan *f);

#endif
