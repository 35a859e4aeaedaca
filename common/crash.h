/*
 * crash: the test hook that stops a process between two steps of a crash ladder, so that
 * the tests can check the state each step leaves behind (tests/e2e/0203, 0706, ...).
 *
 *     jcrash_at(step)      1 when the environment says JM_TEST_CRASH=step, else 0
 *     jcrash_point(step)   raise SIGKILL when jcrash_at(step): no cleanup runs, as in a
 *                          real crash; otherwise return at once
 * Steps are named by the module that calls them (journal.c's pass1, torn, trailer-half,
 * trailer, link, next, rename, done; jpromote's promote-*). Without JM_TEST_CRASH in the
 * environment nothing happens: production never sets it.
 */
#ifndef JM_CRASH_H
#define JM_CRASH_H

int  jcrash_at(const char *step);
void jcrash_point(const char *step);

#endif
