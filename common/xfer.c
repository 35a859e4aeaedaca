/*
 * xfer: one destination, one reused connection, one publishing strategy per scheme.
 *
 * Guarantees: nothing is ever written under a file's final name except by a rename of a
 * temporary of this process that MUST first have been checked as complete (its size, and
 * its trailer read back where the server serves ranges), so that two senders never share
 * one temporary and a file with holes is never published (file, ftp, sftp, http); an
 * existing final name is never replaced
 * (vsftpd's RNTO would replace it, so SIZE is asked first; OpenSSH's rename and WebDAV's
 * MOVE with Overwrite: F refuse by themselves, and file:// uses a no-replace rename); an
 * upload whose source ends early is aborted rather than completed short. scp:// is the
 * exception: it writes the final name in place (man/jship.1 says what the receiver relies
 * on there). No credential is ever put into a message: messages use the redacted URL.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "afile.h"
#include "io.h"
#include "xfer.h"

enum { S_FILE, S_FTP, S_SFTP, S_SCP, S_HTTP };

struct jxfer {
	int       scheme;
	int       tls;            /* ftpes: explicit TLS required */
	int       retryable;
	CURL     *h;
	CURLM    *m;             /* SFTP/SCP: driven by perform() */
	char      url[4096];      /* as given, minus nothing: used for requests */
	char      red[4096];      /* redacted, for messages */
	char      base[4096];     /* scheme://[user@]host[:port] */
	char      dirpath[4096];  /* decoded directory path, ends in '/' */
	char      dirurl[4096];   /* scheme://host/dir/ as encoded in the URL */
	char      fname[1024];    /* decoded last part when the URL names a file, else "" */
	char      key[PATH_MAX], pub[PATH_MAX], known[PATH_MAX], netrc[PATH_MAX], cacert[PATH_MAX];
	char      errbuf[CURL_ERROR_SIZE];
	char      target[1024];
	char      host[JXFER_HOST_MAX + 1];   /* this host, as temporaries name it */
	int       swept;          /* stale temporaries looked for at this destination */
	int       khstat;         /* last host key check: CURLKHMATCH_* or -1 */
	long      connect_timeout, stall_time;
	uint64_t  limit_rate;
	int       progress;
	void    (*trace)(void *, const char *);
	void     *trace_arg;
	/* upload source */
	int       fd;
	uint64_t  size, off;
	int       rerr;           /* errno of a failed or short read */
	int     (*gate)(void *, struct jerr *);
	void     *gate_arg;
	int       gated, gate_failed;
	struct jerr gate_err;
	/* compare sink */
	uint64_t  coff;
	int       cdiff;
	/* progress */
	const char *pname;
	double    pstart;
	int       pshown;
};

static pthread_mutex_t progress_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- temporaries ----
 * A temporary is .NAME.HOST-PID-RANDOM.part: unique to this process (two senders of one
 * file never share one), and, under 255 bytes whatever NAME, its owner can be read back,
 * so that a later run removes a stale one: one of this host whose process is gone, or any
 * older than JXFER_TMP_STALE seconds. A NAME too long to fit keeps its first bytes. */

void
jxfer_hostname(char *buf, size_t size)
{
	char h[256] = "";
	size_t i;

	if (gethostname(h, sizeof h - 1) < 0 || !h[0])
		snprintf(h, sizeof h, "localhost");
	for (i = 0; h[i] && i + 1 < size && i < JXFER_HOST_MAX; i++) {
		unsigned char c = (unsigned char)h[i];
		buf[i] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ? c : '_');
	}
	buf[i] = 0;
}

int
jxfer_tmpname(char *buf, size_t size, const char *name, const char *host, long pid,
    uint32_t rnd)
{
	char tag[JXFER_HOST_MAX + 40];
	size_t room;
	int n;

	snprintf(tag, sizeof tag, "%.*s-%ld-%08" PRIx32, JXFER_HOST_MAX, host, pid, rnd);
	room = NAME_MAX - strlen(tag) - strlen("." "." ".part");
	n = snprintf(buf, size, ".%.*s.%s.part", (int)room, name, tag);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
jxfer_tmpowner(const char *leaf, char *host, size_t hsize, long *pid)
{
	size_t len = strlen(leaf), hl;
	const char *end, *tag, *p, *d1, *d2;
	char *ep;

	if (len < 8 || leaf[0] != '.' || strcmp(leaf + len - 5, ".part") != 0)
		return 0;
	end = leaf + len - 5;
	for (tag = end; tag > leaf + 1 && tag[-1] != '.'; tag--)
		;
	if (tag <= leaf + 2)
		return 0;
	d2 = NULL;
	d1 = NULL;
	for (p = end; p > tag; p--)
		if (p[-1] == '-') {
			if (!d2)
				d2 = p - 1;
			else {
				d1 = p - 1;
				break;
			}
		}
	if (!d1 || d1 == tag || end - d2 != 9)
		return 0;
	for (p = d2 + 1; p < end; p++)
		if (!strchr("0123456789abcdef", *p))
			return 0;
	if (!(d1[1] >= '0' && d1[1] <= '9'))
		return 0;
	*pid = strtol(d1 + 1, &ep, 10);
	if (ep != d2 || *pid <= 0)
		return 0;
	hl = (size_t)(d1 - tag);
	if (hl >= hsize)
		return 0;
	memcpy(host, tag, hl);
	host[hl] = 0;
	return 1;
}

int
jxfer_tmpstale(const char *leaf, const char *host_here, time_t mtime, time_t now)
{
	char host[JXFER_HOST_MAX + 1];
	long pid;

	if (!jxfer_tmpowner(leaf, host, sizeof host, &pid))
		return 0;
	if (strcmp(host, host_here) == 0 && pid != (long)getpid() && kill((pid_t)pid, 0) < 0 &&
	    errno == ESRCH)
		return 1;
	return mtime > 0 && now - mtime > JXFER_TMP_STALE;
}

static void
tmp_leaf(struct jxfer *x, const char *name, char *buf, size_t size)
{
	uint32_t r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)random() ^ (uint32_t)clock();
	if (jxfer_tmpname(buf, size, name, x->host, (long)getpid(), r) < 0)
		snprintf(buf, size, ".jship-%08" PRIx32 ".part", r);
}

int
jxfer_global_init(struct jerr *e)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return jerr_set(e, EX_SOFTWARE, "unable to initialise libcurl");
	return 0;
}

