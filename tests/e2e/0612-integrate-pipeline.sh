#!/bin/sh
# jintegrate with the real writer: jappend feeds a journal while jrotate --every seals it and
# pipes each segment straight into jintegrate; a live journal copied mid-way, then its sealed
# segment; jrotate --final shows in the bookkeeping. The mirror ends equal to the records.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"

mkdir j
jappend --create j/db.journal
jappend j/db.journal "CREATE TABLE k(a INTEGER PRIMARY KEY, b TEXT)"
mkfifo pipe
jrotate --every 100ms j/db.journal >pipe &
rpid=$!
jintegrate --db m.db <pipe >applied 2>err &
pid=$!
at_exit "kill $rpid $pid"
i=0
while [ $i -lt 300 ]; do
	i=$((i + 1))
	echo "INSERT INTO k VALUES($i, 'row $i')"
	[ $((i % 30)) -eq 0 ] && sleep 0.1      # the writes spread over several rotations
done | jappend j/db.journal
wait_for drained j/db.journal   # every row is in a sealed segment
kill -TERM $rpid
wait $pid
check "the pipeline ended cleanly" test $? -eq 0
check "nothing on stderr" test ! -s err
check "several segments went through" test "$(wc -l <applied)" -ge 2
check "all rows" test "$(sqlite3 m.db 'select count(*), sum(a) from k')" = "300|45150"
check "bookkeeping equals the journal" test "$(sqlite3 m.db 'select last_lsn from jmirror_state')" = 301

# a switch-over: the live journal copied from a "failed" primary, then its sealed segment
jappend j/db.journal "INSERT INTO k VALUES(301, 'a')" "INSERT INTO k VALUES(302, 'b')"
mkdir copy; cp j/db.journal copy/
jappend j/db.journal "INSERT INTO k VALUES(303, 'c')"
expect_code 0 jintegrate --db m.db copy/db.journal
check "the copied live journal applied, nothing printed" test ! -s out
check "to LSN 303" test "$(sqlite3 m.db 'select last_lsn, sealed from jmirror_state')" = "303|0"
final=$(jrotate --final j/db.journal)
expect_code 0 jintegrate --db m.db "$final"
check "the final segment printed" test "$(cat out)" = "$final"
check "final, sealed, at LSN 304" test "$(sqlite3 m.db 'select last_lsn, sealed, final from jmirror_state')" = "304|1|1"
check "all rows" test "$(sqlite3 m.db 'select count(*) from k')" = 303
check "the chain verifies" jcat --verify $(ls j/db.0*.journal) >/dev/null
finish
