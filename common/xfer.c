/*
 * xfer: one destination, one reused connection, one publishing strategy per scheme.
 *
 * Guarantees: nothing is ever written under a file's final name except by a rename of a
 * complete temporary (file, ftp, sftp, http); an existing final name is never replaced
 * (vsftpd's RNTO would replace it, so SIZE is asked first; OpenSSH's rename and WebDAV's
 * MOVE with Overwrite: F refuse by themselves, and file:// uses a no-replace rename); an
 * upload whose source ends early is aborted rather than completed short. scp:// is the
 * exception: it writes the final name in place (man/jship.1 says what the receiver relies
 * on there). No credential is ever put into a message: messages use the redacted URL.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	int       khstat;         /* last host key check: CURLKHMATCH_* or -1 */
	long      connect_timeout, stall_time;
	uint64_t  limit_rate;
	int       progress, verbose;
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
	x->verbose = o ? o->verbose : 0;
	if (o && o->netrc) {
		if (copy_opt(x->netrc, sizeof x->netrc, o->netrc) < 0)
			goto toolong;
	} else {
		(void)home_file(x->netrc, sizeof x->netrc, ".netrc");
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
	char final[PATH_MAX], tmp[PATH_MAX], buf[1 << 16];
	uint64_t off = 0;
	int tfd, same = 0;

	if ((size_t)snprintf(final, sizeof final, "%s%s", x->dirpath, name) >= sizeof final ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s.%s.part", x->dirpath, name) >= sizeof tmp)
		return jerr_set(e, EX_USAGE, "%s%s: path too long", x->red, name);
	if (access(final, F_OK) == 0)
		goto exists;
	tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
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
	close(tfd);
	if (jafile_publish(tmp, final, e) == 0)
		return 1;
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
	curl_easy_setopt(h, CURLOPT_VERBOSE, (long)x->verbose);
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

static int
make_url(struct jxfer *x, char *buf, size_t size, const char *name, int part)
{
	char *esc = curl_easy_escape(x->h, name, 0);
	int n;

	if (!esc)
		return -1;
	n = snprintf(buf, size, "%s%s%s%s", x->dirurl, part ? "." : "", esc, part ? ".part" : "");
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
remote_size(struct jxfer *x, const char *name, int part, uint64_t *size, struct jerr *e)
{
	char url[8192];
	curl_off_t len = -1;
	CURLcode rc;

	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, sizeof url, name, part) < 0)
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
	int r = remote_size(x, name, 0, &have, e);

	if (r <= 0)
		return r;
	if (have != size)
		return jerr_set(e, EX_DATAERR, "%s%s exists with a different size (%llu, not %llu): "
		    "not replaced", x->red, name, (unsigned long long)have,
		    (unsigned long long)size);
	return 1;
}

static int
ftp_put(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	char url[8192], rnfr[2048], rnto[2048];
	struct curl_slist *q = NULL;
	CURLcode rc;
	int r;

	/* vsftpd's RNTO replaces an existing file: look first. */
	if ((r = exists_same_size(x, size, name, e)) != 0)
		return r > 0 ? 0 : -1;
	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, sizeof url, name, 1) < 0)
		return jerr_set(e, EX_USAGE, "%s: URL too long", x->red);
	snprintf(rnfr, sizeof rnfr, "RNFR .%s.part", name);
	snprintf(rnto, sizeof rnto, "RNTO %s", name);
	q = curl_slist_append(q, rnfr);
	q = curl_slist_append(q, rnto);
	src_rewind(x, fd, size, name);
	upload_opts(x, url);
	curl_easy_setopt(x->h, CURLOPT_POSTQUOTE, q);
	rc = perform(x);
	progress_end(x);
	curl_easy_setopt(x->h, CURLOPT_POSTQUOTE, NULL);
	curl_slist_free_all(q);
	if (rc != CURLE_OK)
		return fail(x, rc, "upload", name, e);
	return 1;
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

