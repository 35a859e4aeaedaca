#!/bin/sh
# jintegrate --db postgresql://: row records applied by key to a PostgreSQL mirror. Edge
# values exact through a real server (64-bit integers, reals bit for bit with +-Inf, NaN and
# -0, any UTF-8, bytea, numerics, timestamps, booleans, NULL), a changed key, "unchanged"
# columns, the application's triggers quiet for row records and firing for sql records;
# multi-row inserts; divergence refused with 78 (mirror unchanged) and --repair writing
# jmirror.repairs; the bookkeeping out of reach (65); text with a NUL byte refused (78).
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_start
pg_createdb mirror
M=$(pg_url mirror)
at() { psqlq mirror 'select seq, last_lsn from jmirror.state'; }
next() { jrotate -q db.journal; n=$((n + 1)); }
n=0

jappend --create db.journal
jappend db.journal "CREATE TABLE t(id bigint PRIMARY KEY, v text, r double precision, b bytea,
  n numeric, ts timestamptz, ok boolean);
CREATE TABLE w(k1 text, k2 bigint, v double precision, note text, PRIMARY KEY (k1, k2));
CREATE TABLE bk(id bigint PRIMARY KEY, v bytea);
CREATE TABLE audit(x bigint);
CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO audit VALUES (new.id); RETURN new; END \$\$;
CREATE TRIGGER tr AFTER INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION tf();"
cat >s1 <<'X'
positions 1 9
insert t id=i:-9223372036854775808 -> id=i:-9223372036854775808 v=t:one r=r:0.1 b=x:00ff n=n:-12.340 ts=ts:2026-11-30%2012:00:00.123456+00 ok=b:1
insert t id=i:9223372036854775807 -> id=i:9223372036854775807 v=t: r=r:1e308 b=x: n=n:NaN ts=ts:infinity ok=b:0
insert t id=i:3 -> id=i:3 v=t:%C3%A9%E2%82%AC%F0%9F%98%80'%22\ r=r:-0.0 b=null n=n:123456789012345678901234567890.000000000000000001 ts=null ok=null
insert t id=i:4 -> id=i:4 v=null r=r:inf b=null n=null ts=null ok=null
insert t id=i:5 -> id=i:5 v=null r=r:-inf b=null n=null ts=null ok=null
insert t id=i:6 -> id=i:6 v=null r=r:nan b=null n=null ts=null ok=null
insert t id=i:7 -> id=i:7 v=null r=r:0x1p-1074 b=null n=null ts=null ok=null
insert w k1=t:a k2=i:1 -> k1=t:a k2=i:1 v=r:-inf note=t:kept
commit
X
expect_code 0 jmrow db.journal <s1
next
expect_code 0 jintegrate --db "$M" "$(seg 1)"
psqlq mirror "select id, coalesce(v, '-'), encode(float8send(r), 'hex'), coalesce(encode(b, 'hex'), '-'),
  coalesce(n::text, '-'), coalesce(to_char(ts at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), ts::text, '-'),
  coalesce(ok::text, '-') from t order by id" >got
cat >expected <<'X'
-9223372036854775808|one|3fb999999999999a|00ff|-12.340|2026-11-30 12:00:00.123456|true
3|é€😀'"\|8000000000000000|-|123456789012345678901234567890.000000000000000001|-|-
4|-|7ff0000000000000|-|-|-|-
5|-|fff0000000000000|-|-|-|-
6|-|7ff8000000000000|-|-|-|-
7|-|0000000000000001|-|-|-|-
9223372036854775807||7fe1ccf385ebc8a0||NaN|infinity|false
X
check "every value exact, by key" test_cmp expected got
check "the application's trigger is quiet for row records" test "$(psqlq mirror 'select count(*) from audit')" = 0

# A changed key, an unchanged column kept, a delete, the identical row again (no change).
cat >s2 <<'X'
positions 10 13
update t id=i:3 -> id=i:30 v=t:moved r=r:0.30000000000000004 b=x:01 n=null ts=null ok=b:1
update w k1=t:a k2=i:1 -> k1=t:b k2=i:2 v=r:2.5 note=unchanged
delete t id=i:4
insert t id=i:5 -> id=i:5 v=null r=r:-inf b=null n=null ts=null ok=null
commit
X
expect_code 0 jmrow db.journal <s2
next
expect_code 0 jintegrate --db "$M" "$(seg 2)"
check "a changed key" test "$(psqlq mirror "select id, v, r::text, encode(b, 'hex'), ok from t where id in (3, 30)")" = \
    "30|moved|0.30000000000000004|01|t"
check "an unchanged column keeps its value" test "$(psqlq mirror 'select k1, k2, v, note from w')" = "b|2|2.5|kept"
check "deleted" test "$(psqlq mirror 'select count(*) from t where id = 4')" = 0
check "still quiet" test "$(psqlq mirror 'select count(*) from audit')" = 0

# An sql record among row records: its triggers fire, as they did on the primary.
jappend db.journal "INSERT INTO t(id) VALUES (100)"
printf 'insert t id=i:101 -> id=i:101 v=t:row\ncommit\n' | jmrow db.journal >/dev/null
next
expect_code 0 jintegrate --db "$M" "$(seg 3)"
check "sql records fire triggers, row records do not" test \
    "$(psqlq mirror "select string_agg(x::text, ',') from audit")" = 100

# Multi-row inserts: 1000 rows in one record (full statements and a tail).
printf 'bulk bk 1 1000 10\n' | jmrow db.journal >/dev/null
next
expect_code 0 jintegrate --db "$M" "$(seg 4)"
check "1000 rows" test "$(psqlq mirror 'select count(*), sum(id) from bk')" = "1000|500500"
check "their values" test "$(psqlq mirror "select encode(v, 'escape') from bk where id = 2")" = bbbbbbbbbb

