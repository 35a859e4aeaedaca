/*
 * jbackup: a consistent backup of a mirror (or primary) database with its bookkeeping, as a
 * compressed tar archive (MANIFEST, then the database file), and its restore as the seed of a
 * new mirror. The copy is taken under the integration lock, so a backup and an integration
 * never overlap; the archive is written after the lock is released, from the copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "apply.h"
#include "sqlite.h"
#include "clock.h"
#include "digest.h"
#include "report.h"
#include "fmt.h"
#include "io.h"
#include "lock.h"
#include "name.h"
#include "parse.h"
#include "segdir.h"
#include "seg.h"
#include "text.h"
#include "zio.h"

static const char synopsis[] =
    "jbackup [--no-wait] [--force] [--journal DIR/NAME.journal] --db DB -o FILE.tar.zst\n"
    "       jbackup --restore FILE [--no-wait] [--force] [--as-operational] --db NEW.db";

#define MANIFEST     "MANIFEST"
#define MEMBER_DB    "database"
#define MANIFEST_MAX 8192

struct config {
	const char *db, *out, *restore, *journal;
	int         nowait, force, as_operational;
};

static int
comp_of(const char *path)
{
	size_t n = strlen(path);
#define ENDS(s) (n >= sizeof(s) - 1 && !strcmp(path + n - (sizeof(s) - 1), s))
	if (ENDS(".tar.gz") || ENDS(".tgz"))
		return JCOMP_GZIP;
	if (ENDS(".tar.xz") || ENDS(".txz"))
		return JCOMP_XZ;
	if (ENDS(".tar"))
		return JCOMP_NONE;
#undef ENDS
	return JCOMP_ZSTD;
}

/* Size and SHA-256 of a file. */
static int
hash_file(const char *path, uint64_t *size, uint8_t dg[JDIGEST_LEN])
{
	struct jdigest d;
	char buf[64 * 1024];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || jdigest_init(&d) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*size = 0;
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			jdigest_free(&d);
			close(fd);
			return -1;
		}
		jdigest_update(&d, buf, (size_t)n);
		*size += (uint64_t)n;
	}
	jdigest_final(&d, dg);
	close(fd);
	return 0;
}

static int
manifest(char *buf, size_t size, const char *src, const struct japply_state *st,
    uint64_t dbsize, const uint8_t dg[JDIGEST_LEN])
{
	char now[64], host[256] = "", hex[JDIGEST_HEX], abs[PATH_MAX], stbuf[4096];
	uint64_t t = jclock_now();
	int n, m;

	gethostname(host, sizeof host - 1);
	if (!realpath(src, abs))
		snprintf(abs, sizeof abs, "%s", src);
	jdigest_hex(dg, JDIGEST_LEN, hex);
	n = snprintf(buf, size, "jbackup 1\ncreated %s\ncreated_ns %llu\nhost %s\nsource %s\n"
	    "member %s\nsize %llu\nsha256 %s\n", jtext_time(t, 0, now, sizeof now) ? now : "unknown",
	    (unsigned long long)t, host, abs, MEMBER_DB, (unsigned long long)dbsize, hex);
	if (n < 0 || (size_t)n >= size)
		return -1;
	if (!st->present)
		m = snprintf(buf + n, size - (size_t)n, "role none\n");
	else if ((m = japply_state_format(st, stbuf, sizeof stbuf)) >= 0)
		m = snprintf(buf + n, size - (size_t)n, "%s", stbuf);
	if (m < 0 || (size_t)m >= size - (size_t)n)
		return -1;
	return n + m;
}

/*
 * Commit time of the last record before segment (tl, seq) of journal NAME in dir: the final
 * segment is often empty. 0 if none is found.
 */
static uint64_t
last_time_before(const char *dir, const char *name, uint32_t tl, uint64_t seq)
{
	struct jsegdir_ent *v;
	struct jerr e;
	size_t n;
	uint64_t t = 0;

	if (jsegdir_list(dir, &v, &n, &e) < 0)
		return 0;
	for (size_t i = n; i-- > 0 && !t; ) {
		char path[8192];
		struct jseg *s;
		struct jseg_rec r;
		if (strcmp(v[i].n.name, name) || v[i].n.timeline != tl || v[i].n.seq >= seq)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, v[i].base);
		if (jseg_open(path, JSEG_SEALED, &s, &e) < 0)
			continue;
		while (jseg_next(s, &r, &e) == 1)
			t = r.time;
		jseg_close(s);
	}
	free(v);
	return t;
}

