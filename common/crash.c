/*
 * crash: JM_TEST_CRASH, the one test hook for crash points.
 *
 * - A crash point MUST behave exactly like power being cut or the process being killed at
 *   that instruction: SIGKILL, never exit(), so that no atexit handler, stdio flush or
 *   cleanup runs that a real crash would not run.
 * - Without JM_TEST_CRASH, or with another step named, a crash point MUST do nothing.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "crash.h"

int
jcrash_at(const char *step)
{
	const char *want = getenv("JM_TEST_CRASH");

	return want && strcmp(want, step) == 0;
}

void
jcrash_point(const char *step)
{
	if (jcrash_at(step))
		raise(SIGKILL);
}
