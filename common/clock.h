/*
 * clock: the wall clock that stamps records and trailers, and arithmetic on commit times
 * (ns since the epoch, as records carry them) that never wraps and never trusts a time to
 * be in the past. Records are stamped by the writer's clock and compared with the reader's,
 * on another machine maybe: a stamp can be ahead.
 *     jclock_now()            CLOCK_REALTIME in ns since the epoch: what records and
 *                             trailers are stamped with
 *     jclock_add(t, d)        t + d, saturating at UINT64_MAX (a time near 2^64 plus a
 *                             delay is "never", not a time in 1970)
 *     jclock_age(now, t)      how long ago t was; 0 for t == 0 (unknown) or t after now
 *     jclock_ahead(now, t)    how far t is after now; 0 when it is not
 *     jclock_mono()           seconds on the monotonic clock (CLOCK_MONOTONIC), for
 *                             measuring how long something took; never a date
 *     jclock_mono_ns()        the same in nanoseconds, for deadlines kept as integers
 *     jclock_tick(&next, every)
 *                             the next tick of a periodic run: *next (CLOCK_MONOTONIC)
 *                             plus every ns, or now if that is past (a tick missed by a
 *                             long run is not made up for), for clock_nanosleep
 * JCLOCK_SKEW is what two clocks may disagree by before a stamp counts as in the future.
 */
#ifndef JM_CLOCK_H
#define JM_CLOCK_H

#include <stdint.h>
#include <time.h>

#define JCLOCK_SKEW 1000000000u         /* 1 s */

uint64_t jclock_now(void);
uint64_t jclock_add(uint64_t t, uint64_t d);
uint64_t jclock_age(uint64_t now, uint64_t t);
uint64_t jclock_ahead(uint64_t now, uint64_t t);
double   jclock_mono(void);
uint64_t jclock_mono_ns(void);
void     jclock_tick(struct timespec *next, uint64_t every);

#endif
