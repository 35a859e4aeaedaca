/*
 * cred: where a destination's credentials come from, and keeping them out of output.
 *
 *     struct jcred c;
 *     if (jcred_find(&u, netrc, key, known_hosts, cacert, &c, &e) < 0) ...
 *         NULL arguments take the defaults: ~/.netrc if it exists; for sftp and scp the
 *         key ~/.ssh/id_ed25519, then ~/.ssh/id_ecdsa, and ~/.ssh/known_hosts; the system's
 *         CA bundle. Refused: a netrc that group or others may read (EX_NOPERM, for the
 *         schemes that use one), no readable SSH key or known_hosts file (EX_NOPERM), a
 *         path too long (EX_USAGE). Nothing is connected and no password is read here.
 *     jcred_plain_password(&u, &c)   1 if a netrc password for u's host would go in clear
 *                                    (plain ftp:// or http://), else 0
 *     jcred_scrub(line, buf, size)   a protocol trace line without credentials: the value of
 *         Authorization, Proxy-Authorization, Cookie and Set-Cookie headers, the argument of
 *         FTP USER and PASS, and any password in a URL are replaced; returns buf
 * A jcred holds paths only ("" for none), no secrets: copy it freely.
 *
 * S3 keys (s3://), the one secret held in memory, never taken from the command line:
 *     struct jcred_s3 k;
 *     if (jcred_s3_find(&u, &k, &e) < 0) ...
 *         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) if set, else
 *         the profile AWS_PROFILE (default "default") of AWS_SHARED_CREDENTIALS_FILE (default
 *         ~/.aws/credentials: aws_access_key_id, aws_secret_access_key, aws_session_token).
 *         Refused (EX_NOPERM): only one of the two variables set, no credentials anywhere,
 *         a credentials file that group or others may read (as a netrc), a profile without
 *         both keys. k.source says where they came from (for messages; never the secret).
 *     jcred_s3_parse(text, profile, &k)   the INI text of a credentials file: 1 the profile
 *                                         has both keys, 0 not
 *     jcred_s3_clear(&k)                  wipe the secrets (explicit_bzero)
 */
#ifndef JM_CRED_H
#define JM_CRED_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "url.h"

struct jcred {
	char netrc[PATH_MAX];
	char key[PATH_MAX], pub[PATH_MAX];      /* SSH key pair (pub "" when absent) */
	char known_hosts[PATH_MAX];
	char cacert[PATH_MAX];
};

struct jcred_s3 {
	char id[256];
	char secret[256];
	char token[4096];           /* "" when none */
	char source[PATH_MAX + 64];
};

int   jcred_s3_find(const struct jurl *u, struct jcred_s3 *k, struct jerr *e);
int   jcred_s3_parse(const char *text, const char *profile, struct jcred_s3 *k);
void  jcred_s3_clear(struct jcred_s3 *k);

int   jcred_find(const struct jurl *u, const char *netrc, const char *key,
                 const char *known_hosts, const char *cacert, struct jcred *c, struct jerr *e);
int   jcred_plain_password(const struct jurl *u, const struct jcred *c);
char *jcred_scrub(const char *line, char *buf, size_t size);
/* The one rule for files that hold secrets (a netrc, a signing key): one that group or
 * others may read or write is refused: -1 with e (EX_NOPERM) saying "what: path ...". */
int   jcred_secret_mode(const char *what, const char *path, mode_t mode, struct jerr *e);

#endif
