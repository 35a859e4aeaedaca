/*
 * apply: the front of the appliers (apply.h): picks one (apply_ops.h) and calls it, and
 * keeps what every applier shares, the integration lock.
 *
 * Invariants:
 * - Every call MUST reach the applier that opened the handle; a tool never learns which one
 *   it is beyond japply_is_exec.
 * - An operation an applier does not have MUST be what apply.h promises for it: refresh
 *   and sync succeed doing nothing (its commits are durable, its target is not replaced
 *   under it), set_role is refused.
 */
#include <stdint.h>
#include <string.h>

#include "apply_ops.h"
#include "lock.h"
#include "name.h"

int
japply_is_pg(const char *db)
{
	return !strncmp(db, "postgresql://", 13) || !strncmp(db, "postgres://", 11);
}

static const struct japply_ops *
pick(const char *db, int exec)
{
	return exec ? &japply_exec_ops : japply_is_pg(db) ? &japply_pg_ops : &japply_sqlite_ops;
}

int
japply_open(const struct japply_opts *o, struct japply **ap, struct jerr *e)
{
	if (pick(o->db, o->exec != NULL)->open(o, ap, e) < 0)
		return -1;
	(*ap)->db = o->db;
	(*ap)->lockfd = -1;
	return 0;
}

int
japply_take(struct japply *a, int how, struct jerr *e)
{
	if (a->ops->take)
		return a->ops->take(a, how, e);
	if (a->lockfd >= 0)
		return 0;
	return (a->lockfd = japply_lock(a->db, how, e)) < 0 ? -1 : 0;
}

void
japply_release(struct japply *a)
{
	if (a->ops->release)
		a->ops->release(a);
	else if (a->lockfd >= 0) {
		jlock_close(a->lockfd);
		a->lockfd = -1;
	}
}

int
japply_refresh(struct japply *a, struct jerr *e)
{
	return a->ops->refresh ? a->ops->refresh(a, e) : 0;
}

int
japply_load(struct japply *a, struct japply_state *st, struct jerr *e)
{
	if (a->ops->load(a, st, e) < 0)
		return -1;
	a->was_captured = st->captured;
	return 0;
}

int
japply_begin(struct japply *a, const char *seg, uint64_t first, uint64_t last,
    struct jerr *e)
{
	a->captured = a->was_captured;
	return a->ops->begin(a, seg, first, last, e);
}

/* Row records come from a captured primary: the first one applied marks the mirror so, in
 * its batch, so that jpromote captures it too when it becomes the primary. */
int
japply_record(struct japply *a, const struct jseg_rec *r, struct jerr *e)
{
	if (r->type == JFMT_TYPE_ROW && !a->captured && a->ops->captured) {
		if (a->ops->captured(a, r->lsn, e) < 0)
			return -1;
		a->captured = 1;
	}
	return a->ops->record(a, r, e);
}

int
japply_commit(struct japply *a, const struct japply_state *st, struct jerr *e)
{
	return a->ops->commit(a, st, e);
}

int
japply_sync(struct japply *a, struct jerr *e)
{
	return a->ops->sync ? a->ops->sync(a, e) : 0;
}

void
japply_rollback(struct japply *a)
{
	a->ops->rollback(a);
}

void
japply_close(struct japply *a)
{
	if (a) {
		japply_release(a);
		a->ops->close(a);
	}
}

int
japply_is_exec(const struct japply *a)
{
	return a->ops == &japply_exec_ops;
}

int
japply_lock(const char *db, int how, struct jerr *e)
{
	char path[4096];

	if (japply_is_pg(db))
		return jerr_set(e, EX_USAGE, "%s: a PostgreSQL mirror is locked through its "
		    "applier, not a lock file", db);
	if (jname_aux(path, sizeof path, db, "lock") < 0)
		return jerr_sys(e, EX_USAGE, "%s", db);
	return jlock_acquire(path, how, e);
}

int
japply_state_read(const char *db, int exec, struct japply_state *st, struct jerr *e)
{
	return pick(db, exec)->read(db, st, e);
}

int
japply_state_set_role(const char *db, int operational, struct jerr *e)
{
	return pick(db, 0)->set_role(db, operational, e);
}
