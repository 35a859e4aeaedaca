#!/bin/sh
# A record that would change the mirror's bookkeeping, by whatever path (a trigger on
# jmirror_state that resets it, a trigger on an application table that writes it, a view,
# ALTER TABLE, ATTACH, PRAGMA writable_schema), is refused with 65 and the mirror unchanged;
# once the segment is replaced by a genuine one, every later segment applies exactly once.
# (Every path is covered one by one in tests/unit/check_apply.c, bookkeeping_guard.)
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir j
printf '%s\0' "CREATE TABLE k(a INTEGER)" >recs
jmrec j/db.0001-000000000001.journal <recs 2>d1
printf '%s\0' "INSERT INTO k VALUES(2)" >recs
jmrec -s 2 -l 2 -p "$(cat d1)" good2 <recs 2>d2
printf '%s\0' "INSERT INTO k VALUES(3)" >recs
jmrec -s 3 -l 3 -p "$(cat d2)" j/db.0001-000000000003.journal <recs 2>d3
printf '%s\0' "INSERT INTO k VALUES(4)" >recs
jmrec -s 4 -l 4 -p "$(cat d3)" j/db.0001-000000000004.journal <recs 2>/dev/null
expect_code 0 jintegrate --db m.db j/db.0001-000000000001.journal
sqlite3 m.db '.dump' >before

n=0
while IFS= read -r attack; do
	n=$((n + 1))
	printf '%s\0' "$attack" >recs
	jmrec -s 2 -l 2 -p "$(cat d1)" j/db.0001-000000000002.journal <recs 2>/dev/null
	expect_code 65 jintegrate --db m.db $(ls j/db.0*.journal)
	check "$n: says why" grep -q "j/db.0001-000000000002.journal: LSN 2: .*: refused" err
	sqlite3 m.db '.dump' >after
	check "$n: mirror and bookkeeping unchanged" test_cmp before after
	check "$n: only the segment applied before printed" test "$(cat out)" = j/db.0001-000000000001.journal
done <<'LIST'
CREATE TRIGGER t1 AFTER INSERT ON jmirror_state BEGIN UPDATE jmirror_state SET seq=0, last_lsn=0; END;
CREATE TEMP TRIGGER t1 AFTER UPDATE ON main."JMIRROR_STATE" BEGIN UPDATE jmirror_state SET seq=0; END;
CREATE TRIGGER t1 AFTER INSERT ON k BEGIN UPDATE jmirror_state SET seq=0, last_lsn=0; END;
CREATE VIEW v AS SELECT a FROM k; CREATE TRIGGER t1 INSTEAD OF INSERT ON v BEGIN DELETE FROM jmirror_state; END
CREATE VIEW v AS SELECT * FROM [jmirror_state]
ALTER TABLE jmirror_state RENAME TO gone
ALTER TABLE jmirror_timeline ADD COLUMN x
DROP TABLE main.jmirror_timeline
DELETE FROM main.jmirror_state
ATTACH 'other.db' AS other
PRAGMA writable_schema = 1
LIST

cp good2 j/db.0001-000000000002.journal
expect_code 0 jintegrate --db m.db $(ls j/db.0*.journal)
check "the genuine segment and the later ones applied" test "$(sqlite3 m.db 'select group_concat(a), max(seq), max(last_lsn) from k, jmirror_state')" = "2,3,4|4|4"
expect_code 0 jintegrate --db m.db $(ls j/db.0*.journal)
check "a later run applies nothing twice" test "$(sqlite3 m.db 'select group_concat(a), seq, last_lsn from k, jmirror_state')" = "2,3,4|4|4"
check "no trigger or view left" test "$(sqlite3 m.db "select count(*) from sqlite_master where type in ('trigger', 'view')")" = 0
finish