# Divergence in the middle of a multi-row insert: refused, the mirror unchanged.
psqlq mirror "delete from bk where id > 990; insert into bk values (1500, 'mirror only')"
printf 'bulk bk 1001 1000 10\n' | jmrow db.journal >/dev/null
next
before=$(at)
expect_code 78 jintegrate --db "$M" "$(seg 5)"
check "names LSN, table and key" grep -q \
    "LSN 7: table bk, key (id=1500): an insert over a different row with the same key: the mirror differs" "$T/err"
check "the mirror is unchanged" test "$(at),$(psqlq mirror 'select count(*) from bk')" = "$before,991"
psqlq mirror "update bk set v = 'ffffffffff' where id = 1500"     # what the primary wrote
expect_code 0 jintegrate --db "$M" "$(seg 5)"
check "the identical row is no divergence" test "$(psqlq mirror 'select count(*) from bk')" = 1990

# The mirror lacks a row: an update refused, then repaired.
psqlq mirror "delete from t where id = 5"
printf 'update t id=i:5 -> id=i:5 v=t:five r=null b=null n=null ts=null ok=null\ncommit\n' | jmrow db.journal >/dev/null
next
before=$(at)
expect_code 78 jintegrate --db "$M" "$(seg 6)"
check "an update of a row the mirror lacks" grep -q \
    "LSN 8: table t, key (id=5): an update of a row the mirror lacks: the mirror differs" "$T/err"
check "unchanged" test "$(at)" = "$before"
expect_code 0 jintegrate --db "$M" --repair "$(seg 6)"
check "the repair is reported" grep -q \
    "^jintegrate: repaired: LSN 8: table t, key (id=5): update: an update of a row the mirror lacks: inserted the row" "$T/err"
check "and recorded" test "$(psqlq mirror 'select lsn, "table", key, operation, what from jmirror.repairs')" = \
    "8|t|(id=5)|update|inserted the row"
check "and applied" test "$(psqlq mirror 'select v from t where id = 5')" = five

# An insert over a different row, repaired by overwriting it.
psqlq mirror "insert into t(id, v) values (200, 'mirror only')"
printf 'insert t id=i:200 -> id=i:200 v=t:primary\ncommit\n' | jmrow db.journal >/dev/null
next
expect_code 78 jintegrate --db "$M" "$(seg 7)"
check "an insert over a different row" grep -q "key (id=200): an insert over a different row" "$T/err"
expect_code 0 jintegrate --db "$M" --repair "$(seg 7)"
check "overwritten" test "$(psqlq mirror 'select v from t where id = 200')" = primary

# A delete of a row the mirror lacks.
printf 'delete t id=i:999\ncommit\n' | jmrow db.journal >/dev/null
next
expect_code 78 jintegrate --db "$M" "$(seg 8)"
check "a delete of a row the mirror lacks" grep -q "key (id=999): a delete of a row the mirror lacks" "$T/err"
expect_code 0 jintegrate --db "$M" --repair "$(seg 8)"

# Text PostgreSQL cannot hold; the bookkeeping out of reach.
printf 'insert t id=i:300 -> id=i:300 v=t:a%%00b\ncommit\n' | jmrow db.journal >/dev/null
next
before=$(at)
expect_code 78 jintegrate --db "$M" "$(seg 9)"
check "a NUL byte refused, naming the column" grep -q \
    "table t, key (id=300): column v: text with a NUL byte, which PostgreSQL cannot store" "$T/err"
check "unchanged" test "$(at)" = "$before"

# The bookkeeping is out of reach of row records.
pg_createdb m2
jappend --create x.journal
printf 'delete jmirror.state id=i:1\ncommit\n' | jmrow x.journal >/dev/null
jrotate -q x.journal
expect_code 65 jintegrate --db "$(pg_url m2)" x.0001-000000000001.journal
check "refused: the bookkeeping" grep -q "a change on a table of schema jmirror: records may not touch the bookkeeping" "$T/err"

# Values the columns' types do not take: invalid UTF-8 in a text; a text into a bigint
# among inserts sent as one statement. Each journal: the schema, then the change.
bad() { # bad NAME ROWS...: journal NAME and database NAME, its second segment refused
	_j=$1; shift
	pg_createdb "$_j"
	jappend --create "$_j.journal"
	jappend "$_j.journal" "CREATE TABLE t(id bigint PRIMARY KEY, v text)"
	jrotate -q "$_j.journal"
	{ printf '%s\n' "$@"; echo commit; } | jmrow "$_j.journal" >/dev/null
	jrotate -q "$_j.journal"
	expect_code 0 jintegrate --db "$(pg_url "$_j")" "$_j.0001-000000000001.journal"
	expect_code 78 jintegrate --db "$(pg_url "$_j")" "$_j.0001-000000000002.journal"
	check "nothing applied" test "$(psqlq "$_j" 'select count(*) from t')" = 0
}
bad utf 'insert t id=i:1 -> id=i:1 v=t:%ff%fe'
check "invalid UTF-8 refused by the server, naming the key" grep -q \
    "LSN 2: table t, key (id=1): insert: ERROR:  invalid byte sequence for encoding \"UTF8\"" "$T/err"
bad typ 'insert t id=i:2 -> id=i:2 v=t:ok' 'insert t id=i:3 -> id=i:3 v=t:ok' \
    'insert t id=i:4 -> id=t:four v=t:ok'
check "a type refused, naming the statement's rows" grep -q \
    "LSN 2: table t, key (id=2) (and the 2 after it, in one statement): insert: ERROR:  invalid input syntax for type bigint" "$T/err"
finish
