/*
 * apply_state: the mirror's bookkeeping as a value (apply_state.h).
 *
 * Invariants:
 * - japply_advance MUST leave digest equal to the previous digest the next segment to
 *   apply must carry: the trailer's digest once a segment is wholly applied, the header's
 *   previous digest while it is applied only in part.
 * - A timeline row MUST be added when the mirror first applies a segment of a timeline,
 *   never changed afterwards: it is where the chain forked (chain.h reads it).
 * - The text form MUST round-trip every field of the state; a version it does not know
 *   MUST be refused, not guessed at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply_state.h"
#include "clock.h"
#include "name.h"

void
japply_state_add_tl(struct japply_state *st, uint32_t tl, uint64_t seq, uint64_t lsn)
{
	for (int i = 0; i < st->ntl; i++)
		if (st->tl[i].timeline == tl)
			return;
	if (st->ntl == JAPPLY_MAX_TL) {
		memmove(st->tl, st->tl + 1, sizeof st->tl[0] * (JAPPLY_MAX_TL - 1));
		st->ntl--;
	}
	st->tl[st->ntl++] = (struct japply_tl){ tl, seq, lsn };
}

void
japply_advance(struct japply_state *st, const struct jfmt_header *h, const char *base,
    uint64_t last, uint64_t time, const struct jfmt_trailer *t)
{
	struct jname n;

	if (!st->present || h->timeline != st->timeline)
		japply_state_add_tl(st, h->timeline, h->seq, h->first_lsn);
	st->present = 1;
	memcpy(st->lineage, h->lineage, JFMT_LINEAGE_LEN);
	if (jname_parse(base, &n) != JNAME_OTHER)
		snprintf(st->name, sizeof st->name, "%s", n.name);
	st->timeline = h->timeline;
	st->seq = h->seq;
	st->last_lsn = last;
	if (time)
		st->last_time = time;
	if (t) {
		st->sealed = 1;
		st->final = (t->flags & JFMT_FINAL) != 0;
		memcpy(st->digest, t->digest, JDIGEST_LEN);
	} else {
		st->sealed = 0;
		st->final = 0;
		memcpy(st->digest, h->prev_digest, JDIGEST_LEN);
	}
	st->applied_at = jclock_now();
	snprintf(st->segment, sizeof st->segment, "%s", base);
}

/* The "trust" lines after off; the whole length, or -1. */
static int
trust_format(const struct japply_state *st, char *buf, size_t size, size_t off)
{
	for (size_t i = 0; i < st->trust.n; i++) {
		char b64[JSIG_PUB_B64];
		int n;

		jsig_pub_format(&st->trust.keys[i], b64);
		n = snprintf(buf + off, size - off, "trust %s\n", b64);
		if (n < 0 || (size_t)n >= size - off)
			return -1;
		off += (size_t)n;
	}
	return (int)off;
}

int
japply_state_format(const struct japply_state *st, char *buf, size_t size)
{
	char lin[JDIGEST_HEX], dg[JDIGEST_HEX];
	size_t off;
	int n;

	jdigest_hex(st->lineage, JFMT_LINEAGE_LEN, lin);
	jdigest_hex(st->digest, JDIGEST_LEN, dg);
	n = snprintf(buf, size, "version %d\nrole %s\nname %s\nlineage %s\ntimeline %lu\n"
	    "seq %llu\nlast_lsn %llu\nsealed %d\ndigest %s\nfinal %d\nlast_time %llu\n"
	    "applied_at %llu\nsegment %s\n", JAPPLY_STATE_VERSION,
	    st->operational ? "operational" : "mirror", st->name, lin,
	    (unsigned long)st->timeline, (unsigned long long)st->seq,
	    (unsigned long long)st->last_lsn, st->sealed, dg, st->final,
	    (unsigned long long)st->last_time, (unsigned long long)st->applied_at, st->segment);
	if (n < 0 || (size_t)n >= size)
		return -1;
	off = (size_t)n;
	n = snprintf(buf + off, size - off, "verified_lsn %llu\nverified_time %llu\n"
	    "captured %d\n", (unsigned long long)st->verified_lsn,
	    (unsigned long long)st->verified_time, st->captured);
	if (n < 0 || (size_t)n >= size - off)
		return -1;
	off += (size_t)n;
	for (int i = 0; i < st->ntl; i++) {
		n = snprintf(buf + off, size - off, "timeline_row %lu %llu %llu\n",
		    (unsigned long)st->tl[i].timeline, (unsigned long long)st->tl[i].seq,
		    (unsigned long long)st->tl[i].lsn);
		if (n < 0 || (size_t)n >= size - off)
			return -1;
		off += (size_t)n;
	}
	return trust_format(st, buf, size, off);
}

