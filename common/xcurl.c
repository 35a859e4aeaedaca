/*
 * xcurl: one destination, one reused libcurl handle, one publishing strategy per scheme.
 *
 * Guarantees: nothing is ever written under a file's final name except by a rename of a
 * temporary of this process (jpart) that MUST first have been checked as complete (its size,
 * and its last bytes read back where the server serves ranges), so that two senders never
 * share one temporary and a file with holes is never published (ftp, sftp, http); an
 * existing final name is never replaced: no server is trusted to refuse (vsftpd's RNTO and
 * rclone's SFTP rename replace), so every scheme MUST look first (size, then the last
 * bytes), and the final name is checked the same way after the rename; an upload whose
 * source ends early is aborted rather than completed short. After a failed FTP request no
 * reply of that connection is trusted again (a new one is opened); an HTTP 401 to Basic
 * makes libcurl negotiate the scheme for the rest of the run. scp:// is the
 * exception: it writes the final name in place (man/jship.1 says what the receiver relies
 * on there). No credential is ever put into a message (the redacted URL) or a trace line
 * (jcred_scrub). Nothing here prints: progress and trace go to the caller's callbacks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "clock.h"
#include "io.h"
#include "part.h"
#include "xcurl.h"

struct jxcurl {
	const struct jurl  *u;
	const struct jcred *c;
	const char *host;           /* this host, as temporaries name it */
	CURL       *h;
	CURLM      *m;              /* SFTP/SCP: driven by perform() */
	char        errbuf[CURL_ERROR_SIZE];
	int         retryable;
	int         swept;          /* stale temporaries looked for at this destination */
	int         hostkey;        /* last host key check: CURLKHMATCH_* or -1 */
	int         fresh;          /* FTP: a request failed, the next one opens a new connection */
	int         anyauth;        /* HTTP: the server refused Basic once: libcurl negotiates */
	int         mkdir;          /* create a missing destination directory */
	int         made_dir;       /* HTTP: MKCOL done for this destination */
	int         failonerror;    /* HTTP: this request fails on a status >= 400 */
	int         want_range;     /* HTTP: the answer must be 206, or it is not read */
	int         no_range;       /* HTTP: the server sent the whole file instead */
	long        connect_timeout, stall_time;
	uint64_t    limit_rate;
	void      (*trace)(void *, const char *);
	void       *trace_arg;
	void      (*progress)(void *, const struct jxfer_progress *);
	void       *progress_arg;
	/* upload source */
	int         fd;
	uint64_t    size, off;
	int         read_errno;     /* errno of a failed or short read */
	struct jgate *gate;
	/* compare sink: bytes read back against the source from cmp_off */
	uint64_t    cmp_off, cmp_start;
	int         cmp_differs;
	int         cmp_stop;       /* stop reading at the first difference (a failed write) */
	/* SFTP: a command the next read of the last bytes runs first (the rename whose result
	 * it checks), and that request's result if the command failed or it is unknown */
	const char *first;
	CURLcode    first_rc;
	/* progress */
	const char *pname;
	double      pstart;
	/* jxcurl_request */
	struct jxcurl_req *req;
	uint64_t    ptotal;
};

static struct jgate no_gate;        /* fn NULL: nothing held (remote_size, sweeps) */

int
jxcurl_global_init(struct jerr *e)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return jerr_set(e, EX_SOFTWARE, "unable to initialise libcurl");
	return 0;
}

int
jxcurl_open(const struct jurl *u, const struct jcred *c, const char *host,
    const struct jxfer_opts *o, struct jxcurl **xp, struct jerr *e)
{
	struct jxcurl *x = calloc(1, sizeof *x);

	if (!x)
		return jerr_sys(e, EX_OSERR, "out of memory");
	x->u = u;
	x->c = c;
	x->host = host;
	x->hostkey = -1;
	x->fd = -1;
	x->gate = &no_gate;
	x->connect_timeout = o && o->connect_timeout > 0 ? o->connect_timeout : 15;
	x->stall_time = o && o->stall_time > 0 ? o->stall_time : 30;
	x->limit_rate = o ? o->limit_rate : 0;
	x->mkdir = o ? o->mkdir : 0;
	x->trace = o ? o->trace : NULL;
	x->trace_arg = o ? o->trace_arg : NULL;
	x->progress = o ? o->progress : NULL;
	x->progress_arg = o ? o->progress_arg : NULL;
	*xp = x;
	return 0;
}

int
jxcurl_retryable(const struct jxcurl *x)
{
	return x->retryable;
}

void
jxcurl_close(struct jxcurl *x)
{
	if (!x)
		return;
	if (x->h)
		curl_easy_cleanup(x->h);
	if (x->m)
		curl_multi_cleanup(x->m);
	free(x);
}

static int
debug_cb(CURL *h, curl_infotype type, char *data, size_t len, void *arg)
{
	struct jxcurl *x = arg;
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
			jcred_scrub(line, clean, sizeof clean);
			snprintf(out, sizeof out, "%s%s", mark, clean);
			x->trace(x->trace_arg, out);
		}
		n += n < len;     /* the newline */
		data += n;
		len -= n;
	}
	return 0;
}

/* ---- libcurl ---- */

static size_t
read_cb(char *buf, size_t sz, size_t nmemb, void *arg)
{
	struct jxcurl *x = arg;
	size_t want = sz * nmemb;
	ssize_t r;

	if (x->off >= x->size)
		return 0;
	if (want > x->size - x->off)
		want = (size_t)(x->size - x->off);
	if (jgate_check(x->gate, x->off, &want) < 0)
		return CURL_READFUNC_ABORT;
	r = jio_pread_full(x->fd, buf, want, (off_t)x->off);
	if (r < 0 || (size_t)r != want) {
		/* Ending early would publish a short file on SFTP: abort instead. */
		x->read_errno = r < 0 ? errno : EIO;
		return CURL_READFUNC_ABORT;
	}
	x->off += (uint64_t)r;
	return (size_t)r;
}

/* libcurl rewinds an upload to send it again (authentication negotiated on the way). */
static int
seek_cb(void *arg, curl_off_t off, int origin)
{
	struct jxcurl *x = arg;

	if (origin != SEEK_SET || off < 0 || (uint64_t)off > x->size)
		return CURL_SEEKFUNC_CANTSEEK;
	x->off = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
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
	struct jxcurl *x = arg;
	size_t n = sz * nmemb;
	char local[65536];
	size_t done = 0;

	if (x->want_range) {
		long resp = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &resp);
		if (resp != 206) {      /* no byte ranges: do not fetch the whole file */
			x->no_range = 1;
			return 0;
		}
	}
	while (done < n && !x->cmp_differs) {
		size_t k = n - done < sizeof local ? n - done : sizeof local;
		if (x->cmp_off + k > x->size) {
			x->cmp_differs = 1;
			break;
		}
		if (jio_pread_full(x->fd, local, k, (off_t)x->cmp_off) != (ssize_t)k ||
		    memcmp(local, buf + done, k) != 0)
			x->cmp_differs = 1;
		x->cmp_off += k;
		done += k;
	}
	return x->cmp_differs && x->cmp_stop ? 0 : n;
}

static void
progress_report(struct jxcurl *x, uint64_t done, int end)
{
	struct jxfer_progress p = { x->pname, x->u->redacted, done, x->size,
	    jclock_mono() - x->pstart, end };

	x->progress(x->progress_arg, &p);
}

static int
progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal; (void)dlnow; (void)ultotal;
	progress_report(arg, ulnow > 0 ? (uint64_t)ulnow : 0, 0);
	return 0;
}

static int
hostkey_cb(CURL *h, const struct curl_khkey *known, const struct curl_khkey *found,
    enum curl_khmatch match, void *arg)
{
	struct jxcurl *x = arg;
	(void)h; (void)known; (void)found;
	x->hostkey = (int)match;
	return match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT;
}

