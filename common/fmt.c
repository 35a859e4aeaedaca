/*
 * fmt: encode and decode the journal's header, record frames and trailer.
 *
 * Invariants (see man/jmirror.5):
 * - A header MUST start with the 8-byte magic, carry version 1, 2 or 3 and size 128, have zero
 *   reserved fields, a timeline and sequence of at least 1, and a valid CRC32C. Writers
 *   MUST create version 3; versions 1 and 2 stay readable. Only version 3 has flags: the
 *   signed flag MUST come with a non-zero key id, and a key id MUST NOT come without it.
 * - A signature block MUST start with "JSIG", give its size 160 and the algorithm "ED",
 *   carry a non-zero key id, zero reserved bytes and a valid CRC32C. Whether its
 *   signatures verify is sig.c's to say.
 * - A record MUST have a payload of at most JFMT_MAX_PAYLOAD bytes; its flags byte MUST be 0
 *   before version 3 and MUST hold no bit but JFMT_REC_CONTINUES in version 3; its u16 at
 *   offset 6 is the batch field from version 2 (any value) and MUST be 0 in version 1; its
 *   CRC32C covers its 24-byte head and its payload.
 * - A trailer MUST start with the mark 0xFFFFFFFF and "SEAL"; no record can start that way,
 *   because a record's length never reaches 0xFFFFFFFF.
 */
#include <string.h>
#include <stdlib.h>

#include "crc32c.h"
#include "fmt.h"

void jfmt_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
void jfmt_put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i); }
void jfmt_put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> 8 * i); }
uint16_t jfmt_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

uint32_t
jfmt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t
jfmt_get64(const uint8_t *p)
{
	return (uint64_t)jfmt_get32(p) | (uint64_t)jfmt_get32(p + 4) << 32;
}

static int
allzero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

void
jfmt_header_encode(const struct jfmt_header *h, uint8_t out[JFMT_HEADER_SIZE])
{
	memset(out, 0, JFMT_HEADER_SIZE);
	memcpy(out, JFMT_MAGIC, JFMT_MAGIC_LEN);
	jfmt_put16(out + 8, h->version ? h->version : JFMT_VERSION);
	jfmt_put16(out + 10, JFMT_HEADER_SIZE);
	jfmt_put32(out + 12, h->flags);
	memcpy(out + 16, h->lineage, JFMT_LINEAGE_LEN);
	jfmt_put32(out + 32, h->timeline);
	/* 36: reserved */
	jfmt_put64(out + 40, h->seq);
	jfmt_put64(out + 48, h->first_lsn);
	jfmt_put64(out + 56, h->created);
	memcpy(out + 64, h->prev_digest, JDIGEST_LEN);
	jfmt_put64(out + 96, h->source_pos);
	memcpy(out + 104, h->keyid, JFMT_KEYID_LEN);
	/* 112..123: reserved */
	jfmt_put32(out + 124, jcrc32c(0, out, 124));
}

static int
magic_damage(const uint8_t *in, struct jerr *e)
{
	/* Say why, in the terms of what usually happened in transit (PNG's reasoning). */
	if (in[0] == 0x09 && !memcmp(in + 1, "JML", 3))
		return jerr_set(e, EX_DATAERR, "bad magic: high bit stripped (7-bit transfer)");
	if (!memcmp(in, "\x89JML\n", 5))
		return jerr_set(e, EX_DATAERR,
		    "bad magic: CR/LF converted to LF (ASCII-mode transfer)");
	if (!memcmp(in, "\x89JML\r\r\n", 7) || !memcmp(in, "\x89JML\r\n\x1a\r", 8))
		return jerr_set(e, EX_DATAERR,
		    "bad magic: LF converted to CR/LF (ASCII-mode transfer)");
	if (!memcmp(in, "\x28\xb5\x2f\xfd", 4) || !memcmp(in, "\x1f\x8b", 2) ||
	    !memcmp(in, "\xfd" "7zXZ\0", 6))
		return jerr_set(e, EX_DATAERR, "bad magic: compressed data (%s) under a name "
		    "without its suffix", in[0] == 0x28 ? "zstd" : in[0] == 0x1f ? "gzip" : "xz");
	return jerr_set(e, EX_DATAERR, "not a jmirror journal (bad magic)");
}

