#!/bin/sh
# A PostgreSQL mirror owned by a role that is not a superuser: row records need
# session_replication_role (the application's triggers must stay quiet), so without the
# right to set it the segment is refused (77, mirror unchanged); GRANT SET ON PARAMETER
# (PostgreSQL 15) is enough. sql records need nothing of it.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_start
psqlq postgres "CREATE ROLE plain LOGIN"
psqlq postgres "CREATE DATABASE mirror OWNER plain"
M=$(pg_url mirror | sed 's/user=postgres/user=plain/')
jappend --create db.journal
jappend db.journal "CREATE TABLE t(id bigint PRIMARY KEY, v text);"
jrotate -q db.journal
printf 'insert t id=i:1 -> id=i:1 v=t:one\ncommit\n' | jmrow db.journal >/dev/null
jrotate -q db.journal
expect_code 0 jintegrate --db "$M" "$(seg 1)"
expect_code 77 jintegrate --db "$M" "$(seg 2)"
check "says why and what to do" grep -q \
    "session_replication_role needs a superuser, or GRANT SET ON PARAMETER session_replication_role" "$T/err"
check "the mirror is unchanged" test \
    "$(psqlq mirror 'select last_lsn from jmirror.state'),$(psqlq mirror 'select count(*) from t')" = "1,0"
# examples/pg/setup-mirror.sh: a second database, and the grant
PATH="$PGBIN:$PATH" PGHOST=$PGSOCK PGPORT=$PGPORT PGUSER=postgres \
    expect_code 0 sh "$JM_SRC/examples/pg/setup-mirror.sh" mirror2 plain
expect_code 0 jintegrate --db "$M" "$(seg 2)"
check "applied once granted" test "$(psqlq mirror 'select v from t')" = one
M2=$(pg_url mirror2 | sed 's/user=postgres/user=plain/')
expect_code 0 jintegrate --db "$M2" "$(seg 1)" "$(seg 2)"
check "the example's database, owned by the role" test \
    "$(psqlq mirror2 "select v, pg_get_userbyid(datdba) from t, pg_database where datname = 'mirror2'")" = "one|plain"
PATH="$PGBIN:$PATH" PGHOST=$PGSOCK PGPORT=$PGPORT PGUSER=postgres \
    expect_code 0 sh "$JM_SRC/examples/pg/setup-mirror.sh" mirror2 plain
check "run again, it changes nothing" grep -q "mirror2 ready" out
finish
