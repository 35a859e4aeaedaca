/*
 * stop: the signals that end a tool's run. The handler only sets a flag (async-signal-safe);
 * what stopping means is each tool's.
 */
#include <string.h>

#include "stop.h"

volatile sig_atomic_t jstop;

static void
on_signal(int sig)
{
	(void)sig;
	jstop = 1;
}

void
jstop_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);      /* no SA_RESTART: a wait ends at once */
	sigaction(SIGINT, &sa, NULL);
}