char *
jxfer_redact(const char *url, char *buf, size_t size)
{
	const char *p = strstr(url, "://"), *host, *at, *slash;

	if (!p) {
		snprintf(buf, size, "%s", url);
		return buf;
	}
	host = p + 3;
	slash = strchr(host, '/');
	at = memchr(host, '@', slash ? (size_t)(slash - host) : strlen(host));
	if (at) {
		/* Keep the user name (it says where we log in), never what follows a ':'. */
		const char *colon = memchr(host, ':', (size_t)(at - host));
		const char *end = colon ? colon : at;
		snprintf(buf, size, "%.*s%.*s%s", (int)(host - url), url, (int)(end - host), host, at);
	} else {
		snprintf(buf, size, "%s", url);
	}
	return buf;
}

/* ---- credentials ---- */

/* A netrc that others may read gives its passwords away: refuse it, as ssh does a key. */
static int
netrc_check(const char *path, const char *red, struct jerr *e)
{
	struct stat st;

	if (!path[0] || stat(path, &st) < 0)
		return 0;
	if (st.st_mode & 077)
		return jerr_set(e, EX_NOPERM, "%s: %s can be read by others: refused (chmod 600 "
		    "it)", red, path);
	return 0;
}

static int
has_prefix_ci(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

char *
jxfer_scrub(const char *line, char *buf, size_t size)
{
	static const char *const hidden[] = {
		"Authorization:", "Proxy-Authorization:", "Cookie:", "Set-Cookie:", "PASS ",
		"USER ",
	};
	char tmp[8192];
	const char *p;
	size_t o = 0;

	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
		if (has_prefix_ci(line, hidden[i])) {
			snprintf(buf, size, "%.*s [hidden]", (int)strlen(hidden[i]) -
			    (hidden[i][strlen(hidden[i]) - 1] == ' '), line);
			return buf;
		}
	/* user:password@ after every "://" */
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
	return buf;
}

static int
debug_cb(CURL *h, curl_infotype type, char *data, size_t len, void *arg)
{
	struct jxfer *x = arg;
	const char *mark = type == CURLINFO_TEXT ? "* " : type == CURLINFO_HEADER_IN ? "< " :
	    type == CURLINFO_HEADER_OUT ? "> " : NULL;
	char line[4096], clean[4096], out[4200];

	(void)h;
	if (!mark)
		return 0;         /* data and SSL bytes are never traced */
	while (len > 0) {
		size_t n = 0, k;
		while (n < len && data[n] != '\n')
			n++;
		k = n > 0 && data[n - 1] == '\r' ? n - 1 : n;
		if (k > 0) {
			snprintf(line, sizeof line, "%.*s", (int)(k < sizeof line ? k :
			    sizeof line - 1), data);
			jxfer_scrub(line, clean, sizeof clean);
			snprintf(out, sizeof out, "%s%s", mark, clean);
			x->trace(x->trace_arg, out);
		}
		n += n < len;     /* the newline */
		data += n;
		len -= n;
	}
	return 0;
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
jxfer_plain_password(const struct jxfer *x)
{
	char host[256];
	const char *p = strstr(x->base, "://"), *at, *end;
	size_t n;

	if (!x->netrc[0] || x->tls || (strncasecmp(x->url, "ftp:", 4) != 0 &&
	    strncasecmp(x->url, "http:", 5) != 0))
		return 0;
	p = p ? p + 3 : x->base;
	if ((at = strrchr(p, '@')))
		p = at + 1;
	if (*p == '[') {
		end = strchr(p, ']');
		p++;
		n = end ? (size_t)(end - p) : strlen(p);
	} else {
		n = strcspn(p, ":");
	}
	snprintf(host, sizeof host, "%.*s", (int)n, p);
	return netrc_password(x->netrc, host);
}

static int
home_file(char *buf, size_t size, const char *rel)
{
	const char *home = getenv("HOME");

	if (!home || !*home)
		return -1;
	if ((size_t)snprintf(buf, size, "%s/%s", home, rel) >= size)
		return -1;
	return access(buf, F_OK) == 0 ? 0 : -1;
}

static int
copy_opt(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(dst, src);
	return 0;
}

static int
pct_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			unsigned v;
			if (i + 2 >= n || sscanf(s + i + 1, "%2x", &v) != 1)
				return -1;
			c = (int)v;
			i += 2;
		}
		if (c == 0 || j + 1 >= size)
			return -1;
		out[j++] = (char)c;
	}
	out[j] = 0;
	return 0;
}

