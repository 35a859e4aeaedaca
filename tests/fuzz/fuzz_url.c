/*
 * fuzz_url: libFuzzer target for destination URLs (jxfer_open and url.c's jurl_redact).
 * jxfer_open only parses: nothing is connected, and the key and known_hosts files (/dev/null)
 * and an empty owner-only netrc are given so that no home directory is looked at. Besides
 * the sanitizers' checks, the promises of xfer.h are asserted: a refusal says why with EX_USAGE; an accepted URL
 * carries no password (user info before its first '@' holds no ':'); jxfer_url is the
 * redacted URL; a target name is never empty, never hidden and never a path; redaction
 * into a short buffer stays inside it and is a prefix of the full one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "url.h"
#include "xfer.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An empty netrc that only its owner may read: a readable one is refused (EX_NOPERM). */
static char netrc[] = "/tmp/fuzz_url.netrc.XXXXXX";

static void
remove_netrc(void)
{
	unlink(netrc);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = mkstemp(netrc);

	(void)argc;
	(void)argv;
	if (fd < 0)
		abort();
	close(fd);
	atexit(remove_netrc);
	/* s3:// keys come from the environment: set, so that only the URL can be refused */
	setenv("AWS_ACCESS_KEY_ID", "AKFUZZ", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "fuzz", 1);
	return 0;
}

/* The user info of url (between "://" and the first '@' before the first '/') has no ':'. */
static int
no_password(const char *url)
{
	const char *host = strstr(url, "://"), *slash, *at;

	if (!host)
		return 1;
	host += 3;
	slash = strchr(host, '/');
	at = memchr(host, '@', slash ? (size_t)(slash - host) : strlen(host));
	return !at || !memchr(host, ':', (size_t)(at - host));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct jxfer_opts o = {
		.netrc = netrc, .key = "/dev/null", .known_hosts = "/dev/null",
	};
	char *url = malloc(size + 1), red[8192], shortred[16];
	struct jxfer *x = NULL;
	struct jerr e;

	if (!url)
		abort();
	memcpy(url, data, size);
	url[size] = '\0';

	jurl_redact(url, red, sizeof red);
	want(no_password(red));
	memset(shortred, 'x', sizeof shortred);
	want(jurl_redact(url, shortred, sizeof shortred) == shortred);
	want(memchr(shortred, '\0', sizeof shortred) != NULL);
	want(strncmp(shortred, red, strlen(shortred)) == 0);

	memset(&e, 0, sizeof e);
	if (jxfer_open(url, &o, &x, &e) < 0) {
		want(e.code == EX_USAGE && e.msg[0] != '\0');
	} else {
		static const char name[] = "db.0001-000000000001.journal";
		const char *t = jxfer_target(x, name);

		want(no_password(url));
		want(strcmp(jxfer_url(x), red) == 0);
		want(t[0] != '\0' && t[0] != '.' && !strchr(t, '/'));
		want(jxfer_is_dir(x) == (t == name));   /* a directory keeps each file's name */
		jxfer_close(x);
	}
	free(url);
	return 0;
}