static int
setup(struct jxcurl *x, struct jerr *e)
{
	CURL *h;

	if (x->h && x->fresh) {
		/* the multi handle keeps the connections: it goes too, or one would be reused */
		curl_easy_cleanup(x->h);
		x->h = NULL;
		if (x->m)
			curl_multi_cleanup(x->m);
		x->m = NULL;
	}
	x->fresh = 0;
	x->failonerror = 0;
	x->want_range = 0;
	if (x->h) {
		curl_easy_reset(x->h);
		h = x->h;
	} else if (!(h = x->h = curl_easy_init())) {
		return jerr_set(e, EX_SOFTWARE, "unable to create a libcurl handle");
	}
	x->errbuf[0] = 0;
	x->hostkey = -1;
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
	curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, x->u->scheme == JURL_SFTP || x->u->scheme == JURL_SCP ? 512L << 10 : 2L << 20);
	if (x->limit_rate)
		curl_easy_setopt(h, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)x->limit_rate);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	if (x->u->scheme != JURL_SFTP && x->u->scheme != JURL_SCP)
		curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	if (x->c->netrc[0] && x->u->scheme != JURL_SFTP && x->u->scheme != JURL_SCP)
		curl_easy_setopt(h, CURLOPT_NETRC_FILE, x->c->netrc);
	if (x->c->cacert[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, x->c->cacert);
	if (x->u->tls)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (x->u->scheme == JURL_FTP || x->u->scheme == JURL_SFTP)
		curl_easy_setopt(h, CURLOPT_FTP_CREATE_MISSING_DIRS, x->mkdir ?
		    (long)CURLFTP_CREATE_DIR_RETRY : (long)CURLFTP_CREATE_DIR_NONE);
	if (x->u->scheme == JURL_HTTP)
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, x->anyauth ? CURLAUTH_ANY : CURLAUTH_BASIC);
	if (x->u->scheme == JURL_SFTP || x->u->scheme == JURL_SCP) {
		curl_easy_setopt(h, CURLOPT_SSH_AUTH_TYPES, (long)CURLSSH_AUTH_PUBLICKEY);
		curl_easy_setopt(h, CURLOPT_SSH_PRIVATE_KEYFILE, x->c->key);
		curl_easy_setopt(h, CURLOPT_SSH_PUBLIC_KEYFILE, x->c->pub);
		curl_easy_setopt(h, CURLOPT_SSH_KNOWNHOSTS, x->c->known_hosts);
		curl_easy_setopt(h, CURLOPT_SSH_KEYFUNCTION, hostkey_cb);
		curl_easy_setopt(h, CURLOPT_SSH_KEYDATA, x);
		curl_easy_setopt(h, CURLOPT_NEW_FILE_PERMS, 0640L);
		/* libcurl 7.88 ends every SFTP transfer (the close, a rename) in a loop that
		 * waits for the socket as long as the transfer's time limit allows: with no
		 * limit that is 0 ms, and it spins (some 200 empty polls per small file,
		 * taking the CPU the server needs). A limit of 24 days makes it wait; stalls
		 * are still caught by the low-speed limit above. */
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)INT32_MAX);
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
 * FTP goes the same way: while its data connection is being set up libcurl 7.88 may give
 * no socket to wait on, and curl_easy_perform then sleeps its full second (measured: one
 * request in five on loopback); here that wait is 1 ms.
 */
static CURLcode
perform_once(struct jxcurl *x)
{
	CURLcode rc = CURLE_OK;
	CURLMsg *msg;
	int running = 1, left, ssh = x->u->scheme == JURL_SFTP || x->u->scheme == JURL_SCP;

	if (!ssh && x->u->scheme != JURL_FTP)
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
		if (maxfd < 0 || (ssh && sock != CURL_SOCKET_BAD && (int)sock < FD_SETSIZE &&
		    FD_ISSET(sock, &r) && FD_ISSET(sock, &w))) {
			struct pollfd p = { sock, POLLIN, 0 };
			(void)poll(&p, sock != CURL_SOCKET_BAD, tmo < 1 ? (int)tmo : 1);
			continue;
		}
		{
			struct pollfd p[8];
			int n = 0;
			int out = 0;
			for (int fd = 0; fd <= maxfd && n < 8; fd++) {
				short ev = (short)((FD_ISSET(fd, &r) ? POLLIN : 0) |
				    (FD_ISSET(fd, &w) ? POLLOUT : 0));
				if (ev) {
					p[n].fd = fd;
					p[n].events = ev;
					p[n].revents = 0;
					out |= ev & POLLOUT;
					n++;
				}
			}
			/* FTP over TLS: while libcurl waits for a data connection's handshake
			 * (which the server answers only once it has the transfer command) it
			 * watches that connection alone, not the control connection, whose reply
			 * to SIZE or REST then waits for the timeout: 100 ms a command. When
			 * nothing is being sent, look again within 1 ms. */
			if (x->u->scheme == JURL_FTP && !out && tmo > 1)
				tmo = 1;
			(void)poll(p, (nfds_t)n, (int)tmo);
		}
	}
	while ((msg = curl_multi_info_read(x->m, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == x->h)
			rc = msg->data.result;
	curl_multi_remove_handle(x->m, x->h);
	return rc;
}

/*
 * One request. After a failed FTP request the control connection may be out of step (a
 * server that reset a data connection answers the next command with a stale reply), so
 * the next request starts a new one, unless the server refused it in turn (ftp_in_step). An
 * HTTP server that refuses Basic (401) gets the request again with libcurl negotiating the
 * scheme (Digest, ...) as curl --anyauth does, and keeps that for the later requests.
 */
static CURLcode
http_perform(struct jxcurl *x, long *resp)
{
	CURLcode rc = perform_once(x);

	*resp = 0;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, resp);
	if (rc == CURLE_OK && x->failonerror && *resp >= 400)
		rc = CURLE_HTTP_RETURNED_ERROR;
	return rc;
}

/* After an FTP request that ended so, is the control connection still in step? Yes after
 * success and after a refusal the server answered in turn (550 to SIZE or RETR, a 5xx to
 * a listing such as pure-ftpd's to NLST -a in an empty directory, a refused quote command
 * or CWD); not after a failed data connection, a timeout or anything else, whose replies
 * may still be on their way. A new connection costs a login, which some servers make slow
 * on purpose (pure-ftpd: 3 s). */
static int
ftp_in_step(CURLcode rc)
{
	return rc == CURLE_OK || rc == CURLE_REMOTE_FILE_NOT_FOUND ||
	    rc == CURLE_FTP_COULDNT_RETR_FILE || rc == CURLE_QUOTE_ERROR ||
	    rc == CURLE_REMOTE_ACCESS_DENIED;
}

static CURLcode
perform(struct jxcurl *x)
{
	CURLcode rc;
	CURL *h;
	long resp = 0;

	if (x->u->scheme != JURL_HTTP) {
		rc = perform_once(x);
		if (x->u->scheme == JURL_FTP && !ftp_in_step(rc))
			x->fresh = 1;
		return rc;
	}
	rc = http_perform(x, &resp);
	if (resp != 401 || x->anyauth)
		return rc;
	/* the same request on a copy of the handle: a clean authentication state */
	if (!(h = curl_easy_duphandle(x->h)))
		return rc;
	curl_easy_cleanup(x->h);
	x->h = h;
	x->anyauth = 1;
	curl_easy_setopt(x->h, CURLOPT_HTTPAUTH, CURLAUTH_ANY);
	x->off = 0;
	x->read_errno = 0;
	x->cmp_off = x->cmp_start;
	x->cmp_differs = 0;
	return http_perform(x, &resp);
}

/* The host key was not in known_hosts, or did not match it: say how to add it. */
static int
hostkey_refused(struct jxcurl *x, const char *what, const char *name, const char *prep,
    struct jerr *e)
{
	char host[256];
	unsigned port = 0;

	if (x->hostkey == CURLKHMATCH_MISMATCH)
		return jerr_set(e, EX_NOPERM, "unable to %s %s %s %s: host key CHANGED (does not "
		    "match %s): refused", what, name, prep, x->u->redacted, x->c->known_hosts);
	if (jurl_host(x->u, host, sizeof host, &port) < 0)
		snprintf(host, sizeof host, "HOST");
	return jerr_set(e, EX_NOPERM, "unable to %s %s %s %s: host key not in %s; after checking "
	    "it, add it with: ssh-keyscan -t ed25519 -p %u %s >> %s", what, name, prep,
	    x->u->redacted, x->c->known_hosts, port ? port : 22, host, x->c->known_hosts);
}

static int ssh_kexinit(const char *in, size_t n, char *buf, size_t size);

/*
 * What an SSH server offers, read from the KEXINIT it sends in clear after the version
 * lines: "kex A,B; host keys C" into buf ("" when it cannot be read). Nothing is sent but
 * our version line; the connection is then closed.
 */
