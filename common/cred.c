/*
 * cred: credentials are files (netrc, SSH keys, known_hosts, a CA bundle), never arguments.
 *
 * A netrc, or a secret signing key, that group or others may read MUST be refused, as ssh
 * refuses such a key: it gives its secrets away (jcred_secret_mode is that one rule). A trace line MUST be scrubbed before anyone sees it. This
 * module reads a netrc only to say whether a password would go in clear; libcurl reads it
 * for the login itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred.h"
#include "io.h"

int
jcred_secret_mode(const char *what, const char *path, mode_t mode, struct jerr *e)
{
	if (mode & 077)
		return jerr_set(e, EX_NOPERM, "%s: %s can be read by others: refused (chmod 600 "
		    "it)", what, path);
	return 0;
}

static int
netrc_check(const char *path, const char *red, struct jerr *e)
{
	struct stat st;

	if (!path[0] || stat(path, &st) < 0)
		return 0;
	return jcred_secret_mode(red, path, st.st_mode, e);
}

static int
has_prefix_ci(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

/* user:password@ after every "://" becomes user@ */
static void
scrub_urls(const char *line, char *buf, size_t size)
{
	char tmp[8192];
	const char *p;
	size_t o = 0;

	tmp[0] = 0;
	for (p = line; *p && o + 1 < sizeof tmp;) {
		const char *s = strstr(p, "://");
		size_t n;
		if (!s) {
			o += (size_t)snprintf(tmp + o, sizeof tmp - o, "%s", p);
			break;
		}
		s += 3;
		n = strcspn(s, "/ \t\"'<>@");
		o += (size_t)snprintf(tmp + o, sizeof tmp - o, "%.*s", (int)(s - p), p);
		if (s[n] == '@' && memchr(s, ':', n))
			o += (size_t)snprintf(tmp + o, sizeof tmp - o, "%.*s",
			    (int)((const char *)memchr(s, ':', n) - s), s);
		else
			o += (size_t)snprintf(tmp + o, sizeof tmp - o, "%.*s", (int)n, s);
		p = s + n;
		if (o >= sizeof tmp)
			o = sizeof tmp - 1;
	}
	snprintf(buf, size, "%s", tmp);
}

char *
jcred_scrub(const char *line, char *buf, size_t size)
{
	static const char *const hidden[] = {
		"Authorization:", "Proxy-Authorization:", "Cookie:", "Set-Cookie:", "PASS ",
		"USER ", "x-amz-security-token:",
	};

	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
		if (has_prefix_ci(line, hidden[i])) {
			snprintf(buf, size, "%.*s [hidden]", (int)strlen(hidden[i]) -
			    (hidden[i][strlen(hidden[i]) - 1] == ' '), line);
			return buf;
		}
	scrub_urls(line, buf, size);
	return buf;
}

