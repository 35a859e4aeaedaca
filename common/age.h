/*
 * age: the age v1 file format (age-encryption.org/v1) for X25519 recipients, streamed with
 * memory bounded by one 64 KiB chunk. What jmirror writes `age -d -i KEY` reads, and what
 * `age -r RECIPIENT` writes this reads.
 *
 * Keys:
 *     struct jage_keys k = {0};
 *     jage_recipient_add(&k, "age1...", &e)    a recipient, or a file of them (age -R)
 *     jage_identity_load(&k, path, &e)         an identity file as age-keygen writes it;
 *                                              refused when group or others may read it
 *     jage_keys_wipe(&k)                       clears the secrets
 * Both refuse (EX_USAGE) a key of the wrong kind: an identity given as a recipient, a
 * recipient or any other text given as an identity. Unreadable files: EX_NOINPUT or
 * EX_NOPERM. Messages name the file and line, never a secret.
 *
 * Encrypting, to every recipient in k:
 *     jage_enc_open(&k, sink, arg, &w, &e)     header and nonce written to sink
 *     jage_enc_write(w, buf, n, &e) ...
 *     jage_enc_finish(w, &e)                   the last chunk; frees w
 *     jage_enc_abort(w)                        frees w, writes nothing more
 * sink(arg, buf, n) returns 0 or -1 with errno (EX_IOERR then).
 *
 * Decrypting with any identity in k:
 *     jage_dec_open(&k, src, arg, &d, &e)      reads and checks the header
 *     n = jage_dec_read(d, buf, len, &e)       plaintext; 0 at its authenticated end
 *     jage_dec_close(d)
 * src(arg, buf, n, &e) returns bytes read, 0 at the end of the age file, -1 with e filled.
 * No identity matching a stanza: EX_NOPERM. A damaged, truncated or forged file (header MAC,
 * chunk tag, a last chunk missing or followed by more): EX_DATAERR. No plaintext is returned
 * before its chunk's tag is verified.
 *
 * jage_header_parse checks a header's syntax alone (for the fuzzer): 0, or -1 with e.
 */
#ifndef JM_AGE_H
#define JM_AGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "digest.h"
#include "err.h"

#define JAGE_MAX_KEYS   32
#define JAGE_CHUNK      65536
#define JAGE_HEADER_MAX 65536
#define JAGE_RECIPIENT  (4 + 1 + 52 + 6 + 1)   /* "age" "1" data checksum NUL: 63 bytes */

struct jage_keys {
	size_t  nrcpt, nid;
	uint8_t rcpt[JAGE_MAX_KEYS][JCRYPT_KEY];
	uint8_t id[JAGE_MAX_KEYS][JCRYPT_KEY];     /* secret scalars */
	uint8_t idpub[JAGE_MAX_KEYS][JCRYPT_KEY];  /* their public keys */
};

struct jage_enc;
struct jage_dec;

int  jage_recipient_parse(const char *s, uint8_t pub[JCRYPT_KEY]);
void jage_recipient_format(const uint8_t pub[JCRYPT_KEY], char out[JAGE_RECIPIENT]);
int  jage_identity_parse(const char *s, uint8_t sec[JCRYPT_KEY]);
int  jage_recipient_add(struct jage_keys *k, const char *arg, struct jerr *e);
int  jage_identity_load(struct jage_keys *k, const char *path, struct jerr *e);
void jage_keys_wipe(struct jage_keys *k);

int  jage_enc_open(const struct jage_keys *k, int (*sink)(void *arg, const void *buf, size_t n),
                   void *arg, struct jage_enc **w, struct jerr *e);
int  jage_enc_write(struct jage_enc *w, const void *buf, size_t n, struct jerr *e);
int  jage_enc_finish(struct jage_enc *w, struct jerr *e);
void jage_enc_abort(struct jage_enc *w);

int     jage_dec_open(const struct jage_keys *k,
                      ssize_t (*src)(void *arg, void *buf, size_t n, struct jerr *e), void *arg,
                      struct jage_dec **d, struct jerr *e);
ssize_t jage_dec_read(struct jage_dec *d, void *buf, size_t len, struct jerr *e);
void    jage_dec_close(struct jage_dec *d);

int  jage_header_parse(const uint8_t *buf, size_t n, struct jerr *e);

#endif