/*
 * The copy of an operational database made a mirror seed: its journal was closed by a final
 * rotation, so the database holds exactly the records up to that final segment. Rewrite the
 * copy's bookkeeping to say so. Returns 0 or an exit code.
 */
static int
seed_from_final(const char *copy, const char *journal, struct japply_state *st)
{
	struct japply_opts ao = { .db = copy, .sync = 1 };
	struct japply *a;
	struct jseg *s;
	struct jseg_rec r;
	struct jerr e;
	struct jfmt_header h;
	const struct jfmt_trailer *tp;
	struct jfmt_trailer t;
	uint64_t last_time = 0;
	char base[JNAME_MAX + 1];
	int rc;

	if (!st->operational)
		jdiex(EX_USAGE, "--journal is for an operational database; %s is a mirror",
		    copy);
	if ((rc = jseg_probe(journal, &h, &t, &e)) < 0)
		jdiex(e.code == EX_NOINPUT ? EX_NOINPUT : EX_DATAERR, "%s: %s", journal, e.msg);
	if (rc == 0 || !(t.flags & JFMT_FINAL))
		jdiex(EX_UNAVAILABLE, "%s: not closed by a final rotation (run jrotate --final first)",
		    journal);
	if (jseg_open(journal, JSEG_SEALED, &s, &e) < 0)
		jdiex(EX_DATAERR, "%s: %s", journal, e.msg);
	h = *jseg_header(s);
	while ((rc = jseg_next(s, &r, &e)) == 1)
		last_time = r.time;
	if (rc < 0)
		jdiex(EX_DATAERR, "%s: %s", journal, e.msg);
	tp = jseg_trailer(s);
	t = *tp;
	jseg_close(s);
	if (!(t.flags & JFMT_FINAL))
		jdiex(EX_UNAVAILABLE, "%s: not closed by a final rotation (run jrotate --final first)",
		    journal);
	if (memcmp(h.lineage, st->lineage, JFMT_LINEAGE_LEN) || h.timeline != st->timeline + 1)
		jdiex(EX_DATAERR, "%s: not the journal this database started on timeline %u at "
		    "its promotion", journal, st->timeline + 1);
	if (st->ntl == JAPPLY_MAX_TL) {
		memmove(st->tl, st->tl + 1, sizeof st->tl[0] * (JAPPLY_MAX_TL - 1));
		st->ntl--;
	}
	st->tl[st->ntl].timeline = h.timeline;
	st->tl[st->ntl].seq = st->sealed ? st->seq + 1 : st->seq;
	st->tl[st->ntl].lsn = st->last_lsn + 1;
	st->ntl++;
	st->timeline = h.timeline;
	if (jname_segment(base, sizeof base, st->name, h.timeline, h.seq, JCOMP_NONE) < 0)
		jdiex(EX_SOFTWARE, "segment name too long");
	if (!last_time) {
		char dir[4096];
		last_time = last_time_before(jio_dirname(journal, dir, sizeof dir), st->name,
		    h.timeline, h.seq);
	}
	japply_advance(st, &h, base, t.last_lsn, last_time, &t);
	st->operational = 0;
	if (japply_open(&ao, &a, &e) < 0 || japply_begin(a, NULL, 1, 0, &e) < 0 ||
	    japply_commit(a, st, &e) < 0)
		jdiex(e.code, "%s: %s", copy, e.msg);
	japply_close(a);
	if (jsqlite_settle(copy, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	return 0;
}

/* Refuse to overwrite without --force; name the two temporaries beside the output. */
static void
backup_names(const struct config *c, char tmpdb[PATH_MAX], char tmpout[PATH_MAX])
{
	struct stat sb;

	if (!c->force && lstat(c->out, &sb) == 0)
		jdiex(EX_CANTCREAT, "%s exists already (--force replaces it)", c->out);
	if (access(c->db, F_OK) < 0)
		jdie(EX_NOINPUT, "%s", c->db);
	if ((size_t)snprintf(tmpout, PATH_MAX, "%s.db", c->out) >= PATH_MAX ||
	    jafile_tmpname(tmpdb, PATH_MAX, tmpout) < 0 ||
	    jafile_tmpname(tmpout, PATH_MAX, c->out) < 0)
		jdiex(EX_USAGE, "%s: name too long", c->out);
	unlink(tmpdb);
}

/* Copy the database under the integration lock: a copy never holds half a segment. */
static void
copy_locked(const struct config *c, const char *tmpdb)
{
	struct jerr e;
	int lk;

	if ((lk = japply_lock(c->db, c->nowait ? JLOCK_NOWAIT : JLOCK_WAIT, &e)) < 0) {
		if (e.code == EX_TEMPFAIL)
			jdiex(EX_TEMPFAIL, "%s: busy: an integration (or another backup) holds "
			    "its lock", c->db);
		jdiex(e.code, "%s: %s", c->db, e.msg);
	}
	if (jsqlite_copy(c->db, tmpdb, &e) < 0) {
		unlink(tmpdb);
		jdiex(e.code, "%s", e.msg);
	}
	jlock_close(lk);
}

/* The archive into fd (closed here, after its fsync): the manifest, then the copy. */
static int
write_archive(int fd, const struct config *c, const char *tmpdb, const char *tmpout,
    const char *man, size_t mlen, uint64_t size, struct jerr *e)
{
	struct jzio_tar *t;
	int mfd = open(tmpdb, O_RDONLY | O_CLOEXEC);

	if (mfd < 0) {
		jerr_sys(e, EX_IOERR, "unable to read %s", tmpdb);
		goto bad;
	}
	if (jzio_tar_open_write(fd, comp_of(c->out), 0, &t, e) < 0)
		goto bad;
	if (jzio_tar_add_buf(t, MANIFEST, man, mlen, jclock_now() / 1000000000u, e) < 0 ||
	    jzio_tar_add(t, MEMBER_DB, mfd, size, jclock_now() / 1000000000u, e) < 0) {
		jzio_tar_close(t);
		goto bad;
	}
	if (jzio_tar_finish(t, e) < 0)
		goto bad;
	close(mfd);
	if (fsync(fd) < 0 || close(fd) < 0)
		return jerr_sys(e, EX_IOERR, "unable to write %s", tmpout);
	return 0;
bad:
	if (mfd >= 0)
		close(mfd);
	close(fd);
	return -1;
}

/* The finished archive under its name: atomically, and over an old one only with --force. */
static int
publish(const struct config *c, const char *tmpout, struct jerr *e)
{
	if (!c->force)
		return jafile_publish(tmpout, c->out, e);
	if (rename(tmpout, c->out) < 0 || jio_fsync_dir(c->out) < 0)
		return jerr_sys(e, EX_CANTCREAT, "unable to replace %s", c->out);
	return 0;
}

static int
backup(const struct config *c)
{
	char tmpdb[PATH_MAX], tmpout[PATH_MAX], man[MANIFEST_MAX], hex[JDIGEST_HEX];
	struct japply_state st;
	struct jerr e;
	uint8_t dg[JDIGEST_LEN];
	uint64_t size;
	int fd, n, rc;

	backup_names(c, tmpdb, tmpout);
	copy_locked(c, tmpdb);
	if (japply_state_read(tmpdb, 0, &st, &e) < 0) {
		unlink(tmpdb);
		jdiex(e.code, "%s: %s", c->db, e.msg);
	}
	if (c->journal)
		seed_from_final(tmpdb, c->journal, &st);
	if (hash_file(tmpdb, &size, dg) < 0 ||
	    (n = manifest(man, sizeof man, c->db, &st, size, dg)) < 0) {
		unlink(tmpdb);
		jdie(EX_IOERR, "unable to read %s", tmpdb);
	}
	if ((fd = open(tmpout, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0) {
		unlink(tmpdb);
		jdie(EX_CANTCREAT, "unable to create %s", tmpout);
	}
	fchmod(fd, 0640);
	rc = write_archive(fd, c, tmpdb, tmpout, man, (size_t)n, size, &e);
	unlink(tmpdb);
	if (rc < 0 || publish(c, tmpout, &e) < 0) {
		unlink(tmpout);
		jdiex(e.code, "unable to back up %s to %s: %s", c->db, c->out, e.msg);
	}
	jdigest_hex(dg, JDIGEST_LEN, hex);
	if (st.present)
		jwarnx("%s: %s of %s at timeline %u, seq %llu, LSN %llu (%llu bytes, sha256 %.16s...)",
		    c->out, st.operational ? "operational database" : "mirror", st.name,
		    st.timeline, (unsigned long long)st.seq, (unsigned long long)st.last_lsn,
		    (unsigned long long)size, hex);
	return 0;
}

/* The value of "key" in the manifest, or NULL. */
static const char *
mget(const char *man, const char *key, char *buf, size_t size)
{
	size_t k = strlen(key);

	for (const char *p = man; *p; ) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > k && !strncmp(p, key, k) && p[k] == ' ') {
			size_t v = len - k - 1;
			if (v >= size)
				v = size - 1;
			memcpy(buf, p + k + 1, v);
			buf[v] = '\0';
			return buf;
		}
		p += len + (nl ? 1 : 0);
	}
	return NULL;
}

/* The manifest, the archive's first member, into man (MANIFEST_MAX + 1 bytes), terminated. */
static void
read_manifest(const struct config *c, struct jzio_tar *t, char *man)
{
	char name[256];
	uint64_t len;
	struct jerr e;
	ssize_t n;
	int rc;

	if ((rc = jzio_tar_next(t, name, sizeof name, &len, &e)) <= 0 || strcmp(name, MANIFEST) ||
	    len > MANIFEST_MAX)
		jdiex(EX_DATAERR, "%s: not a jbackup archive (no %s first)%s%s", c->restore,
		    MANIFEST, rc < 0 ? ": " : "", rc < 0 ? e.msg : "");
	for (size_t off = 0; off < len; off += (size_t)n)
		if ((n = jzio_tar_read(t, man + off, (size_t)len - off, &e)) <= 0)
			jdiex(EX_DATAERR, "%s: %s", c->restore, n < 0 ? e.msg : "short manifest");
	man[len] = '\0';
}

/* What the manifest promises of the database member: its size and SHA-256. The member
 * must follow with that size; a backup of an operational database needs --as-operational. */
static void
check_manifest(const struct config *c, struct jzio_tar *t, const char *man, uint64_t *size,
    uint8_t want[JDIGEST_LEN])
{
	char name[256], v[256];
	uint64_t len;
	struct jerr e;
	int rc;

	if (strncmp(man, "jbackup 1\n", 10) != 0 || !mget(man, "size", v, sizeof v) ||
	    jparse_u64(v, size) < 0 || !mget(man, "sha256", v, sizeof v) ||
	    jdigest_unhex(v, want, JDIGEST_LEN) < 0 || !mget(man, "role", v, sizeof v))
		jdiex(EX_DATAERR, "%s: manifest not understood", c->restore);
	if (!strcmp(v, "operational") && !c->as_operational)
		jdiex(EX_DATAERR, "%s: a backup of an operational database: its bookkeeping "
		    "stops where it was promoted, so it cannot seed a mirror (take the backup "
		    "after jrotate --final with jbackup --journal, or back up a mirror); "
		    "--as-operational restores it as the operational database", c->restore);
	if ((rc = jzio_tar_next(t, name, sizeof name, &len, &e)) <= 0 || strcmp(name, MEMBER_DB) ||
	    len != *size)
		jdiex(EX_DATAERR, "%s: damaged archive: no database of %llu bytes after the "
		    "manifest%s%s", c->restore, (unsigned long long)*size, rc < 0 ? ": " : "",
		    rc < 0 ? e.msg : "");
}

/* The database member into tmp, durable and checked against the manifest and by SQLite;
 * its bookkeeping into *st. On any failure tmp is removed and the tool exits. */
static void
extract_db(const struct config *c, struct jzio_tar *t, const char *tmp, uint64_t size,
    const uint8_t want[JDIGEST_LEN], struct japply_state *st)
{
	char buf[64 * 1024];
	uint8_t dg[JDIGEST_LEN];
	struct jdigest d;
	struct jerr e;
	uint64_t got = 0;
	ssize_t n;
	int out;

	if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0)
		jdie(EX_CANTCREAT, "unable to create %s", tmp);
	fchmod(out, 0640);
	if (jdigest_init(&d) < 0)
		jdie(EX_OSERR, "out of memory");
	while ((n = jzio_tar_read(t, buf, sizeof buf, &e)) > 0) {
		jdigest_update(&d, buf, (size_t)n);
		got += (uint64_t)n;
		if (jio_write_all(out, buf, (size_t)n) < 0) {
			unlink(tmp);
			jdie(EX_IOERR, "unable to write %s", tmp);
		}
	}
	jdigest_final(&d, dg);
	if (n < 0 || got != size || memcmp(dg, want, JDIGEST_LEN)) {
		unlink(tmp);
		jdiex(EX_DATAERR, "%s: damaged archive: %s", c->restore, n < 0 ? e.msg :
		    "the database's size or SHA-256 differs from the manifest's");
	}
	if (fsync(out) < 0 || close(out) < 0) {
		unlink(tmp);
		jdie(EX_IOERR, "unable to write %s", tmp);
	}
	if (jsqlite_quick_check(tmp, &e) < 0 || japply_state_read(tmp, 0, st, &e) < 0) {
		unlink(tmp);
		jdiex(EX_DATAERR, "%s: %s", c->restore, e.msg);
	}
}

/* tmp becomes the database, under the integration lock, with no stale WAL beside it. */
static void
put_in_place(const struct config *c, const char *tmp)
{
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	char aux[PATH_MAX];
	struct stat sb;
	struct jerr e;
	int lk;

	if ((lk = japply_lock(c->db, c->nowait ? JLOCK_NOWAIT : JLOCK_WAIT, &e)) < 0) {
		unlink(tmp);
		jdiex(e.code, "%s: %s", c->db, e.code == EX_TEMPFAIL ? "busy: an integration "
		    "(or a backup) holds its lock" : e.msg);
	}
	if (!c->force && lstat(c->db, &sb) == 0) {
		unlink(tmp);
		jdiex(EX_CANTCREAT, "%s exists already", c->db);
	}
	/* A stale WAL or hot journal of the replaced database must never meet the new file. */
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(aux, sizeof aux, "%s%s", c->db, sfx[i]);
		if (unlink(aux) < 0 && errno != ENOENT) {
			unlink(tmp);
			jdie(EX_IOERR, "unable to remove %s", aux);
		}
	}
	if (rename(tmp, c->db) < 0 || jio_fsync_dir(c->db) < 0) {
		unlink(tmp);
		jdie(EX_CANTCREAT, "unable to put %s in place", c->db);
	}
	jlock_close(lk);
}

