/*
 * fuzz_seg: libFuzzer target for the streaming reader (seg.c, and through it fmt.c, zio.c).
 * Each input is read as a sealed segment, as a live journal and, when it starts like a
 * compressed stream, as a compressed segment. Besides the sanitizers' checks, the reader's
 * promises are asserted: records come out in LSN order, never longer than the limit, at
 * increasing offsets; a sealed read that succeeds ends with a trailer that matches it (and
 * the signature block a signed one carries after it); a
 * failure says why; a finished reader stays finished; jseg_probe_fd calls complete every
 * segment that reads through; a read that succeeds never ends inside a group (jmirror(5):
 * a sealed segment cannot, and a live journal's incomplete group is a torn tail).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "seg.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

/* Read the whole file as name says; 1 if it was read to its end without error. */
static int
run(int fd, const char *name)
{
	struct jseg *s;
	struct jerr e;
	struct jseg_rec r;
	uint64_t n = 0, off = 0;
	uint8_t flags = 0;
	int rc;

	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	memset(&e, 0, sizeof e);
	if (jseg_open_fd(fd, name, JSEG_AUTO, &s, &e) < 0) {
		want(e.code != 0 && e.msg[0] != '\0');
		return 0;
	}
	want(jseg_header(s)->seq != 0 && jseg_header(s)->timeline != 0);
	while ((rc = jseg_next(s, &r, &e)) == 1) {
		want(r.lsn == jseg_header(s)->first_lsn + n);
		want(r.len <= JFMT_MAX_PAYLOAD);
		want(r.off >= off + (n ? JFMT_REC_OVERHEAD : JFMT_HEADER_SIZE));
		off = r.off;
		flags = r.flags;
		want(!(flags & ~JFMT_REC_CONTINUES) && (!flags || jseg_header(s)->version >= 3));
		for (uint32_t i = 0; i < r.len; i++)
			sink ^= r.data[i];          /* every byte of the record is readable */
		n++;
	}
	want(jseg_records(s) == n);
	if (rc == 0) {
		const struct jfmt_trailer *t = jseg_trailer(s);
		if (jseg_mode(s) == JSEG_SEALED)
			want(t != NULL);
		want(!(flags & JFMT_REC_CONTINUES));
		if (t) {
			want(t->records == n);
			want(t->last_lsn == jseg_last_lsn(s));
			want(t->size + (jseg_sig(s) ? JFMT_SIG_SIZE : 0) == jseg_offset(s));
		}
		want(jseg_next(s, &r, &e) == 0);
	} else {
		want(rc == -1 && e.msg[0] != '\0');
		want(e.code == EX_DATAERR || e.code == EX_IOERR || e.code == EX_OSERR);
		want(jseg_next(s, &r, &e) == -1);
	}
	jseg_close(s);
	return rc == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;

	if (fd < 0 && (fd = memfd_create("seg", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (run(fd, "db.0001-000000000001.journal")) {
		/* the cheap completeness check agrees with a full read that succeeded */
		struct jfmt_header h;
		struct jfmt_trailer t;
		struct jerr e;
		want(jseg_probe_fd(fd, "db.0001-000000000001.journal", &h, &t, &e) == 1);
		want(t.size + ((h.flags & JFMT_HDR_SIGNED) ? JFMT_SIG_SIZE : 0) == size);
	}
	run(fd, "db.journal");
	if ((size >= 4 && !memcmp(data, "\x28\xb5\x2f\xfd", 4)) ||
	    (size >= 2 && !memcmp(data, "\x1f\x8b", 2)) ||
	    (size >= 6 && !memcmp(data, "\xfd" "7zXZ\0", 6)))
		run(fd, "db.0001-000000000001.journal.zst");
	return 0;
}
