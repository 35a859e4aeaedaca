/*
 * age: the age v1 format (https://age-encryption.org/v1) for X25519 recipients.
 *
 * Guarantees:
 * - A file key is 16 random bytes, wrapped for each recipient with a fresh ephemeral X25519
 *   share: ChaCha20-Poly1305 under HKDF-SHA-256(shared, salt = share || recipient,
 *   "age-encryption.org/v1/X25519"), zero nonce. The header is authenticated by
 *   HMAC-SHA-256 under HKDF(file key, "", "header") over its bytes up to "---".
 * - The payload is a 16-byte nonce, then chunks of 64 KiB of plaintext sealed with
 *   HKDF(file key, nonce, "payload") and the nonce counter(11 bytes, big-endian) || last
 *   flag. Only the last chunk may be shorter, and it is empty only when the file is.
 * - The reader MUST NOT return plaintext of a chunk whose tag it has not verified, MUST
 *   refuse a file whose last chunk is missing or followed by anything, and MUST check the
 *   header MAC before reading the payload. Header syntax is checked strictly (canonical
 *   base64 without padding, 64-column body lines, one space between arguments), as the
 *   specification asks, so that one file has one reading.
 * - Memory is one chunk plus the header (at most JAGE_HEADER_MAX bytes), whatever the input.
 * - Secrets are wiped when freed and never put into a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "age.h"
#include "cred.h"

#define AGE_INTRO     "age-encryption.org/v1\n"
#define AGE_X25519    "age-encryption.org/v1/X25519"
#define FILE_KEY      16
#define NONCE         16
#define CCHUNK        (JAGE_CHUNK + JCRYPT_TAG)
#define LINE_COLS     64
#define KEY_B64       43                      /* 32 bytes in unpadded base64 */