int
japply_state_parse(const char *buf, size_t len, struct japply_state *st, struct jerr *e)
{
	char line[512];
	size_t i = 0;
	int have = 0;

	memset(st, 0, sizeof *st);
	while (i < len) {
		size_t j = i;
		char key[32], val[256];
		unsigned long long a, b, c;

		while (j < len && buf[j] != '\n')
			j++;
		if (j - i >= sizeof line)
			goto bad;
		memcpy(line, buf + i, j - i);
		line[j - i] = 0;
		i = j + 1;
		val[0] = 0;
		if (sscanf(line, "%31s %255[^\n]", key, val) < 1)
			continue;
		have |= 1;
		if (!strcmp(key, "version")) {
			if (strtoul(val, NULL, 10) != JAPPLY_STATE_VERSION)
				return jerr_set(e, EX_DATAERR, "state version %s not understood", val);
		} else if (!strcmp(key, "role"))
			st->operational = !strcmp(val, "operational");
		else if (!strcmp(key, "name"))
			snprintf(st->name, sizeof st->name, "%.255s", val);
		else if (!strcmp(key, "lineage")) {
			if (jdigest_unhex(val, st->lineage, JFMT_LINEAGE_LEN) < 0)
				goto bad;
		} else if (!strcmp(key, "timeline"))
			st->timeline = (uint32_t)strtoul(val, NULL, 10);
		else if (!strcmp(key, "seq"))
			st->seq = strtoull(val, NULL, 10);
		else if (!strcmp(key, "last_lsn"))
			st->last_lsn = strtoull(val, NULL, 10);
		else if (!strcmp(key, "sealed"))
			st->sealed = atoi(val);
		else if (!strcmp(key, "digest")) {
			if (jdigest_unhex(val, st->digest, JDIGEST_LEN) < 0)
				goto bad;
		} else if (!strcmp(key, "final"))
			st->final = atoi(val);
		else if (!strcmp(key, "last_time"))
			st->last_time = strtoull(val, NULL, 10);
		else if (!strcmp(key, "applied_at"))
			st->applied_at = strtoull(val, NULL, 10);
		else if (!strcmp(key, "segment"))
			snprintf(st->segment, sizeof st->segment, "%.255s", val);
		else if (!strcmp(key, "verified_lsn"))
			st->verified_lsn = strtoull(val, NULL, 10);
		else if (!strcmp(key, "verified_time"))
			st->verified_time = strtoull(val, NULL, 10);
		else if (!strcmp(key, "captured"))
			st->captured = atoi(val) != 0;
		else if (!strcmp(key, "timeline_row")) {
			if (sscanf(val, "%llu %llu %llu", &a, &b, &c) != 3)
				goto bad;
			japply_state_add_tl(st, (uint32_t)a, b, c);
		} else if (!strcmp(key, "trust")) {
			struct jsig_pub k;
			if (jsig_pub_parse(val, &k) < 0 || jsig_trust_add(&st->trust, &k, NULL) < 0)
				goto bad;
		}
	}
	st->present = have;
	return 0;
bad:
	return jerr_set(e, EX_DATAERR, "damaged state file");
}