static void
ssh_offer(struct jxcurl *x, char *buf, size_t size)
{
	char host[256], port[16], in[1 << 15];
	unsigned p = 0;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct timeval tv = { 5, 0 };
	size_t n = 0;
	int fd = -1;

	buf[0] = 0;
	if (jurl_host(x->u, host, sizeof host, &p) < 0)
		return;
	snprintf(port, sizeof port, "%u", p ? p : 22);
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return;
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0 &&
	    connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
	    write(fd, "SSH-2.0-jship\r\n", 15) == 15) {
		ssize_t r;
		while (n < sizeof in && (r = read(fd, in + n, sizeof in - n)) > 0) {
			n += (size_t)r;
			if (ssh_kexinit(in, n, buf, size))
				break;
		}
	}
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Parse the version lines and the KEXINIT packet in in[0, n): 1 and buf filled, 0 not yet. */
static int
ssh_kexinit(const char *in, size_t n, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)in, *end = p + n;
	uint32_t kl, hl;

	for (;;) {                        /* lines before the packet; the last one is "SSH-..." */
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return 0;
		int version = end - p >= 4 && memcmp(p, "SSH-", 4) == 0;
		p = nl + 1;
		if (version)
			break;
	}
	/* uint32 length, byte padding, byte 20 (KEXINIT), 16 bytes cookie, then name-lists */
	if (end - p < 26 || p[5] != 20)
		return 0;
	p += 22;
	kl = be32(p);
	if ((size_t)(end - p) < 8 + (size_t)kl)
		return 0;
	hl = be32(p + 4 + kl);
	if ((size_t)(end - p) < 8 + (size_t)kl + hl)
		return 0;
	snprintf(buf, size, "kex %.*s; host keys %.*s", (int)kl, (const char *)p + 4, (int)hl,
	    (const char *)p + 8 + kl);
	return 1;
}

/* The SSH session could not be set up: a permanent incompatibility, said with what the
 * server offers, not retried. */
static int
ssh_incompatible(struct jxcurl *x, const char *what, const char *name, const char *prep,
    const char *why, struct jerr *e)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	char offer[1024];

	ssh_offer(x, offer, sizeof offer);
	x->retryable = 0;
	return jerr_set(e, EX_NOPERM, "unable to %s %s %s %s: %s: the server and %s share no "
	    "key exchange or host key type (the server offers %s); not retried", what, name, prep,
	    x->u->redacted, why, v->libssh_version ? v->libssh_version : "libssh2",
	    offer[0] ? offer : "nothing readable");
}

/* Does this failure mean that the destination directory does not exist? */
static int
missing_dir(const struct jxcurl *x, CURLcode rc, const char *what, const char *why, long resp)
{
	switch (x->u->scheme) {
	case JURL_FTP:
		return rc == CURLE_REMOTE_ACCESS_DENIED && strstr(why, "change to the given directory");
	case JURL_SFTP:
	case JURL_SCP:
		return rc == CURLE_REMOTE_FILE_NOT_FOUND && strcmp(what, "upload") == 0;
	default:
		return rc == CURLE_HTTP_RETURNED_ERROR && strcmp(what, "upload") == 0 &&
		    (resp == 404 || resp == 409);
	}
}

/* An HTTP request failed because there is nothing under that name (404). */
static int
http_absent(struct jxcurl *x, CURLcode rc)
{
	long resp = 0;

	if (rc != CURLE_HTTP_RETURNED_ERROR)
		return 0;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &resp);
	return resp == 404;
}

/* Turn a libcurl failure into a message and a class. */
static int
fail(struct jxcurl *x, CURLcode rc, const char *what, const char *name, struct jerr *e)
{
	const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	const char *prep = strcmp(what, "check") == 0 || strcmp(what, "compare") == 0 ? "at" : "to";
	long resp = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &resp);
	x->retryable = 0;
	if (x->gate->failed)
		return jgate_error(x->gate, e);
	if (x->hostkey == CURLKHMATCH_MISSING || x->hostkey == CURLKHMATCH_MISMATCH)
		return hostkey_refused(x, what, name, prep, e);
	if (rc == CURLE_FAILED_INIT && (x->u->scheme == JURL_SFTP || x->u->scheme == JURL_SCP) &&
	    strstr(why, "establishing ssh session"))
		return ssh_incompatible(x, what, name, prep, why, e);
	if (missing_dir(x, rc, what, why, resp))
		return jxfer_no_dir(name, x->u->redacted, e);
	switch (rc) {
	case CURLE_LOGIN_DENIED:
	case CURLE_REMOTE_ACCESS_DENIED:
		return jerr_set(e, EX_NOPERM, "unable to %s %s %s %s: %s", what, name, prep,
		    x->u->redacted, why);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return jerr_set(e, EX_NOPERM, "unable to %s %s %s %s: %s (for a private CA, give "
		    "--cacert)", what, name, prep, x->u->redacted, why);
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_READ_ERROR:
		if (x->read_errno) {
			errno = x->read_errno;
			return jerr_sys(e, EX_IOERR, "unable to read the source of %s", name);
		}
		break;
	case CURLE_HTTP_RETURNED_ERROR:
		if (resp == 401 || resp == 403)
			return jerr_set(e, EX_NOPERM, "unable to %s %s %s %s: HTTP %ld", what, name,
			    prep, x->u->redacted, resp);
		x->retryable = resp == 408 || resp == 429 || resp >= 500;
		return jerr_set(e, EX_TEMPFAIL, "unable to %s %s %s %s: HTTP %ld", what, name,
		    prep, x->u->redacted, resp);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
		return jerr_set(e, EX_USAGE, "%s: %s", x->u->redacted, why);
	case CURLE_QUOTE_ERROR:
	case CURLE_REMOTE_FILE_NOT_FOUND:
		break;
	case CURLE_UPLOAD_FAILED:
		x->retryable = resp == 0 || (resp >= 400 && resp < 500);
		break;
	default:
		x->retryable = 1;
	}
	return jerr_set(e, EX_TEMPFAIL, "unable to %s %s %s %s: %s", what, name, prep,
	    x->u->redacted, why);
}

/* The URL of leaf (a final name or a temporary's) in the destination directory. */
static int
make_url(struct jxcurl *x, char *buf, size_t size, const char *leaf)
{
	char *esc = curl_easy_escape(x->h, leaf, 0);
	int n;

	if (!esc)
		return -1;
	n = snprintf(buf, size, "%s%s", x->u->dirurl, esc);
	curl_free(esc);
	return (size_t)n < size ? 0 : -1;
}

/* A fresh request on the handle, for the URL of leaf in the destination directory. */
static int
request(struct jxcurl *x, char *url, size_t size, const char *leaf, struct jerr *e)
{
	if (setup(x, e) < 0)
		return -1;
	if (make_url(x, url, size, leaf) < 0)
		return jerr_set(e, EX_USAGE, "%s: URL too long", x->u->redacted);
	return 0;
}

static void
src_rewind(struct jxcurl *x, int fd, uint64_t size, const char *name)
{
	x->fd = fd;
	x->size = size;
	x->off = 0;
	x->read_errno = 0;
	jgate_arm(x->gate, size);
	x->pname = name;
	x->pstart = jclock_mono();
}

