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

#endif
