#!/bin/sh
# Row records on a PostgreSQL mirror across failures in the middle of a segment (thousands of
# rows already sent in its transaction): jintegrate SIGKILLed, then the mirror server
# restarted (75: try again later); each time the mirror keeps none of the segment, and the
# next run applies every row exactly once.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_start
pg_createdb mirror
M=$(pg_url mirror)
jappend --create db.journal
jappend db.journal "CREATE TABLE bk(id bigint PRIMARY KEY, v bytea);"
jrotate -q db.journal
# rows, then a pause inside the segment (a statement change), then more rows
printf 'bulk bk 1 5000 10\n' | jmrow db.journal >/dev/null
printf 'sql SELECT pg_sleep(3)\ncommit\n' | jmrow db.journal >/dev/null
printf 'bulk bk 5001 5000 10\n' | jmrow db.journal >/dev/null
jrotate -q db.journal
segs="$(seg 1) $(seg 2)"
sleeping() { test "$(psqlq postgres "select count(*) from pg_stat_activity where datname = 'mirror'
    and query like '%pg_sleep%' and pid <> pg_backend_pid()")" = 1; }
awake() { ! sleeping; }

jintegrate --db "$M" $segs >kill.out 2>&1 &
pid=$!
wait_for sleeping
check "rows written in the open transaction (the table grew)" test \
    "$(psqlq mirror "select pg_relation_size('bk') > 0")" = t
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "killed mid-segment: none of it" test "$(psqlq mirror 'select count(*) from bk')" = 0
check "the bookkeeping at the first segment" test "$(psqlq mirror 'select seq from jmirror.state')" = 1
wait_for awake

jintegrate --db "$M" $segs >restart.out 2>restart.err &
pid=$!
wait_for sleeping
pg_restart
wait "$pid"
rc=$?
check "a restart mid-segment is 'try again later' (75), got $rc" test "$rc" = 75
check "none of it" test "$(psqlq mirror 'select count(*) from bk')" = 0

expect_code 0 jintegrate --db "$M" $segs
check "then every row exactly once" test "$(psqlq mirror 'select count(*), sum(id) from bk')" = "10000|50005000"
check "the bookkeeping at the second segment" test "$(psqlq mirror 'select seq from jmirror.state')" = 2
finish
