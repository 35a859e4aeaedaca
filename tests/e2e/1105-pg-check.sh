#!/bin/sh
# SQLite -> jcapture -> journal -> PostgreSQL mirror, with check records: the schema (written
# in types both engines read), a snapshot, inserts, updates with a changed key and deletes
# applied by key, each check record verified on PostgreSQL with the same digests as on a
# SQLite mirror (text keys in byte order, multi-column keys, several chunks), the last
# verified LSN kept in jmirror.check and shown by jstatus; a mirror tampered with refuses
# the next check (78, the table and key range named, the mirror unchanged).
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
pg_start
pg_createdb mirror
M=$(pg_url mirror)
sqlite3 app.db "
CREATE TABLE acct(id bigint PRIMARY KEY, bal bigint, note text, r double precision, b bytea);
CREATE TABLE tag(name text, k bigint, n double precision, PRIMARY KEY (name, k));
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 25000)
INSERT INTO acct SELECT i, 100, 'n' || i, i * 0.1, CASE WHEN i % 3 = 0 THEN x'00ff' END FROM s;
INSERT INTO tag VALUES ('a', 1, 0.5), ('B', 2, -0.0), ('é', 3, 1e308), ('Z', 4, NULL),
  ('a b', 5, 0.1), ('', 6, 3);"
jappend --create app.journal
expect_code 0 jcapture --install app.db app.journal
sqlite3 app.db "UPDATE acct SET bal = bal - 7, note = 'ü' WHERE id % 1000 = 1;
UPDATE acct SET id = 30000 WHERE id = 2; DELETE FROM acct WHERE id = 3;
INSERT INTO acct VALUES (-9223372036854775808, 9223372036854775807, NULL, 1e-300, x'');
UPDATE tag SET k = 9 WHERE name = 'B'; DELETE FROM tag WHERE name = 'Z'"
expect_code 0 jcapture --checksum app.db app.journal
jrotate -q app.journal
expect_code 0 jintegrate --db m.db "$(seg 1 | sed 's/^db/app/')"
expect_code 0 jintegrate --db "$M" "$(seg 1 | sed 's/^db/app/')"
check "the check record passed on SQLite and on PostgreSQL" test \
    "$(psqlq mirror 'select lsn from jmirror.check')" = "$(sqlite3 m.db 'select lsn from jmirror_check')"
check "the same rows" test "$(psqlq mirror 'select count(*), sum(id % 1000), sum(bal % 1000) from acct')" = \
    "$(sqlite3 m.db 'select count(*), sum(id % 1000), sum(bal % 1000) from acct')"
expect_code 0 jstatus --db "$M"
check "jstatus shows the last verified LSN" grep -qi "verified.*LSN $(psqlq mirror 'select lsn from jmirror.check')" out

# Tampered with: the next check is refused, naming the table and key range.
psqlq mirror "update acct set note = 'tampered' where id = 12345"
sqlite3 app.db "UPDATE acct SET bal = 1 WHERE id = 5"
expect_code 0 jcapture --checksum app.db app.journal
jrotate -q app.journal
before=$(psqlq mirror 'select seq, last_lsn from jmirror.state')
expect_code 78 jintegrate --db "$M" app.0001-000000000002.journal
check "names the table and key range" grep -q \
    "check: table acct, keys > [0-9]* and <= [0-9]*: the mirror's [0-9]* rows differ from the primary's" "$T/err"
check "the mirror is unchanged" test "$(psqlq mirror 'select seq, last_lsn from jmirror.state'),$(psqlq mirror \
    'select bal from acct where id = 5')" = "$before,100"
psqlq mirror "update acct set note = 'n12345' where id = 12345"
expect_code 0 jintegrate --db "$M" app.0001-000000000002.journal
check "repaired by hand, it passes" test "$(psqlq mirror 'select bal from acct where id = 5')" = 1

# A mirror that lacks a row: counted.
psqlq mirror "delete from tag where name = 'a b'"
expect_code 0 jcapture --checksum app.db app.journal
jrotate -q app.journal
expect_code 78 jintegrate --db "$M" app.0001-000000000003.journal
check "a missing row: the counts" grep -q "check: table tag, all keys: the mirror has 4 rows, the primary 5" "$T/err"
finish
