/*
 * sig: Ed25519 signatures over segments, in minisign's formats, so that keys made by
 * `minisign -G -W` sign segments and `minisign -V` can check an exported signature.
 *
 * Invariants:
 * - What is signed MUST be the statement of man/jmirror.5 (lineage, timeline, seq, first and
 *   last LSN, prev digest, final flag, digest), made from a header and a trailer that the
 *   reader verified against the segment's bytes: a signature covers exactly one segment at
 *   one position of one chain, and nothing of the segment can change under it.
 * - A check with trusted keys MUST fail closed: an unsigned segment, a live journal, an
 *   unknown key, or a signature or comment signature that does not verify is refused.
 * - A secret key MUST be refused when group or others may read it (cred.h's one rule), when
 *   it is protected by a passphrase, or when its public half is not the one its seed makes;
 *   its bytes MUST NOT reach a message and are wiped after use.
 * The primitives (Ed25519, BLAKE2b-512) are digest.c's: OpenSSL stays there.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "cred.h"
#include "io.h"
#include "seg.h"
#include "sig.h"

#define PUB_BYTES   42              /* "Ed" keyid pk */
#define SEC_BYTES   158             /* "Ed" kdf chk salt ops mem keyid sk chk */
#define KEYFILE_MAX 4096

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
b64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		for (int k = 3; k >= 0; k--)
			out[o++] = b64[v >> 6 * k & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = 0;
}

/* Strict: exactly want bytes, padded, nothing else on the line. 0 or -1. */
static int
b64_decode(const char *in, size_t n, uint8_t *out, size_t want)
{
	size_t o = 0;

	if (n % 4 || n / 4 * 3 < want || n / 4 * 3 > want + 2)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		int pad = 0;

		for (int k = 0; k < 4; k++) {
			const char *p = in[i + k] ? strchr(b64, in[i + k]) : NULL;

			if (in[i + k] == '=' && i + 4 == n && k >= 2) {
				pad++;
				v <<= 6;
				continue;
			}
			if (pad || !p)
				return -1;
			v = v << 6 | (uint32_t)(p - b64);
		}
		if (v & ((1u << 8 * pad) - 1))
			return -1;      /* bits no byte holds: not the canonical form */
		for (int k = 0; k < 3 - pad; k++) {
			if (o >= want)
				return -1;
			out[o++] = (uint8_t)(v >> (16 - 8 * k));
		}
	}
	return o == want ? 0 : -1;
}

/* minisign shows a key id as the little-endian number its bytes make, in hex, without
 * leading zeros. */
void
jsig_keyid_hex(const uint8_t keyid[JFMT_KEYID_LEN], char out[JSIG_KEYID_HEX])
{
	snprintf(out, JSIG_KEYID_HEX, "%" PRIX64, jfmt_get64(keyid));
}

int
jsig_keyid_parse(const char *s, uint8_t keyid[JFMT_KEYID_LEN])
{
	uint64_t v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 2 * JFMT_KEYID_LEN || strspn(s, "0123456789abcdefABCDEF") != n)
		return -1;
	for (size_t i = 0; i < n; i++)
		v = v << 4 | (uint64_t)(s[i] <= '9' ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
	jfmt_put64(keyid, v);
	return 0;
}

/*
 * Read a key file of at most KEYFILE_MAX bytes: "untrusted comment: ..." then the base64
 * line, into line (NUL-terminated, without its newline). st: the file's status.
 */
static int
read_keyfile(const char *path, char *line, size_t size, struct stat *st, struct jerr *e)
{
	char buf[KEYFILE_MAX + 1];
	ssize_t n;
	char *p, *q;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : jerr_errno_code(errno, EX_IOERR),
		    "key %s: unable to open", path);
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return jerr_set(e, EX_DATAERR, "key %s: not a regular file", path);
	}
	n = jio_read_full(fd, buf, sizeof buf);
	close(fd);
	if (n < 0)
		return jerr_sys(e, EX_IOERR, "key %s: unable to read", path);
	buf[n < KEYFILE_MAX ? n : KEYFILE_MAX] = 0;
	if (n > KEYFILE_MAX || strncmp(buf, "untrusted comment:", 18) != 0 ||
	    !(p = strchr(buf, '\n')))
		return jerr_set(e, EX_DATAERR, "key %s: not a minisign key file", path);
	p++;
	q = p + strcspn(p, "\r\n");
	if ((size_t)(q - p) >= size)
		return jerr_set(e, EX_DATAERR, "key %s: not a minisign key file", path);
	memcpy(line, p, (size_t)(q - p));
	line[q - p] = 0;
	return 0;
}