int
jxfer_open(const char *url, const struct jxfer_opts *o, struct jxfer **xp, struct jerr *e)
{
	static const struct { const char *name; int scheme, tls; const char *real; } schemes[] = {
		{ "file", S_FILE, 0, "file" }, { "ftp", S_FTP, 0, "ftp" },
		{ "ftpes", S_FTP, 1, "ftp" }, { "ftps", S_FTP, 0, "ftps" },
		{ "sftp", S_SFTP, 0, "sftp" }, { "scp", S_SCP, 0, "scp" },
		{ "http", S_HTTP, 0, "http" }, { "https", S_HTTP, 0, "https" },
	};
	struct jxfer *x;
	const char *p, *host, *slash, *last;
	char red[4096];
	size_t slen;
	int found = -1;

	jxfer_redact(url, red, sizeof red);
	p = strstr(url, "://");
	if (!p)
		return jerr_set(e, EX_USAGE, "%s: not a URL (scheme://host/path/)", red);
	slen = (size_t)(p - url);
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strlen(schemes[i].name) == slen && strncasecmp(url, schemes[i].name, slen) == 0)
			found = (int)i;
	if (found < 0)
		return jerr_set(e, EX_USAGE, "%s: unsupported scheme (file, ftp, ftpes, ftps, sftp, "
		    "scp, http, https)", red);
	host = p + 3;
	slash = strchr(host, '/');
	if (!slash)
		return jerr_set(e, EX_USAGE, "%s: no path (add a '/' for the top directory)", red);
	{
		const char *at = memchr(host, '@', (size_t)(slash - host));
		if (at && memchr(host, ':', (size_t)(at - host)))
			return jerr_set(e, EX_USAGE, "%s: a password in a URL is refused: put it in "
			    "~/.netrc (or --netrc-file)", red);
	}
	if (schemes[found].scheme == S_FILE && slash != host)
		return jerr_set(e, EX_USAGE, "%s: file:// URLs name a local path (file:///dir/)", red);
	if (strlen(url) >= sizeof x->url - 8)
		return jerr_set(e, EX_USAGE, "%s: URL too long", red);
	if (!(x = calloc(1, sizeof *x)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	x->scheme = schemes[found].scheme;
	x->tls = schemes[found].tls;
	x->khstat = -1;
	x->fd = -1;
	jxfer_hostname(x->host, sizeof x->host);
	/* The URL libcurl sees: ftpes:// becomes ftp:// (TLS is then required separately). */
	snprintf(x->url, sizeof x->url, "%s%s", schemes[found].real, p);
	snprintf(x->red, sizeof x->red, "%s", red);
	host = x->url + strlen(schemes[found].real) + 3;
	slash = strchr(host, '/');
	last = strrchr(slash, '/');
	snprintf(x->base, sizeof x->base, "%.*s", (int)(slash - x->url), x->url);
	snprintf(x->dirurl, sizeof x->dirurl, "%.*s", (int)(last + 1 - x->url), x->url);
	if (strpbrk(slash, "?#")) {
		free(x);
		return jerr_set(e, EX_USAGE, "%s: query or fragment in a URL is not supported", red);
	}
	if (pct_decode(slash, (size_t)(last + 1 - slash), x->dirpath, sizeof x->dirpath) < 0 ||
	    pct_decode(last + 1, strlen(last + 1), x->fname, sizeof x->fname) < 0) {
		free(x);
		return jerr_set(e, EX_USAGE, "%s: bad percent-encoding in the path", red);
	}
	if (x->fname[0] == '.' || strchr(x->fname, '/')) {
		free(x);
		return jerr_set(e, EX_USAGE, "%s: the target name must not start with '.'", red);
	}

	x->connect_timeout = o && o->connect_timeout > 0 ? o->connect_timeout : 15;
	x->stall_time = o && o->stall_time > 0 ? o->stall_time : 30;
	x->progress = o ? o->progress : 0;
	x->limit_rate = o ? o->limit_rate : 0;
	x->trace = o ? o->trace : NULL;
	x->trace_arg = o ? o->trace_arg : NULL;
	if (o && o->netrc) {
		if (copy_opt(x->netrc, sizeof x->netrc, o->netrc) < 0)
			goto toolong;
	} else {
		(void)home_file(x->netrc, sizeof x->netrc, ".netrc");
	}
	if (x->scheme != S_SFTP && x->scheme != S_SCP && x->scheme != S_FILE &&
	    netrc_check(x->netrc, red, e) < 0) {
		free(x);
		return -1;
	}
	if (o && o->cacert && copy_opt(x->cacert, sizeof x->cacert, o->cacert) < 0)
		goto toolong;
	if (x->scheme == S_SFTP || x->scheme == S_SCP) {
		if (o && o->key) {
			if (copy_opt(x->key, sizeof x->key, o->key) < 0)
				goto toolong;
		} else if (home_file(x->key, sizeof x->key, ".ssh/id_ed25519") < 0 &&
		    home_file(x->key, sizeof x->key, ".ssh/id_ecdsa") < 0) {
			free(x);
			return jerr_set(e, EX_NOPERM, "%s: no SSH key: none of ~/.ssh/id_ed25519, "
			    "~/.ssh/id_ecdsa exists (or give --key)", red);
		}
		if (access(x->key, R_OK) < 0) {
			jerr_sys(e, EX_NOPERM, "%s: SSH key %s", red, x->key);
			free(x);
			return -1;
		}
		if ((size_t)snprintf(x->pub, sizeof x->pub, "%.4000s.pub", x->key) >= sizeof x->pub)
			x->pub[0] = 0;
		if (access(x->pub, R_OK) < 0)
			x->pub[0] = 0;
		if (o && o->known_hosts) {
			if (copy_opt(x->known, sizeof x->known, o->known_hosts) < 0)
				goto toolong;
		} else {
			(void)home_file(x->known, sizeof x->known, ".ssh/known_hosts");
		}
		if (!x->known[0] || access(x->known, R_OK) < 0) {
			jerr_set(e, EX_NOPERM, "%s: no known_hosts file %s to check the host key "
			    "against (give --known-hosts, or add the key with ssh-keyscan)", red,
			    x->known[0] ? x->known : "~/.ssh/known_hosts");
			free(x);
			return -1;
		}
	}
	*xp = x;
	return 0;
toolong:
	free(x);
	return jerr_set(e, EX_USAGE, "%s: option value too long", red);
}

int
jxfer_is_dir(const struct jxfer *x)
{
	return x->fname[0] == 0;
}

const char *
jxfer_target(const struct jxfer *x, const char *name)
{
	return x->fname[0] ? x->fname : name;
}

const char *
jxfer_url(const struct jxfer *x)
{
	return x->red;
}

void
jxfer_set_gate(struct jxfer *x, int (*gate)(void *arg, struct jerr *e), void *arg)
{
	x->gate = gate;
	x->gate_arg = arg;
}

/* How much of the source may go before the gate: all but the last 80 bytes. */
static uint64_t
gate_hold(const struct jxfer *x)
{
	return x->size > 80 ? x->size - 80 : 0;
}

/* Before bytes [off, off + *want) go out: 0 to go on (maybe with a smaller *want), -1 abort. */
static int
gate_check(struct jxfer *x, uint64_t off, size_t *want)
{
	uint64_t hold;

	if (!x->gate || x->gated)
		return 0;
	hold = gate_hold(x);
	if (off + *want <= hold)
		return 0;
	if (off < hold) {
		*want = (size_t)(hold - off);
		return 0;
	}
	x->gate_err.code = 0;
	x->gate_err.msg[0] = 0;
	if (x->gate(x->gate_arg, &x->gate_err) != 0) {
		x->gate_failed = 1;
		return -1;
	}
	x->gated = 1;
	return 0;
}

int
jxfer_retryable(const struct jxfer *x)
{
	return x->retryable;
}

void
jxfer_close(struct jxfer *x)
{
	if (!x)
		return;
	if (x->h)
		curl_easy_cleanup(x->h);
	if (x->m)
		curl_multi_cleanup(x->m);
	free(x);
}

/* ---- file:// ---- */

static int
same_content(int fd, uint64_t size, const char *path, int *same, struct jerr *e)
{
	char a[65536], b[65536];
	struct stat st;
	uint64_t off = 0;
	int tfd = open(path, O_RDONLY | O_CLOEXEC);

	if (tfd < 0)
		return jerr_sys(e, EX_TEMPFAIL, "unable to open %s", path);
	if (fstat(tfd, &st) < 0 || (uint64_t)st.st_size != size) {
		close(tfd);
		*same = 0;
		return 0;
	}
	*same = 1;
	while (off < size) {
		size_t n = size - off < sizeof a ? (size_t)(size - off) : sizeof a;
		ssize_t r1 = jio_pread_full(fd, a, n, (off_t)off);
		ssize_t r2 = jio_pread_full(tfd, b, n, (off_t)off);
		if (r1 < 0 || r2 < 0) {
			jerr_sys(e, EX_IOERR, "unable to compare with %s", path);
			close(tfd);
			return -1;
		}
		if ((size_t)r1 != n || (size_t)r2 != n || memcmp(a, b, n) != 0) {
			*same = 0;
			break;
		}
		off += n;
	}
	close(tfd);
	return 0;
}

/* Remove the stale temporaries of the directory, once per destination and run. */
static void
file_sweep(struct jxfer *x)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);

	if (x->swept || !(d = opendir(x->dirpath)))
		return;
	x->swept = 1;
	while ((de = readdir(d))) {
		if (de->d_name[0] != '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (jxfer_tmpstale(de->d_name, x->host, st.st_mtime, now))
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* Is the written temporary what was sent: its size, and its last bytes (the trailer)? */
static int
file_check(int tfd, int fd, uint64_t size, const char *tmp, struct jerr *e)
{
	char a[80], b[80];
	uint64_t start = size > 80 ? size - 80 : 0;
	size_t n = (size_t)(size - start);
	struct stat st;

	if (fstat(tfd, &st) < 0)
		return jerr_sys(e, EX_TEMPFAIL, "unable to check %s", tmp);
	if ((uint64_t)st.st_size != size)
		return jerr_set(e, EX_TEMPFAIL, "%s has %llu bytes, not %llu", tmp,
		    (unsigned long long)st.st_size, (unsigned long long)size);
	if (jio_pread_full(tfd, a, n, (off_t)start) != (ssize_t)n ||
	    jio_pread_full(fd, b, n, (off_t)start) != (ssize_t)n || memcmp(a, b, n) != 0)
		return jerr_set(e, EX_TEMPFAIL, "the end of %s differs from the source", tmp);
	return 0;
}

/* fsync a file found under its final name, then its directory. */
static int
sync_found(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc, saved;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc < 0 ? -1 : jio_fsync_dir(path);
}

static int
file_put(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	char final[PATH_MAX], tmp[PATH_MAX], leaf[NAME_MAX + 1], buf[1 << 16];
	uint64_t off = 0;
	struct stat st;
	int tfd, same = 0;

	file_sweep(x);
	tmp_leaf(x, name, leaf, sizeof leaf);
	if ((size_t)snprintf(final, sizeof final, "%s%s", x->dirpath, name) >= sizeof final ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s%s", x->dirpath, leaf) >= sizeof tmp)
		return jerr_set(e, EX_USAGE, "%s%s: path too long", x->red, name);
	if (access(final, F_OK) == 0)
		goto exists;
	tfd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (tfd < 0) {
		x->retryable = errno != EACCES && errno != ENOENT && errno != ENOTDIR;
		return jerr_sys(e, errno == EACCES ? EX_NOPERM : EX_TEMPFAIL, "unable to create %s",
		    tmp);
	}
	x->size = size;
	x->gated = 0;
	x->gate_failed = 0;
	while (off < size) {
		size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
		ssize_t r;
		if (gate_check(x, off, &n) < 0) {
			jerr_set(e, x->gate_err.code ? x->gate_err.code : EX_DATAERR, "%s",
			    x->gate_err.msg);
			goto fail;
		}
		r = jio_pread_full(fd, buf, n, (off_t)off);
		if (r < 0 || (size_t)r != n) {
			if (r >= 0)
				errno = EIO;
			jerr_sys(e, EX_IOERR, "unable to read the source of %s", name);
			goto fail;
		}
		if (jio_write_all(tfd, buf, n) < 0) {
			x->retryable = 1;
			jerr_sys(e, EX_TEMPFAIL, "unable to write %s", tmp);
			goto fail;
		}
		off += n;
	}
	if (fsync(tfd) < 0) {
		x->retryable = 1;
		jerr_sys(e, EX_TEMPFAIL, "unable to sync %s", tmp);
		goto fail;
	}
	if (file_check(tfd, fd, size, tmp, e) < 0) {
		x->retryable = 1;
		goto fail;
	}
	close(tfd);
	if (jafile_publish(tmp, final, e) == 0) {
		if (stat(final, &st) < 0 || (uint64_t)st.st_size != size) {
			x->retryable = 1;
			return jerr_set(e, EX_TEMPFAIL, "%s does not have the %llu bytes just "
			    "published", final, (unsigned long long)size);
		}
		return 1;
	}
	if (e->code != EX_CANTCREAT) {
		x->retryable = 1;
		e->code = EX_TEMPFAIL;
		unlink(tmp);
		return -1;
	}
	unlink(tmp);
exists:
	if (same_content(fd, size, final, &same, e) < 0)
		return -1;
	if (!same)
		return jerr_set(e, EX_DATAERR, "%s%s exists with a different content: not replaced",
		    x->red, name);
	/* Found there is acknowledged like sent: durable first (a copy, a sender cut off). */
	if (sync_found(final) < 0) {
		x->retryable = 1;
		return jerr_sys(e, EX_TEMPFAIL, "unable to sync %s", final);
	}
	return 0;
fail:
	close(tfd);
	unlink(tmp);
	return -1;
}

/* ---- libcurl ---- */

static size_t
read_cb(char *buf, size_t sz, size_t nmemb, void *arg)
{
	struct jxfer *x = arg;
	size_t want = sz * nmemb;
	ssize_t r;

	if (x->off >= x->size)
		return 0;
	if (want > x->size - x->off)
		want = (size_t)(x->size - x->off);
	if (gate_check(x, x->off, &want) < 0)
		return CURL_READFUNC_ABORT;
	r = jio_pread_full(x->fd, buf, want, (off_t)x->off);
	if (r < 0 || (size_t)r != want) {
		/* Ending early would publish a short file on SFTP: abort instead. */
		x->rerr = r < 0 ? errno : EIO;
		return CURL_READFUNC_ABORT;
	}
	x->off += (uint64_t)r;
	return (size_t)r;
}

static size_t
discard_cb(char *buf, size_t sz, size_t nmemb, void *arg)
{
	(void)buf; (void)arg;
	return sz * nmemb;
}

static size_t
compare_cb(char *buf, size_t sz, size_t nmemb, void *arg)
{
	struct jxfer *x = arg;
	size_t n = sz * nmemb;
	char local[65536];
	size_t done = 0;

	while (done < n && !x->cdiff) {
		size_t k = n - done < sizeof local ? n - done : sizeof local;
		if (x->coff + k > x->size) {
			x->cdiff = 1;
			break;
		}
		if (jio_pread_full(x->fd, local, k, (off_t)x->coff) != (ssize_t)k ||
		    memcmp(local, buf + done, k) != 0)
			x->cdiff = 1;
		x->coff += k;
		done += k;
	}
	return n;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct jxfer *x = arg;
	double t = now_s() - x->pstart, pct;

	(void)dltotal; (void)dlnow;
	if (ultotal <= 0 || t < 0.5)
		return 0;
	pct = 100.0 * (double)ulnow / (double)ultotal;
	pthread_mutex_lock(&progress_lock);
	fprintf(stderr, "\r%.40s -> %.40s %5.1f%% %7.1f MB/s", x->pname, x->red, pct,
	    (double)ulnow / t / 1e6);
	x->pshown = 1;
	pthread_mutex_unlock(&progress_lock);
	return 0;
}

static int
hostkey_cb(CURL *h, const struct curl_khkey *known, const struct curl_khkey *found,
    enum curl_khmatch match, void *arg)
{
	struct jxfer *x = arg;
	(void)h; (void)known; (void)found;
	x->khstat = (int)match;
	return match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT;
}

static int
setup(struct jxfer *x, struct jerr *e)
{
	CURL *h;

	if (x->h) {
		curl_easy_reset(x->h);
		h = x->h;
	} else if (!(h = x->h = curl_easy_init())) {
		return jerr_set(e, EX_SOFTWARE, "unable to create a libcurl handle");
	}
	x->errbuf[0] = 0;
	x->khstat = -1;
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (x->trace) {
		curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
		curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
		curl_easy_setopt(h, CURLOPT_DEBUGDATA, x);
	}
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, x->connect_timeout);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, x->stall_time);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, x->stall_time);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "ftp,ftps,sftp,scp,http,https");
	curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, x->scheme == S_SFTP || x->scheme == S_SCP ? 512L << 10 : 2L << 20);
	if (x->limit_rate)
		curl_easy_setopt(h, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)x->limit_rate);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	if (x->scheme != S_SFTP && x->scheme != S_SCP)
		curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	if (x->netrc[0] && x->scheme != S_SFTP && x->scheme != S_SCP)
		curl_easy_setopt(h, CURLOPT_NETRC_FILE, x->netrc);
	if (x->cacert[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, x->cacert);
	if (x->tls)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (x->scheme == S_FTP)
		curl_easy_setopt(h, CURLOPT_FTP_CREATE_MISSING_DIRS, 0L);
	if (x->scheme == S_SFTP || x->scheme == S_SCP) {
		curl_easy_setopt(h, CURLOPT_SSH_AUTH_TYPES, (long)CURLSSH_AUTH_PUBLICKEY);
		curl_easy_setopt(h, CURLOPT_SSH_PRIVATE_KEYFILE, x->key);
		curl_easy_setopt(h, CURLOPT_SSH_PUBLIC_KEYFILE, x->pub);
		curl_easy_setopt(h, CURLOPT_SSH_KNOWNHOSTS, x->known);
		curl_easy_setopt(h, CURLOPT_SSH_KEYFUNCTION, hostkey_cb);
		curl_easy_setopt(h, CURLOPT_SSH_KEYDATA, x);
		curl_easy_setopt(h, CURLOPT_NEW_FILE_PERMS, 0640L);
	}
	return 0;
}

