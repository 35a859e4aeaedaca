/*
 * rowcache: a hash table from the shape of a row change to the applier's statements for it
 * (rowcache.h). The shape is written as bytes (lengths before names, so no two shapes run
 * together) and hashed with FNV-1a; a lookup compares the bytes, never the hash alone.
 * Memory: one entry per shape the mirror has seen, and one key buffer as long as the
 * longest shape.
 */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "rowcache.h"

#define NBUCKET 1024

struct entry {
	struct entry *next;
	uint64_t      hash;
	size_t        klen;
	char         *key;            /* after the data, in the same allocation */
	alignas(max_align_t) unsigned char data[];
};

struct jrowcache {
	struct entry *bucket[NBUCKET];
	size_t        size;           /* of each entry's data, rounded for alignment */
	int           nulls;
	struct entry *last;           /* the entry made by the last fresh get */
	char         *k;
	size_t        klen, kcap;
	int           kfail;
};

struct jrowcache *
jrowcache_new(size_t size, int nulls, struct jerr *e)
{
	struct jrowcache *rc = calloc(1, sizeof *rc);

	if (!rc) {
		jerr_sys(e, EX_OSERR, "out of memory");
		return NULL;
	}
	rc->size = (size + alignof(max_align_t) - 1) / alignof(max_align_t) *
	    alignof(max_align_t);
	rc->nulls = nulls;
	return rc;
}

static void
kput(struct jrowcache *rc, const void *p, size_t n)
{
	if (rc->kfail || jgrow(&rc->k, &rc->kcap, rc->klen + n, 1, 256) < 0) {
		rc->kfail = 1;
		return;
	}
	if (n)
		memcpy(rc->k + rc->klen, p, n);
	rc->klen += n;
}

static void
kname(struct jrowcache *rc, const char *s, size_t n)
{
	uint32_t len = (uint32_t)n;

	kput(rc, &len, sizeof len);
	kput(rc, s, n);
}

/* The shape of c in rc->k. */
static void
shape(struct jrowcache *rc, const struct jrow_change *c)
{
	static const uint32_t end = UINT32_MAX;
	struct jrow_cols it;
	struct jrow_col col;

	rc->klen = 0;
	rc->kfail = 0;
	kput(rc, &c->op, 1);
	kname(rc, c->schema, c->slen);
	kname(rc, c->table, c->tlen);
	for (jrow_key(c, &it); jrow_cols_next(&it, &col); ) {
		kname(rc, col.name, col.nlen);
		if (rc->nulls)
			kput(rc, col.v.tag == JROW_NULL ? "n" : "v", 1);
	}
	kput(rc, &end, sizeof end);
	for (jrow_cols(c, &it); jrow_cols_next(&it, &col); )
		if (col.v.tag != JROW_UNCHANGED)
			kname(rc, col.name, col.nlen);
}

static uint64_t
fnv1a(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

void *
jrowcache_get(struct jrowcache *rc, const struct jrow_change *c, int *fresh, struct jerr *e)
{
	struct entry *en;
	uint64_t h;

	*fresh = 0;
	shape(rc, c);
	if (rc->kfail) {
		jerr_sys(e, EX_OSERR, "out of memory");
		return NULL;
	}
	h = fnv1a(rc->k, rc->klen);
	for (en = rc->bucket[h % NBUCKET]; en; en = en->next)
		if (en->hash == h && en->klen == rc->klen && !memcmp(en->key, rc->k, rc->klen))
			return en->data;
	if (!(en = calloc(1, sizeof *en + rc->size + rc->klen))) {
		jerr_sys(e, EX_OSERR, "out of memory");
		return NULL;
	}
	en->hash = h;
	en->klen = rc->klen;
	en->key = (char *)en->data + rc->size;
	memcpy(en->key, rc->k, rc->klen);
	en->next = rc->bucket[h % NBUCKET];
	rc->bucket[h % NBUCKET] = en;
	rc->last = en;
	*fresh = 1;
	return en->data;
}

void
jrowcache_drop(struct jrowcache *rc, void *data)
{
	struct entry *en = rc->last;

	if (!en || (void *)en->data != data)
		return;
	rc->bucket[en->hash % NBUCKET] = en->next;
	rc->last = NULL;
	free(en);
}

void
jrowcache_free(struct jrowcache *rc, void (*done)(void *data))
{
	if (!rc)
		return;
	for (int i = 0; i < NBUCKET; i++)
		for (struct entry *en = rc->bucket[i], *n; en; en = n) {
			n = en->next;
			if (done)
				done(en->data);
			free(en);
		}
	free(rc->k);
	free(rc);
}