int
jsig_pub_parse(const char *s, struct jsig_pub *k)
{
	uint8_t raw[PUB_BYTES];

	if (b64_decode(s, strlen(s), raw, sizeof raw) < 0 || memcmp(raw, "Ed", 2) != 0)
		return -1;
	memcpy(k->keyid, raw + 2, JFMT_KEYID_LEN);
	memcpy(k->pk, raw + 2 + JFMT_KEYID_LEN, JED25519_PUB);
	return 0;
}

void
jsig_pub_format(const struct jsig_pub *k, char out[JSIG_PUB_B64])
{
	uint8_t raw[PUB_BYTES];

	memcpy(raw, "Ed", 2);
	memcpy(raw + 2, k->keyid, JFMT_KEYID_LEN);
	memcpy(raw + 2 + JFMT_KEYID_LEN, k->pk, JED25519_PUB);
	b64_encode(raw, sizeof raw, out);
}

int
jsig_pub_load(const char *arg, struct jsig_pub *k, struct jerr *e)
{
	char line[KEYFILE_MAX];
	struct stat st;

	if (access(arg, F_OK) < 0 && jsig_pub_parse(arg, k) == 0)
		return 0;
	if (read_keyfile(arg, line, sizeof line, &st, e) < 0)
		return -1;
	if (jsig_pub_parse(line, k) < 0) {
		uint8_t raw[SEC_BYTES];
		if (b64_decode(line, strlen(line), raw, sizeof raw) == 0)
			return jerr_set(e, EX_DATAERR, "key %s: a secret key where a public key "
			    "belongs", arg);
		return jerr_set(e, EX_DATAERR, "key %s: not a minisign public key", arg);
	}
	return 0;
}

/* The fields of a secret key (SEC_BYTES decoded), checked; raw is wiped by the caller. */
static int
secret_fields(const char *path, const uint8_t *raw, struct jsig_key *k, struct jerr *e)
{
	uint8_t pk[JED25519_PUB];

	if (memcmp(raw, "Ed", 2) != 0 || memcmp(raw + 4, "B2", 2) != 0)
		return jerr_set(e, EX_DATAERR, "key %s: not a minisign Ed25519 secret key", path);
	if (raw[2] || raw[3])
		return jerr_set(e, EX_DATAERR, "key %s: protected by a passphrase, which a "
		    "rotation run by cron cannot give: make the key with minisign -G -W", path);
	memcpy(k->keyid, raw + 54, JFMT_KEYID_LEN);
	memcpy(k->seed, raw + 62, JED25519_SEED);
	memcpy(k->pk, raw + 94, JED25519_PUB);
	if (jed25519_public(k->seed, pk) < 0 || memcmp(pk, k->pk, JED25519_PUB) != 0) {
		jsig_key_wipe(k);
		return jerr_set(e, EX_DATAERR, "key %s: damaged (its public half does not match "
		    "its seed)", path);
	}
	return 0;
}

int
jsig_key_load(const char *path, struct jsig_key *k, struct jerr *e)
{
	char line[KEYFILE_MAX];
	uint8_t raw[SEC_BYTES];
	struct stat st;
	int rc;

	memset(k, 0, sizeof *k);
	if (read_keyfile(path, line, sizeof line, &st, e) < 0)
		return -1;
	if (b64_decode(line, strlen(line), raw, sizeof raw) < 0) {
		struct jsig_pub p;
		rc = jerr_set(e, EX_DATAERR, jsig_pub_parse(line, &p) == 0 ? "key %s: a public key "
		    "where the secret key belongs" : "key %s: not a minisign secret key", path);
	} else if (jcred_secret_mode("secret key", path, st.st_mode, e) < 0)
		rc = -1;
	else
		rc = secret_fields(path, raw, k, e);
	explicit_bzero(line, sizeof line);
	explicit_bzero(raw, sizeof raw);
	return rc;
}

void
jsig_key_wipe(struct jsig_key *k)
{
	explicit_bzero(k, sizeof *k);
}

int
jsig_trust_add(struct jsig_trust *t, const struct jsig_pub *k, struct jerr *e)
{
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(&t->keys[i], k, sizeof *k) == 0)
			return 0;
	if (t->n >= JSIG_MAX_TRUST)
		return jerr_set(e, EX_USAGE, "more than %d trusted keys", JSIG_MAX_TRUST);
	t->keys[t->n++] = *k;
	return 0;
}

int
jsig_trust_load(struct jsig_trust *t, const char *arg, struct jerr *e)
{
	struct jsig_pub k;

	if (jsig_pub_load(arg, &k, e) < 0)
		return -1;
	return jsig_trust_add(t, &k, e);
}

