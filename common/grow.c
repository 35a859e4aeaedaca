/*
 * grow: room in a doubling array. It guarantees:
 * - Nothing the caller holds is lost on failure: v and cap are only changed together, after
 *   realloc succeeded.
 * - The size never wraps: a need whose bytes cannot be counted in a size_t is ENOMEM, never
 *   a smaller buffer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

int
jgrow(void *vp, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t c = *cap ? *cap : first ? first : 1;
	void *v, *t;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			goto nomem;
		c *= 2;
	}
	if (c > SIZE_MAX / size)
		goto nomem;
	memcpy(&v, vp, sizeof v);
	if (!(t = realloc(v, c * size)))
		goto nomem;
	memcpy(vp, &t, sizeof t);
	*cap = c;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}
