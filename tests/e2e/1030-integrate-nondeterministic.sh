#!/bin/sh
# An sql record that calls a non-deterministic function (random(), the clock, the
# connection's counters) would give the mirror other values than the primary: jintegrate
# refuses it with 65, naming the function and the LSN, the mirror unchanged, wherever the call
# is written: in the record's text, in a column DEFAULT, in a trigger the record fires.
# Deterministic uses of the same functions apply; --allow-nondeterministic applies the rest.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir j
printf '%s\0' "CREATE TABLE o(t, r); CREATE TABLE s(id INTEGER PRIMARY KEY, v,
  at DEFAULT CURRENT_TIMESTAMP, n DEFAULT (random()));
  CREATE TABLE u(x); CREATE TABLE audit(x, at);
  CREATE TRIGGER ua AFTER INSERT ON u BEGIN INSERT INTO audit VALUES(new.x, strftime('%s','now')); END;
  CREATE TABLE d(x); CREATE TRIGGER da AFTER INSERT ON d BEGIN INSERT INTO audit VALUES(new.x, 0); END" >recs
jmrec j/db.0001-000000000001.journal <recs 2>d1
expect_code 0 jintegrate --db m.db j/db.0001-000000000001.journal
sqlite3 m.db .dump >before

# each line: the function the message must name | the record
n=0
while IFS='|' read -r fn rec; do
	n=$((n + 1))
	printf '%s\0' "INSERT INTO o VALUES(1, 2)" "$rec" >recs
	jmrec -s 2 -l 2 -p "$(cat d1)" j/db.0001-000000000002.journal <recs 2>/dev/null
	expect_code 65 jintegrate --db m.db j/db.0001-000000000001.journal j/db.0001-000000000002.journal
	check "$n: names $fn and LSN 3" grep -q "j/db.0001-000000000002.journal: LSN 3: .*calls $fn.*not deterministic.*refused" err
	sqlite3 m.db .dump >after
	check "$n: mirror unchanged" test_cmp before after
done <<'LIST'
strftime()|INSERT INTO o(t, r) VALUES(strftime('%Y-%m-%d %H:%M:%f','now'), 1)
random()|INSERT INTO o(t, r) VALUES(1, random())
random()|INSERT INTO o(t, r) VALUES(strftime('%Y-%m-%d %H:%M:%f','now'), random())
randomblob()|UPDATE o SET r = randomblob(4)
date()|INSERT INTO o VALUES(date(), 0)
julianday()|SELECT julianday('NOW')
unixepoch()|INSERT INTO o VALUES(unixepoch('now', '+1 day'), 0)
current_timestamp|INSERT INTO o VALUES(CURRENT_TIMESTAMP, 0)
current_date|INSERT INTO o VALUES(CURRENT_DATE, 0)
current_time|INSERT INTO o VALUES(0, CURRENT_TIME)
changes()|INSERT INTO o VALUES(changes(), 0)
last_insert_rowid()|INSERT INTO o VALUES(last_insert_rowid(), 0)
total_changes()|INSERT INTO o VALUES(total_changes(), 0)
current_timestamp (the DEFAULT of s.at)|INSERT INTO s(id, v, n) VALUES(1, 'x', 7)
random()|INSERT INTO s(id, v, at) VALUES(1, 'x', 7)
strftime()|INSERT INTO u VALUES(1)
strftime()|INSERT INTO d VALUES(1); INSERT INTO u SELECT x FROM d
LIST

# the same functions, deterministic: applied
printf '%s\0' "INSERT INTO o VALUES(date('2020-02-03'), strftime('%s', '2020-02-03 04:05:06'));
  INSERT INTO o VALUES(julianday('2020-01-01', '+1 day'), datetime(0, 'unixepoch'));
  INSERT INTO s(id, v, at, n) VALUES(1, 'x', '2020-01-01', 5); INSERT INTO d VALUES(2)" >recs
jmrec -s 2 -l 2 -p "$(cat d1)" j/db.0001-000000000002.journal <recs 2>d2
expect_code 0 jintegrate --db m.db j/db.0001-000000000001.journal j/db.0001-000000000002.journal
check "deterministic dates, given DEFAULTs and a clock-free trigger applied" \
	test "$(sqlite3 m.db "select group_concat(t || '/' || r, ' ') from o; select at, n from s; select * from audit")" = \
"2020-02-03/1580702706 2458850.5/1970-01-01 00:00:00
2020-01-01|5
2|0"

# --allow-nondeterministic: applied, as the operator asked
printf '%s\0' "INSERT INTO o VALUES(random(), CURRENT_TIMESTAMP); INSERT INTO s(id, v) VALUES(2, 'y'); INSERT INTO u VALUES(3)" >recs
jmrec -s 3 -l 3 -p "$(cat d2)" j/db.0001-000000000003.journal <recs 2>/dev/null
expect_code 65 jintegrate --db m.db j/db.0001-000000000003.journal
check "refused without the option" test "$(mirror_at)" = "2|2"
expect_code 0 jintegrate --allow-nondeterministic --db m.db j/db.0001-000000000003.journal
check "applied with --allow-nondeterministic" test "$(sqlite3 m.db "select count(*) from o; select count(*) from s where at is not null and n is not null; select count(*) from audit")" = "3
2
2"
check "the bookkeeping follows" test "$(mirror_at)" = "3|3"
finish