/* The flags, the key id and the reserved bytes of a header of this version. */
static int
header_flags(const uint8_t *in, uint16_t version, struct jerr *e)
{
	uint32_t flags = jfmt_get32(in + 12);
	int signed_ = (flags & JFMT_HDR_SIGNED) != 0;

	if (jfmt_get32(in + 36) != 0 || (version < 3 && !allzero(in + 96, 8)) ||
	    !allzero(in + 112, 12) ||
	    (version < 3 && flags != 0) || (flags & ~JFMT_HDR_SIGNED) != 0)
		return jerr_set(e, EX_DATAERR, "header has unknown flags or reserved bytes set");
	if (signed_ == allzero(in + 104, JFMT_KEYID_LEN))
		return jerr_set(e, EX_DATAERR, signed_ ? "header is signed but names no key" :
		    "header names a key but is not signed");
	return 0;
}

int
jfmt_header_decode(const uint8_t in[JFMT_HEADER_SIZE], struct jfmt_header *h, struct jerr *e)
{
	uint16_t version, size;

	if (memcmp(in, JFMT_MAGIC, JFMT_MAGIC_LEN) != 0)
		return magic_damage(in, e);
	version = jfmt_get16(in + 8);
	size = jfmt_get16(in + 10);
	if (version < JFMT_VERSION_MIN || version > JFMT_VERSION)
		return jerr_set(e, EX_DATAERR, "unsupported format version %u", version);
	if (size != JFMT_HEADER_SIZE)
		return jerr_set(e, EX_DATAERR, "bad header size %u", size);
	if (jfmt_get32(in + 124) != jcrc32c(0, in, 124))
		return jerr_set(e, EX_DATAERR, "header checksum mismatch");
	if (header_flags(in, version, e) < 0)
		return -1;
	h->version = version;
	memcpy(h->lineage, in + 16, JFMT_LINEAGE_LEN);
	h->timeline = jfmt_get32(in + 32);
	h->seq = jfmt_get64(in + 40);
	h->first_lsn = jfmt_get64(in + 48);
	h->created = jfmt_get64(in + 56);
	memcpy(h->prev_digest, in + 64, JDIGEST_LEN);
	h->flags = jfmt_get32(in + 12);
	memcpy(h->keyid, in + 104, JFMT_KEYID_LEN);
	h->source_pos = jfmt_get64(in + 96);
	if (h->timeline == 0 || h->seq == 0 || h->first_lsn == 0)
		return jerr_set(e, EX_DATAERR, "header has a zero timeline, sequence or LSN");
	return 0;
}

void
jfmt_rec_encode(const struct jfmt_rec_head *r, uint8_t out[JFMT_REC_HEAD])
{
	jfmt_put32(out, r->len);
	out[4] = r->type;
	out[5] = r->flags;
	jfmt_put16(out + 6, r->batch);
	jfmt_put64(out + 8, r->lsn);
	jfmt_put64(out + 16, r->time);
}

int
jfmt_rec_decode(const uint8_t in[JFMT_REC_HEAD], uint16_t version, struct jfmt_rec_head *r,
    struct jerr *e)
{
	r->len = jfmt_get32(in);
	r->type = in[4];
	r->lsn = jfmt_get64(in + 8);
	r->time = jfmt_get64(in + 16);
	r->batch = jfmt_get16(in + 6);
	r->flags = in[5];
	if (r->len > JFMT_MAX_PAYLOAD)
		return jerr_set(e, EX_DATAERR, "record length %u exceeds the limit of %u",
		    r->len, JFMT_MAX_PAYLOAD);
	if ((in[5] & ~(version >= 3 ? JFMT_REC_CONTINUES : 0u)) != 0 ||
	    (version < 2 && r->batch != 0))
		return jerr_set(e, EX_DATAERR, "record has unknown flags or reserved bytes set");
	if (r->type == 0)
		return jerr_set(e, EX_DATAERR, "record has type 0");
	return 0;
}

uint32_t
jfmt_rec_crc(const uint8_t head[JFMT_REC_HEAD], const void *payload, uint32_t len)
{
	return jcrc32c(jcrc32c(0, head, JFMT_REC_HEAD), payload, len);
}

size_t
jfmt_rec_build(const struct jfmt_rec_head *r, const void *payload, uint8_t *out)
{
	jfmt_rec_encode(r, out);
	if (r->len)
		memcpy(out + JFMT_REC_HEAD, payload, r->len);
	jfmt_put32(out + JFMT_REC_HEAD + r->len, jcrc32c(0, out, JFMT_REC_HEAD + (size_t)r->len));
	return JFMT_REC_OVERHEAD + (size_t)r->len;
}

int
jfmt_is_trailer(const uint8_t in[4])
{
	return jfmt_get32(in) == JFMT_TRAILER_MARK;
}

