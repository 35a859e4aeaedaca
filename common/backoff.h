/*
 * backoff: how long to wait before trying again, one rule for every retry loop.
 *
 *     d = jbackoff_delay(first, failures, cap)
 *         first doubled once per failure before this one (failures 0: first), never above
 *         cap; a first delay that is already above cap stays as given (the caller asked for
 *         it). Saturates instead of wrapping.
 *     d = jbackoff_jitter(d, r)
 *         d scaled into [d/2, d] by r in [0, 1]: senders that failed together do not all
 *         come back at once. r is the caller's (random() / RAND_MAX), so that this stays pure.
 *
 * Each caller keeps its own cap, and says why beside it: jship's network retries wait at
 * most a minute (a transient failure), jwatch --exec's command at most five (a command that
 * fails may fail for a while).
 */
#ifndef JM_BACKOFF_H
#define JM_BACKOFF_H

#include <stdint.h>

uint64_t jbackoff_delay(uint64_t first, unsigned failures, uint64_t cap);
uint64_t jbackoff_jitter(uint64_t delay, double r);

#endif
