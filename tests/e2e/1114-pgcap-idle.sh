#!/bin/sh
# jcapture --every keeps its stream open between drains; a stream the server closed while it
# idled (past wal_sender_timeout, a long --every period) is opened anew within the same
# drain, which neither fails nor loses its tick. SIGTERM ends the loop with 0. A column added
# behind the running capture's back stops it (78) before the change using it is journaled;
# --ddl-done journals the statement before that change, and the mirror follows.
. ./lib.sh
. "$JM_SRC/tests/pg/pg.sh"
heavy
pg_start
pg_createdb prim
P=$(pg_url prim)
psqlq prim "ALTER SYSTEM SET wal_sender_timeout = '1s'"
psqlq prim "SELECT pg_reload_conf()" >/dev/null
psqlq prim "CREATE TABLE t(id int PRIMARY KEY)"
jappend --create db.journal >/dev/null
expect_code 0 jcapture --install "$P" db.journal
has() { jcat db.journal | grep -q "insert t (id=$1)"; }

jcapture --every 2500ms "$P" db.journal 2>every.err &
cpid=$!
at_exit "kill $cpid 2>/dev/null"
psqlq prim "INSERT INTO t VALUES (1)"
check "the first row is drained" wait_for has 1
sleep 3         # the stream idles past the server's 1 s timeout: the server closes it
psqlq prim "INSERT INTO t VALUES (2)"
check "the next drain opens a new stream" wait_for has 2
check "no drain failed" test_cmp /dev/null every.err

psqlq prim "ALTER TABLE t ADD COLUMN x int"
psqlq prim "INSERT INTO t VALUES (3, 30)"
check "a change behind its back stops the capture" wait_for ended $cpid
wait $cpid
check "with 78" test $? -eq 78
check "naming the table" grep -q "table t was changed without jcapture --ddl" every.err
check "nothing of the change using it was journaled" sh -c '! jcat db.journal | grep -q "id=3"'
expect_code 0 jcapture --ddl-done "ALTER TABLE t ADD COLUMN x int" "$P" db.journal
check "the statement, then the change" sh -c "jcat db.journal | grep -n 'ADD COLUMN x\|insert t (id=3)' |
	cut -d: -f1 | sort -n -c && jcat db.journal | grep -q 'insert t (id=3) -> (id=3, x=30)'"
jrotate -q db.journal
expect_code 0 jintegrate --db m.db "$(seg 1)"
check "the mirror followed" test "$(sqlite3 m.db 'SELECT id, x FROM t ORDER BY id' | tr '\n' ' ')" = "1| 2| 3|30 "

jcapture --every 100ms "$P" db.journal 2>every2.err &
cpid=$!
psqlq prim "INSERT INTO t VALUES (4, 40)"
check "drains again" wait_for has 4
kill $cpid
wait $cpid
check "SIGTERM: exit 0" test $? -eq 0
finish
