/*
 * xfer: publish files at a destination URL, atomically where the protocol allows it. The only
 * module that includes curl/curl.h.
 *
 *     struct jxfer_opts o = { .key = NULL, ... };          NULL/0 fields take the defaults
 *     struct jxfer *x;
 *     if (jxfer_open("sftp://m1/in/", &o, &x, &e) < 0) ...  parse; nothing is connected yet
 *     rc = jxfer_put(x, fd, size, "db.0001-000000000042.journal", &e);
 *         1 published, 0 already there with the same size (and content, where checkable),
 *         -1 failed: e->code EX_DATAERR (a different file has that name), EX_NOPERM (login,
 *         host key or certificate refused), EX_TEMPFAIL (network, server), EX_IOERR (local
 *         read), EX_USAGE; jxfer_retryable(x) says whether trying again may help.
 *     jxfer_close(x);
 *
 * fd is read with pread from offset 0 to size; it stays the caller's. One jxfer keeps one
 * connection (one libcurl easy handle) for all its puts; a jxfer is used by one thread at a
 * time, different jxfers may run in different threads (jxfer_global_init first, in main).
 *
 * Publishing (man/jship.1, PUBLISHING): file:// writes DIR/.NAME.part, fsyncs it, renames
 * it without replacing, fsyncs DIR; ftp/ftpes/ftps checks SIZE of NAME, uploads .NAME.part
 * with its size enforced, then RNFR/RNTO; sftp uploads .NAME.part and renames it (OpenSSH
 * refuses to rename over an existing file; that case is compared by size); http/https PUTs
 * .NAME.part then MOVEs it with Overwrite: F (an existing target is fetched and compared);
 * scp writes NAME directly (no rename exists there).
 *
 * URLs: a password in a URL is refused (EX_USAGE): credentials come from netrc. jxfer_url
 * returns the URL without any credentials, fit for messages. ftpes:// is ftp:// with
 * explicit TLS required (AUTH TLS); ftps:// is implicit TLS.
 */
#ifndef JM_XFER_H
#define JM_XFER_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct jxfer;

struct jxfer_opts {
	const char *netrc;          /* netrc file; NULL: ~/.netrc if it exists */
	const char *key;            /* SSH private key; NULL: ~/.ssh/id_ed25519, then id_ecdsa */
	const char *known_hosts;    /* NULL: ~/.ssh/known_hosts */
	const char *cacert;         /* CA bundle for TLS; NULL: the system's */
	long        connect_timeout;  /* seconds; 0: 15 */
	long        stall_time;       /* seconds under 1 byte/s before giving up; 0: 30 */
	uint64_t    limit_rate;       /* bytes per second; 0: no limit */
	int         progress;         /* show a progress bar on stderr for large files */
	int         verbose;          /* libcurl's own trace on stderr */
};

int  jxfer_global_init(struct jerr *e);
int  jxfer_open(const char *url, const struct jxfer_opts *o, struct jxfer **x, struct jerr *e);
/* Is url a directory (ends in '/'), so that each file keeps its own name? */
int  jxfer_is_dir(const struct jxfer *x);
/* The name a file gets at this destination: its own base name, or the URL's last part. */
const char *jxfer_target(const struct jxfer *x, const char *name);
const char *jxfer_url(const struct jxfer *x);     /* redacted: no user info */
int  jxfer_put(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e);
int  jxfer_retryable(const struct jxfer *x);
/*
 * With a gate, every later put holds back its last bytes (the last 80, or what is left
 * beyond hold) until gate(arg, e) returns: 0 lets them go, -1 aborts the put, which then
 * fails with e's code and message (nothing is published). NULL removes the gate.
 */
void jxfer_set_gate(struct jxfer *x, int (*gate)(void *arg, struct jerr *e), void *arg);
void jxfer_close(struct jxfer *x);

/* Remove user info (user:password@) from url into buf; returns buf. */
char *jxfer_redact(const char *url, char *buf, size_t size);

#endif
