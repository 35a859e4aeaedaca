/*
 * xfer: publish files at a destination URL, atomically where the protocol allows it.
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
 * connection for all its puts; a jxfer is used by one thread at a time, different jxfers
 * may run in different threads (jxfer_global_init first, in main). Nothing here prints: a
 * trace and the progress of uploads go to the callbacks of jxfer_opts.
 *
 * The parts (one module each): url (parsing, redaction), cred (netrc, SSH keys, scrubbing
 * of traces), part (the temporaries' names), gate (holding back an upload's last bytes),
 * xfile (file://, native) and xcurl (every other scheme, over libcurl).
 *
 * Publishing (man/jship.1, PUBLISHING): every scheme but scp writes a temporary of this
 * process (.NAME.HOST-PID-RANDOM.part), checks it (size, and the last 80 bytes against
 * the source where the server serves ranges), renames it, and checks the final size.
 * file:// fsyncs it and renames it without replacing, then fsyncs DIR; ftp/ftpes/ftps
 * checks SIZE of NAME first (its RNTO replaces), uploads with the size enforced, then
 * RNFR/RNTO; sftp renames (OpenSSH refuses to rename over an existing file; that case is
 * compared by size); http/https MOVEs with Overwrite: F (an existing target is fetched and
 * compared); scp writes NAME directly (no rename exists there). Every scheme but scp and
 * file:// looks first (size, then the last bytes) and checks the final name after the
 * rename. The first put of a jxfer removes the stale temporaries of the directory (file,
 * ftp, sftp, WebDAV with PROPFIND; jpart_stale). A missing directory is EX_CANTCREAT
 * (jxfer_no_dir); opts.mkdir creates it.
 *
 * URLs: a password in a URL is refused (EX_USAGE): credentials come from netrc, and a
 * netrc that group or others may read is refused (EX_NOPERM), as ssh refuses such a key.
 * jxfer_url returns the URL without any credentials, fit for messages. ftpes:// is ftp:// with
 * explicit TLS required (AUTH TLS); ftps:// is implicit TLS.
 */
#ifndef JM_XFER_H
#define JM_XFER_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct jxfer;

/* One upload's progress, for a progress bar the caller draws (or not). */
struct jxfer_progress {
	const char *name;           /* the file as it is published */
	const char *url;            /* the destination, redacted */
	uint64_t    done, total;    /* bytes */
	double      elapsed;        /* seconds since the upload began */
	int         end;            /* the upload is over (sent or failed): its last report */
};

struct jxfer_opts {
	const char *netrc;          /* netrc file; NULL: ~/.netrc if it exists */
	const char *key;            /* SSH private key; NULL: ~/.ssh/id_ed25519, then id_ecdsa */
	const char *known_hosts;    /* NULL: ~/.ssh/known_hosts */
	const char *cacert;         /* CA bundle for TLS; NULL: the system's */
	long        connect_timeout;  /* seconds; 0: 15 */
	long        stall_time;       /* seconds under 1 byte/s before giving up; 0: 30 */
	uint64_t    limit_rate;       /* bytes per second; 0: no limit */
	/* s3:// (xs3.h): NULL/0 take AWS_ENDPOINT_URL (else AWS itself), AWS_REGION (else
	 * us-east-1), and JXS3_PART_SIZE */
	const char *s3_endpoint;
	const char *s3_region;
	uint64_t    s3_part_size;     /* a file larger than this goes in parts of this size */
	int         mkdir;            /* create the destination directory if it is missing */
	/* libcurl's own trace, one line at a time, credentials scrubbed (jcred_scrub); called
	 * from the thread doing the transfer. NULL: no trace. */
	void      (*trace)(void *arg, const char *line);
	void       *trace_arg;
	/* Progress of each upload over the network (not file://), from the thread doing it,
	 * as often as libcurl reports, then once with end set. NULL: none. */
	void      (*progress)(void *arg, const struct jxfer_progress *p);
	void       *progress_arg;
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
 * How many puts to this destination may run at once, each on a jxfer of its own (a lane,
 * opened with the same URL and options, in a thread of its own): JXS3_LANES for s3://,
 * whose requests are short and whose keys may appear in any order (a hub: jfetch never
 * skips a gap), but 1 with a rate limit, which is the destination's; 1 for the others,
 * which receive in order.
 */
int  jxfer_lanes(const struct jxfer *x);
/* Will a password from netrc go in clear (plain ftp:// or http://)? */
int  jxfer_plain_password(const struct jxfer *x);
/*
 * With a gate, every later put holds back its last bytes (the last 80, or what is left
 * beyond hold) until gate(arg, e) returns: 0 lets them go, -1 aborts the put, which then
 * fails with e's code and message (nothing is published). NULL removes the gate.
 */
void jxfer_set_gate(struct jxfer *x, int (*gate)(void *arg, struct jerr *e), void *arg);
void jxfer_close(struct jxfer *x);
/* The one message for a destination directory that does not exist, on every scheme: sets e
 * (EX_CANTCREAT) and returns -1. For the transports. */
int  jxfer_no_dir(const char *name, const char *url, struct jerr *e);

#endif
