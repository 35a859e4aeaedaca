#!/bin/sh
# jcapture --install / --uninstall: every kind of table, the snapshot, exact values, REPLACE
# deletions, the binding to one journal, and no trace left behind.
. ./lib.sh

row() { python3 "$JM_SRC/tests/e2e/jmrow.py" "$@"; }
# The application's tables, as sqlite3 dumps them (jmirror's own objects left out).
appdump() { sqlite3 "$1" .dump | grep -v 'jmirror_\|^PRAGMA\|^BEGIN\|^COMMIT\|sqlite_sequence'; }
# A mirror made from the journal alone, compared with the primary.
mirrored() { rm -f r.db; row replay r.db app.journal && appdump app.db >p.dump &&
	appdump r.db >r.dump && test_cmp p.dump r.dump; }

expect_code 0 jcapture --help
check "--help prints the synopsis" grep -q 'jcapture --install' "$T/out"
expect_code 0 jcapture --version
expect_code 64 jcapture
expect_code 64 jcapture app.db
expect_code 64 jcapture --install --uninstall app.db app.journal
expect_code 64 jcapture --no-snapshot app.db app.journal
expect_code 64 jcapture --install --every 1s app.db app.journal
expect_code 64 jcapture --every 0 app.db app.journal

sqlite3 app.db "
CREATE TABLE kv(k PRIMARY KEY, v, u UNIQUE);
INSERT INTO kv VALUES('a',1,10),('b',2,20);
CREATE TABLE plain(x, y);
INSERT INTO plain VALUES(1, 'one'), (2, x'00ff');
CREATE TABLE wr(a, b, c, PRIMARY KEY(b, a)) WITHOUT ROWID;
INSERT INTO wr VALUES(1, 2, 3);
CREATE TABLE ip(id INTEGER PRIMARY KEY, t TEXT UNIQUE);
INSERT INTO ip VALUES(5, 'five');
CREATE INDEX plain_y ON plain(y);"
expect_code 66 jcapture --install app.db missing.journal
expect_code 66 jcapture --install missing.db app.journal
jappend --create app.journal
jappend --create other.journal
expect_code 66 jcapture --install missing.db app.journal
check "nothing installed in a missing database" test ! -e missing.db
expect_code 0 jcapture --install app.db app.journal
check "WAL mode" test "$(sqlite3 app.db 'PRAGMA journal_mode')" = wal
# five per table; three more where a REPLACE may remove a row whose key is not the new one's
check "five or eight triggers per table" test "$(sqlite3 app.db "SELECT group_concat(n, ' ') FROM
	(SELECT count(*) n FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'jmirror_capture_%'
	GROUP BY tbl_name ORDER BY tbl_name)")" = "8 8 5 5"
check "the snapshot is journaled at once" mirrored
check "the outbox is empty after the drain" test "$(sqlite3 app.db "SELECT count(*) FROM jmirror_outbox WHERE op <> 'P'")" -eq 0
expect_code 73 jcapture --install app.db app.journal
check "twice: says it is installed" grep -q 'already installed' "$T/err"
expect_code 65 jcapture --install app.db other.journal
expect_code 65 jcapture app.db other.journal
check "a foreign journal is named" grep -q 'another journal' "$T/err"
check "nothing went into the foreign journal" test "$(jcat other.journal | grep -vc '^#')" -eq 0

