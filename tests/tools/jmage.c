/*
 * jmage: age.c alone, from standard input to standard output, for the crypt benchmark.
 *
 *   jmage -e RECIPIENT < plain > file.age        encrypt (a recipient or a file of them)
 *   jmage -d IDENTITY < file.age > plain          decrypt
 *
 * Exit 0, or the code of the failure with its message on standard error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "age.h"
#include "io.h"

#define BUF (1u << 20)

static int
out_sink(void *arg, const void *buf, size_t n)
{
	(void)arg;
	return jio_write_all(1, buf, n);
}

static ssize_t
in_src(void *arg, void *buf, size_t n, struct jerr *e)
{
	ssize_t got = jio_read_full(0, buf, n);

	(void)arg;
	return got < 0 ? jerr_sys(e, EX_IOERR, "read error") : got;
}

static int
encrypt(struct jage_keys *k, struct jerr *e)
{
	uint8_t *buf = malloc(BUF);
	struct jage_enc *w;
	ssize_t n;

	if (!buf || jage_enc_open(k, out_sink, NULL, &w, e) < 0)
		return -1;
	while ((n = jio_read_full(0, buf, BUF)) > 0)
		if (jage_enc_write(w, buf, (size_t)n, e) < 0)
			return -1;
	if (n < 0)
		return jerr_sys(e, EX_IOERR, "read error");
	free(buf);
	return jage_enc_finish(w, e);
}

static int
decrypt(struct jage_keys *k, struct jerr *e)
{
	uint8_t *buf = malloc(BUF);
	struct jage_dec *d;
	ssize_t n;

	if (!buf || jage_dec_open(k, in_src, NULL, &d, e) < 0)
		return -1;
	while ((n = jage_dec_read(d, buf, BUF, e)) > 0)
		if (jio_write_all(1, buf, (size_t)n) < 0)
			return jerr_sys(e, EX_IOERR, "write error");
	jage_dec_close(d);
	free(buf);
	return n < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static struct jage_keys k;
	struct jerr e;
	int rc;

	if (argc != 3 || (strcmp(argv[1], "-e") && strcmp(argv[1], "-d"))) {
		fprintf(stderr, "usage: jmage -e RECIPIENT | -d IDENTITY\n");
		return EX_USAGE;
	}
	if (argv[1][1] == 'e')
		rc = jage_recipient_add(&k, argv[2], &e) < 0 ? -1 : encrypt(&k, &e);
	else
		rc = jage_identity_load(&k, argv[2], &e) < 0 ? -1 : decrypt(&k, &e);
	jage_keys_wipe(&k);
	if (rc < 0) {
		fprintf(stderr, "jmage: %s\n", e.msg);
		return e.code;
	}
	return 0;
}