static void
upload_opts(struct jxcurl *x, const char *url)
{
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(x->h, CURLOPT_READDATA, x);
	curl_easy_setopt(x->h, CURLOPT_SEEKFUNCTION, seek_cb);
	curl_easy_setopt(x->h, CURLOPT_SEEKDATA, x);
	curl_easy_setopt(x->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->size);
	if (x->progress) {
		curl_easy_setopt(x->h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(x->h, CURLOPT_XFERINFOFUNCTION, progress_cb);
		curl_easy_setopt(x->h, CURLOPT_XFERINFODATA, x);
	}
}

static void
progress_end(struct jxcurl *x)
{
	if (x->progress)
		progress_report(x, x->off, 1);
}

/* Size of a remote file: 1 and *size, 0 if it does not exist, -1 error. */
static int
remote_size(struct jxcurl *x, const char *name, uint64_t *size, struct jerr *e)
{
	char url[8192];
	curl_off_t len = -1;
	CURLcode rc;

	if (request(x, url, sizeof url, name, e) < 0)
		return -1;
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_NOBODY, 1L);
	x->failonerror = 1;
	rc = perform(x);
	if (rc == CURLE_REMOTE_FILE_NOT_FOUND)
		return 0;
	if (http_absent(x, rc))
		return 0;
	if (rc == CURLE_FTP_COULDNT_RETR_FILE)
		return 0;
	if (rc != CURLE_OK)
		return fail(x, rc, "check", name, e);
	curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (len < 0)
		return jerr_set(e, EX_TEMPFAIL, "unable to check %s at %s: no size", name, x->u->redacted);
	*size = (uint64_t)len;
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
remote_quote(struct jxcurl *x, const char *leaf, const char *c1, const char *c2, CURLcode *rcp,
    struct jerr *e)
{
	char url[8192];
	struct curl_slist *q = NULL;

	if (request(x, url, sizeof url, leaf, e) < 0)
		return -1;
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
remote_remove(struct jxcurl *x, const char *leaf)
{
	char cmd[PATH_MAX + 64], path[PATH_MAX], url[8192];
	struct jerr ignore;
	CURLcode rc;

	if (x->u->scheme == JURL_FTP) {
		snprintf(cmd, sizeof cmd, "DELE %s", leaf);
		(void)remote_quote(x, leaf, cmd, NULL, &rc, &ignore);
	} else if (x->u->scheme == JURL_SFTP) {
		if ((size_t)snprintf(path, sizeof path, "%s%s", x->u->dirpath, leaf) < sizeof path &&
		    sftp_quote(cmd, sizeof cmd, "rm", path, NULL) == 0)
			(void)remote_quote(x, leaf, cmd, NULL, &rc, &ignore);
	} else if (x->u->scheme == JURL_HTTP && setup(x, &ignore) == 0 &&
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

/* List the destination directory into l (cmd: the FTP command, NULL for SFTP). */
static CURLcode
list_dir(struct jxcurl *x, const char *cmd, struct listing *l)
{
	struct jerr ignore;

	free(l->p);
	l->p = NULL;
	l->n = l->cap = 0;
	if (setup(x, &ignore) < 0)
		return CURLE_FAILED_INIT;
	curl_easy_setopt(x->h, CURLOPT_URL, x->u->dirurl);
	curl_easy_setopt(x->h, CURLOPT_DIRLISTONLY, 1L);
	if (cmd)
		curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, cmd);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, listing_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, l);
	return perform(x);
}

/*
 * Remove the stale temporaries of the destination directory (ftp, sftp), once per run:
 * those of this host whose process is gone (the listing gives no reliable age). Over FTP
 * vsftpd hides dot files from a plain NLST and pure-ftpd refuses "NLST -a": MLSD then.
 */
static void
remote_sweep(struct jxcurl *x)
{
	struct listing l = { NULL, 0, 0 };
	char *line, *save = NULL, *leaf;
	int mlsd = 0;
	CURLcode rc;

	if (x->swept || (x->u->scheme != JURL_FTP && x->u->scheme != JURL_SFTP))
		return;
	x->swept = 1;
	rc = list_dir(x, x->u->scheme == JURL_FTP ? "NLST -a" : NULL, &l);
	if (rc != CURLE_OK && x->u->scheme == JURL_FTP) {
		rc = list_dir(x, "MLSD", &l);
		mlsd = 1;
	}
	if (rc == CURLE_OK && l.p)
		for (line = strtok_r(l.p, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
			leaf = mlsd && strchr(line, ' ') ? strchr(line, ' ') + 1 : line;
			if (!strchr(leaf, '/') && jpart_stale(leaf, x->host, 0, 0))
				remote_remove(x, leaf);
		}
	free(l.p);
}

/*
 * Read leaf from the last JGATE_TAIL bytes of the source's size to its end, comparing them
 * with the source (compare_cb): *rc is the request's result. Open-ended: an FTP transfer
 * read to its end needs no ABOR, which costs the connection (libcurl closes it after an
 * abort). With stop, the read ends at the first difference (a failed write). 0, or -1 if
 * no request could be made.
 */
static int
read_tail(struct jxcurl *x, int fd, uint64_t size, const char *leaf, int stop, CURLcode *rc,
    struct jerr *e)
{
	char url[8192], range[64];
	uint64_t start = size > JGATE_TAIL ? size - JGATE_TAIL : 0;
	struct curl_slist *q = NULL;
	const char *first = x->first;

	x->first = NULL;
	if (request(x, url, sizeof url, leaf, e) < 0)
		return -1;
	snprintf(range, sizeof range, "%llu-", (unsigned long long)start);
	x->fd = fd;
	x->size = size;
	x->cmp_off = x->cmp_start = start;
	x->cmp_differs = 0;
	x->want_range = x->u->scheme == JURL_HTTP;
	x->no_range = 0;
	x->cmp_stop = stop;
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_RANGE, range);
	x->failonerror = 1;
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, compare_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	if (first && !(q = curl_slist_append(NULL, first)))
		return jerr_set(e, EX_OSERR, "out of memory");
	curl_easy_setopt(x->h, CURLOPT_QUOTE, q);
	*rc = perform(x);
	curl_easy_setopt(x->h, CURLOPT_QUOTE, NULL);
	curl_slist_free_all(q);
	if (first)
		x->first_rc = *rc;
	x->want_range = x->cmp_stop = 0;
	return 0;
}

/* Do the last bytes of leaf (at most JGATE_TAIL: the trailer with the digest) match the
 * source? 1 yes, 0 no, 2 unknown (the server does not serve byte ranges), -1 error. */
static int
tail_same(struct jxcurl *x, int fd, uint64_t size, const char *leaf, const char *name,
    struct jerr *e)
{
	long resp = 0;
	CURLcode rc;

	if (size == 0)
		return 1;
	if (read_tail(x, fd, size, leaf, 0, &rc, e) < 0)
		return -1;
	if (rc == CURLE_RANGE_ERROR || x->no_range)
		return 2;
	if (rc != CURLE_OK)
		return fail(x, rc, "check", name, e);
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &resp);
	if (x->u->scheme == JURL_HTTP && resp != 206)
		return 2;
	return !x->cmp_differs && x->cmp_off == size;
}

/* The whole of leaf against the source: 1 same, 0 different, -1 error. */
static int
whole_same(struct jxcurl *x, int fd, uint64_t size, const char *leaf, const char *name,
    struct jerr *e)
{
	char url[8192];
	CURLcode rc;

	if (request(x, url, sizeof url, leaf, e) < 0)
		return -1;
	x->fd = fd;
	x->size = size;
	x->cmp_off = x->cmp_start = 0;
	x->cmp_differs = 0;
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	x->failonerror = 1;
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, compare_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	rc = perform(x);
	if (rc != CURLE_OK)
		return fail(x, rc, "compare", name, e);
	return !x->cmp_differs && x->cmp_off == size;
}

/* leaf (a temporary, or the final name just published) ends as the source does: 0, or -1
 * retryable (the server's copy is not what was sent). */
static int
tail_differs(struct jxcurl *x, const char *leaf, const char *name, struct jerr *e)
{
	x->retryable = 1;
	return jerr_set(e, EX_TEMPFAIL, "unable to publish %s at %s: the end of %s differs from "
	    "the source", name, x->u->redacted, leaf);
}

static int
tail_matches(struct jxcurl *x, int fd, uint64_t size, const char *leaf, const char *name,
    struct jerr *e)
{
	int r = tail_same(x, fd, size, leaf, name, e);

	if (r != 0)
		return r < 0 ? -1 : 0;
	return tail_differs(x, leaf, name, e);
}

/*
 * Look before publishing (some servers replace on rename, and re-sending a large file that
 * is there already should cost a few requests, not an upload): 0 NAME is not there; 1 it is,
 * with the source's size and last bytes (the trailer with the segment's digest; over HTTP
 * without byte ranges, the whole file is compared); -1 with EX_DATAERR when it differs.
 */
static int
look_before(struct jxcurl *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	uint64_t have;
	int r = remote_size(x, name, &have, e);

	if (r <= 0)
		return r;
	if (have != size)
		return jerr_set(e, EX_DATAERR, "%s%s exists with a different size (%llu, not %llu): "
		    "not replaced", x->u->redacted, name, (unsigned long long)have,
		    (unsigned long long)size);
	r = tail_same(x, fd, size, name, name, e);
	if (r == 2 && x->u->scheme == JURL_HTTP)
		r = whole_same(x, fd, size, name, name, e);
	if (r < 0)
		return -1;
	if (r == 0)
		return jerr_set(e, EX_DATAERR, "%s%s exists with a different content: not replaced",
		    x->u->redacted, name);
	return 1;
}

/*
 * SFTP: the last bytes of leaf and its size in one request (libcurl stats the file to serve
 * a byte range: its size is the range's start plus what it sent), not a stat request and
 * then a read. 1 with *have (and, if *have is size, x->cmp_differs says whether the bytes
 * match), 0 leaf does not exist, 2 the size is unknown (leaf ends before the range starts),
 * -1 error.
 */
static int
sftp_tail(struct jxcurl *x, int fd, uint64_t size, const char *leaf, const char *name,
    uint64_t *have, struct jerr *e)
{
	curl_off_t len = -1;
	CURLcode rc;

	/* stop: leaf may be far larger than the source */
	if (read_tail(x, fd, size, leaf, 1, &rc, e) < 0)
		return -1;
	if (rc == CURLE_REMOTE_FILE_NOT_FOUND)
		return 0;
	if (rc == CURLE_BAD_DOWNLOAD_RESUME)
		return 2;
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && x->cmp_differs))
		return fail(x, rc, "check", name, e);
	curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (len < 0)
		return 2;
	*have = x->cmp_start + (uint64_t)len;
	return 1;
}

