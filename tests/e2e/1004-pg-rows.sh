#!/bin/sh
# A PostgreSQL mirror does not apply row records (yet): it refuses them (78, mirror
# unchanged) rather than skip them, which would be divergence in silence.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_start
pg_createdb mirror
M=$(pg_url mirror)
jappend --create db.journal
jappend db.journal "CREATE TABLE t(id bigint PRIMARY KEY, v text);"
jrotate -q db.journal
printf 'insert t id=i:1 -> id=i:1 v=t:one\ncommit\n' | jmrow db.journal >/dev/null
jrotate -q db.journal
expect_code 0 jintegrate --db "$M" "$(seg 1)"
expect_code 78 jintegrate --db "$M" "$(seg 2)"
check "says why" grep -q "LSN 2: a row record: this mirror applies sql records only" "$T/err"
check "the mirror is unchanged" test \
    "$(psqlq mirror 'select last_lsn from jmirror.state'),$(psqlq mirror 'select count(*) from t')" = "1,0"
finish