/*
 * libcurl 7.88 drives libssh2 in a loop that, between SFTP steps, asks to wait for the
 * socket to be readable and writable at once (or for nothing): poll returns at once and
 * the loop spins, about 200 empty reads per small file, which costs more CPU than the
 * transfer. perform() runs the transfer through a multi handle instead and, in those
 * cases only, waits for the socket to become readable, at most 1 ms; when libssh2 is
 * really blocked on sending, libcurl asks for writability alone and gets exactly that.
 */
static CURLcode
perform(struct jxfer *x)
{
	CURLcode rc = CURLE_OK;
	CURLMsg *msg;
	int running = 1, left;

	if (x->scheme != S_SFTP && x->scheme != S_SCP)
		return curl_easy_perform(x->h);
	if (!x->m && !(x->m = curl_multi_init()))
		return curl_easy_perform(x->h);
	if (curl_multi_add_handle(x->m, x->h) != CURLM_OK)
		return curl_easy_perform(x->h);
	while (running) {
		fd_set r, w, ex;
		int maxfd = -1;
		long tmo = -1;
		curl_socket_t sock = CURL_SOCKET_BAD;

		if (curl_multi_perform(x->m, &running) != CURLM_OK)
			break;
		if (!running)
			break;
		FD_ZERO(&r);
		FD_ZERO(&w);
		FD_ZERO(&ex);
		curl_multi_fdset(x->m, &r, &w, &ex, &maxfd);
		curl_multi_timeout(x->m, &tmo);
		if (tmo < 0 || tmo > 100)
			tmo = 100;
		curl_easy_getinfo(x->h, CURLINFO_ACTIVESOCKET, &sock);
		if (sock != CURL_SOCKET_BAD && (int)sock < FD_SETSIZE &&
		    (maxfd < 0 || (FD_ISSET(sock, &r) && FD_ISSET(sock, &w)))) {
			struct pollfd p = { sock, POLLIN, 0 };
			(void)poll(&p, 1, tmo < 1 ? (int)tmo : 1);
			continue;
		}
		{
			struct pollfd p[8];
			int n = 0;
			for (int fd = 0; fd <= maxfd && n < 8; fd++) {
				short ev = (short)((FD_ISSET(fd, &r) ? POLLIN : 0) |
				    (FD_ISSET(fd, &w) ? POLLOUT : 0));
				if (ev) {
					p[n].fd = fd;
					p[n].events = ev;
					p[n].revents = 0;
					n++;
				}
			}
			(void)poll(p, (nfds_t)n, (int)tmo);
		}
	}
	while ((msg = curl_multi_info_read(x->m, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == x->h)
			rc = msg->data.result;
	curl_multi_remove_handle(x->m, x->h);
	return rc;
}

/* Turn a libcurl failure into a message and a class. */
static int
fail(struct jxfer *x, CURLcode rc, const char *what, const char *name, struct jerr *e)
{
	const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	long resp = 0;
	char port[16] = "22";
	const char *hp;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &resp);
	x->retryable = 0;
	if (x->gate_failed)
		return jerr_set(e, x->gate_err.code ? x->gate_err.code : EX_DATAERR, "%s",
		    x->gate_err.msg);
	if (x->khstat == CURLKHMATCH_MISSING || x->khstat == CURLKHMATCH_MISMATCH) {
		hp = strstr(x->red, "://") + 3;
		const char *at = strchr(hp, '@'), *sl = strchr(hp, '/');
		if (at && at < sl)
			hp = at + 1;
		char host[256];
		snprintf(host, sizeof host, "%.*s", (int)(sl - hp), hp);
		char *c = strrchr(host, ':');
		if (c && !strchr(host, ']')) {
			snprintf(port, sizeof port, "%s", c + 1);
			*c = 0;
		}
		if (x->khstat == CURLKHMATCH_MISSING)
			return jerr_set(e, EX_NOPERM, "unable to %s %s to %s: host key not in %s; "
			    "after checking it, add it with: ssh-keyscan -t ed25519 -p %s %s >> %s",
			    what, name, x->red, x->known, port, host, x->known);
		return jerr_set(e, EX_NOPERM, "unable to %s %s to %s: host key CHANGED (does not "
		    "match %s): refused", what, name, x->red, x->known);
	}
	switch (rc) {
	case CURLE_LOGIN_DENIED:
	case CURLE_REMOTE_ACCESS_DENIED:
		return jerr_set(e, EX_NOPERM, "unable to %s %s to %s: %s", what, name, x->red, why);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return jerr_set(e, EX_NOPERM, "unable to %s %s to %s: %s (for a private CA, give "
		    "--cacert)", what, name, x->red, why);
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_READ_ERROR:
		if (x->rerr) {
			errno = x->rerr;
			return jerr_sys(e, EX_IOERR, "unable to read the source of %s", name);
		}
		break;
	case CURLE_HTTP_RETURNED_ERROR:
		if (resp == 401 || resp == 403)
			return jerr_set(e, EX_NOPERM, "unable to %s %s to %s: HTTP %ld", what, name,
			    x->red, resp);
		x->retryable = resp == 408 || resp == 429 || resp >= 500;
		return jerr_set(e, EX_TEMPFAIL, "unable to %s %s to %s: HTTP %ld", what, name,
		    x->red, resp);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
		return jerr_set(e, EX_USAGE, "%s: %s", x->red, why);
	case CURLE_QUOTE_ERROR:
	case CURLE_REMOTE_FILE_NOT_FOUND:
		break;
	case CURLE_UPLOAD_FAILED:
		x->retryable = resp == 0 || (resp >= 400 && resp < 500);
		break;
	default:
		x->retryable = 1;
	}
	return jerr_set(e, EX_TEMPFAIL, "unable to %s %s to %s: %s", what, name, x->red, why);
}

/* The URL of leaf (a final name or a temporary's) in the destination directory. */
static int
make_url(struct jxfer *x, char *buf, size_t size, const char *leaf)
{
	char *esc = curl_easy_escape(x->h, leaf, 0);
	int n;

	if (!esc)
		return -1;
	n = snprintf(buf, size, "%s%s", x->dirurl, esc);
	curl_free(esc);
	return (size_t)n < size ? 0 : -1;
}

static void
src_rewind(struct jxfer *x, int fd, uint64_t size, const char *name)
{
	x->fd = fd;
	x->size = size;
	x->off = 0;
	x->rerr = 0;
	x->gated = 0;
	x->gate_failed = 0;
	x->pname = name;
	x->pstart = now_s();
	x->pshown = 0;
}

static void
upload_opts(struct jxfer *x, const char *url)
{
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(x->h, CURLOPT_READDATA, x);
	curl_easy_setopt(x->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->size);
	if (x->progress && x->size >= (16u << 20)) {
		curl_easy_setopt(x->h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(x->h, CURLOPT_XFERINFOFUNCTION, progress_cb);
		curl_easy_setopt(x->h, CURLOPT_XFERINFODATA, x);
	}
}

static void
progress_end(struct jxfer *x)
{
	if (!x->pshown)
		return;
	pthread_mutex_lock(&progress_lock);
	fputs("\r\033[K", stderr);
	pthread_mutex_unlock(&progress_lock);
	x->pshown = 0;
}

/* Size of a remote file: 1 and *size, 0 if it does not exist, -1 error. */
static int
remote_size(struct jxfer *x, const char *name, uint64_t *size, struct jerr *e)
{
	char url[8192];
	curl_off_t len = -1;
	CURLcode rc;

	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, sizeof url, name) < 0)
		return jerr_set(e, EX_USAGE, "%s: URL too long", x->red);
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(x->h, CURLOPT_FAILONERROR, 1L);
	rc = perform(x);
	if (rc == CURLE_REMOTE_FILE_NOT_FOUND)
		return 0;
	if (rc == CURLE_HTTP_RETURNED_ERROR) {
		long resp = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &resp);
		if (resp == 404)
			return 0;
	}
	if (rc == CURLE_FTP_COULDNT_RETR_FILE)
		return 0;
	if (rc != CURLE_OK)
		return fail(x, rc, "check", name, e);
	curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (len < 0)
		return jerr_set(e, EX_TEMPFAIL, "unable to check %s at %s: no size", name, x->red);
	*size = (uint64_t)len;
	return 1;
}