void
jfmt_trailer_encode(const struct jfmt_trailer *t, uint8_t out[JFMT_TRAILER_SIZE])
{
	memset(out, 0, JFMT_TRAILER_SIZE);
	jfmt_put32(out, JFMT_TRAILER_MARK);
	memcpy(out + 4, "SEAL", 4);
	jfmt_put64(out + 8, t->records);
	jfmt_put64(out + 16, t->last_lsn);
	jfmt_put64(out + 24, t->sealed);
	jfmt_put32(out + 32, t->flags);
	/* 36: reserved */
	jfmt_put64(out + 40, t->size);
	memcpy(out + 48, t->digest, JDIGEST_LEN);
}

int
jfmt_trailer_decode(const uint8_t in[JFMT_TRAILER_SIZE], struct jfmt_trailer *t, struct jerr *e)
{
	if (!jfmt_is_trailer(in) || memcmp(in + 4, "SEAL", 4) != 0)
		return jerr_set(e, EX_DATAERR, "bad trailer mark");
	t->records = jfmt_get64(in + 8);
	t->last_lsn = jfmt_get64(in + 16);
	t->sealed = jfmt_get64(in + 24);
	t->flags = jfmt_get32(in + 32);
	t->size = jfmt_get64(in + 40);
	memcpy(t->digest, in + 48, JDIGEST_LEN);
	if ((t->flags & ~JFMT_FINAL) != 0 || jfmt_get32(in + 36) != 0)
		return jerr_set(e, EX_DATAERR, "trailer has unknown flags or reserved bytes set");
	return 0;
}

const char *
jfmt_type_name(uint8_t type)
{
	switch (type) {
	case JFMT_TYPE_SQL: return "sql";
	case JFMT_TYPE_RAW: return "raw";
	case JFMT_TYPE_ROW: return "row";
	case JFMT_TYPE_CHECK: return "check";
	}
	return NULL;
}

int
jfmt_type_unknown(uint8_t type, uint64_t lsn, struct jerr *e)
{
	return jerr_set(e, EX_DATAERR, "LSN %llu: record type %u is one of jmirror's own that "
	    "this version does not know (written by a newer jmirror: upgrade this one)",
	    (unsigned long long)lsn, type);
}

int
jfmt_type_parse(const char *s)
{
	char *end;
	long v;

	if (strcmp(s, "sql") == 0)
		return JFMT_TYPE_SQL;
	if (strcmp(s, "raw") == 0)
		return JFMT_TYPE_RAW;
	if (strcmp(s, "row") == 0)
		return JFMT_TYPE_ROW;
	if (strcmp(s, "check") == 0)
		return JFMT_TYPE_CHECK;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > 255)
		return -1;
	return (int)v;
}

void
jfmt_sig_encode(const struct jfmt_sig *s, uint8_t out[JFMT_SIG_SIZE])
{
	memset(out, 0, JFMT_SIG_SIZE);
	memcpy(out, "JSIG", 4);
	jfmt_put32(out + 4, JFMT_SIG_SIZE);
	memcpy(out + 8, "ED", 2);
	memcpy(out + 10, s->keyid, JFMT_KEYID_LEN);
	memcpy(out + 18, s->sig, JED25519_SIG);
	memcpy(out + 82, s->csig, JED25519_SIG);
	/* 146..155: reserved */
	jfmt_put32(out + 156, jcrc32c(0, out, 156));
}

int
jfmt_sig_decode(const uint8_t in[JFMT_SIG_SIZE], struct jfmt_sig *s, struct jerr *e)
{
	if (memcmp(in, "JSIG", 4) != 0)
		return jerr_set(e, EX_DATAERR, "no signature block after the trailer of a signed "
		    "segment");
	if (jfmt_get32(in + 4) != JFMT_SIG_SIZE)
		return jerr_set(e, EX_DATAERR, "bad signature block size %u", jfmt_get32(in + 4));
	if (jfmt_get32(in + 156) != jcrc32c(0, in, 156))
		return jerr_set(e, EX_DATAERR, "signature block checksum mismatch");
	if (memcmp(in + 8, "ED", 2) != 0)
		return jerr_set(e, EX_DATAERR, "signature block of an unknown algorithm");
	if (allzero(in + 10, JFMT_KEYID_LEN) || !allzero(in + 146, 10))
		return jerr_set(e, EX_DATAERR, "signature block has a zero key id or reserved "
		    "bytes set");
	memcpy(s->keyid, in + 10, JFMT_KEYID_LEN);
	memcpy(s->sig, in + 18, JED25519_SIG);
	memcpy(s->csig, in + 82, JED25519_SIG);
	return 0;
}
