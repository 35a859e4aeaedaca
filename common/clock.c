/* clock: saturating arithmetic on commit times; no function here reads a clock. */
#include "clock.h"

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