int
jsig_trust_remove(struct jsig_trust *t, const uint8_t keyid[JFMT_KEYID_LEN])
{
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(t->keys[i].keyid, keyid, JFMT_KEYID_LEN) == 0) {
			memmove(&t->keys[i], &t->keys[i + 1], (t->n - i - 1) * sizeof t->keys[0]);
			t->n--;
			return 1;
		}
	return 0;
}

size_t
jsig_statement(const struct jfmt_header *h, const struct jfmt_trailer *t, char *buf,
    size_t size)
{
	char lin[JDIGEST_HEX], prev[JDIGEST_HEX], dg[JDIGEST_HEX];
	int n;

	jdigest_hex(h->lineage, JFMT_LINEAGE_LEN, lin);
	jdigest_hex(h->prev_digest, JDIGEST_LEN, prev);
	jdigest_hex(t->digest, JDIGEST_LEN, dg);
	n = snprintf(buf, size, "jmirror signed segment 1\nlineage %s\ntimeline %lu\nseq %llu\n"
	    "first_lsn %llu\nlast_lsn %llu\nprev_digest %s\nfinal %d\ndigest %s\n", lin,
	    (unsigned long)h->timeline, (unsigned long long)h->seq,
	    (unsigned long long)h->first_lsn, (unsigned long long)t->last_lsn, prev,
	    (t->flags & JFMT_FINAL) != 0, dg);
	return n < 0 ? 0 : (size_t)n;
}

size_t
jsig_comment(const struct jfmt_header *h, const struct jfmt_trailer *t, char *buf, size_t size)
{
	char lin[JDIGEST_HEX], dg[JDIGEST_HEX];
	int n;

	jdigest_hex(h->lineage, JFMT_LINEAGE_LEN, lin);
	jdigest_hex(t->digest, JDIGEST_LEN, dg);
	n = snprintf(buf, size, "jmirror segment %s timeline %lu seq %llu digest %s", lin,
	    (unsigned long)h->timeline, (unsigned long long)h->seq, dg);
	return n < 0 ? 0 : (size_t)n;
}

/* The BLAKE2b-512 of the statement, and sig || trusted comment: what the two signatures
 * cover. */
static int
signed_bytes(const struct jfmt_header *h, const struct jfmt_trailer *t,
    uint8_t hash[JBLAKE2B_LEN], uint8_t *cbuf, size_t *clen)
{
	char st[JSIG_STATEMENT];
	size_t n = jsig_statement(h, t, st, sizeof st);

	*clen = JED25519_SIG + jsig_comment(h, t, (char *)cbuf + JED25519_SIG,
	    JSIG_STATEMENT);
	return jblake2b512(st, n, hash);
}

int
jsig_sign(const struct jsig_key *k, const struct jfmt_header *h, const struct jfmt_trailer *t,
    struct jfmt_sig *out, struct jerr *e)
{
	uint8_t hash[JBLAKE2B_LEN], cbuf[JED25519_SIG + JSIG_STATEMENT];
	size_t clen;

	memcpy(out->keyid, k->keyid, JFMT_KEYID_LEN);
	if (signed_bytes(h, t, hash, cbuf, &clen) < 0 ||
	    jed25519_sign(k->seed, hash, sizeof hash, out->sig) < 0)
		return jerr_sys(e, EX_SOFTWARE, "unable to sign");
	memcpy(cbuf, out->sig, JED25519_SIG);
	if (jed25519_sign(k->seed, cbuf, clen, out->csig) < 0)
		return jerr_sys(e, EX_SOFTWARE, "unable to sign");
	return 0;
}

int
jsig_verify(const struct jsig_trust *tr, const struct jfmt_header *h,
    const struct jfmt_trailer *t, const struct jfmt_sig *sig, struct jerr *e)
{
	uint8_t hash[JBLAKE2B_LEN], cbuf[JED25519_SIG + JSIG_STATEMENT];
	char id[JSIG_KEYID_HEX];
	const struct jsig_pub *k = NULL;
	size_t clen;

	if (!tr || tr->n == 0)
		return 0;
	if (!t)
		return jerr_set(e, EX_DATAERR, "a live journal carries no signature: refused "
		    "(only signed segments are trusted)");
	if (!sig)
		return jerr_set(e, EX_DATAERR, "unsigned segment: refused (only signed segments "
		    "are trusted)");
	jsig_keyid_hex(sig->keyid, id);
	for (size_t i = 0; i < tr->n && !k; i++)
		if (memcmp(tr->keys[i].keyid, sig->keyid, JFMT_KEYID_LEN) == 0)
			k = &tr->keys[i];
	if (!k)
		return jerr_set(e, EX_DATAERR, "signed by key %s, which is not trusted: refused", id);
	if (signed_bytes(h, t, hash, cbuf, &clen) < 0)
		return jerr_sys(e, EX_SOFTWARE, "unable to hash the statement");
	memcpy(cbuf, sig->sig, JED25519_SIG);
	if (jed25519_verify(k->pk, hash, sizeof hash, sig->sig) != 1 ||
	    jed25519_verify(k->pk, cbuf, clen, sig->csig) != 1)
		return jerr_set(e, EX_DATAERR, "signature by key %s does not verify: forged, or "
		    "not this segment's: refused", id);
	return 0;
}

