#!/bin/sh
# jintegrate --db postgresql://: a PostgreSQL mirror applied natively through libpq, data
# and bookkeeping (schema jmirror) in one transaction per segment; exactly once across
# re-runs, a SIGKILL mid-segment and a server restart; the same refusals as SQLite (damaged
# input, a record ending the transaction, a record touching the bookkeeping); the advisory
# lock; jstatus reading it.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_start
pg_createdb mirror
M=$(pg_url mirror)
mkdir j k d s
rows() { psqlq mirror "select count(*), coalesce(sum(id), 0) from t"; }

jappend --create j/db.journal >/dev/null
jappend j/db.journal "CREATE TABLE t(id bigint PRIMARY KEY, v text, r double precision, b bytea);" \
	"INSERT INTO t VALUES (1, 'it''s; not two', 0.1, '\x00ff'); INSERT INTO t VALUES (2, \$\$a;b\$\$, 1e308, NULL);"
jrotate -q j/db.journal
jappend j/db.journal "BEGIN; INSERT INTO t VALUES (3, E'x\\';y', -0.0, NULL); COMMIT;" \
	"/* a comment; */ UPDATE t SET v = v || '!' WHERE id = 1 -- trailing; comment"
jrotate -q j/db.journal
ls j/db.0001-*.journal >paths

expect_code 0 jintegrate --db "$M" $(cat paths)
check "printed both, in order" test_cmp paths out
check "rows" test "$(rows)" = "3|6"
check "quotes, dollar bodies and E-strings kept whole" test \
	"$(psqlq mirror "select string_agg(v, ',' order by id) from t")" = "it's; not two!,a;b,x';y"
check "reals exact" test "$(psqlq mirror "select r::text from t where id = 2")" = "1e+308"
check "bookkeeping in the same database" test \
	"$(psqlq mirror 'select role, name, timeline, seq, last_lsn, sealed from jmirror.state')" = \
	"mirror|db|1|2|4|1"
check "digest of the last segment" test "$(psqlq mirror 'select digest from jmirror.state')" = \
	"$(jcat --json "$(tail -n 1 paths)" | sed -n 's/.*"digest": *"\([0-9a-f]*\)".*/\1/p' | head -n 1)"

expect_code 0 jintegrate --db "$M" $(cat paths)
check "already applied: printed again, applied once" test "$(rows)" = "3|6"

expect_code 0 jstatus --db "$M"
check "jstatus reads the PostgreSQL bookkeeping" grep -q "timeline 1, seq 2, LSN 4" out

# a damaged segment: refused, the mirror unchanged
jappend j/db.journal "INSERT INTO t VALUES (4, 'four', 4, NULL);"
jrotate -q j/db.journal
s3=j/db.0001-000000000003.journal
cp "$s3" keep3
flip "$s3" 200
expect_code 65 jintegrate --db "$M" "$s3"
check "damage refused, nothing applied" test "$(rows)" = "3|6"
cp keep3 "$s3"
expect_code 0 jintegrate --db "$M" "$s3"
check "the good copy applies" test "$(rows)" = "4|10"

# seeding a second mirror the way jmirror(7) says: pg_dump of a mirror (data and bookkeeping
# in one snapshot), pg_restore into an empty database, then integrate as usual
"$PGBIN/pg_dump" -Fc -h "$PGSOCK" -p "$PGPORT" -U postgres -d mirror -f seed.dump
pg_createdb seeded
"$PGBIN/pg_restore" -h "$PGSOCK" -p "$PGPORT" -U postgres -d seeded seed.dump
expect_code 0 jintegrate --db "$(pg_url seeded)" $(cat paths) "$s3"
check "the seeded mirror continues where its source was" test \
	"$(psqlq seeded 'select seq, last_lsn from jmirror.state')" = "3|5"
check "and applied nothing twice" test "$(psqlq seeded 'select count(*), sum(id) from t')" = "4|10"

# a record that would end the applier's transaction, or touch the bookkeeping: refused whole
jappend j/db.journal "INSERT INTO t VALUES (5, 'five', 5, NULL); ROLLBACK;"
jrotate -q j/db.journal
expect_code 78 jintegrate --db "$M" j/db.0001-000000000004.journal
check "ROLLBACK refused naming the LSN" grep -q "LSN 6: ROLLBACK" err
check "nothing of it applied" test "$(rows)" = "4|10"
check "bookkeeping unchanged" test "$(psqlq mirror 'select seq, last_lsn from jmirror.state')" = "3|5"

