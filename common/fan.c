/*
 * fan: a ring of JFAN_RING slots between one producer and n workers in groups. Slots
 * [head, tail) hold jobs; each group keeps its next index, which its workers take under
 * the lock, one job each. A slot MUST NOT be reused before every group is done with it
 * (pending 0) and it was collected (head moved past it), and jobs
 * MUST be collected in the order they were added: that is what lets a caller print each
 * path only once every destination has it, in input order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "fan.h"

struct slot {
	void *job;
	int   pending;              /* groups not done with it */
	int   ok;
};

struct fan_worker {
	struct jfan *f;
	void        *arg;
	int          group;
	pthread_t    th;
};

struct jfan {
	struct slot       ring[JFAN_RING];
	uint64_t          head, tail;
	int               closed;
	pthread_mutex_t   mu;
	pthread_cond_t    cv;
	struct jfan_ops   ops;
	struct fan_worker w[JFAN_MAX];
	uint64_t          next[JFAN_MAX];   /* per group: the next job to hand out */
	int               ngroups, started;
};

/* The next job of the worker's group, taken, or NULL once the fan is closed and drained. */
static struct slot *
next_job(struct fan_worker *w)
{
	struct jfan *f = w->f;
	uint64_t *next = &f->next[w->group];
	struct slot *s = NULL;

	pthread_mutex_lock(&f->mu);
	if (*next >= f->tail && !f->closed && f->ops.idle) {
		pthread_mutex_unlock(&f->mu);
		f->ops.idle(w->arg);
		pthread_mutex_lock(&f->mu);
	}
	while (*next >= f->tail && !f->closed)
		pthread_cond_wait(&f->cv, &f->mu);
	if (*next < f->tail)
		s = &f->ring[(*next)++ % JFAN_RING];
	pthread_mutex_unlock(&f->mu);
	return s;
}

static void *
worker_main(void *arg)
{
	struct fan_worker *w = arg;
	struct jfan *f = w->f;
	struct slot *s;

	while ((s = next_job(w))) {
		int rc = f->ops.work(w->arg, s->job);
		pthread_mutex_lock(&f->mu);
		if (rc < 0)
			s->ok = 0;
		s->pending--;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
	}
	if (f->ops.idle)
		f->ops.idle(w->arg);
	return NULL;
}

/* Hand the finished jobs at the head to done, in order; then, with until_empty, wait until
 * every job is collected, else until the ring has room. */
static void
collect(struct jfan *f, int until_empty)
{
	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (f->head < f->tail && f->ring[f->head % JFAN_RING].pending == 0) {
			struct slot s = f->ring[f->head % JFAN_RING];
			f->head++;
			pthread_mutex_unlock(&f->mu);
			f->ops.done(f->ops.arg, s.job, s.ok);
			pthread_mutex_lock(&f->mu);
		}
		if (until_empty ? f->head == f->tail : f->tail - f->head < JFAN_RING)
			break;
		pthread_cond_wait(&f->cv, &f->mu);
	}
	pthread_mutex_unlock(&f->mu);
}

int
jfan_start(struct jfan **fp, void **workers, const int *group, int n, const struct jfan_ops *ops,
    struct jerr *e)
{
	struct jfan *f;
	int ngroups = 0;

	if (n < 1 || n > JFAN_MAX)
		return jerr_set(e, EX_SOFTWARE, "%d workers: from 1 to %d", n, JFAN_MAX);
	for (int i = 0; i < n; i++) {
		int g = group ? group[i] : i;
		if (g < 0 || g > ngroups)
			return jerr_set(e, EX_SOFTWARE, "worker %d: group %d after %d groups", i, g,
			    ngroups);
		if (g == ngroups)
			ngroups++;
	}
	if (!(f = calloc(1, sizeof *f)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->ops = *ops;
	f->ngroups = ngroups;
	*fp = f;
	for (int i = 0; i < n; i++) {
		f->w[i].f = f;
		f->w[i].arg = workers[i];
		f->w[i].group = group ? group[i] : i;
		if ((errno = pthread_create(&f->w[i].th, NULL, worker_main, &f->w[i])) != 0)
			return jerr_sys(e, EX_OSERR, "unable to start a thread");
		f->started++;
	}
	return 0;
}

void
jfan_add(struct jfan *f, void *job)
{
	struct slot *s;

	collect(f, 0);
	pthread_mutex_lock(&f->mu);
	s = &f->ring[f->tail % JFAN_RING];
	s->job = job;
	s->pending = f->ngroups;
	s->ok = 1;
	f->tail++;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	collect(f, 0);
}

void
jfan_finish(struct jfan *f)
{
	collect(f, 1);
	pthread_mutex_lock(&f->mu);
	f->closed = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	for (int i = 0; i < f->started; i++)
		pthread_join(f->w[i].th, NULL);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}
