/*
 * seg: the streaming reader for segments and live journals (plain or compressed). Memory is
 * bounded by one record: a length field larger than JFMT_MAX_PAYLOAD is an error, not an
 * allocation.
 *
 *     struct jseg *s;
 *     if (jseg_open(path, JSEG_AUTO, &s, &e) < 0) ...       header read and checked
 *     const struct jfmt_header *h = jseg_header(s);
 *     struct jseg_rec r;
 *     while ((rc = jseg_next(s, &r, &e)) == 1)
 *             use r.lsn, r.type, r.data[0 .. r.len)          valid until the next call
 *     if (rc < 0) ... e.msg says "offset N: what"; e.code EX_DATAERR (damaged) or EX_IOERR
 *     t = jseg_trailer(s);                                   NULL: live journal, no trailer
 *     jseg_close(s);
 *
 * Modes: JSEG_SEALED requires a trailer (the file must end exactly after it); JSEG_LIVE
 * accepts a file without one and stops at its last complete record, counting the torn tail
 * in jseg_torn(). What is a torn tail is decided here and nowhere else, by the rule of
 * man/jmirror.5 (a torn last record, or a torn last batch that shows what a lost write
 * leaves); any other damage is an error, so that no repairable damage is mistaken for a
 * crash. JSEG_AUTO picks JSEG_LIVE for a name of
 * the form NAME.journal and JSEG_SEALED for every other name, as man/jmirror.5 says.
 * A trailer, when present, is always verified: record count, last LSN, size and SHA-256;
 * in a signed segment (header flag), the signature block after it is read and its form
 * checked, and a missing or damaged one is a damaged trailer.
 * Every record is checked: its CRC32C and that its LSN is the one after the last.
 * Groups (man/jmirror.5): a sealed segment that ends inside a group is damaged; in a live
 * journal the records of a group are returned only once its last record is there (the
 * reader looks ahead, with pread, before it returns a group's first record), and an
 * incomplete group at the end is part of the torn tail.
 *
 * jseg_probe answers cheaply whether a plain sealed segment is complete, from its header
 * and its last 80 bytes (1 complete, 0 not yet, -1 not a segment: e says why); compressed
 * files are read through. It does not check the digest: jseg_next does. jseg_probe_fd does
 * the same on an open descriptor (the caller's, read with pread, or read through from its
 * current offset when compressed), with name deciding compression as in jseg_open_fd.
 * Both answer -1 (EX_DATAERR, "not a regular file") for a FIFO, device or directory.
 */
#ifndef JM_SEG_H
#define JM_SEG_H

#include <stdint.h>

#include "err.h"
#include "fmt.h"

enum { JSEG_AUTO, JSEG_LIVE, JSEG_SEALED };

struct jseg;

/* A record as the reader returns it: its head's fields, its payload and where it was. */
struct jseg_rec {
	uint64_t       lsn;
	uint64_t       time;
	uint8_t        type;
	uint8_t        flags;     /* JFMT_REC_CONTINUES: the record's group goes on */
	uint32_t       len;
	const uint8_t *data;
	uint64_t       off;       /* offset of the record's frame in the (uncompressed) file */
};

int  jseg_open(const char *path, int mode, struct jseg **s, struct jerr *e);
/* fd stays the caller's; name decides JSEG_AUTO and compression (by suffix). */
int  jseg_open_fd(int fd, const char *name, int mode, struct jseg **s, struct jerr *e);
int  jseg_next(struct jseg *s, struct jseg_rec *r, struct jerr *e);
void jseg_close(struct jseg *s);

const struct jfmt_header  *jseg_header(const struct jseg *s);
const struct jfmt_trailer *jseg_trailer(const struct jseg *s);
/* The signature block that followed the trailer of a signed segment (its form checked, not
 * its signatures: sig.h does that); NULL when unsigned or not sealed. */
const struct jfmt_sig     *jseg_sig(const struct jseg *s);
uint64_t jseg_records(const struct jseg *s);  /* records returned so far */
uint64_t jseg_last_lsn(const struct jseg *s); /* first_lsn - 1 before the first record */
uint64_t jseg_offset(const struct jseg *s);   /* bytes consumed (uncompressed) */
uint64_t jseg_torn(const struct jseg *s);     /* bytes of a torn tail ignored (live only) */
int      jseg_mode(const struct jseg *s);     /* JSEG_LIVE or JSEG_SEALED, as resolved */
uint64_t jseg_end(const struct jseg *s);      /* offset after the last record returned, or
                                                 after the header: where a torn tail starts */
uint16_t jseg_batch(const struct jseg *s);    /* batch field of the last record returned */

/*
 * For the writer of a live journal (journal.h), which reads the very file it appends to:
 * jseg_open_pread reads fd with pread (its file offset is left alone) in JSEG_LIVE mode,
 * from the header when at is NULL; otherwise from a point already read before (at->off,
 * with header at->h, the LSN expected there and the batch field of the record before it;
 * at->off MUST NOT lie inside a group), without hashing. jseg_resume forgets what was read after the last record returned (a
 * torn tail, the end of file) and reads on from there, as after more bytes were appended;
 * it fails (EINVAL) once bytes of a trailer were read: open a new reader then.
 * jseg_hash hands the SHA-256 of the header and the records returned so far to the writer
 * that seals what it read (journal.c finishes it with the trailer), once, for a reader
 * opened without at; the reader hashes nothing more and reads no further. The digest stays
 * the reader's (freed by jseg_close); NULL (EINVAL) when there is none.
 */
struct jseg_at {
	const struct jfmt_header *h;
	uint64_t off;
	uint64_t lsn;
	uint16_t batch;
};

int jseg_open_pread(int fd, const struct jseg_at *at, struct jseg **s, struct jerr *e);
int jseg_resume(struct jseg *s);
struct jdigest *jseg_hash(struct jseg *s);

/* Read a whole file through, checking everything: 0 valid, -1 not (e says where and why). */
int jseg_verify(const char *path, int mode, struct jfmt_header *h, struct jfmt_trailer *t,
                struct jerr *e);
int jseg_probe(const char *path, struct jfmt_header *h, struct jfmt_trailer *t, struct jerr *e);
int jseg_probe_fd(int fd, const char *name, struct jfmt_header *h, struct jfmt_trailer *t,
                  struct jerr *e);
/* jseg_probe_fd that also hands over the signature block of a signed segment (its form
 * checked, as the header's flag asks; sig is left alone when the segment is unsigned). */
int jseg_probe_sig(int fd, const char *name, struct jfmt_header *h, struct jfmt_trailer *t,
                   struct jfmt_sig *sig, struct jerr *e);

#endif