pg_createdb m2
M2=$(pg_url m2)
jappend --create k/db.journal >/dev/null
jappend k/db.journal "CREATE TABLE u(x int);" "UPDATE \"jmirror\" . state SET seq = 99;"
jrotate -q k/db.journal
expect_code 65 jintegrate --db "$M2" k/db.0001-000000000001.journal
check "a record naming the bookkeeping is refused" grep -q "records may not touch the bookkeeping" err
check "and nothing of its segment applied" test "$(psqlq m2 "select to_regclass('public.u') is null")" = t
# dynamic SQL the lexer cannot see: the compare-and-set catches it
jappend --create d/db.journal >/dev/null
jappend d/db.journal "CREATE TABLE u(x int);" "INSERT INTO u VALUES (1);"
jrotate -q d/db.journal
jappend d/db.journal "INSERT INTO u VALUES (2);" \
	"DO \$\$ BEGIN EXECUTE 'UPDATE jmir' || 'ror.state SET last_lsn = 0'; END \$\$;"
jrotate -q d/db.journal
pg_createdb m3
M3=$(pg_url m3)
expect_code 0 jintegrate --db "$M3" d/db.0001-000000000001.journal
expect_code 75 jintegrate --db "$M3" d/db.0001-000000000002.journal
check "bookkeeping rewritten by a record: the next batch rolls back" grep -q "bookkeeping changed" err
check "and applies nothing" test "$(psqlq m3 'select count(*) from u')" = 1

# the integration lock: a session advisory lock in the mirror database
# (psql itself in the background, not a function: a subshell would run the test's traps)
"$PGBIN/psql" -X -q -h "$PGSOCK" -p "$PGPORT" -U postgres -d mirror \
	-c "select pg_advisory_lock(7596543223146738002), pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
wait_for sh -c "test \"\$(psqlq mirror \"select count(*) from pg_locks where locktype = 'advisory' and granted\")\" = 1"
expect_code 75 jintegrate --no-wait --db "$M" "$s3"
check "busy: another integration holds the lock" grep -q busy err
psqlq postgres "select pg_terminate_backend(pid) from pg_stat_activity where datname = 'mirror' and pid <> pg_backend_pid()" >/dev/null
wait "$holder" 2>/dev/null

# SIGKILL in the middle of a segment: PostgreSQL rolls the transaction back (the server sees
# the dead client within client_connection_check_interval), the re-run applies it once
pg_createdb m4
M4=$(pg_url m4)
jappend --create s/db.journal >/dev/null
jappend s/db.journal "CREATE TABLE t(id int PRIMARY KEY);" "INSERT INTO t VALUES (1);"
jrotate -q s/db.journal
jappend s/db.journal "INSERT INTO t VALUES (2);" "SELECT pg_sleep(4);" "INSERT INTO t VALUES (3);"
jrotate -q s/db.journal
jappend s/db.journal "INSERT INTO t VALUES (4); SELECT pg_sleep(4);"
jrotate -q s/db.journal
not_sleeping_in() { ! sleeping_in "$1"; }
sleeping_in() { test "$(psqlq postgres "select count(*) from pg_stat_activity where datname = '$1' and query like '%pg_sleep%' and pid <> pg_backend_pid()")" = 1; }
jintegrate --db "$M4" s/db.0001-00000000000[12].journal >kill.out 2>&1 &
pid=$!
wait_for sleeping_in m4
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "killed mid-segment: only the first segment is in" test "$(psqlq m4 'select count(*) from t')" = 1
check "bookkeeping at the first segment" test "$(psqlq m4 'select seq, last_lsn from jmirror.state')" = "1|2"
wait_for not_sleeping_in m4
check "the dead client's backend is gone (its lock with it)" not_sleeping_in m4

# the server restarted in the middle of a segment: try again later (75), then exactly once
jintegrate --db "$M4" s/db.0001-00000000000[123].journal >restart.out 2>restart.err &
pid=$!
wait_for sleeping_in m4
pg_restart
wait "$pid"
rc=$?
check "a restart mid-segment is 'try again later' (75), got $rc" test "$rc" = 75
check "nothing of the interrupted segment" test "$(psqlq m4 'select seq from jmirror.state')" -le 2
expect_code 0 jintegrate --db "$M4" s/db.0001-00000000000[123].journal
check "then each row exactly once" test "$(psqlq m4 'select count(*), sum(id) from t')" = "4|10"

# switch-over: jpromote takes the advisory lock and marks the database operational
mkdir p
expect_code 0 jpromote --force --db "$M4" --journal p/db.journal
check "role operational" test "$(psqlq m4 'select role from jmirror.state')" = operational
check "the new timeline's live journal" test -f p/db.journal
expect_code 69 jintegrate --db "$M4" s/db.0001-000000000003.journal
expect_code 64 jbackup --db "$M4" -o b.tar.zst
check "jbackup points to pg_dump" grep -q pg_dump err

# no password on the command line
expect_code 64 jintegrate --db "postgresql://postgres:secret@127.0.0.1:1/x" "$s3"
check "a password in the URL is refused" grep -q "pgpass" err
check "and never printed" sh -c "! grep -q secret err"
expect_code 66 jstatus --db "$(pg_url nosuchdb)"
finish
