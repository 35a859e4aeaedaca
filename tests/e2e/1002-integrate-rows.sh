#!/bin/sh
# jintegrate applies row records by key: every kind of key and value, a changed key,
# triggers that stay quiet; divergence refused with 78 (mirror unchanged), --repair.
. ./lib.sh

jappend --create db.journal
jappend db.journal "CREATE TABLE t(id INTEGER PRIMARY KEY, v, r REAL, b BLOB);
CREATE TABLE n(a, b);
CREATE TABLE w(k1, k2, v, PRIMARY KEY(k1, k2)) WITHOUT ROWID;
CREATE TABLE audit(x);
CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO audit VALUES(new.id); END;"
cat >s1 <<'X'
positions 1 4
insert t id=i:1 -> id=i:1 v=t:one r=r:0.1 b=x:00ff
insert t id=i:2 -> id=i:2 v=t: r=r:1e308 b=x:
insert n rowid=i:7 -> rowid=i:7 a=t:x b=i:-9223372036854775808
insert w k1=t:a k2=i:1 -> k1=t:a k2=i:1 v=r:-inf
commit
positions 5 7
update t id=i:1 -> id=i:10 v=t:moved r=r:0.30000000000000004 b=null
update w k1=t:a k2=i:1 -> k1=t:b k2=i:2 v=unchanged
delete n rowid=i:7
insert t id=i:2 -> id=i:2 v=t: r=r:1e308 b=x:
commit
X
expect_code 0 jmrow db.journal <s1
jrotate db.journal >/dev/null
expect_code 0 jintegrate --db m.db "$(seg 1)"
cat >expected <<'X'
2|''|1.0e+308|X''
10|'moved'|1|NULL
b|2|-Inf
0
0
X
sqlite3 m.db "SELECT id, quote(v), CASE id WHEN 10 THEN r = 0.1 + 0.2 ELSE r END, quote(b)
FROM t ORDER BY id;
SELECT k1, k2, v FROM w; SELECT count(*) FROM n; SELECT count(*) FROM audit" >got
check "rows applied by key, exact, the trigger silent" test_cmp expected got

# Divergence: the mirror lacks the row (someone deleted it there).
sqlite3 m.db "DELETE FROM t WHERE id = 2"
printf 'update t id=i:2 -> id=i:2 v=t:two r=r:2 b=null\ncommit\n' | jmrow db.journal >/dev/null
jrotate db.journal >/dev/null
before=$(mirror_at)
expect_code 78 jintegrate --db m.db "$(seg 2)"
check "names LSN, table and key" grep -q \
    "LSN 4: table t, key (id=2): an update of a row the mirror lacks: the mirror differs" "$T/err"
check "the mirror is unchanged" test "$(mirror_at)" = "$before"
check "no row invented" test "$(sqlite3 m.db 'SELECT count(*) FROM t')" = 1
expect_code 0 jintegrate --db m.db --repair "$(seg 2)"
check "the repair is reported" grep -q \
    "^jintegrate: repaired: LSN 4: table t, key (id=2): update: an update of a row the mirror lacks: inserted the row" "$T/err"
check "and recorded" test "$(sqlite3 m.db "SELECT lsn, \"table\", key, operation, what FROM jmirror_repairs")" = \
    "4|t|(id=2)|update|inserted the row"
check "and applied" test "$(sqlite3 m.db 'SELECT v FROM t WHERE id = 2')" = two

# An insert over a different row; then the identical row again, which is no change.
sqlite3 m.db "INSERT INTO t VALUES(3, 'mirror only', NULL, NULL)"
printf 'insert t id=i:3 -> id=i:3 v=t:primary r=null b=null\ncommit\n' | jmrow db.journal >/dev/null
jrotate db.journal >/dev/null
expect_code 78 jintegrate --db m.db "$(seg 3)"
check "an insert over a different row" grep -q "key (id=3): an insert over a different row" "$T/err"
sqlite3 m.db "UPDATE t SET v = 'primary' WHERE id = 3"
expect_code 0 jintegrate --db m.db "$(seg 3)"
check "the identical row is no divergence" test "$(mirror_at)" = "3|5"

# The bookkeeping is out of reach.
printf 'delete jmirror_state id=i:1\ncommit\n' | jmrow db.journal >/dev/null
jrotate db.journal >/dev/null
expect_code 65 jintegrate --db m.db "$(seg 4)"
check "refused: the bookkeeping" grep -q "records may not touch the bookkeeping tables" "$T/err"
finish
