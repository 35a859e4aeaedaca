/*
 * send: sending one segment to one destination: the bytes to send, the retries, and the
 * verification that runs while a large segment is sent.
 *
 *     jsend_source(path, comp, level, &fd, &size, tname, tsize, e)
 *         open what to send: the file itself, or (comp not JCOMP_NONE and the file not
 *         compressed already) its compressed form in an unlinked temporary under $TMPDIR;
 *         tname gets the name to publish it under (the base name, plus the suffix of comp).
 *         The caller closes fd. -1: EX_NOINPUT (no such file), EX_IOERR.
 *     rc = jsend_put(x, fd, size, tname, &retry, e)
 *         jxfer_put, tried again while it fails in a way worth retrying, at most
 *         retry.retries more times and within retry.max_ns, waiting jbackoff_delay (from
 *         JSEND_RETRY_FIRST up to JSEND_RETRY_CAP) with jitter between tries; before each
 *         wait, retry.notify(arg, e->msg, seconds) if set. 1 sent, 0 already there, -1.
 *
 * Verification in flight (a large plain segment):
 *     struct jsend_verify *v;
 *     jsend_verify_start(path, check, &v, e)   a thread runs check(path, &e) (every CRC and
 *                                              the digest) while the uploads go on
 *     jxfer_set_gate(x, jsend_verify_gate, v)  each upload holds back its last bytes until
 *                                              the check has passed (a failed check aborts
 *                                              it: a damaged file is never published)
 *     rc = jsend_verify_gate(v, &e)            wait for the verdict: 0, or -1 with e
 *     rc = jsend_verify_end(v, &e)             join the thread, free v: the verdict again
 * Every function may be called from any thread; v is shared by the uploads of one file.
 */
#ifndef JM_SEND_H
#define JM_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "xfer.h"

#define JSEND_RETRY_FIRST 500000000ull        /* 0.5 s */
#define JSEND_RETRY_CAP   60000000000ull      /* 1 min: a network failure is transient */

struct jsend_retry {
	long      retries;          /* more tries after the first */
	uint64_t  max_ns;           /* no wait that would end later than this after the start */
	void    (*notify)(void *arg, const char *msg, double wait);
	void     *arg;
};

struct jsend_verify;

int  jsend_source(const char *path, int comp, int level, int *fd, uint64_t *size,
                  char *tname, size_t tsize, struct jerr *e);
int  jsend_put(struct jxfer *x, int fd, uint64_t size, const char *tname,
               const struct jsend_retry *r, struct jerr *e);

int  jsend_verify_start(const char *path, int (*check)(const char *path, struct jerr *e),
                        struct jsend_verify **v, struct jerr *e);
int  jsend_verify_gate(void *v, struct jerr *e);
int  jsend_verify_end(struct jsend_verify *v, struct jerr *e);

#endif