/* Is leaf exactly what was sent: size, then trailer? Before a rename, and after it. */
static int
verify_remote(struct jxcurl *x, int fd, uint64_t size, const char *leaf, const char *name,
    int tail, struct jerr *e)
{
	uint64_t have = 0;
	int r = 2;

	if (tail && x->u->scheme == JURL_SFTP && size > JGATE_TAIL) {
		r = sftp_tail(x, fd, size, leaf, name, &have, e);
		if (r == 1 && have == size)
			return !x->cmp_differs && x->cmp_off == size ? 0 :
			    tail_differs(x, leaf, name, e);
	}
	if (r == 2)
		r = remote_size(x, leaf, &have, e);
	if (r < 0)
		return -1;
	if (r == 0 || have != size) {
		x->retryable = 1;
		if (r == 0)
			return jerr_set(e, EX_TEMPFAIL, "unable to publish %s at %s: %s is gone", name,
			    x->u->redacted, leaf);
		return jerr_set(e, EX_TEMPFAIL, "unable to publish %s at %s: %s has %llu bytes, "
		    "not %llu", name, x->u->redacted, leaf, (unsigned long long)have,
		    (unsigned long long)size);
	}
	return tail ? tail_matches(x, fd, size, leaf, name, e) : 0;
}

/* Upload the source to leaf. */
static int
upload(struct jxcurl *x, int fd, uint64_t size, const char *leaf, const char *name,
    struct jerr *e)
{
	char url[8192];
	struct curl_slist *hl = NULL;
	CURLcode rc;

	if (request(x, url, sizeof url, leaf, e) < 0)
		return -1;
	src_rewind(x, fd, size, name);
	upload_opts(x, url);
	if (x->u->scheme == JURL_HTTP) {
		hl = curl_slist_append(hl, "Expect:");
		curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hl);
		x->failonerror = 1;
	}
	rc = perform(x);
	progress_end(x);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK)
		return fail(x, rc, "upload", name, e);
	if (x->u->scheme == JURL_SFTP) {
		/* libcurl's read loop plus read_cb's abort enforce the size; say so if not */
		curl_off_t up = 0;
		curl_easy_getinfo(x->h, CURLINFO_SIZE_UPLOAD_T, &up);
		if ((uint64_t)up != size)
			return jerr_set(e, EX_SOFTWARE, "%s: uploaded %lld bytes of %llu",
			    name, (long long)up, (unsigned long long)size);
	}
	return 0;
}

/* The temporary was checked; after the rename the final name is checked the same way (a
 * server may have renamed another file, or over another file). */
static int
published(struct jxcurl *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	if (verify_remote(x, fd, size, name, name, 1, e) < 0)
		return -1;
	return 1;
}

/* Upload the source to the temporary leaf and check it; a bad one is removed. */
static int
stage(struct jxcurl *x, int fd, uint64_t size, const char *leaf, const char *name,
    struct jerr *e)
{
	if (upload(x, fd, size, leaf, name, e) < 0)
		return -1;
	if (verify_remote(x, fd, size, leaf, name, 1, e) < 0) {
		remote_remove(x, leaf);
		return -1;
	}
	return 0;
}

static int
ftp_put(struct jxcurl *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	char leaf[NAME_MAX + 1], rnfr[NAME_MAX + 16], rnto[NAME_MAX + 16];
	CURLcode rc;
	int r;

	/* vsftpd's RNTO replaces an existing file: look first. */
	if ((r = look_before(x, fd, size, name, e)) != 0)
		return r > 0 ? 0 : -1;
	remote_sweep(x);
	jpart_new(leaf, sizeof leaf, name, x->host);
	if (stage(x, fd, size, leaf, name, e) < 0)
		return -1;
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
sftp_put(struct jxcurl *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	char leaf[NAME_MAX + 1], from[PATH_MAX], to[PATH_MAX], cmd[2 * PATH_MAX + 32];
	CURLcode rc;
	int r;

	/* rclone's rename replaces an existing file: look first. */
	if ((r = look_before(x, fd, size, name, e)) != 0)
		return r > 0 ? 0 : -1;
	remote_sweep(x);
	jpart_new(leaf, sizeof leaf, name, x->host);
	if ((size_t)snprintf(from, sizeof from, "%s%s", x->u->dirpath, leaf) >= sizeof from ||
	    (size_t)snprintf(to, sizeof to, "%s%s", x->u->dirpath, name) >= sizeof to ||
	    sftp_quote(cmd, sizeof cmd, "rename", from, to) < 0)
		return jerr_set(e, EX_USAGE, "%s%s: path too long or not quotable", x->u->redacted, name);
	if (stage(x, fd, size, leaf, name, e) < 0)
		return -1;
	if (size > JGATE_TAIL) {
		/* one request renames and reads the final name's last bytes back */
		x->first = cmd;
		x->first_rc = CURLE_OK;
		r = verify_remote(x, fd, size, name, name, 1, e);
		if ((rc = x->first_rc) == CURLE_OK)
			return r < 0 ? -1 : 1;
	} else {
		if (remote_quote(x, leaf, cmd, NULL, &rc, e) < 0)
			return -1;
		if (rc == CURLE_OK)
			return published(x, fd, size, name, e);
	}
	if (rc != CURLE_QUOTE_ERROR)
		return fail(x, rc, "rename", name, e);
	/* OpenSSH refuses to rename onto an existing file: compare, then drop the temporary. */
	r = look_before(x, fd, size, name, e);
	if (r == 0)
		return fail(x, rc, "rename", name, e);
	remote_remove(x, leaf);
	return r > 0 ? 0 : -1;
}

/* scp:// has no rename: NAME is written in place (man/jship.1 says what that means). */
static int
scp_put(struct jxcurl *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	return upload(x, fd, size, name, name, e) < 0 ? -1 : 1;
}

/* MOVE the temporary leaf to NAME, never over an existing NAME; *resp the HTTP status. The
 * Destination header spells the host exactly as the request did and carries no credentials. */
static int
http_move(struct jxcurl *x, const char *leaf, const char *name, long *resp, struct jerr *e)
{
	char url[8192], dest[8192], clean[8192], hdr[8300];
	struct curl_slist *hl = NULL;
	CURLcode rc;

	if (request(x, url, sizeof url, leaf, e) < 0)
		return -1;
	if (make_url(x, dest, sizeof dest, name) < 0)
		return jerr_set(e, EX_USAGE, "%s: URL too long", x->u->redacted);
	jurl_redact(dest, clean, sizeof clean);
	snprintf(hdr, sizeof hdr, "Destination: %s", clean);
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
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, resp);
	return 0;
}

/* NAME exists: fetch it and compare byte for byte, then drop the temporary leaf. */
static int
http_compare(struct jxcurl *x, int fd, uint64_t size, const char *leaf, const char *name,
    struct jerr *e)
{
	int same = whole_same(x, fd, size, name, name, e);

	if (same < 0)
		return -1;
	remote_remove(x, leaf);
	if (!same)
		return jerr_set(e, EX_DATAERR, "%s%s exists with a different content: not "
		    "replaced", x->u->redacted, name);
	return 0;
}

/*
 * The stale temporaries of a WebDAV directory, once per run, as remote_sweep does for ftp and
 * sftp: PROPFIND Depth 1 lists it (a server without PROPFIND, such as nginx, is skipped),
 * and each href's last part that is a stale temporary of ours is deleted.
 */