int
jsig_check_reader(const struct jseg *s, const struct jsig_trust *tr, struct jerr *e)
{
	return jsig_verify(tr, jseg_header(s), jseg_trailer(s), jseg_sig(s), e);
}

int
jsig_verify_file(const char *path, int mode, const struct jsig_trust *tr,
    struct jfmt_header *h, struct jfmt_trailer *t, struct jerr *e)
{
	struct jseg *s;
	struct jseg_rec r;
	int rc;

	if (jseg_open(path, mode, &s, e) < 0)
		return -1;
	while ((rc = jseg_next(s, &r, e)) == 1)
		;
	if (rc == 0)
		rc = jsig_check_reader(s, tr, e);
	if (rc == 0 && h)
		*h = *jseg_header(s);
	if (rc == 0 && t) {
		if (jseg_trailer(s))
			*t = *jseg_trailer(s);
		else
			memset(t, 0, sizeof *t);
	}
	jseg_close(s);
	return rc;
}

int
jsig_check_ends(int fd, const char *name, const struct jsig_trust *tr, struct jerr *e)
{
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jfmt_sig sig;
	int rc;

	if (!tr || tr->n == 0)
		return 0;
	if ((rc = jseg_probe_sig(fd, name, &h, &t, &sig, e)) < 0)
		return -1;
	if (rc == 0)
		return jerr_set(e, EX_DATAERR, "incomplete: no valid trailer (cut short in "
		    "transit? re-ship it)");
	return jsig_verify(tr, &h, &t, (h.flags & JFMT_HDR_SIGNED) ? &sig : NULL, e);
}

int
jsig_check_segment(const char *path, const struct jsig_trust *tr, struct jerr *e)
{
	return jsig_verify_file(path, JSEG_AUTO, tr, NULL, NULL, e);
}

/* The four lines of a minisign signature file for a segment's block. */
static void
minisig_text(const struct jfmt_header *h, const struct jfmt_trailer *t,
    const struct jfmt_sig *sig, char *buf, size_t size)
{
	uint8_t raw[2 + JFMT_KEYID_LEN + JED25519_SIG];
	char a[128], b[128], c[JSIG_STATEMENT];

	memcpy(raw, "ED", 2);
	memcpy(raw + 2, sig->keyid, JFMT_KEYID_LEN);
	memcpy(raw + 2 + JFMT_KEYID_LEN, sig->sig, JED25519_SIG);
	b64_encode(raw, sizeof raw, a);
	b64_encode(sig->csig, JED25519_SIG, b);
	jsig_comment(h, t, c, sizeof c);
	snprintf(buf, size, "untrusted comment: jmirror segment signature\n%s\n"
	    "trusted comment: %s\n%s\n", a, c, b);
}

int
jsig_export(const char *path, const char *out, const struct jsig_trust *tr, struct jerr *e)
{
	char st[JSIG_STATEMENT], ms[1024], sigpath[4096];
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jfmt_sig sig;
	struct jseg *s;
	struct jseg_rec r;
	int rc;

	if (jio_pathf(sigpath, sizeof sigpath, "%s.minisig", out) < 0)
		return jerr_set(e, EX_USAGE, "%s: path too long", out);
	if (jseg_open(path, JSEG_SEALED, &s, e) < 0)
		return -1;
	while ((rc = jseg_next(s, &r, e)) == 1)
		;
	if (rc == 0 && !jseg_sig(s))
		rc = jerr_set(e, EX_DATAERR, "unsigned segment: no signature to export");
	if (rc == 0 && (rc = jsig_check_reader(s, tr, e)) == 0) {
		h = *jseg_header(s);
		t = *jseg_trailer(s);
		sig = *jseg_sig(s);
	}
	jseg_close(s);
	if (rc < 0)
		return -1;
	jsig_statement(&h, &t, st, sizeof st);
	minisig_text(&h, &t, &sig, ms, sizeof ms);
	if (jafile_write(out, st, strlen(st), 0644, e) < 0 ||
	    jafile_write(sigpath, ms, strlen(ms), 0644, e) < 0)
		return -1;
	return 0;
}
