/*
 * cursor: how far each pulling mirror has fetched from a hub, kept on the hub itself
 * (man/jmirror.5, HUB CURSORS), and the retention that waits for the slowest of them.
 *
 * A cursor is an object PREFIX/.jmirror/MIRROR.cursor.TTTT-SSSSSSSSSSSS: mirror MIRROR has
 * every segment of the hub up to sequence S (timeline T) without a gap; 0000-000000000000
 * registers a mirror that has nothing yet. Objects are only ever created (never replaced,
 * never renamed), so that it works on every hub: a new cursor is put create-only, and only
 * once it exists are the mirror's other cursors removed. A reader takes each mirror's
 * highest (timeline, sequence); a crash between the two steps leaves an older cursor beside
 * the new one, which readers pass over and the next write removes.
 *
 *     jcursor_valid(mirror)                 a MIRROR name: 1..64 of [A-Za-z0-9_.-], not
 *                                           starting with '.'
 *     jcursor_name(buf, size, mirror, tl, seq)   the object's name; -1 if it does not fit
 *     jcursor_parse(objname, &c)            0 and c filled, or -1: not a cursor
 *     jcursor_list(h, &v, &n, e)            each registered mirror's cursor (the highest),
 *                                           sorted by mirror; v malloc'd, the caller frees
 *     jcursor_write(h, mirror, tl, seq, e)  make (tl, seq) mirror's cursor: 1 written, 0 it
 *                                           was already, -1
 *     jcursor_covers(c, tl, seq)            has the mirror of c fetched segment (tl, seq)?
 *
 * Retention (jship --expire-after):
 *     jcursor_expire(h, &x, e)   remove from the hub's segments every one that every
 *         registered mirror has fetched and that is older than x.older_ns (by the time the
 *         hub's listing gives: an object whose time the server does not tell is kept, as is
 *         everything while no mirror is registered). x.removed(arg, name) per removal,
 *         x.held(arg, why) once when something is held back by a mirror or by the lack of
 *         one. 0, or -1 with e (the first failure; later removals are not attempted).
 *
 * What a hub holds, for jstatus --hub:
 *     jcursor_hub(h, &s, e)     s.segments on the hub, the newest, and for each registered
 *                               mirror its cursor, how many of the hub's segments it has not
 *                               fetched (behind: they are held for it) and the time of the
 *                               oldest of those; release with jcursor_hub_free(&s)
 */
#ifndef JM_CURSOR_H
#define JM_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "hub.h"

#define JCURSOR_MIRROR_MAX 64

struct jcursor {
	char     mirror[JCURSOR_MIRROR_MAX + 1];
	uint32_t timeline;
	uint64_t seq;               /* 0: registered, nothing fetched yet */
	time_t   mtime;             /* when it was written, as the hub says (0: unknown) */
};

struct jcursor_expire {
	uint64_t older_ns;
	time_t   now;
	void   (*removed)(void *arg, const char *name);
	void   (*held)(void *arg, const char *why);
	void    *arg;
};

struct jcursor_mirror {
	struct jcursor c;
	uint64_t behind;            /* segments on the hub it has not fetched */
	time_t   oldest;            /* the oldest of them, by the hub's time (0: none, unknown) */
};

struct jcursor_hub {
	uint64_t segments;
	uint32_t newest_tl;         /* 0 0: no segment */
	uint64_t newest_seq;
	struct jcursor_mirror *m;
	size_t   n;
};

int jcursor_valid(const char *mirror);
int jcursor_name(char *buf, size_t size, const char *mirror, uint32_t tl, uint64_t seq);
int jcursor_parse(const char *objname, struct jcursor *c);
int jcursor_list(struct jhub *h, struct jcursor **v, size_t *n, struct jerr *e);
int jcursor_write(struct jhub *h, const char *mirror, uint32_t tl, uint64_t seq,
                  struct jerr *e);
int jcursor_covers(const struct jcursor *c, uint32_t tl, uint64_t seq);
int jcursor_expire(struct jhub *h, const struct jcursor_expire *x, struct jerr *e);
int jcursor_hub(struct jhub *h, struct jcursor_hub *s, struct jerr *e);
void jcursor_hub_free(struct jcursor_hub *s);

#endif
