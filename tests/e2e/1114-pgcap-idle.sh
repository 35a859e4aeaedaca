#!/bin/sh
# jcapture --every keeps its stream open between drains; a stream the server closed while it
# idled (past wal_sender_timeout, a long --every period) is opened anew within the same
# drain, which neither fails nor loses its tick. SIGTERM ends the loop with 0.
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
kill $cpid
wait $cpid
check "SIGTERM: exit 0" test $? -eq 0
check "no drain failed" test_cmp /dev/null every.err
finish
