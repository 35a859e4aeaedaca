/*
 * rowcache: the appliers' statement cache, one entry per shape of row change. Two changes
 * have one shape when the same statements apply them: the operation, the table, the key's
 * column names (and, with nulls, which key values are NULL, for appliers whose statements
 * say "IS NULL" there) and the names of the row's sent columns.
 *
 *     rc = jrowcache_new(size, nulls, &e)     entries of size bytes of the applier's own
 *                                             data, suitably aligned
 *     d = jrowcache_get(rc, change, &fresh, &e)
 *                                             the entry of change's shape: its data, zeroed
 *                                             and fresh = 1 the first time the shape is
 *                                             seen; NULL with e when out of memory
 *     jrowcache_drop(rc, d)                   forgets the entry just got fresh (its
 *                                             statements could not be made)
 *     jrowcache_free(rc, done)                done(data) for every entry, then frees rc
 *                                             (NULL is a no-op; done may be NULL)
 *
 * The cache owns the entries; an entry's data stays where it is until the cache is freed.
 */
#ifndef JM_ROWCACHE_H
#define JM_ROWCACHE_H

#include <stddef.h>

#include "err.h"
#include "row.h"

struct jrowcache;

struct jrowcache *jrowcache_new(size_t size, int nulls, struct jerr *e);
void *jrowcache_get(struct jrowcache *rc, const struct jrow_change *c, int *fresh,
                    struct jerr *e);
void  jrowcache_drop(struct jrowcache *rc, void *data);
void  jrowcache_free(struct jrowcache *rc, void (*done)(void *data));

#endif
