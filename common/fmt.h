/*
 * fmt: the journal format's fixed structures, encoded and decoded. man/jmirror.5 is the
 * specification; this is its one implementation. All integers are little-endian.
 *
 *   file    = header record* [trailer]      a sealed segment has the trailer, a live journal not
 *   header  = 128 bytes, ends with CRC32C of its first 124 bytes
 *   record  = 24-byte frame head, payload, CRC32C of head+payload   (28 + len bytes)
 *             version 2 heads carry the batch field: how many records follow in the same
 *             write (0 on the last of a write); version 1 heads have 0 there.
 *             Version 3 heads carry flags at offset 5: JFMT_REC_CONTINUES, the record's
 *             transaction goes on in the next record (a group, man/jmirror.5).
 *   trailer = 80 bytes, begins with 0xFFFFFFFF "SEAL", ends with SHA-256 of every byte before
 *             the digest itself; that digest is "the segment's digest" that the next segment's
 *             header names as prev_digest.
 *   signature = 160 bytes after the trailer, version 3 headers with JFMT_HDR_SIGNED only:
 *             "JSIG", size, "ED", key id, signature, comment signature, CRC32C (sig.h says
 *             what is signed); outside the digest, so a relay passes it on unchanged.
 *
 * Encoders fill a caller's buffer (of the JFMT_*_SIZE given) and never fail. Decoders check
 * everything they can check locally (magic, version, sizes, reserved bits, CRC) and return 0
 * or -1 with a message in *e (code EX_DATAERR). Whole-file checks (LSN continuity, digest,
 * size) belong to the reader, seg.h.
 */
#ifndef JM_FMT_H
#define JM_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"

#define JFMT_MAGIC          "\x89JML\r\n\x1a\n"
#define JFMT_MAGIC_LEN      8
#define JFMT_VERSION        3               /* what writers create */
#define JFMT_VERSION_MIN    1               /* the oldest readers accept */
#define JFMT_HEADER_SIZE    128
#define JFMT_REC_HEAD       24
#define JFMT_REC_OVERHEAD   28              /* head + CRC */
#define JFMT_TRAILER_SIZE   80
#define JFMT_TRAILER_MARK   0xFFFFFFFFu
#define JFMT_MAX_PAYLOAD    (16u << 20)     /* 16 MiB: the largest record */
#define JFMT_MAX_BATCH      65536u          /* records in one write (version 2) */
#define JFMT_LINEAGE_LEN    16

#define JFMT_TYPE_SQL       1
#define JFMT_TYPE_RAW       2
#define JFMT_TYPE_APPLIER_MAX 127           /* 3..127: appliers' own types (jappend -t) */
#define JFMT_TYPE_OWN_MIN   128             /* 128..255: jmirror's own types */
#define JFMT_TYPE_ROW       128             /* row changes (row.h) */
#define JFMT_TYPE_CHECK     129             /* check record: table digests */

#define JFMT_REC_CONTINUES  0x01u           /* record flag: the group goes on (version 3) */

#define JFMT_FINAL          0x1u            /* trailer flag: last segment before a switch-over */

#define JFMT_HDR_SIGNED     0x1u            /* header flag (version 3): a signature block follows
                                               the trailer */
#define JFMT_KEYID_LEN      8               /* a minisign key id, as the key file holds it */
#define JFMT_SIG_SIZE       160             /* the signature block */

struct jfmt_header {
	uint16_t version;                       /* encode: 0 means JFMT_VERSION */
	uint8_t  lineage[JFMT_LINEAGE_LEN];
	uint32_t timeline;
	uint64_t seq;
	uint64_t first_lsn;
	uint64_t created;                       /* ns since the epoch */
	uint8_t  prev_digest[JDIGEST_LEN];      /* zeros for the first segment of a lineage */
	uint32_t flags;                         /* version 3: JFMT_HDR_* */
	uint8_t  keyid[JFMT_KEYID_LEN];         /* JFMT_HDR_SIGNED: the key to sign with */
	uint64_t source_pos;                    /* version 3: the capture source position
	                                           carried over by rotation (man/jmirror.5);
	                                           0 in versions 1 and 2 */
};

