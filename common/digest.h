/*
 * digest: SHA-256 over libcrypto, the only place that includes OpenSSL.
 *
 *     struct jdigest d;
 *     if (jdigest_init(&d) < 0) ...        errno set (ENOMEM)
 *     jdigest_update(&d, buf, len);        any number of times
 *     jdigest_final(&d, out);              out: JDIGEST_LEN bytes; also frees
 *     jdigest_free(&d);                    safe after final, or instead of it
 *
 * jdigest_hex writes 64 lowercase hex digits and a NUL into hex[JDIGEST_HEX].
 */
#ifndef JM_DIGEST_H
#define JM_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define JDIGEST_LEN 32
#define JDIGEST_HEX 65

struct jdigest {
	void *ctx;
};

int  jdigest_init(struct jdigest *d);
void jdigest_update(struct jdigest *d, const void *buf, size_t len);
void jdigest_final(struct jdigest *d, uint8_t out[JDIGEST_LEN]);
void jdigest_free(struct jdigest *d);
void jdigest_hex(const uint8_t *bytes, size_t len, char *hex);
/* Parse 2*len hex digits; 0 or -1 (EINVAL). */
int  jdigest_unhex(const char *hex, uint8_t *bytes, size_t len);

/*
 * ---- Ed25519 and BLAKE2b-512, for signatures (sig.h) ----
 * OpenSSL 3.0's Ed25519 is one-shot: messages are small (sig.c signs a 64-byte hash).
 * Secret keys are the 32-byte seed of RFC 8032; jed25519_public derives the public key.
 * Each returns 0, or -1 (errno ENOMEM or EINVAL); jed25519_verify returns 1 when the
 * signature verifies, 0 when it does not, -1 on error.
 */
#define JBLAKE2B_LEN     64
#define JED25519_SEED    32
#define JED25519_PUB     32
#define JED25519_SIG     64

int jblake2b512(const void *buf, size_t len, uint8_t out[JBLAKE2B_LEN]);
int jed25519_public(const uint8_t seed[JED25519_SEED], uint8_t pub[JED25519_PUB]);
int jed25519_sign(const uint8_t seed[JED25519_SEED], const void *msg, size_t len,
                  uint8_t sig[JED25519_SIG]);
int jed25519_verify(const uint8_t pub[JED25519_PUB], const void *msg, size_t len,
                    const uint8_t sig[JED25519_SIG]);

/*
 * crypt: the primitives of the age format (age.c), through libcrypto like the rest of this
 * module. Keys and shares are JCRYPT_KEY (32) bytes. Every function returns 0 or -1: errno
 * ENOMEM (or EIO when libcrypto fails), EINVAL for an X25519 share that gives the all-zero
 * secret (a low-order point), EBADMSG when an AEAD tag does not verify.
 *     jcrypt_random(buf, n)                     n bytes from the system's CSPRNG
 *     jcrypt_x25519_base(pub, sec)              pub = X25519(sec, 9)
 *     jcrypt_x25519(out, sec, pub)              out = X25519(sec, pub), refuses all-zero out
 *     jcrypt_hkdf(out, n, ikm, ikmn, salt, saltn, info)   HKDF-SHA-256 (RFC 5869)
 *     jcrypt_hmac(out, key, keyn, data, n)      HMAC-SHA-256, out JCRYPT_KEY bytes
 * ChaCha20-Poly1305 (RFC 8439) with one key and many nonces, as a stream of chunks needs:
 *     jcrypt_aead_init(&a, key)                 a.ctx owned until jcrypt_aead_free
 *     jcrypt_aead_seal(&a, nonce, in, n, out)   out: n bytes of ciphertext + 16 of tag
 *     jcrypt_aead_open(&a, nonce, in, n, out)   in: n >= 16 bytes; out: n - 16 bytes
 * in and out may be the same buffer. jcrypt_wipe clears a secret the compiler must not skip;
 * jcrypt_equal compares MACs in constant time.
 */
#define JCRYPT_KEY   32
#define JCRYPT_NONCE 12
#define JCRYPT_TAG   16

struct jcrypt_aead {
	void *ctx;
};

int  jcrypt_random(void *buf, size_t n);
int  jcrypt_x25519_base(uint8_t pub[JCRYPT_KEY], const uint8_t sec[JCRYPT_KEY]);
int  jcrypt_x25519(uint8_t out[JCRYPT_KEY], const uint8_t sec[JCRYPT_KEY],
                   const uint8_t pub[JCRYPT_KEY]);
int  jcrypt_hkdf(uint8_t *out, size_t n, const void *ikm, size_t ikmn, const void *salt,
                 size_t saltn, const char *info);
int  jcrypt_hmac(uint8_t out[JCRYPT_KEY], const void *key, size_t keyn, const void *data,
                 size_t n);
int  jcrypt_aead_init(struct jcrypt_aead *a, const uint8_t key[JCRYPT_KEY]);
int  jcrypt_aead_seal(struct jcrypt_aead *a, const uint8_t nonce[JCRYPT_NONCE], const void *in,
                      size_t n, uint8_t *out);
int  jcrypt_aead_open(struct jcrypt_aead *a, const uint8_t nonce[JCRYPT_NONCE], const void *in,
                      size_t n, uint8_t *out);
void jcrypt_aead_free(struct jcrypt_aead *a);
void jcrypt_wipe(void *p, size_t n);
int  jcrypt_equal(const void *a, const void *b, size_t n);    /* constant time: 1 or 0 */

#endif