static void
http_sweep(struct jxcurl *x)
{
	static const char body[] = "<?xml version=\"1.0\"?><propfind xmlns=\"DAV:\"><prop>"
	    "<resourcetype/></prop></propfind>";
	struct listing l = { NULL, 0, 0 };
	struct curl_slist *hl = NULL;
	struct jerr ignore;
	char *p, *end, *leaf;
	CURLcode rc;

	if (x->swept || setup(x, &ignore) < 0)
		return;
	x->swept = 1;
	hl = curl_slist_append(hl, "Depth: 1");
	hl = curl_slist_append(hl, "Content-Type: application/xml");
	curl_easy_setopt(x->h, CURLOPT_URL, x->u->dirurl);
	curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, "PROPFIND");
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, listing_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, &l);
	x->failonerror = 1;
	rc = perform(x);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	for (p = rc == CURLE_OK ? l.p : NULL; p && (p = strstr(p, "href>")); p = end) {
		size_t n;
		p += 5;
		if (!(end = strstr(p, "</")))
			break;
		*end = 0;                       /* p: the href's text */
		for (n = strlen(p); n > 0 && p[n - 1] == '/'; n--)
			p[n - 1] = 0;
		leaf = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
		if (*leaf && jpart_stale(leaf, x->host, 0, 0))
			remote_remove(x, leaf);
		end = strchr(end + 1, '>') ? strchr(end + 1, '>') + 1 : end + 1;
	}
	free(l.p);
}

/* --mkdir over WebDAV: MKCOL each directory of the URL's path, once per destination; one
 * that exists already answers 405. What fails shows at the upload. */
static void
http_mkdir(struct jxcurl *x)
{
	char url[8192];
	const char *p = strstr(x->u->dirurl, "://");
	struct jerr ignore;
	size_t i;

	if (!x->mkdir || x->made_dir || !p || !(p = strchr(p + 3, '/')))
		return;
	x->made_dir = 1;
	for (i = (size_t)(p - x->u->dirurl) + 1; x->u->dirurl[i]; i++) {
		if (x->u->dirurl[i] != '/' || i + 1 >= sizeof url || setup(x, &ignore) < 0)
			continue;
		memcpy(url, x->u->dirurl, i + 1);
		url[i + 1] = 0;
		curl_easy_setopt(x->h, CURLOPT_URL, url);
		curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, "MKCOL");
		(void)perform(x);
	}
}

static int
http_put(struct jxcurl *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	char leaf[NAME_MAX + 1];
	long resp = 0;
	int r;

	if ((r = look_before(x, fd, size, name, e)) != 0)
		return r > 0 ? 0 : -1;
	http_mkdir(x);
	http_sweep(x);
	jpart_new(leaf, sizeof leaf, name, x->host);
	if (stage(x, fd, size, leaf, name, e) < 0)
		return -1;
	if (http_move(x, leaf, name, &resp, e) < 0)
		return -1;
	if (resp >= 200 && resp < 300)
		return published(x, fd, size, name, e);
	if (resp != 412)
		return fail(x, CURLE_HTTP_RETURNED_ERROR, "move", name, e);
	return http_compare(x, fd, size, leaf, name, e);
}

int
jxcurl_put(struct jxcurl *x, int fd, uint64_t size, const char *name, struct jgate *g,
    struct jerr *e)
{
	int rc;

	x->retryable = 0;
	x->gate = g;
	jgate_arm(g, size);
	switch (x->u->scheme) {
	case JURL_FTP:  rc = ftp_put(x, fd, size, name, e); break;
	case JURL_SFTP: rc = sftp_put(x, fd, size, name, e); break;
	case JURL_SCP:  rc = scp_put(x, fd, size, name, e); break;
	default:        rc = http_put(x, fd, size, name, e); break;
	}
	x->gate = &no_gate;
	return rc;
}

/* ---- plain HTTP requests, built by the caller (s3) ----
 * The same handle, connection, timeouts, trace and failure classes as the puts above; the
 * caller builds the URL and headers and judges the status. */

static size_t
req_write_cb(char *buf, size_t sz, size_t nmemb, void *arg)
{
	struct jxcurl *x = arg;
	struct jxcurl_req *r = x->req;
	size_t n = sz * nmemb;
	long status = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300 || r->sink == JXCURL_BUFFER) {
		size_t k = r->cap > r->blen + 1 ? r->cap - r->blen - 1 : 0;
		if (k > n)
			k = n;
		if (k) {
			memcpy(r->buf + r->blen, buf, k);
			r->blen += k;
			r->buf[r->blen] = 0;
		}
		return n;
	}
	r->got += n;
	if (r->sink == JXCURL_COMPARE) {
		(void)compare_cb(buf, sz, nmemb, x);
		r->differs = x->cmp_differs;
	} else if (r->sink == JXCURL_FD && jio_write_all(r->out, buf, n) < 0) {
		r->sink_errno = errno ? errno : EIO;
		return 0;
	}
	return n;
}

static int
req_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct jxcurl *x = arg;
	struct jxfer_progress p = { x->pname, x->u->redacted, x->req->off + (uint64_t)(ulnow > 0 ?
	    ulnow : 0), x->ptotal, jclock_mono() - x->pstart, 0 };

	(void)dltotal; (void)dlnow; (void)ultotal;
	x->progress(x->progress_arg, &p);
	return 0;
}

void
jxcurl_gate(struct jxcurl *x, struct jgate *g, uint64_t total, const char *name)
{
	x->gate = g ? g : &no_gate;
	if (g)
		jgate_arm(g, total);
	x->ptotal = total;
	x->pname = name;
	x->pstart = jclock_mono();
}

void
jxcurl_progress_end(struct jxcurl *x, uint64_t done)
{
	struct jxfer_progress p = { x->pname, x->u->redacted, done, x->ptotal,
	    jclock_mono() - x->pstart, 1 };

	if (x->progress && x->pname)
		x->progress(x->progress_arg, &p);
}

/* The method and body of r on the handle. */
static void
req_body(struct jxcurl *x, struct jxcurl_req *r)
{
	if (strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(x->h, CURLOPT_NOBODY, 1L);
	} else if (r->fd >= 0) {
		x->fd = r->fd;
		x->off = r->off;
		x->size = r->off + r->len;
		x->read_errno = 0;
		curl_easy_setopt(x->h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(x->h, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(x->h, CURLOPT_READDATA, x);
		curl_easy_setopt(x->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->len);
		if (strcmp(r->method, "PUT") != 0)
			curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, r->method);
		if (x->progress && x->pname) {
			curl_easy_setopt(x->h, CURLOPT_NOPROGRESS, 0L);
			curl_easy_setopt(x->h, CURLOPT_XFERINFOFUNCTION, req_progress_cb);
			curl_easy_setopt(x->h, CURLOPT_XFERINFODATA, x);
		}
	} else if (r->data) {
		curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, r->data);
		curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->dlen);
		if (strcmp(r->method, "POST") != 0)
			curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, r->method);
	} else if (strcmp(r->method, "GET") != 0) {
		curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, r->method);
	}
	if (r->sink == JXCURL_COMPARE) {
		x->fd = r->out;
		x->size = r->len;
		x->cmp_off = 0;
		x->cmp_differs = 0;
	}
}

/* What the reply said besides its body: status, length, ETag. */
static void
req_result(struct jxcurl *x, struct jxcurl_req *r)
{
	struct curl_header *hh = NULL;
	curl_off_t len = -1;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	r->length = len;
	if (curl_easy_header(x->h, "ETag", 0, CURLH_HEADER, -1, &hh) == CURLHE_OK && hh->value)
		snprintf(r->etag, sizeof r->etag, "%s", hh->value);
	if (r->sink == JXCURL_COMPARE && x->cmp_off != r->len)
		r->differs = 1;
}

int
jxcurl_request(struct jxcurl *x, struct jxcurl_req *r, const char *name, struct jerr *e)
{
	struct curl_slist *hl = NULL;
	CURLcode rc;

	x->retryable = 0;
	r->status = 0;
	r->blen = 0;
	r->length = -1;
	r->etag[0] = 0;
	r->got = 0;
	r->differs = 0;
	r->sink_errno = 0;
	if (r->cap)
		r->buf[0] = 0;
	if (setup(x, e) < 0)
		return -1;
	x->req = r;
	curl_easy_setopt(x->h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	curl_easy_setopt(x->h, CURLOPT_URL, r->url);
	for (int i = 0; i < JXCURL_HDRS && r->headers[i]; i++)
		hl = curl_slist_append(hl, r->headers[i]);
	/* An empty "Expect:" would save the 100-continue round trip, but libcurl 7.88 signs it
	 * (SigV4) as a header it then does not send: the store refuses the signature. Bodies
	 * under 1 MiB get no Expect anyway; larger ones wait for the store's 100 Continue. */
	if (r->fd >= 0 && !r->sigv4)
		hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hl);
	if (r->sigv4) {
		curl_easy_setopt(x->h, CURLOPT_AWS_SIGV4, r->sigv4);
		curl_easy_setopt(x->h, CURLOPT_USERNAME, r->user);
		curl_easy_setopt(x->h, CURLOPT_PASSWORD, r->secret);
	}
	req_body(x, r);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, req_write_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	rc = perform(x);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(x->h, CURLOPT_PASSWORD, "");
	curl_slist_free_all(hl);
	x->req = NULL;
	if (r->sink_errno) {
		errno = r->sink_errno;
		return jerr_sys(e, EX_IOERR, "unable to write %s", name);
	}
	if (rc != CURLE_OK)
		return fail(x, rc, strcmp(r->method, "GET") == 0 ? "fetch" : "send", name, e);
	req_result(x, r);
	return 0;
}