static int
exists_same_size(struct jxfer *x, uint64_t size, const char *name, struct jerr *e)
{
	uint64_t have;
	int r = remote_size(x, name, &have, e);

	if (r <= 0)
		return r;
	if (have != size)
		return jerr_set(e, EX_DATAERR, "%s%s exists with a different size (%llu, not %llu): "
		    "not replaced", x->red, name, (unsigned long long)have,
		    (unsigned long long)size);
	return 1;
}

/*
 * Remote publishing, the same four steps for ftp, sftp and http: upload to a temporary of
 * this process, check it (its size, then its last bytes, which carry the trailer and the
 * digest, against the source where the server serves byte ranges), rename it, and check the
 * final name's size. Nothing unchecked is ever renamed into place.
 */

/* One request with quote commands run after it (on leaf, which must exist). */
static int
remote_quote(struct jxfer *x, const char *leaf, const char *c1, const char *c2, CURLcode *rcp,
    struct jerr *e)
{
	char url[8192];
	struct curl_slist *q = NULL;

	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, sizeof url, leaf) < 0)
		return jerr_set(e, EX_USAGE, "%s: URL too long", x->red);
	q = curl_slist_append(q, c1);
	if (c2)
		q = curl_slist_append(q, c2);
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(x->h, CURLOPT_POSTQUOTE, q);
	*rcp = perform(x);
	curl_easy_setopt(x->h, CURLOPT_POSTQUOTE, NULL);
	curl_slist_free_all(q);
	return 0;
}