/* Does netrc hold a password for host (or a default one)? */
static int
netrc_password(const char *path, const char *host)
{
	char buf[65536], *tok, *save = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), in = 0, any = 0, matched = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = jio_read_full(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (tok = strtok_r(buf, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (strcmp(tok, "machine") == 0) {
			tok = strtok_r(NULL, " \t\r\n", &save);
			in = tok && strcmp(tok, host) == 0;
			matched |= in;
		} else if (strcmp(tok, "default") == 0) {
			in = !matched;
		} else if (strcmp(tok, "password") == 0) {
			tok = strtok_r(NULL, " \t\r\n", &save);
			if (in && tok)
				any = 1;
		}
	}
	return any;
}

int
jcred_plain_password(const struct jurl *u, const struct jcred *c)
{
	char host[256];
	unsigned port;

	if (!c->netrc[0] || u->tls || (strncasecmp(u->url, "ftp:", 4) != 0 &&
	    strncasecmp(u->url, "http:", 5) != 0))
		return 0;
	if (jurl_host(u, host, sizeof host, &port) < 0)
		return 0;
	return netrc_password(c->netrc, host);
}

static int
home_file(char *buf, size_t size, const char *rel)
{
	const char *home = getenv("HOME");

	if (!home || !*home)
		return -1;
	if (jio_pathf(buf, size, "%s/%s", home, rel) < 0)
		return -1;
	return access(buf, F_OK) == 0 ? 0 : -1;
}

/* The given path, or the default under $HOME (which may not exist: the caller checks). */
static int
path_or_home(char *dst, size_t size, const char *given, const char *rel)
{
	if (!given) {
		if (rel)
			(void)home_file(dst, size, rel);
		return 0;
	}
	return jio_pathf(dst, size, "%s", given);
}

/* The SSH key pair and known_hosts of an sftp:// or scp:// destination. */
static int
find_ssh(const char *red, const char *key, const char *known_hosts, struct jcred *c,
    struct jerr *e)
{
	if (key) {
		if (path_or_home(c->key, sizeof c->key, key, NULL) < 0)
			return jerr_set(e, EX_USAGE, "%s: option value too long", red);
	} else if (home_file(c->key, sizeof c->key, ".ssh/id_ed25519") < 0 &&
	    home_file(c->key, sizeof c->key, ".ssh/id_ecdsa") < 0) {
		return jerr_set(e, EX_NOPERM, "%s: no SSH key: none of ~/.ssh/id_ed25519, "
		    "~/.ssh/id_ecdsa exists (or give --key)", red);
	}
	if (access(c->key, R_OK) < 0)
		return jerr_sys(e, EX_NOPERM, "%s: SSH key %s", red, c->key);
	if ((size_t)snprintf(c->pub, sizeof c->pub, "%.4000s.pub", c->key) >= sizeof c->pub ||
	    access(c->pub, R_OK) < 0)
		c->pub[0] = 0;
	if (path_or_home(c->known_hosts, sizeof c->known_hosts, known_hosts,
	    ".ssh/known_hosts") < 0)
		return jerr_set(e, EX_USAGE, "%s: option value too long", red);
	if (!c->known_hosts[0] || access(c->known_hosts, R_OK) < 0)
		return jerr_set(e, EX_NOPERM, "%s: no known_hosts file %s to check the host key "
		    "against (give --known-hosts, or add the key with ssh-keyscan)", red,
		    c->known_hosts[0] ? c->known_hosts : "~/.ssh/known_hosts");
	return 0;
}

int
jcred_find(const struct jurl *u, const char *netrc, const char *key, const char *known_hosts,
    const char *cacert, struct jcred *c, struct jerr *e)
{
	int ssh = u->scheme == JURL_SFTP || u->scheme == JURL_SCP;

	memset(c, 0, sizeof *c);
	if (u->scheme == JURL_S3)         /* keys: jcred_s3_find; TLS: the CA bundle only */
		return path_or_home(c->cacert, sizeof c->cacert, cacert, NULL) < 0 ?
		    jerr_set(e, EX_USAGE, "%s: option value too long", u->redacted) : 0;
	if (path_or_home(c->netrc, sizeof c->netrc, netrc, ".netrc") < 0)
		return jerr_set(e, EX_USAGE, "%s: option value too long", u->redacted);
	if (!ssh && u->scheme != JURL_FILE && netrc_check(c->netrc, u->redacted, e) < 0)
		return -1;
	if (path_or_home(c->cacert, sizeof c->cacert, cacert, NULL) < 0)
		return jerr_set(e, EX_USAGE, "%s: option value too long", u->redacted);
	return ssh ? find_ssh(u->redacted, key, known_hosts, c, e) : 0;
}

/* ---- S3 keys ----
 * The secret key is the one credential read into memory (SigV4 signs with it). It comes
 * from the environment or from the AWS credentials file, never from an argument, and the
 * file is held to the netrc rule: owner-only. */

static char *
ini_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = 0;
	return s;
}

/* One "key = value" line of the wanted profile into k. */
static void
ini_value(char *line, struct jcred_s3 *k)
{
	char *eq = strchr(line, '='), *key, *val;

	if (!eq)
		return;
	*eq = 0;
	key = ini_trim(line);
	val = ini_trim(eq + 1);
	if (strcasecmp(key, "aws_access_key_id") == 0)
		snprintf(k->id, sizeof k->id, "%s", val);
	else if (strcasecmp(key, "aws_secret_access_key") == 0)
		snprintf(k->secret, sizeof k->secret, "%s", val);
	else if (strcasecmp(key, "aws_session_token") == 0)
		snprintf(k->token, sizeof k->token, "%s", val);
}

