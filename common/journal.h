/*
 * journal: the writer side of a journal directory, shared by jappend, jrotate and jpromote.
 *
 * Files, for a journal DIR/NAME.journal:
 *   DIR/NAME.journal                    the live journal: header + complete records
 *   DIR/NAME.TTTT-SSSSSSSSSSSS.journal  sealed segments (hard links of former live files)
 *   DIR/.NAME.journal.lock              writers' lock: held for each append and rotation step
 *   DIR/.NAME.journal.rotate            rotators' lock: one jrotate at a time
 *   DIR/.NAME.journal.next              the successor live journal while it is being made
 *   DIR/.NAME.journal.enc               an encrypted segment while a rotation makes it
 *   DIR/.NAME.journal.recipients        the recipients later rotations encrypt to
 *
 * Calling sequence (writer):
 *     jjournal_create(path, &e)                  new lineage; refuses an existing journal,
 *                                                 or segments of its NAME beside it
 *     jjournal_open(path, flags, &j, &e)         flags: JJ_SYNC (fdatasync every append)
 *     jjournal_append(j, recs, n, &first, &e)    n records, LSNs first .. first+n-1, in order,
 *                                                 never interleaved with another writer's,
 *                                                 written as one batch (one write per 65536)
 *     jjournal_sync(j, &e)                       make every append so far durable (for a
 *                                                 writer without JJ_SYNC that batches)
 *     jjournal_close(j, &e)                      frees j (NULL is a no-op); -1 (EX_IOERR)
 *                                                 when closing the file fails; e may be NULL
 * j is the caller's from open to close; recs and their payloads stay the caller's.
 * Rotation:
 *     jjournal_rotate(path, &opts, seg, sizeof seg, &e)   1 sealed (seg = its path),
 *                                                        0 nothing to do, -1 error
 *   1 also when it completed a rotation that had been interrupted after sealing (seg is that
 *   segment), and for final on a journal already closed (seg is the final segment). Without
 *   final, a closed journal is -1 with JJ_ECLOSED. Conditions (if_size, if_age) are checked
 *   cheaply before any reading.
 * Every function returns -1 with e filled on failure: EX_USAGE not a journal name,
 * EX_DATAERR damaged or foreign journal, EX_TEMPFAIL another rotation holds the rotators'
 * lock (only with opts.nowait; otherwise it waits), EX_CANTCREAT exists, EX_NOINPUT missing,
 * EX_IOERR, EX_OSERR out of memory, EX_SOFTWARE a broken invariant, and JJ_ECLOSED in
 * e->code when the journal was closed by a final rotation.
 *
 * Invariants the implementation keeps (journal.c says how):
 * - LSNs are 1, 2, 3 ... across all segments, with no hole and no duplicate, whatever
 *   processes append, rotate or are killed at any instruction.
 * - A writer that had the live file open before a rotation writes into the new one.
 * - A torn last batch (a writer killed mid-write, or an unsynced write torn by a power cut),
 *   as seg.h's reader judges it, is cut off by the next writer or rotator under the lock,
 *   never sealed into a segment; any other damage is refused (EX_DATAERR) and the file left
 *   byte for byte as it was.
 * - New journals, and the successor of every rotation, are format version JFMT_VERSION; an
 *   older live journal is appended to in its own version until it is sealed.
 * - A rotation interrupted at any step is completed by the next writer or rotator.
 * - Files are created 0640 at most (never world-readable; the umask may only remove bits).
 */
#ifndef JM_JOURNAL_H
#define JM_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "fmt.h"

#define JJ_SYNC     0x1       /* jjournal_open: fdatasync after every append */
/* e->code when the journal was sealed final and appends are refused: the exit code itself
 * (69, "closed or operational" in jmirror(7)), so that no tool has to translate it. */
#define JJ_ECLOSED  EX_UNAVAILABLE

struct jjournal;
struct jage_keys;

/* What a writer appends: a typed payload; the journal gives it its LSN and commit time. */
struct jjournal_payload {
	uint8_t     type;         /* JFMT_TYPE_* */
	const void *data;
	uint32_t    len;          /* at most JFMT_MAX_PAYLOAD */
};

int  jjournal_create(const char *path, struct jerr *e);
int  jjournal_open(const char *path, int flags, struct jjournal **j, struct jerr *e);
int  jjournal_append(struct jjournal *j, const struct jjournal_payload *recs, size_t n, uint64_t *first_lsn,
                     struct jerr *e);
int  jjournal_sync(struct jjournal *j, struct jerr *e);
int  jjournal_close(struct jjournal *j, struct jerr *e);