static int
restore(const struct config *c)
{
	char man[MANIFEST_MAX + 1], tmp[PATH_MAX];
	struct japply_state st;
	struct jzio_tar *t;
	struct jerr e;
	struct stat sb;
	uint8_t want[JDIGEST_LEN];
	uint64_t size = 0;
	int fd;

	if (!c->force && lstat(c->db, &sb) == 0)
		jdiex(EX_CANTCREAT, "%s exists already: a restore seeds a new mirror (--force "
		    "replaces it)", c->db);
	if ((fd = open(c->restore, O_RDONLY | O_CLOEXEC)) < 0)
		jdie(errno == ENOENT ? EX_NOINPUT : EX_IOERR, "%s", c->restore);
	if (jzio_tar_open_read(fd, &t, &e) < 0)
		jdiex(EX_DATAERR, "%s: %s", c->restore, e.msg);
	read_manifest(c, t, man);
	check_manifest(c, t, man, &size, want);
	if (jafile_tmpname(tmp, sizeof tmp, c->db) < 0)
		jdiex(EX_USAGE, "%s: name too long", c->db);
	extract_db(c, t, tmp, size, want, &st);
	jzio_tar_close(t);
	close(fd);
	put_in_place(c, tmp);
	if (st.present)
		jwarnx("restored %s: %s of %s at timeline %u, seq %llu%s, LSN %llu; integration "
		    "continues with seq %llu", c->db, st.operational ? "operational database" :
		    "mirror", st.name, st.timeline, (unsigned long long)st.seq,
		    st.sealed ? "" : " (in part)", (unsigned long long)st.last_lsn,
		    (unsigned long long)(st.sealed ? st.seq + 1 : st.seq));
	else
		jwarnx("restored %s: no mirror bookkeeping (an empty mirror starts at seq 1)",
		    c->db);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "restore", required_argument, NULL, 'r' },
		{ "journal", required_argument, NULL, 'j' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "as-operational", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct config c = { 0 };
	int ch;

	jerr_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': c.db = optarg; break;
		case 'o': c.out = optarg; break;
		case 'r': c.restore = optarg; break;
		case 'j': c.journal = optarg; break;
		case 'n': c.nowait = 1; break;
		case 'f': c.force = 1; break;
		case 'O': c.as_operational = 1; break;
		case 'h': jusage(synopsis, 0);
		case 'V': jversion();
		default: jusage(synopsis, EX_USAGE);
		}
	}
	if (optind != argc || !c.db || !c.out == !c.restore)
		jusage(synopsis, EX_USAGE);
	if (japply_is_pg(c.db))
		jdiex(EX_USAGE, "a PostgreSQL mirror is backed up and seeded with pg_dump and "
		    "pg_restore (see jmirror(7))");
	if (c.restore && c.journal)
		jdiex(EX_USAGE, "--journal is for taking a backup, not restoring one");
	if (c.out && c.as_operational)
		jdiex(EX_USAGE, "--as-operational is for --restore");
	return c.restore ? restore(&c) : backup(&c);
}