int
jcred_s3_parse(const char *text, const char *profile, struct jcred_s3 *k)
{
	const char *p = text;
	int in = 0;

	k->id[0] = k->secret[0] = k->token[0] = 0;
	while (*p) {
		char line[8192], *l;
		size_t n = strcspn(p, "\n");
		snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
		p += n + (p[n] == '\n');
		l = ini_trim(line);
		if (*l == '#' || *l == ';' || !*l)
			continue;
		if (*l == '[') {
			char *end = strchr(l, ']');
			if (end)
				*end = 0;
			in = strcmp(ini_trim(l + 1), profile) == 0;
		} else if (in) {
			ini_value(l, k);
		}
		explicit_bzero(line, sizeof line);
	}
	return k->id[0] && k->secret[0];
}

static int
s3_env(const char *red, struct jcred_s3 *k, struct jerr *e)
{
	const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
	const char *token = getenv("AWS_SESSION_TOKEN");

	if ((!id || !*id) && (!secret || !*secret))
		return 0;
	if (!id || !*id || !secret || !*secret)
		return jerr_set(e, EX_NOPERM, "%s: AWS_%s is set but not AWS_%s", red,
		    id && *id ? "ACCESS_KEY_ID" : "SECRET_ACCESS_KEY",
		    id && *id ? "SECRET_ACCESS_KEY" : "ACCESS_KEY_ID");
	if (strlen(id) >= sizeof k->id || strlen(secret) >= sizeof k->secret ||
	    (token && strlen(token) >= sizeof k->token))
		return jerr_set(e, EX_NOPERM, "%s: AWS credentials in the environment too long", red);
	snprintf(k->id, sizeof k->id, "%s", id);
	snprintf(k->secret, sizeof k->secret, "%s", secret);
	snprintf(k->token, sizeof k->token, "%s", token ? token : "");
	snprintf(k->source, sizeof k->source, "AWS_ACCESS_KEY_ID");
	return 1;
}

static int
s3_file(const char *red, const char *path, const char *profile, struct jcred_s3 *k,
    struct jerr *e)
{
	static char buf[262144];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), found;

	if (fd < 0)
		return jerr_sys(e, EX_NOPERM, "%s: no S3 credentials: AWS_ACCESS_KEY_ID is not set "
		    "and %s", red, path);
	if (fstat(fd, &st) < 0 || (st.st_mode & 077)) {
		close(fd);
		return jerr_set(e, EX_NOPERM, "%s: %s can be read by others: refused (chmod 600 "
		    "it)", red, path);
	}
	n = jio_read_full(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return jerr_sys(e, EX_NOPERM, "%s: %s", red, path);
	buf[n] = 0;
	found = jcred_s3_parse(buf, profile, k);
	explicit_bzero(buf, (size_t)n);
	if (!found)
		return jerr_set(e, EX_NOPERM, "%s: no aws_access_key_id and aws_secret_access_key "
		    "in profile [%s] of %s", red, profile, path);
	if ((size_t)snprintf(k->source, sizeof k->source, "%s [%s]", path, profile) >= sizeof k->source)
		snprintf(k->source, sizeof k->source, "%s", "the AWS credentials file");
	return 0;
}

int
jcred_s3_find(const struct jurl *u, struct jcred_s3 *k, struct jerr *e)
{
	const char *file = getenv("AWS_SHARED_CREDENTIALS_FILE"), *profile = getenv("AWS_PROFILE");
	const char *home = getenv("HOME");
	char path[PATH_MAX];
	int r;

	memset(k, 0, sizeof *k);
	if ((r = s3_env(u->redacted, k, e)) != 0)
		return r < 0 ? -1 : 0;
	if (file && *file)
		r = jio_pathf(path, sizeof path, "%s", file);
	else if (home && *home)
		r = jio_pathf(path, sizeof path, "%s/.aws/credentials", home);
	else
		return jerr_set(e, EX_NOPERM, "%s: no S3 credentials: set AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY, or write ~/.aws/credentials", u->redacted);
	if (r < 0)
		return jerr_set(e, EX_USAGE, "%s: credentials file path too long", u->redacted);
	return s3_file(u->redacted, path, profile && *profile ? profile : "default", k, e);
}

void
jcred_s3_clear(struct jcred_s3 *k)
{
	explicit_bzero(k, sizeof *k);
}
