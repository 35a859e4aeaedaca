/*
 * part: temporaries unique to this process (two senders of one file MUST never share one),
 * whose owner can be read back from the name alone, so that a later run removes a stale one:
 * one of this host whose process is gone, or any older than JPART_STALE seconds. A NAME too
 * long to fit keeps its first bytes; whatever NAME and host, the whole MUST fit in 255 bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "part.h"

void
jpart_host(char *buf, size_t size)
{
	char h[256] = "";
	size_t i;

	if (gethostname(h, sizeof h - 1) < 0 || !h[0])
		snprintf(h, sizeof h, "localhost");
	for (i = 0; h[i] && i + 1 < size && i < JPART_HOST_MAX; i++) {
		unsigned char c = (unsigned char)h[i];
		buf[i] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ? c : '_');
	}
	buf[i] = 0;
}

int
jpart_name(char *buf, size_t size, const char *name, const char *host, long pid,
    uint32_t rnd)
{
	char tag[JPART_HOST_MAX + 40];
	size_t room;

	snprintf(tag, sizeof tag, "%.*s-%ld-%08" PRIx32, JPART_HOST_MAX, host, pid, rnd);
	room = NAME_MAX - strlen(tag) - strlen("." "." ".part");
	return jio_pathf(buf, size, ".%.*s.%s.part", (int)room, name, tag);
}

int
jpart_owner(const char *leaf, char *host, size_t hsize, long *pid)
{
	size_t len = strlen(leaf), hl;
	const char *end, *tag, *p, *d1, *d2;
	char *ep;

	if (len < 8 || leaf[0] != '.' || strcmp(leaf + len - 5, ".part") != 0)
		return 0;
	end = leaf + len - 5;
	for (tag = end; tag > leaf + 1 && tag[-1] != '.'; tag--)
		;
	if (tag <= leaf + 2)
		return 0;
	d2 = NULL;
	d1 = NULL;
	for (p = end; p > tag; p--)
		if (p[-1] == '-') {
			if (!d2)
				d2 = p - 1;
			else {
				d1 = p - 1;
				break;
			}
		}
	if (!d1 || d1 == tag || end - d2 != 9)
		return 0;
	for (p = d2 + 1; p < end; p++)
		if (!strchr("0123456789abcdef", *p))
			return 0;
	if (!(d1[1] >= '0' && d1[1] <= '9'))
		return 0;
	*pid = strtol(d1 + 1, &ep, 10);
	if (ep != d2 || *pid <= 0)
		return 0;
	hl = (size_t)(d1 - tag);
	if (hl >= hsize)
		return 0;
	memcpy(host, tag, hl);
	host[hl] = 0;
	return 1;
}

int
jpart_stale(const char *leaf, const char *host_here, time_t mtime, time_t now)
{
	char host[JPART_HOST_MAX + 1];
	long pid;

	if (!jpart_owner(leaf, host, sizeof host, &pid))
		return 0;
	if (strcmp(host, host_here) == 0 && pid != (long)getpid() && kill((pid_t)pid, 0) < 0 &&
	    errno == ESRCH)
		return 1;
	return mtime > 0 && now - mtime > JPART_STALE;
}

void
jpart_new(char *buf, size_t size, const char *name, const char *host)
{
	uint32_t r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)random() ^ (uint32_t)clock();
	if (jpart_name(buf, size, name, host, (long)getpid(), r) < 0)
		snprintf(buf, size, ".jship-%08" PRIx32 ".part", r);
}