/* The fields of a record's 24-byte frame head, as encoded and decoded (no payload). */
struct jfmt_rec_head {
	uint32_t len;
	uint8_t  type;
	uint64_t lsn;
	uint64_t time;                          /* commit time, ns since the epoch */
	uint16_t batch;                         /* version 2: records after this one written
	                                           with it in one write; always 0 in version 1 */
	uint8_t  flags;                         /* version 3: JFMT_REC_CONTINUES or 0 */
};

struct jfmt_trailer {
	uint64_t records;
	uint64_t last_lsn;                      /* first_lsn - 1 when empty */
	uint64_t sealed;                        /* ns since the epoch */
	uint32_t flags;
	uint64_t size;                          /* whole file, trailer included */
	uint8_t  digest[JDIGEST_LEN];
};

void jfmt_header_encode(const struct jfmt_header *h, uint8_t out[JFMT_HEADER_SIZE]);
int  jfmt_header_decode(const uint8_t in[JFMT_HEADER_SIZE], struct jfmt_header *h,
                        struct jerr *e);

/* The record head; the CRC covers head and payload: jfmt_rec_crc(head, payload, len).
 * Decoding needs the file's version: a version 1 record MUST have a zero batch field,
 * a version 1 or 2 record zero flags, a version 3 record no flag but JFMT_REC_CONTINUES. */
void     jfmt_rec_encode(const struct jfmt_rec_head *r, uint8_t out[JFMT_REC_HEAD]);
int      jfmt_rec_decode(const uint8_t in[JFMT_REC_HEAD], uint16_t version, struct jfmt_rec_head *r,
                         struct jerr *e);
uint32_t jfmt_rec_crc(const uint8_t head[JFMT_REC_HEAD], const void *payload, uint32_t len);
/* Encode head + payload + CRC into out (JFMT_REC_OVERHEAD + len bytes). */
size_t   jfmt_rec_build(const struct jfmt_rec_head *r, const void *payload, uint8_t *out);

/* Encode all but the digest (the first JFMT_TRAILER_SIZE - 32 bytes); the caller hashes
 * the file's bytes, then these, and puts the digest in the last 32 bytes. */
void jfmt_trailer_encode(const struct jfmt_trailer *t, uint8_t out[JFMT_TRAILER_SIZE]);
int  jfmt_trailer_decode(const uint8_t in[JFMT_TRAILER_SIZE], struct jfmt_trailer *t,
                         struct jerr *e);
/* The signature block after a signed segment's trailer (sig.h makes and checks it). */
struct jfmt_sig {
	uint8_t keyid[JFMT_KEYID_LEN];
	uint8_t sig[JED25519_SIG];          /* Ed25519 of BLAKE2b-512(statement) */
	uint8_t csig[JED25519_SIG];         /* Ed25519 of sig || trusted comment */
};

void jfmt_sig_encode(const struct jfmt_sig *s, uint8_t out[JFMT_SIG_SIZE]);
int  jfmt_sig_decode(const uint8_t in[JFMT_SIG_SIZE], struct jfmt_sig *s, struct jerr *e);

/* Does this 4-byte prefix start a trailer rather than a record? */
int  jfmt_is_trailer(const uint8_t in[4]);

const char *jfmt_type_name(uint8_t type);   /* "sql", "raw", "row", "check", or NULL */
/* An applier met one of jmirror's own types that this version does not know (a newer
 * writer's): it MUST NOT skip it. -1 with e: EX_DATAERR, saying so. */
int         jfmt_type_unknown(uint8_t type, uint64_t lsn, struct jerr *e);
int         jfmt_type_parse(const char *s); /* JFMT_TYPE_*, or a number 1..255; -1 if bad */

/* Little-endian helpers, exported for the reader and tests. */
void     jfmt_put16(uint8_t *p, uint16_t v);
void     jfmt_put32(uint8_t *p, uint32_t v);
void     jfmt_put64(uint8_t *p, uint64_t v);
uint16_t jfmt_get16(const uint8_t *p);
uint32_t jfmt_get32(const uint8_t *p);
uint64_t jfmt_get64(const uint8_t *p);

#endif
