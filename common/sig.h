/*
 * sig: signed segments (man/jmirror.5, SIGNATURES): minisign key files, the statement a
 * signature covers, signing, and the one check every reading tool makes.
 *
 *     struct jsig_key k;                       a secret key: the signer's, wiped after use
 *     jsig_key_load(path, &k, &e)              minisign -G -W file, owner-only; -1: EX_NOINPUT,
 *                                              EX_NOPERM (readable by others), EX_DATAERR (not
 *                                              such a key, or one with a passphrase)
 *     jsig_sign(&k, &h, &t, &sig, &e)          the block for a sealed segment (h, t verified)
 *     jsig_key_wipe(&k)
 *
 *     struct jsig_trust tr = { 0 };            the keys a reader trusts (none: no check)
 *     jsig_trust_load(&tr, arg, &e)            a public key file (or its base64 line); again
 *                                              for each --trust; -1 as jsig_key_load
 *     jsig_check_segment(path, &tr, &e)        read the file through, checking everything,
 *                                              then its signature: 0, or -1 (EX_DATAERR:
 *                                              unsigned, untrusted, forged or damaged;
 *                                              EX_NOINPUT, EX_IOERR)
 *     jsig_check_reader(s, &tr, &e)            the same for a reader (seg.h) already read to
 *                                              its end without error
 * With no trusted key, every check passes what seg.c accepts. With keys, a segment passes only
 * when it is sealed, signed by one of them, and both its signatures verify over the statement
 * made from its header and verified trailer; a live journal never passes.
 *
 * Key ids are shown as minisign shows them (the 8 bytes as a little-endian number, in hex
 * without leading zeros). Secrets are never put in messages.
 */
#ifndef JM_SIG_H
#define JM_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"
#include "fmt.h"

#define JSIG_MAX_TRUST   8          /* keys trusted at once (key rotation needs two) */
#define JSIG_PUB_B64     57         /* base64 of a public key ("RW..."), with its NUL */
#define JSIG_KEYID_HEX   17
#define JSIG_STATEMENT   512        /* room for a statement or a trusted comment */

struct jsig_pub {
	uint8_t keyid[JFMT_KEYID_LEN];
	uint8_t pk[JED25519_PUB];
};

struct jsig_key {
	uint8_t keyid[JFMT_KEYID_LEN];
	uint8_t seed[JED25519_SEED];
	uint8_t pk[JED25519_PUB];
};

struct jsig_trust {
	size_t          n;
	struct jsig_pub keys[JSIG_MAX_TRUST];
};

struct jseg;

int  jsig_key_load(const char *path, struct jsig_key *k, struct jerr *e);
void jsig_key_wipe(struct jsig_key *k);

/* A public key from a file, or from the base64 line itself ("RW..."). */
int  jsig_pub_load(const char *arg, struct jsig_pub *k, struct jerr *e);
/* The base64 line of a public key: 0, or -1 if it is not one. */
int  jsig_pub_parse(const char *b64, struct jsig_pub *k);
void jsig_pub_format(const struct jsig_pub *k, char out[JSIG_PUB_B64]);
void jsig_keyid_hex(const uint8_t keyid[JFMT_KEYID_LEN], char out[JSIG_KEYID_HEX]);
/* A key id as minisign and jsig_keyid_hex show it (1 to 16 hex digits): 0, or -1. */
int  jsig_keyid_parse(const char *s, uint8_t keyid[JFMT_KEYID_LEN]);

/* Add k once (a key already there is not added again); -1 (EX_USAGE) when full. */
int  jsig_trust_add(struct jsig_trust *t, const struct jsig_pub *k, struct jerr *e);
int  jsig_trust_load(struct jsig_trust *t, const char *arg, struct jerr *e);
/* Remove the key with this id: 1 removed, 0 not there. */
int  jsig_trust_remove(struct jsig_trust *t, const uint8_t keyid[JFMT_KEYID_LEN]);

/* The statement and the trusted comment of a segment (NUL-terminated): their length. */
size_t jsig_statement(const struct jfmt_header *h, const struct jfmt_trailer *t, char *buf,
                      size_t size);
size_t jsig_comment(const struct jfmt_header *h, const struct jfmt_trailer *t, char *buf,
                    size_t size);

int  jsig_sign(const struct jsig_key *k, const struct jfmt_header *h,
               const struct jfmt_trailer *t, struct jfmt_sig *out, struct jerr *e);
/* sig NULL: the segment is unsigned. */
int  jsig_verify(const struct jsig_trust *tr, const struct jfmt_header *h,
                 const struct jfmt_trailer *t, const struct jfmt_sig *sig, struct jerr *e);
int  jsig_check_reader(const struct jseg *s, const struct jsig_trust *tr, struct jerr *e);
int  jsig_check_segment(const char *path, const struct jsig_trust *tr, struct jerr *e);
/*
 * The cheap check before anything is read through or run: the signature over the header and
 * trailer at the file's ends (seg.h's probe), fd read with pread (a compressed file is read
 * through). It vouches for the records only together with a full read that finds the same
 * trailer (jsig_check_reader after it): 0, or -1 as jsig_verify says, or for a file that is
 * not complete.
 */
int  jsig_check_ends(int fd, const char *name, const struct jsig_trust *tr, struct jerr *e);
/* jseg_verify (seg.h) and the check in one read: h and t (may be NULL) filled when valid. */
int  jsig_verify_file(const char *path, int mode, const struct jsig_trust *tr,
                      struct jfmt_header *h, struct jfmt_trailer *t, struct jerr *e);

/*
 * jcat --export-signature: write the statement of the signed segment at path to out and its
 * minisign signature file to out.minisig (both replaced atomically, 0644), after checking
 * the segment (and, with keys in tr, its signature).
 */
int  jsig_export(const char *path, const char *out, const struct jsig_trust *tr,
                 struct jerr *e);

#endif