static int
sftp_quote(char *buf, size_t size, const char *cmd, const char *a, const char *b)
{
	/* Paths are quoted for libcurl's quote parser; a '"' in a path is not supported. */
	if (strchr(a, '"') || (b && strchr(b, '"')))
		return -1;
	if (b)
		return (size_t)snprintf(buf, size, "%s \"%s\" \"%s\"", cmd, a, b) < size ? 0 : -1;
	return (size_t)snprintf(buf, size, "%s \"%s\"", cmd, a) < size ? 0 : -1;
}

/* Remove a temporary of ours, best effort (a later run's sweep gets what this misses). */
static void
remote_remove(struct jxfer *x, const char *leaf)
{
	char cmd[PATH_MAX + 64], path[PATH_MAX], url[8192];
	struct jerr ignore;
	CURLcode rc;

	if (x->scheme == S_FTP) {
		snprintf(cmd, sizeof cmd, "DELE %s", leaf);
		(void)remote_quote(x, leaf, cmd, NULL, &rc, &ignore);
	} else if (x->scheme == S_SFTP) {
		if ((size_t)snprintf(path, sizeof path, "%s%s", x->dirpath, leaf) < sizeof path &&
		    sftp_quote(cmd, sizeof cmd, "rm", path, NULL) == 0)
			(void)remote_quote(x, leaf, cmd, NULL, &rc, &ignore);
	} else if (x->scheme == S_HTTP && setup(x, &ignore) == 0 &&
	    make_url(x, url, sizeof url, leaf) == 0) {
		curl_easy_setopt(x->h, CURLOPT_URL, url);
		curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, "DELETE");
		(void)perform(x);
	}
}

