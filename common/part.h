/*
 * part: the temporaries every transport uploads to before publishing, .NAME.HOST-PID-RANDOM.part
 * (NAME cut so that the whole stays within 255 bytes).
 *
 *     jpart_host(buf, size)                   this host, as temporaries name it
 *     jpart_new(buf, size, name, host)        a fresh temporary name for name (random part
 *                                             from getrandom)
 *     jpart_name(buf, size, name, host, pid, rnd)   the same with every part given; -1
 *                                             ENAMETOOLONG if buf is too small
 *     jpart_owner(leaf, host, hsize, &pid)    1 and HOST, PID read back, or 0: not a
 *                                             temporary of jship
 *     jpart_stale(leaf, host, mtime, now)     may it be removed: this host's with no such
 *                                             process, or any older than JPART_STALE seconds
 *                                             (mtime 0: unknown, age not used)
 */
#ifndef JM_PART_H
#define JM_PART_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define JPART_HOST_MAX 64
#define JPART_STALE    (24 * 3600)

void jpart_host(char *buf, size_t size);
void jpart_new(char *buf, size_t size, const char *name, const char *host);
int  jpart_name(char *buf, size_t size, const char *name, const char *host, long pid,
                uint32_t rnd);
int  jpart_owner(const char *leaf, char *host, size_t hsize, long *pid);
int  jpart_stale(const char *leaf, const char *host, time_t mtime, time_t now);

#endif