/*
 * ---- Reading a directory: listing, download, removal, mkdir (the hub, hub_std.c) ----
 *
 * A listing MUST report a file only with the size the server gives for it, and a download
 * MUST deliver exactly the size asked for or fail, so that the caller never takes part of
 * an object for the whole. Listings are parsed a line (ftp, sftp) or a WebDAV response at a
 * time: memory is bounded by one entry, not by the directory.
 */

struct lister {
	struct jxcurl *x;
	jhub_list_fn   fn;
	void          *arg;
	struct jerr   *e;
	int            failed;          /* fn said stop */
	char          *buf;
	size_t         n, cap;
};

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
	"Sep", "Oct", "Nov", "Dec" };

/* "Nov 30 12:51" (this year or the last) or "Nov 30  2025", taken as UTC; 0 if unsure. */
static time_t
ls_time(const char *mon, int day, const char *hm_or_year)
{
	struct tm tm = { 0 }, now;
	time_t t = time(NULL), r;
	int h, m;

	gmtime_r(&t, &now);
	tm.tm_mon = -1;
	for (int i = 0; i < 12; i++)
		if (strcmp(mon, months[i]) == 0)
			tm.tm_mon = i;
	if (tm.tm_mon < 0 || day < 1 || day > 31)
		return 0;
	tm.tm_mday = day;
	if (sscanf(hm_or_year, "%d:%d", &h, &m) == 2) {
		tm.tm_hour = h;
		tm.tm_min = m;
		tm.tm_year = now.tm_year;
		if ((r = timegm(&tm)) > t + 86400) {
			tm.tm_year--;
			r = timegm(&tm);
		}
		return r;
	}
	tm.tm_year = atoi(hm_or_year) - 1900;
	return tm.tm_year > 0 ? timegm(&tm) : 0;
}

/* One line of an ls -l style listing (vsftpd LIST, libcurl's SFTP listing). */
static int
ls_line(struct lister *l, const char *line)
{
	char perm[16], mon[8], hm[8];
	unsigned long long size;
	int day, name = -1;
	struct jhub_entry ent;

	if (line[0] != '-')
		return 0;                       /* directories, links, "total N" */
	if (sscanf(line, "%15s %*s %*s %*s %llu %7s %d %7s %n", perm, &size, mon, &day, hm,
	    &name) < 5 || name < 0 || !line[name])
		return 0;
	ent.name = line + name;
	ent.size = size;
	ent.mtime = ls_time(mon, day, hm);
	return l->fn(l->arg, &ent, l->e);
}

/* The text of the first element named tag (any namespace prefix) in [p, end), or NULL. */
static const char *
xml_text(const char *p, const char *end, const char *tag, size_t *len)
{
	size_t tl = strlen(tag);

	for (const char *q = p; q < end && (q = memchr(q, '<', (size_t)(end - q))); q++) {
		const char *n = q + 1, *gt, *close;
		if (*n == '/' || *n == '?' || *n == '!')
			continue;
		while (n < end && *n != '>' && *n != ' ' && *n != ':' && *n != '/')
			n++;
		if (n < end && *n == ':')
			n++;
		else
			n = q + 1;
		if ((size_t)(end - n) < tl || memcmp(n, tag, tl) != 0 ||
		    (n[tl] != '>' && n[tl] != ' ' && n[tl] != '/'))
			continue;
		if (!(gt = memchr(n, '>', (size_t)(end - n))))
			return NULL;
		if (gt[-1] == '/') {            /* <tag/>: present, empty */
			*len = 0;
			return gt;
		}
		if (!(close = memchr(gt, '<', (size_t)(end - gt))))
			return NULL;
		*len = (size_t)(close - gt - 1);
		return gt + 1;
	}
	return NULL;
}

/* The last part of an href, percent-decoded; "" for a collection (ends in '/'). */
static int
href_name(const char *h, size_t len, char *out, size_t size)
{
	const char *s = h + len;
	size_t j = 0;

	while (s > h && s[-1] != '/')
		s--;
	for (; s < h + len; s++) {
		int c = (unsigned char)*s;
		unsigned v;
		if (c == '%' && s + 2 < h + len && sscanf(s + 1, "%2x", &v) == 1) {
			c = (int)v;
			s += 2;
		}
		if (c == 0 || c == '/' || j + 1 >= size)
			return -1;
		out[j++] = (char)c;
	}
	out[j] = 0;
	return 0;
}

/* One <response> of a PROPFIND multistatus. */
static int
dav_response(struct lister *l, const char *p, const char *end)
{
	char name[NAME_MAX + 1], num[32], date[64];
	const char *href, *v;
	size_t hl, vl;
	struct jhub_entry ent;
	struct tm tm = { 0 };

	if (!(href = xml_text(p, end, "href", &hl)) || href_name(href, hl, name, sizeof name) < 0 ||
	    !name[0])
		return 0;
	if ((v = xml_text(p, end, "resourcetype", &vl)) && vl && xml_text(v, v + vl, "collection", &hl))
		return 0;
	if (!(v = xml_text(p, end, "getcontentlength", &vl)) || vl == 0 || vl >= sizeof num)
		return 0;
	snprintf(num, sizeof num, "%.*s", (int)vl, v);
	ent.name = name;
	ent.size = strtoull(num, NULL, 10);
	ent.mtime = 0;
	if ((v = xml_text(p, end, "getlastmodified", &vl)) && vl < sizeof date) {
		snprintf(date, sizeof date, "%.*s", (int)vl, v);
		if (strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm))
			ent.mtime = timegm(&tm);
	}
	return l->fn(l->arg, &ent, l->e);
}

/* The end of the first complete </...response> element in the buffer, or NULL. */
static const char *
dav_next(const char *p, const char *end)
{
	for (const char *q = p; q < end && (q = memchr(q, '<', (size_t)(end - q))); q++) {
		const char *n = q + 1, *gt;
		if (*n != '/')
			continue;
		if (!(gt = memchr(n, '>', (size_t)(end - n))))
			return NULL;
		if (gt - n >= 9 && memcmp(gt - 8, "response", 8) == 0 &&
		    (gt - 9 == n || gt[-9] == ':'))
			return gt + 1;
	}
	return NULL;
}

/* Take what the buffer holds whole: lines, or WebDAV responses. */
static int
lister_drain(struct lister *l)
{
	char *p = l->buf, *end = l->buf + l->n, *nl;
	const char *r;

	if (l->x->u->scheme == JURL_HTTP) {
		while ((r = dav_next(p, end))) {
			if (dav_response(l, p, r) < 0)
				return -1;
			p = (char *)r;
		}
	} else {
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			*nl = 0;
			if (nl > p && nl[-1] == '\r')
				nl[-1] = 0;
			if (ls_line(l, p) < 0)
				return -1;
			p = nl + 1;
		}
	}
	l->n = (size_t)(end - p);
	memmove(l->buf, p, l->n);
	return 0;
}

static size_t
lister_cb(char *data, size_t sz, size_t nmemb, void *arg)
{
	struct lister *l = arg;
	size_t n = sz * nmemb;

	if (l->n + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 65536;
		char *t;
		while (cap < l->n + n + 1)
			cap *= 2;
		if (cap > (1u << 20) || !(t = realloc(l->buf, cap)))
			return 0;         /* one entry larger than 1 MiB: not a listing */
		l->buf = t;
		l->cap = cap;
	}
	memcpy(l->buf + l->n, data, n);
	l->n += n;
	l->buf[l->n] = 0;
	if (lister_drain(l) < 0) {
		l->failed = 1;
		return 0;
	}
	return n;
}

static const char propfind_body[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
    "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:resourcetype/><D:getcontentlength/>"
    "<D:getlastmodified/></D:prop></D:propfind>";

/* A directory that is not there: 1 (an empty listing), else 0. */
static int
list_missing(struct jxcurl *x, CURLcode rc)
{
	long resp = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &resp);
	return rc == CURLE_REMOTE_FILE_NOT_FOUND || rc == CURLE_REMOTE_ACCESS_DENIED ?
	    x->u->scheme == JURL_SFTP || resp == 550 :
	    rc == CURLE_FTP_COULDNT_RETR_FILE || (rc == CURLE_HTTP_RETURNED_ERROR && resp == 404);
}