struct listing {
	char  *p;
	size_t n, cap;
};

static size_t
listing_cb(char *buf, size_t sz, size_t nmemb, void *arg)
{
	struct listing *l = arg;
	size_t n = sz * nmemb;
	char *t;

	if (l->n + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 65536;
		while (cap < l->n + n + 1)
			cap *= 2;
		if (cap > (64u << 20) || !(t = realloc(l->p, cap)))
			return 0;         /* a listing that large is not swept: abort it */
		l->p = t;
		l->cap = cap;
	}
	memcpy(l->p + l->n, buf, n);
	l->n += n;
	l->p[l->n] = 0;
	return n;
}

/* Remove the stale temporaries of the destination directory (ftp, sftp), once per run:
 * those of this host whose process is gone (the listing gives no reliable age). */
static void
remote_sweep(struct jxfer *x)
{
	struct listing l = { NULL, 0, 0 };
	struct jerr ignore;
	char *line, *save = NULL;
	CURLcode rc;

	if (x->swept || (x->scheme != S_FTP && x->scheme != S_SFTP))
		return;
	x->swept = 1;
	if (setup(x, &ignore) < 0)
		return;
	curl_easy_setopt(x->h, CURLOPT_URL, x->dirurl);
	curl_easy_setopt(x->h, CURLOPT_DIRLISTONLY, 1L);
	if (x->scheme == S_FTP)           /* vsftpd hides dot files from a plain NLST */
		curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, "NLST -a");
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, listing_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, &l);
	rc = perform(x);
	if (rc == CURLE_OK && l.p)
		for (line = strtok_r(l.p, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
			if (!strchr(line, '/') && jxfer_tmpstale(line, x->host, 0, 0))
				remote_remove(x, line);
	free(l.p);
}

/* Do the last bytes of leaf (at most 80: the trailer with the digest) match the source?
 * 0 yes, or the server does not serve byte ranges (the size check then stands alone). */
static int
tail_matches(struct jxfer *x, int fd, uint64_t size, const char *leaf, const char *name,
    struct jerr *e)
{
	char url[8192], range[64];
	uint64_t start = size > 80 ? size - 80 : 0;
	long resp = 0;
	CURLcode rc;

	if (size == 0)
		return 0;
	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, sizeof url, leaf) < 0)
		return jerr_set(e, EX_USAGE, "%s: URL too long", x->red);
	snprintf(range, sizeof range, "%llu-%llu", (unsigned long long)start,
	    (unsigned long long)(size - 1));
	x->fd = fd;
	x->size = size;
	x->coff = start;
	x->cdiff = 0;
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_RANGE, range);
	curl_easy_setopt(x->h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, compare_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	rc = perform(x);
	if (rc == CURLE_RANGE_ERROR)
		return 0;
	if (rc != CURLE_OK)
		return fail(x, rc, "check", name, e);
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &resp);
	if (x->scheme == S_HTTP && resp != 206)
		return 0;
	if (x->cdiff || x->coff != size) {
		x->retryable = 1;
		return jerr_set(e, EX_TEMPFAIL, "unable to upload %s to %s: the end of its temporary "
		    "%s differs from the source", name, x->red, leaf);
	}
	return 0;
}

/* Is leaf exactly what was sent: size, then trailer? Before a rename, and the size after. */
static int
verify_remote(struct jxfer *x, int fd, uint64_t size, const char *leaf, const char *name,
    int tail, struct jerr *e)
{
	uint64_t have = 0;
	int r = remote_size(x, leaf, &have, e);

	if (r < 0)
		return -1;
	if (r == 0 || have != size) {
		x->retryable = 1;
		if (r == 0)
			return jerr_set(e, EX_TEMPFAIL, "unable to publish %s at %s: %s is gone", name,
			    x->red, leaf);
		return jerr_set(e, EX_TEMPFAIL, "unable to publish %s at %s: %s has %llu bytes, "
		    "not %llu", name, x->red, leaf, (unsigned long long)have,
		    (unsigned long long)size);
	}
	return tail ? tail_matches(x, fd, size, leaf, name, e) : 0;
}

/* Upload the source to leaf. */
static int
upload(struct jxfer *x, int fd, uint64_t size, const char *leaf, const char *name,
    struct jerr *e)
{
	char url[8192];
	struct curl_slist *hl = NULL;
	CURLcode rc;

	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, sizeof url, leaf) < 0)
		return jerr_set(e, EX_USAGE, "%s: URL too long", x->red);
	src_rewind(x, fd, size, name);
	upload_opts(x, url);
	if (x->scheme == S_HTTP) {
		hl = curl_slist_append(hl, "Expect:");
		curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(x->h, CURLOPT_FAILONERROR, 1L);
	}
	rc = perform(x);
	progress_end(x);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK)
		return fail(x, rc, "upload", name, e);
	if (x->scheme == S_SFTP) {
		/* libcurl's read loop plus read_cb's abort enforce the size; say so if not */
		curl_off_t up = 0;
		curl_easy_getinfo(x->h, CURLINFO_SIZE_UPLOAD_T, &up);
		if ((uint64_t)up != size)
			return jerr_set(e, EX_SOFTWARE, "%s: uploaded %lld bytes of %llu",
			    name, (long long)up, (unsigned long long)size);
	}
	return 0;
}

