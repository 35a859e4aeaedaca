#!/bin/sh
# One journal of row records, two mirrors: SQLite and PostgreSQL end up with the same
# contents, value for value (integers, reals bit for bit, text, blobs, NULLs), through
# inserts, a changed key, an unchanged column, deletes and a multi-record group; inserts held
# for one multi-row statement keep their order with the changes between them.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_start
pg_createdb mirror
M=$(pg_url mirror)
jappend --create db.journal
# a schema both engines read the same way
jappend db.journal "CREATE TABLE t(id bigint PRIMARY KEY, v text, r double precision, b bytea);
CREATE TABLE bk(id bigint PRIMARY KEY, v bytea);"
cat >s1 <<'X'
insert t id=i:-9223372036854775808 -> id=i:-9223372036854775808 v=t:min r=r:0.1 b=x:00ff
insert t id=i:9223372036854775807 -> id=i:9223372036854775807 v=t: r=r:1e308 b=x:
insert t id=i:1 -> id=i:1 v=t:%C3%A9%E2%82%AC%F0%9F%98%80 r=r:-0.0 b=null
insert t id=i:2 -> id=i:2 v=null r=r:inf b=null
insert t id=i:3 -> id=i:3 v=t:three r=r:-inf b=x:0102
insert t id=i:4 -> id=i:4 v=t:four r=r:0x1p-1074 b=null
commit
update t id=i:1 -> id=i:10 v=t:moved r=r:0.30000000000000004 b=x:ff
update t id=i:3 -> id=i:3 v=unchanged r=r:2.5 b=unchanged
delete t id=i:4
commit
insert t id=i:100 -> id=i:100 v=t:a r=null b=null
insert t id=i:101 -> id=i:101 v=t:b r=null b=null
update t id=i:100 -> id=i:100 v=t:a2 r=r:1 b=null
insert t id=i:102 -> id=i:102 v=t:c r=null b=null
delete t id=i:101
insert t id=i:101 -> id=i:101 v=t:b2 r=null b=null
update t id=i:102 -> id=i:103 v=unchanged r=r:3 b=unchanged
commit
bulk bk 1 3000 7
X
expect_code 0 jmrow db.journal <s1
jrotate -q db.journal
expect_code 0 jintegrate --db m.db "$(seg 1)"
expect_code 0 jintegrate --db "$M" "$(seg 1)"
sqlite3 m.db "select id, quote(v), lower(hex(b)), lower(hex(ieee754_to_blob(r))) from t order by id;
select count(*), sum(id), group_concat(lower(hex(v)), '') from (select * from bk order by id)" >sqlite.out
psqlq mirror "select id, coalesce(quote_literal(v), 'NULL'), coalesce(encode(b, 'hex'), ''),
  coalesce(encode(float8send(r), 'hex'), '') from t order by id" >pg.out
psqlq mirror "select count(*), sum(id), string_agg(encode(v, 'hex'), '' order by id) from bk" >>pg.out
check "the same contents in both mirrors" test_cmp sqlite.out pg.out
check "and what was sent" test "$(sed -n 3p pg.out)" = "3|'three'|0102|4004000000000000"
check "in order" test "$(grep -E '^10[0-3]\|' pg.out | cut -d'|' -f1,2 | tr '\n' ' ')" = \
    "100|'a2' 101|'b2' 103|'c' "
finish