int
jxcurl_list(struct jxcurl *x, jhub_list_fn fn, void *arg, struct jerr *e)
{
	struct lister l = { x, fn, arg, e, 0, NULL, 0, 0 };
	struct curl_slist *hl = NULL;
	CURLcode rc;

	x->retryable = 0;
	if (setup(x, e) < 0)
		return -1;
	curl_easy_setopt(x->h, CURLOPT_URL, x->u->dirurl);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, lister_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, &l);
	if (x->u->scheme == JURL_HTTP) {
		hl = curl_slist_append(hl, "Depth: 1");
		hl = curl_slist_append(hl, "Content-Type: application/xml; charset=utf-8");
		curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, "PROPFIND");
		curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, propfind_body);
		curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(x->h, CURLOPT_FAILONERROR, 1L);
	}
	rc = perform(x);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	free(l.buf);
	if (l.failed)
		return -1;
	if (rc == CURLE_OK || list_missing(x, rc))
		return 0;
	if (rc == CURLE_WRITE_ERROR)
		return jerr_set(e, EX_TEMPFAIL, "unable to list %s: an entry too long", x->u->redacted);
	fail(x, rc, "list", "", e);
	if (e->code != EX_NOPERM) {
		jerr_set(e, e->code, "unable to list %s: %s", x->u->redacted,
		    x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
	} else if (strncmp(e->msg, "unable to list  to ", 19) == 0) {
		/* fail() words it for an upload: "unable to list  to URL: why" */
		memmove(e->msg + 15, e->msg + 19, strlen(e->msg + 19) + 1);
	}
	return -1;
}

struct sink {
	int      fd;
	uint64_t want, got;
	int      err;               /* errno of a failed write */
};

static size_t
sink_cb(char *data, size_t sz, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = sz * nmemb;

	if (s->got + n > s->want) {
		s->got += n;
		return 0;               /* longer than listed: stop at once */
	}
	if (jio_write_all(s->fd, data, n) < 0) {
		s->err = errno;
		return 0;
	}
	s->got += n;
	return n;
}

/* A failed download's message: the class from fail(), the words for a download. */
static int
get_failed(struct jxcurl *x, CURLcode rc, const char *name, struct jerr *e)
{
	long resp = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &resp);
	if (rc == CURLE_REMOTE_FILE_NOT_FOUND || rc == CURLE_FTP_COULDNT_RETR_FILE ||
	    (rc == CURLE_HTTP_RETURNED_ERROR && resp == 404))
		return jerr_set(e, EX_NOINPUT, "unable to download %s from %s: no such object", name,
		    x->u->redacted);
	fail(x, rc, "download", name, e);
	if (e->code != EX_NOPERM)
		jerr_set(e, e->code, "unable to download %s from %s: %s", name, x->u->redacted,
		    x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
	return -1;
}

/*
 * The receive buffer for a download of size bytes. libssh2 keeps up to four buffers' worth
 * of SFTP reads in flight and stops asking only at end of file, so a 512 KiB buffer sends
 * some nine reads for a 64 KiB object, most of them answered "end of file": a quarter of
 * the object asks for it in a few reads (four for 64 KiB, measured), which is a third less
 * work for the server and for us. Other schemes, and large objects, keep 512 KiB.
 */
static long
get_buffer(const struct jxcurl *x, uint64_t size)
{
	uint64_t b = (size / 4 + 1023) & ~(uint64_t)1023;

	if (x->u->scheme != JURL_SFTP || b >= 512u << 10)
		return 512L << 10;
	return b < 1024 ? 1024L : (long)b;
}

int
jxcurl_get(struct jxcurl *x, const char *name, uint64_t size, int fd, struct jerr *e)
{
	struct sink s = { fd, size, 0, 0 };
	char url[8192];
	CURLcode rc;

	x->retryable = 0;
	if (request(x, url, sizeof url, name, e) < 0)
		return -1;
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_BUFFERSIZE, get_buffer(x, size));
	curl_easy_setopt(x->h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, sink_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, &s);
	rc = perform(x);
	if (s.err) {
		errno = s.err;
		return jerr_sys(e, EX_IOERR, "unable to write the download of %s", name);
	}
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && s.got > size))
		return get_failed(x, rc, name, e);
	if (s.got != size) {
		x->retryable = 0;       /* not the network: the object is being written */
		return jerr_set(e, EX_TEMPFAIL, "%s%s: %s bytes, not the %llu listed (being "
		    "written or changed?)", x->u->redacted, name, s.got > size ? "more" : "fewer",
		    (unsigned long long)size);
	}
	return 0;
}

int
jxcurl_remove(struct jxcurl *x, const char *name, struct jerr *e)
{
	char cmd[PATH_MAX + 64], path[PATH_MAX], url[8192];
	CURLcode rc;
	uint64_t have;
	int r;

	x->retryable = 0;
	if (x->u->scheme == JURL_FTP) {
		snprintf(cmd, sizeof cmd, "DELE %s", name);
		if (remote_quote(x, name, cmd, NULL, &rc, e) < 0)
			return -1;
	} else if (x->u->scheme == JURL_SFTP) {
		if ((size_t)snprintf(path, sizeof path, "%s%s", x->u->dirpath, name) >= sizeof path ||
		    sftp_quote(cmd, sizeof cmd, "rm", path, NULL) < 0)
			return jerr_set(e, EX_USAGE, "%s%s: path too long or not quotable",
			    x->u->redacted, name);
		if (remote_quote(x, name, cmd, NULL, &rc, e) < 0)
			return -1;
	} else {
		if (request(x, url, sizeof url, name, e) < 0)
			return -1;
		curl_easy_setopt(x->h, CURLOPT_URL, url);
		curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, "DELETE");
		curl_easy_setopt(x->h, CURLOPT_FAILONERROR, 1L);
		rc = perform(x);
		if (http_absent(x, rc))
			return 0;
	}
	if (rc == CURLE_OK)
		return 0;
	/* A failed DELE/rm of a file that is not there is success: look. */
	if ((r = remote_size(x, name, &have, e)) == 0)
		return 0;
	if (r < 0)
		return -1;
	return fail(x, rc, "remove", name, e);
}

int
jxcurl_mkdir(struct jxcurl *x, struct jerr *e)
{
	char cmd[PATH_MAX + 64], dir[PATH_MAX];
	const char *leaf;
	size_t n = strlen(x->u->dirpath);
	CURLcode rc;

	x->retryable = 0;
	if (n < 2 || n >= sizeof dir)
		return 0;
	snprintf(dir, sizeof dir, "%.*s", (int)(n - 1), x->u->dirpath);
	leaf = strrchr(dir, '/') + 1;
	if (x->u->scheme == JURL_HTTP) {
		if (setup(x, e) < 0)
			return -1;
		curl_easy_setopt(x->h, CURLOPT_URL, x->u->dirurl);
		curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, "MKCOL");
		rc = perform(x);         /* 405: it exists */
		return rc == CURLE_OK ? 0 : fail(x, rc, "create", leaf, e);
	}
	/* Quote commands run before libcurl changes directory (ftp: from the login directory,
	 * to which URL paths are relative); a '*' prefix ignores "exists" (the put checks). */
	if (x->u->scheme == JURL_FTP)
		snprintf(cmd, sizeof cmd, "*MKD %s", dir + 1);
	else if (sftp_quote(cmd + 1, sizeof cmd - 1, "mkdir", dir, NULL) < 0)
		return jerr_set(e, EX_USAGE, "%s: not quotable", x->u->redacted);
	else
		cmd[0] = '*';
	if (setup(x, e) < 0)
		return -1;
	{
		char url[8192];
		struct curl_slist *q = curl_slist_append(NULL, cmd);
		snprintf(url, sizeof url, "%.*s", (int)(strlen(x->u->dirurl) - strlen(leaf) - 1),
		    x->u->dirurl);
		curl_easy_setopt(x->h, CURLOPT_URL, url);
		curl_easy_setopt(x->h, CURLOPT_NOBODY, 1L);
		curl_easy_setopt(x->h, CURLOPT_QUOTE, q);
		rc = perform(x);
		curl_easy_setopt(x->h, CURLOPT_QUOTE, NULL);
		curl_slist_free_all(q);
	}
	return rc == CURLE_OK ? 0 : fail(x, rc, "create", leaf, e);
}
