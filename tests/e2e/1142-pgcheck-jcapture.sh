#!/bin/sh
# jcapture --checksum on a PostgreSQL primary: the check goes into the WAL as a
# 'jmirror.check' message (read back here from a test_decoding slot, as the capture's drain
# reads it from its own) before the drain runs; a password in the URL, a server that does
# not answer and a database that does not exist are refused with their exit codes; killed
# after its messages and before its commit, it leaves nothing in the stream and no lock; a
# server whose wal_level is not logical is refused (78).
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_start
pg_createdb app
A=$(pg_url app)
psqlq app "CREATE TABLE t(id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE TABLE h(x int)"
psqlq app "SELECT pg_create_logical_replication_slot('chk', 'test_decoding')" >/dev/null
jappend --create app.journal

jcapture -v --checksum "$A" app.journal >out 2>err
check "the check was written into the WAL first" grep -q \
    "^jcapture: check of 1 tables, 3 rows (1 without a primary key left out) written into the WAL of postgresql:///app" err
expect_code 0 jmpgcheck -s chk "$A" app.journal
check "the slot carried it" test -n "$(cat out)"
expect_code 0 jcat app.journal
check "a check record of t" grep -q '^  t key (id): 1 chunks, 3 rows' out

# Killed before the commit: the server rolls it back.
JM_TEST_CRASH=pgcheck-emitted jcapture --checksum "$A" app.journal 2>/dev/null
check "killed" test $? -eq 137
unlocked() { psqlq app "SET lock_timeout = '100ms'; UPDATE t SET v = 'd' WHERE id = 3" >/dev/null 2>&1; }
wait_for unlocked
check "its locks are gone" test "$(psqlq app 'SELECT v FROM t WHERE id = 3')" = d
check "nothing reached the stream" test "$(psqlq app "SELECT count(*) FROM
  pg_logical_slot_peek_changes('chk', NULL, NULL) WHERE data LIKE '%jmirror.check%'")" = 0
jcapture --checksum "$A" app.journal 2>/dev/null
check "the next check goes through" test "$(psqlq app "SELECT count(*) FROM
  pg_logical_slot_peek_changes('chk', NULL, NULL) WHERE data LIKE '%jmirror.check%'")" = 1

expect_code 64 jcapture --checksum "postgresql://postgres:secret@/app?host=$PGSOCK&port=$PGPORT" app.journal
check "a password in the URL: said so" grep -q "jcapture: unable to take a check of .*: a password in the database URL" err
check "and not shown" sh -c "! grep -q secret err"
expect_code 75 jcapture --checksum "postgresql:///app?host=$PGSOCK&port=$(free_port)" app.journal
check "no server: try again later" grep -q "unable to connect to the primary database" err
expect_code 66 jcapture --checksum "$(pg_url nosuch)" app.journal
expect_code 64 jcapture --checksum-every 1s "$A" app.journal

psqlq app "SELECT pg_drop_replication_slot('chk')" >/dev/null
psqlq postgres "ALTER SYSTEM SET wal_level = replica"
pg_restart >/dev/null || fail "restart"
expect_code 78 jcapture --checksum "$A" app.journal
check "wal_level replica: said so" grep -q "unable to take a check of .*: wal_level is replica, not logical: set wal_level = logical" err
finish