/*
 * A group (man/jmirror.5): one transaction in several records, for what does not fit in
 * one record or one append (a bulk load of 100 MB). The writers' lock is held from begin
 * to end, so that no other writer's record comes between its records and no rotation
 * seals the journal inside it; memory stays bounded by what each call is given.
 *     jjournal_group_begin(j, &e)                 takes the lock (waits for it)
 *     jjournal_group_add(j, recs, n, &first, &e)  records that all continue the group
 *     jjournal_group_end(j, recs, n, &first, &e)  the last records (n >= 1), the very last
 *                                                 closing the group; drops the lock, then
 *                                                 syncs with JJ_SYNC; first: the group's
 *                                                 first LSN
 *     jjournal_group_abort(j)                     cuts what the group wrote, drops the lock
 * The lock is the journal's, not the handle's: another handle of the same journal in the
 * same process waits for it like any other writer (forever, if this one waits for it).
 * A failed add or end aborts the group (nothing of it stays). A writer killed inside a
 * group leaves an incomplete group, which readers take for a torn tail and the next writer
 * or rotation cuts. jjournal_append inside a group and jjournal_close abort it first. A
 * live journal older than version 3 takes no group: EX_DATAERR, rotate it first.
 */
int  jjournal_group_begin(struct jjournal *j, struct jerr *e);
int  jjournal_group_add(struct jjournal *j, const struct jjournal_payload *recs, size_t n,
                        uint64_t *first_lsn, struct jerr *e);
int  jjournal_group_end(struct jjournal *j, const struct jjournal_payload *recs, size_t n,
                        uint64_t *first_lsn, struct jerr *e);
void jjournal_group_abort(struct jjournal *j);

struct jsig_key;

struct jjrotate {
	int      final;           /* seal even if empty, mark final, refuse appends afterwards */
	const struct jsig_key *sign;  /* NULL, or sign the segment sealed now, and the ones after
	                           * it: an unsigned live journal with records is sealed unsigned
	                           * and its successor signed; one without records is made signed
	                           * at once (0, nothing sealed). A signed live journal without a
	                           * key: EX_USAGE, nothing changed. */
	int      nowait;          /* busy rotator lock: fail with EX_TEMPFAIL instead of waiting */
	uint64_t if_size;         /* 0, or rotate only if the live journal holds >= this many bytes */
	uint64_t if_age;          /* 0, or only if its oldest record is >= this old (ns), or
	                           * stamped in the future */
	const struct jage_keys *encrypt;   /* NULL, or encrypt the segment's records to these
	                                      recipients (age.h): the segment is a new file,
	                                      the live journal stays plaintext. They are
	                                      remembered (.NAME.journal.recipients) and used by
	                                      every later rotation given none */
	int      plaintext;       /* forget the remembered recipients: seal in plaintext */
	int      comp, level;     /* JCOMP_ZSTD or JCOMP_XZ (zio.h): compress the records
	                             before encrypting them (only with encryption); 0, 0 none */
};

int jjournal_rotate(const char *path, const struct jjrotate *o, char *seg, size_t size,
                    struct jerr *e);

/*
 * Start a live journal that continues a chain from a given point, for jpromote: header
 * (lineage, timeline, seq, first_lsn, prev_digest) as given. Refuses an existing live
 * journal unless it is the final one of the same chain.
 */
int jjournal_create_at(const char *path, const struct jfmt_header *h, struct jerr *e);

/*
 * A segment written whole from records read elsewhere: jpromote's closing segment (the
 * records of a copied live journal), and the generators of the tests. The trailer is made
 * and written by the same code as a rotation's.
 *     jjournal_segment_begin(fd, name, &h, flags, &w, &e)   header written; flags:
 *                                          JJ_SYNC (seal makes the file durable)
 *     jjournal_segment_add(w, &rec, &e)    one record as a reader returned it (seg.h); its
 *                                          LSN MUST be the next one, from h.first_lsn on
 *     jjournal_segment_seal(w, flags, &t, &e)   trailer with flags (JFMT_FINAL or 0); t
 *                                          filled; a live journal is one left unsealed
 *     jjournal_segment_end(w)              frees w; after any call, sealed or not
 * fd is the caller's: an empty file (or a pipe), written sequentially, which the caller
 * names (jafile_publish) and closes; name is for messages. Each call returns 0 or -1 with e filled:
 * EX_IOERR, EX_OSERR, EX_DATAERR or EX_USAGE (a record the format cannot hold), EX_SOFTWARE
 * (an LSN out of order). After a failed call the file is no segment: the caller removes it.
 */
struct jjsegment;
struct jseg_rec;

int  jjournal_segment_begin(int fd, const char *name, const struct jfmt_header *h, int flags,
                            struct jjsegment **w, struct jerr *e);
int  jjournal_segment_add(struct jjsegment *w, const struct jseg_rec *r, struct jerr *e);
int  jjournal_segment_seal(struct jjsegment *w, uint32_t flags, struct jfmt_trailer *t,
                           struct jerr *e);
/* The same, with the signature block by k after the trailer: k MUST be given exactly when
 * the header (h of begin) has JFMT_HDR_SIGNED. */
int  jjournal_segment_seal_signed(struct jjsegment *w, uint32_t flags, const struct jsig_key *k,
                                  struct jfmt_trailer *t, struct jerr *e);
void jjournal_segment_end(struct jjsegment *w);

#endif
