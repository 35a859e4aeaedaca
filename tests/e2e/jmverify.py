#!/usr/bin/env python3
"""Verify the check records of journal files against an SQLite database, from man/jmirror.5
alone (CHECK RECORDS), for the checksum tests.

  python3 jmverify.py [--last] DB FILE...   for every check record (type 129) of the FILEs
                                            (or the last one only): "LSN N: ok, T tables,
                                            C chunks", or the first chunk that differs, and
                                            exit 1
  python3 jmverify.py --count FILE...       how many check records the FILEs hold

An independent reader and verifier: if it agrees with what jcapture --checksum writes and
jintegrate checks, the man page is precise enough for another mirror to verify the record.
"""
import hashlib, os, sqlite3, struct, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jmrow  # noqa: E402  the record reader both share


def records(path):
    """(LSN, type, payload) of every complete record of path."""
    return [(lsn, typ, p) for lsn, typ, _flags, p in jmrow.records(path)]


class Reader(jmrow.Reader):
    def value(self):
        """A row record value, as SQLite takes it as a parameter."""
        tag = self.take("<B")
        if tag == 0:
            return None
        if tag == 1:
            return self.take("<q")
        if tag == 2:
            return self.take("<d")
        if tag in (3, 5, 6):
            return self.bytes(self.take("<I")).decode()
        if tag == 4:
            return self.bytes(self.take("<I"))
        if tag == 7:
            return self.take("<B")
        raise ValueError("tag %d" % tag)


def encode(typ, v):
    """A value as a row record encodes it: tag and data."""
    if typ == b"null":
        return b"\0"
    if typ == b"integer":
        return b"\1" + struct.pack("<q", v)
    if typ == b"real":
        return b"\2" + struct.pack("<d", v)
    tag = b"\3" if typ == b"text" else b"\4"
    return tag + struct.pack("<I", len(v)) + v


def q(n):
    return '"%s"' % n.replace('"', '""')


def chunk_rows(db, schema, table, keys, cols, lo, hi):
    row = lambda names: "(%s)" % ", ".join(q(k) for k in names)
    where, args = [], []
    if lo is not None:
        where.append("%s > (%s)" % (row(keys), ", ".join("?" * len(keys))))
        args += lo
    else:
        where += ["%s IS NOT NULL" % q(k) for k in keys]
    if hi is not None:
        where.append("%s <= (%s)" % (row(keys), ", ".join("?" * len(keys))))
        args += hi
    sel = ", ".join("typeof(%s), %s" % (q(c), q(c)) for c in cols)
    return db.execute("SELECT %s FROM %s.%s WHERE %s ORDER BY %s" % (sel, q(schema or "main"),
                      q(table), " AND ".join(where), ", ".join(q(k) for k in keys)), args)


def verify(db, lsn, payload):
    r = Reader(payload)
    if r.take("<B") != 0:
        return "LSN %d: reserved flags set" % lsn
    ntable, nchunks = r.take("<H"), 0
    for _ in range(ntable):
        schema, table = r.name(), r.name()
        keys = [r.name() for _ in range(r.take("<H"))]
        cols = [r.name() for _ in range(r.take("<H"))]
        for i in range(r.take("<I")):
            bounds = r.take("<B")
            lo = [r.value() for _ in keys] if bounds & 1 else None
            hi = [r.value() for _ in keys] if bounds & 2 else None
            rows, digest = r.take("<Q"), r.bytes(32)
            h, n = hashlib.sha256(), 0
            for got in chunk_rows(db, schema, table, keys, cols, lo, hi):
                for k in range(0, len(got), 2):
                    h.update(encode(got[k], got[k + 1]))
                n += 1
            if n != rows or h.digest() != digest:
                return "LSN %d: table %s, chunk %d (%r to %r): %d rows, %d expected%s" % (
                    lsn, table, i, lo, hi, n, rows, "" if n != rows else ", digest differs")
            nchunks += 1
    if r.o != len(payload):
        return "LSN %d: bytes after the last table" % lsn
    print("LSN %d: ok, %d tables, %d chunks" % (lsn, ntable, nchunks))
    return None


def main():
    args = sys.argv[1:]
    if args and args[0] == "--count":
        print(sum(1 for f in args[1:] for _l, typ, _p in records(f) if typ == 129))
        return
    last = args and args[0] == "--last"
    if last:
        args = args[1:]
    db = sqlite3.connect("file:%s?mode=ro" % args[0], uri=True)
    db.text_factory = bytes
    checks = [(lsn, p) for f in args[1:] for lsn, typ, p in records(f) if typ == 129]
    if last:
        checks = checks[-1:]
    if not checks:
        sys.exit("no check record")
    for lsn, p in checks:
        bad = verify(db, lsn, p)
        if bad:
            print(bad)
            sys.exit(1)


main()