# Every change, with values that a text form would round.
sqlite3 app.db "
INSERT OR REPLACE INTO kv VALUES('a',3,20);
INSERT OR IGNORE INTO kv VALUES('a',9,99);
INSERT INTO kv VALUES('c', 9223372036854775807, -9223372036854775808);
UPDATE kv SET k = 'd' WHERE k = 'c';
INSERT INTO plain VALUES(0.1 + 0.2, 1e308), (1e308 * 10, -1e308 * 10), (-0.0, 4.9e-324);
INSERT INTO plain VALUES(CAST(x'61006200' AS TEXT), x'ff00fe');
BEGIN; INSERT INTO plain VALUES('rolled', 'back'); ROLLBACK;
UPDATE OR REPLACE ip SET t = 'five' WHERE id = 5;
INSERT INTO ip(t) VALUES('six');
UPDATE OR REPLACE ip SET t = 'six' WHERE id = 5;
REPLACE INTO ip VALUES(7, 'seven');
INSERT OR REPLACE INTO wr VALUES(1, 2, 4);
UPDATE wr SET a = 10 WHERE b = 2;
INSERT INTO kv VALUES('a', 5, 50) ON CONFLICT(k) DO UPDATE SET v = excluded.v;
INSERT OR IGNORE INTO ip VALUES(7, 'again');
UPDATE ip SET id = 70 WHERE id = 7;
DELETE FROM plain WHERE x = 1;"
check "REPLACE leaves no pending row" test "$(sqlite3 app.db 'SELECT count(*) FROM jmirror_pending')" -eq 0
expect_code 0 jcapture app.db app.journal
check "the mirror equals the primary" mirrored
row show app.journal >shown
check "REPLACE removed b through its unique column" grep -q '^delete kv k=text:62' shown
check "OR IGNORE noted nothing" sh -c '! grep -q "v=9,u=99" shown'
check "an upsert is an update, not a deletion" sh -c '! grep -q "^delete kv k=text:61 -> \$" shown || [ "$(grep -c "^delete kv k=text:61" shown)" -eq 1 ]'
check "a key change after OR IGNORE deletes nothing" sh -c '! grep -q "^delete ip id=7 " shown'
check "reals are exact" grep -q '0x1.3333333333334p-2' shown
check "text with a NUL byte is whole" grep -q 'text:61006200' shown
check "a rolled back insert is not captured" sh -c '! grep -q 726f6c6c6564 shown'
check "Inf" grep -q 'x=inf' shown

# Drain again: nothing new, nothing appended.
n=$(jcat app.journal | grep -vc '^#')
expect_code 0 jcapture app.db app.journal
check "an empty drain appends nothing" test "$(jcat app.journal | grep -vc '^#')" -eq "$n"

# --no-snapshot: a database seeded another way starts with nothing journaled.
sqlite3 seeded.db "CREATE TABLE t(a PRIMARY KEY); INSERT INTO t VALUES(1)"
jappend --create seeded.journal
expect_code 0 jcapture --install --no-snapshot seeded.db seeded.journal
check "--no-snapshot journals nothing" test "$(jcat seeded.journal | grep -vc '^#')" -eq 0
sqlite3 seeded.db "INSERT INTO t VALUES(2)"
expect_code 0 jcapture seeded.db seeded.journal
check "later changes are journaled" test "$(row show seeded.journal | grep -c '^insert t a=2')" -eq 1

# --uninstall: refused while changes wait, then no trace.
sqlite3 app.db "INSERT INTO plain VALUES('waiting', 1)"
expect_code 78 jcapture --uninstall app.db
check "says changes wait" grep -q 'wait in the outbox' "$T/err"
check "refused: still installed" test "$(sqlite3 app.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 'jmirror%'")" -gt 0
expect_code 0 jcapture app.db app.journal
expect_code 0 jcapture --uninstall app.db
check "no trace in the schema" test "$(sqlite3 app.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 'jmirror%'")" -eq 0
check "no trace in sqlite_sequence" test "$(sqlite3 app.db "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")" -eq 0
expect_code 64 jcapture --uninstall app.db
expect_code 64 jcapture app.db app.journal
sqlite3 app.db "INSERT INTO plain VALUES('after', 1)"
check "writes work without capture" test "$(sqlite3 app.db "SELECT count(*) FROM plain WHERE x = 'after'")" -eq 1

# Reinstalled: positions go on above what the journal holds, never reused.
last=$(row positions app.journal | tail -1 | cut -d' ' -f2)
expect_code 0 jcapture --install app.db app.journal
first=$(row positions app.journal | tail -1 | cut -d' ' -f1)
check "a reinstall continues the positions ($last < $first)" test "$first" -gt "$last"
sqlite3 seeded.db "INSERT INTO t VALUES(3)"
expect_code 0 jcapture --uninstall --force seeded.db
check "--force drops waiting changes" test "$(sqlite3 seeded.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 'jmirror%'")" -eq 0
finish
