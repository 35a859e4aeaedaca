/*
 * hub: the one door to a hub, whatever its scheme. It picks the scheme's ops by the URL
 * (one line per scheme in the table below) and holds every scheme to hub.h's contract
 * where that can be checked from outside: a name given or listed MUST be plain (no '/',
 * not starting with '.'), so that a temporary, a directory or a path never passes for an
 * object, and a listing MUST only ever show names after `after`, whatever the server did
 * with that hint.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hub_ops.h"

static const struct {
	const char *scheme;
	const struct jhub_ops *ops;
} schemes[] = {
	{ "file", &jhub_std_ops }, { "ftp", &jhub_std_ops }, { "ftpes", &jhub_std_ops },
	{ "ftps", &jhub_std_ops }, { "sftp", &jhub_std_ops }, { "http", &jhub_std_ops },
	{ "https", &jhub_std_ops }, { "scp", &jhub_std_ops },   /* refused, saying why */
	{ "s3", &jhub_s3_ops },
};

static int
plain(const char *name)
{
	return name && *name && *name != '.' && !strchr(name, '/');
}

int
jhub_open(const char *url, const struct jxfer_opts *o, struct jhub **h, struct jerr *e)
{
	const char *p = strstr(url, "://");
	char red[JURL_MAX];
	size_t n = p ? (size_t)(p - url) : 0;

	*h = NULL;
	for (size_t i = 0; p && i < sizeof schemes / sizeof schemes[0]; i++) {
		if (strlen(schemes[i].scheme) != n || strncasecmp(url, schemes[i].scheme, n) != 0)
			continue;
		if (strlen(url) >= JURL_MAX) {
			jurl_redact(url, red, sizeof red);
			return jerr_set(e, EX_USAGE, "%.64s...: URL too long", red);
		}
		if (schemes[i].ops->open(url, o, h, e) < 0)
			return -1;
		snprintf((*h)->given, sizeof (*h)->given, "%s", url);
		if (o)
			(*h)->o = *o;
		(*h)->has_o = o != NULL;
		return 0;
	}
	jurl_redact(url, red, sizeof red);
	return jerr_set(e, EX_USAGE, "%s: not a hub URL (file, ftp, ftpes, ftps, sftp, http, "
	    "https, s3)", red);
}

int
jhub_clone(const struct jhub *h, struct jhub **out, struct jerr *e)
{
	return jhub_open(h->given, h->has_o ? &h->o : NULL, out, e);
}

const char *
jhub_url(const struct jhub *h)
{
	return h->url;
}

struct filter {
	const char  *after;
	jhub_list_fn fn;
	void        *arg;
};

static int
filter_cb(void *arg, const struct jhub_entry *ent, struct jerr *e)
{
	struct filter *f = arg;

	if (!plain(ent->name) || (f->after && strcmp(ent->name, f->after) <= 0))
		return 0;
	return f->fn(f->arg, ent, e);
}

int
jhub_list(struct jhub *h, int area, const char *after, jhub_list_fn fn, void *arg,
    struct jerr *e)
{
	struct filter f = { after && *after ? after : NULL, fn, arg };

	h->retryable = 0;
	return h->ops->list(h, area, f.after, filter_cb, &f, e);
}

static int
bad_name(struct jhub *h, const char *name, struct jerr *e)
{
	h->retryable = 0;
	return jerr_set(e, EX_USAGE, "%s: not a plain object name", name ? name : "(null)");
}

int
jhub_get(struct jhub *h, int area, const char *name, uint64_t size, int fd, struct jerr *e)
{
	if (!plain(name))
		return bad_name(h, name, e);
	h->retryable = 0;
	return h->ops->get(h, area, name, size, fd, e);
}

int
jhub_put(struct jhub *h, int area, const char *name, int fd, uint64_t size, struct jerr *e)
{
	if (!plain(name))
		return bad_name(h, name, e);
	h->retryable = 0;
	return h->ops->put(h, area, name, fd, size, e);
}

int
jhub_remove(struct jhub *h, int area, const char *name, struct jerr *e)
{
	if (!plain(name))
		return bad_name(h, name, e);
	h->retryable = 0;
	return h->ops->remove(h, area, name, e);
}

int
jhub_retryable(const struct jhub *h)
{
	return h->retryable;
}

void
jhub_close(struct jhub *h)
{
	if (h)
		h->ops->close(h);
}
