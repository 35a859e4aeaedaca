/*
 * stop: how a tool that runs until told is told. jstop_on_signals() makes SIGTERM and SIGINT
 * set jstop, without SA_RESTART, so that a wait (ppoll, clock_nanosleep, a blocked read)
 * ends at once; the tool looks at jstop wherever it may stop, finishes what must not be cut
 * short, and exits 0.
 */
#ifndef JM_STOP_H
#define JM_STOP_H

#include <signal.h>

extern volatile sig_atomic_t jstop;

void jstop_on_signals(void);

#endif
