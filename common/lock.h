/*
 * lock: exclusive advisory locks on dot-prefixed lock files, with flock(2).
 *
 *     int fd = jlock_open(path, e);          open (create 0640) the lock file; not yet locked
 *     if (jlock_take(fd, JLOCK_WAIT, e) < 0) ...
 *     ... critical section ...
 *     jlock_drop(fd);
 *     close(fd);                             (or jlock_close)
 *
 * JLOCK_NOWAIT makes jlock_take fail at once with e->code EX_TEMPFAIL and errno EWOULDBLOCK
 * when another process holds the lock. The kernel drops a lock when its holder dies, so a
 * SIGKILL never leaves a stale lock behind; the state the holder left is for the next holder
 * to repair (each user of a lock documents how).
 */
#ifndef JM_LOCK_H
#define JM_LOCK_H

#include "err.h"

enum { JLOCK_WAIT = 0, JLOCK_NOWAIT = 1 };

int  jlock_open(const char *path, struct jerr *e);
int  jlock_take(int fd, int how, struct jerr *e);
void jlock_drop(int fd);
/* open + take in one step: the fd, or -1. */
int  jlock_acquire(const char *path, int how, struct jerr *e);
void jlock_close(int fd);

#endif
