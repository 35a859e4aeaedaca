/*
 * apply_ops: what an applier is, for apply.c and the appliers only (tools use apply.h).
 *
 * An applier is one file (apply_sqlite.c, apply_exec.c) that defines one struct japply_ops
 * and a struct of its own whose first member is a struct japply; apply.c picks the applier
 * from struct japply_opts (table in japply_open) and calls it through the ops. A new applier
 * (row records, PostgreSQL) is one new file and one line in that table.
 *
 * Contract of each operation (the calling sequence is apply.h's):
 *   open         allocate the applier's struct, fill base.ops, and set the applier up
 *                (*a NULL on failure, nothing left open)
 *   refresh      is the target still the one opened? reopen if not (NULL: nothing to do)
 *   load         read the bookkeeping into st (an empty target: st->present = 0)
 *   begin/record/commit/rollback   one batch; commit writes st with the batch's data, or
 *                after it succeeded (the exec applier's at-least-once)
 *   sync         make every commit so far durable (NULL: commits are durable already)
 *   close        roll back what is open, free everything
 *   read         the bookkeeping of the target named db, without opening an applier
 *                (a missing target is EX_NOINPUT)
 *   set_role     change the role in the bookkeeping in one durable step (NULL: refused)
 *   captured     in the open batch, mark the target as the mirror of a captured primary
 *                (row record lsn applied; jpromote captures it in turn): called by apply.c
 *                before the first row record of a batch, while the mark is not there yet
 *                (NULL: the applier keeps no such mark)
 *   take/release the integration lock, when the mirror is not a file (NULL: apply.c takes
 *                the file lock DIR/.BASE.lock beside the database)
 * Each returns 0 or -1 with e, as apply.h says; rollback and close keep errno.
 */
#ifndef JM_APPLY_OPS_H
#define JM_APPLY_OPS_H

#include "apply.h"

struct japply_ops {
	const char *name;
	int  (*open)(const struct japply_opts *o, struct japply **a, struct jerr *e);
	int  (*refresh)(struct japply *a, struct jerr *e);
	int  (*load)(struct japply *a, struct japply_state *st, struct jerr *e);
	int  (*begin)(struct japply *a, const char *seg, uint64_t first, uint64_t last,
	              struct jerr *e);
	int  (*record)(struct japply *a, const struct jseg_rec *r, struct jerr *e);
	int  (*commit)(struct japply *a, const struct japply_state *st, struct jerr *e);
	int  (*sync)(struct japply *a, struct jerr *e);
	void (*rollback)(struct japply *a);
	void (*close)(struct japply *a);
	int  (*take)(struct japply *a, int how, struct jerr *e);
	void (*release)(struct japply *a);
	int  (*read)(const char *db, struct japply_state *st, struct jerr *e);
	int  (*set_role)(const char *db, int operational, struct jerr *e);
	int  (*captured)(struct japply *a, uint64_t lsn, struct jerr *e);
};

/* The part of every applier's struct that apply.c sees (and fills after open). */
struct japply {
	const struct japply_ops *ops;
	const char *db;                 /* as opened (japply_opts.db) */
	int         lockfd;             /* the file lock while taken, else -1 */
	int         captured;           /* the mark is there, or made in this batch */
	int         was_captured;       /* the mark was there at the last load */
};

extern const struct japply_ops japply_sqlite_ops;   /* apply_sqlite.c */
extern const struct japply_ops japply_exec_ops;     /* apply_exec.c */
extern const struct japply_ops japply_pg_ops;       /* apply_pg.c */


#endif
