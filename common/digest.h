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

#endif
