#!/bin/sh
# A check taken on a PostgreSQL primary (jpgcheck_take): its records reach a logical
# decoding stream as 'jmirror.check' messages (read back here from a test_decoding slot) and
# verify on an SQLite mirror and on a PostgreSQL mirror holding the same rows (integers of
# every width, float4 and float8, numeric, timestamptz, boolean, bytea, UTF-8 text keys in
# byte order, a two-column key, several chunks); a table without a key is left out and
# counted; a mirror tampered with, or lacking a row, is refused (78, naming the table and
# key range) and left unchanged.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_start
pg_createdb app
pg_createdb mirror
psqlq postgres "ALTER DATABASE app SET timezone = 'UTC'"
A=$(pg_url app)
M=$(pg_url mirror)

# The same rows, twice: SQL for the primary, row records for the mirrors.
awk 'BEGIN {
	for (i = 1; i <= 2500; i++) {
		b = i % 3 == 0 ? "'\''\\x00ff'\''" : "NULL"
		printf "INSERT INTO acct VALUES (%d, %d, '\''n%d'\'', %d.25, %s, %s, %d.50, '\''2026-11-30 12:00:%02d+00'\'');\n", \
		    i, i * 7 - 9000, i, i, b, (i % 2 ? "true" : "false"), i, i % 60
	}
}' >app.sql
awk 'BEGIN {
	for (i = 1; i <= 2500; i++) {
		b = i % 3 == 0 ? "x:00ff" : "null"
		printf "insert acct id=i:%d -> id=i:%d bal=i:%d note=t:n%d r=r:%d.25 b=%s ok=b:%d amount=n:%d.50 at=ts:2026-11-30%%2012:00:%02d+00\n", \
		    i, i, i * 7 - 9000, i, i, b, i % 2, i, i % 60
	}
	print "commit"
}' >rows.txt
cat >>rows.txt <<'ROWS'
insert tag name=t:a k=i:1 -> name=t:a k=i:1 n=r:0.5
insert tag name=t:B k=i:2 -> name=t:B k=i:2 n=r:-2.5
insert tag name=t:%c3%a9 k=i:3 -> name=t:%c3%a9 k=i:3 n=r:inf
insert tag name=t:Z k=i:4 -> name=t:Z k=i:4 n=null
insert tag name=t:a%20b k=i:5 -> name=t:a%20b k=i:5 n=r:0.125
insert tag name=t: k=i:6 -> name=t: k=i:6 n=r:3
commit
ROWS
psqlq app "CREATE TABLE acct(id bigint PRIMARY KEY, bal integer, note text, r double precision,
  b bytea, ok boolean, amount numeric(12,2), at timestamptz);
CREATE TABLE tag(name text, k smallint, n real, PRIMARY KEY (name, k));
CREATE TABLE log(x int)"
"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGSOCK" -p "$PGPORT" -U postgres -d app -1 -f app.sql
psqlq app "INSERT INTO tag VALUES ('a', 1, 0.5), ('B', 2, -2.5), ('é', 3, 'Infinity'),
  ('Z', 4, NULL), ('a b', 5, 0.125), ('', 6, 3); INSERT INTO log VALUES (1), (1)"
psqlq app "SELECT pg_create_logical_replication_slot('chk', 'test_decoding')" >/dev/null

jappend --create app.journal
jappend app.journal "CREATE TABLE acct(id bigint PRIMARY KEY, bal bigint, note text,
  r double precision, b bytea, ok boolean, amount text, at text);
CREATE TABLE tag(name text, k bigint, n double precision, PRIMARY KEY (name, k))"
jmrow app.journal <rows.txt >/dev/null

expect_code 0 jmpgcheck -n 1000 "$A"
check "two tables in three and one chunks, the table without a key left out" \
    test "$(cat out)" = "2 tables, 2506 rows, 1 records, 1 skipped"
expect_code 0 jmpgcheck -s chk "$A" app.journal
lsn=$(cat out)
check "the check record came through the slot" test -n "$lsn"
expect_code 0 jcat app.journal
check "jcat shows it: three chunks of acct, one of tag" \
    sh -c "grep -q '^  acct key (id): 3 chunks, 2500 rows' out && grep -q '^  tag key (name, k): 1 chunks, 6 rows' out"
jrotate -q app.journal
s1=app.0001-000000000001.journal
expect_code 0 jintegrate --db m.db $s1
check "verified on SQLite" test "$(sqlite3 m.db 'select lsn from jmirror_check')" = "$lsn"
expect_code 0 jintegrate --db "$M" $s1
check "verified on PostgreSQL" test "$(psqlq mirror 'select lsn from jmirror.check')" = "$lsn"

# Tampered with: the next check is refused on each, naming the table and key range.
sqlite3 m.db "UPDATE acct SET note = 'tampered' WHERE id = 1234"
psqlq mirror "UPDATE acct SET ok = NOT ok WHERE id = 2345"
jmpgcheck -n 1000 "$A" >/dev/null
jmpgcheck -s chk "$A" app.journal >/dev/null
jrotate -q app.journal
s2=app.0001-000000000002.journal
before=$(sqlite3 m.db 'select seq, last_lsn from jmirror_state')
expect_code 78 jintegrate --db m.db $s2
check "SQLite: names the table and key range" grep -q \
    "check: table acct, keys > 1000 and <= 2000: the mirror's 1000 rows differ from the primary's" err
check "SQLite: the mirror is unchanged" test "$(sqlite3 m.db 'select seq, last_lsn from jmirror_state')" = "$before"
before=$(psqlq mirror 'select seq, last_lsn from jmirror.state')
expect_code 78 jintegrate --db "$M" $s2
check "PostgreSQL: names the table and key range" grep -q \
    "check: table acct, keys > 2000: the mirror's 500 rows differ from the primary's" err
check "PostgreSQL: the mirror is unchanged" test "$(psqlq mirror 'select seq, last_lsn from jmirror.state')" = "$before"
sqlite3 m.db "UPDATE acct SET note = 'n1234' WHERE id = 1234"
psqlq mirror "UPDATE acct SET ok = NOT ok WHERE id = 2345"
expect_code 0 jintegrate --db m.db $s2
expect_code 0 jintegrate --db "$M" $s2

# A mirror lacking a row: counted.
psqlq mirror "DELETE FROM tag WHERE name = 'a b'"
jmpgcheck "$A" >/dev/null
jmpgcheck -s chk "$A" app.journal >/dev/null
jrotate -q app.journal
expect_code 78 jintegrate --db "$M" app.0001-000000000003.journal
check "a missing row: the counts" grep -q "check: table tag, all keys: the mirror has 5 rows, the primary 6" err
expect_code 0 jintegrate --db m.db app.0001-000000000003.journal
finish
