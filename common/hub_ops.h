/*
 * hub_ops: what a hub scheme is, for hub.c and the schemes only (tools use hub.h).
 *
 * A scheme is one file (hub_std.c: file, ftp, ftpes, ftps, sftp, http, https; hub_s3.c:
 * s3) that defines one struct jhub_ops and a struct of its own whose first member is a
 * struct jhub; hub.c picks the ops by the URL's scheme (the table in hub.c: one line per
 * scheme) and calls them. A new scheme is one new file and one line in that table.
 *
 * Each operation keeps hub.h's contract, with these divisions of labour: hub.c checks that
 * names are plain and filters list entries (after, dot names) again, so that a scheme may
 * pass `after` to its server as a hint (S3 start-after) or ignore it; a scheme sets
 * base.retryable after each failure; open fills base.ops and base.url (redacted) and
 * connects nothing (hub.c fills the rest of base); close frees everything, NULL never
 * reaches it.
 */
#ifndef JM_HUB_OPS_H
#define JM_HUB_OPS_H

#include "hub.h"
#include "url.h"

struct jhub_ops {
	const char *name;
	int  (*open)(const char *url, const struct jxfer_opts *o, struct jhub **h, struct jerr *e);
	int  (*list)(struct jhub *h, int area, const char *after, jhub_list_fn fn, void *arg,
	             struct jerr *e);
	int  (*get)(struct jhub *h, int area, const char *name, uint64_t size, int fd,
	            struct jerr *e);
	int  (*put)(struct jhub *h, int area, const char *name, int fd, uint64_t size,
	            struct jerr *e);
	int  (*remove)(struct jhub *h, int area, const char *name, struct jerr *e);
	void (*close)(struct jhub *h);
};

/* The part of every scheme's struct that hub.c sees. */
struct jhub {
	const struct jhub_ops *ops;
	char  url[JURL_MAX];            /* redacted */
	int   retryable;
	/* set by hub.c after open, for jhub_clone */
	char  given[JURL_MAX];
	struct jxfer_opts o;
	int   has_o;
};

extern const struct jhub_ops jhub_std_ops;      /* hub_std.c */
extern const struct jhub_ops jhub_s3_ops;       /* hub_s3.c */

#endif
