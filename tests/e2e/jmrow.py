#!/usr/bin/env python3
"""Read the row records of journal files from man/jmirror.5 alone, for the capture tests.

  python3 jmrow.py show FILE...        one line per row record ("record LSN FIRST-LAST FLAGS")
                                       and one per change, values exact (reals as float.hex)
  python3 jmrow.py positions FILE...   "FIRST LAST" of every row record, in order
  python3 jmrow.py replay DB FILE...   apply every change to the SQLite database DB, by key,
                                       in one transaction per group, and fail (exit 1) on a
                                       change that does not fit (divergence)

FILEs are read in the order given (segments, then the live journal); a live journal's
torn tail or incomplete group is left out as the man page says. An independent reader: if
it reads what jcapture writes, the man page is precise enough to implement the format.
"""
import sqlite3, struct, sys


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89JML\r\n\x1a\n":
        sys.exit("%s: not a journal" % path)
    version = struct.unpack_from("<H", data, 8)[0]
    off, out = 128, []
    while off + 24 <= len(data):
        if data[off:off + 8] == b"\xff\xff\xff\xffSEAL":
            break
        ln, typ, flags, _batch, lsn, _t = struct.unpack_from("<IBBHQQ", data, off)
        if off + 28 + ln > len(data):
            break                           # torn tail
        out.append((lsn, typ, flags if version >= 3 else 0, data[off + 24:off + 24 + ln]))
        off += 28 + ln
    while out and out[-1][2] & 1:           # an incomplete group is part of the torn tail
        out.pop()
    return out


class Reader:
    def __init__(self, p):
        self.p, self.o = p, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.p, self.o)
        self.o += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def bytes(self, n):
        b = self.p[self.o:self.o + n]
        if len(b) != n:
            raise ValueError("short payload")
        self.o += n
        return b

    def name(self):
        return self.bytes(self.take("<H")).decode()

    def value(self):
        tag = self.take("<B")
        if tag == 0:
            return None
        if tag == 1:
            return self.take("<q")
        if tag == 2:
            return self.take("<d")
        if tag == 3:
            return ("text", self.bytes(self.take("<I")))
        if tag == 4:
            return self.bytes(self.take("<I"))
        raise ValueError("tag %d" % tag)

    def cols(self):
        return [(self.name(), self.value()) for _ in range(self.take("<H"))]


def changes(payload):
    r = Reader(payload)
    first, last = r.take("<QQ")
    out = []
    while r.o < len(payload):
        op = r.take("<B")
        if op == 4:
            out.append((op, None, r.bytes(r.take("<I")).decode(), None))
            continue
        _schema, table = r.name(), r.name()
        key = r.cols()
        row = r.cols()
        out.append((op, table, key, row))
    return first, last, out


def show_value(v):
    if v is None:
        return "NULL"
    if isinstance(v, float):
        return v.hex()
    if isinstance(v, tuple):
        return "text:" + v[1].hex()
    if isinstance(v, bytes):
        return "blob:" + v.hex()
    return str(v)


def show(cols):
    return ",".join("%s=%s" % (n, show_value(v)) for n, v in cols)


def groups(paths):
    """Row records grouped as the applier commits them."""
    group = []
    for p in paths:
        for lsn, typ, flags, payload in records(p):
            group.append((lsn, typ, flags, payload))
            if not flags & 1:
                yield group
                group = []


def sqlval(v):
    if isinstance(v, tuple):
        return v[1].decode("utf-8", "surrogateescape")
    return v


def apply(db, op, table, key, row):
    q = lambda n: '"%s"' % n.replace('"', '""')
    where = " AND ".join("%s IS ?" % q(n) for n, _ in key)
    kv = [sqlval(v) for _, v in key]
    have = db.execute("SELECT count(*) FROM %s WHERE %s" % (q(table), where), kv).fetchone()[0]
    if op == 1:
        if have:
            raise SystemExit("divergence: insert over an existing row of %s %r" % (table, kv))
        db.execute("INSERT INTO %s(%s) VALUES(%s)" % (q(table), ",".join(q(n) for n, _ in row),
                   ",".join("?" * len(row))), [sqlval(v) for _, v in row])
    elif op == 2:
        if not have:
            raise SystemExit("divergence: update of a missing row of %s %r" % (table, kv))
        db.execute("UPDATE %s SET %s WHERE %s" % (q(table), ",".join("%s=?" % q(n) for n, _ in row),
                   where), [sqlval(v) for _, v in row] + kv)
    elif op == 3:
        if not have:
            raise SystemExit("divergence: delete of a missing row of %s %r" % (table, kv))
        db.execute("DELETE FROM %s WHERE %s" % (q(table), where), kv)


def run_sql(db, text):
    """Statements one by one, inside the caller's transaction (executescript would commit)."""
    rest = text
    while rest.strip():
        end = 1
        while end < len(rest) and not sqlite3.complete_statement(rest[:end]):
            end += 1
        db.execute(rest[:end])
        rest = rest[end:]


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "replay":
        db = sqlite3.connect(args[0], isolation_level=None)
        db.text_factory = bytes
        for g in groups(args[1:]):
            db.execute("BEGIN")
            for lsn, typ, flags, payload in g:
                if typ != 128:
                    continue
                for op, table, key, row in changes(payload)[2]:
                    if op == 4:
                        run_sql(db, key)
                    else:
                        apply(db, op, table, key, row)
            db.execute("COMMIT")
        return
    for p in args:
        for lsn, typ, flags, payload in records(p):
            if typ != 128:
                continue
            first, last, ch = changes(payload)
            if cmd == "positions":
                print(first, last)
                continue
            print("record %d %d-%d%s" % (lsn, first, last, " continues" if flags & 1 else ""))
            for op, table, key, row in ch:
                if op == 4:
                    print("sql", key.replace("\n", " "))
                else:
                    print(["", "insert", "update", "delete"][op], table, show(key), "->", show(row))


if __name__ == "__main__":
    main()