/* ---- base64 (standard alphabet, no padding, canonical) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t
b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	if (n - i == 1) {
		out[o++] = b64[in[i] >> 2];
		out[o++] = b64[(in[i] & 3) << 4];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
		out[o++] = b64[v >> 10];
		out[o++] = b64[v >> 4 & 63];
		out[o++] = b64[(v & 15) << 2];
	}
	out[o] = '\0';
	return o;
}

static int
b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/* Decode n characters into out (at most max bytes): its length, or -1 if not canonical. */
static ssize_t
b64_decode(const char *in, size_t n, uint8_t *out, size_t max)
{
	uint32_t acc = 0;
	size_t o = 0, bits = 0;

	if (n % 4 == 1 || n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) > max)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64_val(in[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (acc & ((1u << bits) - 1))
		return -1;              /* unused bits set: not the canonical encoding */
	return (ssize_t)o;
}

/* ---- Bech32 (BIP 173), as age uses it: no length limit, one case ---- */

static const char b32[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t
polymod(const uint8_t *v, size_t n)
{
	static const uint32_t g[5] = {
		0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3
	};
	uint32_t chk = 1;

	for (size_t i = 0; i < n; i++) {
		uint32_t top = chk >> 25;
		chk = (chk & 0x1ffffff) << 5 ^ v[i];
		for (int j = 0; j < 5; j++)
			if (top >> j & 1)
				chk ^= g[j];
	}
	return chk;
}

/* hrp expanded, then the 5-bit data: into v; returns the count. */
static size_t
hrp_expand(const char *hrp, uint8_t *v)
{
	size_t n = strlen(hrp), o = 0;

	for (size_t i = 0; i < n; i++)
		v[o++] = (uint8_t)((unsigned char)hrp[i] >> 5);
	v[o++] = 0;
	for (size_t i = 0; i < n; i++)
		v[o++] = (uint8_t)(hrp[i] & 31);
	return o;
}

#define B32_MAX 128

/* Decode a Bech32 string of human-readable part hrp into 32 bytes; 0 or -1. */
static int
bech32_decode32(const char *s, const char *hrp, uint8_t out[JCRYPT_KEY])
{
	uint8_t v[2 * B32_MAX];
	size_t n = strlen(s), hl = strlen(hrp), m, d, o = 0, bits = 0;
	int lower = 0, upper = 0;
	uint32_t acc = 0;

	if (n < hl + 1 + 6 || n - hl - 1 > B32_MAX || strncasecmp(s, hrp, hl) || s[hl] != '1')
		return -1;
	for (size_t i = 0; i < n; i++) {
		lower |= s[i] >= 'a' && s[i] <= 'z';
		upper |= s[i] >= 'A' && s[i] <= 'Z';
	}
	if (lower && upper)
		return -1;
	d = m = hrp_expand(hrp, v);
	for (size_t i = hl + 1; i < n; i++) {
		char c = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
		const char *p = strchr(b32, c);
		if (!c || !p)
			return -1;
		v[m++] = (uint8_t)(p - b32);
	}
	if (polymod(v, m) != 1)
		return -1;
	m -= 6;
	for (size_t i = d; i < m; i++) {
		acc = acc << 5 | v[i];
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o == JCRYPT_KEY)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return o == JCRYPT_KEY && bits < 5 && !(acc & ((1u << bits) - 1)) ? 0 : -1;
}

static void
bech32_encode32(const char *hrp, const uint8_t in[JCRYPT_KEY], char *out)
{
	uint8_t v[2 * B32_MAX];
	size_t m = hrp_expand(hrp, v), d = m, bits = 0, o;
	uint32_t acc = 0, chk;

	for (size_t i = 0; i < JCRYPT_KEY; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			v[m++] = (uint8_t)(acc >> bits & 31);
		}
	}
	if (bits)
		v[m++] = (uint8_t)(acc << (5 - bits) & 31);
	memset(v + m, 0, 6);
	chk = polymod(v, m + 6) ^ 1;
	for (int i = 0; i < 6; i++)
		v[m + (size_t)i] = (uint8_t)(chk >> (5 * (5 - i)) & 31);
	o = (size_t)sprintf(out, "%s1", hrp);
	for (size_t i = d; i < m + 6; i++)
		out[o++] = b32[v[i]];
	out[o] = '\0';
}

int
jage_recipient_parse(const char *s, uint8_t pub[JCRYPT_KEY])
{
	if (strncmp(s, "age1", 4) != 0 || bech32_decode32(s, "age", pub) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void
jage_recipient_format(const uint8_t pub[JCRYPT_KEY], char out[JAGE_RECIPIENT])
{
	bech32_encode32("age", pub, out);
}

int
jage_identity_parse(const char *s, uint8_t sec[JCRYPT_KEY])
{
	if (strncmp(s, "AGE-SECRET-KEY-1", 16) != 0 ||
	    bech32_decode32(s, "age-secret-key-", sec) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* ---- key files ---- */

#define KEYFILE_MAX 65536

/* Read a small key file whole into buf (NUL-terminated); closes fd. */
static int
slurp(int fd, const char *path, char *buf, size_t size, struct jerr *e)
{
	size_t n = 0;

	for (;;) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			jerr_sys(e, EX_IOERR, "%s: read error", path);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == size - 1) {
			close(fd);
			return jerr_set(e, EX_USAGE, "%s: too large for a key file", path);
		}
	}
	close(fd);
	buf[n] = '\0';
	if (memchr(buf, '\0', n))
		return jerr_set(e, EX_USAGE, "%s: not a text file", path);
	return 0;
}

enum { L_SKIP, L_RCPT, L_ID, L_OTHER };

/* What a line of a key file is; *line is cut at its end (CR LF or LF). */
static int
line_kind(char *line)
{
	line[strcspn(line, "\r")] = '\0';
	if (!line[0] || line[0] == '#')
		return L_SKIP;
	if (strncmp(line, "age1", 4) == 0)
		return L_RCPT;
	if (strncmp(line, "AGE-SECRET-KEY-1", 16) == 0)
		return L_ID;
	return L_OTHER;
}

static int
add_recipient(struct jage_keys *k, const char *s, const char *where, struct jerr *e)
{
	if (k->nrcpt == JAGE_MAX_KEYS)
		return jerr_set(e, EX_USAGE, "more than %d recipients", JAGE_MAX_KEYS);
	if (jage_recipient_parse(s, k->rcpt[k->nrcpt]) < 0)
		return jerr_set(e, EX_USAGE, "%s: not a valid age recipient", where);
	k->nrcpt++;
	return 0;
}

int
jage_recipient_add(struct jage_keys *k, const char *arg, struct jerr *e)
{
	char *buf, *line, where[512];
	int fd, n = 0, found = 0, rc = 0;

	if (strncmp(arg, "age1", 4) == 0)
		return add_recipient(k, arg, "recipient", e);
	if ((fd = open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : jerr_errno_code(errno, EX_NOINPUT),
		    "recipient %s", arg);
	if (!(buf = malloc(KEYFILE_MAX))) {
		close(fd);
		return jerr_sys(e, EX_OSERR, "out of memory");
	}
	if (slurp(fd, arg, buf, KEYFILE_MAX, e) < 0) {
		free(buf);
		return -1;
	}
	for (char *p = buf; rc == 0 && (line = strsep(&p, "\n"));) {
		int kind = line_kind(line);
		n++;
		snprintf(where, sizeof where, "recipient %s, line %d", arg, n);
		if (kind == L_ID)
			rc = jerr_set(e, EX_USAGE, "%s: a secret identity, not a recipient "
			    "(age-keygen -y gives its recipient)", where);
		else if (kind == L_OTHER)
			rc = jerr_set(e, EX_USAGE, "%s: not an age recipient (age1...)", where);
		else if (kind == L_RCPT && (rc = add_recipient(k, line, where, e)) == 0)
			found++;
	}
	jcrypt_wipe(buf, KEYFILE_MAX);
	free(buf);
	if (rc == 0 && !found)
		rc = jerr_set(e, EX_USAGE, "recipient %s: holds no recipient", arg);
	return rc;
}

static int
add_identity(struct jage_keys *k, const char *s, const char *where, struct jerr *e)
{
	if (k->nid == JAGE_MAX_KEYS)
		return jerr_set(e, EX_USAGE, "more than %d identities", JAGE_MAX_KEYS);
	if (jage_identity_parse(s, k->id[k->nid]) < 0)
		return jerr_set(e, EX_USAGE, "%s: not a valid age identity", where);
	if (jcrypt_x25519_base(k->idpub[k->nid], k->id[k->nid]) < 0)
		return jerr_sys(e, EX_SOFTWARE, "%s", where);
	k->nid++;
	return 0;
}

int
jage_identity_load(struct jage_keys *k, const char *path, struct jerr *e)
{
	char *buf, *line, where[512];
	int fd, n = 0, found = 0, rc = 0;

	if ((fd = jcred_secret_open(path, "identity", e)) < 0)
		return -1;
	if (!(buf = malloc(KEYFILE_MAX))) {
		close(fd);
		return jerr_sys(e, EX_OSERR, "out of memory");
	}
	if (slurp(fd, path, buf, KEYFILE_MAX, e) < 0) {
		jcrypt_wipe(buf, KEYFILE_MAX);
		free(buf);
		return -1;
	}
	for (char *p = buf; rc == 0 && (line = strsep(&p, "\n"));) {
		int kind = line_kind(line);
		n++;
		snprintf(where, sizeof where, "identity %s, line %d", path, n);
		if (kind == L_RCPT)
			rc = jerr_set(e, EX_USAGE, "%s: a recipient (public key), not an identity",
			    where);
		else if (kind == L_OTHER)
			rc = jerr_set(e, EX_USAGE, "%s: not an age identity (AGE-SECRET-KEY-1...)",
			    where);
		else if (kind == L_ID && (rc = add_identity(k, line, where, e)) == 0)
			found++;
	}
	jcrypt_wipe(buf, KEYFILE_MAX);
	free(buf);
	if (rc == 0 && !found)
		rc = jerr_set(e, EX_USAGE, "identity %s: holds no identity", path);
	return rc;
}

void
jage_keys_wipe(struct jage_keys *k)
{
	jcrypt_wipe(k, sizeof *k);
}

/* ---- the payload: STREAM of ChaCha20-Poly1305 chunks ---- */

static void
chunk_nonce(uint8_t nonce[JCRYPT_NONCE], uint64_t counter, int last)
{
	memset(nonce, 0, JCRYPT_NONCE);
	for (int i = 0; i < 8; i++)
		nonce[10 - i] = (uint8_t)(counter >> (8 * i));
	nonce[11] = last ? 1 : 0;
}

static int
payload_key(struct jcrypt_aead *a, const uint8_t fk[FILE_KEY], const uint8_t nonce[NONCE])
{
	uint8_t k[JCRYPT_KEY];
	int rc = jcrypt_hkdf(k, sizeof k, fk, FILE_KEY, nonce, NONCE, "payload") < 0 ||
	    jcrypt_aead_init(a, k) < 0 ? -1 : 0;

	jcrypt_wipe(k, sizeof k);
	return rc;
}

static int
header_mac(uint8_t mac[JCRYPT_KEY], const uint8_t fk[FILE_KEY], const void *h, size_t n)
{
	uint8_t k[JCRYPT_KEY];
	int rc = jcrypt_hkdf(k, sizeof k, fk, FILE_KEY, NULL, 0, "header") < 0 ||
	    jcrypt_hmac(mac, k, sizeof k, h, n) < 0 ? -1 : 0;

	jcrypt_wipe(k, sizeof k);
	return rc;
}

/* The X25519 wrapping key for a share and a recipient, from the shared secret. */
static int
wrap_key(uint8_t k[JCRYPT_KEY], const uint8_t shared[JCRYPT_KEY],
    const uint8_t share[JCRYPT_KEY], const uint8_t rcpt[JCRYPT_KEY])
{
	uint8_t salt[2 * JCRYPT_KEY];

	memcpy(salt, share, JCRYPT_KEY);
	memcpy(salt + JCRYPT_KEY, rcpt, JCRYPT_KEY);
	return jcrypt_hkdf(k, JCRYPT_KEY, shared, JCRYPT_KEY, salt, sizeof salt, AGE_X25519);
}

/* ---- encrypting ---- */

#define OUT_CHUNKS 16              /* sealed chunks gathered per write to the sink */

struct jage_enc {
	int (*sink)(void *, const void *, size_t);
	void    *arg;
	struct jcrypt_aead a;
	uint64_t counter;
	size_t   have;                  /* plaintext bytes in buf */
	size_t   olen;                  /* sealed bytes in out */
	uint8_t  buf[JAGE_CHUNK];
	uint8_t  out[OUT_CHUNKS * CCHUNK];
};

static int
put(struct jage_enc *w, const void *p, size_t n, struct jerr *e)
{
	return w->sink(w->arg, p, n) < 0 ? jerr_sys(e, EX_IOERR, "write error") : 0;
}

/* One "-> X25519 share\nbody\n" stanza for rcpt into out; its length, or -1. */
static int
stanza_x25519(char *out, const uint8_t fk[FILE_KEY], const uint8_t rcpt[JCRYPT_KEY])
{
	uint8_t eph[JCRYPT_KEY], share[JCRYPT_KEY], shared[JCRYPT_KEY], k[JCRYPT_KEY];
	uint8_t body[FILE_KEY + JCRYPT_TAG], zero[JCRYPT_NONCE] = {0};
	struct jcrypt_aead a = {0};
	int rc = -1;
	size_t o;

	if (jcrypt_random(eph, sizeof eph) < 0 || jcrypt_x25519_base(share, eph) < 0 ||
	    jcrypt_x25519(shared, eph, rcpt) < 0 || wrap_key(k, shared, share, rcpt) < 0 ||
	    jcrypt_aead_init(&a, k) < 0 || jcrypt_aead_seal(&a, zero, fk, FILE_KEY, body) < 0)
		goto out;
	o = (size_t)sprintf(out, "-> X25519 ");
	o += b64_encode(share, sizeof share, out + o);
	out[o++] = '\n';
	o += b64_encode(body, sizeof body, out + o);
	out[o++] = '\n';
	rc = (int)o;
out:
	jcrypt_aead_free(&a);
	jcrypt_wipe(eph, sizeof eph);
	jcrypt_wipe(shared, sizeof shared);
	jcrypt_wipe(k, sizeof k);
	return rc;
}

/* Header, MAC and nonce to the sink; the payload key into w->a. */
static int
enc_header(struct jage_enc *w, const struct jage_keys *k, struct jerr *e)
{
	size_t max = sizeof AGE_INTRO + k->nrcpt * 128 + 64, o;
	uint8_t fk[FILE_KEY], mac[JCRYPT_KEY], nonce[NONCE];
	char *h = malloc(max);
	int rc = -1;

	if (!h)
		return jerr_sys(e, EX_OSERR, "out of memory");
	if (jcrypt_random(fk, sizeof fk) < 0 || jcrypt_random(nonce, sizeof nonce) < 0) {
		jerr_sys(e, EX_OSERR, "no random bytes");
		goto out;
	}
	o = (size_t)sprintf(h, "%s", AGE_INTRO);
	for (size_t i = 0; i < k->nrcpt; i++) {
		int n = stanza_x25519(h + o, fk, k->rcpt[i]);
		if (n < 0) {
			jerr_sys(e, EX_USAGE, "recipient %zu: unusable", i + 1);
			goto out;
		}
		o += (size_t)n;
	}
	o += (size_t)sprintf(h + o, "---");
	if (header_mac(mac, fk, h, o) < 0 || payload_key(&w->a, fk, nonce) < 0) {
		jerr_sys(e, EX_OSERR, "age header");
		goto out;
	}
	h[o++] = ' ';
	o += b64_encode(mac, sizeof mac, h + o);
	h[o++] = '\n';
	if (put(w, h, o, e) == 0 && put(w, nonce, sizeof nonce, e) == 0)
		rc = 0;
out:
	jcrypt_wipe(fk, sizeof fk);
	free(h);
	return rc;
}

int
jage_enc_open(const struct jage_keys *k, int (*sink)(void *, const void *, size_t), void *arg,
    struct jage_enc **wp, struct jerr *e)
{
	struct jage_enc *w;

	if (k->nrcpt == 0)
		return jerr_set(e, EX_USAGE, "no recipient to encrypt to");
	if (!(w = calloc(1, sizeof *w)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	w->sink = sink;
	w->arg = arg;
	if (enc_header(w, k, e) < 0) {
		jage_enc_abort(w);
		return -1;
	}
	*wp = w;
	return 0;
}

static int
enc_flush(struct jage_enc *w, struct jerr *e)
{
	if (w->olen && put(w, w->out, w->olen, e) < 0)
		return -1;
	w->olen = 0;
	return 0;
}

/* Seal n bytes of plaintext at p as the next chunk, gathered in out. */
static int
enc_chunk(struct jage_enc *w, const uint8_t *p, size_t n, int last, struct jerr *e)
{
	uint8_t nonce[JCRYPT_NONCE];

	if (w->olen + n + JCRYPT_TAG > sizeof w->out && enc_flush(w, e) < 0)
		return -1;
	chunk_nonce(nonce, w->counter++, last);
	if (jcrypt_aead_seal(&w->a, nonce, p, n, w->out + w->olen) < 0)
		return jerr_sys(e, EX_SOFTWARE, "ChaCha20-Poly1305");
	w->olen += n + JCRYPT_TAG;
	return 0;
}

int
jage_enc_write(struct jage_enc *w, const void *buf, size_t n, struct jerr *e)
{
	const uint8_t *p = buf;

	while (n > 0) {
		size_t take;
		/* a full chunk is sealed only once more follows: the last one may be full */
		if (w->have == JAGE_CHUNK) {
			if (enc_chunk(w, w->buf, JAGE_CHUNK, 0, e) < 0)
				return -1;
			w->have = 0;
		}
		if (w->have == 0 && n > JAGE_CHUNK) {   /* straight from the caller's buffer */
			if (enc_chunk(w, p, JAGE_CHUNK, 0, e) < 0)
				return -1;
			p += JAGE_CHUNK;
			n -= JAGE_CHUNK;
			continue;
		}
		take = JAGE_CHUNK - w->have < n ? JAGE_CHUNK - w->have : n;
		memcpy(w->buf + w->have, p, take);
		w->have += take;
		p += take;
		n -= take;
	}
	return 0;
}

int
jage_enc_finish(struct jage_enc *w, struct jerr *e)
{
	int rc = enc_chunk(w, w->buf, w->have, 1, e) < 0 || enc_flush(w, e) < 0 ? -1 : 0;

	jage_enc_abort(w);
	return rc;
}

void
jage_enc_abort(struct jage_enc *w)
{
	if (!w)
		return;
	jcrypt_aead_free(&w->a);
	jcrypt_wipe(w->buf, sizeof w->buf);
	free(w);
}

/* ---- the header, read ---- */

#define MAX_ARGS 16

struct stanza {
	const char *arg[MAX_ARGS];      /* arg[0] is the type; not NUL-terminated */
	size_t      len[MAX_ARGS];
	int         nargs;
	uint8_t    *body;
	size_t      bodylen;
};

typedef int (*stanza_fn)(void *arg, const struct stanza *st, struct jerr *e);

static int
bad_header(struct jerr *e, const char *why)
{
	return jerr_set(e, EX_DATAERR, "age header: %s", why);
}

/* The line at buf[*at], without its LF, advancing *at; NULL when no LF ends it. */
static const char *
header_line(const uint8_t *buf, size_t n, size_t *at, size_t *len)
{
	const uint8_t *p = buf + *at, *nl = memchr(p, '\n', n - *at);

	if (!nl)
		return NULL;
	*len = (size_t)(nl - p);
	*at += *len + 1;
	return (const char *)p;
}

/* "-> a b c": split into st's arguments. */
static int
stanza_args(const char *l, size_t n, struct stanza *st, struct jerr *e)
{
	size_t i = 3;

	st->nargs = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && l[j] != ' ') {
			if (l[j] < 33 || l[j] > 126)
				return bad_header(e, "bad character in a stanza");
			j++;
		}
		if (j == i || st->nargs == MAX_ARGS)
			return bad_header(e, "bad stanza arguments");
		st->arg[st->nargs] = l + i;
		st->len[st->nargs++] = j - i;
		i = j + 1;
	}
	return 0;
}

/* The body lines after a stanza line: full 64-column lines, then one shorter line. */
static int
stanza_body(const uint8_t *buf, size_t n, size_t *at, struct stanza *st, size_t max,
    struct jerr *e)
{
	st->bodylen = 0;
	for (;;) {
		size_t len;
		const char *l = header_line(buf, n, at, &len);
		ssize_t got;
		if (!l)
			return bad_header(e, "truncated stanza");
		if (len > LINE_COLS ||
		    (got = b64_decode(l, len, st->body + st->bodylen, max - st->bodylen)) < 0)
			return bad_header(e, "bad stanza body");
		st->bodylen += (size_t)got;
		if (len < LINE_COLS)
			return 0;
	}
}

/*
 * Check the header buf[0, n), which ends with its "--- MAC" line, calling fn for each
 * stanza; *macoff is where the MAC's input ends (after "---").
 */
static int
header_scan(const uint8_t *buf, size_t n, stanza_fn fn, void *arg, size_t *macoff,
    uint8_t mac[JCRYPT_KEY], struct jerr *e)
{
	size_t at = 0, len;
	struct stanza st;
	const char *l;
	int rc = -1;

	if (n < sizeof AGE_INTRO - 1 || memcmp(buf, AGE_INTRO, sizeof AGE_INTRO - 1))
		return bad_header(e, "not an age v1 file");
	at = sizeof AGE_INTRO - 1;
	if (!(st.body = malloc(n)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	while ((l = header_line(buf, n, &at, &len))) {
		if (len >= 3 && memcmp(l, "---", 3) == 0) {
			*macoff = (size_t)(l - (const char *)buf) + 3;
			if (len != 4 + KEY_B64 || l[3] != ' ' || at != n ||
			    b64_decode(l + 4, KEY_B64, mac, JCRYPT_KEY) != JCRYPT_KEY)
				bad_header(e, "bad MAC line");
			else
				rc = 0;
			goto out;
		}
		if (len < 3 || memcmp(l, "-> ", 3) || stanza_args(l, len, &st, e) < 0 ||
		    stanza_body(buf, n, &at, &st, n, e) < 0) {
			if (len < 3 || memcmp(l, "-> ", 3))
				bad_header(e, "a line is neither a stanza nor the MAC");
			goto out;
		}
		if (fn && fn(arg, &st, e) < 0)
			goto out;
	}
	bad_header(e, "no MAC line");
out:
	free(st.body);
	return rc;
}

int
jage_header_parse(const uint8_t *buf, size_t n, struct jerr *e)
{
	uint8_t mac[JCRYPT_KEY];
	size_t macoff;

	return header_scan(buf, n, NULL, NULL, &macoff, mac, e);
}

/* ---- decrypting ---- */

struct jage_dec {
	ssize_t (*src)(void *, void *, size_t, struct jerr *);
	void    *arg;
	const struct jage_keys *k;
	struct jcrypt_aead a;
	uint8_t  fk[FILE_KEY];
	int      have_fk, done, eof;
	uint64_t counter;
	size_t   clen;                  /* ciphertext bytes in cbuf */
	size_t   ppos, pend;            /* plaintext in pbuf[ppos, pend) */
	uint8_t  cbuf[CCHUNK + 1];      /* one chunk and one byte to know it is not the last */
	uint8_t  pbuf[JAGE_CHUNK];
};

/* A stanza: unwrap the file key if it is an X25519 stanza for one of our identities. */
static int
try_stanza(void *arg, const struct stanza *st, struct jerr *e)
{
	struct jage_dec *d = arg;
	uint8_t share[JCRYPT_KEY], shared[JCRYPT_KEY], k[JCRYPT_KEY], zero[JCRYPT_NONCE] = {0};
	int rc = 0;

	if (st->len[0] != 6 || memcmp(st->arg[0], "X25519", 6))
		return 0;               /* another kind of recipient: not ours */
	if (st->nargs != 2 || st->len[1] != KEY_B64 ||
	    b64_decode(st->arg[1], KEY_B64, share, JCRYPT_KEY) != JCRYPT_KEY ||
	    st->bodylen != FILE_KEY + JCRYPT_TAG)
		return bad_header(e, "malformed X25519 stanza");
	for (size_t i = 0; i < d->k->nid && !d->have_fk && rc == 0; i++) {
		struct jcrypt_aead a = {0};
		uint8_t body[FILE_KEY + JCRYPT_TAG];
		memcpy(body, st->body, sizeof body);
		if (jcrypt_x25519(shared, d->k->id[i], share) < 0)
			rc = bad_header(e, "X25519 share of low order");
		else if (wrap_key(k, shared, share, d->k->idpub[i]) < 0 || jcrypt_aead_init(&a, k) < 0)
			rc = jerr_sys(e, EX_OSERR, "age header");
		else if (jcrypt_aead_open(&a, zero, body, sizeof body, d->fk) == 0)
			d->have_fk = 1;
		jcrypt_aead_free(&a);
	}
	jcrypt_wipe(shared, sizeof shared);
	jcrypt_wipe(k, sizeof k);
	return rc;
}

/* Read from the source until cbuf holds want bytes or the source ends. */
static int
dec_fill(struct jage_dec *d, size_t want, struct jerr *e)
{
	while (d->clen < want && !d->eof) {
		ssize_t n = d->src(d->arg, d->cbuf + d->clen, want - d->clen, e);
		if (n < 0)
			return -1;
		if (n == 0)
			d->eof = 1;
		d->clen += (size_t)n;
	}
	return 0;
}

/* Read until the header's last line is in cbuf: its length, or -1. */
static ssize_t
dec_header_len(struct jage_dec *d, struct jerr *e)
{
	size_t scanned = 0;

	for (;;) {
		const uint8_t *p;
		size_t more = d->clen + 4096 < sizeof d->cbuf ? d->clen + 4096 : sizeof d->cbuf;
		if (dec_fill(d, more, e) < 0)
			return -1;
		for (; scanned + 4 <= d->clen; scanned++)
			if (!memcmp(d->cbuf + scanned, "\n---", 4))
				break;
		if (scanned + 4 <= d->clen &&
		    (p = memchr(d->cbuf + scanned + 1, '\n', d->clen - scanned - 1)))
			return p + 1 - d->cbuf;
		if (d->eof)
			return bad_header(e, "truncated");
		if (d->clen >= JAGE_HEADER_MAX)
			return bad_header(e, "longer than 64 KiB");
	}
}

static int
dec_header(struct jage_dec *d, struct jerr *e)
{
	uint8_t mac[JCRYPT_KEY], want[JCRYPT_KEY];
	ssize_t hlen = dec_header_len(d, e);
	size_t macoff;

	if (hlen < 0 || header_scan(d->cbuf, (size_t)hlen, try_stanza, d, &macoff, mac, e) < 0)
		return -1;
	if (!d->have_fk)
		return jerr_set(e, EX_NOPERM, "no identity matches: encrypted to other recipients");
	if (header_mac(want, d->fk, d->cbuf, macoff) < 0)
		return jerr_sys(e, EX_OSERR, "age header");
	if (!jcrypt_equal(want, mac, JCRYPT_KEY))
		return bad_header(e, "MAC mismatch: damaged or forged");
	memmove(d->cbuf, d->cbuf + hlen, d->clen - (size_t)hlen);
	d->clen -= (size_t)hlen;
	if (dec_fill(d, NONCE, e) < 0)
		return -1;
	if (d->clen < NONCE)
		return bad_header(e, "truncated: no payload nonce");
	if (payload_key(&d->a, d->fk, d->cbuf) < 0)
		return jerr_sys(e, EX_OSERR, "age payload");
	memmove(d->cbuf, d->cbuf + NONCE, d->clen - NONCE);
	d->clen -= NONCE;
	return 0;
}

int
jage_dec_open(const struct jage_keys *k,
    ssize_t (*src)(void *, void *, size_t, struct jerr *), void *arg, struct jage_dec **dp,
    struct jerr *e)
{
	struct jage_dec *d;

	if (k->nid == 0)
		return jerr_set(e, EX_NOPERM, "no identity to decrypt with");
	if (!(d = calloc(1, sizeof *d)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	d->src = src;
	d->arg = arg;
	d->k = k;
	if (dec_header(d, e) < 0) {
		jage_dec_close(d);
		return -1;
	}
	*dp = d;
	return 0;
}

/* Decrypt the next chunk into out (room for JAGE_CHUNK bytes): its plaintext length. */
static ssize_t
dec_chunk(struct jage_dec *d, uint8_t *out, struct jerr *e)
{
	uint8_t nonce[JCRYPT_NONCE];
	int last;
	size_t n;

	if (dec_fill(d, CCHUNK + 1, e) < 0)
		return -1;
	last = d->clen <= CCHUNK;
	n = last ? d->clen : CCHUNK;
	if (n < JCRYPT_TAG)
		return jerr_set(e, EX_DATAERR, "age payload: truncated");
	if (last && n == JCRYPT_TAG && d->counter > 0)
		return jerr_set(e, EX_DATAERR, "age payload: empty last chunk");
	chunk_nonce(nonce, d->counter, last);
	if (jcrypt_aead_open(&d->a, nonce, d->cbuf, n, out) < 0)
		return jerr_set(e, EX_DATAERR, "age payload: chunk %llu does not authenticate%s",
		    (unsigned long long)d->counter, last ? " (truncated or damaged)" : "");
	d->counter++;
	memmove(d->cbuf, d->cbuf + n, d->clen - n);
	d->clen -= n;
	d->done = last;
	return (ssize_t)(n - JCRYPT_TAG);
}

ssize_t
jage_dec_read(struct jage_dec *d, void *buf, size_t len, struct jerr *e)
{
	size_t take;
	ssize_t n;

	while (d->ppos == d->pend) {
		if (d->done)
			return 0;
		if (len >= JAGE_CHUNK) {        /* room for a whole chunk: no copy */
			if ((n = dec_chunk(d, buf, e)) != 0)
				return n;
			continue;
		}
		if ((n = dec_chunk(d, d->pbuf, e)) < 0)
			return -1;
		d->ppos = 0;
		d->pend = (size_t)n;
	}
	take = d->pend - d->ppos < len ? d->pend - d->ppos : len;
	memcpy(buf, d->pbuf + d->ppos, take);
	d->ppos += take;
	return (ssize_t)take;
}

void
jage_dec_close(struct jage_dec *d)
{
	if (!d)
		return;
	jcrypt_aead_free(&d->a);
	jcrypt_wipe(d, sizeof *d);
	free(d);
}
