/*
 * fan: the same jobs, in order, to each of several workers, each in its own thread at its
 * own pace; the caller collects every job, in order, once all workers are done with it.
 *
 *     struct jfan_ops ops = { work, idle, done, arg };
 *     if (jfan_start(&f, workers, n, &ops, e) < 0) ...    n threads, one per workers[i]
 *     jfan_add(f, job);          waits while JFAN_RING jobs are unfinished; collects
 *     jfan_finish(f);            collects every job, stops and joins the workers, frees f
 *
 *     work(worker, job)          in the worker's thread: 0, or -1 (the job failed there)
 *     idle(worker)               in the worker's thread, each time it has caught up with
 *                                the jobs added so far, and once at the end (may be NULL)
 *     done(arg, job, ok)         in the caller's thread (inside jfan_add or jfan_finish),
 *                                in the order of jfan_add; ok: no worker failed it. The job
 *                                is the caller's again: free it there.
 * Jobs are the caller's pointers; a worker is never handed a job twice nor out of order.
 */
#ifndef JM_FAN_H
#define JM_FAN_H

#include "err.h"

#define JFAN_RING 64            /* how far the fastest worker may run ahead of the output */
#define JFAN_MAX  32            /* workers */

struct jfan;

struct jfan_ops {
	int  (*work)(void *worker, void *job);
	void (*idle)(void *worker);
	void (*done)(void *arg, void *job, int ok);
	void  *arg;
};

int  jfan_start(struct jfan **f, void **workers, int n, const struct jfan_ops *ops,
                struct jerr *e);
void jfan_add(struct jfan *f, void *job);
void jfan_finish(struct jfan *f);

#endif
