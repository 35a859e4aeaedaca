/*
 * clock: the wall clock that stamps commit times, one monotonic reading for durations, and
 * saturating arithmetic on such times. jclock_now and jclock_mono_ns are the only functions
 * here that read a clock; the others are pure. A duration MUST never be measured on the
 * wall clock, which jumps.
 */
#include <time.h>

#include "clock.h"

static uint64_t
ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
jclock_now(void)
{
	return ns(CLOCK_REALTIME);
}

uint64_t
jclock_add(uint64_t t, uint64_t d)
{
	return t > UINT64_MAX - d ? UINT64_MAX : t + d;
}

uint64_t
jclock_age(uint64_t now, uint64_t t)
{
	return t && now > t ? now - t : 0;
}

uint64_t
jclock_ahead(uint64_t now, uint64_t t)
{
	return t > now ? t - now : 0;
}

uint64_t
jclock_mono_ns(void)
{
	return ns(CLOCK_MONOTONIC);
}

double
jclock_mono(void)
{
	return (double)jclock_mono_ns() / 1e9;
}

void
jclock_tick(struct timespec *next, uint64_t every)
{
	struct timespec now;

	next->tv_sec += (time_t)(every / 1000000000u);
	next->tv_nsec += (long)(every % 1000000000u);
	if (next->tv_nsec >= 1000000000L) {
		next->tv_sec++;
		next->tv_nsec -= 1000000000L;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > next->tv_sec || (now.tv_sec == next->tv_sec && now.tv_nsec > next->tv_nsec))
		*next = now;
}
