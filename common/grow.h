/*
 * grow: arrays that double, the one way every module makes room as it goes.
 *     jgrow(&v, &cap, need, sizeof *v, first)
 *         v (any T *, passed by address) has room for at least need elements: when cap is
 *         smaller it becomes first (if 0) and doubles until it is not, and v is reallocated.
 *         0, or -1 with errno ENOMEM and v and cap as they were (the caller's elements are
 *         kept; freeing v stays the caller's).
 * One more element: jgrow(&v, &cap, n + 1, ...); k more bytes: jgrow(&p, &cap, len + k, 1, ...).
 */
#ifndef JM_GROW_H
#define JM_GROW_H

#include <stddef.h>

int jgrow(void *vp, size_t *cap, size_t need, size_t size, size_t first);

#endif