/* The temporary is checked; the final name is now checked by size after the rename. */
static int
published(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	if (verify_remote(x, fd, size, name, name, 0, e) < 0)
		return -1;
	return 1;
}

static int
ftp_put(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	char leaf[NAME_MAX + 1], rnfr[NAME_MAX + 16], rnto[NAME_MAX + 16];
	CURLcode rc;
	int r;

	/* vsftpd's RNTO replaces an existing file: look first. */
	if ((r = exists_same_size(x, size, name, e)) != 0)
		return r > 0 ? 0 : -1;
	remote_sweep(x);
	tmp_leaf(x, name, leaf, sizeof leaf);
	if (upload(x, fd, size, leaf, name, e) < 0)
		return -1;
	if (verify_remote(x, fd, size, leaf, name, 1, e) < 0) {
		remote_remove(x, leaf);
		return -1;
	}
	snprintf(rnfr, sizeof rnfr, "RNFR %s", leaf);
	snprintf(rnto, sizeof rnto, "RNTO %s", name);
	if (remote_quote(x, leaf, rnfr, rnto, &rc, e) < 0)
		return -1;
	if (rc != CURLE_OK) {
		int f = fail(x, rc, "rename", name, e);
		remote_remove(x, leaf);
		return f;
	}
	return published(x, fd, size, name, e);
}

static int
sftp_put(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	char leaf[NAME_MAX + 1], from[PATH_MAX], to[PATH_MAX], cmd[2 * PATH_MAX + 32];
	CURLcode rc;
	int r;

	remote_sweep(x);
	tmp_leaf(x, name, leaf, sizeof leaf);
	if ((size_t)snprintf(from, sizeof from, "%s%s", x->dirpath, leaf) >= sizeof from ||
	    (size_t)snprintf(to, sizeof to, "%s%s", x->dirpath, name) >= sizeof to ||
	    sftp_quote(cmd, sizeof cmd, "rename", from, to) < 0)
		return jerr_set(e, EX_USAGE, "%s%s: path too long or not quotable", x->red, name);
	if (upload(x, fd, size, leaf, name, e) < 0)
		return -1;
	if (verify_remote(x, fd, size, leaf, name, 1, e) < 0) {
		remote_remove(x, leaf);
		return -1;
	}
	if (remote_quote(x, leaf, cmd, NULL, &rc, e) < 0)
		return -1;
	if (rc == CURLE_OK)
		return published(x, fd, size, name, e);
	if (rc != CURLE_QUOTE_ERROR)
		return fail(x, rc, "rename", name, e);
	/* OpenSSH refuses to rename onto an existing file: compare, then drop the temporary. */
	r = exists_same_size(x, size, name, e);
	if (r == 0)
		return fail(x, rc, "rename", name, e);
	remote_remove(x, leaf);
	return r > 0 ? 0 : -1;
}

static int
scp_put(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	char url[8192];
	CURLcode rc;

	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, sizeof url, name) < 0)
		return jerr_set(e, EX_USAGE, "%s: URL too long", x->red);
	src_rewind(x, fd, size, name);
	upload_opts(x, url);
	rc = perform(x);
	progress_end(x);
	if (rc != CURLE_OK)
		return fail(x, rc, "upload", name, e);
	return 1;
}

static int
http_put(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	char leaf[NAME_MAX + 1], url[8192], dest[8192], hdr[8300];
	struct curl_slist *hl = NULL;
	CURLcode rc;
	long resp = 0;

	tmp_leaf(x, name, leaf, sizeof leaf);
	if (upload(x, fd, size, leaf, name, e) < 0)
		return -1;
	if (verify_remote(x, fd, size, leaf, name, 1, e) < 0) {
		remote_remove(x, leaf);
		return -1;
	}
	/* MOVE the temporary to NAME, never over an existing NAME. Destination must spell the
	 * host exactly as the request did, and carries no credentials. */
	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, sizeof url, leaf) < 0 || make_url(x, dest, sizeof dest, name) < 0)
		return jerr_set(e, EX_USAGE, "%s: URL too long", x->red);
	{
		char clean[8192];
		jxfer_redact(dest, clean, sizeof clean);
		snprintf(hdr, sizeof hdr, "Destination: %s", clean);
	}
	hl = curl_slist_append(NULL, hdr);
	hl = curl_slist_append(hl, "Overwrite: F");
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, "MOVE");
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hl);
	rc = perform(x);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK)
		return fail(x, rc, "move", name, e);
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &resp);
	if (resp >= 200 && resp < 300)
		return published(x, fd, size, name, e);
	if (resp != 412)
		return fail(x, CURLE_HTTP_RETURNED_ERROR, "move", name, e);

	/* NAME exists: fetch it and compare byte for byte, then drop the temporary. */
	if (setup(x, e) < 0)
		return -1;
	x->fd = fd;
	x->size = size;
	x->coff = 0;
	x->cdiff = 0;
	curl_easy_setopt(x->h, CURLOPT_URL, dest);
	curl_easy_setopt(x->h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, compare_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	rc = perform(x);
	if (rc != CURLE_OK)
		return fail(x, rc, "compare", name, e);
	{
		int same = !x->cdiff && x->coff == size;
		remote_remove(x, leaf);
		if (!same)
			return jerr_set(e, EX_DATAERR, "%s%s exists with a different content: not "
			    "replaced", x->red, name);
	}
	return 0;
}

int
jxfer_put(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	x->retryable = 0;
	name = jxfer_target(x, name);
	if (!*name || *name == '.' || strchr(name, '/'))
		return jerr_set(e, EX_USAGE, "%s: bad target name", name);
	switch (x->scheme) {
	case S_FILE: return file_put(x, fd, size, name, e);
	case S_FTP:  return ftp_put(x, fd, size, name, e);
	case S_SFTP: return sftp_put(x, fd, size, name, e);
	case S_SCP:  return scp_put(x, fd, size, name, e);
	default:     return http_put(x, fd, size, name, e);
	}
}
