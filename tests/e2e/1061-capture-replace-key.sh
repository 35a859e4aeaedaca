#!/bin/sh
# REPLACE on tables whose key is their only unique column set (INTEGER PRIMARY KEY, no
# declared key, WITHOUT ROWID): two triggers per change, the row a REPLACE removes noted
# before it and decided by the drain. Every way a conflict can end (replaced, ignored, an
# upsert, a failed row, recursive_triggers, an update onto a taken key) leaves the mirror
# equal to the primary; divergence is still refused; the outbox sequence continues above
# the journal's position when a drain leaves nothing else in it.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

appdump() { sqlite3 "$1" .dump | grep -v 'jmirror_\|^PRAGMA\|^BEGIN\|^COMMIT\|sqlite_sequence'; }
# drain, seal and apply; the mirror must equal the primary
step() {
	jcapture app.db app.journal || return 1
	for s in $(jrotate app.journal); do jintegrate --db m.db "$s" >/dev/null || return 1; done
	appdump app.db >p.dump && appdump m.db >m.dump && test_cmp p.dump m.dump
}

sqlite3 app.db "PRAGMA journal_mode=WAL; CREATE TABLE ip(id INTEGER PRIMARY KEY, v);
	CREATE TABLE np(x, y); CREATE TABLE wr(k, v, PRIMARY KEY(k)) WITHOUT ROWID;
	INSERT INTO ip VALUES(1, 'one'), (2, 'two'), (3, 'three');
	INSERT INTO np(rowid, x, y) VALUES(1, 'a', 1), (2, 'b', 2);
	INSERT INTO wr VALUES('a', 1), ('b', 2)" >/dev/null
jappend --create app.journal
jcapture --install app.db app.journal || fail "install"
check "two capture triggers per ordinary change" test "$(sqlite3 app.db "SELECT count(*) FROM
	sqlite_master WHERE type = 'trigger' AND tbl_name = 'ip' AND (sql LIKE '% INSERT ON %')")" -eq 2
check "snapshot" step

sqlite3 app.db "INSERT OR REPLACE INTO ip VALUES(1, 'uno'); REPLACE INTO np(rowid, x, y) VALUES(2, 'B', 20);
	INSERT OR REPLACE INTO wr VALUES('a', 10)"
check "REPLACE over the key" step
sqlite3 app.db "INSERT OR IGNORE INTO ip VALUES(2, 'ignored'), (4, 'four');
	INSERT INTO ip VALUES(3, 'x') ON CONFLICT(id) DO UPDATE SET v = 'upserted';
	INSERT INTO ip VALUES(3, 'y') ON CONFLICT DO NOTHING;
	INSERT INTO wr VALUES('b', 3) ON CONFLICT(k) DO UPDATE SET v = excluded.v + 100"
check "OR IGNORE, upserts: nothing removed" step
sqlite3 app.db "UPDATE OR REPLACE ip SET id = 2 WHERE id = 4; UPDATE OR IGNORE ip SET id = 1 WHERE id = 3;
	UPDATE ip SET v = 'two again' WHERE id = 2; UPDATE OR REPLACE wr SET k = 'b' WHERE k = 'a'"
check "UPDATE OR REPLACE onto a taken key, OR IGNORE" step
sqlite3 app.db "INSERT OR FAIL INTO ip VALUES(7, 'seven'), (1, 'fails')" 2>/dev/null
check "the failed row's statement failed" test "$(sqlite3 app.db 'SELECT count(*) FROM ip WHERE id = 7')" -eq 1
check "OR FAIL: the rows before the failure only" step
sqlite3 app.db "BEGIN; INSERT OR IGNORE INTO ip VALUES(7, 'ignored'); DELETE FROM ip WHERE id = 7;
	INSERT INTO ip VALUES(7, 'again'); INSERT OR IGNORE INTO ip VALUES(2, 'ignored');
	INSERT OR REPLACE INTO ip VALUES(2, 'deux'), (2, 'zwei'); COMMIT"
check "an ignored row, then the key deleted and inserted, then replaced twice" step
sqlite3 app.db "PRAGMA recursive_triggers = 1; INSERT OR REPLACE INTO ip VALUES(1, 'recursive')"
check "recursive_triggers: the delete trigger notes the removal itself" step
sqlite3 app.db "INSERT OR IGNORE INTO ip VALUES(1, 'nothing else')"
check "a drain of nothing but an ignored row" step
check "the outbox keeps only the position" test "$(sqlite3 app.db 'SELECT op FROM jmirror_outbox')" = P
sqlite3 app.db "INSERT INTO ip VALUES(10, 'ten')"
check "the next change is numbered above the position" step
check "one row, above the old position" test "$(sqlite3 app.db "SELECT count(*) FROM jmirror_outbox")" -eq 1

# Divergence is still refused, the mirror unchanged: a row the mirror lost behind jcapture's
# back, replaced on the primary; a row the mirror has that the primary never had, inserted.
cp m.db m0.db
sqlite3 m.db "DELETE FROM ip WHERE id = 10"
sqlite3 app.db "INSERT OR REPLACE INTO ip VALUES(10, 'TEN')"
jcapture app.db app.journal
seg=$(jrotate app.journal)
expect_code 78 jintegrate --db m.db $seg
check "the refusal names the table" grep -q "ip" err
cp m0.db m.db
expect_code 0 jintegrate --db m.db $seg
sqlite3 m.db "INSERT INTO ip VALUES(11, 'mirror only')"
sqlite3 app.db "INSERT INTO ip VALUES(11, 'eleven')"
jcapture app.db app.journal
seg=$(jrotate app.journal)
expect_code 78 jintegrate --db m.db $seg
check "mirror unchanged" test "$(sqlite3 m.db "SELECT v FROM ip WHERE id = 11")" = "mirror only"
finish