static int
sftp_put(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	char url[8192], from[PATH_MAX], to[PATH_MAX], cmd[2 * PATH_MAX + 32];
	struct curl_slist *q = NULL;
	CURLcode rc;
	int r;

	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, sizeof url, name, 1) < 0 ||
	    (size_t)snprintf(from, sizeof from, "%s.%s.part", x->dirpath, name) >= sizeof from ||
	    (size_t)snprintf(to, sizeof to, "%s%s", x->dirpath, name) >= sizeof to ||
	    sftp_quote(cmd, sizeof cmd, "rename", from, to) < 0)
		return jerr_set(e, EX_USAGE, "%s%s: path too long or not quotable", x->red, name);
	q = curl_slist_append(q, cmd);
	src_rewind(x, fd, size, name);
	upload_opts(x, url);
	/* libcurl's read loop plus read_cb's abort enforce the size: a transfer that succeeds
	 * has written exactly size bytes, so the rename may follow in the same request. */
	curl_easy_setopt(x->h, CURLOPT_POSTQUOTE, q);
	rc = perform(x);
	progress_end(x);
	curl_easy_setopt(x->h, CURLOPT_POSTQUOTE, NULL);
	curl_slist_free_all(q);
	if (rc == CURLE_OK) {
		curl_off_t up = 0;
		curl_easy_getinfo(x->h, CURLINFO_SIZE_UPLOAD_T, &up);
		if ((uint64_t)up != size)
			return jerr_set(e, EX_SOFTWARE, "%s: uploaded %lld bytes of %llu",
			    name, (long long)up, (unsigned long long)size);
		return 1;
	}
	if (rc != CURLE_QUOTE_ERROR)
		return fail(x, rc, "upload", name, e);
	/* OpenSSH refuses to rename onto an existing file: compare, then drop the temporary. */
	r = exists_same_size(x, size, name, e);
	if (r == 0)
		return fail(x, rc, "rename", name, e);
	if (setup(x, e) == 0 && sftp_quote(cmd, sizeof cmd, "rm", from, NULL) == 0) {
		struct jerr ignore;
		char dir[8192];
		snprintf(dir, sizeof dir, "%s", url);
		q = curl_slist_append(NULL, cmd);
		curl_easy_setopt(x->h, CURLOPT_URL, dir);
		curl_easy_setopt(x->h, CURLOPT_NOBODY, 1L);
		curl_easy_setopt(x->h, CURLOPT_POSTQUOTE, q);
		(void)perform(x);
		curl_easy_setopt(x->h, CURLOPT_POSTQUOTE, NULL);
		curl_slist_free_all(q);
		(void)ignore;
	}
	return r > 0 ? 0 : -1;
}

static int
scp_put(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	char url[8192];
	CURLcode rc;

	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, sizeof url, name, 0) < 0)
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
	char url[8192], dest[8192], hdr[8300];
	struct curl_slist *hl = NULL;
	CURLcode rc;
	long resp = 0;

	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, sizeof url, name, 1) < 0 || make_url(x, dest, sizeof dest, name, 0) < 0)
		return jerr_set(e, EX_USAGE, "%s: URL too long", x->red);
	hl = curl_slist_append(hl, "Expect:");
	src_rewind(x, fd, size, name);
	upload_opts(x, url);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(x->h, CURLOPT_FAILONERROR, 1L);
	rc = perform(x);
	progress_end(x);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK)
		return fail(x, rc, "upload", name, e);

	/* MOVE .NAME.part to NAME, never over an existing NAME. Destination must spell the
	 * host exactly as the request did, and carries no credentials. */
	if (setup(x, e) < 0)
		return -1;
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
		return 1;
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
		if (setup(x, e) == 0) {
			curl_easy_setopt(x->h, CURLOPT_URL, url);
			curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, "DELETE");
			(void)perform(x);
		}
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
