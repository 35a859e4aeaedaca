#!/bin/sh
# jintegrate: a failing SQL statement stops integration (78) with the LSN, the statement's
# start and SQLite's message; the mirror stays at the last committed segment; after the
# cause is fixed, a rerun continues. BEGIN/COMMIT inside a record do not end the applier's
# transaction; records cannot touch the bookkeeping.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir in
jmgen -r 10 in 4 >paths 2>/dev/null
expect_code 0 jintegrate --db m.db in/db.0001-000000000001.journal
# the mirror diverged: a row the primary never had
sqlite3 m.db "insert into t values(15, 'x')"
sqlite3 m.db '.dump t' 'select * from jmirror_state' >before
expect_code 78 jintegrate --db m.db $(cat paths)
check "one line" test "$(wc -l <err)" -eq 1
check "names the LSN, statement and SQLite's message" \
	grep -q "db.0001-000000000002.journal: LSN 15: INSERT INTO t VALUES(15,'.*: UNIQUE constraint failed: t.id" err
check "nothing printed after seq 1" test "$(cat out)" = "in/db.0001-000000000001.journal"
sqlite3 m.db '.dump t' 'select * from jmirror_state' >after
check "mirror unchanged" test_cmp before after
sqlite3 m.db "delete from t where id = 15"
expect_code 0 jintegrate --db m.db $(cat paths)
check "continues once fixed" test "$(sqlite3 m.db 'select count(*), last_lsn from t, jmirror_state')" = "39|40"

# records with their own transaction statements, and one that touches the bookkeeping
mkdir j
printf '%s\0' "CREATE TABLE k(a);" "BEGIN; INSERT INTO k VALUES(1); COMMIT;" \
	"INSERT INTO k VALUES(2); INSERT INTO k VALUES(3) -- no semicolon" \
	"  /* only a comment */ " >recs
jmrec j/db.0001-000000000001.journal <recs 2>d1
expect_code 0 jintegrate --db k.db j/db.0001-000000000001.journal
check "BEGIN/COMMIT in a record" test "$(sqlite3 k.db 'select group_concat(a) from k')" = "1,2,3"
printf '%s\0' "UPDATE jmirror_state SET seq = 99" >recs
jmrec -s 2 -l 5 -p "$(cat d1)" j/db.0001-000000000002.journal <recs 2>/dev/null
expect_code 65 jintegrate --db k.db j/db.0001-000000000002.journal
check "bookkeeping protected" grep -q "LSN 5: UPDATE jmirror_state SET seq = 99: records may not touch the bookkeeping tables (jmirror_\*): refused" err
printf '%s\0' "INSERT INTO k VALUES(4); ROLLBACK" >recs
jmrec -s 2 -l 5 -p "$(cat d1)" j/db.0001-000000000002.journal <recs 2>/dev/null
expect_code 78 jintegrate --db k.db j/db.0001-000000000002.journal
check "ROLLBACK refused" grep -q "LSN 5: ROLLBACK in a record" err
check "k unchanged" test "$(sqlite3 k.db 'select group_concat(a), last_lsn from k, jmirror_state')" = "1,2,3|4"
# raw records are not for SQLite: skipped, the bookkeeping moves past them
printf 'a\0b\0' >recs
jmrec -T raw -s 2 -l 5 -p "$(cat d1)" j/db.0001-000000000002.journal <recs 2>/dev/null
expect_code 0 jintegrate --db k.db j/db.0001-000000000002.journal
check "raw skipped" test "$(sqlite3 k.db 'select count(*), last_lsn, seq from k, jmirror_state')" = "3|6|2"
finish
