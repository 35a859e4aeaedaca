/*
 * backoff: exponential delays between attempts. Pure arithmetic, no clock and no sleeping:
 * the caller waits its own way (nanosleep in a worker thread, a poll timeout in an event
 * loop). A delay MUST never wrap to a short one, and MUST never exceed the larger of the cap
 * and the first delay.
 */
#include "backoff.h"

uint64_t
jbackoff_delay(uint64_t first, unsigned failures, uint64_t cap)
{
	uint64_t d = first;

	if (first >= cap)
		return first;
	for (unsigned i = 0; i < failures && d < cap; i++)
		d = d > UINT64_MAX / 2 ? UINT64_MAX : d * 2;
	return d > cap ? cap : d;
}

uint64_t
jbackoff_jitter(uint64_t delay, double r)
{
	if (r < 0)
		r = 0;
	if (r > 1)
		r = 1;
	return (uint64_t)((double)delay * (0.5 + 0.5 * r));
}
