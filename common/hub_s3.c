/*
 * hub_s3: a hub that is an S3 prefix (xs3). JHUB_DATA is PREFIX/, JHUB_META PREFIX/.jmirror/,
 * both key prefixes of one bucket over one connection. A listing passes `after` to the
 * store as start-after and pages through ListObjectsV2; keys deeper than the area (such as
 * .jmirror/ under PREFIX/) are left out. A put is jship's (create-only, compared byte for
 * byte when the key is taken), so a hub cursor appears only whole, as every object does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "hub_ops.h"
#include "part.h"
#include "xs3.h"

struct hub_s3 {
	struct jhub   base;
	struct jurl   u;
	struct jcred  c;
	char          host[JPART_HOST_MAX + 1];
	struct jxs3  *x;
};

static void
s3_close(struct jhub *hub)
{
	struct hub_s3 *h = (struct hub_s3 *)hub;

	jxs3_close(h->x);
	free(h);
}

static int
s3_open(const char *url, const struct jxfer_opts *o, struct jhub **hp, struct jerr *e)
{
	struct hub_s3 *h = calloc(1, sizeof *h);

	if (!h)
		return jerr_sys(e, EX_OSERR, "out of memory");
	h->base.ops = &jhub_s3_ops;
	jpart_host(h->host, sizeof h->host);
	if (jurl_parse(url, &h->u, e) < 0)
		goto fail;
	snprintf(h->base.url, sizeof h->base.url, "%s", h->u.redacted);
	if (h->u.fname[0]) {
		jerr_set(e, EX_USAGE, "%s: a hub URL names a prefix (end it with '/')", h->base.url);
		goto fail;
	}
	if (jcred_find(&h->u, NULL, NULL, NULL, o ? o->cacert : NULL, &h->c, e) < 0 ||
	    jxs3_open(&h->u, &h->c, h->host, o, &h->x, e) < 0)
		goto fail;
	*hp = &h->base;
	return 0;
fail:
	s3_close(&h->base);
	return -1;
}

/* The key of name in area, relative to PREFIX/. */
static const char *
area_name(int area, const char *name, char *buf, size_t size)
{
	if (area != JHUB_META)
		return name;
	snprintf(buf, size, "%s/%s", JHUB_META_DIR, name);
	return buf;
}

static int
s3_list(struct jhub *hub, int area, const char *after, jhub_list_fn fn, void *arg,
    struct jerr *e)
{
	struct hub_s3 *h = (struct hub_s3 *)hub;
	int rc = jxs3_list(h->x, area == JHUB_META ? JHUB_META_DIR "/" : "", after, fn, arg, e);

	hub->retryable = rc < 0 && jxs3_retryable(h->x);
	return rc;
}

static int
s3_get(struct jhub *hub, int area, const char *name, uint64_t size, int fd, struct jerr *e)
{
	struct hub_s3 *h = (struct hub_s3 *)hub;
	char buf[1100];
	int rc = jxs3_get(h->x, area_name(area, name, buf, sizeof buf), size, fd, e);

	hub->retryable = rc < 0 && jxs3_retryable(h->x);
	return rc;
}

static int
s3_put(struct jhub *hub, int area, const char *name, int fd, uint64_t size, struct jerr *e)
{
	struct hub_s3 *h = (struct hub_s3 *)hub;
	char buf[1100];
	int rc = jxs3_put(h->x, fd, size, area_name(area, name, buf, sizeof buf), NULL, e);

	hub->retryable = rc < 0 && jxs3_retryable(h->x);
	return rc;
}

static int
s3_remove(struct jhub *hub, int area, const char *name, struct jerr *e)
{
	struct hub_s3 *h = (struct hub_s3 *)hub;
	char buf[1100];
	int rc = jxs3_remove(h->x, area_name(area, name, buf, sizeof buf), e);

	hub->retryable = rc < 0 && jxs3_retryable(h->x);
	return rc;
}

const struct jhub_ops jhub_s3_ops = {
	"s3", s3_open, s3_list, s3_get, s3_put, s3_remove, s3_close,
};
